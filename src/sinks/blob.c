/*
 * blob.c — encode, decode and merge the count blobs of blob.h.
 *
 * Merges are linear merge-joins of two sorted lists; counts of equal keys
 * add. A corrupt blob stops decoding at the damage instead of reading past it.
 */
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "sinks/blob.h"
#include "core/varint.h"

int weir_buf_reserve(struct weir_buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	unsigned char *p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

void weir_buf_free(struct weir_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* b has room (callers reserve); see core/varint.h */
static inline void put_varint(struct weir_buf *b, uint64_t v)
{
	b->len += weir_varint_put(b->p + b->len, v);
}

/* 1 and *pp advanced, or 0 at a truncated varint */
static inline int get_varint(const unsigned char **pp, const unsigned char *end, uint64_t *v)
{
	return weir_varint_get(pp, end, v) == 0;
}

int weir_words_blob(const struct weir_wordcount *v, uint32_t n, struct weir_buf *out)
{
	out->len = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (weir_buf_reserve(out, (size_t)v[i].w.n + 20) != 0)
			return -1;
		put_varint(out, v[i].w.n);
		memcpy(out->p + out->len, v[i].w.p, v[i].w.n);
		out->len += v[i].w.n;
		put_varint(out, v[i].count);
	}
	return 0;
}

int weir_words_next(struct weir_blob_it *it, const char **w, uint32_t *n, uint64_t *count)
{
	uint64_t len;
	if (it->p >= it->end || !get_varint(&it->p, it->end, &len) || len > (uint64_t)(it->end - it->p))
		return 0;
	*w = (const char *)it->p;
	*n = (uint32_t)len;
	it->p += len;
	return get_varint(&it->p, it->end, count);
}

static int wcmp(const char *a, uint32_t an, const char *b, uint32_t bn)
{
	uint32_t n = an < bn ? an : bn;
	int c = memcmp(a, b, n);
	return c ? c : (an > bn) - (an < bn);
}

static int put_word(struct weir_buf *out, const char *w, uint32_t n, uint64_t c)
{
	if (weir_buf_reserve(out, (size_t)n + 20) != 0)
		return -1;
	put_varint(out, n);
	memcpy(out->p + out->len, w, n);
	out->len += n;
	put_varint(out, c);
	return 0;
}

int weir_words_merge(const void *a, size_t an, const void *b, size_t bn, struct weir_buf *out)
{
	struct weir_blob_it ia = {a, (const unsigned char *)a + an, 0},
			    ib = {b, (const unsigned char *)b + bn, 0};
	const char *wa = NULL, *wb = NULL;
	uint32_t na = 0, nb = 0;
	uint64_t ca = 0, cb = 0;
	int ha = a ? weir_words_next(&ia, &wa, &na, &ca) : 0;
	int hb = b ? weir_words_next(&ib, &wb, &nb, &cb) : 0;
	out->len = 0;
	while (ha || hb) {
		int c = !ha ? 1 : !hb ? -1 : wcmp(wa, na, wb, nb);
		int r;
		if (c < 0) {
			r = put_word(out, wa, na, ca);
			ha = weir_words_next(&ia, &wa, &na, &ca);
		} else if (c > 0) {
			r = put_word(out, wb, nb, cb);
			hb = weir_words_next(&ib, &wb, &nb, &cb);
		} else {
			r = put_word(out, wa, na, ca + cb);
			ha = weir_words_next(&ia, &wa, &na, &ca);
			hb = weir_words_next(&ib, &wb, &nb, &cb);
		}
		if (r)
			return -1;
	}
	return 0;
}

/* Blobs of up to this many entries sort on the stack: one malloc and free
 * fewer per record in the writer, whose frees were a tenth of its time. */
#define STACK_SORT 256

int weir_usercounts_blob(const uint32_t *gids, const uint32_t *counts, uint32_t n, struct weir_buf *out)
{
	uint64_t sv[STACK_SORT], stmp[STACK_SORT];
	uint64_t *v = n <= STACK_SORT ? sv : malloc((size_t)n * sizeof(*v));
	if (!v)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		v[i] = (uint64_t)gids[i] << 32 | counts[i];
	if (v == sv) {
		weir_sort_u64(v, n, stmp);
	} else if (weir_sort_u64_alloc(v, n) != 0) {
		free(v);
		return -1;
	}
	out->len = 0;
	if (weir_buf_reserve(out, (size_t)n * 20) != 0) {
		if (v != sv)
			free(v);
		return -1;
	}
	uint32_t last = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t g = (uint32_t)(v[i] >> 32);
		put_varint(out, g - last);
		put_varint(out, (uint32_t)v[i]);
		last = g;
	}
	if (v != sv)
		free(v);
	return 0;
}

int weir_usercounts_next(struct weir_blob_it *it, uint32_t *gid, uint64_t *count)
{
	uint64_t d;
	if (it->p >= it->end || !get_varint(&it->p, it->end, &d) || !get_varint(&it->p, it->end, count))
		return 0;
	it->last += d;
	*gid = (uint32_t)it->last;
	return 1;
}

int weir_usercounts_merge(const void *a, size_t an, const void *b, size_t bn, struct weir_buf *out)
{
	struct weir_blob_it ia = {a, (const unsigned char *)a + an, 0},
			    ib = {b, (const unsigned char *)b + bn, 0};
	uint32_t ga = 0, gb = 0;
	uint64_t ca = 0, cb = 0;
	int ha = a ? weir_usercounts_next(&ia, &ga, &ca) : 0;
	int hb = b ? weir_usercounts_next(&ib, &gb, &cb) : 0;
	uint32_t last = 0;
	out->len = 0;
	while (ha || hb) {
		if (weir_buf_reserve(out, 20) != 0)
			return -1;
		uint32_t g;
		uint64_t c;
		if (ha && (!hb || ga < gb)) {
			g = ga;
			c = ca;
			ha = weir_usercounts_next(&ia, &ga, &ca);
		} else if (hb && (!ha || gb < ga)) {
			g = gb;
			c = cb;
			hb = weir_usercounts_next(&ib, &gb, &cb);
		} else {
			g = ga;
			c = ca + cb;
			ha = weir_usercounts_next(&ia, &ga, &ca);
			hb = weir_usercounts_next(&ib, &gb, &cb);
		}
		put_varint(out, g - last);
		put_varint(out, c);
		last = g;
	}
	return 0;
}

int weir_ids_blob(const uint64_t *ids, uint32_t n, struct weir_buf *out)
{
	return weir_ids_merge(NULL, 0, ids, n, out);
}

/*
 * Sorts n message-id hashes from ids into v (v holds 2n: the second half
 * is scratch). The ids are XXH3 hashes, uniform in their top bits, so one
 * counting pass and one scatter by the top `bits` bits (about 4 ids a
 * bucket) leave only tiny buckets to insertion-sort: ~6x fewer
 * instructions than the 8-pass LSD radix sort of core/sort.c, which was a
 * fifth of the chat writer's work. A bucket that is not tiny (ids crafted
 * to share their top bits) gets that radix sort, so the worst case stays
 * linear.
 */
#define IDS_BUCKET_BITS_MAX 12
static void sort_ids(const uint64_t *ids, uint32_t n, uint64_t *v)
{
	/* Minute windows carry a few dozen ids: the buckets pay from 32 on
	 * (a plain insertion sort of 32-63 random ids moves n^2/4 of them and
	 * mispredicts most of its loop exits; ~7% of the chat writer). */
	if (n < 32) {
		memcpy(v, ids, (size_t)n * sizeof(uint64_t));
		weir_sort_u64(v, n, NULL); /* insertion sort: no scratch */
		return;
	}
	int bits = 4;
	while (bits < IDS_BUCKET_BITS_MAX && ((uint32_t)1 << (bits + 2)) < n)
		bits++;
	uint32_t end[(1 << IDS_BUCKET_BITS_MAX) + 1];
	uint32_t nb = 1u << bits, shift = 64 - (uint32_t)bits;
	memset(end, 0, (nb + 1) * sizeof(uint32_t));
	for (uint32_t i = 0; i < n; i++)
		end[(ids[i] >> shift) + 1]++;
	for (uint32_t b = 1; b <= nb; b++)
		end[b] += end[b - 1];
	/* end[b] is bucket b's start; the scatter advances it to its end */
	for (uint32_t i = 0; i < n; i++)
		v[end[ids[i] >> shift]++] = ids[i];
	for (uint32_t b = 0, lo = 0; b < nb; lo = end[b++]) {
		uint32_t m = end[b] - lo;
		uint64_t *p = v + lo;
		if (m >= 32) {
			weir_sort_u64(p, m, v + n);
			continue;
		}
		for (uint32_t i = 1; i < m; i++) {
			uint64_t x = p[i];
			uint32_t j = i;
			for (; j > 0 && p[j - 1] > x; j--)
				p[j] = p[j - 1];
			p[j] = x;
		}
	}
}

int weir_ids_merge(const void *blob, size_t bn, const uint64_t *ids, uint32_t n, struct weir_buf *out)
{
	uint64_t sv[2 * STACK_SORT];
	uint64_t *v = n < STACK_SORT ? sv : malloc(((size_t)n + 1) * 2 * sizeof(uint64_t));
	if (!v)
		return -1;
	if (n)
		sort_ids(ids, n, v);
	size_t na = bn / 8, i = 0, j = 0;
	const unsigned char *a = blob;
	out->len = 0;
	if (weir_buf_reserve(out, (na + n) * 8) != 0) {
		if (v != sv)
			free(v);
		return -1;
	}
	uint64_t prev = 0;
	int have_prev = 0;
	while (i < na || j < n) {
		uint64_t x;
		if (i < na) {
			memcpy(&x, a + i * 8, 8);
			if (j < n && v[j] < x)
				x = v[j++];
			else
				i++;
		} else {
			x = v[j++];
		}
		if (have_prev && x == prev)
			continue;
		memcpy(out->p + out->len, &x, 8);
		out->len += 8;
		prev = x;
		have_prev = 1;
	}
	if (v != sv)
		free(v);
	return 0;
}
