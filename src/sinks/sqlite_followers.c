/*
 * sqlite_followers.c — the followers family in the SQLite store: its
 * tables, the merge of the operator's records (src/ops/followers.c) and
 * the three queries of queries.md "Followers".
 *
 * Tables (docs/followers.md):
 *   follower_accounts  one row per account (platform, channel) with the
 *                      streamer its latest followers event named
 *   follower_days      one row per (account, UTC day): the day's first,
 *                      last (with their ts), min, max, and its minute
 *                      windows as a blob (weir_fol_mins_encode); hour and
 *                      day windows are folds of the minutes, made when
 *                      queried
 *   follower_streams   per Twitch channel and hour, the last stream sample's
 *                      ts, game and language (for the rankings' filters)
 *   streamers, streamer_accounts, games   the reference data
 *                      (src/core/reference.c loads them)
 *
 * Every row merges by the same rules as the operator's windows
 * (weir_fol_agg_merge, weir_fol_sample_cmp, weir_fol_link_cmp), which are
 * idempotent: a correction, a second ingest of overlapping data or a record
 * applied twice all leave the exact batch result.
 *
 * An account belongs to the streamer the reference data says
 * (streamer_accounts), else to the one its followers events name.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/store.h"
#include "ops/followers.h"

const char *const weir_schema_followers =
    "CREATE TABLE IF NOT EXISTS follower_accounts(id INTEGER PRIMARY KEY, platform TEXT NOT NULL,"
    " channel TEXT NOT NULL, streamer TEXT, streamer_ts INTEGER, UNIQUE(platform, channel));"
    "CREATE TABLE IF NOT EXISTS follower_days(account_id INTEGER NOT NULL, day INTEGER NOT NULL,"
    " first_ts INTEGER NOT NULL, first INTEGER NOT NULL, last_ts INTEGER NOT NULL,"
    " last INTEGER NOT NULL, min INTEGER NOT NULL, max INTEGER NOT NULL, minutes BLOB NOT NULL,"
    " PRIMARY KEY(account_id, day)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS follower_streams(channel TEXT NOT NULL, hour INTEGER NOT NULL,"
    " ts INTEGER NOT NULL, game TEXT, language TEXT, PRIMARY KEY(channel, hour)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS streamers(streamer TEXT PRIMARY KEY, display_name TEXT, twitch TEXT,"
    " youtube TEXT, twitter TEXT, language TEXT) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS streamer_accounts(platform TEXT NOT NULL, channel TEXT NOT NULL,"
    " streamer TEXT NOT NULL, PRIMARY KEY(platform, channel)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS streamer_accounts_by_streamer ON streamer_accounts(streamer);"
    "CREATE TABLE IF NOT EXISTS games(game TEXT NOT NULL COLLATE NOCASE PRIMARY KEY, genre TEXT,"
    " console TEXT) WITHOUT ROWID;";

/* ---- merging records ---------------------------------------------------------------- */

static const char sql_acct_get[] = "SELECT id FROM follower_accounts WHERE platform=?1 AND channel=?2";
static const char sql_acct_add[] = "INSERT INTO follower_accounts(platform, channel) VALUES(?1,?2)";
static const char sql_link[] =
    "UPDATE follower_accounts SET streamer=?2, streamer_ts=?3 WHERE id=?1 AND"
    " (streamer_ts IS NULL OR ?3 > streamer_ts OR (?3 = streamer_ts AND ?2 > streamer))";
static const char sql_day_ins[] =
    "INSERT INTO follower_days VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9) ON CONFLICT DO NOTHING";
static const char sql_day_get[] =
    "SELECT first_ts, first, last_ts, last, min, max, minutes FROM follower_days"
    " WHERE account_id=?1 AND day=?2";
static const char sql_day_upd[] = "UPDATE follower_days SET first_ts=?3, first=?4, last_ts=?5, last=?6,"
				  " min=?7, max=?8, minutes=?9 WHERE account_id=?1 AND day=?2";
static const char sql_st_ins[] = "INSERT INTO follower_streams VALUES(?1,?2,?3,?4,?5) ON CONFLICT DO NOTHING";
static const char sql_st_get[] =
    "SELECT ts, game, language FROM follower_streams WHERE channel=?1 AND hour=?2";
static const char sql_st_upd[] = "UPDATE follower_streams SET ts=?3, game=?4, language=?5"
				 " WHERE channel=?1 AND hour=?2";

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

static void bind_str(sqlite3_stmt *st, int ix, struct weir_str s)
{
	if (s.n)
		sqlite3_bind_text(st, ix, s.p, (int)s.n, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, ix);
}

static int account_id(struct weir_store *s, uint8_t platform, struct weir_str channel, int64_t *id)
{
	const char *pn = weir_platform_name(platform);
	sqlite3_stmt *g = weir_store_prepare(s, sql_acct_get);
	if (!g)
		return WEIR_ESTORE;
	sqlite3_bind_text(g, 1, pn, -1, SQLITE_STATIC);
	sqlite3_bind_text(g, 2, channel.p, (int)channel.n, SQLITE_STATIC);
	int rc = sqlite3_step(g);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(g, 0);
		sqlite3_reset(g);
		return 0;
	}
	sqlite3_reset(g);
	if (rc != SQLITE_DONE)
		return WEIR_ESTORE;
	sqlite3_stmt *a = weir_store_prepare(s, sql_acct_add);
	if (!a)
		return WEIR_ESTORE;
	sqlite3_bind_text(a, 1, pn, -1, SQLITE_STATIC);
	sqlite3_bind_text(a, 2, channel.p, (int)channel.n, SQLITE_STATIC);
	if (step_done(a) != 0)
		return WEIR_ESTORE;
	*id = sqlite3_last_insert_rowid(weir_store_sqlite(s));
	return 0;
}

static void bind_agg(sqlite3_stmt *st, const struct weir_fol_agg *a)
{
	sqlite3_bind_int64(st, 3, a->first_ts);
	sqlite3_bind_int64(st, 4, a->first);
	sqlite3_bind_int64(st, 5, a->last_ts);
	sqlite3_bind_int64(st, 6, a->last);
	sqlite3_bind_int64(st, 7, a->min);
	sqlite3_bind_int64(st, 8, a->max);
}

/* Minute windows decoded for a merge; grown by doubling, kept by the caller. */
struct mins {
	struct weir_fol_min *v;
	uint32_t n, cap;
	unsigned char *blob;
	size_t blobcap;
};

static int mins_push(struct mins *m, const struct weir_fol_min *x)
{
	if (m->n == m->cap) {
		uint32_t ncap = m->cap ? m->cap * 2 : 256;
		struct weir_fol_min *v = realloc(m->v, ncap * sizeof(*v));
		if (!v)
			return WEIR_ENOMEM;
		m->v = v;
		m->cap = ncap;
	}
	m->v[m->n++] = *x;
	return 0;
}

static void mins_free(struct mins *m)
{
	free(m->v);
	free(m->blob);
}

/* out := the minute windows of blobs a and b merged (both sorted by start). */
static int mins_merge(const void *a, size_t an, const void *b, size_t bn, int64_t day, struct mins *out)
{
	struct weir_fol_mins_it ia, ib;
	struct weir_fol_min x, y;
	weir_fol_mins_begin(&ia, a, an, day);
	weir_fol_mins_begin(&ib, b, bn, day);
	out->n = 0;
	int ra = weir_fol_mins_next(&ia, &x), rb = weir_fol_mins_next(&ib, &y);
	while (ra > 0 || rb > 0) {
		int rc;
		if (rb <= 0 || (ra > 0 && x.start < y.start)) {
			rc = mins_push(out, &x);
			ra = weir_fol_mins_next(&ia, &x);
		} else if (ra <= 0 || y.start < x.start) {
			rc = mins_push(out, &y);
			rb = weir_fol_mins_next(&ib, &y);
		} else {
			weir_fol_agg_merge(&x.agg, &y.agg);
			rc = mins_push(out, &x);
			ra = weir_fol_mins_next(&ia, &x);
			rb = weir_fol_mins_next(&ib, &y);
		}
		if (rc)
			return rc;
	}
	if (ra < 0 || rb < 0)
		return WEIR_ESTORE;
	size_t need = (size_t)out->n * WEIR_FOL_MIN_MAXBYTES + 1;
	if (need > out->blobcap) {
		unsigned char *p = realloc(out->blob, need);
		if (!p)
			return WEIR_ENOMEM;
		out->blob = p;
		out->blobcap = need;
	}
	return 0;
}

/*
 * Inserts an account's day, or merges it into the stored one. The first
 * write of a day (the common case: days close once) is a plain insert;
 * only corrections, flushed checkpoints and repeated ingests read the row
 * back and merge minute by minute.
 */
static int put_day(struct weir_store *s, const struct weir_fol_entry *e, int64_t acct, struct mins *m)
{
	sqlite3 *db = weir_store_sqlite(s);
	sqlite3_stmt *ins = weir_store_prepare(s, sql_day_ins);
	if (!ins)
		return WEIR_ESTORE;
	sqlite3_bind_int64(ins, 1, acct);
	sqlite3_bind_int64(ins, 2, e->start);
	bind_agg(ins, &e->agg);
	sqlite3_bind_blob(ins, 9, e->nmins ? (const void *)e->mins : "", (int)e->nmins, SQLITE_STATIC);
	if (step_done(ins) != 0)
		return WEIR_ESTORE;
	if (sqlite3_changes(db) == 1)
		return 0;
	sqlite3_stmt *g = weir_store_prepare(s, sql_day_get);
	if (!g)
		return WEIR_ESTORE;
	sqlite3_bind_int64(g, 1, acct);
	sqlite3_bind_int64(g, 2, e->start);
	if (sqlite3_step(g) != SQLITE_ROW) {
		sqlite3_reset(g);
		return WEIR_ESTORE;
	}
	struct weir_fol_agg d = {
	    .first_ts = sqlite3_column_int64(g, 0),
	    .first = sqlite3_column_int64(g, 1),
	    .last_ts = sqlite3_column_int64(g, 2),
	    .last = sqlite3_column_int64(g, 3),
	    .min = sqlite3_column_int64(g, 4),
	    .max = sqlite3_column_int64(g, 5),
	};
	const void *ob = sqlite3_column_blob(g, 6);
	size_t obn = (size_t)sqlite3_column_bytes(g, 6);
	int rc = mins_merge(ob, obn, e->mins, e->nmins, e->start, m);
	size_t len = rc ? 0 : weir_fol_mins_encode(m->v, m->n, e->start, m->blob);
	int same = !rc && len == obn && (!len || !memcmp(ob, m->blob, len));
	sqlite3_reset(g);
	if (rc)
		return rc;
	struct weir_fol_agg before = d;
	weir_fol_agg_merge(&d, &e->agg);
	if (same && !memcmp(&before, &d, sizeof(d)))
		return 0; /* a repeat: nothing to write */
	sqlite3_stmt *u = weir_store_prepare(s, sql_day_upd);
	if (!u)
		return WEIR_ESTORE;
	sqlite3_bind_int64(u, 1, acct);
	sqlite3_bind_int64(u, 2, e->start);
	bind_agg(u, &d);
	sqlite3_bind_blob(u, 9, len ? (const void *)m->blob : "", (int)len, SQLITE_STATIC);
	return step_done(u);
}

static int put_stream(struct weir_store *s, const struct weir_fol_entry *e)
{
	sqlite3 *db = weir_store_sqlite(s);
	sqlite3_stmt *ins = weir_store_prepare(s, sql_st_ins);
	if (!ins)
		return WEIR_ESTORE;
	sqlite3_bind_text(ins, 1, e->channel.p, (int)e->channel.n, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 2, e->start);
	sqlite3_bind_int64(ins, 3, e->sample.ts);
	bind_str(ins, 4, e->sample.game);
	bind_str(ins, 5, e->sample.language);
	if (step_done(ins) != 0)
		return WEIR_ESTORE;
	if (sqlite3_changes(db) == 1)
		return 0;
	sqlite3_stmt *g = weir_store_prepare(s, sql_st_get);
	if (!g)
		return WEIR_ESTORE;
	sqlite3_bind_text(g, 1, e->channel.p, (int)e->channel.n, SQLITE_STATIC);
	sqlite3_bind_int64(g, 2, e->start);
	if (sqlite3_step(g) != SQLITE_ROW) {
		sqlite3_reset(g);
		return WEIR_ESTORE;
	}
	struct weir_fol_sample old = {
	    .ts = sqlite3_column_int64(g, 0),
	    .game = {(const char *)sqlite3_column_text(g, 1), (uint32_t)sqlite3_column_bytes(g, 1)},
	    .language = {(const char *)sqlite3_column_text(g, 2), (uint32_t)sqlite3_column_bytes(g, 2)},
	};
	int newer = weir_fol_sample_cmp(&e->sample, &old) > 0;
	sqlite3_reset(g);
	if (!newer)
		return 0;
	sqlite3_stmt *u = weir_store_prepare(s, sql_st_upd);
	if (!u)
		return WEIR_ESTORE;
	sqlite3_bind_text(u, 1, e->channel.p, (int)e->channel.n, SQLITE_STATIC);
	sqlite3_bind_int64(u, 2, e->start);
	sqlite3_bind_int64(u, 3, e->sample.ts);
	bind_str(u, 4, e->sample.game);
	bind_str(u, 5, e->sample.language);
	return step_done(u);
}

int weir_store_followers_put(struct weir_store *s, const struct weir_fol_rec *r)
{
	/* entries of one account come together: remember the last id */
	int64_t acct = -1;
	uint8_t last_pl = 0;
	struct weir_str last_ch = {0};
	struct mins m = {0};
	int rc = 0;
	for (uint32_t i = 0; i < r->n && !rc; i++) {
		const struct weir_fol_entry *e = &r->v[i];
		if (e->type == WEIR_FOL_STREAM) {
			rc = put_stream(s, e);
			continue;
		}
		if (acct < 0 || e->platform != last_pl || e->channel.p != last_ch.p ||
		    e->channel.n != last_ch.n) {
			rc = account_id(s, e->platform, e->channel, &acct);
			if (rc)
				break;
			last_pl = e->platform;
			last_ch = e->channel;
		}
		if (e->type == WEIR_FOL_DAY) {
			rc = put_day(s, e, acct, &m);
		} else {
			sqlite3_stmt *u = weir_store_prepare(s, sql_link);
			if (!u) {
				rc = WEIR_ESTORE;
				break;
			}
			sqlite3_bind_int64(u, 1, acct);
			sqlite3_bind_text(u, 2, e->streamer.p, (int)e->streamer.n, SQLITE_STATIC);
			sqlite3_bind_int64(u, 3, e->ts);
			rc = step_done(u);
		}
	}
	mins_free(&m);
	return rc;
}

/*
 * Schema 1 -> 2: follower_windows (a row per grain, account and window)
 * becomes follower_days. Every snapshot was folded into its minute, hour
 * and day rows alike, so the minute rows alone rebuild everything exactly.
 * Runs inside the migration's transaction.
 */
int weir_store_followers_migrate(struct weir_store *s)
{
	sqlite3 *db = weir_store_sqlite(s);
	sqlite3_stmt *q = NULL, *ins = NULL;
	struct mins m = {0};
	int rc = WEIR_ESTORE;
	if (sqlite3_prepare_v2(db,
			       "SELECT account_id, start, first_ts, first, last_ts, last, min, max"
			       " FROM follower_windows WHERE grain=0 ORDER BY account_id, start",
			       -1, &q, NULL) != SQLITE_OK) {
		/* no such table: nothing to migrate */
		return strstr(sqlite3_errmsg(db), "no such table") ? 0 : WEIR_ESTORE;
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO follower_days VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)", -1, &ins,
			       NULL) != SQLITE_OK)
		goto out;
	int64_t acct = -1, day = 0;
	struct weir_fol_agg dagg = {0};
	int step;
	for (;;) {
		step = sqlite3_step(q);
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			goto out;
		struct weir_fol_min x = {0};
		int64_t a = -1;
		if (step == SQLITE_ROW) {
			a = sqlite3_column_int64(q, 0);
			x.start = sqlite3_column_int64(q, 1);
			x.agg.first_ts = sqlite3_column_int64(q, 2);
			x.agg.first = sqlite3_column_int64(q, 3);
			x.agg.last_ts = sqlite3_column_int64(q, 4);
			x.agg.last = sqlite3_column_int64(q, 5);
			x.agg.min = sqlite3_column_int64(q, 6);
			x.agg.max = sqlite3_column_int64(q, 7);
		}
		int64_t d = weir_floor(x.start, WEIR_MS_PER_DAY);
		if (m.n && (step == SQLITE_DONE || a != acct || d != day)) {
			size_t need = (size_t)m.n * WEIR_FOL_MIN_MAXBYTES + 1;
			if (need > m.blobcap) {
				unsigned char *p = realloc(m.blob, need);
				if (!p) {
					rc = WEIR_ENOMEM;
					goto out;
				}
				m.blob = p;
				m.blobcap = need;
			}
			size_t len = weir_fol_mins_encode(m.v, m.n, day, m.blob);
			sqlite3_bind_int64(ins, 1, acct);
			sqlite3_bind_int64(ins, 2, day);
			bind_agg(ins, &dagg);
			sqlite3_bind_blob(ins, 9, m.blob, (int)len, SQLITE_STATIC);
			if (step_done(ins) != 0)
				goto out;
			m.n = 0;
		}
		if (step == SQLITE_DONE)
			break;
		if (!m.n)
			dagg = x.agg;
		else
			weir_fol_agg_merge(&dagg, &x.agg);
		acct = a;
		day = d;
		if (mins_push(&m, &x) != 0) {
			rc = WEIR_ENOMEM;
			goto out;
		}
	}
	sqlite3_finalize(q);
	q = NULL;
	rc = sqlite3_exec(db, "DROP TABLE follower_windows", NULL, NULL, NULL) == SQLITE_OK ? 0 : WEIR_ESTORE;
out:
	sqlite3_finalize(q);
	sqlite3_finalize(ins);
	mins_free(&m);
	return rc;
}

/* ---- queries ---------------------------------------------------------------------------- */

/* Which account belongs to which streamer: the reference data first, else
 * the latest followers event's `streamer`. */
#define LINK_CTE                                                                                             \
	"WITH link(platform, channel, streamer) AS ("                                                        \
	" SELECT platform, channel, streamer FROM streamer_accounts UNION ALL"                               \
	" SELECT a.platform, a.channel, a.streamer FROM follower_accounts a WHERE a.streamer IS NOT NULL"    \
	" AND NOT EXISTS (SELECT 1 FROM streamer_accounts r WHERE r.platform=a.platform AND "                \
	"r.channel=a.channel)) "

static char *lower_dup(const char *s)
{
	char *d = strdup(s);
	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return d;
}

/* ASCII case-insensitive equality of a NUL-terminated filter and p[0..n). */
static int ieq(const char *filter, const unsigned char *p, int n)
{
	if (!p || (int)strlen(filter) != n)
		return 0;
	for (int i = 0; i < n; i++) {
		unsigned char a = (unsigned char)filter[i], b = p[i];
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b + 32);
		if (a != b)
			return 0;
	}
	return 1;
}

/* Sums saturate rather than overflow: counts are at most INT64_MAX each,
 * and a total beyond that is not a number anyone can use. */
static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* Prepares sql; a store from before the followers tables existed answers
 * with no rows (*st = NULL, return 0). */
static int prepare(struct weir_store *s, const char *sql, sqlite3_stmt **st, char *err, size_t errcap)
{
	sqlite3 *db = weir_store_sqlite(s);
	*st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	const char *msg = sqlite3_errmsg(db);
	if (strstr(msg, "no such table"))
		return 0;
	snprintf(err, errcap, "store %s: %s", weir_store_uri(s), msg);
	return WEIR_ESTORE;
}

static void bind_range(sqlite3_stmt *st, int ix, const struct weir_query_args *a)
{
	if (a->from != WEIR_ABSENT)
		sqlite3_bind_int64(st, ix, a->from);
	if (a->to != WEIR_ABSENT)
		sqlite3_bind_int64(st, ix + 1, a->to);
}

/* --platform: lowercased and checked. NULL in *out when not given. */
static int platform_arg(const struct weir_query_args *a, char **out, char *err, size_t errcap)
{
	*out = NULL;
	if (!a->platform)
		return 0;
	char *p = lower_dup(a->platform);
	if (!p)
		return WEIR_ENOMEM;
	if (!weir_platform_from(p, strlen(p))) {
		snprintf(err, errcap,
			 "--platform: unknown platform '%s' (twitch, youtube, twitter or facebook)",
			 a->platform);
		free(p);
		return WEIR_EINVAL;
	}
	*out = p;
	return 0;
}

static char *col_dup(sqlite3_stmt *st, int c)
{
	return weir_strndup(sqlite3_column_text(st, c), (size_t)sqlite3_column_bytes(st, c));
}

/* The columns every query reads from follower_days, from column c on. */
#define DAY_COLS "d.day, d.first_ts, d.first, d.last_ts, d.last, d.min, d.max, d.minutes"
/* Days that can hold a window starting in [from, to): ?a and ?b bound to day_range(). */
#define DAY_RANGE(a, b) " AND (?" #a " IS NULL OR d.day>=?" #a ") AND (?" #b " IS NULL OR d.day<?" #b ")"

static void day_range(sqlite3_stmt *st, int ix, const struct weir_query_args *a)
{
	if (a->from != WEIR_ABSENT)
		sqlite3_bind_int64(st, ix, weir_floor(a->from, WEIR_MS_PER_DAY));
	if (a->to != WEIR_ABSENT)
		sqlite3_bind_int64(st, ix + 1, a->to);
}

typedef int (*win_fn)(void *ctx, int64_t start, const struct weir_fol_agg *agg);

/*
 * Calls fn, in start order, for each window of `grain` in the follower_days
 * row at column c (DAY_COLS) whose start is in [from, to): the day from its
 * columns, minutes from the blob, hours as folds of their minutes.
 */
static int day_windows(sqlite3_stmt *st, int c, int grain, const struct weir_query_args *a, win_fn fn,
		       void *ctx)
{
	int64_t day = sqlite3_column_int64(st, c);
	int64_t from = a->from == WEIR_ABSENT ? INT64_MIN : a->from;
	int64_t to = a->to == WEIR_ABSENT ? INT64_MAX : a->to;
	if (grain == WEIR_GRAIN_DAY) {
		if (day < from || day >= to)
			return 0;
		struct weir_fol_agg g = {
		    .first_ts = sqlite3_column_int64(st, c + 1),
		    .first = sqlite3_column_int64(st, c + 2),
		    .last_ts = sqlite3_column_int64(st, c + 3),
		    .last = sqlite3_column_int64(st, c + 4),
		    .min = sqlite3_column_int64(st, c + 5),
		    .max = sqlite3_column_int64(st, c + 6),
		};
		return fn(ctx, day, &g);
	}
	struct weir_fol_mins_it it;
	weir_fol_mins_begin(&it, sqlite3_column_blob(st, c + 7), (size_t)sqlite3_column_bytes(st, c + 7),
			    day);
	struct weir_fol_min x, h = {.start = INT64_MIN};
	int r, rc = 0;
	while (!rc && (r = weir_fol_mins_next(&it, &x)) > 0) {
		if (grain == WEIR_GRAIN_MINUTE) {
			if (x.start >= from && x.start < to)
				rc = fn(ctx, x.start, &x.agg);
			continue;
		}
		int64_t hs = weir_floor(x.start, WEIR_MS_PER_HOUR);
		if (hs == h.start) {
			weir_fol_agg_merge(&h.agg, &x.agg);
			continue;
		}
		if (h.start != INT64_MIN && h.start >= from && h.start < to)
			rc = fn(ctx, h.start, &h.agg);
		h.start = hs;
		h.agg = x.agg;
	}
	if (rc)
		return rc;
	if (r < 0)
		return r;
	if (grain == WEIR_GRAIN_HOUR && h.start != INT64_MIN && h.start >= from && h.start < to)
		return fn(ctx, h.start, &h.agg);
	return 0;
}

/* Minute, hour or day; anything else is refused naming it. */
static int pick_grain(const char *q, const struct weir_query_args *a, int *grain, char *err, size_t errcap)
{
	*grain = a->window < 0 ? WEIR_GRAIN_HOUR : a->window;
	if (*grain > WEIR_GRAIN_DAY) {
		snprintf(err, errcap, "%s: --window %s: followers are kept per minute, hour and day", q,
			 weir_grain_name(*grain));
		return WEIR_EINVAL;
	}
	return 0;
}

struct fol_rows {
	struct weir_result *res;
	sqlite3_stmt *st;
};

static int fol_row(void *ctx, int64_t start, const struct weir_fol_agg *g)
{
	struct fol_rows *f = ctx;
	struct weir_cell *row = weir_result_row(f->res);
	if (!row)
		return WEIR_ENOMEM;
	row[0].i = start;
	row[1].s = col_dup(f->st, 0);
	row[2].s = col_dup(f->st, 1);
	if (!row[1].s || !row[2].s)
		return WEIR_ENOMEM;
	row[3].i = g->first;
	row[4].i = g->last;
	row[5].i = g->min;
	row[6].i = g->max;
	row[7].i = g->last - g->first; /* both in [0, INT64_MAX]: no overflow */
	return 0;
}

static int run_followers(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
			 char *err, size_t errcap)
{
	static const char *const cols[] = {"window", "platform", "channel", "first",
					   "last",   "min",	 "max",	    "gain"};
	static const uint8_t types_t[] = {WEIR_C_TIME, WEIR_C_TEXT, WEIR_C_TEXT, WEIR_C_INT,
					  WEIR_C_INT,  WEIR_C_INT,  WEIR_C_INT,	 WEIR_C_INT};
	static const uint8_t types_d[] = {WEIR_C_DAY, WEIR_C_TEXT, WEIR_C_TEXT, WEIR_C_INT,
					  WEIR_C_INT, WEIR_C_INT,  WEIR_C_INT,	WEIR_C_INT};
	int grain;
	int rc = pick_grain("followers", a, &grain, err, errcap);
	weir_result_init(res, 8, cols, grain == WEIR_GRAIN_DAY ? types_d : types_t);
	if (rc)
		return rc;
	char *pl;
	rc = platform_arg(a, &pl, err, errcap);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = prepare(s,
		     "SELECT a.platform, a.channel, " DAY_COLS " FROM follower_days d"
		     " JOIN follower_accounts a ON a.id=d.account_id WHERE"
		     " (?1 IS NULL OR a.platform=?1) AND (?2 IS NULL OR a.channel=?2)" DAY_RANGE(
			 3, 4) " ORDER BY a.platform, a.channel, d.day",
		     &st, err, errcap);
	if (rc || !st) {
		free(pl);
		return rc;
	}
	if (pl)
		sqlite3_bind_text(st, 1, pl, -1, SQLITE_TRANSIENT);
	free(pl);
	if (a->channel) {
		char *ch = lower_dup(a->channel);
		sqlite3_bind_text(st, 2, ch, -1, SQLITE_TRANSIENT);
		free(ch);
	}
	day_range(st, 3, a);
	struct fol_rows f = {res, st};
	int step;
	rc = 0;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = day_windows(st, 2, grain, a, fol_row, &f);
	sqlite3_finalize(st);
	if (rc)
		return rc;
	return step == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

/* streamer-followers: the windows of one (streamer, day) over its accounts, summed by start. */
struct sf_win {
	int64_t start, first, last;
};
struct sf_group {
	struct sf_win *v;
	uint32_t n, cap;
};

static int sf_add(void *ctx, int64_t start, const struct weir_fol_agg *g)
{
	struct sf_group *x = ctx;
	if (x->n == x->cap) {
		uint32_t ncap = x->cap ? x->cap * 2 : 256;
		struct sf_win *v = realloc(x->v, ncap * sizeof(*v));
		if (!v)
			return WEIR_ENOMEM;
		x->v = v;
		x->cap = ncap;
	}
	x->v[x->n++] = (struct sf_win){start, g->first, g->last};
	return 0;
}

static int cmp_sf(const void *p, const void *q)
{
	const struct sf_win *a = p, *b = q;
	return (a->start > b->start) - (a->start < b->start);
}

/* Sums the group's windows into rows (by start) for streamer name[0..n). */
static int sf_emit(struct sf_group *x, const char *name, struct weir_result *res)
{
	qsort(x->v, x->n, sizeof(*x->v), cmp_sf);
	struct weir_cell *row = NULL;
	for (uint32_t i = 0; i < x->n; i++) {
		if (!row || row[0].i != x->v[i].start) {
			row = weir_result_row(res);
			if (!row || !(row[1].s = strdup(name)))
				return WEIR_ENOMEM;
			row[0].i = x->v[i].start;
		}
		row[2].i = sat_add(row[2].i, x->v[i].last);
		row[3].i = sat_add(row[3].i, x->v[i].last - x->v[i].first);
	}
	x->n = 0;
	return 0;
}

static int run_streamer_followers(struct weir_store *s, const struct weir_query_args *a,
				  struct weir_result *res, char *err, size_t errcap)
{
	static const char *const cols[] = {"window", "streamer", "followers", "gain"};
	static const uint8_t types_t[] = {WEIR_C_TIME, WEIR_C_TEXT, WEIR_C_INT, WEIR_C_INT};
	static const uint8_t types_d[] = {WEIR_C_DAY, WEIR_C_TEXT, WEIR_C_INT, WEIR_C_INT};
	int grain;
	int rc = pick_grain("streamer-followers", a, &grain, err, errcap);
	weir_result_init(res, 4, cols, grain == WEIR_GRAIN_DAY ? types_d : types_t);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = prepare(s,
		     LINK_CTE
		     "SELECT l.streamer, " DAY_COLS " FROM follower_days d"
		     " JOIN follower_accounts a ON a.id=d.account_id"
		     " JOIN link l ON l.platform=a.platform AND l.channel=a.channel"
		     " WHERE (?1 IS NULL OR l.streamer=?1)" DAY_RANGE(2, 3) " ORDER BY l.streamer, d.day",
		     &st, err, errcap);
	if (rc || !st)
		return rc;
	if (a->streamer) {
		char *sn = lower_dup(a->streamer);
		sqlite3_bind_text(st, 1, sn, -1, SQLITE_TRANSIENT);
		free(sn);
	}
	day_range(st, 2, a);
	/* rows come grouped by (streamer, day): sum each group's windows by start */
	struct sf_group g = {0};
	char *name = NULL;
	int64_t day = 0;
	int step;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sn = (const char *)sqlite3_column_text(st, 0);
		int64_t d = sqlite3_column_int64(st, 1);
		if (!name || d != day || strcmp(name, sn) != 0) {
			if (name)
				rc = sf_emit(&g, name, res);
			free(name);
			name = strdup(sn);
			day = d;
			if (!name)
				rc = WEIR_ENOMEM;
		}
		if (!rc)
			rc = day_windows(st, 1, grain, a, sf_add, &g);
	}
	if (!rc && name)
		rc = sf_emit(&g, name, res);
	free(name);
	free(g.v);
	sqlite3_finalize(st);
	if (rc)
		return rc;
	return step == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

struct ranked {
	char *streamer;
	int64_t latest, earliest;      /* sums over its accounts */
	struct weir_fol_sample sample; /* latest stream sample of its Twitch channel(s) */
	char *game, *language;	       /* the sample's strings, owned */
	int has_sample;
	int64_t value; /* what --by ranks */
};

static int cmp_ranked(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;
	if (a->value != b->value)
		return a->value > b->value ? -1 : 1;
	return strcmp(a->streamer, b->streamer);
}

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ranked *)elem)->streamer);
}

static void ranked_free(struct ranked *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		free(v[i].streamer);
		free(v[i].game);
		free(v[i].language);
	}
	free(v);
}

/* Keeps, per ranked streamer, the latest stream sample of its Twitch
 * channels in the range. v is sorted by streamer. */
static int rank_samples(struct weir_store *s, const struct weir_query_args *a, struct ranked *v, uint32_t n,
			char *err, size_t errcap)
{
	sqlite3_stmt *st;
	int rc = prepare(s,
			 LINK_CTE "SELECT l.streamer, f.ts, f.game, f.language FROM follower_streams f"
				  " JOIN link l ON l.platform='twitch' AND l.channel=f.channel"
				  " WHERE (?1 IS NULL OR f.hour>=?1) AND (?2 IS NULL OR f.hour<?2)",
			 &st, err, errcap);
	if (rc || !st)
		return rc;
	bind_range(st, 1, a);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ranked *r = bsearch(sqlite3_column_text(st, 0), v, n, sizeof(*v), cmp_name);
		if (!r)
			continue;
		struct weir_fol_sample x = {
		    .ts = sqlite3_column_int64(st, 1),
		    .game = {(const char *)sqlite3_column_text(st, 2), (uint32_t)sqlite3_column_bytes(st, 2)},
		    .language = {(const char *)sqlite3_column_text(st, 3),
				 (uint32_t)sqlite3_column_bytes(st, 3)},
		};
		if (r->has_sample && weir_fol_sample_cmp(&x, &r->sample) <= 0)
			continue;
		free(r->game);
		free(r->language);
		r->game = x.game.n ? weir_strndup(x.game.p, x.game.n) : NULL;
		r->language = x.language.n ? weir_strndup(x.language.p, x.language.n) : NULL;
		if ((x.game.n && !r->game) || (x.language.n && !r->language)) {
			sqlite3_finalize(st);
			return WEIR_ENOMEM;
		}
		r->sample.ts = x.ts;
		r->sample.game = (struct weir_str){r->game, x.game.n};
		r->sample.language = (struct weir_str){r->language, x.language.n};
		r->has_sample = 1;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

/* Whether r passes --game/--language/--genre/--console. */
static int rank_keep(sqlite3_stmt *games, const struct weir_query_args *a, const struct ranked *r)
{
	if (!a->game && !a->language && !a->genre && !a->console)
		return 1;
	if (!r->has_sample)
		return 0;
	if (a->game && !ieq(a->game, (const unsigned char *)r->game, (int)r->sample.game.n))
		return 0;
	if (a->language && !ieq(a->language, (const unsigned char *)r->language, (int)r->sample.language.n))
		return 0;
	if (!a->genre && !a->console)
		return 1;
	if (!games || !r->game)
		return 0;
	sqlite3_reset(games);
	sqlite3_bind_text(games, 1, r->game, (int)r->sample.game.n, SQLITE_STATIC);
	int keep = 0;
	if (sqlite3_step(games) == SQLITE_ROW)
		keep = (!a->genre ||
			ieq(a->genre, sqlite3_column_text(games, 0), sqlite3_column_bytes(games, 0))) &&
		       (!a->console ||
			ieq(a->console, sqlite3_column_text(games, 1), sqlite3_column_bytes(games, 1)));
	sqlite3_reset(games);
	return keep;
}

struct rk_acct {
	int has;
	int64_t first, last;
};

static int rk_add(void *ctx, int64_t start, const struct weir_fol_agg *g)
{
	struct rk_acct *r = ctx;
	(void)start;
	if (!r->has)
		r->first = g->first;
	r->last = g->last;
	r->has = 1;
	return 0;
}

static int run_follower_ranking(struct weir_store *s, const struct weir_query_args *a,
				struct weir_result *res, char *err, size_t errcap)
{
	static const char *const cols[] = {"rank", "streamer", "followers", "gain"};
	static const uint8_t types[] = {WEIR_C_INT, WEIR_C_TEXT, WEIR_C_INT, WEIR_C_INT};
	weir_result_init(res, 4, cols, types);
	if (a->window >= 0 && a->window != WEIR_GRAIN_HOUR) {
		snprintf(err, errcap, "follower-ranking: the range is in whole hours (--window hour), not %s",
			 weir_grain_name(a->window));
		return WEIR_EINVAL;
	}
	if (a->by && strcmp(a->by, "followers") != 0 && strcmp(a->by, "gain") != 0) {
		snprintf(err, errcap, "--by: expected followers or gain, got '%s'", a->by);
		return WEIR_EINVAL;
	}
	char *pl;
	int rc = platform_arg(a, &pl, err, errcap);
	if (rc)
		return rc;
	sqlite3_stmt *st, *games = NULL;
	rc = prepare(s,
		     LINK_CTE "SELECT l.streamer, d.account_id, " DAY_COLS " FROM follower_days d"
			      " JOIN follower_accounts a ON a.id=d.account_id"
			      " JOIN link l ON l.platform=a.platform AND l.channel=a.channel"
			      " WHERE (?1 IS NULL OR a.platform=?1)" DAY_RANGE(
				  2, 3) " ORDER BY l.streamer, d.account_id, d.day",
		     &st, err, errcap);
	if (rc || !st) {
		free(pl);
		return rc;
	}
	if (pl)
		sqlite3_bind_text(st, 1, pl, -1, SQLITE_TRANSIENT);
	free(pl);
	day_range(st, 2, a);
	struct ranked *v = NULL;
	uint32_t n = 0, cap = 0;
	/* per streamer, per account: the earliest hour's first, the latest hour's last */
	struct rk_acct cur = {0};
	int64_t cur_acct = -1;
	char *cur_name = NULL;
	int step;
	for (;;) {
		step = sqlite3_step(st);
		const char *sn = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		int64_t acct = step == SQLITE_ROW ? sqlite3_column_int64(st, 1) : -1;
		if (cur_acct >= 0 && (acct != cur_acct || !sn || strcmp(sn, cur_name) != 0)) {
			/* the account is complete: it counts for its streamer if it had an hour in range */
			if (cur.has) {
				if (!n || strcmp(v[n - 1].streamer, cur_name) != 0) {
					if (n == cap) {
						uint32_t ncap = cap ? cap * 2 : 64;
						struct ranked *nv = realloc(v, ncap * sizeof(*nv));
						if (!nv)
							goto oom;
						v = nv;
						cap = ncap;
					}
					memset(&v[n], 0, sizeof(v[n]));
					if (!(v[n].streamer = strdup(cur_name)))
						goto oom;
					n++;
				}
				v[n - 1].latest = sat_add(v[n - 1].latest, cur.last);
				v[n - 1].earliest = sat_add(v[n - 1].earliest, cur.first);
			}
			cur_acct = -1;
		}
		if (step != SQLITE_ROW)
			break;
		if (cur_acct < 0) {
			free(cur_name);
			if (!(cur_name = strdup(sn)))
				goto oom;
			cur_acct = acct;
			cur.has = 0;
		}
		rc = day_windows(st, 2, WEIR_GRAIN_HOUR, a, rk_add, &cur);
		if (rc)
			goto out;
	}
	free(cur_name);
	cur_name = NULL;
	if (step != SQLITE_DONE) {
		rc = WEIR_ESTORE;
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (a->game || a->language || a->genre || a->console) {
		/* rows came ordered by streamer: v is sorted for bsearch */
		rc = rank_samples(s, a, v, n, err, errcap);
		if (rc)
			goto out;
		if ((a->genre || a->console) &&
		    (rc = prepare(s, "SELECT genre, console FROM games WHERE game=?1", &games, err,
				  errcap)) != 0)
			goto out;
	}
	int by_gain = a->by && !strcmp(a->by, "gain");
	uint32_t kept = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (!rank_keep(games, a, &v[i])) {
			free(v[i].streamer);
			free(v[i].game);
			free(v[i].language);
			continue;
		}
		v[kept] = v[i];
		/* earliest <= latest need not hold (unfollows): saturate the difference too */
		int64_t gain;
		if (__builtin_sub_overflow(v[kept].latest, v[kept].earliest, &gain))
			gain = v[kept].latest > v[kept].earliest ? INT64_MAX : INT64_MIN;
		v[kept].value = by_gain ? gain : v[kept].latest;
		v[kept].earliest = gain; /* reused: the gain column */
		kept++;
	}
	n = kept;
	qsort(v, n, sizeof(*v), cmp_ranked);
	int64_t limit = a->limit < 0 ? 10 : a->limit;
	for (uint32_t i = 0; i < n && (int64_t)i < limit; i++) {
		struct weir_cell *row = weir_result_row(res);
		if (!row)
			goto oom;
		row[0].i = i + 1;
		row[1].s = strdup(v[i].streamer);
		row[2].i = v[i].latest;
		row[3].i = v[i].earliest;
	}
	rc = 0;
	goto out;
oom:
	rc = WEIR_ENOMEM;
out:
	free(cur_name);
	sqlite3_finalize(st);
	sqlite3_finalize(games);
	ranked_free(v, n);
	return rc;
}

const struct weir_query_def weir_q_followers = {
    "followers",
    "[--platform P] [--channel C] [--window W]   window,platform,channel,first,last,min,max,gain",
    WEIR_QF_PLATFORM | WEIR_QF_CHANNEL, run_followers};
const struct weir_query_def weir_q_streamer_followers = {
    "streamer-followers", "[--streamer S] [--window W]   window,streamer,followers,gain", WEIR_QF_STREAMER,
    run_streamer_followers};
const struct weir_query_def weir_q_follower_ranking = {
    "follower-ranking",
    "[--by followers|gain] [--platform P] [--game G] [--genre G] [--language L] [--console C] [--limit N]"
    "   rank,streamer,followers,gain",
    WEIR_QF_BY | WEIR_QF_PLATFORM | WEIR_QF_GAME | WEIR_QF_GENRE | WEIR_QF_LANGUAGE | WEIR_QF_CONSOLE,
    run_follower_ranking};
