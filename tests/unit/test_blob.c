/*
 * test_blob.c — the count blobs merge exactly (sinks/blob.c).
 */
#include <stdlib.h>
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

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

/* The ids blob equals qsort + unique at every size the bucket sort treats
 * differently (insertion sort, 4..12 bucket bits, crowded buckets), also
 * for ids sharing their top bits (crafted) and repeated ids. */
static void test_ids_sizes(void)
{
	static const uint32_t sizes[] = {0, 1, 2, 31, 32, 33, 63, 64, 65, 100, 1000, 5000, 70000};
	uint64_t x = 88172645463325252ULL;
	for (int shape = 0; shape < 3; shape++)
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			uint32_t n = sizes[k];
			uint64_t *v = malloc((n + 1) * sizeof(uint64_t)),
				 *want = malloc((n + 1) * sizeof(uint64_t));
			for (uint32_t i = 0; i < n; i++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
				v[i] = shape == 0 ? x : shape == 1 ? x >> 20 : x % 50;
			}
			memcpy(want, v, n * sizeof(uint64_t));
			qsort(want, n, sizeof(uint64_t), cmp_u64);
			uint32_t nw = 0;
			for (uint32_t i = 0; i < n; i++)
				if (!nw || want[nw - 1] != want[i])
					want[nw++] = want[i];
			struct weir_buf b = {0};
			CHECK_EQ_INT(weir_ids_blob(v, n, &b), 0);
			CHECK_EQ_INT(b.len, (size_t)nw * 8);
			CHECK(!nw || b.len != (size_t)nw * 8 || memcmp(b.p, want, b.len) == 0);
			weir_buf_free(&b);
			free(v);
			free(want);
		}
}

int main(void)
{
	TEST(test_words);
	TEST(test_users);
	TEST(test_ids);
	TEST(test_ids_sizes);
	T_END();
}
