/*
 * test_hll.c — HyperLogLog (core/hll.c): the estimate stays within the
 * documented error (1.04/sqrt(m)) over many random sets of every size, a
 * merge equals the sketch of the union, serialization round-trips and is
 * byte for byte the register-at-a-time encoding (stored sketches must not
 * change when the writer does).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weir/hll.h"
#include "core/varint.h"
#include "t.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void add_random(struct weir_hll *h, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v = next_rand();
		weir_hll_add(h, &v, sizeof(v));
	}
}

static void test_empty_and_tiny(void)
{
	struct weir_hll h;
	CHECK_EQ_INT(weir_hll_init(&h, 3), WEIR_EINVAL);
	CHECK_EQ_INT(weir_hll_init(&h, 14), 0);
	CHECK(weir_hll_estimate(&h) == 0.0);
	weir_hll_add(&h, "alice", 5);
	weir_hll_add(&h, "alice", 5); /* idempotent */
	CHECK(fabs(weir_hll_estimate(&h) - 1.0) < 0.01);
	weir_hll_add(&h, "bob", 3);
	CHECK(fabs(weir_hll_estimate(&h) - 2.0) < 0.01);
	weir_hll_free(&h);
}

/* Every size from 1 to 2M at the default precision: each estimate within 3
 * standard errors (a fixed seed, so the check is deterministic). */
static void test_error_by_size(void)
{
	static const uint64_t sizes[] = {1, 10, 100, 1000, 5000, 20000, 50000, 200000, 2000000};
	double rse = weir_hll_rse(14);
	CHECK(fabs(rse - 0.008125) < 1e-6);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (int trial = 0; trial < (sizes[i] > 100000 ? 1 : 4); trial++) {
			struct weir_hll h;
			weir_hll_init(&h, 14);
			add_random(&h, sizes[i]);
			double e = weir_hll_estimate(&h), rel = fabs(e - (double)sizes[i]) / (double)sizes[i];
			if (rel > 3 * rse)
				fprintf(stderr, "  n=%llu estimate %.1f (%.4f)\n",
					(unsigned long long)sizes[i], e, rel);
			CHECK(rel <= 3 * rse);
			weir_hll_free(&h);
		}
}

/* The error distribution: over 300 random sets at p = 10 (m = 1024, rse
 * 3.25%), the root-mean-square relative error is close to 1.04/sqrt(m) and
 * the estimator is unbiased, across the small range (linear counting's),
 * the transition and the large range. */
static void test_error_distribution(void)
{
	static const uint64_t sizes[] = {500, 3000, 30000};
	double rse = weir_hll_rse(10);
	for (size_t i = 0; i < 3; i++) {
		double sq = 0, sum = 0;
		int trials = 300;
		for (int t = 0; t < trials; t++) {
			struct weir_hll h;
			weir_hll_init(&h, 10);
			add_random(&h, sizes[i]);
			double rel = (weir_hll_estimate(&h) - (double)sizes[i]) / (double)sizes[i];
			sq += rel * rel;
			sum += rel;
			weir_hll_free(&h);
		}
		double rms = sqrt(sq / trials), bias = sum / trials;
		if (rms > 1.2 * rse || fabs(bias) > 0.3 * rse)
			fprintf(stderr, "  n=%llu rms %.4f bias %.4f (rse %.4f)\n",
				(unsigned long long)sizes[i], rms, bias, rse);
		CHECK(rms <= 1.2 * rse);
		CHECK(fabs(bias) <= 0.3 * rse);
	}
}

static void test_merge_is_union(void)
{
	struct weir_hll a, b, u;
	weir_hll_init(&a, 12);
	weir_hll_init(&b, 12);
	weir_hll_init(&u, 12);
	for (int i = 0; i < 30000; i++) {
		uint64_t v = next_rand();
		/* a: the first 20000, b: the last 20000 (10000 shared) */
		if (i < 20000)
			weir_hll_add(&a, &v, 8);
		if (i >= 10000)
			weir_hll_add(&b, &v, 8);
		weir_hll_add(&u, &v, 8);
	}
	CHECK_EQ_INT(weir_hll_merge(&a, &b), 0);
	CHECK(memcmp(a.reg, u.reg, 1 << 12) == 0);
	CHECK(weir_hll_estimate(&a) == weir_hll_estimate(&u));
	struct weir_hll c;
	weir_hll_init(&c, 13);
	CHECK_EQ_INT(weir_hll_merge(&a, &c), WEIR_EINVAL);
	weir_hll_free(&a);
	weir_hll_free(&b);
	weir_hll_free(&u);
	weir_hll_free(&c);
}

static void roundtrip(uint64_t n, int want_kind)
{
	struct weir_hll h, r, m;
	weir_hll_init(&h, 14);
	add_random(&h, n);
	uint8_t *buf = malloc(weir_hll_size(&h)), *buf2 = malloc(weir_hll_size(&h));
	size_t len = weir_hll_write(&h, buf);
	CHECK(len <= weir_hll_size(&h));
	CHECK_EQ_INT(buf[2], want_kind);
	CHECK_EQ_INT(weir_hll_read(&r, buf, len), 0);
	CHECK(memcmp(h.reg, r.reg, 1 << 14) == 0);
	CHECK(weir_hll_write(&r, buf2) == len && memcmp(buf, buf2, len) == 0);
	weir_hll_init(&m, 14);
	CHECK_EQ_INT(weir_hll_merge_bytes(&m, buf, len), 0);
	CHECK(memcmp(h.reg, m.reg, 1 << 14) == 0);
	/* malformed: truncated, wrong precision */
	struct weir_hll bad;
	CHECK_EQ_INT(weir_hll_read(&bad, buf, len - 1), WEIR_EFORMAT);
	buf[1] = 13;
	CHECK_EQ_INT(weir_hll_merge_bytes(&m, buf, len), WEIR_EFORMAT);
	if (n < 1000)
		fprintf(stderr, "  %llu items: %zu bytes\n", (unsigned long long)n, len);
	free(buf);
	free(buf2);
	weir_hll_free(&h);
	weir_hll_free(&r);
	weir_hll_free(&m);
}

static void test_serialize(void)
{
	roundtrip(0, 0);
	roundtrip(300, 0);    /* sparse: about 3 bytes a chatter */
	roundtrip(100000, 1); /* dense: 6 bits a register */
}

/* The serialization one register at a time, as first written (store format). */
static size_t write_ref(const struct weir_hll *h, uint8_t *out)
{
	size_t m = (size_t)1 << h->p, nz = 0, dense = (m * 6 + 7) / 8;
	for (size_t i = 0; i < m; i++)
		nz += h->reg[i] != 0;
	out[0] = 1; /* version */
	out[1] = (uint8_t)h->p;
	if (nz * 4 + 10 < dense) {
		out[2] = 0; /* sparse */
		size_t o = 3 + weir_varint_put(out + 3, nz), last = 0;
		for (size_t i = 0; i < m; i++)
			if (h->reg[i]) {
				o += weir_varint_put(out + o, i - last);
				out[o++] = h->reg[i];
				last = i;
			}
		return o;
	}
	out[2] = 1; /* dense */
	uint8_t *d = out + 3;
	memset(d, 0, dense);
	for (size_t i = 0; i < m; i++) {
		size_t bit = i * 6;
		d[bit / 8] |= (uint8_t)(h->reg[i] << (bit % 8));
		if (bit % 8 > 2)
			d[bit / 8 + 1] |= (uint8_t)(h->reg[i] >> (8 - bit % 8));
	}
	return 3 + dense;
}

static void test_write_format(void)
{
	for (int p = WEIR_HLL_P_MIN; p <= WEIR_HLL_P_MAX; p += 2)
		for (int fill = 0; fill < 8; fill++) { /* from empty through sparse to dense */
			struct weir_hll h;
			CHECK_EQ_INT(weir_hll_init(&h, p), 0);
			size_t m = (size_t)1 << p;
			for (size_t i = 0; i < m; i++)
				h.reg[i] = next_rand() % 64 < (uint64_t)(fill * fill)
					       ? (uint8_t)(1 + next_rand() % (uint64_t)(64 - p))
					       : 0;
			uint8_t *a = malloc(weir_hll_size(&h)), *b = malloc(weir_hll_size(&h) + 16);
			size_t n = weir_hll_write(&h, a);
			CHECK(n == write_ref(&h, b) && memcmp(a, b, n) == 0);
			free(a);
			free(b);
			weir_hll_free(&h);
		}
}

int main(void)
{
	TEST(test_empty_and_tiny);
	TEST(test_error_by_size);
	TEST(test_error_distribution);
	TEST(test_merge_is_union);
	TEST(test_serialize);
	TEST(test_write_format);
	T_END();
}
