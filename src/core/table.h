/*
 * table.h — small open-addressing hash tables for the hot path.
 *
 * Power-of-two capacity, linear probing, grow at 50% load by doubling (never
 * per event). Keys are integers (a stored key of 0 means empty, so callers
 * store id+1) or strings hashed with XXH3 and kept in the caller's arena.
 * All functions are static inline: each worker owns its tables, no locking.
 */
#ifndef WEIR_TABLE_H
#define WEIR_TABLE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL /* header-only XXH3: short keys hash without a library call */
#include <xxhash.h>

#include "weir/common.h"

static inline uint32_t weir_mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static inline uint64_t weir_hash(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}

/* ---- u32 -> u32 map (a set when vals is unused) -------------------------- */

struct weir_u32map {
	uint32_t *keys; /* key+1; 0 = empty */
	uint32_t *vals; /* NULL for a set */
	uint32_t cap, len;
};

static inline int weir_u32map_init(struct weir_u32map *m, uint32_t cap, int with_vals)
{
	m->cap = cap < 8 ? 8 : cap;
	m->len = 0;
	m->keys = calloc(m->cap, sizeof(uint32_t));
	m->vals = with_vals ? calloc(m->cap, sizeof(uint32_t)) : NULL;
	return m->keys && (!with_vals || m->vals) ? 0 : WEIR_ENOMEM;
}

static inline void weir_u32map_free(struct weir_u32map *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = m->vals = NULL;
	m->cap = m->len = 0;
}

static inline int weir_u32map_grow(struct weir_u32map *m)
{
	struct weir_u32map n;
	if (weir_u32map_init(&n, m->cap * 2, m->vals != NULL) != 0)
		return WEIR_ENOMEM;
	for (uint32_t i = 0; i < m->cap; i++) {
		uint32_t k = m->keys[i];
		if (!k)
			continue;
		uint32_t j = weir_mix32(k) & (n.cap - 1);
		while (n.keys[j])
			j = (j + 1) & (n.cap - 1);
		n.keys[j] = k;
		if (n.vals)
			n.vals[j] = m->vals[i];
	}
	n.len = m->len;
	weir_u32map_free(m);
	*m = n;
	return 0;
}

/* Adds `add` to the value of key (inserting it at 0). Returns 1 if the key
 * was new, 0 if it existed, WEIR_ENOMEM. */
static inline int weir_u32map_add(struct weir_u32map *m, uint32_t key, uint32_t add)
{
	uint32_t k = key + 1;
	uint32_t j = weir_mix32(k) & (m->cap - 1);
	for (;;) {
		uint32_t s = m->keys[j];
		if (s == k) {
			if (m->vals)
				m->vals[j] += add;
			return 0;
		}
		if (!s)
			break;
		j = (j + 1) & (m->cap - 1);
	}
	m->keys[j] = k;
	if (m->vals)
		m->vals[j] = add;
	if (++m->len * 2 > m->cap && weir_u32map_grow(m) != 0)
		return WEIR_ENOMEM;
	return 1;
}

/* ---- u64 set (message id hashes) ----------------------------------------- */

struct weir_u64set {
	uint64_t *keys; /* 0 = empty; a real 0 hash is stored as 1 */
	uint32_t cap, len;
};

static inline int weir_u64set_init(struct weir_u64set *s, uint32_t cap)
{
	s->cap = cap < 8 ? 8 : cap;
	s->len = 0;
	s->keys = calloc(s->cap, sizeof(uint64_t));
	return s->keys ? 0 : WEIR_ENOMEM;
}

static inline void weir_u64set_free(struct weir_u64set *s)
{
	free(s->keys);
	s->keys = NULL;
	s->cap = s->len = 0;
}

static inline int weir_u64set_put_raw(struct weir_u64set *s, uint64_t k);

static inline int weir_u64set_grow(struct weir_u64set *s)
{
	struct weir_u64set n;
	if (weir_u64set_init(&n, s->cap * 2) != 0)
		return WEIR_ENOMEM;
	for (uint32_t i = 0; i < s->cap; i++)
		if (s->keys[i])
			weir_u64set_put_raw(&n, s->keys[i]);
	weir_u64set_free(s);
	*s = n;
	return 0;
}

/* Returns 1 if k was added, 0 if it was there, WEIR_ENOMEM. */
static inline int weir_u64set_put_raw(struct weir_u64set *s, uint64_t k)
{
	if (!k)
		k = 1;
	uint32_t j = (uint32_t)(k ^ (k >> 32)) & (s->cap - 1);
	for (;;) {
		if (s->keys[j] == k)
			return 0;
		if (!s->keys[j])
			break;
		j = (j + 1) & (s->cap - 1);
	}
	s->keys[j] = k;
	if (++s->len * 2 > s->cap && weir_u64set_grow(s) != 0)
		return WEIR_ENOMEM;
	return 1;
}

static inline int weir_u64set_has(const struct weir_u64set *s, uint64_t k)
{
	if (!s->keys)
		return 0;
	if (!k)
		k = 1;
	uint32_t j = (uint32_t)(k ^ (k >> 32)) & (s->cap - 1);
	for (;;) {
		if (s->keys[j] == k)
			return 1;
		if (!s->keys[j])
			return 0;
		j = (j + 1) & (s->cap - 1);
	}
}

/* ---- string -> u32 map (interning, word counts) --------------------------- */

struct weir_strent {
	uint64_t hash; /* 0 = empty */
	const char *p; /* in the owner's arena */
	uint32_t n;
	uint32_t val;
	uint64_t prefix; /* first 8 bytes, zero-padded: most keys compare without touching p */
};

static inline uint64_t weir_prefix8(const char *p, uint32_t n)
{
	uint64_t v = 0;
	memcpy(&v, p, n < 8 ? n : 8);
	return v;
}

struct weir_strmap {
	struct weir_strent *e;
	uint32_t cap, len;
};

static inline int weir_strmap_init(struct weir_strmap *m, uint32_t cap)
{
	m->cap = cap < 16 ? 16 : cap;
	m->len = 0;
	m->e = calloc(m->cap, sizeof(*m->e));
	return m->e ? 0 : WEIR_ENOMEM;
}

static inline void weir_strmap_free(struct weir_strmap *m)
{
	free(m->e);
	m->e = NULL;
	m->cap = m->len = 0;
}

static inline int weir_strmap_grow(struct weir_strmap *m)
{
	struct weir_strmap n;
	if (weir_strmap_init(&n, m->cap * 2) != 0)
		return WEIR_ENOMEM;
	for (uint32_t i = 0; i < m->cap; i++) {
		if (!m->e[i].hash)
			continue;
		uint32_t j = (uint32_t)m->e[i].hash & (n.cap - 1);
		while (n.e[j].hash)
			j = (j + 1) & (n.cap - 1);
		n.e[j] = m->e[i];
	}
	n.len = m->len;
	weir_strmap_free(m);
	*m = n;
	return 0;
}

/*
 * Finds the entry for p[0..n) with hash h (never 0), inserting it with
 * val 0 and a copy of the bytes in arena `a` when absent (*isnew = 1).
 * Returns NULL on out of memory. The pointer is valid until the next insert.
 */
static inline struct weir_strent *weir_strmap_get(struct weir_strmap *m, const char *p, uint32_t n,
						  uint64_t h, struct weir_arena *a, int *isnew)
{
	if (!h)
		h = 1;
	uint64_t pre = weir_prefix8(p, n);
	uint32_t j = (uint32_t)h & (m->cap - 1);
	for (;;) {
		struct weir_strent *e = &m->e[j];
		if (e->hash == h && e->n == n && e->prefix == pre &&
		    (n <= 8 || memcmp(e->p + 8, p + 8, n - 8) == 0)) {
			*isnew = 0;
			return e;
		}
		if (!e->hash)
			break;
		j = (j + 1) & (m->cap - 1);
	}
	if ((m->len + 1) * 2 > m->cap) {
		if (weir_strmap_grow(m) != 0)
			return NULL;
		j = (uint32_t)h & (m->cap - 1);
		while (m->e[j].hash)
			j = (j + 1) & (m->cap - 1);
	}
	char *copy = weir_arena_alloc(a, n ? n : 1);
	if (!copy)
		return NULL;
	memcpy(copy, p, n);
	struct weir_strent *e = &m->e[j];
	e->hash = h;
	e->p = copy;
	e->n = n;
	e->val = 0;
	e->prefix = pre;
	m->len++;
	*isnew = 1;
	return e;
}

/* ---- short string -> u32 map (keys of at most 16 bytes) -------------------- */

/*
 * Most names and words are short: held in two zero-padded u64 words plus the
 * length they are compared in three integer compares and hashed with two
 * multiplies, no XXH3, no memcmp, no pointer chase. Callers keep longer keys
 * in a weir_strmap and share one id counter between the two.
 */
#define WEIR_SKMAP_MAXLEN 16

struct weir_skent {
	uint64_t a, b; /* bytes 0..7 and 8..15, zero-padded */
	uint32_t n1;   /* length + 1; 0 = empty */
	uint32_t val;
};

struct weir_skmap {
	struct weir_skent *e;
	uint32_t cap, len, shift; /* slot = hash >> shift */
};

/* Reads p[0..n) (n <= 16) into two zero-padded words without reading outside
 * it: overlapping loads instead of a byte loop or a memcpy call. */
static inline void weir_load16(const char *p, uint32_t n, uint64_t *a, uint64_t *b)
{
	uint64_t x = 0, y = 0;
	if (n >= 8) {
		memcpy(&x, p, 8);
		if (n > 8) {
			memcpy(&y, p + n - 8, 8);
			y >>= 8 * (16 - n);
		}
	} else if (n >= 4) {
		uint32_t lo, hi;
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		x = lo | (uint64_t)hi << (8 * (n - 4));
	} else if (n) {
		const unsigned char *u = (const unsigned char *)p;
		x = u[0] | (uint64_t)u[n >> 1] << (8 * (n >> 1)) | (uint64_t)u[n - 1] << (8 * (n - 1));
	}
	*a = x;
	*b = y;
}

/* The hash of an n-byte key (a, b); its top bits pick the slot. */
static inline uint64_t weir_skmap_hash(uint64_t a, uint64_t b, uint32_t n)
{
	uint64_t h = (a ^ n) * 0x9e3779b97f4a7c15ULL ^ b * 0xc2b2ae3d27d4eb4fULL;
	return h * 0xff51afd7ed558ccdULL;
}

static inline int weir_skmap_init(struct weir_skmap *m, uint32_t cap)
{
	uint32_t c = 16, shift = 60;
	while (c < cap) {
		c *= 2;
		shift--;
	}
	m->cap = c;
	m->shift = shift;
	m->len = 0;
	m->e = calloc(c, sizeof(*m->e));
	return m->e ? 0 : WEIR_ENOMEM;
}

static inline void weir_skmap_free(struct weir_skmap *m)
{
	free(m->e);
	m->e = NULL;
	m->cap = m->len = 0;
}

static inline int weir_skmap_grow(struct weir_skmap *m)
{
	struct weir_skmap n;
	if (weir_skmap_init(&n, m->cap * 2) != 0)
		return WEIR_ENOMEM;
	for (uint32_t i = 0; i < m->cap; i++) {
		struct weir_skent *o = &m->e[i];
		if (!o->n1)
			continue;
		uint32_t j = (uint32_t)(weir_skmap_hash(o->a, o->b, o->n1 - 1) >> n.shift);
		while (n.e[j].n1)
			j = (j + 1) & (n.cap - 1);
		n.e[j] = *o;
	}
	n.len = m->len;
	weir_skmap_free(m);
	*m = n;
	return 0;
}

/* Starts loading the slot of hash h: callers that know several keys ahead
 * (a message's words) overlap the cache misses of their lookups. */
static inline void weir_skmap_prefetch(const struct weir_skmap *m, uint64_t h)
{
	__builtin_prefetch(&m->e[h >> m->shift]);
}

/* weir_skmap_get()'s insert, out of line: the lookup stays small enough to inline. */
static __attribute__((noinline, unused)) struct weir_skent *
weir_skmap_insert(struct weir_skmap *m, uint64_t a, uint64_t b, uint32_t n, uint64_t h)
{
	if ((m->len + 1) * 2 > m->cap && weir_skmap_grow(m) != 0)
		return NULL;
	uint32_t j = (uint32_t)(h >> m->shift);
	while (m->e[j].n1)
		j = (j + 1) & (m->cap - 1);
	struct weir_skent *e = &m->e[j];
	e->a = a;
	e->b = b;
	e->n1 = n + 1;
	e->val = 0;
	m->len++;
	return e;
}

/*
 * Finds the entry for the n-byte key (a, b) (see weir_load16) with hash h
 * (weir_skmap_hash), inserting it with val 0 when absent (*isnew = 1).
 * Returns NULL on out of memory. The pointer is valid until the next insert.
 */
static inline struct weir_skent *weir_skmap_get(struct weir_skmap *m, uint64_t a, uint64_t b, uint32_t n,
						uint64_t h, int *isnew)
{
	for (uint32_t j = (uint32_t)(h >> m->shift);; j = (j + 1) & (m->cap - 1)) {
		struct weir_skent *e = &m->e[j];
		if (e->a == a && e->b == b && e->n1 == n + 1) {
			*isnew = 0;
			return e;
		}
		if (!e->n1)
			break;
	}
	*isnew = 1;
	return weir_skmap_insert(m, a, b, n, h);
}

#endif
