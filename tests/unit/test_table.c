/*
 * test_table.c — the short-key map of src/core/table.h (chat's user, channel
 * and word dictionaries): weir_load16 reads exactly the key's bytes, and
 * keys that differ only in length or in a NUL byte stay distinct through
 * growth.
 */
#include "core/table.h"

#include "t.h"

/* weir_load16 equals a zero-padded copy for every length and alignment; the
 * key sits at the end of an exact-size heap block so ASan sees any over-read. */
static void test_load16(void)
{
	int wrong = 0;
	for (uint32_t n = 0; n <= WEIR_SKMAP_MAXLEN; n++) {
		for (int fill = 0; fill < 3; fill++) {
			char *p = malloc(n ? n : 1);
			for (uint32_t i = 0; i < n; i++)
				p[i] = fill == 0 ? (char)(0xa0 + i) : fill == 1 ? (char)0xff : (char)(i & 1);
			unsigned char want[16] = {0};
			memcpy(want, p, n);
			uint64_t a, b, wa, wb;
			memcpy(&wa, want, 8);
			memcpy(&wb, want + 8, 8);
			weir_load16(p, n, &a, &b);
			if (a != wa || b != wb)
				wrong++;
			free(p);
		}
	}
	CHECK_EQ_INT(wrong, 0);
}

static struct weir_skent *get(struct weir_skmap *m, const char *p, uint32_t n, int *isnew)
{
	uint64_t a, b;
	weir_load16(p, n, &a, &b);
	return weir_skmap_get(m, a, b, n, weir_skmap_hash(a, b, n), isnew);
}

static void test_skmap(void)
{
	struct weir_skmap m;
	CHECK_EQ_INT(weir_skmap_init(&m, 16), 0);
	int isnew;
	/* same bytes, different lengths (zero padding must not merge them) */
	struct weir_skent *e = get(&m, "a", 1, &isnew);
	CHECK(e && isnew);
	e->val = 1;
	e = get(&m, "a\0", 2, &isnew);
	CHECK(e && isnew);
	e->val = 2;
	e = get(&m, "", 0, &isnew);
	CHECK(e && isnew);
	e->val = 3;
	e = get(&m, "a\0\0\0\0\0\0\0\0", 9, &isnew);
	CHECK(e && isnew);
	e->val = 4;
	/* many keys of every length through several doublings */
	char key[17];
	for (uint32_t i = 0; i < 20000; i++) {
		uint32_t n = 1 + i % 16;
		for (uint32_t k = 0; k < n; k++)
			key[k] = (char)('a' + (i >> (k % 5 * 3)) % 26);
		key[0] = (char)('A' + i % 26);
		snprintf(key + (n > 6 ? n - 6 : 0), 7, "%06u", i);
		uint32_t len = n > 6 ? n : 6;
		e = get(&m, key, len, &isnew);
		if (!e || (isnew && e->val) || (!isnew && e->val != i + 10))
			CHECK(0);
		if (isnew)
			e->val = i + 10;
	}
	uint32_t len = m.len;
	CHECK(len > 19000);
	CHECK_EQ_INT(get(&m, "a", 1, &isnew)->val, 1);
	CHECK_EQ_INT(isnew, 0);
	CHECK_EQ_INT(get(&m, "a\0", 2, &isnew)->val, 2);
	CHECK_EQ_INT(get(&m, "", 0, &isnew)->val, 3);
	CHECK_EQ_INT(get(&m, "a\0\0\0\0\0\0\0\0", 9, &isnew)->val, 4);
	CHECK_EQ_INT(isnew, 0);
	CHECK_EQ_INT(m.len, len);
	weir_skmap_free(&m);
}

int main(void)
{
	TEST(test_load16);
	TEST(test_skmap);
	T_END();
}
