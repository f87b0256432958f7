/*
 * test_blob.c — the count blobs merge exactly (sinks/blob.c).
 */
#include <string.h>

#include "sinks/blob.h"
#include "t.h"

static void test_words(void)
{
	struct weir_wordcount a[] = {{{"apple", 5}, 2}, {{"kappa", 5}, 7}, {{"z", 1}, 1}};
	struct weir_wordcount b[] = {{{"a", 1}, 4}, {{"kappa", 5}, 3}, {{"\xc3\xa4", 2}, 9}};
	struct weir_buf ba = {0}, bb = {0}, m = {0};
	CHECK_EQ_INT(weir_words_blob(a, 3, &ba), 0);
	CHECK_EQ_INT(weir_words_blob(b, 3, &bb), 0);
	CHECK_EQ_INT(weir_words_merge(ba.p, ba.len, bb.p, bb.len, &m), 0);
	struct weir_blob_it it = {m.p, m.p + m.len, 0};
	const char *w;
	uint32_t n;
	uint64_t c;
	const char *want[] = {"a", "apple", "kappa", "z", "\xc3\xa4"};
	uint64_t wantc[] = {4, 2, 10, 1, 9};
	int i = 0;
	while (weir_words_next(&it, &w, &n, &c)) {
		CHECK(i < 5 && n == strlen(want[i]) && memcmp(w, want[i], n) == 0);
		CHECK_EQ_INT(c, wantc[i]);
		i++;
	}
	CHECK_EQ_INT(i, 5);
	weir_buf_free(&ba);
	weir_buf_free(&bb);
	weir_buf_free(&m);
}

static void test_users(void)
{
	uint32_t g1[] = {300, 5, 70000}, c1[] = {1, 2, 3};
	uint32_t g2[] = {5, 6}, c2[] = {10, 1};
	struct weir_buf ba = {0}, bb = {0}, m = {0};
	weir_usercounts_blob(g1, c1, 3, &ba);
	weir_usercounts_blob(g2, c2, 2, &bb);
	CHECK_EQ_INT(weir_usercounts_merge(ba.p, ba.len, bb.p, bb.len, &m), 0);
	struct weir_blob_it it = {m.p, m.p + m.len, 0};
	uint32_t g;
	uint64_t c;
	uint32_t wg[] = {5, 6, 300, 70000};
	uint64_t wc[] = {12, 1, 1, 3};
	int i = 0;
	while (weir_usercounts_next(&it, &g, &c)) {
		CHECK(i < 4 && g == wg[i] && c == wc[i]);
		i++;
	}
	CHECK_EQ_INT(i, 4);
	weir_buf_free(&ba);
	weir_buf_free(&bb);
	weir_buf_free(&m);
}

static void test_ids(void)
{
	uint64_t a[] = {9, 3, 7}, b[] = {7, 1, 3, 11};
	struct weir_buf ba = {0}, m = {0};
	weir_ids_blob(a, 3, &ba);
	CHECK_EQ_INT(ba.len, 24);
	weir_ids_merge(ba.p, ba.len, b, 4, &m);
	CHECK_EQ_INT(m.len, 5 * 8);
	uint64_t want[] = {1, 3, 7, 9, 11};
	for (int i = 0; i < 5 && (size_t)i * 8 < m.len; i++) {
		uint64_t v;
		memcpy(&v, m.p + i * 8, 8);
		CHECK_EQ_INT(v, want[i]);
	}
	weir_buf_free(&ba);
	weir_buf_free(&m);
}

int main(void)
{
	TEST(test_words);
	TEST(test_users);
	TEST(test_ids);
	T_END();
}
