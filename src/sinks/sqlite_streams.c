/*
 * sqlite_streams.c — the stream analytics in the SQLite store: the tables,
 * the merge of the operator's delta records (src/ops/streams.c), and the
 * queries `streams`, `game-ranking` and `streamer-schedule` (queries.md).
 *
 * Tables (docs/streams.md):
 *   streams            per (grain, channel, window): covered ms, viewer-ms,
 *                      the peak and the multiset of the viewers of the
 *                      covered pieces it comes from (so that a correction
 *                      removing a piece leaves the exact peak)
 *   stream_games       per (grain, channel, window, game, language): covered
 *                      ms and viewer-ms — the game of a window, the game
 *                      ranking and the language roll-ups are sums of these
 *   stream_broadcasts  per (channel, started_at): covered ms, viewer-ms, peak,
 *                      end of the last covered interval
 *   stream_tail        per channel: the operator's retained samples, so that
 *                      the next ingest continues exactly
 * Every record is a delta: sums add (corrections subtract), peaks merge as
 * multisets or maxima, so late samples, checkpoints and split ingests give
 * the batch result.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/store.h"
#include "ops/streams.h"
#include "core/varint.h"

const char *const weir_schema_streams =
    "CREATE TABLE IF NOT EXISTS streams(grain INTEGER NOT NULL, channel_id INTEGER NOT NULL,"
    " start INTEGER NOT NULL, ms INTEGER NOT NULL, viewer_ms INTEGER NOT NULL, peak INTEGER NOT NULL,"
    " peaks BLOB, PRIMARY KEY(grain, channel_id, start)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS stream_games(grain INTEGER NOT NULL, channel_id INTEGER NOT NULL,"
    " start INTEGER NOT NULL, game TEXT NOT NULL, language TEXT NOT NULL, ms INTEGER NOT NULL,"
    " viewer_ms INTEGER NOT NULL, PRIMARY KEY(grain, channel_id, start, game, language)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS stream_broadcasts(channel_id INTEGER NOT NULL, started_at INTEGER NOT NULL,"
    " ended_at INTEGER, ms INTEGER NOT NULL, viewer_ms INTEGER NOT NULL, peak INTEGER NOT NULL,"
    " PRIMARY KEY(channel_id, started_at)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS stream_tail(channel_id INTEGER PRIMARY KEY, pruned INTEGER NOT NULL,"
    " samples BLOB NOT NULL);";

/* Statements cached by the store (by the address of their text). */
static const char sql_win_ins[] = "INSERT INTO streams VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT DO NOTHING";
static const char sql_win_get[] = "SELECT ms, viewer_ms, peaks FROM streams WHERE grain=?1 AND channel_id=?2"
				  " AND start=?3";
static const char sql_win_upd[] = "UPDATE streams SET ms=?4, viewer_ms=?5, peak=?6, peaks=?7"
				  " WHERE grain=?1 AND channel_id=?2 AND start=?3";
static const char sql_game_add[] = "INSERT INTO stream_games VALUES(?1,?2,?3,?4,?5,?6,?7)"
				   " ON CONFLICT(grain, channel_id, start, game, language) DO UPDATE"
				   " SET ms=ms+excluded.ms, viewer_ms=viewer_ms+excluded.viewer_ms";
static const char sql_bc_add[] =
    "INSERT INTO stream_broadcasts VALUES(?1,?2,?3,?4,?5,?6)"
    " ON CONFLICT(channel_id, started_at) DO UPDATE SET ms=ms+excluded.ms,"
    " viewer_ms=viewer_ms+excluded.viewer_ms, peak=max(peak, excluded.peak),"
    " ended_at=CASE WHEN excluded.ended_at IS NULL THEN ended_at"
    " WHEN ?7 OR ended_at IS NULL THEN excluded.ended_at ELSE max(ended_at, excluded.ended_at) END";
static const char sql_tail_put[] =
    "INSERT INTO stream_tail VALUES(?1,?2,?3) ON CONFLICT(channel_id) DO UPDATE"
    " SET pruned=excluded.pruned, samples=excluded.samples";
static const char sql_tail_get[] = "SELECT t.pruned, t.samples FROM stream_tail t JOIN channels c"
				   " ON c.id=t.channel_id WHERE c.name=?1";

/* ---- peak multisets: [varint viewers delta][zigzag varint count], sorted ------ */

struct pkbuf {
	struct weir_streams_peak *v;
	uint32_t n, cap;
	unsigned char *b; /* encoded */
	size_t blen, bcap;
};

static int pk_push(struct pkbuf *p, int64_t viewers, int64_t count)
{
	if (p->n == p->cap) {
		uint32_t ncap = p->cap ? p->cap * 2 : 64;
		struct weir_streams_peak *nv = realloc(p->v, ncap * sizeof(*nv));
		if (!nv)
			return WEIR_ENOMEM;
		p->v = nv;
		p->cap = ncap;
	}
	p->v[p->n++] = (struct weir_streams_peak){viewers, count};
	return 0;
}

/*
 * Merges the stored multiset blob b[0..bn) with the sorted deltas d[0..n)
 * into p->v (zero counts dropped) and encodes it into p->b; *peak gets the
 * largest value with a positive count (0 if none).
 */
static int pk_merge(struct pkbuf *p, const unsigned char *b, size_t bn, const struct weir_streams_peak *d,
		    uint32_t n, int64_t *peak)
{
	p->n = 0;
	const unsigned char *q = b, *end = b ? b + bn : b;
	uint64_t prev = 0, u, c;
	int have = 0;
	struct weir_streams_peak cur = {0, 0};
	uint32_t i = 0;
	for (;;) {
		if (!have && q && q < end) {
			if (weir_varint_get(&q, end, &u) || weir_varint_get(&q, end, &c))
				return WEIR_ESTORE;
			prev += u;
			cur.viewers = (int64_t)prev;
			cur.count = (int64_t)(c >> 1) ^ -(int64_t)(c & 1);
			have = 1;
		}
		if (!have && i == n)
			break;
		struct weir_streams_peak e;
		if (have && (i == n || cur.viewers < d[i].viewers)) {
			e = cur;
			have = 0;
		} else if (have && cur.viewers == d[i].viewers) {
			e = (struct weir_streams_peak){cur.viewers, cur.count + d[i].count};
			have = 0;
			i++;
		} else {
			e = d[i++];
		}
		if (e.count && pk_push(p, e.viewers, e.count))
			return WEIR_ENOMEM;
	}
	size_t need = (size_t)p->n * 20 + 1;
	if (need > p->bcap) {
		unsigned char *nb = realloc(p->b, need);
		if (!nb)
			return WEIR_ENOMEM;
		p->b = nb;
		p->bcap = need;
	}
	p->blen = 0;
	*peak = 0;
	uint64_t last = 0;
	for (uint32_t k = 0; k < p->n; k++) {
		p->blen += weir_varint_put(p->b + p->blen, (uint64_t)p->v[k].viewers - last);
		last = (uint64_t)p->v[k].viewers;
		p->blen += weir_varint_put(p->b + p->blen,
					   ((uint64_t)p->v[k].count << 1) ^ (uint64_t)(p->v[k].count >> 63));
		if (p->v[k].count > 0)
			*peak = p->v[k].viewers;
	}
	return 0;
}

/* ---- merge ----------------------------------------------------------------- */

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

/* Channel ids for one record: consecutive entries mostly share a channel. */
struct chcache {
	const char *p;
	uint32_t n;
	int64_t id;
};

static int chan_cached(struct weir_store *s, struct chcache *cc, struct weir_str name, int64_t *id)
{
	if (cc->p && cc->n == name.n && (cc->p == name.p || memcmp(cc->p, name.p, name.n) == 0)) {
		*id = cc->id;
		return 0;
	}
	int rc = weir_store_channel_id(s, name, id);
	if (!rc) {
		cc->p = name.p;
		cc->n = name.n;
		cc->id = *id;
	}
	return rc;
}

static int put_win(struct weir_store *s, const struct weir_streams_win *w, int64_t cid, struct pkbuf *pb)
{
	int64_t peak;
	int rc = pk_merge(pb, NULL, 0, w->pk, w->npk, &peak);
	if (rc)
		return rc;
	sqlite3_stmt *ins = weir_store_prepare(s, sql_win_ins);
	if (!ins)
		return WEIR_ESTORE;
	sqlite3_bind_int(ins, 1, w->grain);
	sqlite3_bind_int64(ins, 2, cid);
	sqlite3_bind_int64(ins, 3, w->start);
	sqlite3_bind_int64(ins, 4, w->ms);
	sqlite3_bind_int64(ins, 5, w->vms);
	sqlite3_bind_int64(ins, 6, peak);
	sqlite3_bind_blob(ins, 7, pb->b, (int)pb->blen, SQLITE_STATIC);
	if ((rc = step_done(ins)) != 0)
		return rc;
	if (sqlite3_changes(weir_store_sqlite(s)) == 0) {
		/* the window exists: add the sums, merge the multisets */
		sqlite3_stmt *g = weir_store_prepare(s, sql_win_get);
		if (!g)
			return WEIR_ESTORE;
		sqlite3_bind_int(g, 1, w->grain);
		sqlite3_bind_int64(g, 2, cid);
		sqlite3_bind_int64(g, 3, w->start);
		if (sqlite3_step(g) != SQLITE_ROW) {
			sqlite3_reset(g);
			return WEIR_ESTORE;
		}
		int64_t ms = sqlite3_column_int64(g, 0) + w->ms;
		int64_t vms = sqlite3_column_int64(g, 1) + w->vms;
		rc = pk_merge(pb, sqlite3_column_blob(g, 2), (size_t)sqlite3_column_bytes(g, 2), w->pk,
			      w->npk, &peak);
		sqlite3_reset(g);
		if (rc)
			return rc;
		sqlite3_stmt *u = weir_store_prepare(s, sql_win_upd);
		if (!u)
			return WEIR_ESTORE;
		sqlite3_bind_int(u, 1, w->grain);
		sqlite3_bind_int64(u, 2, cid);
		sqlite3_bind_int64(u, 3, w->start);
		sqlite3_bind_int64(u, 4, ms);
		sqlite3_bind_int64(u, 5, vms);
		sqlite3_bind_int64(u, 6, peak);
		sqlite3_bind_blob(u, 7, pb->b, (int)pb->blen, SQLITE_STATIC);
		if ((rc = step_done(u)) != 0)
			return rc;
	}
	for (uint32_t k = 0; k < w->ngl; k++) {
		const struct weir_streams_gl *gl = &w->gl[k];
		if (!gl->ms && !gl->vms)
			continue;
		sqlite3_stmt *a = weir_store_prepare(s, sql_game_add);
		if (!a)
			return WEIR_ESTORE;
		sqlite3_bind_int(a, 1, w->grain);
		sqlite3_bind_int64(a, 2, cid);
		sqlite3_bind_int64(a, 3, w->start);
		sqlite3_bind_text(a, 4, gl->game.n ? gl->game.p : "", (int)gl->game.n, SQLITE_STATIC);
		sqlite3_bind_text(a, 5, gl->lang.n ? gl->lang.p : "", (int)gl->lang.n, SQLITE_STATIC);
		sqlite3_bind_int64(a, 6, gl->ms);
		sqlite3_bind_int64(a, 7, gl->vms);
		if ((rc = step_done(a)) != 0)
			return rc;
	}
	return 0;
}

static int put_bc(struct weir_store *s, const struct weir_streams_bc *b, int64_t cid)
{
	sqlite3_stmt *a = weir_store_prepare(s, sql_bc_add);
	if (!a)
		return WEIR_ESTORE;
	sqlite3_bind_int64(a, 1, cid);
	sqlite3_bind_int64(a, 2, b->started_at);
	if (b->end == WEIR_ABSENT)
		sqlite3_bind_null(a, 3);
	else
		sqlite3_bind_int64(a, 3, b->end);
	sqlite3_bind_int64(a, 4, b->ms);
	sqlite3_bind_int64(a, 5, b->vms);
	sqlite3_bind_int64(a, 6, b->peak);
	sqlite3_bind_int(a, 7, b->end_set);
	return step_done(a);
}

int weir_store_streams_put(struct weir_store *s, const struct weir_streams_rec *r)
{
	struct chcache cc = {0};
	struct pkbuf pb = {0};
	int64_t cid;
	int rc = 0;
	for (uint32_t i = 0; i < r->nwin && !rc; i++)
		if (!(rc = chan_cached(s, &cc, r->win[i].channel, &cid)))
			rc = put_win(s, &r->win[i], cid, &pb);
	for (uint32_t i = 0; i < r->nbc && !rc; i++)
		if (!(rc = chan_cached(s, &cc, r->bc[i].channel, &cid)))
			rc = put_bc(s, &r->bc[i], cid);
	for (uint32_t i = 0; i < r->ntail && !rc; i++) {
		if ((rc = chan_cached(s, &cc, r->tail[i].channel, &cid)) != 0)
			break;
		sqlite3_stmt *t = weir_store_prepare(s, sql_tail_put);
		if (!t) {
			rc = WEIR_ESTORE;
			break;
		}
		sqlite3_bind_int64(t, 1, cid);
		sqlite3_bind_int(t, 2, r->tail[i].pruned);
		sqlite3_bind_blob(t, 3, r->tail[i].len ? (const void *)r->tail[i].blob : "",
				  (int)r->tail[i].len, SQLITE_STATIC);
		rc = step_done(t);
	}
	free(pb.v);
	free(pb.b);
	return rc;
}

int weir_streams_put(struct weir_rec *h, struct weir_writer *w)
{
	return weir_store_streams_put(weir_writer_store(w), (const struct weir_streams_rec *)h);
}

int weir_store_streams_tail(struct weir_store *s, struct weir_str channel, struct weir_arena *a,
			    const unsigned char **blob, uint32_t *len, int *pruned)
{
	/* A store whose file predates these tables has no tails (it is read-only here). */
	sqlite3_stmt *g = weir_store_prepare(s, sql_tail_get);
	if (!g)
		return 0;
	sqlite3_bind_text(g, 1, channel.p, (int)channel.n, SQLITE_STATIC);
	int rc = sqlite3_step(g);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(g);
		return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
	}
	*pruned = sqlite3_column_int(g, 0);
	int n = sqlite3_column_bytes(g, 1);
	const void *b = sqlite3_column_blob(g, 1);
	unsigned char *copy = weir_arena_alloc(a, n > 0 ? (size_t)n : 1);
	if (!copy) {
		sqlite3_reset(g);
		return WEIR_ENOMEM;
	}
	if (n > 0)
		memcpy(copy, b, (size_t)n);
	sqlite3_reset(g);
	*blob = copy;
	*len = (uint32_t)(n > 0 ? n : 0);
	return 1;
}

/* ---- queries ----------------------------------------------------------------- */

static char *lower_dup(const char *s)
{
	char *d = strdup(s);
	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return d;
}

static char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return weir_strndup(t ? (const char *)t : "", (size_t)sqlite3_column_bytes(st, i));
}

static void bind_range(sqlite3_stmt *st, int ix, const struct weir_query_args *a)
{
	if (a->from != WEIR_ABSENT)
		sqlite3_bind_int64(st, ix, a->from);
	if (a->to != WEIR_ABSENT)
		sqlite3_bind_int64(st, ix + 1, a->to);
}

/*
 * streams: every (channel, window) with covered time or a broadcast start.
 * The game is the one with the most covered time (ties: the smaller name);
 * `streams` counts the broadcasts (with covered time) whose started_at falls
 * in the window.
 */
static int run_streams(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
		       char *err, size_t errcap)
{
	static const char *const cols[] = {"window",	  "channel",	  "airtime_min", "hours_watched",
					   "avg_viewers", "peak_viewers", "streams",	 "game"};
	static const uint8_t types_t[] = {WEIR_C_TIME, WEIR_C_TEXT, WEIR_C_REAL, WEIR_C_REAL,
					  WEIR_C_REAL, WEIR_C_INT,  WEIR_C_INT,	 WEIR_C_TEXT};
	static const uint8_t types_d[] = {WEIR_C_DAY,  WEIR_C_TEXT, WEIR_C_REAL, WEIR_C_REAL,
					  WEIR_C_REAL, WEIR_C_INT,  WEIR_C_INT,	 WEIR_C_TEXT};
	int grain = a->window < 0 ? WEIR_GRAIN_HOUR : a->window;
	weir_result_init(res, 8, cols, grain == WEIR_GRAIN_DAY ? types_d : types_t);
	static const char sql[] =
	    "WITH ch AS (SELECT id, name FROM channels WHERE ?2 IS NULL OR name=?2),"
	    " s AS (SELECT x.channel_id, x.start, x.ms, x.viewer_ms, x.peak FROM streams x"
	    "  JOIN ch ON ch.id=x.channel_id WHERE x.grain=?1 AND x.ms>0),"
	    " b AS (SELECT x.channel_id, x.started_at - ((x.started_at % ?5) + ?5) % ?5 AS start,"
	    "  count(*) AS n FROM stream_broadcasts x JOIN ch ON ch.id=x.channel_id WHERE x.ms>0 GROUP BY 1, "
	    "2),"
	    " k AS (SELECT channel_id, start FROM s UNION SELECT channel_id, start FROM b)"
	    " SELECT k.start, ch.name, coalesce(s.ms, 0), coalesce(s.viewer_ms, 0), coalesce(s.peak, 0),"
	    "  coalesce(b.n, 0),"
	    "  (SELECT g.game FROM stream_games g WHERE g.grain=?1 AND g.channel_id=k.channel_id"
	    "   AND g.start=k.start AND g.game<>'' GROUP BY g.game HAVING sum(g.ms)>0"
	    "   ORDER BY sum(g.ms) DESC, g.game LIMIT 1)"
	    " FROM k JOIN ch ON ch.id=k.channel_id"
	    " LEFT JOIN s ON s.channel_id=k.channel_id AND s.start=k.start"
	    " LEFT JOIN b ON b.channel_id=k.channel_id AND b.start=k.start"
	    " WHERE (?3 IS NULL OR k.start>=?3) AND (?4 IS NULL OR k.start<?4)"
	    " ORDER BY ch.name, k.start";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(weir_store_sqlite(s), sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errcap, "streams: %s", sqlite3_errmsg(weir_store_sqlite(s)));
		return WEIR_ESTORE;
	}
	sqlite3_bind_int(st, 1, grain);
	if (a->channel) {
		char *ch = lower_dup(a->channel);
		if (!ch) {
			sqlite3_finalize(st);
			return WEIR_ENOMEM;
		}
		sqlite3_bind_text(st, 2, ch, -1, SQLITE_TRANSIENT);
		free(ch);
	}
	bind_range(st, 3, a);
	sqlite3_bind_int64(st, 5, weir_grain_ms(grain));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct weir_cell *row = weir_result_row(res);
		if (!row) {
			sqlite3_finalize(st);
			return WEIR_ENOMEM;
		}
		int64_t ms = sqlite3_column_int64(st, 2), vms = sqlite3_column_int64(st, 3);
		row[0].i = sqlite3_column_int64(st, 0);
		row[1].s = col_text(st, 1);
		row[2].d = (double)ms / 60000.0;
		row[3].d = (double)vms / 3600000.0;
		row[4].d = ms > 0 ? (double)vms / (double)ms : 0.0;
		row[5].i = sqlite3_column_int64(st, 4);
		row[6].i = sqlite3_column_int64(st, 5);
		row[7].s = col_text(st, 6);
		if (!row[1].s || !row[7].s) {
			sqlite3_finalize(st);
			return WEIR_ENOMEM;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

struct gamerow {
	char *game;
	__int128 vms;
	int64_t ms, channels;
};

/* ctx: the ranking key, 0 hours_watched, 1 airtime_min, 2 channels */
static int cmp_games(const void *x, const void *y, void *ctx)
{
	const struct gamerow *a = x, *b = y;
	int by_key = *(const int *)ctx, c = 0;
	if (by_key == 0)
		c = (a->vms < b->vms) - (a->vms > b->vms);
	else if (by_key == 1)
		c = (a->ms < b->ms) - (a->ms > b->ms);
	else
		c = (a->channels < b->channels) - (a->channels > b->channels);
	return c ? c : strcmp(a->game, b->game);
}

/*
 * game-ranking over the windows of the grain (default hour) starting in
 * [from, to): per game, the sums over channels; a channel counts when its
 * covered time with the game in the range is positive. Sums are exact
 * (128-bit viewer-ms).
 */
static int run_game_ranking(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
			    char *err, size_t errcap)
{
	static const char *const cols[] = {"rank", "game", "hours_watched", "airtime_min", "channels"};
	static const uint8_t types[] = {WEIR_C_INT, WEIR_C_TEXT, WEIR_C_REAL, WEIR_C_REAL, WEIR_C_INT};
	weir_result_init(res, 5, cols, types);
	int by;
	if (!a->by || !strcmp(a->by, "hours_watched"))
		by = 0;
	else if (!strcmp(a->by, "airtime_min"))
		by = 1;
	else if (!strcmp(a->by, "channels"))
		by = 2;
	else {
		snprintf(err, errcap,
			 "game-ranking: --by: unknown '%s' (hours_watched, airtime_min or channels)", a->by);
		return WEIR_EINVAL;
	}
	int grain = a->window < 0 ? WEIR_GRAIN_HOUR : a->window;
	static const char sql[] =
	    "SELECT game, channel_id, ms, viewer_ms FROM stream_games WHERE grain=?1 AND game<>''"
	    " AND (?2 IS NULL OR start>=?2) AND (?3 IS NULL OR start<?3) AND (?4 IS NULL OR language=?4)"
	    " ORDER BY game, channel_id";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(weir_store_sqlite(s), sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errcap, "game-ranking: %s", sqlite3_errmsg(weir_store_sqlite(s)));
		return WEIR_ESTORE;
	}
	sqlite3_bind_int(st, 1, grain);
	bind_range(st, 2, a);
	if (a->language)
		sqlite3_bind_text(st, 4, a->language, -1, SQLITE_STATIC);
	struct gamerow *v = NULL;
	uint32_t n = 0, cap = 0;
	int64_t cur_ch = -1, ch_ms = 0;
	int rc, out = WEIR_ENOMEM;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *game = (const char *)sqlite3_column_text(st, 0);
		int64_t ch = sqlite3_column_int64(st, 1);
		if (!game)
			continue;
		if (!n || strcmp(v[n - 1].game, game) != 0) {
			if (n && ch_ms > 0)
				v[n - 1].channels++;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				struct gamerow *nv = realloc(v, cap * sizeof(*nv));
				if (!nv)
					goto done;
				v = nv;
			}
			v[n] = (struct gamerow){strdup(game), 0, 0, 0};
			if (!v[n++].game)
				goto done;
			cur_ch = -1;
		}
		if (ch != cur_ch) {
			if (cur_ch >= 0 && ch_ms > 0)
				v[n - 1].channels++;
			cur_ch = ch;
			ch_ms = 0;
		}
		int64_t ms = sqlite3_column_int64(st, 2);
		ch_ms += ms;
		v[n - 1].ms += ms;
		v[n - 1].vms += sqlite3_column_int64(st, 3);
	}
	if (n && ch_ms > 0)
		v[n - 1].channels++;
	if (rc != SQLITE_DONE) {
		out = WEIR_ESTORE;
		goto done;
	}
	/* games whose covered time corrections brought to nothing are not ranked */
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (v[i].ms > 0)
			v[k++] = v[i];
		else
			free(v[i].game);
	}
	n = k;
	if (n > 1)
		qsort_r(v, n, sizeof(*v), cmp_games, &by);
	int64_t limit = a->limit < 0 ? 10 : a->limit;
	for (uint32_t i = 0; i < n && (int64_t)i < limit; i++) {
		struct weir_cell *row = weir_result_row(res);
		if (!row)
			goto done;
		row[0].i = i + 1;
		row[1].s = strdup(v[i].game);
		row[2].d = (double)v[i].vms / 3600000.0;
		row[3].d = (double)v[i].ms / 60000.0;
		row[4].i = v[i].channels;
		if (!row[1].s)
			goto done;
	}
	out = 0;
done:
	for (uint32_t i = 0; i < n; i++)
		free(v[i].game);
	free(v);
	sqlite3_finalize(st);
	return out;
}

/* streamer-schedule --channel C: the broadcasts with covered time, by started_at. */
static int run_streamer_schedule(struct weir_store *s, const struct weir_query_args *a,
				 struct weir_result *res, char *err, size_t errcap)
{
	static const char *const cols[] = {"started_at", "ended_at", "airtime_min", "peak_viewers"};
	static const uint8_t types[] = {WEIR_C_TIME, WEIR_C_TIME, WEIR_C_REAL, WEIR_C_INT};
	weir_result_init(res, 4, cols, types);
	if (!a->channel) {
		snprintf(err, errcap, "streamer-schedule needs --channel");
		return WEIR_EINVAL;
	}
	static const char sql[] =
	    "SELECT b.started_at, b.ended_at, b.ms, b.peak FROM stream_broadcasts b"
	    " JOIN channels c ON c.id=b.channel_id WHERE c.name=?1 AND b.ms>0"
	    " AND (?2 IS NULL OR b.started_at>=?2) AND (?3 IS NULL OR b.started_at<?3) ORDER BY b.started_at";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(weir_store_sqlite(s), sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errcap, "streamer-schedule: %s", sqlite3_errmsg(weir_store_sqlite(s)));
		return WEIR_ESTORE;
	}
	char *ch = lower_dup(a->channel);
	if (!ch) {
		sqlite3_finalize(st);
		return WEIR_ENOMEM;
	}
	sqlite3_bind_text(st, 1, ch, -1, SQLITE_TRANSIENT);
	free(ch);
	bind_range(st, 2, a);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct weir_cell *row = weir_result_row(res);
		if (!row) {
			sqlite3_finalize(st);
			return WEIR_ENOMEM;
		}
		row[0].i = sqlite3_column_int64(st, 0);
		row[1].i = sqlite3_column_int64(st, 1);
		row[2].d = (double)sqlite3_column_int64(st, 2) / 60000.0;
		row[3].i = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

const struct weir_query_def weir_q_streams = {
    "streams",
    "[--channel C] [--window W]   "
    "window,channel,airtime_min,hours_watched,avg_viewers,peak_viewers,streams,game",
    WEIR_QF_CHANNEL, run_streams};
const struct weir_query_def weir_q_game_ranking = {
    "game-ranking",
    "[--by hours_watched|airtime_min|channels] [--language L] [--limit N]"
    "   rank,game,hours_watched,airtime_min,channels",
    WEIR_QF_BY | WEIR_QF_LANGUAGE, run_game_ranking};
const struct weir_query_def weir_q_streamer_schedule = {
    "streamer-schedule", "--channel C   started_at,ended_at,airtime_min,peak_viewers", WEIR_QF_CHANNEL,
    run_streamer_schedule};
