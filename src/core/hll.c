/*
 * hll.c — HyperLogLog sketches (include/weir/hll.h): add, merge, estimate,
 * and the compact serialization the store keeps per (channel, day).
 *
 * The estimator is Otmar Ertl's "improved raw estimator" (New cardinality
 * estimation algorithms for HyperLogLog sketches, 2017, algorithm 6): it
 * works on the histogram of register values, is unbiased from a handful of
 * items up to far beyond 2^40, and so replaces both HLL++'s switch to
 * linear counting and its empirical bias-correction tables (which exist per
 * precision and would have to be copied in as data).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "weir/hll.h"
#include "core/bytes.h"
#include "core/varint.h"

#define HLL_VERSION 1
#define KIND_SPARSE 0
#define KIND_DENSE 1

int weir_hll_init(struct weir_hll *h, int p)
{
	h->reg = NULL;
	h->p = 0;
	if (p < WEIR_HLL_P_MIN || p > WEIR_HLL_P_MAX)
		return WEIR_EINVAL;
	h->reg = calloc((size_t)1 << p, 1);
	if (!h->reg)
		return WEIR_ENOMEM;
	h->p = (uint8_t)p;
	return 0;
}

void weir_hll_free(struct weir_hll *h)
{
	free(h->reg);
	h->reg = NULL;
}

void weir_hll_add_hash(struct weir_hll *h, uint64_t hash)
{
	unsigned q = 64u - h->p;
	uint32_t ix = (uint32_t)(hash >> q);
	uint64_t w = hash << h->p; /* the q low bits, at the top */
	uint8_t rank = w ? (uint8_t)(__builtin_clzll(w) + 1) : (uint8_t)(q + 1);
	if (rank > h->reg[ix])
		h->reg[ix] = rank;
}

void weir_hll_add(struct weir_hll *h, const void *p, size_t n)
{
	weir_hll_add_hash(h, XXH3_64bits(p, n));
}

int weir_hll_merge(struct weir_hll *dst, const struct weir_hll *src)
{
	if (dst->p != src->p)
		return WEIR_EINVAL;
	size_t m = (size_t)1 << dst->p;
	for (size_t i = 0; i < m; i++)
		if (src->reg[i] > dst->reg[i])
			dst->reg[i] = src->reg[i];
	return 0;
}

double weir_hll_rse(int p)
{
	return 1.04 / sqrt((double)((size_t)1 << p));
}

/* Ertl's sigma(x) = x + sum_k x^(2^k) 2^(k-1), for the empty registers. */
static double sigma(double x)
{
	if (x == 1.0)
		return INFINITY;
	double y = 1.0, z = x, zp;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (z != zp);
	return z;
}

/* Ertl's tau(x), for the registers at the maximum value. */
static double tau(double x)
{
	if (x == 0.0 || x == 1.0)
		return 0.0;
	double y = 1.0, z = 1.0 - x, zp;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1.0 - x) * (1.0 - x) * y;
	} while (z != zp);
	return z / 3.0;
}

double weir_hll_estimate(const struct weir_hll *h)
{
	unsigned q = 64u - h->p;
	uint32_t hist[66] = {0};
	size_t m = (size_t)1 << h->p;
	for (size_t i = 0; i < m; i++)
		hist[h->reg[i]]++;
	double md = (double)m;
	double z = md * tau(1.0 - hist[q + 1] / md);
	for (unsigned k = q; k >= 1; k--)
		z = 0.5 * (z + hist[k]);
	z += md * sigma(hist[0] / md);
	if (isinf(z))
		return 0.0; /* every register empty */
	return md * md / (2.0 * log(2.0)) / z;
}

/* ---- serialization ---------------------------------------------------------- */

static size_t dense_bytes(int p)
{
	return (((size_t)1 << p) * 6 + 7) / 8;
}

size_t weir_hll_size(const struct weir_hll *h)
{
	return 3 + dense_bytes(h->p);
}

/* One register of the sparse form at out + o: its index's delta, its value. */
static inline size_t sparse_put(uint8_t *out, size_t o, size_t *last, size_t ix, uint8_t v)
{
	o += weir_varint_put(out + o, ix - *last);
	out[o++] = v;
	*last = ix;
	return o;
}

size_t weir_hll_write(const struct weir_hll *h, uint8_t *out)
{
	size_t m = (size_t)1 << h->p, nz = 0;
	/* Registers are read 8 at a time (m is a multiple of 8): a day's sketch
	 * of a few thousand chatters is mostly zero registers, and its sparse
	 * form was written one register at a time (~190k instructions a day,
	 * in the final commit's tail) */
	const uint64_t ones = 0x0101010101010101ULL;
	for (size_t i = 0; i < m; i += 8) {
		uint64_t w;
		memcpy(&w, h->reg + i, 8);
		w |= w >> 4;
		w |= w >> 2;
		w |= w >> 1;
		nz += (size_t)(((w & ones) * ones) >> 56); /* bit 0 of each byte: nonzero; summed */
	}
	out[0] = HLL_VERSION;
	out[1] = h->p;
	/* sparse costs at most 4 bytes per register (3-byte delta + value) plus the count */
	size_t dense = dense_bytes(h->p);
	if (nz * 4 + 10 < dense) {
		out[2] = KIND_SPARSE;
		size_t o = 3 + weir_varint_put(out + 3, nz);
		size_t last = 0;
		for (size_t i = 0; i < m; i += 8) {
			uint64_t w;
			memcpy(&w, h->reg + i, 8);
			w = weir_le64(w); /* register i + b is byte b from the low end */
			while (w) {	  /* the lowest nonzero byte is the next nonzero register */
				unsigned b = (unsigned)__builtin_ctzll(w) / 8;
				w &= ~((uint64_t)0xff << (b * 8));
				o = sparse_put(out, o, &last, i + b, h->reg[i + b]);
			}
		}
		return o;
	}
	out[2] = KIND_DENSE;
	uint8_t *d = out + 3;
	if (m % 4 == 0) {
		/* four 6-bit registers are three whole bytes: the same little-endian
		 * bit packing as below, without the read-modify-write of each byte
		 * (the day summaries' sketches are written in the final commit) */
		const uint8_t *r = h->reg;
		for (size_t i = 0; i < m; i += 4, r += 4, d += 3) {
			uint32_t w = (uint32_t)r[0] | (uint32_t)r[1] << 6 | (uint32_t)r[2] << 12 |
				     (uint32_t)r[3] << 18;
			d[0] = (uint8_t)w;
			d[1] = (uint8_t)(w >> 8);
			d[2] = (uint8_t)(w >> 16);
		}
		return 3 + dense;
	}
	memset(d, 0, dense);
	for (size_t i = 0; i < m; i++) {
		size_t bit = i * 6;
		unsigned v = h->reg[i];
		d[bit / 8] |= (uint8_t)(v << (bit % 8));
		if (bit % 8 > 2)
			d[bit / 8 + 1] |= (uint8_t)(v >> (8 - bit % 8));
	}
	return 3 + dense;
}

/* Reads a serialized sketch of h's precision into h: sets (merge 0) or maxes
 * (merge 1) its registers. */
static int decode(struct weir_hll *h, const void *buf, size_t n, int merge)
{
	const uint8_t *b = buf, *end = b + n;
	if (n < 3 || b[0] != HLL_VERSION || b[1] != h->p)
		return WEIR_EFORMAT;
	size_t m = (size_t)1 << h->p;
	unsigned maxv = 64u - h->p + 1;
	if (b[2] == KIND_SPARSE) {
		const uint8_t *p = b + 3;
		uint64_t cnt, ix = 0;
		if (weir_varint_get(&p, end, &cnt) != 0 || cnt > m)
			return WEIR_EFORMAT;
		for (uint64_t i = 0; i < cnt; i++) {
			uint64_t d;
			if (weir_varint_get(&p, end, &d) != 0 || p >= end)
				return WEIR_EFORMAT;
			ix += d;
			uint8_t v = *p++;
			if (ix >= m || v > maxv)
				return WEIR_EFORMAT;
			if (!merge || v > h->reg[ix])
				h->reg[ix] = v;
		}
		return p == end ? 0 : WEIR_EFORMAT;
	}
	if (b[2] != KIND_DENSE || n != 3 + dense_bytes(h->p))
		return WEIR_EFORMAT;
	const uint8_t *d = b + 3;
	for (size_t i = 0; i < m; i++) {
		size_t bit = i * 6;
		unsigned v = d[bit / 8] >> (bit % 8);
		if (bit % 8 > 2)
			v |= (unsigned)d[bit / 8 + 1] << (8 - bit % 8);
		v &= 63;
		if (v > maxv)
			return WEIR_EFORMAT;
		if (!merge || v > h->reg[i])
			h->reg[i] = (uint8_t)v;
	}
	return 0;
}

int weir_hll_read(struct weir_hll *h, const void *buf, size_t n)
{
	const uint8_t *b = buf;
	if (n < 3)
		return WEIR_EFORMAT;
	int rc = weir_hll_init(h, b[1]);
	if (rc)
		return rc == WEIR_EINVAL ? WEIR_EFORMAT : rc;
	rc = decode(h, buf, n, 0);
	if (rc)
		weir_hll_free(h);
	return rc;
}

int weir_hll_merge_bytes(struct weir_hll *h, const void *buf, size_t n)
{
	return decode(h, buf, n, 1);
}
