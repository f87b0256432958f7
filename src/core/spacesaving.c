/*
 * spacesaving.c — Space-Saving top-K summaries (include/weir/spacesaving.h):
 * the weighted stream update, the build from exact counts the store uses
 * per (channel, day), merging, and serialization.
 *
 * The stream update keeps a min-heap of the entries by count (the one to
 * replace) and a linear-probing hash table from key to entry. Merging
 * follows Cafaro, Pulimeno and Tempesta's parallel Space-Saving (2016): a
 * key missing from a summary is taken at that summary's bound (here its
 * floor, which is never above its smallest count), then the result is cut
 * back to k entries.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "weir/spacesaving.h"
#include "core/table.h"
#include "core/varint.h"

#define SS_VERSION 1

int weir_ss_init(struct weir_ss *s, uint32_t k)
{
	memset(s, 0, sizeof(*s));
	if (k == 0 || k > (1u << 28))
		return WEIR_EINVAL;
	s->cap = k;
	s->tabcap = 16;
	while (s->tabcap < 2 * k)
		s->tabcap *= 2;
	s->e = calloc(k, sizeof(*s->e));
	s->heap = malloc(k * sizeof(uint32_t));
	s->pos = malloc(k * sizeof(uint32_t));
	s->tab = calloc(s->tabcap, sizeof(uint32_t));
	if (!s->e || !s->heap || !s->pos || !s->tab) {
		weir_ss_free(s);
		return WEIR_ENOMEM;
	}
	return 0;
}

void weir_ss_free(struct weir_ss *s)
{
	if (s->e)
		for (uint32_t i = 0; i < s->cap; i++)
			free(s->e[i].key);
	free(s->e);
	free(s->heap);
	free(s->pos);
	free(s->tab);
	memset(s, 0, sizeof(*s));
}

static int cmp_key(const char *a, uint32_t an, const char *b, uint32_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

/* ---- the streaming index ------------------------------------------------------ */

static uint32_t slot_of(const struct weir_ss *s, const void *key, uint32_t n)
{
	return (uint32_t)XXH3_64bits(key, n) & (s->tabcap - 1);
}

/* The table slot holding key, or the empty slot where it would go. */
static uint32_t tab_find(const struct weir_ss *s, const void *key, uint32_t n)
{
	uint32_t j = slot_of(s, key, n);
	for (;;) {
		uint32_t v = s->tab[j];
		if (!v)
			return j;
		const struct weir_ss_entry *e = &s->e[v - 1];
		if (e->n == n && memcmp(e->key, key, n) == 0)
			return j;
		j = (j + 1) & (s->tabcap - 1);
	}
}

/* Linear-probing delete with backward shift (no tombstones). */
static void tab_del(struct weir_ss *s, uint32_t j)
{
	uint32_t mask = s->tabcap - 1;
	s->tab[j] = 0;
	for (uint32_t i = (j + 1) & mask; s->tab[i]; i = (i + 1) & mask) {
		const struct weir_ss_entry *e = &s->e[s->tab[i] - 1];
		uint32_t home = slot_of(s, e->key, e->n);
		/* move entry i back to j when j lies cyclically in [home, i) */
		if (((i - home) & mask) >= ((i - j) & mask)) {
			s->tab[j] = s->tab[i];
			s->tab[i] = 0;
			j = i;
		}
	}
}

static void heap_swap(struct weir_ss *s, uint32_t a, uint32_t b)
{
	uint32_t x = s->heap[a];
	s->heap[a] = s->heap[b];
	s->heap[b] = x;
	s->pos[s->heap[a]] = a;
	s->pos[s->heap[b]] = b;
}

static void heap_down(struct weir_ss *s, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->len && s->e[s->heap[l]].count < s->e[s->heap[m]].count)
			m = l;
		if (r < s->len && s->e[s->heap[r]].count < s->e[s->heap[m]].count)
			m = r;
		if (m == i)
			return;
		heap_swap(s, i, m);
		i = m;
	}
}

static void heap_up(struct weir_ss *s, uint32_t i)
{
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (s->e[s->heap[p]].count <= s->e[s->heap[i]].count)
			return;
		heap_swap(s, i, p);
		i = p;
	}
}

/* Rebuilds heap and table after the entries were changed wholesale. */
static void reindex(struct weir_ss *s)
{
	memset(s->tab, 0, s->tabcap * sizeof(uint32_t));
	for (uint32_t i = 0; i < s->len; i++) {
		s->tab[tab_find(s, s->e[i].key, s->e[i].n)] = i + 1;
		s->heap[i] = i;
		s->pos[i] = i;
	}
	for (uint32_t i = s->len / 2; i-- > 0;)
		heap_down(s, i);
}

/* Room for an n-byte key in e (its current key is kept). */
static int reserve_key(struct weir_ss_entry *e, uint32_t n)
{
	if (e->kcap < n || !e->key) {
		uint32_t nc = n < 16 ? 16 : n;
		char *k = realloc(e->key, nc);
		if (!k)
			return WEIR_ENOMEM;
		e->key = k;
		e->kcap = nc;
	}
	return 0;
}

static int set_key(struct weir_ss_entry *e, const void *key, uint32_t n)
{
	if (reserve_key(e, n) != 0)
		return WEIR_ENOMEM;
	memcpy(e->key, key, n);
	e->n = n;
	return 0;
}

int weir_ss_update(struct weir_ss *s, const void *key, uint32_t n, uint64_t w)
{
	s->total += w;
	uint32_t j = tab_find(s, key, n);
	if (s->tab[j]) {
		uint32_t ix = s->tab[j] - 1;
		s->e[ix].count += w;
		heap_down(s, s->pos[ix]);
		return 0;
	}
	uint32_t ix = s->len < s->cap ? s->len : s->heap[0];
	struct weir_ss_entry *e = &s->e[ix];
	if (reserve_key(e, n) != 0) {
		s->total -= w;
		return WEIR_ENOMEM;
	}
	if (s->len < s->cap) {
		s->len++;
		s->heap[s->len - 1] = ix;
		s->pos[ix] = s->len - 1;
	} else {
		/* replace the smallest count: the key it held is no longer held, so
		 * its count becomes the bound for keys not held */
		if (e->count > s->floor)
			s->floor = e->count;
		tab_del(s, tab_find(s, e->key, e->n));
		j = tab_find(s, key, n);
	}
	memcpy(e->key, key, n);
	e->n = n;
	e->count = s->floor + w;
	e->err = s->floor;
	s->tab[j] = ix + 1;
	heap_up(s, s->pos[ix]);
	heap_down(s, s->pos[ix]);
	return 0;
}

const struct weir_ss_entry *weir_ss_find(const struct weir_ss *s, const void *key, uint32_t n)
{
	uint32_t j = tab_find(s, key, n);
	return s->tab[j] ? &s->e[s->tab[j] - 1] : NULL;
}

/* ---- building and cutting ------------------------------------------------------ */

/* The (k+1)-th largest of n counts (n > k), by selection rather than a
 * sort: each round splits around a pivot three ways (< = >; most counts
 * are 1, 2, 3: equal ones are settled at once) and keeps the side that
 * holds the rank. A radix sort of the counts was 10% of the day sketch
 * rebuild, which the writer runs in the serial tail of an ingest; this
 * is ~4x fewer instructions. The value at a rank is unique, so the cut is
 * the same. */
static int kth_count(const uint64_t *c, uint32_t n, uint32_t k, uint64_t *out)
{
	uint64_t *v = malloc((size_t)n * sizeof(*v));
	if (!v)
		return WEIR_ENOMEM;
	memcpy(v, c, (size_t)n * sizeof(*v));
	uint32_t lo = 0, hi = n, r = n - 1 - k; /* the rank wanted, ascending, in [lo, hi) */
	while (hi - lo > 1) {
		uint64_t a = v[lo], b = v[lo + (hi - lo) / 2], d = v[hi - 1];
		uint64_t piv = a < b ? (b < d ? b : a < d ? d : a) : (a < d ? a : b < d ? d : b);
		/* v[lo, lt) < piv, v[lt, i) == piv, v[gt, hi) > piv */
		uint32_t lt = lo, i = lo, gt = hi;
		while (i < gt) {
			uint64_t x = v[i];
			if (x < piv) {
				v[i++] = v[lt];
				v[lt++] = x;
			} else if (x > piv) {
				v[i] = v[--gt];
				v[gt] = x;
			} else {
				i++;
			}
		}
		if (r < lt) {
			hi = lt;
		} else if (r >= gt) {
			lo = gt;
		} else {
			lo = r;
			break;
		}
	}
	*out = v[lo];
	free(v);
	return 0;
}

int weir_ss_build(struct weir_ss *s, const struct weir_ss_item *v, uint32_t n)
{
	uint64_t t = 0, total = 0;
	for (uint32_t i = 0; i < n; i++)
		total += v[i].count;
	if (n > s->cap) {
		uint64_t *c = malloc((size_t)n * sizeof(*c));
		if (!c)
			return WEIR_ENOMEM;
		for (uint32_t i = 0; i < n; i++)
			c[i] = v[i].count;
		int rc = kth_count(c, n, s->cap, &t);
		free(c);
		if (rc)
			return rc;
	}
	s->len = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (n > s->cap && v[i].count <= t)
			continue;
		struct weir_ss_entry *e = &s->e[s->len];
		if (set_key(e, v[i].key, v[i].n) != 0) {
			s->len = 0;
			reindex(s);
			return WEIR_ENOMEM;
		}
		e->count = v[i].count;
		e->err = 0;
		s->len++;
	}
	s->total = total;
	s->floor = t;
	reindex(s);
	return 0;
}

/* ---- merging -------------------------------------------------------------------- */

struct acc_val {
	uint64_t count, err, floor; /* sums over the summaries that hold the key */
};

struct weir_ss_acc {
	struct weir_strmap map; /* key -> index into v */
	struct weir_arena arena;
	struct acc_val *v;
	uint32_t n, capv;
	uint64_t total, floor;
};

int weir_ss_acc_new(struct weir_ss_acc **out)
{
	struct weir_ss_acc *a = calloc(1, sizeof(*a));
	if (!a)
		return WEIR_ENOMEM;
	weir_arena_init(&a->arena, 1 << 16);
	if (weir_strmap_init(&a->map, 1024) != 0) {
		weir_ss_acc_free(a);
		return WEIR_ENOMEM;
	}
	*out = a;
	return 0;
}

void weir_ss_acc_free(struct weir_ss_acc *a)
{
	if (!a)
		return;
	weir_strmap_free(&a->map);
	weir_arena_free(&a->arena);
	free(a->v);
	free(a);
}

static int acc_one(struct weir_ss_acc *a, const void *key, uint32_t n, uint64_t count, uint64_t err,
		   uint64_t floor)
{
	int isnew;
	struct weir_strent *e = weir_strmap_get(&a->map, key, n, XXH3_64bits(key, n), &a->arena, &isnew);
	if (!e)
		return WEIR_ENOMEM;
	if (isnew) {
		if (a->n == a->capv) {
			uint32_t nc = a->capv ? a->capv * 2 : 1024;
			struct acc_val *nv = realloc(a->v, (size_t)nc * sizeof(*nv));
			if (!nv)
				return WEIR_ENOMEM;
			a->v = nv;
			a->capv = nc;
		}
		e->val = a->n;
		a->v[a->n++] = (struct acc_val){0, 0, 0};
	}
	struct acc_val *v = &a->v[e->val];
	v->count += count;
	v->err += err;
	v->floor += floor;
	return 0;
}

int weir_ss_acc_add(struct weir_ss_acc *a, const struct weir_ss *s)
{
	a->total += s->total;
	a->floor += s->floor;
	for (uint32_t i = 0; i < s->len; i++) {
		int rc = acc_one(a, s->e[i].key, s->e[i].n, s->e[i].count, s->e[i].err, s->floor);
		if (rc)
			return rc;
	}
	return 0;
}

/* Header of a serialized summary; p is left at the first entry. */
static int read_head(const uint8_t **p, const uint8_t *end, uint64_t *cap, uint64_t *total, uint64_t *floor,
		     uint64_t *len)
{
	if (*p >= end || **p != SS_VERSION)
		return WEIR_EFORMAT;
	(*p)++;
	if (weir_varint_get(p, end, cap) || weir_varint_get(p, end, total) ||
	    weir_varint_get(p, end, floor) || weir_varint_get(p, end, len) || *cap == 0 ||
	    *cap > (1u << 28) || *len > *cap)
		return WEIR_EFORMAT;
	return 0;
}

static int read_entry(const uint8_t **p, const uint8_t *end, const char **key, uint32_t *kn, uint64_t *count,
		      uint64_t *err)
{
	uint64_t n;
	if (weir_varint_get(p, end, &n) || n > (uint64_t)(end - *p))
		return WEIR_EFORMAT;
	*key = (const char *)*p;
	*kn = (uint32_t)n;
	*p += n;
	if (weir_varint_get(p, end, count) || weir_varint_get(p, end, err) || *err > *count)
		return WEIR_EFORMAT;
	return 0;
}

int weir_ss_acc_add_bytes(struct weir_ss_acc *a, const void *buf, size_t n)
{
	const uint8_t *p = buf, *end = p + n;
	uint64_t cap, total, floor, len;
	if (read_head(&p, end, &cap, &total, &floor, &len))
		return WEIR_EFORMAT;
	a->total += total;
	a->floor += floor;
	for (uint64_t i = 0; i < len; i++) {
		const char *k;
		uint32_t kn;
		uint64_t c, e;
		if (read_entry(&p, end, &k, &kn, &c, &e))
			return WEIR_EFORMAT;
		int rc = acc_one(a, k, kn, c, e, floor);
		if (rc)
			return rc;
	}
	return p == end ? 0 : WEIR_EFORMAT;
}

int weir_ss_acc_result(struct weir_ss_acc *a, uint32_t k, struct weir_ss *s)
{
	uint32_t cap = k ? k : (a->n ? a->n : 1);
	int rc = weir_ss_init(s, cap);
	if (rc)
		return rc;
	/* est of key x = its sums + the floors of the summaries that lack it */
	uint64_t *est = malloc((size_t)(a->n ? a->n : 1) * sizeof(*est));
	if (!est) {
		weir_ss_free(s);
		return WEIR_ENOMEM;
	}
	for (uint32_t i = 0; i < a->map.cap; i++)
		if (a->map.e[i].hash) {
			const struct acc_val *v = &a->v[a->map.e[i].val];
			est[a->map.e[i].val] = v->count + (a->floor - v->floor);
		}
	uint64_t t = 0;
	bool cut = a->n > cap;
	if (cut && (rc = kth_count(est, a->n, cap, &t)) != 0)
		goto fail;
	for (uint32_t i = 0; i < a->map.cap; i++) {
		const struct weir_strent *me = &a->map.e[i];
		if (!me->hash)
			continue;
		const struct acc_val *v = &a->v[me->val];
		uint64_t c = est[me->val];
		if (cut && c <= t)
			continue;
		struct weir_ss_entry *e = &s->e[s->len];
		if (set_key(e, me->p, me->n) != 0) {
			rc = WEIR_ENOMEM;
			goto fail;
		}
		e->count = c;
		e->err = v->err + (a->floor - v->floor);
		s->len++;
	}
	free(est);
	s->total = a->total;
	s->floor = cut && t > a->floor ? t : a->floor;
	reindex(s);
	return 0;
fail:
	free(est);
	weir_ss_free(s);
	return rc;
}

int weir_ss_merge(struct weir_ss *dst, const struct weir_ss *src)
{
	struct weir_ss_acc *a;
	struct weir_ss out;
	int rc = weir_ss_acc_new(&a);
	if (rc)
		return rc;
	if ((rc = weir_ss_acc_add(a, dst)) == 0 && (rc = weir_ss_acc_add(a, src)) == 0 &&
	    (rc = weir_ss_acc_result(a, dst->cap, &out)) == 0) {
		weir_ss_free(dst);
		*dst = out;
	}
	weir_ss_acc_free(a);
	return rc;
}

/* ---- serialization --------------------------------------------------------------- */

size_t weir_ss_size(const struct weir_ss *s)
{
	size_t n = 1 + 4 * 10;
	for (uint32_t i = 0; i < s->len; i++)
		n += 30 + s->e[i].n;
	return n;
}

static int cmp_entry_key(const void *x, const void *y)
{
	const struct weir_ss_entry *a = *(const struct weir_ss_entry *const *)x,
				   *b = *(const struct weir_ss_entry *const *)y;
	return cmp_key(a->key, a->n, b->key, b->n);
}

size_t weir_ss_write(const struct weir_ss *s, uint8_t *out)
{
	size_t o = 0;
	out[o++] = SS_VERSION;
	o += weir_varint_put(out + o, s->cap);
	o += weir_varint_put(out + o, s->total);
	o += weir_varint_put(out + o, s->floor);
	o += weir_varint_put(out + o, s->len);
	const struct weir_ss_entry **v = malloc((s->len ? s->len : 1) * sizeof(*v));
	if (!v)
		return 0;
	for (uint32_t i = 0; i < s->len; i++)
		v[i] = &s->e[i];
	qsort(v, s->len, sizeof(*v), cmp_entry_key);
	for (uint32_t i = 0; i < s->len; i++) {
		o += weir_varint_put(out + o, v[i]->n);
		memcpy(out + o, v[i]->key, v[i]->n);
		o += v[i]->n;
		o += weir_varint_put(out + o, v[i]->count);
		o += weir_varint_put(out + o, v[i]->err);
	}
	free(v);
	return o;
}

/* An item to sort by key: its first 8 bytes, big-endian and zero-padded,
 * order keys as memcmp does (then shorter first) unless they are equal. */
struct keyed {
	uint64_t pre;
	const struct weir_ss_item *it;
};

static uint64_t key_prefix(const char *p, uint32_t n)
{
	uint64_t v = 0;
	memcpy(&v, p, n < 8 ? n : 8);
	return __builtin_bswap64(v);
}

static bool keyed_less(const struct keyed *a, const struct keyed *b)
{
	if (a->pre != b->pre)
		return a->pre < b->pre;
	return cmp_key(a->it->key, a->it->n, b->it->key, b->it->n) < 0;
}

/* Merge sort of v[0, n) (tmp: n more), insertion sort below 16: O(n log n)
 * and fast on the sorted runs the items come in (the first hour blob of a
 * day is sorted; each later one adds a sorted run of new keys). qsort with
 * memcmp calls was a quarter of the day sketch rebuild. */
static void sort_keyed(struct keyed *v, uint32_t n, struct keyed *tmp)
{
	if (n <= 16) {
		for (uint32_t i = 1; i < n; i++) {
			struct keyed x = v[i];
			uint32_t j = i;
			for (; j > 0 && keyed_less(&x, &v[j - 1]); j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	uint32_t h = n / 2;
	sort_keyed(v, h, tmp);
	sort_keyed(v + h, n - h, tmp);
	if (!keyed_less(&v[h], &v[h - 1]))
		return; /* already in order */
	memcpy(tmp, v, (size_t)h * sizeof(*v));
	uint32_t i = 0, j = h, o = 0;
	while (i < h && j < n)
		v[o++] = keyed_less(&v[j], &tmp[i]) ? v[j++] : tmp[i++];
	while (i < h)
		v[o++] = tmp[i++];
}

size_t weir_ss_items_size(const struct weir_ss_item *v, uint32_t n, uint32_t cap)
{
	uint32_t longest = 0;
	for (uint32_t i = 0; i < n; i++)
		if (v[i].n > longest)
			longest = v[i].n;
	return 1 + 4 * 10 + (size_t)(n < cap ? n : cap) * (30 + longest);
}

/* weir_ss_build's cut and weir_ss_write's layout, straight from the items
 * (they stay where they are: no key copies, no index, no heap). */
size_t weir_ss_write_items(const struct weir_ss_item *v, uint32_t n, uint32_t cap, uint8_t *out)
{
	uint64_t t = 0, total = 0;
	for (uint32_t i = 0; i < n; i++)
		total += v[i].count;
	if (n > cap) {
		uint64_t *c = malloc((size_t)n * sizeof(*c));
		if (!c)
			return 0;
		for (uint32_t i = 0; i < n; i++)
			c[i] = v[i].count;
		int rc = kth_count(c, n, cap, &t);
		free(c);
		if (rc)
			return 0;
	}
	/* above the (cap+1)-th largest count: at most cap items */
	uint32_t most = n < cap ? (n ? n : 1) : cap;
	struct keyed *sel = malloc((size_t)most * 2 * sizeof(*sel));
	if (!sel)
		return 0;
	uint32_t len = 0;
	for (uint32_t i = 0; i < n; i++)
		if (n <= cap || v[i].count > t)
			sel[len++] = (struct keyed){key_prefix(v[i].key, v[i].n), &v[i]};
	sort_keyed(sel, len, sel + most);
	size_t o = 0;
	out[o++] = SS_VERSION;
	o += weir_varint_put(out + o, cap);
	o += weir_varint_put(out + o, total);
	o += weir_varint_put(out + o, t);
	o += weir_varint_put(out + o, len);
	for (uint32_t i = 0; i < len; i++) {
		const struct weir_ss_item *it = sel[i].it;
		o += weir_varint_put(out + o, it->n);
		memcpy(out + o, it->key, it->n);
		o += it->n;
		o += weir_varint_put(out + o, it->count);
		o += weir_varint_put(out + o, 0); /* err: exact counts */
	}
	free(sel);
	return o;
}

int weir_ss_read(struct weir_ss *s, const void *buf, size_t n)
{
	const uint8_t *p = buf, *end = p + n;
	uint64_t cap, total, floor, len;
	if (read_head(&p, end, &cap, &total, &floor, &len))
		return WEIR_EFORMAT;
	int rc = weir_ss_init(s, (uint32_t)cap);
	if (rc)
		return rc;
	for (uint64_t i = 0; i < len; i++) {
		const char *k;
		uint32_t kn;
		uint64_t c, e;
		if (read_entry(&p, end, &k, &kn, &c, &e)) {
			rc = WEIR_EFORMAT;
			goto fail;
		}
		struct weir_ss_entry *en = &s->e[s->len];
		if (set_key(en, k, kn) != 0) {
			rc = WEIR_ENOMEM;
			goto fail;
		}
		en->count = c;
		en->err = e;
		s->len++;
	}
	if (p != end) {
		rc = WEIR_EFORMAT;
		goto fail;
	}
	s->total = total;
	s->floor = floor;
	reindex(s);
	return 0;
fail:
	weir_ss_free(s);
	return rc;
}

static int cmp_top(const void *x, const void *y)
{
	const struct weir_ss_entry *a = x, *b = y;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return cmp_key(a->key, a->n, b->key, b->n);
}

int weir_ss_sort(struct weir_ss *s)
{
	qsort(s->e, s->len, sizeof(*s->e), cmp_top);
	reindex(s);
	return 0;
}
