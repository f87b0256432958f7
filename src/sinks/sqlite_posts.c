/*
 * sqlite_posts.c — the posts family in the SQLite store: its tables, the
 * merge of the operator's records (put) and the five queries of
 * queries.md "Posts" (posts, keywords, post-locations, trending, posts-raw).
 *
 * The store is the authority on each post id. `posts` holds one row per id:
 * its identity (first arrival) and counters (latest arrival), see
 * src/ops/posts.h. Merging a record's post into it tells what changed:
 *   - a new id adds the post to the windows of its created_at (hour, day,
 *     ISO week) under each of its hashtags, keywords and its location;
 *   - newer counters add (new − old) likes, shares and replies there;
 *   - an earlier arrival than the stored first one replaces the identity:
 *     the old contribution is subtracted and the new one added; distinct
 *     authors of the windows it left are recounted from `posts` (a set
 *     cannot be subtracted from).
 * These differences go into the writer's in-memory copy of the `post_stats`
 * rows they touch (counts add, author sets union as CRoaring bitmaps of the
 * store's user ids), which is written back once per transaction, just
 * before it commits (weir_store_posts_sync). So a repeat, a late copy and a
 * second ingest of the same posts are one code path and stay exact.
 *
 * Sentiment is stored as Σ compound × 10000 (integers: sums merge exactly);
 * the mean is taken at query time.
 */
#include <roaring/roaring.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/store.h"
#include "core/table.h"
#include "ops/posts.h"

enum { K_TAG = 0, K_KEYWORD = 1, K_LOCATION = 2 };

const char *const weir_schema_posts =
    "CREATE TABLE IF NOT EXISTS posts(id TEXT PRIMARY KEY, created_at INTEGER NOT NULL,"
    " author TEXT NOT NULL, author_id INTEGER NOT NULL, text TEXT NOT NULL, location TEXT,"
    " tags BLOB, keywords BLOB, sentiment INTEGER NOT NULL, seen_at INTEGER NOT NULL,"
    " likes INTEGER, shares INTEGER, replies INTEGER, views INTEGER, author_followers INTEGER,"
    " author_location TEXT);"
    "CREATE INDEX IF NOT EXISTS posts_created_at ON posts(created_at);"
    "CREATE TABLE IF NOT EXISTS post_stats(kind INTEGER NOT NULL, grain INTEGER NOT NULL,"
    " name TEXT NOT NULL, start INTEGER NOT NULL, posts INTEGER NOT NULL, likes INTEGER NOT NULL,"
    " shares INTEGER NOT NULL, replies INTEGER NOT NULL, sentiment INTEGER NOT NULL,"
    " authors INTEGER NOT NULL, author_ids BLOB, PRIMARY KEY(kind, grain, name, start)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS post_keywords(keyword TEXT PRIMARY KEY) WITHOUT ROWID;";

static const char sql_post_ins[] =
    "INSERT INTO posts(id, created_at, author, author_id, text, location, tags, keywords, sentiment,"
    " seen_at, likes, shares, replies, views, author_followers, author_location)"
    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16) ON CONFLICT(id) DO NOTHING";
static const char sql_post_get[] =
    "SELECT created_at, author, author_id, text, location, tags, keywords, sentiment, seen_at, likes,"
    " shares, replies, views, author_followers, author_location FROM posts WHERE id=?1";
static const char sql_post_upd[] =
    "UPDATE posts SET created_at=?2, author=?3, author_id=?4, text=?5, location=?6, tags=?7, keywords=?8,"
    " sentiment=?9, seen_at=?10, likes=?11, shares=?12, replies=?13, views=?14, author_followers=?15,"
    " author_location=?16 WHERE id=?1";
static const char sql_stat_ins[] = "INSERT INTO post_stats VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)";
static const char sql_stat_get[] = "SELECT posts, likes, shares, replies, sentiment, author_ids"
				   " FROM post_stats WHERE kind=?1 AND grain=?2 AND name=?3 AND start=?4";
static const char sql_stat_upd[] =
    "UPDATE post_stats SET posts=?5, likes=?6, shares=?7, replies=?8, sentiment=?9, authors=?10,"
    " author_ids=?11 WHERE kind=?1 AND grain=?2 AND name=?3 AND start=?4";
static const char sql_stat_del[] =
    "DELETE FROM post_stats WHERE kind=?1 AND grain=?2 AND name=?3 AND start=?4";
static const char sql_window_posts[] =
    "SELECT author_id, tags, keywords FROM posts WHERE created_at>=?1 AND created_at<?2";
static const char sql_kw_ins[] = "INSERT INTO post_keywords VALUES(?1) ON CONFLICT DO NOTHING";

static const int grains[] = {WEIR_GRAIN_HOUR, WEIR_GRAIN_DAY, WEIR_GRAIN_WEEK};
#define NGRAINS 3

/* ---- string lists (tags, keywords) as blobs: repeated [varint len][bytes] -------- */

/* A growing buffer, kept between calls. */
struct lbuf {
	unsigned char *p;
	size_t cap;
};

static int list_blob(const struct weir_str *v, uint32_t n, struct lbuf *b, size_t *outn)
{
	size_t need = 1;
	for (uint32_t i = 0; i < n; i++)
		need += 5 + v[i].n;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < need)
			cap *= 2;
		unsigned char *np = realloc(b->p, cap);
		if (!np)
			return WEIR_ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	unsigned char *p = b->p;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = v[i].n;
		while (len >= 0x80) {
			*p++ = (unsigned char)(len | 0x80);
			len >>= 7;
		}
		*p++ = (unsigned char)len;
		memcpy(p, v[i].p, v[i].n);
		p += v[i].n;
	}
	*outn = (size_t)(p - b->p);
	return 0;
}

/* Next string of a list blob; 0 at the end (or on a damaged blob). */
static int list_next(const unsigned char **p, const unsigned char *end, struct weir_str *s)
{
	if (*p >= end)
		return 0;
	uint32_t len = 0;
	int shift = 0;
	while (*p < end && (**p & 0x80) && shift < 28) {
		len |= (uint32_t)(**p & 0x7f) << shift;
		shift += 7;
		(*p)++;
	}
	if (*p >= end)
		return 0;
	len |= (uint32_t) * *p << shift;
	(*p)++;
	if ((size_t)(end - *p) < len)
		return 0;
	s->p = (const char *)*p;
	s->n = len;
	*p += len;
	return 1;
}

/* Decodes a list blob into strings copied to arena a. */
static int list_load(const void *blob, int bn, struct weir_arena *a, struct weir_str **out, uint32_t *n)
{
	const unsigned char *p = blob, *end = p + (bn > 0 ? bn : 0);
	struct weir_str s;
	uint32_t count = 0;
	for (const unsigned char *q = p; list_next(&q, end, &s);)
		count++;
	*out = NULL;
	*n = 0;
	if (!count)
		return 0;
	struct weir_str *v = weir_arena_alloc(a, count * sizeof(*v));
	if (!v)
		return WEIR_ENOMEM;
	for (uint32_t i = 0; i < count && list_next(&p, end, &s); i++) {
		char *c = weir_arena_alloc(a, s.n ? s.n : 1);
		if (!c)
			return WEIR_ENOMEM;
		memcpy(c, s.p, s.n);
		v[i].p = c;
		v[i].n = s.n;
	}
	*out = v;
	*n = count;
	return 0;
}

/* ---- windows ------------------------------------------------------------------------ */

/* A post_stats row's key and sums. */
struct delta {
	uint8_t kind, grain;
	int64_t start;
	struct weir_str name;
	int64_t posts, likes, shares, replies, sentiment;
};

static int64_t val(int64_t x)
{
	return x == WEIR_ABSENT ? 0 : x;
}

/* The k-th name a post is counted under: its tags, its keywords, its location. */
static int post_key(const struct weir_post *p, uint32_t k, struct weir_str *name)
{
	if (k < p->ntags) {
		*name = p->tags[k];
		return K_TAG;
	}
	if (k < p->ntags + p->nkws) {
		*name = p->kws[k - p->ntags];
		return K_KEYWORD;
	}
	*name = p->location;
	return K_LOCATION;
}

/* ---- posts rows ------------------------------------------------------------------ */

static void bind_str(sqlite3_stmt *st, int ix, struct weir_str s)
{
	if (s.p)
		sqlite3_bind_text(st, ix, s.p, (int)s.n, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, ix);
}

static void bind_count(sqlite3_stmt *st, int ix, int64_t v)
{
	if (v == WEIR_ABSENT)
		sqlite3_bind_null(st, ix);
	else
		sqlite3_bind_int64(st, ix, v);
}

/* Binds ?1..?16 of sql_post_ins / sql_post_upd; the list blobs go to tb and kb. */
static int bind_post(sqlite3_stmt *st, const struct weir_post *p, uint32_t gid, struct lbuf *tb,
		     struct lbuf *kb)
{
	size_t tn, kn;
	if (list_blob(p->tags, p->ntags, tb, &tn) || list_blob(p->kws, p->nkws, kb, &kn))
		return WEIR_ENOMEM;
	bind_str(st, 1, p->id);
	sqlite3_bind_int64(st, 2, p->created_at);
	bind_str(st, 3, p->author);
	sqlite3_bind_int64(st, 4, gid);
	bind_str(st, 5, p->text);
	bind_str(st, 6, p->location);
	sqlite3_bind_blob(st, 7, tb->p, (int)tn, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, kb->p, (int)kn, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, p->sentiment);
	sqlite3_bind_int64(st, 10, p->seen_at);
	bind_count(st, 11, p->likes);
	bind_count(st, 12, p->shares);
	bind_count(st, 13, p->replies);
	bind_count(st, 14, p->views);
	bind_count(st, 15, p->followers);
	bind_str(st, 16, p->author_location);
	return 0;
}

static int step_post(sqlite3_stmt *st, const struct weir_post *p, uint32_t gid, struct lbuf *tb,
		     struct lbuf *kb)
{
	int rc = bind_post(st, p, gid, tb, kb);
	if (!rc)
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WEIR_ESTORE;
	sqlite3_reset(st);
	return rc;
}

static struct weir_str col_str(sqlite3_stmt *st, int col, struct weir_arena *a)
{
	struct weir_str s = {NULL, 0};
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return s;
	const unsigned char *t = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);
	char *c = weir_arena_alloc(a, n > 0 ? (size_t)n : 1);
	if (c && t)
		memcpy(c, t, (size_t)n);
	s.p = c;
	s.n = (uint32_t)n;
	return s;
}

static int64_t col_count(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? WEIR_ABSENT : sqlite3_column_int64(st, col);
}

/* Loads the stored row of id into *old (strings copied to a). 1 if found. */
static int load_post(sqlite3_stmt *g, struct weir_str id, struct weir_arena *a, struct weir_post *old,
		     uint32_t *gid)
{
	sqlite3_bind_text(g, 1, id.p, (int)id.n, SQLITE_STATIC);
	int rc = sqlite3_step(g);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(g);
		return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
	}
	struct weir_str *tags = NULL, *kws = NULL;
	memset(old, 0, sizeof(*old));
	old->id = id;
	old->created_at = sqlite3_column_int64(g, 0);
	old->author = col_str(g, 1, a);
	*gid = (uint32_t)sqlite3_column_int64(g, 2);
	old->text = col_str(g, 3, a);
	old->location = col_str(g, 4, a);
	rc = list_load(sqlite3_column_blob(g, 5), sqlite3_column_bytes(g, 5), a, &tags, &old->ntags);
	if (!rc)
		rc = list_load(sqlite3_column_blob(g, 6), sqlite3_column_bytes(g, 6), a, &kws, &old->nkws);
	old->tags = tags;
	old->kws = kws;
	old->sentiment = sqlite3_column_int(g, 7);
	old->seen_at = sqlite3_column_int64(g, 8);
	old->likes = col_count(g, 9);
	old->shares = col_count(g, 10);
	old->replies = col_count(g, 11);
	old->views = col_count(g, 12);
	old->followers = col_count(g, 13);
	old->author_location = col_str(g, 14, a);
	sqlite3_reset(g);
	return rc ? rc : 1;
}

/* ---- post_stats rows -------------------------------------------------------------- */

static int bitmap_bytes(roaring_bitmap_t *bm, unsigned char **out, size_t *n)
{
	roaring_bitmap_run_optimize(bm);
	*n = roaring_bitmap_portable_size_in_bytes(bm);
	*out = malloc(*n ? *n : 1);
	if (!*out)
		return WEIR_ENOMEM;
	roaring_bitmap_portable_serialize(bm, (char *)*out);
	return 0;
}

/* The authors of the posts stored in a window under a tag or keyword. */
static int recount_authors(struct weir_store *s, const struct delta *x, roaring_bitmap_t *bm)
{
	sqlite3_stmt *st = weir_store_prepare(s, sql_window_posts);
	if (!st)
		return WEIR_ESTORE;
	sqlite3_bind_int64(st, 1, x->start);
	sqlite3_bind_int64(st, 2, x->start + weir_grain_ms(x->grain));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int col = x->kind == K_TAG ? 1 : 2;
		const unsigned char *p = sqlite3_column_blob(st, col);
		const unsigned char *end = p + sqlite3_column_bytes(st, col);
		struct weir_str t;
		while (p && list_next(&p, end, &t))
			if (t.n == x->name.n && memcmp(t.p, x->name.p, t.n) == 0) {
				roaring_bitmap_add(bm, (uint32_t)sqlite3_column_int64(st, 0));
				break;
			}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

static void bind_key(sqlite3_stmt *st, const struct delta *x)
{
	sqlite3_bind_int(st, 1, x->kind);
	sqlite3_bind_int(st, 2, x->grain);
	sqlite3_bind_text(st, 3, x->name.p, (int)x->name.n, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, x->start);
}

/* Binds the row's values ?5..?11 (authors only for tags and keywords). */
static int bind_values(sqlite3_stmt *st, const struct delta *x, int64_t posts, int64_t likes, int64_t shares,
		       int64_t replies, int64_t sentiment, roaring_bitmap_t *bm, unsigned char **blob)
{
	size_t bn = 0;
	sqlite3_bind_int64(st, 5, posts);
	sqlite3_bind_int64(st, 6, likes);
	sqlite3_bind_int64(st, 7, shares);
	sqlite3_bind_int64(st, 8, replies);
	sqlite3_bind_int64(st, 9, sentiment);
	if (x->kind == K_LOCATION) {
		sqlite3_bind_int64(st, 10, 0);
		sqlite3_bind_null(st, 11);
		return 0;
	}
	if (bitmap_bytes(bm, blob, &bn) != 0)
		return WEIR_ENOMEM;
	sqlite3_bind_int64(st, 10, (int64_t)roaring_bitmap_get_cardinality(bm));
	sqlite3_bind_blob(st, 11, *blob, (int)bn, SQLITE_STATIC);
	return 0;
}

/* ---- the writer's cache of post_stats rows ------------------------------------------ */

/*
 * Records come a minute at a time, and each touches the same (tag, hour)
 * and (tag, day) rows as the one before. Reading, merging and writing those
 * rows back per record (their author bitmaps deserialized and serialized
 * each time) was most of the writer's work. So the writer keeps the rows it
 * touched in memory, exact (counts and the author set), and writes the
 * changed ones once, just before each commit (weir_store_posts_sync) —
 * nothing is lost, since a commit is the only point where results become
 * durable or visible. After a commit a large cache is dropped, so memory
 * stays bounded on endless streams.
 */
#define CACHE_MAX 200000 /* rows kept across a commit */

struct crow {
	uint8_t kind, grain;
	uint8_t exists;	 /* a row is in the table */
	uint8_t dirty;	 /* changed since the last sync */
	uint8_t recount; /* on the record's recount list */
	uint32_t mark;	 /* the post merge (seq) that last added its author here */
	int64_t start;
	struct weir_str name;
	int64_t posts, likes, shares, replies, sentiment;
	roaring_bitmap_t *authors; /* tags and keywords */
};

struct weir_posts_cache {
	struct weir_strmap ix; /* key bytes (as delta_get) -> index */
	struct weir_arena arena;
	struct weir_strmap authors; /* author name -> global user id (val) */
	struct weir_arena author_names;
	struct crow *v;
	uint32_t n, cap;
	char *key;
	size_t keycap;
	uint32_t seq;	   /* post merges so far (marks) */
	uint32_t *recount; /* rows a post left during the record being put */
	uint32_t nrecount, caprecount;
	struct lbuf tb, kb; /* tag and keyword list blobs of the post being written */
};

static void cache_clear(struct weir_posts_cache *c)
{
	for (uint32_t i = 0; i < c->n; i++)
		if (c->v[i].authors)
			roaring_bitmap_free(c->v[i].authors);
	c->n = 0;
	weir_strmap_free(&c->ix);
	weir_arena_reset(&c->arena);
}

#define AUTHORS_MAX (1u << 20) /* names cached; then the cache starts again */

/* The store's user id of a post's author, through the cache (users table otherwise). */
static int author_id(struct weir_store *s, struct weir_posts_cache *c, struct weir_str name, uint32_t *gid)
{
	if (c->authors.len >= AUTHORS_MAX) {
		weir_strmap_free(&c->authors);
		weir_arena_reset(&c->author_names);
	}
	if (!c->authors.e && weir_strmap_init(&c->authors, 1024) != 0)
		return WEIR_ENOMEM;
	int isnew;
	struct weir_strent *e =
	    weir_strmap_get(&c->authors, name.p, name.n, weir_hash(name.p, name.n), &c->author_names, &isnew);
	if (!e)
		return WEIR_ENOMEM;
	if (!isnew) {
		*gid = (uint32_t)e->val;
		return 0;
	}
	int rc = weir_store_user_id(s, name.p, name.n, gid);
	if (rc) {
		weir_strmap_free(&c->authors); /* the entry has no id: forget them all */
		weir_arena_reset(&c->author_names);
		return rc;
	}
	e->val = *gid;
	return 0;
}

void weir_store_posts_cache_free(struct weir_posts_cache *c)
{
	if (!c)
		return;
	cache_clear(c);
	weir_strmap_free(&c->authors);
	weir_arena_free(&c->author_names);
	free(c->recount);
	free(c->tb.p);
	free(c->kb.p);
	free(c->v);
	free(c->key);
	weir_arena_free(&c->arena);
	free(c);
}

/* The cached row of delta x's key, loaded from the table on first use. */
static struct crow *cache_row(struct weir_store *s, struct weir_posts_cache *c, const struct delta *x)
{
	if (!c->ix.e && weir_strmap_init(&c->ix, 1024) != 0)
		return NULL;
	size_t kn = 10 + x->name.n;
	if (kn > c->keycap) {
		size_t cap = c->keycap ? c->keycap : 256;
		while (cap < kn)
			cap *= 2;
		char *k = realloc(c->key, cap);
		if (!k)
			return NULL;
		c->key = k;
		c->keycap = cap;
	}
	c->key[0] = (char)x->kind;
	c->key[1] = (char)x->grain;
	memcpy(c->key + 2, &x->start, 8);
	memcpy(c->key + 10, x->name.p, x->name.n);
	int isnew;
	struct weir_strent *e =
	    weir_strmap_get(&c->ix, c->key, (uint32_t)kn, weir_hash(c->key, kn), &c->arena, &isnew);
	if (!e)
		return NULL;
	if (!isnew)
		return &c->v[e->val];
	if (c->n == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : 1024;
		struct crow *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		c->v = v;
		c->cap = cap;
	}
	e->val = c->n;
	struct crow *r = &c->v[c->n++];
	memset(r, 0, sizeof(*r));
	r->kind = x->kind;
	r->grain = x->grain;
	r->start = x->start;
	r->name.p = e->p + 10;
	r->name.n = x->name.n;
	sqlite3_stmt *g = weir_store_prepare(s, sql_stat_get);
	if (!g)
		return NULL;
	bind_key(g, x);
	int step = sqlite3_step(g);
	if (step == SQLITE_ROW) {
		r->exists = 1;
		r->posts = sqlite3_column_int64(g, 0);
		r->likes = sqlite3_column_int64(g, 1);
		r->shares = sqlite3_column_int64(g, 2);
		r->replies = sqlite3_column_int64(g, 3);
		r->sentiment = sqlite3_column_int64(g, 4);
		const void *ob = sqlite3_column_blob(g, 5);
		int obn = sqlite3_column_bytes(g, 5);
		if (x->kind != K_LOCATION && ob && obn > 0)
			r->authors = roaring_bitmap_portable_deserialize_safe(ob, (size_t)obn);
	}
	sqlite3_reset(g);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return NULL;
	if (x->kind != K_LOCATION && !r->authors && !(r->authors = roaring_bitmap_create()))
		return NULL;
	return r;
}

/* A post as the store sees it: identity, counters and its author's id. */
struct pview {
	const struct weir_post *p;
	uint32_t gid;
};

/*
 * Adds sign × the post's contribution to every window it belongs to, in
 * the cached rows. With sign +1 its author joins the windows' author sets
 * (mark = seq); with -1 the row goes on the recount list (its authors are
 * recounted from `posts` once the record's posts are all written, since a
 * set cannot be subtracted from) unless the same author was just added there
 * by the same merge (seq) — the post only moved within the window.
 */
static int contribute(struct weir_store *s, struct weir_posts_cache *c, const struct pview *pv, int sign,
		      uint32_t seq, uint32_t new_gid)
{
	const struct weir_post *p = pv->p;
	uint32_t nkeys = p->ntags + p->nkws + (p->location.p ? 1 : 0);
	for (int g = 0; g < NGRAINS; g++) {
		struct delta key = {.grain = (uint8_t)grains[g],
				    .start = weir_grain_start(grains[g], p->created_at)};
		for (uint32_t k = 0; k < nkeys; k++) {
			key.kind = (uint8_t)post_key(p, k, &key.name);
			struct crow *r = cache_row(s, c, &key);
			if (!r)
				return WEIR_ESTORE;
			r->posts += sign;
			r->likes += sign * val(p->likes);
			r->shares += sign * val(p->shares);
			r->replies += sign * val(p->replies);
			r->sentiment += sign * (int64_t)p->sentiment;
			r->dirty = 1;
			if (key.kind == K_LOCATION)
				continue;
			if (sign > 0) {
				roaring_bitmap_add(r->authors, pv->gid);
				r->mark = seq;
			} else if (!(r->mark == seq && new_gid == pv->gid) && !r->recount) {
				if (c->nrecount == c->caprecount) {
					uint32_t cap = c->caprecount ? c->caprecount * 2 : 64;
					uint32_t *v = realloc(c->recount, cap * sizeof(*v));
					if (!v)
						return WEIR_ENOMEM;
					c->recount = v;
					c->caprecount = cap;
				}
				r->recount = 1;
				c->recount[c->nrecount++] = (uint32_t)(r - c->v);
			}
		}
	}
	return 0;
}

/* Counter changes of a post whose identity stays (new − old in each window). */
static int recount_counters(struct weir_store *s, struct weir_posts_cache *c, const struct weir_post *old,
			    const struct weir_post *m)
{
	int64_t dl = val(m->likes) - val(old->likes), ds = val(m->shares) - val(old->shares),
		dr = val(m->replies) - val(old->replies);
	if (!dl && !ds && !dr)
		return 0;
	uint32_t nkeys = old->ntags + old->nkws + (old->location.p ? 1 : 0);
	for (int g = 0; g < NGRAINS; g++) {
		struct delta key = {.grain = (uint8_t)grains[g],
				    .start = weir_grain_start(grains[g], old->created_at)};
		for (uint32_t k = 0; k < nkeys; k++) {
			key.kind = (uint8_t)post_key(old, k, &key.name);
			struct crow *r = cache_row(s, c, &key);
			if (!r)
				return WEIR_ESTORE;
			r->likes += dl;
			r->shares += ds;
			r->replies += dr;
			r->dirty = 1;
		}
	}
	return 0;
}

/* The rows posts left during this record: their author sets from `posts`, now that it is written. */
static int recount_rows(struct weir_store *s, struct weir_posts_cache *c)
{
	int rc = 0;
	for (uint32_t i = 0; i < c->nrecount; i++) {
		struct crow *r = &c->v[c->recount[i]];
		r->recount = 0;
		if (rc)
			continue;
		struct delta key = {.kind = r->kind, .grain = r->grain, .start = r->start, .name = r->name};
		roaring_bitmap_clear(r->authors);
		rc = recount_authors(s, &key, r->authors);
	}
	c->nrecount = 0;
	return rc;
}

/* Writes the changed rows of the cache: before every commit (sqlite.c). */
int weir_store_posts_sync(struct weir_store *s, struct weir_posts_cache *c)
{
	if (!c)
		return 0;
	int rc = 0;
	for (uint32_t i = 0; i < c->n && !rc; i++) {
		struct crow *r = &c->v[i];
		if (!r->dirty)
			continue;
		struct delta k = {.kind = r->kind, .grain = r->grain, .start = r->start, .name = r->name};
		unsigned char *blob = NULL;
		sqlite3_stmt *u;
		if (r->posts > 0)
			u = weir_store_prepare(s, r->exists ? sql_stat_upd : sql_stat_ins);
		else if (r->exists)
			u = weir_store_prepare(
			    s, sql_stat_del); /* the last post left the window: the row goes */
		else {
			r->dirty = 0;
			continue; /* nothing stored, nothing to store */
		}
		if (!u)
			return WEIR_ESTORE;
		bind_key(u, &k);
		if (r->posts > 0)
			rc = bind_values(u, &k, r->posts, r->likes, r->shares, r->replies, r->sentiment,
					 r->authors, &blob);
		if (!rc)
			rc = sqlite3_step(u) == SQLITE_DONE ? 0 : WEIR_ESTORE;
		sqlite3_reset(u);
		free(blob);
		r->exists = r->posts > 0;
		r->dirty = 0;
	}
	if (!rc && c->n > CACHE_MAX)
		cache_clear(c);
	return rc;
}

/* ---- put ------------------------------------------------------------------------------- */

int weir_store_posts_put(struct weir_store *s, const struct weir_posts_rec *r)
{
	sqlite3 *db = weir_store_sqlite(s);
	sqlite3_stmt *ins = weir_store_prepare(s, sql_post_ins);
	sqlite3_stmt *get = weir_store_prepare(s, sql_post_get);
	sqlite3_stmt *upd = weir_store_prepare(s, sql_post_upd);
	sqlite3_stmt *kwi = weir_store_prepare(s, sql_kw_ins);
	if (!ins || !get || !upd || !kwi)
		return WEIR_ESTORE;
	/* the configured keywords, so that queries know them (cheap when present) */
	for (uint32_t i = 0; i < weir_posts_keyword_count(); i++) {
		sqlite3_bind_text(kwi, 1, weir_posts_keyword(i), -1, SQLITE_STATIC);
		int st = sqlite3_step(kwi);
		sqlite3_reset(kwi);
		if (st != SQLITE_DONE)
			return WEIR_ESTORE;
	}
	struct weir_arena scratch;
	weir_arena_init(&scratch, 16 * 1024);
	int rc = 0;
	struct weir_posts_cache **cp = weir_store_posts_cache(s);
	if (!*cp) {
		*cp = calloc(1, sizeof(**cp));
		if (!*cp) {
			rc = WEIR_ENOMEM;
		} else {
			weir_arena_init(&(*cp)->arena, 64 * 1024);
			weir_arena_init(&(*cp)->author_names, 64 * 1024);
		}
	}
	struct weir_posts_cache *c = *cp;
	for (uint32_t i = 0; i < r->n && !rc; i++) {
		const struct weir_post *p = &r->v[i];
		uint32_t gid, seq = ++c->seq;
		rc = author_id(s, c, p->author, &gid);
		if (rc)
			break;
		rc = step_post(ins, p, gid, &c->tb, &c->kb);
		if (rc)
			break;
		if (sqlite3_changes(db) == 1) {
			struct pview pv = {p, gid};
			rc = contribute(s, c, &pv, 1, seq, gid);
			continue;
		}
		/* the id is stored: merge (identity of the earliest, counters of the latest) */
		struct weir_post old, m;
		uint32_t old_gid;
		weir_arena_reset(&scratch);
		rc = load_post(get, p->id, &scratch, &old, &old_gid);
		if (rc != 1) {
			rc = rc ? rc : WEIR_ESTORE;
			break;
		}
		rc = 0;
		int ident = p->created_at < old.created_at, counters = p->seen_at >= old.seen_at;
		if (!ident && !counters)
			continue;
		const struct weir_post *from = ident ? p : &old;
		const struct weir_post *cnt = counters ? p : &old;
		m = *from;
		m.id = p->id;
		m.seen_at = cnt->seen_at;
		m.likes = cnt->likes;
		m.shares = cnt->shares;
		m.replies = cnt->replies;
		m.views = cnt->views;
		m.followers = cnt->followers;
		m.author_location = cnt->author_location;
		uint32_t m_gid = ident ? gid : old_gid;
		rc = step_post(upd, &m, m_gid, &c->tb, &c->kb);
		if (rc)
			break;
		if (ident) {
			struct pview nv = {&m, m_gid}, ov = {&old, old_gid};
			rc = contribute(s, c, &nv, 1, seq, m_gid);
			if (!rc)
				rc = contribute(s, c, &ov, -1, seq, m_gid);
		} else {
			rc = recount_counters(s, c, &old, &m);
		}
	}
	if (c) {
		int rr = recount_rows(s, c);
		if (!rc)
			rc = rr;
	}
	weir_arena_free(&scratch);
	return rc;
}

/*
 * Schema 1 -> 2: week windows. A store written before them gets its week
 * rows from its day rows (weeks are whole days: sums add, author sets
 * union), so week queries cover everything ingested before. Runs inside
 * the migration's transaction.
 */
int weir_store_posts_migrate(struct weir_store *s)
{
	sqlite3 *db = weir_store_sqlite(s);
	sqlite3_stmt *q = NULL, *ins = NULL;
	roaring_bitmap_t *bm = roaring_bitmap_create();
	char *name = NULL;
	int rc = WEIR_ESTORE;
	if (!bm)
		return WEIR_ENOMEM;
	if (sqlite3_prepare_v2(
		db,
		"SELECT kind, name, start, posts, likes, shares, replies, sentiment, author_ids"
		" FROM post_stats WHERE grain=2 ORDER BY kind, name, start",
		-1, &q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql_stat_ins, -1, &ins, NULL) != SQLITE_OK)
		goto out;
	struct delta w = {0};
	int have = 0, step;
	for (;;) {
		step = sqlite3_step(q);
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			goto out;
		int kind = step == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
		const char *nm = step == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 1) : NULL;
		int nn = step == SQLITE_ROW ? sqlite3_column_bytes(q, 1) : 0;
		int64_t week =
		    step == SQLITE_ROW ? weir_grain_start(WEIR_GRAIN_WEEK, sqlite3_column_int64(q, 2)) : 0;
		if (have && (step == SQLITE_DONE || kind != w.kind || week != w.start ||
			     (uint32_t)nn != w.name.n || memcmp(nm, w.name.p, (size_t)nn) != 0)) {
			unsigned char *blob = NULL;
			bind_key(ins, &w);
			int r = bind_values(ins, &w, w.posts, w.likes, w.shares, w.replies, w.sentiment, bm,
					    &blob);
			if (!r)
				r = sqlite3_step(ins) == SQLITE_DONE ? 0 : WEIR_ESTORE;
			sqlite3_reset(ins);
			free(blob);
			if (r) {
				rc = r;
				goto out;
			}
			roaring_bitmap_clear(bm);
			have = 0;
		}
		if (step == SQLITE_DONE)
			break;
		if (!have) {
			free(name);
			if (!(name = malloc((size_t)nn + 1))) {
				rc = WEIR_ENOMEM;
				goto out;
			}
			memcpy(name, nm, (size_t)nn);
			memset(&w, 0, sizeof(w));
			w.kind = (uint8_t)kind;
			w.grain = WEIR_GRAIN_WEEK;
			w.start = week;
			w.name.p = name;
			w.name.n = (uint32_t)nn;
			have = 1;
		}
		w.posts += sqlite3_column_int64(q, 3);
		w.likes += sqlite3_column_int64(q, 4);
		w.shares += sqlite3_column_int64(q, 5);
		w.replies += sqlite3_column_int64(q, 6);
		w.sentiment += sqlite3_column_int64(q, 7);
		const void *ob = sqlite3_column_blob(q, 8);
		int obn = sqlite3_column_bytes(q, 8);
		if (ob && obn > 0) {
			roaring_bitmap_t *old = roaring_bitmap_portable_deserialize_safe(ob, (size_t)obn);
			if (!old)
				goto out;
			roaring_bitmap_or_inplace(bm, old);
			roaring_bitmap_free(old);
		}
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	sqlite3_finalize(ins);
	roaring_bitmap_free(bm);
	free(name);
	return rc;
}

/* ---- queries ------------------------------------------------------------------------ */

static void bind_range(sqlite3_stmt *st, int ix, const struct weir_query_args *a)
{
	if (a->from != WEIR_ABSENT)
		sqlite3_bind_int64(st, ix, a->from);
	if (a->to != WEIR_ABSENT)
		sqlite3_bind_int64(st, ix + 1, a->to);
}

/* hour, day or week: aggregates are kept at those grains. */
static int pick_grain(const char *q, const struct weir_query_args *a, int *grain, char *err, size_t errcap)
{
	*grain = a->window < 0 ? WEIR_GRAIN_HOUR : a->window;
	if (*grain == WEIR_GRAIN_MINUTE) {
		snprintf(err, errcap, "%s: --window minute: posts are kept per hour, day and week", q);
		return WEIR_EINVAL;
	}
	return 0;
}

/* Windows print as times (hours) or as the day they start (days; weeks, from their Monday). */
static int day_typed(int grain)
{
	return grain == WEIR_GRAIN_DAY || grain == WEIR_GRAIN_WEEK;
}

/* A tag as given to --tag: without leading '#', ASCII lowercased. */
static char *tag_arg(const char *t)
{
	while (*t == '#')
		t++;
	char *d = strdup(t);
	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return d;
}

/* posts and keywords: one row per (name, window). */
static int q_stats(struct weir_store *s, int kind, const char *qname, const char *name,
		   const struct weir_query_args *a, struct weir_result *res, char *err, size_t errcap)
{
	static const char *const cols_t[] = {"window", "tag",	  "posts",   "likes",
					     "shares", "replies", "authors", "sentiment"};
	static const char *const cols_k[] = {"window", "keyword", "posts",   "likes",
					     "shares", "replies", "authors", "sentiment"};
	static const uint8_t types_h[] = {WEIR_C_TIME, WEIR_C_TEXT, WEIR_C_INT, WEIR_C_INT,
					  WEIR_C_INT,  WEIR_C_INT,  WEIR_C_INT, WEIR_C_REAL};
	static const uint8_t types_d[] = {WEIR_C_DAY, WEIR_C_TEXT, WEIR_C_INT, WEIR_C_INT,
					  WEIR_C_INT, WEIR_C_INT,  WEIR_C_INT, WEIR_C_REAL};
	int grain;
	int rc = pick_grain(qname, a, &grain, err, errcap);
	const uint8_t *types = day_typed(grain) ? types_d : types_h;
	weir_result_init(res, 8, kind == K_TAG ? cols_t : cols_k, types);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(weir_store_sqlite(s),
			       "SELECT start, name, posts, likes, shares, replies, authors, sentiment"
			       " FROM post_stats WHERE kind=?1 AND grain=?2 AND posts>0"
			       " AND (?3 IS NULL OR name=?3)"
			       " AND (?4 IS NULL OR start>=?4) AND (?5 IS NULL OR start<?5)"
			       " ORDER BY name, start",
			       -1, &st, NULL) != SQLITE_OK)
		return WEIR_ESTORE;
	sqlite3_bind_int(st, 1, kind);
	sqlite3_bind_int(st, 2, grain);
	if (name)
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	bind_range(st, 4, a);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct weir_cell *row = weir_result_row(res);
		if (!row) {
			sqlite3_finalize(st);
			return WEIR_ENOMEM;
		}
		row[0].i = sqlite3_column_int64(st, 0);
		row[1].s = weir_strndup(sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1));
		for (int c = 2; c < 7; c++)
			row[c].i = sqlite3_column_int64(st, c);
		/* the mean compound score: Σ (compound × 10000) ÷ (posts × 10000) */
		row[7].d = (double)sqlite3_column_int64(st, 7) / ((double)row[2].i * 10000.0);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

static int run_posts(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
		     char *err, size_t errcap)
{
	char *tag = a->tag ? tag_arg(a->tag) : NULL;
	if (a->tag && !tag)
		return WEIR_ENOMEM;
	int rc = q_stats(s, K_TAG, "posts", tag, a, res, err, errcap);
	free(tag);
	return rc;
}

static int run_keywords(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
			char *err, size_t errcap)
{
	char *kw = NULL;
	if (a->keyword) {
		size_t cap = strlen(a->keyword) + 2;
		kw = malloc(cap);
		if (!kw)
			return WEIR_ENOMEM;
		if (!weir_posts_keyword_norm(a->keyword, kw, cap)) {
			snprintf(err, errcap, "keywords: --keyword '%s' has no word in it", a->keyword);
			free(kw);
			return WEIR_EINVAL;
		}
		/* a keyword is known to the store once posts were ingested with it configured */
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(weir_store_sqlite(s),
				       "SELECT EXISTS(SELECT 1 FROM post_keywords WHERE keyword=?1),"
				       " (SELECT group_concat(keyword, ', ') FROM"
				       " (SELECT keyword FROM post_keywords ORDER BY keyword))",
				       -1, &st, NULL) != SQLITE_OK) {
			free(kw);
			return WEIR_ESTORE;
		}
		sqlite3_bind_text(st, 1, kw, -1, SQLITE_STATIC);
		int known = 0;
		if (sqlite3_step(st) == SQLITE_ROW) {
			known = sqlite3_column_int(st, 0);
			if (!known) {
				const unsigned char *all = sqlite3_column_text(st, 1);
				if (all)
					snprintf(err, errcap,
						 "keywords: '%s' is not a configured keyword"
						 " (configured: %s)",
						 kw, (const char *)all);
				else
					snprintf(err, errcap,
						 "keywords: '%s' is not a configured keyword; none are"
						 " (weir ingest --keywords K1,K2,...)",
						 kw);
			}
		}
		sqlite3_finalize(st);
		if (!known) {
			free(kw);
			return WEIR_EINVAL;
		}
	}
	int rc = q_stats(s, K_KEYWORD, "keywords", kw, a, res, err, errcap);
	free(kw);
	return rc;
}

static int run_locations(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
			 char *err, size_t errcap)
{
	static const char *const cols[] = {"window", "location", "posts"};
	static const uint8_t types_h[] = {WEIR_C_TIME, WEIR_C_TEXT, WEIR_C_INT};
	static const uint8_t types_d[] = {WEIR_C_DAY, WEIR_C_TEXT, WEIR_C_INT};
	int grain;
	int rc = pick_grain("post-locations", a, &grain, err, errcap);
	weir_result_init(res, 3, cols, day_typed(grain) ? types_d : types_h);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(weir_store_sqlite(s),
			       "SELECT start, name, posts FROM post_stats WHERE kind=2 AND grain=?1"
			       " AND posts>0 AND (?2 IS NULL OR start>=?2) AND (?3 IS NULL OR start<?3)"
			       " ORDER BY name, start",
			       -1, &st, NULL) != SQLITE_OK)
		return WEIR_ESTORE;
	sqlite3_bind_int(st, 1, grain);
	bind_range(st, 2, a);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct weir_cell *row = weir_result_row(res);
		if (!row) {
			sqlite3_finalize(st);
			return WEIR_ENOMEM;
		}
		row[0].i = sqlite3_column_int64(st, 0);
		row[1].s = weir_strndup(sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1));
		row[2].i = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

struct trow {
	int64_t start, posts;
	char *tag;
	double baseline, score;
};

static int cmp_trend(const void *x, const void *y)
{
	const struct trow *a = x, *b = y;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return strcmp(a->tag, b->tag);
}

#define TREND_BASE 6 /* windows of the baseline */

static int run_trending(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
			char *err, size_t errcap)
{
	static const char *const cols[] = {"window", "tag", "posts", "baseline", "score"};
	static const uint8_t types_h[] = {WEIR_C_TIME, WEIR_C_TEXT, WEIR_C_INT, WEIR_C_REAL, WEIR_C_REAL};
	static const uint8_t types_d[] = {WEIR_C_DAY, WEIR_C_TEXT, WEIR_C_INT, WEIR_C_REAL, WEIR_C_REAL};
	int grain;
	int rc = pick_grain("trending", a, &grain, err, errcap);
	weir_result_init(res, 5, cols, day_typed(grain) ? types_d : types_h);
	if (rc)
		return rc;
	int64_t g = weir_grain_ms(grain);
	sqlite3_stmt *st;
	/* the baseline needs the windows before --from too */
	if (sqlite3_prepare_v2(weir_store_sqlite(s),
			       "SELECT start, name, posts FROM post_stats WHERE kind=0 AND grain=?1"
			       " AND posts>0 AND (?2 IS NULL OR start>=?2) AND (?3 IS NULL OR start<?3)"
			       " ORDER BY name, start",
			       -1, &st, NULL) != SQLITE_OK)
		return WEIR_ESTORE;
	sqlite3_bind_int(st, 1, grain);
	if (a->from != WEIR_ABSENT)
		sqlite3_bind_int64(st, 2, a->from - TREND_BASE * g);
	if (a->to != WEIR_ABSENT)
		sqlite3_bind_int64(st, 3, a->to);
	struct trow *v = NULL;
	uint32_t n = 0, cap = 0;
	rc = WEIR_ENOMEM;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			struct trow *nv = realloc(v, cap * sizeof(*nv));
			if (!nv)
				goto out;
			v = nv;
		}
		struct trow *t = &v[n];
		t->start = sqlite3_column_int64(st, 0);
		t->tag = weir_strndup(sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1));
		t->posts = sqlite3_column_int64(st, 2);
		if (!t->tag)
			goto out;
		n++;
	}
	if (step != SQLITE_DONE) {
		rc = WEIR_ESTORE;
		goto out;
	}
	/* rows come by tag, then window: the baseline is a look back within the tag's run
	 * (windows without posts count as 0) */
	for (uint32_t i = 0; i < n; i++) {
		int64_t sum = 0, since = v[i].start - TREND_BASE * g;
		for (uint32_t j = i; j-- > 0 && !strcmp(v[j].tag, v[i].tag) && v[j].start >= since;)
			sum += v[j].posts;
		v[i].baseline = (double)sum / TREND_BASE;
		v[i].score = (double)v[i].posts / (v[i].baseline + 1.0);
	}
	/* then only the windows asked for */
	uint32_t keep = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (a->from != WEIR_ABSENT && v[i].start < a->from)
			free(v[i].tag);
		else
			v[keep++] = v[i];
	}
	n = keep;
	if (keep)
		qsort(v, keep, sizeof(*v), cmp_trend);
	int64_t limit = a->limit < 0 ? 10 : a->limit;
	int64_t in_window = 0;
	for (uint32_t i = 0; i < keep; i++) {
		in_window = i && v[i].start == v[i - 1].start ? in_window + 1 : 0;
		if (in_window >= limit)
			continue;
		struct weir_cell *row = weir_result_row(res);
		if (!row)
			goto out;
		row[0].i = v[i].start;
		row[1].s = strdup(v[i].tag);
		row[2].i = v[i].posts;
		row[3].d = v[i].baseline;
		row[4].d = v[i].score;
		if (!row[1].s)
			goto out;
	}
	rc = 0;
out:
	for (uint32_t i = 0; i < n; i++)
		free(v[i].tag);
	free(v);
	sqlite3_finalize(st);
	return rc;
}

static int run_raw(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res, char *err,
		   size_t errcap)
{
	static const char *const cols[] = {"id",     "created_at",	"location",
					   "text",   "shares",		"likes",
					   "author", "author_location", "author_followers"};
	static const uint8_t types[] = {WEIR_C_TEXT, WEIR_C_TIME, WEIR_C_TEXT, WEIR_C_TEXT, WEIR_C_INT,
					WEIR_C_INT,  WEIR_C_TEXT, WEIR_C_TEXT, WEIR_C_INT};
	weir_result_init(res, 9, cols, types);
	if (a->window >= 0) {
		snprintf(err, errcap, "posts-raw: --window does not apply (a row per post; use --from/--to)");
		return WEIR_EINVAL;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(weir_store_sqlite(s),
			       "SELECT id, created_at, location, text, shares, likes, author,"
			       " author_location, author_followers FROM posts"
			       " WHERE (?1 IS NULL OR created_at>=?1)"
			       " AND (?2 IS NULL OR created_at<?2) ORDER BY created_at, id LIMIT ?3",
			       -1, &st, NULL) != SQLITE_OK)
		return WEIR_ESTORE;
	bind_range(st, 1, a);
	sqlite3_bind_int64(st, 3, a->limit < 0 ? 100 : a->limit);
	return weir_result_rows_from(res, st); /* an absent count reads 0 */
}

const struct weir_query_def weir_q_posts = {
    "posts", "[--tag T] [--window hour|day|week]   window,tag,posts,likes,shares,replies,authors,sentiment",
    WEIR_QF_TAG | WEIR_QF_WEEK, run_posts};
const struct weir_query_def weir_q_keywords = {
    "keywords",
    "[--keyword K] [--window hour|day|week]   window,keyword,posts,likes,shares,replies,authors,sentiment",
    WEIR_QF_KEYWORD | WEIR_QF_WEEK, run_keywords};
const struct weir_query_def weir_q_post_locations = {
    "post-locations", "[--window hour|day|week]   window,location,posts", WEIR_QF_WEEK, run_locations};
const struct weir_query_def weir_q_trending = {
    "trending", "[--window hour|day|week] [--limit N per window]   window,tag,posts,baseline,score",
    WEIR_QF_WEEK, run_trending};
const struct weir_query_def weir_q_posts_raw = {
    "posts-raw",
    "[--limit N, default 100]   id,created_at,location,text,shares,likes,author,author_location,"
    "author_followers",
    0, run_raw};
