/*
 * sqlite_sketch.c — sketches for long ranges (docs/sketches.md): per
 * (channel, day) a HyperLogLog of the chatters and Space-Saving summaries
 * of the words and of the users, in `chat_sketch`, and the approximate
 * queries that merge them (`top-words|top-users --approx`, `chat-range
 * --approx`) where the exact ones merge 24 hour blobs or a bitmap per day.
 *
 * Determinism: every stored sketch is a function of the exact stored data
 * of its day only, never of the order records arrived in. The HyperLogLog
 * takes each day record's chatter names (register max is order-free and
 * idempotent, so it ends equal to the sketch of the day's set of names);
 * the summaries are rebuilt from the day's exact hour counts by the writer
 * just before each commit that changed them (weir_ss_build cuts between
 * distinct counts, so no tie-break is involved). Hence --threads, event
 * order, late corrections, split ingests and kill -9 + resume give the
 * same sketches, and the same approximate answers.
 */
#include <math.h>
#include <roaring/roaring.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/hll.h"
#include "weir/spacesaving.h"
#include "core/table.h"
#include "sinks/blob.h"
#include "sinks/sketch.h"

const char *const weir_schema_sketch =
    "CREATE TABLE IF NOT EXISTS chat_sketch(channel_id INTEGER NOT NULL, day INTEGER NOT NULL,"
    " chatters BLOB, words BLOB, users BLOB, PRIMARY KEY(channel_id, day));"
    /* days whose summaries are older than their hour counts (see weir_sketch_refresh) */
    "CREATE TABLE IF NOT EXISTS chat_sketch_dirty(channel_id INTEGER NOT NULL, day INTEGER NOT NULL,"
    " PRIMARY KEY(channel_id, day)) WITHOUT ROWID;";

/*
 * The exact counts of one day, merged from its hour blobs into items. Kept
 * from one day's rebuild to the next (ready): the maps are emptied while
 * their entries are turned into items, so a day costs no map allocation,
 * zeroing or growth (calloc and rehashing were a fifth of the rebuild's
 * instructions when each day built its maps afresh).
 */
struct daycounts {
	bool ready;
	struct weir_strmap words;
	struct weir_u32map users; /* gid -> slot */
	struct weir_arena arena;
	uint64_t *counts;
	uint32_t n, cap;
	struct weir_ss_item *items;
	uint8_t (*ukeys)[4];
	uint64_t *keyh; /* per slot: the word's map hash, or the user's id */
};

struct weir_sketch {
	struct daycounts dc;
	uint64_t *dirty; /* (cid << 32) | day index, repeats allowed */
	uint32_t ndirty, capdirty;
	struct weir_hll hll;
	struct weir_buf buf, buf2;
	struct weir_buf pend; /* built summaries not written yet (weir_sketch_build) */
	uint32_t npend;
	int64_t interval_ns; /* 0: rebuild at every commit */
	int64_t last_ns;     /* last rebuild (monotonic) */
};

static void daycounts_free(struct daycounts *d)
{
	free(d->items);
	free(d->ukeys);
	free(d->counts);
	free(d->keyh);
	weir_strmap_free(&d->words);
	weir_u32map_free(&d->users);
	if (d->ready)
		weir_arena_free(&d->arena);
	memset(d, 0, sizeof(*d));
}

void weir_sketch_free(struct weir_sketch *sk)
{
	if (!sk)
		return;
	daycounts_free(&sk->dc);
	free(sk->dirty);
	weir_hll_free(&sk->hll);
	weir_buf_free(&sk->buf);
	weir_buf_free(&sk->buf2);
	weir_buf_free(&sk->pend);
	free(sk);
}

static int state(struct weir_sketch **sk)
{
	if (*sk)
		return 0;
	struct weir_sketch *n = calloc(1, sizeof(*n));
	if (!n)
		return WEIR_ENOMEM;
	if (weir_hll_init(&n->hll, WEIR_HLL_P_DEFAULT) != 0) {
		free(n);
		return WEIR_ENOMEM;
	}
	*sk = n;
	return 0;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

/* ---- the writer's side ------------------------------------------------------ */

static const char sql_hll_get[] = "SELECT chatters FROM chat_sketch WHERE channel_id=?1 AND day=?2";
static const char sql_hll_put[] = "INSERT INTO chat_sketch(channel_id, day, chatters) VALUES(?1,?2,?3)"
				  " ON CONFLICT(channel_id, day) DO UPDATE SET chatters=excluded.chatters";

/* Loads the stored sketch of (cid, day) into sk->hll (empty when none). */
static int hll_load(struct weir_store *s, struct weir_sketch *sk, uint32_t cid, int64_t day)
{
	sqlite3_stmt *g = weir_store_prepare(s, sql_hll_get);
	if (!g)
		return WEIR_ESTORE;
	memset(sk->hll.reg, 0, (size_t)1 << sk->hll.p);
	sqlite3_bind_int64(g, 1, cid);
	sqlite3_bind_int64(g, 2, day);
	int rc = 0;
	if (sqlite3_step(g) == SQLITE_ROW && sqlite3_column_type(g, 0) == SQLITE_BLOB)
		rc = weir_hll_merge_bytes(&sk->hll, sqlite3_column_blob(g, 0),
					  (size_t)sqlite3_column_bytes(g, 0));
	sqlite3_reset(g);
	return rc == WEIR_EFORMAT ? WEIR_ESTORE : rc;
}

static int hll_save(struct weir_store *s, struct weir_sketch *sk, uint32_t cid, int64_t day)
{
	if (weir_buf_reserve(&sk->buf, weir_hll_size(&sk->hll)) != 0)
		return WEIR_ENOMEM;
	sk->buf.len = weir_hll_write(&sk->hll, sk->buf.p);
	sqlite3_stmt *u = weir_store_prepare(s, sql_hll_put);
	if (!u)
		return WEIR_ESTORE;
	sqlite3_bind_int64(u, 1, cid);
	sqlite3_bind_int64(u, 2, day);
	sqlite3_bind_blob(u, 3, sk->buf.p, (int)sk->buf.len, SQLITE_STATIC);
	return step_done(u);
}

int weir_sketch_chatters(struct weir_store *s, struct weir_sketch **skp, uint32_t cid, int64_t day,
			 const struct weir_str *names, uint32_t n)
{
	int rc = state(skp);
	if (rc || !n)
		return rc;
	struct weir_sketch *sk = *skp;
	if ((rc = hll_load(s, sk, cid, day)) != 0)
		return rc;
	for (uint32_t i = 0; i < n; i++)
		weir_hll_add(&sk->hll, names[i].p, names[i].n);
	return hll_save(s, sk, cid, day);
}

int weir_sketch_touch(struct weir_sketch **skp, uint32_t cid, int64_t day)
{
	int rc = state(skp);
	if (rc)
		return rc;
	struct weir_sketch *sk = *skp;
	uint64_t key = (uint64_t)cid << 32 | (uint32_t)(int32_t)(day / WEIR_MS_PER_DAY);
	if (sk->ndirty && sk->dirty[sk->ndirty - 1] == key)
		return 0;
	if (sk->ndirty == sk->capdirty) {
		uint32_t nc = sk->capdirty ? sk->capdirty * 2 : 256;
		uint64_t *nd = realloc(sk->dirty, (size_t)nc * sizeof(*nd));
		if (!nd)
			return WEIR_ENOMEM;
		sk->dirty = nd;
		sk->capdirty = nc;
	}
	sk->dirty[sk->ndirty++] = key;
	return 0;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

/* Makes room for one more slot (out of line: count_slot stays small). */
static __attribute__((noinline)) int count_grow(struct daycounts *d)
{
	uint32_t nc = d->cap ? d->cap * 2 : 4096;
	uint64_t *nn = realloc(d->counts, (size_t)nc * sizeof(*nn));
	if (nn)
		d->counts = nn;
	uint64_t *nh = realloc(d->keyh, (size_t)nc * sizeof(*nh));
	if (nh)
		d->keyh = nh;
	struct weir_ss_item *ni = realloc(d->items, (size_t)nc * sizeof(*ni));
	if (ni)
		d->items = ni;
	uint8_t(*nk)[4] = realloc(d->ukeys, (size_t)nc * sizeof(*nk));
	if (nk)
		d->ukeys = nk;
	if (!nn || !nh || !ni || !nk)
		return WEIR_ENOMEM;
	d->cap = nc;
	return 0;
}

/* Adds c to a slot; a new key (isnew) takes the next slot, and its item
 * (key, n) and keyh (the map hash of a word, the id of a user) with it. */
static inline int count_slot(struct daycounts *d, uint32_t *slot, bool isnew, uint64_t c, const void *key,
			     uint32_t n, uint64_t keyh)
{
	if (isnew) {
		if (d->n == d->cap && count_grow(d) != 0)
			return WEIR_ENOMEM;
		*slot = d->n;
		d->counts[d->n] = 0;
		d->keyh[d->n] = keyh;
		d->items[d->n++] = (struct weir_ss_item){key, n, 0};
	}
	d->counts[*slot] += c;
	return 0;
}

/* weir_words_next inlined for the common entry: a length and a count of
 * one byte each (the rest go through weir_words_next). */
static inline int words_next(struct weir_blob_it *it, const char **w, uint32_t *n, uint64_t *c)
{
	const unsigned char *p = it->p;
	if (it->end - p >= 2 && p[0] < 0x80 && (size_t)(it->end - p) >= (size_t)p[0] + 2 &&
	    p[1 + p[0]] < 0x80) {
		*n = p[0];
		*w = (const char *)p + 1;
		*c = p[1 + p[0]];
		it->p = p + 2 + p[0];
		return 1;
	}
	return weir_words_next(it, w, n, c);
}

/* weir_usercounts_next inlined for the common entry: a gid delta and a
 * count of one byte each. */
static inline int users_next(struct weir_blob_it *it, uint32_t *gid, uint64_t *c)
{
	const unsigned char *p = it->p;
	if (it->end - p >= 2 && p[0] < 0x80 && p[1] < 0x80) {
		it->last += p[0];
		*gid = (uint32_t)it->last;
		*c = p[1];
		it->p = p + 2;
		return 1;
	}
	return weir_usercounts_next(it, gid, c);
}

/* The map hash of a word: for the short ones (nearly all) the short-key
 * map's multiply hash (weir_skmap_hash, folded: weir_strmap takes the low
 * bits) instead of XXH3, a tenth of the rebuild's instructions. */
static inline uint64_t word_hash(const char *w, uint32_t n)
{
	if (n > WEIR_SKMAP_MAXLEN)
		return weir_hash(w, n);
	uint64_t a, b;
	weir_load16(w, n, &a, &b);
	uint64_t h = weir_skmap_hash(a, b, n);
	return h ^ h >> 32;
}

static const char sql_words_day[] =
    "SELECT words FROM chat_words WHERE channel_id=?1 AND hour>=?2 AND hour<?3";
static const char sql_users_day[] =
    "SELECT users FROM chat_users WHERE channel_id=?1 AND hour>=?2 AND hour<?3";
static const char sql_tops_put[] =
    "INSERT INTO chat_sketch(channel_id, day, words, users) VALUES(?1,?2,?3,?4)"
    " ON CONFLICT(channel_id, day) DO UPDATE SET words=excluded.words, users=excluded.users";

/* Builds the summary of one day's words (words true) or users into b. */
static int build_top(struct weir_store *s, struct weir_sketch *sk, bool words, uint32_t cid, int64_t day,
		     struct weir_buf *b)
{
	struct daycounts *d = &sk->dc;
	int rc = WEIR_ENOMEM;
	if (!d->ready) {
		weir_arena_init(&d->arena, 1 << 16);
		d->ready = true;
		if (weir_strmap_init(&d->words, 1024) || weir_u32map_init(&d->users, 1024, 1))
			goto fail;
	}
	/* the maps are empty here (emptied below, or freed on failure) */
	weir_arena_reset(&d->arena);
	d->n = 0;
	sqlite3_stmt *st = weir_store_prepare(s, words ? sql_words_day : sql_users_day);
	if (!st) {
		rc = WEIR_ESTORE;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, cid);
	sqlite3_bind_int64(st, 2, day);
	sqlite3_bind_int64(st, 3, day + WEIR_MS_PER_DAY);
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *p = sqlite3_column_blob(st, 0);
		struct weir_blob_it it = {p, p + sqlite3_column_bytes(st, 0), 0};
		const char *w;
		uint32_t n, gid;
		uint64_t c;
		if (words) {
			while (words_next(&it, &w, &n, &c)) {
				int isnew;
				struct weir_strent *e =
				    weir_strmap_get(&d->words, w, n, word_hash(w, n), &d->arena, &isnew);
				if (!e || count_slot(d, &e->val, isnew, c, e->p, e->n, e->hash) != 0) {
					sqlite3_reset(st);
					goto fail;
				}
			}
		} else {
			while (users_next(&it, &gid, &c)) {
				/* one probe: found, or inserted here (then grown and found again) */
				uint32_t k = gid + 1, mask = d->users.cap - 1, j = weir_mix32(k) & mask;
				while (d->users.keys[j] && d->users.keys[j] != k)
					j = (j + 1) & mask;
				bool isnew = !d->users.keys[j];
				if (isnew) {
					d->users.keys[j] = k;
					d->users.vals[j] = 0;
					if (++d->users.len * 2 > d->users.cap) {
						if (weir_u32map_grow(&d->users) != 0) {
							sqlite3_reset(st);
							goto fail;
						}
						mask = d->users.cap - 1;
						j = weir_mix32(k) & mask;
						while (d->users.keys[j] != k)
							j = (j + 1) & mask;
					}
				}
				if (count_slot(d, &d->users.vals[j], isnew, c, NULL, 4, gid) != 0) {
					sqlite3_reset(st);
					goto fail;
				}
			}
		}
	}
	sqlite3_reset(st);
	if (src != SQLITE_DONE) {
		rc = WEIR_ESTORE;
		goto fail;
	}
	/* The items are in slot (first-seen) order. The maps are emptied entry
	 * by entry (each found from its slot's hash or id; all are removed, so
	 * a probe may pass emptied slots): no scan or zeroing of a whole map */
	if (words) {
		uint32_t mask = d->words.cap - 1;
		for (uint32_t v = 0; v < d->n; v++) {
			d->items[v].count = d->counts[v];
			uint32_t j = (uint32_t)d->keyh[v] & mask;
			while (d->words.e[j].hash != d->keyh[v] || d->words.e[j].p != d->items[v].key)
				j = (j + 1) & mask;
			d->words.e[j].hash = 0;
		}
		d->words.len = 0;
	} else {
		uint32_t mask = d->users.cap - 1;
		for (uint32_t v = 0; v < d->n; v++) {
			uint32_t gid = (uint32_t)d->keyh[v], k = gid + 1, j = weir_mix32(k) & mask;
			/* big-endian: key bytes sort as ids */
			d->ukeys[v][0] = (uint8_t)(gid >> 24);
			d->ukeys[v][1] = (uint8_t)(gid >> 16);
			d->ukeys[v][2] = (uint8_t)(gid >> 8);
			d->ukeys[v][3] = (uint8_t)gid;
			d->items[v] = (struct weir_ss_item){d->ukeys[v], 4, d->counts[v]};
			while (d->users.keys[j] != k)
				j = (j + 1) & mask;
			d->users.keys[j] = 0;
			d->users.vals[j] = 0;
		}
		d->users.len = 0;
	}
	/* The stored summary only: written straight from the items, without
	 * building a summary first (key copies, hash index, heap): -6% of the
	 * rebuild's instructions */
	b->len = 0;
	if (weir_buf_reserve(b, weir_ss_items_size(d->items, d->n, WEIR_SKETCH_TOPK)) != 0)
		goto fail;
	b->len = weir_ss_write_items(d->items, d->n, WEIR_SKETCH_TOPK, b->p);
	return b->len ? 0 : WEIR_ENOMEM;
fail:
	/* the maps may hold entries now: start afresh next time */
	daycounts_free(d);
	return rc;
}

/* Builds (cid, day)'s two summaries into sk->buf and sk->buf2. */
static int build_day(struct weir_store *s, struct weir_sketch *sk, uint32_t cid, int64_t day)
{
	int rc = build_top(s, sk, true, cid, day, &sk->buf);
	return rc ? rc : build_top(s, sk, false, cid, day, &sk->buf2);
}

static int put_tops(struct weir_store *s, uint32_t cid, int64_t day, const void *w, size_t wn, const void *u,
		    size_t un)
{
	sqlite3_stmt *st = weir_store_prepare(s, sql_tops_put);
	if (!st)
		return WEIR_ESTORE;
	sqlite3_bind_int64(st, 1, cid);
	sqlite3_bind_int64(st, 2, day);
	sqlite3_bind_blob(st, 3, w, (int)wn, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, u, (int)un, SQLITE_STATIC);
	return step_done(st);
}

static int rebuild_day(struct weir_store *s, struct weir_sketch *sk, uint32_t cid, int64_t day)
{
	int rc = build_day(s, sk, cid, day);
	return rc ? rc : put_tops(s, cid, day, sk->buf.p, sk->buf.len, sk->buf2.p, sk->buf2.len);
}

void weir_sketch_set_interval(struct weir_sketch **sk, int64_t ms)
{
	if (state(sk) == 0) {
		(*sk)->interval_ns = ms * 1000000;
		/* the interval counts from now: an ingest that ends within it
		 * rebuilds once, at its end, not also at its first commits */
		(*sk)->last_ns = (int64_t)weir_now_ns();
	}
}

/* The marks of the days changed since the last call, into chat_sketch_dirty. */
int weir_sketch_mark(struct weir_store *s, struct weir_sketch *sk)
{
	int rc = 0;
	if (sk && sk->ndirty) {
		qsort(sk->dirty, sk->ndirty, sizeof(uint64_t), cmp_u64);
		sqlite3_stmt *m =
		    weir_store_prepare(s, "INSERT OR IGNORE INTO chat_sketch_dirty VALUES(?1,?2)");
		if (!m)
			return WEIR_ESTORE;
		for (uint32_t i = 0; i < sk->ndirty && !rc; i++) {
			if (i && sk->dirty[i] == sk->dirty[i - 1])
				continue;
			sqlite3_bind_int64(m, 1, (uint32_t)(sk->dirty[i] >> 32));
			sqlite3_bind_int64(m, 2, (int64_t)(int32_t)(uint32_t)sk->dirty[i] * WEIR_MS_PER_DAY);
			rc = step_done(m);
		}
		sk->ndirty = 0;
	}
	return rc;
}

/* Clears every mark: the summaries of the marked days were just written. */
static int marks_clear(struct weir_store *s)
{
	sqlite3_stmt *d = weir_store_prepare(s, "DELETE FROM chat_sketch_dirty");
	return d ? step_done(d) : WEIR_ESTORE;
}

/* The marked days, (cid << 32) | day index, in a fixed order (one rebuild
 * per day); *keys is malloc'd. */
static int dirty_days(struct weir_store *s, uint64_t **keysp, size_t *np)
{
	sqlite3_stmt *q =
	    weir_store_prepare(s, "SELECT channel_id, day FROM chat_sketch_dirty ORDER BY 1, 2");
	if (!q)
		return WEIR_ESTORE;
	uint64_t *keys = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			uint64_t *nk = realloc(keys, nc * sizeof(*nk));
			if (!nk) {
				sqlite3_reset(q);
				free(keys);
				return WEIR_ENOMEM;
			}
			keys = nk;
			cap = nc;
		}
		keys[n++] = (uint64_t)sqlite3_column_int64(q, 0) << 32 |
			    (uint32_t)(sqlite3_column_int64(q, 1) / WEIR_MS_PER_DAY);
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		free(keys);
		return WEIR_ESTORE;
	}
	*keysp = keys;
	*np = n;
	return 0;
}

static inline int64_t key_day(uint64_t key)
{
	return (int64_t)(int32_t)(uint32_t)key * WEIR_MS_PER_DAY;
}

/*
 * Runs inside the writer's transaction, before COMMIT. The days changed in
 * it are marked in chat_sketch_dirty (in the same transaction, so a crash
 * cannot lose a mark); then, when due, every marked day's summaries are
 * rebuilt from its exact hour counts and the marks cleared. Due: at every
 * commit by default; with an interval (the ingest sets one, since a live
 * stream commits every second and rebuilding a day's 24 hour blobs per
 * channel each time would make the writer the bottleneck) at most that
 * often, and always when `final` (the end of an ingest). The result is
 * the same either way: a summary is a function of its day's exact data.
 */
int weir_sketch_refresh(struct weir_store *s, struct weir_sketch *sk, bool final)
{
	if (!sk)
		return 0;
	int rc = weir_sketch_mark(s, sk);
	if (rc)
		return rc;
	int64_t now = (int64_t)weir_now_ns();
	if (!final && sk->interval_ns && now - sk->last_ns < sk->interval_ns)
		return 0;
	uint64_t *keys = NULL;
	size_t n = 0;
	if ((rc = dirty_days(s, &keys, &n)) != 0)
		return rc;
	/* The interval runs from the last rebuild that had work, not from the
	 * last commit: an ingest's first commit (the empty checkpoint at the
	 * start of a file) then does not push the rebuild of a short ingest out
	 * of its final commit into weir_store_finish's own transaction (one
	 * more commit and WAL checkpoint in the serial tail). */
	if (n)
		sk->last_ns = now;
	for (size_t i = 0; i < n && !rc; i++)
		rc = rebuild_day(s, sk, (uint32_t)(keys[i] >> 32), key_day(keys[i]));
	free(keys);
	if (!rc && n)
		rc = marks_clear(s);
	return rc;
}

int weir_sketch_build(struct weir_store *s, struct weir_sketch *sk, size_t cap)
{
	if (!sk)
		return 0;
	sk->pend.len = 0;
	sk->npend = 0;
	uint64_t *keys = NULL;
	size_t n = 0;
	int rc = dirty_days(s, &keys, &n);
	for (size_t i = 0; i < n && !rc; i++) {
		uint32_t cid = (uint32_t)(keys[i] >> 32);
		int64_t day = key_day(keys[i]);
		if ((rc = build_day(s, sk, cid, day)) != 0)
			break;
		/* cid, day, the two lengths, the two summaries */
		size_t need = 4 + 8 + 2 * sizeof(size_t) + sk->buf.len + sk->buf2.len;
		if (sk->pend.len + need > cap) {
			rc = WEIR_ENOMEM;
			break;
		}
		if (weir_buf_reserve(&sk->pend, need) != 0) {
			rc = WEIR_ENOMEM;
			break;
		}
		unsigned char *p = sk->pend.p + sk->pend.len;
		memcpy(p, &cid, 4);
		memcpy(p + 4, &day, 8);
		memcpy(p + 12, &sk->buf.len, sizeof(size_t));
		memcpy(p + 12 + sizeof(size_t), &sk->buf2.len, sizeof(size_t));
		p += 12 + 2 * sizeof(size_t);
		memcpy(p, sk->buf.p, sk->buf.len);
		memcpy(p + sk->buf.len, sk->buf2.p, sk->buf2.len);
		sk->pend.len += need;
		sk->npend++;
	}
	free(keys);
	if (rc) {
		sk->pend.len = 0;
		sk->npend = 0;
	}
	return rc;
}

int weir_sketch_write(struct weir_store *s, struct weir_sketch *sk)
{
	if (!sk)
		return 0;
	int rc = 0;
	const unsigned char *p = sk->pend.p, *end = p + sk->pend.len;
	while (p < end && !rc) {
		uint32_t cid;
		int64_t day;
		size_t wn, un;
		memcpy(&cid, p, 4);
		memcpy(&day, p + 4, 8);
		memcpy(&wn, p + 12, sizeof(size_t));
		memcpy(&un, p + 12 + sizeof(size_t), sizeof(size_t));
		p += 12 + 2 * sizeof(size_t);
		rc = put_tops(s, cid, day, p, wn, p + wn, un);
		p += wn + un;
	}
	if (!rc && sk->npend)
		rc = marks_clear(s);
	sk->pend.len = 0;
	sk->npend = 0;
	return rc;
}

/* ---- stores written before sketches -------------------------------------------- */

struct names_ctx {
	struct weir_store *s;
	struct weir_hll *hll;
	int rc;
};

static bool add_name(uint32_t gid, void *arg)
{
	struct names_ctx *c = arg;
	char *name = NULL;
	c->rc = weir_store_user_name(c->s, gid, &name);
	if (!c->rc && !name)
		c->rc = WEIR_ESTORE;
	if (!c->rc)
		weir_hll_add(c->hll, name, strlen(name));
	free(name);
	return c->rc == 0;
}

int weir_sketch_backfill(struct weir_store *s, struct weir_sketch **skp, char *err, size_t errcap)
{
	sqlite3 *db = weir_store_sqlite(s);
	sqlite3_stmt *st = NULL;
	int rc = state(skp);
	if (rc)
		return rc;
	struct weir_sketch *sk = *skp;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM meta WHERE key='sketches'", -1, &st, NULL) != SQLITE_OK)
		goto store_err;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (rc == SQLITE_ROW)
		return 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto store_err;
	if (sqlite3_prepare_v2(db, "SELECT channel_id, start, users FROM chat WHERE grain=2", -1, &st,
			       NULL) != SQLITE_OK)
		goto rollback;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t cid = (uint32_t)sqlite3_column_int64(st, 0);
		int64_t day = sqlite3_column_int64(st, 1);
		const void *ub = sqlite3_column_blob(st, 2);
		int ubn = sqlite3_column_bytes(st, 2);
		memset(sk->hll.reg, 0, (size_t)1 << sk->hll.p);
		if (ub && ubn > 0) {
			roaring_bitmap_t *bm = roaring_bitmap_portable_deserialize_safe(ub, (size_t)ubn);
			if (!bm)
				goto rollback;
			struct names_ctx c = {s, &sk->hll, 0};
			roaring_iterate(bm, add_name, &c);
			roaring_bitmap_free(bm);
			if (c.rc)
				goto rollback;
		}
		if (hll_save(s, sk, cid, day) != 0 || weir_sketch_touch(skp, cid, day) != 0)
			goto rollback;
	}
	if (rc != SQLITE_DONE || weir_sketch_refresh(s, sk, true) != 0 ||
	    sqlite3_exec(db, "INSERT INTO meta VALUES('sketches','1') ON CONFLICT(key) DO NOTHING", NULL,
			 NULL, NULL) != SQLITE_OK)
		goto rollback;
	sqlite3_finalize(st);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto store_err;
	return 0;
rollback:
	snprintf(err, errcap, "%s: building the sketches of stored days: %s", weir_store_uri(s),
		 sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sk->ndirty = 0;
	return WEIR_ESTORE;
store_err:
	snprintf(err, errcap, "%s: %s", weir_store_uri(s), sqlite3_errmsg(db));
	return WEIR_ESTORE;
}

/* ---- queries ------------------------------------------------------------------- */

static char *lower_dup(const char *s)
{
	char *d = strdup(s);
	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return d;
}

/* Binds ?1 channel (or NULL), ?2 from, ?3 to. */
static void bind_filters(sqlite3_stmt *st, const struct weir_query_args *a)
{
	if (a->channel) {
		char *ch = lower_dup(a->channel);
		sqlite3_bind_text(st, 1, ch, -1, SQLITE_TRANSIENT);
		free(ch);
	}
	if (a->from != WEIR_ABSENT)
		sqlite3_bind_int64(st, 2, a->from);
	if (a->to != WEIR_ABSENT)
		sqlite3_bind_int64(st, 3, a->to);
}

static int no_sketches(sqlite3 *db, const char *what, char *err, size_t errcap)
{
	snprintf(err, errcap,
		 "%s: %s (a store written by an older weir gains its sketches at the next ingest)", what,
		 sqlite3_errmsg(db));
	return WEIR_ESTORE;
}

struct urow {
	uint32_t gid;
	uint64_t count, err;
	char *name;
};

static int cmp_urow_count(const void *x, const void *y)
{
	const struct urow *a = x, *b = y;
	return a->count != b->count ? (a->count > b->count ? -1 : 1) : 0;
}

static int cmp_urow(const void *x, const void *y)
{
	const struct urow *a = x, *b = y;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* top-users --approx: the merged summary's ids to names, in top-N order. */
static int users_rows(struct weir_store *s, const struct weir_ss *m, int64_t limit, struct weir_result *res)
{
	struct urow *v = calloc(m->len ? m->len : 1, sizeof(*v));
	int rc = WEIR_ENOMEM;
	if (!v)
		return rc;
	for (uint32_t i = 0; i < m->len; i++) {
		const uint8_t *k = (const uint8_t *)m->e[i].key;
		v[i].gid = (uint32_t)k[0] << 24 | (uint32_t)k[1] << 16 | (uint32_t)k[2] << 8 | k[3];
		v[i].count = m->e[i].count;
		v[i].err = m->e[i].err;
	}
	/* names only for the entries that can make the cut (ties at the cut included) */
	qsort(v, m->len, sizeof(*v), cmp_urow_count);
	uint32_t keep = m->len;
	if ((uint64_t)limit < m->len) {
		keep = (uint32_t)limit;
		if (limit > 0)
			while (keep < m->len && v[keep].count == v[limit - 1].count)
				keep++;
	}
	for (uint32_t i = 0; i < keep; i++) {
		if ((rc = weir_store_user_name(s, v[i].gid, &v[i].name)) != 0)
			goto out;
		rc = WEIR_ENOMEM;
		if (!v[i].name && !(v[i].name = strdup("?")))
			goto out;
	}
	qsort(v, keep, sizeof(*v), cmp_urow);
	for (uint32_t i = 0; i < keep && (int64_t)i < limit; i++) {
		struct weir_cell *row = weir_result_row(res);
		if (!row)
			goto out;
		row[0].s = strdup(v[i].name);
		row[1].i = (int64_t)v[i].count;
		row[2].i = (int64_t)v[i].err;
	}
	rc = 0;
out:
	for (uint32_t i = 0; i < m->len; i++)
		free(v[i].name);
	free(v);
	return rc;
}

/* A stored summary is left out while its day is marked: it may be older
 * than the day's hour counts (see add_marked_days). */
#define NOT_DIRTY                                                                                            \
	" AND NOT EXISTS(SELECT 1 FROM chat_sketch_dirty d WHERE d.channel_id=t.channel_id AND"              \
	" d.day=t.day)"

/*
 * The marked days of the query's range, their summaries built here from the
 * hour counts as the writer would build them: a store whose last ingest
 * ended between its two commits (weir_store_finish), or lost the second
 * one's short WAL (power loss, or a copy of the database file alone),
 * answers the same as one whose summaries were written.
 */
static int add_marked_days(struct weir_store *s, bool words, const struct weir_query_args *a,
			   struct weir_ss_acc *acc)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(weir_store_sqlite(s),
			       "SELECT d.channel_id, d.day FROM chat_sketch_dirty d"
			       " JOIN channels ch ON ch.id=d.channel_id WHERE (?1 IS NULL OR ch.name=?1)"
			       " AND (?2 IS NULL OR d.day>=?2) AND (?3 IS NULL OR d.day<?3) ORDER BY 1, 2",
			       -1, &st, NULL) != SQLITE_OK)
		return WEIR_ESTORE;
	bind_filters(st, a);
	struct weir_sketch *sk = NULL;
	int rc = 0, src = SQLITE_DONE;
	while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = state(&sk)) != 0)
			break;
		uint32_t cid = (uint32_t)sqlite3_column_int64(st, 0);
		int64_t day = sqlite3_column_int64(st, 1);
		if ((rc = build_top(s, sk, words, cid, day, &sk->buf)) == 0 &&
		    weir_ss_acc_add_bytes(acc, sk->buf.p, sk->buf.len) != 0)
			rc = WEIR_ESTORE;
	}
	if (!rc && src != SQLITE_DONE)
		rc = WEIR_ESTORE;
	sqlite3_finalize(st);
	weir_sketch_free(sk);
	return rc;
}

int weir_sketch_top(struct weir_store *s, bool words, const struct weir_query_args *a,
		    struct weir_result *res, char *err, size_t errcap)
{
	static const char *const cols_w[] = {"word", "count", "error"};
	static const char *const cols_u[] = {"user", "count", "error"};
	static const uint8_t types[] = {WEIR_C_TEXT, WEIR_C_INT, WEIR_C_INT};
	const char *qname = words ? "top-words" : "top-users";
	weir_result_init(res, 3, words ? cols_w : cols_u, types);
	if (a->window >= 0 && a->window != WEIR_GRAIN_DAY) {
		snprintf(err, errcap, "%s --approx: the summaries are kept per day; use --window day or none",
			 qname);
		return WEIR_EINVAL;
	}
	sqlite3 *db = weir_store_sqlite(s);
	sqlite3_stmt *st;
	const char *sql = words ? "SELECT t.words FROM chat_sketch t JOIN channels ch ON ch.id=t.channel_id"
				  " WHERE (?1 IS NULL OR ch.name=?1) AND (?2 IS NULL OR t.day>=?2) AND (?3 "
				  "IS NULL OR t.day<?3)"
				  " AND t.words IS NOT NULL" NOT_DIRTY
				: "SELECT t.users FROM chat_sketch t JOIN channels ch ON ch.id=t.channel_id"
				  " WHERE (?1 IS NULL OR ch.name=?1) AND (?2 IS NULL OR t.day>=?2) AND (?3 "
				  "IS NULL OR t.day<?3)"
				  " AND t.users IS NOT NULL" NOT_DIRTY;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return no_sketches(db, qname, err, errcap);
	bind_filters(st, a);
	struct weir_ss_acc *acc = NULL;
	struct weir_ss m = {0};
	int rc = weir_ss_acc_new(&acc);
	if (rc)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (weir_ss_acc_add_bytes(acc, sqlite3_column_blob(st, 0),
					  (size_t)sqlite3_column_bytes(st, 0)) != 0) {
			snprintf(err, errcap, "%s: a stored summary is damaged", qname);
			rc = WEIR_ESTORE;
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		rc = WEIR_ESTORE;
		goto out;
	}
	if ((rc = add_marked_days(s, words, a, acc)) != 0) {
		snprintf(err, errcap, "%s: %s", qname,
			 rc == WEIR_ENOMEM ? "out of memory" : sqlite3_errmsg(weir_store_sqlite(s)));
		goto out;
	}
	/* every key any day holds, no cut: the result is exact when every day's is */
	if ((rc = weir_ss_acc_result(acc, 0, &m)) != 0)
		goto out;
	int64_t limit = a->limit < 0 ? 10 : a->limit;
	if (!words) {
		rc = users_rows(s, &m, limit, res);
		goto out;
	}
	weir_ss_sort(&m);
	rc = WEIR_ENOMEM;
	for (uint32_t i = 0; i < m.len && (int64_t)i < limit; i++) {
		struct weir_cell *row = weir_result_row(res);
		if (!row)
			goto out;
		row[0].s = weir_strndup(m.e[i].key, m.e[i].n);
		row[1].i = (int64_t)m.e[i].count;
		row[2].i = (int64_t)m.e[i].err;
	}
	rc = 0;
out:
	weir_ss_free(&m);
	weir_ss_acc_free(acc);
	sqlite3_finalize(st);
	return rc;
}

/*
 * chat-range [--channel C] [--approx]: one row per channel over the whole
 * days of [from, to): first and last day with chat, Σ messages, Σ words, and
 * the distinct chatters of the range: the union of the days' bitmaps
 * (exact) or the merge of their HyperLogLogs (--approx).
 */
static int run_chat_range(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
			  char *err, size_t errcap)
{
	static const char *const cols[] = {"channel",  "first_day", "last_day",
					   "messages", "words",	    "chatters"};
	static const uint8_t types[] = {WEIR_C_TEXT, WEIR_C_DAY, WEIR_C_DAY,
					WEIR_C_INT,  WEIR_C_INT, WEIR_C_INT};
	weir_result_init(res, 6, cols, types);
	if (a->window >= 0 && a->window != WEIR_GRAIN_DAY) {
		snprintf(err, errcap,
			 "chat-range: the range is made of whole days; use --window day or none");
		return WEIR_EINVAL;
	}
	sqlite3 *db = weir_store_sqlite(s);
	sqlite3_stmt *st;
	const char *sql =
	    a->approx ? "SELECT ch.name, c.start, c.messages, c.words, k.chatters FROM chat c"
			" JOIN channels ch ON ch.id=c.channel_id"
			" LEFT JOIN chat_sketch k ON k.channel_id=c.channel_id AND k.day=c.start"
			" WHERE c.grain=2 AND (?1 IS NULL OR ch.name=?1) AND (?2 IS NULL OR c.start>=?2)"
			" AND (?3 IS NULL OR c.start<?3) ORDER BY ch.name, c.start"
		      : "SELECT ch.name, c.start, c.messages, c.words, c.users FROM chat c"
			" JOIN channels ch ON ch.id=c.channel_id"
			" WHERE c.grain=2 AND (?1 IS NULL OR ch.name=?1) AND (?2 IS NULL OR c.start>=?2)"
			" AND (?3 IS NULL OR c.start<?3) ORDER BY ch.name, c.start";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return no_sketches(db, "chat-range", err, errcap);
	bind_filters(st, a);
	struct weir_hll hll = {0};
	roaring_bitmap_t *bm = NULL;
	struct weir_cell *row = NULL;
	int rc = a->approx ? weir_hll_init(&hll, WEIR_HLL_P_DEFAULT) : 0;
	if (rc)
		goto out;
	for (;;) {
		int step = sqlite3_step(st);
		if (step != SQLITE_ROW && step != SQLITE_DONE) {
			rc = WEIR_ESTORE;
			goto out;
		}
		const char *name = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		if (row && (!name || strcmp(name, row[0].s) != 0)) {
			/* the previous channel is complete */
			row[5].i = a->approx ? llround(weir_hll_estimate(&hll))
					     : (int64_t)roaring_bitmap_get_cardinality(bm);
			row = NULL;
		}
		if (!name)
			break;
		if (!row) {
			rc = WEIR_ENOMEM;
			if (!(row = weir_result_row(res)) || !(row[0].s = strdup(name)))
				goto out;
			row[1].i = sqlite3_column_int64(st, 1);
			if (a->approx)
				memset(hll.reg, 0, (size_t)1 << hll.p);
			else {
				if (bm)
					roaring_bitmap_free(bm);
				if (!(bm = roaring_bitmap_create()))
					goto out;
			}
		}
		row[2].i = sqlite3_column_int64(st, 1);
		row[3].i += sqlite3_column_int64(st, 2);
		row[4].i += sqlite3_column_int64(st, 3);
		const void *b = sqlite3_column_blob(st, 4);
		size_t bn = (size_t)sqlite3_column_bytes(st, 4);
		if (!b || !bn)
			continue;
		rc = WEIR_ESTORE;
		if (a->approx) {
			if (weir_hll_merge_bytes(&hll, b, bn) != 0) {
				snprintf(err, errcap, "chat-range: a stored sketch is damaged");
				goto out;
			}
		} else {
			roaring_bitmap_t *d = roaring_bitmap_portable_deserialize_safe(b, bn);
			if (!d)
				goto out;
			roaring_bitmap_or_inplace(bm, d);
			roaring_bitmap_free(d);
		}
	}
	rc = 0;
out:
	if (bm)
		roaring_bitmap_free(bm);
	weir_hll_free(&hll);
	sqlite3_finalize(st);
	return rc;
}

const struct weir_query_def weir_q_chat_range = {
    "chat-range", "[--channel C] [--approx]   channel,first_day,last_day,messages,words,chatters",
    WEIR_QF_CHANNEL | WEIR_QF_APPROX, run_chat_range};
