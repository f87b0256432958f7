/*
 * t.h — the smallest unit-test harness that does the job: CHECK records a
 * failure with file:line and goes on; each test binary prints one line
 * "T: N passed, N failed" for tests/run.sh to add up, and exits non-zero
 * on any failure.
 */
#ifndef WEIR_T_H
#define WEIR_T_H
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static int t_pass, t_fail, t_cur_failed;
static const char *t_name;

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "  FAIL %s:%d (%s): %s\n", __FILE__, __LINE__, t_name, \
				#cond);                                                    \
			t_cur_failed = 1;                                                  \
		}                                                                          \
	} while (0)
#define CHECK_EQ_INT(a, b)                                                                      \
	do {                                                                                    \
		long long _a = (long long)(a), _b = (long long)(b);                             \
		if (_a != _b) {                                                                 \
			fprintf(stderr, "  FAIL %s:%d (%s): %s == %lld, expected %lld\n", __FILE__, \
				__LINE__, t_name, #a, _a, _b);                                  \
			t_cur_failed = 1;                                                       \
		}                                                                               \
	} while (0)
#define CHECK_EQ_STR(a, b)                                                                          \
	do {                                                                                        \
		const char *_a = (a), *_b = (b);                                                    \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                                            \
			fprintf(stderr, "  FAIL %s:%d (%s): %s == \"%s\", expected \"%s\"\n", __FILE__, \
				__LINE__, t_name, #a, _a ? _a : "(null)", _b ? _b : "(null)");      \
			t_cur_failed = 1;                                                           \
		}                                                                                   \
	} while (0)

#define TEST(fn)                                      \
	do {                                                  \
		t_name = #fn;                                 \
		t_cur_failed = 0;                             \
		fn();                                         \
		if (t_cur_failed)                             \
			t_fail++;                             \
		else                                          \
			t_pass++;                             \
	} while (0)

#define T_END()                                                          \
	do {                                                             \
		printf("T: %d passed, %d failed\n", t_pass, t_fail);     \
		return t_fail ? 1 : 0;                                   \
	} while (0)

#endif
