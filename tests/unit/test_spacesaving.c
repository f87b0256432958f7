/*
 * test_spacesaving.c — Space-Saving summaries (core/spacesaving.c) against
 * exact counts on Zipf data: every key with a true count above N/k is held,
 * every held count overestimates by at most its err <= floor <= N/k, every
 * key not held has a true count <= floor; the same after building from exact
 * counts, after merging, and through serialization.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/spacesaving.h"
#include "t.h"

#define U 20000 /* distinct keys */

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double cdf[U];

static void zipf_init(double s)
{
	double sum = 0;
	for (int i = 0; i < U; i++)
		cdf[i] = (sum += 1.0 / pow(i + 1, s));
	for (int i = 0; i < U; i++)
		cdf[i] /= sum;
}

static uint32_t zipf(void)
{
	double u = (double)(next_rand() >> 11) / 9007199254740992.0;
	uint32_t lo = 0, hi = U - 1;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* scatter ranks over the key space so key order says nothing */
	return (lo * 7919u) % U;
}

static int keyof(uint32_t x, char *buf)
{
	return snprintf(buf, 16, "w%u", x);
}

/* Checks every guarantee of s against the exact counts. */
static void check_guarantees(const struct weir_ss *s, const uint64_t *exact, uint64_t n, uint32_t k,
			     double floor_factor)
{
	uint64_t total = 0;
	for (int i = 0; i < U; i++)
		total += exact[i];
	CHECK_EQ_INT(s->total, total);
	CHECK(s->len <= s->cap);
	CHECK((double)s->floor <= floor_factor * (double)n / k);
	int held_over = 0, bad = 0;
	for (int i = 0; i < U; i++) {
		char key[16];
		int kn = keyof((uint32_t)i, key);
		const struct weir_ss_entry *e = weir_ss_find(s, key, (uint32_t)kn);
		if (!e) {
			if (exact[i] > s->floor)
				bad++;
			continue;
		}
		if (exact[i] > n / k)
			held_over++;
		if (!(e->count >= exact[i] && e->count - e->err <= exact[i] && e->err <= s->floor))
			bad++;
	}
	if (bad)
		fprintf(stderr, "  %d keys break a guarantee (floor %llu, N/k %llu)\n", bad,
			(unsigned long long)s->floor, (unsigned long long)(n / k));
	CHECK_EQ_INT(bad, 0);
	/* the heavy hitters (true count > N/k) are all there */
	int want = 0;
	for (int i = 0; i < U; i++)
		want += exact[i] > n / k;
	CHECK_EQ_INT(held_over, want);
	CHECK(want > 5);
}

static void test_stream(void)
{
	static uint64_t exact[U];
	memset(exact, 0, sizeof(exact));
	zipf_init(1.1);
	struct weir_ss s;
	uint32_t k = 200;
	CHECK_EQ_INT(weir_ss_init(&s, 0), WEIR_EINVAL);
	CHECK_EQ_INT(weir_ss_init(&s, k), 0);
	uint64_t n = 0;
	for (int i = 0; i < 300000; i++) {
		uint32_t x = zipf();
		uint64_t w = 1 + (next_rand() % 4); /* weighted updates */
		char key[16];
		int kn = keyof(x, key);
		CHECK_EQ_INT(weir_ss_update(&s, key, (uint32_t)kn, w), 0);
		exact[x] += w;
		n += w;
	}
	CHECK_EQ_INT(s.len, k);
	check_guarantees(&s, exact, n, k, 1.0);
	weir_ss_free(&s);
}

/* weir_ss_write_items writes what s, built from v, writes. */
static void write_items_same(const struct weir_ss *s, const struct weir_ss_item *v, uint32_t n)
{
	uint8_t *a = malloc(weir_ss_size(s)), *b = malloc(weir_ss_items_size(v, n, s->cap));
	size_t la = weir_ss_write(s, a), lb = weir_ss_write_items(v, n, s->cap, b);
	CHECK(la > 0 && la == lb && memcmp(a, b, la) == 0);
	free(a);
	free(b);
}

static void test_build_exact(void)
{
	static uint64_t exact[U];
	memset(exact, 0, sizeof(exact));
	zipf_init(1.0);
	uint64_t n = 0;
	for (int i = 0; i < 200000; i++) {
		exact[zipf()]++;
		n++;
	}
	static struct weir_ss_item items[U];
	static char keys[U][16];
	uint32_t ni = 0;
	for (int i = 0; i < U; i++)
		if (exact[i]) {
			int kn = keyof((uint32_t)i, keys[ni]);
			items[ni] = (struct weir_ss_item){keys[ni], (uint32_t)kn, exact[i]};
			ni++;
		}
	struct weir_ss a, b;
	weir_ss_init(&a, 256);
	weir_ss_init(&b, 256);
	CHECK_EQ_INT(weir_ss_build(&a, items, ni), 0);
	check_guarantees(&a, exact, n, 256, 1.0);
	for (uint32_t i = 0; i < a.len; i++)
		CHECK_EQ_INT(a.e[i].err, 0);
	/* the cut falls between distinct counts: the order of the items does not matter */
	for (uint32_t i = ni - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(next_rand() % (i + 1));
		struct weir_ss_item t = items[i];
		items[i] = items[j];
		items[j] = t;
	}
	CHECK_EQ_INT(weir_ss_build(&b, items, ni), 0);
	uint8_t *ba = malloc(weir_ss_size(&a)), *bb = malloc(weir_ss_size(&b));
	size_t la = weir_ss_write(&a, ba), lb = weir_ss_write(&b, bb);
	CHECK(la == lb && memcmp(ba, bb, la) == 0);
	/* written straight from the (shuffled) items: the same bytes */
	uint8_t *bi = malloc(weir_ss_items_size(items, ni, 256));
	size_t li = weir_ss_write_items(items, ni, 256, bi);
	CHECK(li == la && memcmp(bi, ba, la) == 0);
	free(bi);
	/* round trip */
	struct weir_ss r;
	CHECK_EQ_INT(weir_ss_read(&r, ba, la), 0);
	check_guarantees(&r, exact, n, 256, 1.0);
	struct weir_ss bad;
	CHECK_EQ_INT(weir_ss_read(&bad, ba, la - 1), WEIR_EFORMAT);
	/* few keys: exact, floor 0 */
	struct weir_ss_item few[] = {{"a", 1, 5}, {"b", 1, 5}, {"c", 1, 1}};
	weir_ss_free(&r);
	weir_ss_init(&r, 3);
	CHECK_EQ_INT(weir_ss_build(&r, few, 3), 0);
	CHECK(r.len == 3 && r.floor == 0);
	write_items_same(&r, few, 3);
	/* ties at the cut: with k = 1 the 2nd count is 5, so neither 5 is kept */
	weir_ss_free(&r);
	weir_ss_init(&r, 1);
	CHECK_EQ_INT(weir_ss_build(&r, few, 3), 0);
	CHECK(r.len == 0 && r.floor == 5); /* a and b tie: both left out, floor 5 */
	write_items_same(&r, few, 3);
	weir_ss_free(&r);
	weir_ss_init(&r, 2);
	CHECK_EQ_INT(weir_ss_build(&r, few, 0), 0); /* no items */
	write_items_same(&r, few, 0);
	free(ba);
	free(bb);
	weir_ss_free(&a);
	weir_ss_free(&b);
	weir_ss_free(&r);
}

/* Four streams summarized apart, then merged: all at once (no cut) and
 * pairwise (cut back to k each time). */
static void test_merge(void)
{
	static uint64_t exact[U];
	memset(exact, 0, sizeof(exact));
	zipf_init(1.2);
	uint32_t k = 300;
	struct weir_ss part[4];
	uint64_t n = 0;
	for (int p = 0; p < 4; p++) {
		weir_ss_init(&part[p], k);
		for (int i = 0; i < 50000 * (p + 1); i++) {
			uint32_t x = zipf();
			char key[16];
			int kn = keyof(x, key);
			weir_ss_update(&part[p], key, (uint32_t)kn, 1);
			exact[x]++;
			n++;
		}
	}
	struct weir_ss_acc *acc;
	CHECK_EQ_INT(weir_ss_acc_new(&acc), 0);
	for (int p = 0; p < 4; p++) {
		if (p % 2) {
			CHECK_EQ_INT(weir_ss_acc_add(acc, &part[p]), 0);
		} else {
			uint8_t *b = malloc(weir_ss_size(&part[p]));
			size_t len = weir_ss_write(&part[p], b);
			CHECK_EQ_INT(weir_ss_acc_add_bytes(acc, b, len), 0);
			free(b);
		}
	}
	struct weir_ss all;
	CHECK_EQ_INT(weir_ss_acc_result(acc, 0, &all), 0);
	check_guarantees(&all, exact, n, k, 1.0); /* the sum of the floors <= sum of N_i/k = N/k */
	weir_ss_acc_free(acc);
	struct weir_ss m;
	weir_ss_init(&m, k);
	for (int p = 0; p < 4; p++)
		CHECK_EQ_INT(weir_ss_merge(&m, &part[p]), 0);
	CHECK(m.len <= k);
	check_guarantees(&m, exact, n, k, 2.0);
	/* the merged summary still takes stream updates */
	CHECK_EQ_INT(weir_ss_update(&m, "new", 3, 1), 0);
	CHECK(weir_ss_find(&m, "new", 3) != NULL);
	/* top-N order */
	weir_ss_sort(&all);
	for (uint32_t i = 1; i < all.len; i++)
		CHECK(all.e[i - 1].count >= all.e[i].count);
	CHECK(weir_ss_find(&all, all.e[0].key, all.e[0].n) == &all.e[0]);
	for (int p = 0; p < 4; p++)
		weir_ss_free(&part[p]);
	weir_ss_free(&all);
	weir_ss_free(&m);
}

/* weir_ss_write_items sorts by an 8-byte prefix first: keys equal in their
 * first 8 bytes, NUL bytes, prefixes of each other, sorted runs; and the
 * cut (selection, many equal counts) on more items than the capacity. */
static void test_write_items_keys(void)
{
	static char keys[3000][24];
	static struct weir_ss_item items[3000];
	const char *stems[] = {"abcdefgh", "abcdefg", "abcdefghi", "a", "", "zz", "abcdefgh\0"};
	uint32_t ni = 0;
	for (uint32_t i = 0; i < 3000; i++) {
		const char *st = stems[i % 7];
		uint32_t sn = i % 7 == 6 ? 9 : (uint32_t)strlen(st);
		memcpy(keys[i], st, sn);
		uint32_t kn = sn;
		if (i >= 7) { /* a sorted run then a shuffled tail: suffix bytes of the index */
			keys[i][kn++] = (char)(i < 1500 ? (i >> 8) : next_rand());
			keys[i][kn++] = (char)i;
			keys[i][kn++] = (char)(i >> 4);
		}
		items[ni++] = (struct weir_ss_item){keys[i], kn, 1 + next_rand() % (i % 3 ? 3 : 40)};
	}
	/* distinct keys only (the store's items are) */
	for (uint32_t i = 0; i < ni; i++)
		for (uint32_t j = 0; j < i; j++)
			if (items[j].n == items[i].n && memcmp(items[j].key, items[i].key, items[i].n) == 0) {
				items[i--] = items[--ni];
				break;
			}
	uint32_t caps[] = {1, 16, 256, 1024, 5000};
	for (int c = 0; c < 5; c++) {
		struct weir_ss r;
		weir_ss_init(&r, caps[c]);
		CHECK_EQ_INT(weir_ss_build(&r, items, ni), 0);
		write_items_same(&r, items, ni);
		weir_ss_free(&r);
	}
}

int main(void)
{
	TEST(test_stream);
	TEST(test_build_exact);
	TEST(test_write_items_keys);
	TEST(test_merge);
	T_END();
}
