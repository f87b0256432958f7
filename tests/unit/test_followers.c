/*
 * test_followers.c — the followers family without threads: the window
 * aggregates and their merge rules, the operator's windows, watermarks,
 * late corrections and links, the store's merge (idempotent, any order),
 * the three queries, and the reference-data reader (events.md §3, §4;
 * queries.md "Followers").
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops/followers.h"
#include "weir/reference.h"
#include "t.h"

#define T0 1795132800000LL /* 2026-11-20T00:00:00Z */
#define MIN 60000LL
#define HOUR 3600000LL

/* ---- records collected from the operator --------------------------------------- */

#define MAXR 64
static struct weir_fol_rec *recs[MAXR];
static int nrecs;

static void collect(void *ctx, struct weir_rec *h)
{
	(void)ctx;
	if (nrecs < MAXR)
		recs[nrecs++] = (struct weir_fol_rec *)h;
	else
		weir_fol_rec_free((struct weir_fol_rec *)h);
}

static void clear_recs(void)
{
	for (int i = 0; i < nrecs; i++)
		weir_fol_rec_free(recs[i]);
	nrecs = 0;
}

/* The entry of a type/platform/channel/start among the collected records. */
static const struct weir_fol_entry *find(int type, int grain, int platform, const char *ch, int64_t start)
{
	(void)grain;
	for (int i = 0; i < nrecs; i++)
		for (uint32_t j = 0; j < recs[i]->n; j++) {
			const struct weir_fol_entry *e = &recs[i]->v[j];
			if (e->type == type && (type == WEIR_FOL_STREAM || e->platform == platform) &&
			    e->channel.n == strlen(ch) && !memcmp(e->channel.p, ch, e->channel.n) &&
			    (type == WEIR_FOL_LINK || e->start == start))
				return e;
		}
	return NULL;
}

/* The window of a grain starting at `start` as the collected day entries hold it
 * (hours fold their minutes, as the queries do). 1 if found. */
static int find_win(int grain, int platform, const char *ch, int64_t start, struct weir_fol_agg *out)
{
	const struct weir_fol_entry *e = find(WEIR_FOL_DAY, 0, platform, ch, weir_floor(start, 86400000LL));
	if (!e)
		return 0;
	if (grain == WEIR_GRAIN_DAY) {
		*out = e->agg;
		return start == e->start;
	}
	struct weir_fol_mins_it it;
	struct weir_fol_min m;
	int found = 0;
	weir_fol_mins_begin(&it, e->mins, e->nmins, e->start);
	while (weir_fol_mins_next(&it, &m) > 0) {
		int64_t ws = grain == WEIR_GRAIN_MINUTE ? m.start : weir_floor(m.start, HOUR);
		if (ws != start)
			continue;
		if (found)
			weir_fol_agg_merge(out, &m.agg);
		else
			*out = m.agg;
		found = 1;
	}
	return found;
}

static int count_entries(void)
{
	int n = 0;
	for (int i = 0; i < nrecs; i++)
		n += (int)recs[i]->n;
	return n;
}

static struct weir_str S(const char *s) {
	struct weir_str x = {s, (uint32_t)strlen(s)};
	return x;
}

static struct weir_event
fol(int platform, const char *ch, int64_t ts, int64_t n, const char *streamer)
{
	struct weir_event ev;
	weir_event_clear(&ev);
	ev.kind = WEIR_KIND_FOLLOWERS;
	ev.platform = (uint8_t)platform;
	ev.ts = ts;
	ev.channel = S(ch);
	ev.count = n;
	if (streamer)
		ev.streamer = S(streamer);
	return ev;
}

static struct weir_event stream(const char *ch, int64_t ts, const char *game, const char *lang)
{
	struct weir_event ev;
	weir_event_clear(&ev);
	ev.kind = WEIR_KIND_STREAM;
	ev.platform = WEIR_PLATFORM_TWITCH;
	ev.ts = ts;
	ev.channel = S(ch);
	ev.live = 1;
	if (game)
		ev.game = S(game);
	if (lang)
		ev.language = S(lang);
	return ev;
}

static struct weir_fol_shard *shard(void)
{
	struct weir_op_env env = {.worker = 0, .emit = collect};
	return weir_fol_shard_new(&env);
}

static void add(struct weir_fol_shard *s, struct weir_event ev)
{
	CHECK_EQ_INT(weir_fol_add(s, &ev), 0);
}

/* ---- aggregates ---------------------------------------------------------------------- */

static void test_agg_merge(void)
{
	/* snapshots (ts, count) merged in every order give one result */
	static const int64_t snaps[4][2] = {{5, 100}, {1, 90}, {9, 80}, {1, 95}};
	static const int orders[3][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}};
	for (int o = 0; o < 3; o++) {
		struct weir_fol_agg a;
		weir_fol_agg_init(&a, snaps[orders[o][0]][0], snaps[orders[o][0]][1]);
		for (int i = 1; i < 4; i++) {
			struct weir_fol_agg x;
			weir_fol_agg_init(&x, snaps[orders[o][i]][0], snaps[orders[o][i]][1]);
			weir_fol_agg_merge(&a, &x);
		}
		CHECK_EQ_INT(a.first_ts, 1);
		CHECK_EQ_INT(a.first, 95); /* equal ts: the larger count */
		CHECK_EQ_INT(a.last_ts, 9);
		CHECK_EQ_INT(a.last, 80); /* a count going down is data */
		CHECK_EQ_INT(a.min, 80);
		CHECK_EQ_INT(a.max, 100);
		/* idempotent */
		struct weir_fol_agg b = a;
		weir_fol_agg_merge(&b, &a);
		CHECK(!memcmp(&a, &b, sizeof(a)));
	}
	/* equal last ts: the larger count too */
	struct weir_fol_agg a, x;
	weir_fol_agg_init(&a, 7, 10);
	weir_fol_agg_init(&x, 7, 12);
	weir_fol_agg_merge(&a, &x);
	CHECK_EQ_INT(a.last, 12);
	CHECK_EQ_INT(a.first, 12);
}

static void test_sample_order(void)
{
	struct weir_fol_sample a = {10, S("Dota 2"), S("en")}, b = {10, S("Dota 2"), S("de")};
	CHECK(weir_fol_sample_cmp(&a, &b) > 0);
	struct weir_fol_sample c = {11, {NULL, 0}, {NULL, 0}};
	CHECK(weir_fol_sample_cmp(&c, &a) > 0); /* ts first */
	struct weir_fol_sample d = {10, {NULL, 0}, S("en")};
	CHECK(weir_fol_sample_cmp(&d, &a) < 0); /* absent game sorts first */
	CHECK(weir_fol_link_cmp(5, S("b"), 5, S("a")) > 0);
	CHECK(weir_fol_link_cmp(4, S("z"), 5, S("a")) < 0);
}

/* ---- the operator ---------------------------------------------------------------------- */

static void test_windows_close(void)
{
	struct weir_fol_shard *s = shard();
	add(s, fol(WEIR_PLATFORM_TWITCH, "chan", T0 + 1000, 500, "Chan"));
	add(s, fol(WEIR_PLATFORM_TWITCH, "chan", T0 + 2000, 490, NULL));
	add(s, fol(WEIR_PLATFORM_YOUTUBE, "chan", T0 + 3000, 70, "chan"));
	add(s, fol(WEIR_PLATFORM_TWITCH, "chan", T0 + 2 * MIN, 520, NULL));
	CHECK_EQ_INT(weir_fol_advance(s, T0 + MIN), 0);
	CHECK_EQ_INT(nrecs, 0); /* minutes go to the store with their day */
	CHECK_EQ_INT(weir_fol_advance(s, T0 + 24 * HOUR - 1), 0);
	CHECK_EQ_INT(nrecs, 0);
	CHECK_EQ_INT(weir_fol_advance(s, T0 + 24 * HOUR), 0);
	CHECK_EQ_INT(nrecs, 1); /* everything one advance closes is one record */
	/* a day entry per account, and their links */
	CHECK_EQ_INT(count_entries(), 4);
	struct weir_fol_agg m;
	CHECK(find_win(WEIR_GRAIN_MINUTE, WEIR_PLATFORM_TWITCH, "chan", T0, &m));
	CHECK(m.first == 500 && m.last == 490 && m.min == 490 && m.max == 500);
	CHECK(find_win(WEIR_GRAIN_MINUTE, WEIR_PLATFORM_TWITCH, "chan", T0 + 2 * MIN, &m));
	CHECK(m.first == 520 && m.first_ts == T0 + 2 * MIN);
	CHECK(!find_win(WEIR_GRAIN_MINUTE, WEIR_PLATFORM_TWITCH, "chan", T0 + MIN, &m));
	CHECK(find_win(WEIR_GRAIN_MINUTE, WEIR_PLATFORM_YOUTUBE, "chan", T0, &m));
	CHECK(find_win(WEIR_GRAIN_HOUR, WEIR_PLATFORM_TWITCH, "chan", T0, &m));
	CHECK(m.first == 500 && m.last == 520 && m.min == 490 && m.max == 520);
	CHECK(find_win(WEIR_GRAIN_DAY, WEIR_PLATFORM_TWITCH, "chan", T0, &m));
	CHECK(m.first == 500 && m.last == 520 && m.min == 490 && m.max == 520 && m.last_ts == T0 + 2 * MIN);
	/* links: lowercased */
	const struct weir_fol_entry *l = find(WEIR_FOL_LINK, 0, WEIR_PLATFORM_TWITCH, "chan", 0);
	CHECK(l && l->streamer.n == 4 && !memcmp(l->streamer.p, "chan", 4) && l->ts == T0 + 1000);
	clear_recs();
	CHECK_EQ_INT(weir_fol_advance(s, INT64_MAX), 0);
	CHECK_EQ_INT(count_entries(), 0);
	clear_recs();
	struct weir_op_stats st;
	weir_fol_get_stats(s, &st);
	CHECK_EQ_INT(st.events, 4);
	CHECK_EQ_INT(st.corrections, 0);
	weir_fol_shard_free(s);
}

/* Minute blobs round-trip any values, out-of-order input included. */
static void test_mins_blob(void)
{
	struct weir_fol_min v[4] = {
	    {T0, {T0 + 5, 0, T0 + 59999, INT64_MAX, 0, INT64_MAX}},
	    {T0 + MIN, {T0 + MIN, INT64_MAX, T0 + MIN, 0, 0, INT64_MAX}},
	    {T0 + 1439 * MIN, {T0 + 1439 * MIN + 7, 3, T0 + 1439 * MIN + 9, 2, 1, 3}},
	};
	unsigned char buf[4 * WEIR_FOL_MIN_MAXBYTES];
	size_t n = weir_fol_mins_encode(v, 3, T0, buf);
	struct weir_fol_mins_it it;
	struct weir_fol_min m;
	weir_fol_mins_begin(&it, buf, n, T0);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_INT(weir_fol_mins_next(&it, &m), 1);
		CHECK(!memcmp(&m, &v[i], sizeof(m)));
	}
	CHECK_EQ_INT(weir_fol_mins_next(&it, &m), 0);
	weir_fol_mins_begin(&it, buf, n - 1, T0); /* truncated */
	int r;
	while ((r = weir_fol_mins_next(&it, &m)) > 0)
		;
	CHECK_EQ_INT(r, WEIR_ESTORE);
	/* the operator keeps a day's minutes sorted whatever the arrival order */
	struct weir_fol_shard *s = shard();
	add(s, fol(WEIR_PLATFORM_TWITCH, "x", T0 + 30 * MIN, 3, NULL));
	add(s, fol(WEIR_PLATFORM_TWITCH, "x", T0 + 10 * MIN, 1, NULL));
	add(s, fol(WEIR_PLATFORM_TWITCH, "x", T0 + 20 * MIN, 2, NULL));
	add(s, fol(WEIR_PLATFORM_TWITCH, "x", T0 + 10 * MIN + 5, 9, NULL));
	CHECK_EQ_INT(weir_fol_advance(s, INT64_MAX), 0);
	const struct weir_fol_entry *e = find(WEIR_FOL_DAY, 0, WEIR_PLATFORM_TWITCH, "x", T0);
	CHECK(e != NULL);
	if (e) {
		weir_fol_mins_begin(&it, e->mins, e->nmins, T0);
		int64_t want[3][2] = {{10, 9}, {20, 2}, {30, 3}};
		for (int i = 0; i < 3; i++) {
			CHECK_EQ_INT(weir_fol_mins_next(&it, &m), 1);
			CHECK(m.start == T0 + want[i][0] * MIN && m.agg.last == want[i][1]);
		}
		CHECK_EQ_INT(weir_fol_mins_next(&it, &m), 0);
	}
	clear_recs();
	weir_fol_shard_free(s);
}

static void test_late_correction(void)
{
	struct weir_fol_shard *s = shard();
	add(s, fol(WEIR_PLATFORM_TWITTER, "acc", T0 + 10 * MIN, 100, "a"));
	CHECK_EQ_INT(weir_fol_advance(s, T0 + 25 * HOUR), 0);
	clear_recs();
	/* late: the day was emitted; it reopens and the new entry is a delta */
	add(s, fol(WEIR_PLATFORM_TWITTER, "acc", T0 + 5 * MIN, 80, "b"));
	CHECK_EQ_INT(weir_fol_advance(s, T0 + 25 * HOUR), 0);
	struct weir_fol_agg h;
	CHECK(find_win(WEIR_GRAIN_HOUR, WEIR_PLATFORM_TWITTER, "acc", T0, &h));
	CHECK(h.first == 80 && h.last == 80 && h.first_ts == T0 + 5 * MIN);
	/* the older event does not change the link */
	CHECK(find(WEIR_FOL_LINK, 0, WEIR_PLATFORM_TWITTER, "acc", 0) == NULL);
	clear_recs();
	CHECK_EQ_INT(weir_fol_advance(s, INT64_MAX), 0);
	clear_recs();
	struct weir_op_stats st;
	weir_fol_get_stats(s, &st);
	CHECK_EQ_INT(st.corrections, 1); /* the day reopened */
	weir_fol_shard_free(s);
}

/* A checkpoint's flush emits open windows without making later events of
 * those windows corrections; the deltas merge to the whole. */
static void test_flush(void)
{
	struct weir_fol_shard *s = shard();
	add(s, fol(WEIR_PLATFORM_TWITCH, "chan", T0 + 1000, 10, NULL));
	CHECK_EQ_INT(weir_fol_flush(s), 0);
	CHECK_EQ_INT(count_entries(), 1);
	struct weir_fol_agg a, d;
	CHECK(find_win(WEIR_GRAIN_DAY, WEIR_PLATFORM_TWITCH, "chan", T0, &a));
	clear_recs();
	add(s, fol(WEIR_PLATFORM_TWITCH, "chan", T0 + 2000, 11, NULL));
	CHECK_EQ_INT(weir_fol_advance(s, INT64_MAX), 0);
	CHECK(find_win(WEIR_GRAIN_DAY, WEIR_PLATFORM_TWITCH, "chan", T0, &d));
	weir_fol_agg_merge(&a, &d);
	CHECK(a.first == 10 && a.last == 11 && a.min == 10 && a.max == 11);
	clear_recs();
	struct weir_op_stats st;
	weir_fol_get_stats(s, &st);
	CHECK_EQ_INT(st.corrections, 0);
	weir_fol_shard_free(s);
}

static void test_stream_samples(void)
{
	struct weir_fol_shard *s = shard();
	add(s, stream("chan", T0 + 20 * MIN, "Dota 2", "en"));
	add(s, stream("chan", T0 + 50 * MIN, "Chess", ""));
	add(s, stream("chan", T0 + 30 * MIN, "Minecraft", "de"));
	add(s, stream("chan", T0 + HOUR + 1, NULL, "en"));
	CHECK_EQ_INT(weir_fol_advance(s, INT64_MAX), 0);
	const struct weir_fol_entry *e = find(WEIR_FOL_STREAM, 0, 0, "chan", T0);
	CHECK(e && e->sample.ts == T0 + 50 * MIN && e->sample.game.n == 5 && e->sample.language.n == 0);
	e = find(WEIR_FOL_STREAM, 0, 0, "chan", T0 + HOUR);
	CHECK(e && e->sample.game.n == 0 && e->sample.language.n == 2);
	CHECK_EQ_INT(count_entries(), 2);
	clear_recs();
	weir_fol_shard_free(s);
}

/* ---- the store and the queries ------------------------------------------------------------ */

static char dir[64];

static struct weir_store *open_store(const char *name)
{
	char uri[128], err[256];
	snprintf(uri, sizeof(uri), "sqlite:%s/%s", dir, name);
	struct weir_store *st = NULL;
	int rc = weir_store_open(uri, false, &st, err, sizeof(err));
	CHECK_EQ_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s\n", err);
	return st;
}

/* Runs the operator over evs and puts every record into the store. */
static void ingest(struct weir_store *st, const struct weir_event *evs, int n)
{
	struct weir_fol_shard *s = shard();
	for (int i = 0; i < n; i++)
		add(s, evs[i]);
	CHECK_EQ_INT(weir_fol_advance(s, INT64_MAX), 0);
	CHECK_EQ_INT(weir_store_begin(st), 0);
	for (int i = 0; i < nrecs; i++)
		CHECK_EQ_INT(weir_store_followers_put(st, recs[i]), 0);
	CHECK_EQ_INT(weir_store_commit(st), 0);
	clear_recs();
	weir_fol_shard_free(s);
}

/* The query's rows as CSV-ish text: cells joined with ',', rows with ';'. */
static char *run(struct weir_store *st, const char *name, struct weir_query_args a, int *rc_out)
{
	struct weir_result res;
	char err[256] = "";
	int rc = weir_store_query(st, name, &a, &res, err, sizeof(err));
	if (rc_out)
		*rc_out = rc;
	static char out[4096];
	size_t o = 0;
	out[0] = 0;
	for (uint32_t r = 0; r < res.nrows && !rc; r++) {
		for (uint32_t c = 0; c < res.ncols; c++) {
			const struct weir_cell *cell = &res.cells[r * res.ncols + c];
			if (res.types[c] == WEIR_C_TEXT)
				o +=
				    (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", c ? "," : "", cell->s);
			else if (res.types[c] == WEIR_C_INT)
				o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%lld", c ? "," : "",
						      (long long)cell->i);
			else
				o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%lld", c ? "," : "",
						      (long long)((cell->i - T0) / MIN));
		}
		o += (size_t)snprintf(out + o, sizeof(out) - o, ";");
	}
	weir_result_free(&res);
	return out;
}

static struct weir_query_args args(void)
{
	struct weir_query_args a = {
	    .from = WEIR_ABSENT, .to = WEIR_ABSENT, .day = WEIR_ABSENT, .window = -1, .limit = -1};
	return a;
}

static void test_store_merge(void)
{
	struct weir_store *st = open_store("merge.db");
	if (!st)
		return;
	struct weir_event evs[] = {
	    fol(WEIR_PLATFORM_TWITCH, "chan", T0 + 1000, 500, "chan"),
	    fol(WEIR_PLATFORM_TWITCH, "chan", T0 + 40 * MIN, 530, NULL),
	    fol(WEIR_PLATFORM_YOUTUBE, "chanyt", T0 + 10 * MIN, 70, "chan"),
	    fol(WEIR_PLATFORM_YOUTUBE, "chanyt", T0 + 50 * MIN, 60, NULL),
	    stream("chan", T0 + 5 * MIN, "Dota 2", "en"),
	};
	/* split in two "runs", the second overlapping the first, then the whole again */
	ingest(st, evs + 2, 3);
	ingest(st, evs, 3);
	ingest(st, evs, 5);
	struct weir_query_args a = args();
	CHECK_EQ_STR(run(st, "followers", a, NULL),
		     "0,twitch,chan,500,530,500,530,30;0,youtube,chanyt,70,60,60,70,-10;");
	a.window = WEIR_GRAIN_MINUTE;
	a.platform = "YouTube";
	CHECK_EQ_STR(run(st, "followers", a, NULL),
		     "10,youtube,chanyt,70,70,70,70,0;50,youtube,chanyt,60,60,60,60,0;");
	a = args();
	CHECK_EQ_STR(run(st, "streamer-followers", a, NULL), "0,chan,590,20;");
	a.window = WEIR_GRAIN_MINUTE;
	CHECK_EQ_STR(run(st, "streamer-followers", a, NULL),
		     "0,chan,500,0;10,chan,70,0;40,chan,530,0;50,chan,60,0;");
	a = args();
	CHECK_EQ_STR(run(st, "follower-ranking", a, NULL), "1,chan,590,20;");
	a.game = "DOTA 2";
	CHECK_EQ_STR(run(st, "follower-ranking", a, NULL), "1,chan,590,20;");
	a.game = "Chess";
	CHECK_EQ_STR(run(st, "follower-ranking", a, NULL), "");
	a = args();
	a.platform = "twitch";
	a.by = "gain";
	CHECK_EQ_STR(run(st, "follower-ranking", a, NULL), "1,chan,530,30;");
	/* argument errors */
	int rc;
	a = args();
	a.platform = "tiktok";
	run(st, "followers", a, &rc);
	CHECK_EQ_INT(rc, WEIR_EINVAL);
	a = args();
	a.by = "views";
	run(st, "follower-ranking", a, &rc);
	CHECK_EQ_INT(rc, WEIR_EINVAL);
	a = args();
	a.window = WEIR_GRAIN_DAY;
	run(st, "follower-ranking", a, &rc);
	CHECK_EQ_INT(rc, WEIR_EINVAL);
	weir_store_close(st);
}

/* A store of schema 1 (a follower_windows row per grain, account and window)
 * is migrated to follower_days when opened, answers unchanged. */
static void test_migrate_v1(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/v1.db", dir);
	sqlite3 *db;
	CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	char sql[2048];
	snprintf(
	    sql, sizeof(sql),
	    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
	    "INSERT INTO meta VALUES('schema_version','1');"
	    "CREATE TABLE follower_accounts(id INTEGER PRIMARY KEY, platform TEXT NOT NULL,"
	    " channel TEXT NOT NULL, streamer TEXT, streamer_ts INTEGER, UNIQUE(platform, channel));"
	    "INSERT INTO follower_accounts VALUES(7,'twitch','chan','chan',%lld);"
	    "CREATE TABLE follower_windows(grain INTEGER NOT NULL, account_id INTEGER NOT NULL,"
	    " start INTEGER NOT NULL, first_ts INTEGER NOT NULL, first INTEGER NOT NULL,"
	    " last_ts INTEGER NOT NULL, last INTEGER NOT NULL, min INTEGER NOT NULL, max INTEGER NOT NULL,"
	    " PRIMARY KEY(grain, account_id, start)) WITHOUT ROWID;"
	    "INSERT INTO follower_windows "
	    "VALUES(0,7,%lld,%lld,10,%lld,12,9,12),(0,7,%lld,%lld,20,%lld,20,20,20),"
	    "(1,7,%lld,%lld,10,%lld,12,9,12),(1,7,%lld,%lld,20,%lld,20,20,20),(2,7,%lld,%lld,10,%lld,20,9,20)"
	    ";",
	    T0, T0 + MIN, T0 + MIN + 1, T0 + MIN + 2, T0 + 2 * HOUR, T0 + 2 * HOUR, T0 + 2 * HOUR, T0,
	    T0 + MIN + 1, T0 + MIN + 2, T0 + 2 * HOUR, T0 + 2 * HOUR, T0 + 2 * HOUR, T0, T0 + MIN + 1,
	    T0 + 2 * HOUR);
	CHECK_EQ_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	char uri[160], err[256];
	snprintf(uri, sizeof(uri), "sqlite:%s", path);
	struct weir_store *st = NULL;
	/* a read-only open (weir query) migrates too */
	CHECK_EQ_INT(weir_store_open(uri, true, &st, err, sizeof(err)), 0);
	if (!st)
		return;
	struct weir_query_args a = args();
	CHECK_EQ_STR(run(st, "followers", a, NULL),
		     "0,twitch,chan,10,12,9,12,2;120,twitch,chan,20,20,20,20,0;");
	a.window = WEIR_GRAIN_MINUTE;
	CHECK_EQ_STR(run(st, "followers", a, NULL),
		     "1,twitch,chan,10,12,9,12,2;120,twitch,chan,20,20,20,20,0;");
	a.window = WEIR_GRAIN_DAY;
	CHECK_EQ_STR(run(st, "followers", a, NULL), "0,twitch,chan,10,20,9,20,10;");
	a = args();
	a.from = T0 + HOUR;
	CHECK_EQ_STR(run(st, "streamer-followers", a, NULL), "120,chan,20,0;");
	weir_store_close(st);
	CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *q;
	CHECK_EQ_INT(sqlite3_prepare_v2(db,
					"SELECT (SELECT value FROM meta WHERE key='schema_version'),"
					" (SELECT count(*) FROM sqlite_master WHERE name='follower_windows')",
					-1, &q, NULL),
		     SQLITE_OK);
	CHECK_EQ_INT(sqlite3_step(q), SQLITE_ROW);
	CHECK_EQ_INT(sqlite3_column_int(q, 0), 2);
	CHECK_EQ_INT(sqlite3_column_int(q, 1), 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* Sums of absurd counts saturate instead of overflowing (UBSan would say). */
static void test_saturation(void)
{
	struct weir_store *st = open_store("sat.db");
	if (!st)
		return;
	struct weir_event evs[] = {
	    fol(WEIR_PLATFORM_TWITCH, "a", T0, INT64_MAX, "s"),
	    fol(WEIR_PLATFORM_YOUTUBE, "b", T0, INT64_MAX - 1, "s"),
	    fol(WEIR_PLATFORM_TWITTER, "c", T0, 0, "s"),
	    fol(WEIR_PLATFORM_TWITTER, "c", T0 + 1, INT64_MAX, "s"),
	};
	ingest(st, evs, 4);
	struct weir_query_args a = args();
	char want[128];
	snprintf(want, sizeof(want), "0,s,%lld,%lld;", (long long)INT64_MAX, (long long)INT64_MAX);
	CHECK_EQ_STR(run(st, "streamer-followers", a, NULL), want);
	/* the gain of saturated sums: MAX - MAX */
	snprintf(want, sizeof(want), "1,s,%lld,0;", (long long)INT64_MAX);
	CHECK_EQ_STR(run(st, "follower-ranking", a, NULL), want);
	weir_store_close(st);
}

/* ---- reference data ---------------------------------------------------------------------------- */

static const char *write_file(const char *name, const char *text)
{
	static char path[8][128];
	static int k;
	char *p = path[k++ % 8];
	snprintf(p, 128, "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return p;
}

static void test_reference_read(void)
{
	char err[512];
	struct weir_reference *r;
	const char *p = write_file(
	    "s.csv", "\xef\xbb\xbfStreamer, display_name ,twitch,youtube,twitter,language,extra\r\n"
		     "Chan,\"Chan, \"\"the\"\" one\",chan,ChanYT,,en,x\r\n\r\n"
		     "other,Other,other,,\"multi\nline\",de,y\n");
	CHECK_EQ_INT(weir_reference_read(p, &r, err, sizeof(err)), 0);
	if (r) {
		CHECK_EQ_INT(r->table, WEIR_REF_STREAMERS);
		CHECK_EQ_INT(r->nrows, 2);
		CHECK_EQ_STR(r->cells[1], "Chan, \"the\" one");
		CHECK(r->cells[4] == NULL);
		CHECK_EQ_STR(r->cells[6 + 4], "multi\nline");
		weir_reference_free(r);
	}
	p = write_file("g.json", " [{\"game\":\"Dota 2\",\"genre\":\"MOBA\",\"console\":null}]");
	CHECK_EQ_INT(weir_reference_read(p, &r, err, sizeof(err)), 0);
	if (r) {
		CHECK_EQ_INT(r->table, WEIR_REF_GAMES);
		CHECK_EQ_INT(r->nrows, 1);
		CHECK(r->cells[2] == NULL);
		weir_reference_free(r);
	}
	/* errors name the file and the column */
	p = write_file("bad.csv", "streamer,display_name,twitch,twitter,language\nx,X,x,x,en\n");
	CHECK_EQ_INT(weir_reference_read(p, &r, err, sizeof(err)), WEIR_EINVAL);
	CHECK(strstr(err, "bad.csv") && strstr(err, "missing column 'youtube'"));
	p = write_file("bad.json", "[{\"game\":\"x\",\"console\":\"PC\"}]");
	CHECK_EQ_INT(weir_reference_read(p, &r, err, sizeof(err)), WEIR_EINVAL);
	CHECK(strstr(err, "bad.json") && strstr(err, "'genre'"));
	p = write_file("neither.csv", "a,b\n1,2\n");
	CHECK_EQ_INT(weir_reference_read(p, &r, err, sizeof(err)), WEIR_EINVAL);
	p = write_file("quote.csv", "game,genre,console\n\"open,x,y\n");
	CHECK_EQ_INT(weir_reference_read(p, &r, err, sizeof(err)), WEIR_EINVAL);
	p = write_file("short.csv", "game,genre,console\nx,y\n");
	CHECK_EQ_INT(weir_reference_read(p, &r, err, sizeof(err)), WEIR_EINVAL);
	CHECK(strstr(err, "line 2") != NULL);
	p = write_file("empty.csv", "game,genre,console\n,y,z\n");
	CHECK_EQ_INT(weir_reference_read(p, &r, err, sizeof(err)), WEIR_EINVAL);
	CHECK_EQ_INT(weir_reference_read("/nonexistent/x.csv", &r, err, sizeof(err)), WEIR_ENOENT);
}

static void test_reference_links(void)
{
	char uri[128], err[512];
	snprintf(uri, sizeof(uri), "sqlite:%s/ref.db", dir);
	struct weir_store *st = open_store("ref.db");
	if (!st)
		return;
	/* events link chanyt to "wrong"; the reference says it is chan's */
	struct weir_event evs[] = {
	    fol(WEIR_PLATFORM_TWITCH, "chan", T0, 500, NULL),
	    fol(WEIR_PLATFORM_YOUTUBE, "chanyt", T0, 70, "wrong"),
	    stream("chan", T0 + 5 * MIN, "Dota 2", "en"),
	};
	ingest(st, evs, 3);
	struct weir_query_args a = args();
	CHECK_EQ_STR(run(st, "streamer-followers", a, NULL), "0,wrong,70,0;");
	const char *files[2] = {
	    write_file("s2.csv",
		       "streamer,display_name,twitch,youtube,twitter,language\nCHAN,Chan,chan,ChanYT,,en\n"),
	    write_file("g2.csv", "game,genre,console\ndota 2,MOBA,PC\n"),
	};
	CHECK_EQ_INT(weir_reference_load(uri, files, 2, NULL, err, sizeof(err)), 0);
	CHECK_EQ_STR(run(st, "streamer-followers", a, NULL), "0,chan,570,0;");
	a.genre = "moba";
	a.console = "pc";
	CHECK_EQ_STR(run(st, "follower-ranking", a, NULL), "1,chan,570,0;");
	a.console = "Switch";
	CHECK_EQ_STR(run(st, "follower-ranking", a, NULL), "");
	/* reloading a streamer replaces its accounts; a bad file loads nothing */
	files[0] = write_file("s3.csv",
			      "streamer,display_name,twitch,youtube,twitter,language\nchan,Chan,chan,,,en\n");
	files[1] = write_file("bad2.csv", "game,genre\nx,y\n");
	CHECK_EQ_INT(weir_reference_load(uri, files, 2, NULL, err, sizeof(err)), WEIR_EINVAL);
	a = args();
	CHECK_EQ_STR(run(st, "streamer-followers", a, NULL), "0,chan,570,0;");
	CHECK_EQ_INT(weir_reference_load(uri, files, 1, NULL, err, sizeof(err)), 0);
	CHECK_EQ_STR(run(st, "streamer-followers", a, NULL), "0,chan,500,0;0,wrong,70,0;");
	weir_store_close(st);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/weir-test-followers.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	TEST(test_agg_merge);
	TEST(test_sample_order);
	TEST(test_windows_close);
	TEST(test_mins_blob);
	TEST(test_migrate_v1);
	TEST(test_late_correction);
	TEST(test_flush);
	TEST(test_stream_samples);
	TEST(test_store_merge);
	TEST(test_saturation);
	TEST(test_reference_read);
	TEST(test_reference_links);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	T_END();
}
