/*
 * test_posts.c — the posts family: hashtags and keywords of a post, the
 * operator's minutes (repeats, identity of the earliest arrival, counters
 * of the latest, corrections, flush) and the store's merge of records
 * (new posts, newer counters, an earlier arrival moving a post, distinct
 * authors recounted, rows that empty out) through the queries' results.
 */
#include <roaring/roaring.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops/posts.h"
#include "t.h"

#define MAXR 64
static struct weir_posts_rec *recs[MAXR];
static int nrecs;

static void collect(void *ctx, struct weir_rec *h)
{
	(void)ctx;
	if (nrecs < MAXR)
		recs[nrecs++] = (struct weir_posts_rec *)h;
	else
		weir_posts_rec_free((struct weir_posts_rec *)h);
}

static void clear_recs(void)
{
	for (int i = 0; i < nrecs; i++)
		weir_posts_rec_free(recs[i]);
	nrecs = 0;
}

#define T0 1795132800000LL /* 2026-11-20T00:00:00Z */
#define MIN 60000LL
#define HOUR 3600000LL

static struct weir_str S(const char *s) {
	struct weir_str r = {s, (uint32_t)strlen(s)};
	return r;
}

static struct weir_event
post(int64_t ts, const char *id, const char *author, const char *text, int64_t likes)
{
	struct weir_event ev;
	weir_event_clear(&ev);
	ev.kind = WEIR_KIND_POST;
	ev.platform = WEIR_PLATFORM_TWITTER;
	ev.ts = ts;
	ev.id = S(id);
	ev.user = S(author);
	ev.text = S(text);
	ev.likes = likes;
	return ev;
}

/* ---- hashtags and keywords ------------------------------------------------------ */

struct tags {
	char v[16][32];
	int n;
};

static void tag_fn(const char *t, size_t n, void *ctx)
{
	struct tags *x = ctx;
	if (x->n < 16 && n < 32) {
		memcpy(x->v[x->n], t, n);
		x->v[x->n][n] = 0;
		x->n++;
	}
}

static void test_hashtags(void)
{
	char buf[256];
	struct tags t = {0};
	weir_posts_hashtags(NULL, 0, S("GG #Dota2 and #ゲーム、 ##x a#b #_ok # #"), buf, tag_fn, &t);
	CHECK_EQ_INT(t.n, 5);
	CHECK_EQ_STR(t.v[0], "dota2");
	CHECK_EQ_STR(t.v[1], "ゲーム、"); /* non-ASCII bytes (here U+3001) belong to the run */
	CHECK_EQ_STR(t.v[2], "x");
	CHECK_EQ_STR(t.v[3], "b");
	CHECK_EQ_STR(t.v[4], "_ok");
	/* the hashtags field wins over the text, even when empty */
	struct weir_str items[] = {S("#Gaming"), S(""), S("##EldenRing"), S("#")};
	memset(&t, 0, sizeof(t));
	weir_posts_hashtags(items, 4, S("#ignored"), buf, tag_fn, &t);
	CHECK_EQ_INT(t.n, 2);
	CHECK_EQ_STR(t.v[0], "gaming");
	CHECK_EQ_STR(t.v[1], "eldenring");
	memset(&t, 0, sizeof(t));
	weir_posts_hashtags(items, 0, S("#ignored"), buf, tag_fn, &t);
	CHECK_EQ_INT(t.n, 0);
}

static void test_keywords(void)
{
	char out[64], err[256];
	CHECK_EQ_INT(weir_posts_keyword_norm("  Elden   RING! ", out, sizeof(out)), 10);
	CHECK_EQ_STR(out, "elden ring");
	CHECK_EQ_INT(weir_posts_keyword_norm("#Gaming", out, sizeof(out)), 6);
	CHECK_EQ_INT(weir_posts_keyword_norm("?!", out, sizeof(out)), 0);
	const char *bad[] = {"ok", "..."};
	CHECK_EQ_INT(weir_posts_set_keywords(bad, 2, err, sizeof(err)), WEIR_EINVAL);
	CHECK(strstr(err, "'...'") != NULL);
	CHECK_EQ_INT(weir_posts_keyword_count(), 0);
	const char *kw[] = {"Elden Ring", "gg", "GG", "#gg"};
	CHECK_EQ_INT(weir_posts_set_keywords(kw, 4, err, sizeof(err)), 0);
	CHECK_EQ_INT(weir_posts_keyword_count(), 2); /* gg three times is one keyword */
	CHECK_EQ_STR(weir_posts_keyword(0), "elden ring");
	CHECK_EQ_STR(weir_posts_keyword(1), "gg");

	struct weir_op_env env = {.worker = 0, .emit = collect};
	struct weir_posts_shard *s = weir_posts_shard_new(&env);
	struct weir_event a = post(T0, "1", "u", "ELDEN ring is GG!", 0);
	struct weir_event b = post(T0, "2", "u", "elden-ring eldenring ring elden gg", 0);
	CHECK_EQ_INT(weir_posts_add(s, &a), 0);
	CHECK_EQ_INT(weir_posts_add(s, &b), 0);
	weir_posts_advance(s, INT64_MAX);
	CHECK_EQ_INT(nrecs, 1);
	if (nrecs == 1 && recs[0]->n == 2) {
		CHECK_EQ_INT(recs[0]->v[0].nkws, 2);
		/* "elden-ring" is one word, "ring elden" the wrong order */
		CHECK_EQ_INT(recs[0]->v[1].nkws, 1);
		CHECK(recs[0]->v[1].nkws == 1 && recs[0]->v[1].kws[0].n == 2);
	}
	clear_recs();
	weir_posts_shard_free(s);
	weir_posts_set_keywords(NULL, 0, err, sizeof(err));
}

/* ---- the operator ----------------------------------------------------------------- */

static void test_minutes(void)
{
	struct weir_op_env env = {.worker = 3, .emit = collect};
	struct weir_posts_shard *s = weir_posts_shard_new(&env);
	struct weir_event e1 = post(T0 + 5000, "p1", "alice", "great stream #GG", 10);
	struct weir_event e2 = post(T0 + 9000, "p1", "alice", "great stream #GG", 25); /* later: counters */
	struct weir_event e3 = post(T0 + 1000, "p1", "bob", "awful #Other", 3);	       /* earlier: identity */
	struct weir_event e4 = post(T0 + MIN + 1, "p2", "carol", "next minute", WEIR_ABSENT);
	e1.location = S("Berlin");
	e3.location = S("");
	e2.author_location = S("Köln");
	CHECK_EQ_INT(weir_posts_add(s, &e1), 0);
	CHECK_EQ_INT(weir_posts_add(s, &e2), 0);
	CHECK_EQ_INT(weir_posts_add(s, &e3), 0);
	CHECK_EQ_INT(weir_posts_add(s, &e4), 0);
	weir_posts_advance(s, T0 + MIN - 1);
	CHECK_EQ_INT(nrecs, 0);
	weir_posts_advance(s, T0 + MIN);
	CHECK_EQ_INT(nrecs, 1);
	if (nrecs == 1) {
		struct weir_posts_rec *r = recs[0];
		CHECK_EQ_INT(r->start, T0);
		CHECK_EQ_INT(r->h.worker, 3);
		CHECK_EQ_INT(r->n, 1);
		const struct weir_post *p = &r->v[0];
		CHECK_EQ_INT(p->created_at, T0 + 1000);
		CHECK(p->author.n == 3 && !memcmp(p->author.p, "bob", 3));
		CHECK(p->location.p == NULL); /* empty: none */
		CHECK(p->ntags == 1 && p->tags[0].n == 5 && !memcmp(p->tags[0].p, "other", 5));
		CHECK(p->sentiment < 0);
		CHECK_EQ_INT(p->seen_at, T0 + 9000);
		CHECK_EQ_INT(p->likes, 25);
		CHECK_EQ_INT(p->shares, WEIR_ABSENT);
		CHECK(p->author_location.n == 5 && !memcmp(p->author_location.p, "Köln", 5));
	}
	clear_recs();
	/* late: the emitted minute comes back as a correction */
	struct weir_event e5 = post(T0 + 2000, "p3", "dave", "late one", 1);
	CHECK_EQ_INT(weir_posts_add(s, &e5), 0);
	weir_posts_advance(s, T0 + MIN);
	CHECK_EQ_INT(nrecs, 1);
	struct weir_op_stats st;
	weir_posts_get_stats(s, &st);
	CHECK_EQ_INT(st.events, 5);
	CHECK_EQ_INT(st.duplicates, 2);
	CHECK_EQ_INT(st.corrections, 1);
	clear_recs();
	/* a checkpoint flush emits the open minute; what follows for it is not a correction */
	CHECK_EQ_INT(weir_posts_flush(s), 0);
	CHECK_EQ_INT(nrecs, 1);
	struct weir_event e6 = post(T0 + MIN + 2, "p4", "erin", "same minute", 1);
	CHECK_EQ_INT(weir_posts_add(s, &e6), 0);
	weir_posts_advance(s, INT64_MAX);
	CHECK_EQ_INT(nrecs, 2);
	weir_posts_get_stats(s, &st);
	CHECK_EQ_INT(st.corrections, 1);
	CHECK_EQ_INT(st.records, 4);
	clear_recs();
	weir_posts_shard_free(s);
}

/* ---- the store -------------------------------------------------------------------- */

static char dbpath[256];

static struct weir_store *store(void)
{
	char err[256];
	struct weir_store *st = NULL;
	CHECK_EQ_INT(weir_store_open(dbpath, false, &st, err, sizeof(err)), 0);
	return st;
}

/* Runs events through an operator (one minute record each) into the store, one transaction. */
static void ingest(struct weir_event *ev, int n)
{
	struct weir_op_env env = {.worker = 0, .emit = collect};
	struct weir_posts_shard *s = weir_posts_shard_new(&env);
	for (int i = 0; i < n; i++) {
		CHECK_EQ_INT(weir_posts_add(s, &ev[i]), 0);
		weir_posts_advance(s, INT64_MAX); /* each event on its own: the store merges */
	}
	struct weir_store *st = store();
	if (st) {
		CHECK_EQ_INT(weir_store_begin(st), 0);
		for (int i = 0; i < nrecs; i++)
			CHECK_EQ_INT(weir_store_posts_put(st, recs[i]), 0);
		CHECK_EQ_INT(weir_store_commit(st), 0);
		weir_store_close(st);
	}
	clear_recs();
	weir_posts_shard_free(s);
}

/* The query's rows as CSV-like lines "a,b,c\n" (times as ms, reals %.4f). */
static void query(const char *name, const char *tag, int window, char *out, size_t cap)
{
	struct weir_query_args a = {.from = WEIR_ABSENT, .to = WEIR_ABSENT, .day = WEIR_ABSENT};
	a.window = window;
	a.limit = -1;
	a.tag = tag;
	struct weir_result res;
	char err[256] = "";
	out[0] = 0;
	struct weir_store *st = store();
	if (!st)
		return;
	int rc = weir_store_query(st, name, &a, &res, err, sizeof(err));
	CHECK_EQ_INT(rc, 0);
	size_t n = 0;
	for (uint32_t r = 0; !rc && r < res.nrows; r++)
		for (uint32_t c = 0; c < res.ncols; c++) {
			const struct weir_cell *x = &res.cells[r * res.ncols + c];
			const char *sep = c + 1 < res.ncols ? "," : "\n";
			if (res.types[c] == WEIR_C_TEXT) {
				n += (size_t)snprintf(out + n, cap - n, "%s%s", x->s, sep);
			} else if (res.types[c] == WEIR_C_REAL) {
				n += (size_t)snprintf(out + n, cap - n, "%.4f%s", x->d, sep);
			} else if (res.types[c] == WEIR_C_TIME || res.types[c] == WEIR_C_DAY) {
				long long h = (x->i - T0) / HOUR; /* hours from T0 */
				n += (size_t)snprintf(out + n, cap - n, "%+lldh%s", h, sep);
			} else {
				n += (size_t)snprintf(out + n, cap - n, "%lld%s", (long long)x->i, sep);
			}
		}
	weir_result_free(&res);
	weir_store_close(st);
}

static void test_store_merge(void)
{
	char out[4096];
	unlink(dbpath + 7);
	struct weir_event a[] = {
	    post(T0 + HOUR + 10, "m", "alice", "#Tag first seen", 5), /* hour +1 */
	    post(T0 + HOUR + 20, "o", "bob", "#Tag other", 1),	      /* hour +1, another author */
	    post(T0 + HOUR + 30, "n", "carol", "#Tag", 100),
	};
	ingest(a, 3);
	query("posts", "tag", -1, out, sizeof(out));
	CHECK_EQ_STR(out, "+1h,tag,3,106,0,0,3,0.0000\n");
	/* a second run: an earlier arrival of m (hour +0, other text), a lower count for n */
	struct weir_event b[] = {
	    post(T0 + 50, "m", "alice", "#Tag #Moved earlier copy", 2),
	    post(T0 + HOUR + 40, "n", "carol", "#Tag", 7),
	};
	ingest(b, 2);
	query("posts", NULL, -1, out, sizeof(out));
	/* m keeps its latest counters (5), moves to hour 0; alice left hour 1 */
	CHECK_EQ_STR(out, "+0h,moved,1,5,0,0,1,0.0000\n"
			  "+0h,tag,1,5,0,0,1,0.0000\n"
			  "+1h,tag,2,8,0,0,2,0.0000\n");
	query("posts", NULL, WEIR_GRAIN_DAY, out, sizeof(out));
	CHECK_EQ_STR(out, "+0h,moved,1,5,0,0,1,0.0000\n"
			  "+0h,tag,3,13,0,0,3,0.0000\n");
	/* the same again changes nothing */
	ingest(b, 2);
	ingest(a, 3);
	query("posts", NULL, -1, out, sizeof(out));
	CHECK_EQ_STR(out, "+0h,moved,1,5,0,0,1,0.0000\n"
			  "+0h,tag,1,5,0,0,1,0.0000\n"
			  "+1h,tag,2,8,0,0,2,0.0000\n");
	/* an even earlier copy with another author and tag: #moved and #tag leave hour 0 */
	struct weir_event c[] = {post(T0 - HOUR, "m", "zed", "#Gone", 1)};
	ingest(c, 1);
	query("posts", NULL, -1, out, sizeof(out));
	CHECK_EQ_STR(out, "-1h,gone,1,5,0,0,1,0.0000\n"
			  "+1h,tag,2,8,0,0,2,0.0000\n");
	query("posts-raw", NULL, -1, out, sizeof(out));
	CHECK_EQ_STR(out, "m,-1h,,#Gone,0,5,zed,,0\n"
			  "o,+1h,,#Tag other,0,1,bob,,0\n"
			  "n,+1h,,#Tag,0,7,carol,,0\n");
}

static void test_trending(void)
{
	char out[4096];
	unlink(dbpath + 7);
	/* #a: 1 post in each of hours 0..5, then 7 in hour 6; #b: 2 in hour 6 */
	struct weir_event ev[15];
	char ids[15][8];
	int n = 0;
	for (int h = 0; h < 6; h++, n++) {
		snprintf(ids[n], sizeof(ids[n]), "a%d", n);
		ev[n] = post(T0 + h * HOUR, ids[n], "u", "#a", 0);
	}
	for (int i = 0; i < 7; i++, n++) {
		snprintf(ids[n], sizeof(ids[n]), "a%d", n);
		ev[n] = post(T0 + 6 * HOUR + i, ids[n], "u", "#a", 0);
	}
	for (int i = 0; i < 2; i++, n++) {
		snprintf(ids[n], sizeof(ids[n]), "b%d", n);
		ev[n] = post(T0 + 6 * HOUR + i, ids[n], "v", "#b", 0);
	}
	ingest(ev, n);
	query("trending", NULL, -1, out, sizeof(out));
	/* hour 6: a = 7 / (6/6 + 1) = 3.5, b = 2 / (0 + 1) */
	CHECK(strstr(out, "+6h,a,7,1.0000,3.5000\n+6h,b,2,0.0000,2.0000\n") != NULL);
	CHECK(strstr(out, "+1h,a,1,0.1667,0.8571\n") != NULL);
	CHECK(strncmp(out, "+0h,a,1,0.0000,1.0000\n", 22) == 0);
}

static void test_query_errors(void)
{
	struct weir_store *st = store();
	if (!st)
		return;
	struct weir_query_args a = {.from = WEIR_ABSENT,
				    .to = WEIR_ABSENT,
				    .day = WEIR_ABSENT,
				    .window = WEIR_GRAIN_MINUTE,
				    .limit = -1};
	struct weir_result res;
	char err[256] = "";
	CHECK_EQ_INT(weir_store_query(st, "posts", &a, &res, err, sizeof(err)), WEIR_EINVAL);
	CHECK(strstr(err, "minute") != NULL);
	weir_result_free(&res);
	a.window = -1;
	a.keyword = "nothere";
	CHECK_EQ_INT(weir_store_query(st, "keywords", &a, &res, err, sizeof(err)), WEIR_EINVAL);
	CHECK(strstr(err, "nothere") != NULL);
	weir_result_free(&res);
	weir_store_close(st);
}

/* A store of schema 1 (no week rows) gets them from its day rows when opened:
 * sums add, author sets union. */
static void test_migrate_weeks(void)
{
	char saved[256], path[200];
	snprintf(saved, sizeof(saved), "%s", dbpath);
	snprintf(path, sizeof(path), "/tmp/weir-test-posts-v1-%d.db", (int)getpid());
	unlink(path);
	sqlite3 *db;
	CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_EQ_INT(
	    sqlite3_exec(db,
			 "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
			 "INSERT INTO meta VALUES('schema_version','1');"
			 "CREATE TABLE post_stats(kind INTEGER NOT NULL, grain INTEGER NOT NULL,"
			 " name TEXT NOT NULL, start INTEGER NOT NULL, posts INTEGER NOT NULL,"
			 " likes INTEGER NOT NULL, shares INTEGER NOT NULL, replies INTEGER NOT NULL,"
			 " sentiment INTEGER NOT NULL, authors INTEGER NOT NULL, author_ids BLOB,"
			 " PRIMARY KEY(kind, grain, name, start)) WITHOUT ROWID;",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_stmt *ins;
	CHECK_EQ_INT(sqlite3_prepare_v2(db, "INSERT INTO post_stats VALUES(0,2,'t',?1,?2,?3,0,0,0,?4,?5)", -1,
					&ins, NULL),
		     SQLITE_OK);
	/* Friday, Saturday (ISO week of Monday T0 - 4 days), Monday T0 + 3 days */
	static const int64_t day[3] = {0, 1, 3}, posts[3] = {2, 1, 5}, likes[3] = {10, 20, 40};
	static const uint32_t who[3][2] = {{1, 2}, {2, 3}, {4, 4}};
	for (int i = 0; i < 3; i++) {
		roaring_bitmap_t *bm = roaring_bitmap_of(2, who[i][0], who[i][1]);
		size_t n = roaring_bitmap_portable_size_in_bytes(bm);
		char *b = malloc(n);
		roaring_bitmap_portable_serialize(bm, b);
		sqlite3_bind_int64(ins, 1, T0 + day[i] * 24 * HOUR);
		sqlite3_bind_int64(ins, 2, posts[i]);
		sqlite3_bind_int64(ins, 3, likes[i]);
		sqlite3_bind_int64(ins, 4, (int64_t)roaring_bitmap_get_cardinality(bm));
		sqlite3_bind_blob(ins, 5, b, (int)n, SQLITE_TRANSIENT);
		CHECK_EQ_INT(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_reset(ins);
		free(b);
		roaring_bitmap_free(bm);
	}
	sqlite3_finalize(ins);
	sqlite3_close(db);
	snprintf(dbpath, sizeof(dbpath), "sqlite:%s", path);
	char out[1024];
	query("posts", NULL, WEIR_GRAIN_WEEK, out, sizeof(out));
	CHECK_EQ_STR(out, "-96h,t,3,30,0,0,3,0.0000\n+72h,t,5,40,0,0,1,0.0000\n");
	snprintf(dbpath, sizeof(dbpath), "%s", saved);
	char p[240];
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	unlink(path);
}

/* ISO weeks: Monday 00:00 UTC (1970-01-01 was a Thursday). */
static void test_week_start(void)
{
	const int64_t day = 86400000LL, mon = 1795392000000LL; /* 2026-11-23T00:00:00Z, a Monday */
	CHECK_EQ_INT(weir_grain_start(WEIR_GRAIN_WEEK, mon), mon);
	CHECK_EQ_INT(weir_grain_start(WEIR_GRAIN_WEEK, mon + 7 * day - 1), mon);
	CHECK_EQ_INT(weir_grain_start(WEIR_GRAIN_WEEK, mon - 1), mon - 7 * day);
	CHECK_EQ_INT(weir_grain_start(WEIR_GRAIN_WEEK, 0), -3 * day); /* Monday 1969-12-29 */
	CHECK_EQ_INT(weir_grain_start(WEIR_GRAIN_WEEK, -1), -3 * day);
	CHECK_EQ_INT(weir_grain_start(WEIR_GRAIN_WEEK, -3 * day - 1), -10 * day);
	CHECK_EQ_INT(weir_grain_start(WEIR_GRAIN_DAY, mon + 5), mon);
	CHECK_EQ_INT(weir_grain_from("week"), WEIR_GRAIN_WEEK);
	CHECK_EQ_STR(weir_grain_name(WEIR_GRAIN_WEEK), "week");
}

int main(void)
{
	snprintf(dbpath, sizeof(dbpath), "sqlite:/tmp/weir-test-posts-%d.db", (int)getpid());
	TEST(test_week_start);
	TEST(test_migrate_weeks);
	TEST(test_hashtags);
	TEST(test_keywords);
	TEST(test_minutes);
	TEST(test_store_merge);
	TEST(test_trending);
	TEST(test_query_errors);
	char p[300];
	snprintf(p, sizeof(p), "%s-wal", dbpath + 7);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath + 7);
	unlink(p);
	unlink(dbpath + 7);
	T_END();
}
