/*
 * hll.h — HyperLogLog: an approximate distinct count in a few KiB,
 * mergeable by register-wise max.
 *
 * Where it fits: the store keeps one sketch of the chatters per (channel,
 * day) beside the exact CRoaring bitmap (docs/sketches.md); `weir query
 * chat-range --approx` merges the sketches of a long range instead of
 * unioning bitmaps. Items are hashed with XXH3-64; a sketch of precision p
 * has m = 2^p one-byte registers (p = 14: 16 KiB in memory) and a relative
 * standard error of about 1.04/sqrt(m) (0.81% at p = 14).
 *
 * Adding is idempotent and order-free (register max), so a sketch depends
 * only on the SET of items added: deltas, late corrections and repeated
 * ingests give the same bytes.
 */
#ifndef WEIR_HLL_H
#define WEIR_HLL_H

#include <stddef.h>
#include <stdint.h>

#include "weir/common.h"

#define WEIR_HLL_P_MIN 4
#define WEIR_HLL_P_MAX 18
#define WEIR_HLL_P_DEFAULT 14

struct weir_hll {
	uint8_t p;
	uint8_t *reg; /* 2^p registers, each the max rank seen (0 = none) */
};

/* Allocates an empty sketch of precision p (WEIR_HLL_P_MIN..MAX): 0, WEIR_EINVAL or WEIR_ENOMEM. */
int weir_hll_init(struct weir_hll *h, int p);
void weir_hll_free(struct weir_hll *h);

void weir_hll_add_hash(struct weir_hll *h, uint64_t hash);
void weir_hll_add(struct weir_hll *h, const void *p, size_t n); /* hashes with XXH3-64 */

/* dst |= src (register max). WEIR_EINVAL when the precisions differ. */
int weir_hll_merge(struct weir_hll *dst, const struct weir_hll *src);

/* The cardinality estimate: Ertl's improved estimator (docs/sketches.md),
 * which needs no empirical bias tables and covers the small range (where it
 * agrees with linear counting) and the large range alike. */
double weir_hll_estimate(const struct weir_hll *h);

/* The documented relative standard error, 1.04/sqrt(2^p). */
double weir_hll_rse(int p);

/*
 * Serialization (deterministic: equal registers give equal bytes):
 *   [u8 version=1][u8 p][u8 kind] then
 *   kind 0 (sparse): [varint count] count x ([varint index delta][u8 register]) for the nonzero registers;
 *   kind 1 (dense):  2^p registers packed 6 bits each, little-endian bit order.
 * The smaller of the two is written, so a day with a few hundred chatters
 * takes about a KiB rather than 12 KiB.
 * weir_hll_size() is an upper bound of the bytes weir_hll_write() writes.
 */
size_t weir_hll_size(const struct weir_hll *h);
size_t weir_hll_write(const struct weir_hll *h, uint8_t *out);
/* Reads a serialized sketch into h (initialized here; free with weir_hll_free).
 * WEIR_EFORMAT when the bytes are not a sketch. */
int weir_hll_read(struct weir_hll *h, const void *buf, size_t n);
/* Merges a serialized sketch into h without an intermediate sketch. */
int weir_hll_merge_bytes(struct weir_hll *h, const void *buf, size_t n);

#endif
