/*
 * sqlite_presence.c — the presence family in the SQLite store: its tables,
 * the merge of presence records (src/ops/presence.c) and the five presence
 * queries of queries.md.
 *
 * Tables (docs/presence.md):
 *   presence(channel_id, slot, present, users)        one row per channel and
 *       5-minute slot with a snapshot; users = CRoaring bitmap (portable
 *       format) of global user ids, present = its cardinality
 *   presence_days(channel_id, day, distinct_users, users)   the same per day
 *   presence_slot index (slot, present): viewers-over-day reads it alone;
 *   presence_cover (channel_id, slot, present): so does `presence`
 *
 * put() unions: INSERT ... ON CONFLICT DO NOTHING, and when the row exists
 * (a late snapshot, a checkpoint's partial window, a second ingest) read,
 * OR, write back. Queries read the counts as columns; user-schedule tests
 * membership on the serialized bitmaps directly (no deserialization),
 * first on the user's day bitmaps, then only on the slots of the
 * channel-days that hold the user; overlap intersects two day bitmaps.
 */
#include <roaring/roaring.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/store.h"
#include "ops/presence.h"

const char *const weir_schema_presence =
    "CREATE TABLE IF NOT EXISTS presence(channel_id INTEGER NOT NULL, slot INTEGER NOT NULL,"
    " present INTEGER NOT NULL, users BLOB NOT NULL, PRIMARY KEY(channel_id, slot));"
    "CREATE INDEX IF NOT EXISTS presence_slot ON presence(slot, present);"
    "CREATE INDEX IF NOT EXISTS presence_cover ON presence(channel_id, slot, present);"
    "CREATE TABLE IF NOT EXISTS presence_days(channel_id INTEGER NOT NULL, day INTEGER NOT NULL,"
    " distinct_users INTEGER NOT NULL, users BLOB NOT NULL, PRIMARY KEY(channel_id, day));";

/* ---- put --------------------------------------------------------------------- */

static const char *const sql_ins[2] = {
    "INSERT INTO presence VALUES(?1,?2,?3,?4) ON CONFLICT DO NOTHING",
    "INSERT INTO presence_days VALUES(?1,?2,?3,?4) ON CONFLICT DO NOTHING",
};
static const char *const sql_get[2] = {
    "SELECT users FROM presence WHERE channel_id=?1 AND slot=?2",
    "SELECT users FROM presence_days WHERE channel_id=?1 AND day=?2",
};
static const char *const sql_upd[2] = {
    "UPDATE presence SET present=?3, users=?4 WHERE channel_id=?1 AND slot=?2",
    "UPDATE presence_days SET distinct_users=?3, users=?4 WHERE channel_id=?1 AND day=?2",
};

/* Serializes bm (run-optimized) into a new buffer. */
static char *serialize(roaring_bitmap_t *bm, size_t *n)
{
	roaring_bitmap_run_optimize(bm);
	char *b = malloc(roaring_bitmap_portable_size_in_bytes(bm));
	if (b)
		*n = roaring_bitmap_portable_serialize(bm, b);
	return b;
}

/* Binds (cid, start, cardinality, blob) and steps. */
static int write_row(struct weir_store *s, const char *sql, int64_t cid, int64_t start, roaring_bitmap_t *bm)
{
	size_t n = 0;
	char *b = serialize(bm, &n);
	if (!b)
		return WEIR_ENOMEM;
	sqlite3_stmt *st = weir_store_prepare(s, sql);
	int rc = WEIR_ESTORE;
	if (st) {
		sqlite3_bind_int64(st, 1, cid);
		sqlite3_bind_int64(st, 2, start);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)roaring_bitmap_get_cardinality(bm));
		sqlite3_bind_blob(st, 4, b, (int)n, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WEIR_ESTORE;
		sqlite3_reset(st);
	}
	free(b);
	return rc;
}

int weir_store_presence_put(struct weir_store *s, int grain, struct weir_str channel, int64_t start,
			    const uint32_t *gids, uint32_t n)
{
	if (grain != WEIR_PRESENCE_SLOT && grain != WEIR_PRESENCE_DAY)
		return WEIR_EINVAL;
	int64_t cid;
	int rc = weir_store_channel_id(s, channel, &cid);
	if (rc)
		return rc;
	roaring_bitmap_t *bm = roaring_bitmap_create();
	if (!bm)
		return WEIR_ENOMEM;
	roaring_bitmap_add_many(bm, n, gids);
	rc = write_row(s, sql_ins[grain], cid, start, bm);
	if (rc || sqlite3_changes(weir_store_sqlite(s)) == 1)
		goto out;
	/* The row exists: union with it. */
	sqlite3_stmt *g = weir_store_prepare(s, sql_get[grain]);
	rc = WEIR_ESTORE;
	if (!g)
		goto out;
	sqlite3_bind_int64(g, 1, cid);
	sqlite3_bind_int64(g, 2, start);
	if (sqlite3_step(g) != SQLITE_ROW) {
		sqlite3_reset(g);
		goto out;
	}
	const void *ob = sqlite3_column_blob(g, 0);
	int obn = sqlite3_column_bytes(g, 0);
	roaring_bitmap_t *old =
	    ob && obn > 0 ? roaring_bitmap_portable_deserialize_safe(ob, (size_t)obn) : NULL;
	sqlite3_reset(g);
	if (!old)
		goto out; /* a stored bitmap we cannot read: refuse rather than lose it */
	roaring_bitmap_or_inplace(bm, old);
	roaring_bitmap_free(old);
	rc = write_row(s, sql_upd[grain], cid, start, bm);
out:
	roaring_bitmap_free(bm);
	return rc;
}

/* ---- membership on a serialized bitmap ------------------------------------------ */

static inline uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Whether x is in the bitmap serialized in CRoaring's portable format
 * (github.com/RoaringBitmap/RoaringFormatSpec) at b[0..n), read in place:
 * 1 yes, 0 no, -1 not a valid bitmap. Binary search of the container keys,
 * then of the container; O(log n), no allocation.
 */
int weir_presence_blob_contains(const void *blob, size_t n, uint32_t x)
{
	enum { COOKIE_NORUN = 12346, COOKIE_RUN = 12347, NO_OFFSET_THRESHOLD = 4 };
	const unsigned char *b = blob;
	if (n < 4)
		return -1;
	uint32_t cookie = rd32(b), size;
	size_t pos;
	const unsigned char *runbits = NULL;
	if ((cookie & 0xffff) == COOKIE_RUN) {
		size = (cookie >> 16) + 1;
		runbits = b + 4;
		pos = 4 + (size + 7) / 8;
	} else if (cookie == COOKIE_NORUN) {
		if (n < 8)
			return -1;
		size = rd32(b + 4);
		pos = 8;
	} else {
		return -1;
	}
	if (pos > n || size > 65536 || (n - pos) / 4 < size)
		return -1;
	const unsigned char *keys = b + pos;
	pos += 4 * (size_t)size;
	bool offsets = !runbits || size >= NO_OFFSET_THRESHOLD;
	const unsigned char *offs = b + pos;
	if (offsets) {
		if ((n - pos) / 4 < size)
			return -1;
		pos += 4 * (size_t)size;
	}
	uint16_t key = (uint16_t)(x >> 16), lo = (uint16_t)x;
	uint32_t l = 0, h = size;
	while (l < h) {
		uint32_t m = (l + h) / 2;
		if (rd16(keys + 4 * m) < key)
			l = m + 1;
		else
			h = m;
	}
	if (l == size || rd16(keys + 4 * l) != key)
		return 0;
	uint32_t ci = l;
#define IS_RUN(i) (runbits && (runbits[(i) / 8] >> ((i) % 8) & 1))
#define CARD(i) ((uint32_t)rd16(keys + 4 * (i) + 2) + 1)
	size_t at;
	if (offsets) {
		at = rd32(offs + 4 * (size_t)ci);
	} else {
		/* fewer than 4 containers, with runs: walk the sizes */
		at = pos;
		for (uint32_t i = 0; i < ci; i++) {
			if (IS_RUN(i)) {
				if (at + 2 > n)
					return -1;
				at += 2 + 4 * (size_t)rd16(b + at);
			} else {
				at += CARD(i) > 4096 ? 8192 : 2 * (size_t)CARD(i);
			}
		}
	}
	if (at > n)
		return -1;
	const unsigned char *c = b + at;
	size_t left = n - at;
	if (IS_RUN(ci)) {
		if (left < 2)
			return -1;
		uint32_t nr = rd16(c);
		if ((left - 2) / 4 < nr)
			return -1;
		/* the last run starting at or before lo */
		uint32_t a = 0, z = nr;
		while (a < z) {
			uint32_t m = (a + z) / 2;
			if (rd16(c + 2 + 4 * m) <= lo)
				a = m + 1;
			else
				z = m;
		}
		if (a == 0)
			return 0;
		uint32_t st = rd16(c + 2 + 4 * (a - 1)), len = rd16(c + 2 + 4 * (a - 1) + 2);
		return lo <= st + len;
	}
	uint32_t card = CARD(ci);
	if (card > 4096) {
		if (left < 8192)
			return -1;
		return c[lo / 8] >> (lo % 8) & 1;
	}
	if (left / 2 < card)
		return -1;
	uint32_t a = 0, z = card;
	while (a < z) {
		uint32_t m = (a + z) / 2;
		if (rd16(c + 2 * m) < lo)
			a = m + 1;
		else
			z = m;
	}
	return a < card && rd16(c + 2 * a) == lo;
#undef IS_RUN
#undef CARD
}

/* ---- queries ------------------------------------------------------------------ */

static char *lower_dup(const char *s)
{
	char *d = strdup(s);
	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return d;
}

static void bind_opt_int(sqlite3_stmt *st, int ix, int64_t v)
{
	if (v != WEIR_ABSENT)
		sqlite3_bind_int64(st, ix, v);
}

/* [from, to) narrowed to --day's day when given. */
static void range_of(const struct weir_query_args *a, int64_t *lo, int64_t *hi)
{
	*lo = a->from;
	*hi = a->to;
	if (a->day != WEIR_ABSENT) {
		if (*lo == WEIR_ABSENT || *lo < a->day)
			*lo = a->day;
		if (*hi == WEIR_ABSENT || *hi > a->day + WEIR_MS_PER_DAY)
			*hi = a->day + WEIR_MS_PER_DAY;
	}
}

static int64_t limit_of(const struct weir_query_args *a)
{
	return a->limit < 0 ? -1 : a->limit; /* SQLite: a negative LIMIT is none */
}

/* The presence queries have their own grain: slots, or days for the daily
 * ones. --window names it or is an error. */
static int check_window(const char *q, bool daily, const struct weir_query_args *a, char *err, size_t errcap)
{
	if (a->window < 0 || (daily && a->window == WEIR_GRAIN_DAY))
		return 0;
	snprintf(err, errcap, "%s: --window %s: %s", q, weir_grain_name(a->window),
		 daily ? "presence is kept per day here (only --window day)"
		       : "presence is kept per 5-minute snapshot slot (no --window)");
	return WEIR_EINVAL;
}

/* Prepares a query's statement. A store written only by a weir without the
 * presence tables (and opened read-only) lacks them: no rows (1), no error. */
static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	*st = NULL;
	return strncmp(sqlite3_errmsg(db), "no such table", 13) == 0 ? 1 : WEIR_ESTORE;
}

/* Runs st and appends its rows, converting columns by the result's types. */
static int fill(sqlite3_stmt *st, struct weir_result *res)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct weir_cell *row = weir_result_row(res);
		if (!row)
			return WEIR_ENOMEM;
		for (uint32_t c = 0; c < res->ncols; c++) {
			if (res->types[c] == WEIR_C_TEXT) {
				row[c].s = weir_strndup(sqlite3_column_text(st, (int)c),
							(size_t)sqlite3_column_bytes(st, (int)c));
				if (!row[c].s)
					return WEIR_ENOMEM;
			} else if (res->types[c] == WEIR_C_REAL) {
				row[c].d = sqlite3_column_double(st, (int)c);
			} else {
				row[c].i = sqlite3_column_int64(st, (int)c);
			}
		}
	}
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

/* presence and presence-daily: one row per stored (channel, slot|day). */
static int q_rows(struct weir_store *s, bool daily, const struct weir_query_args *a, struct weir_result *res,
		  char *err, size_t errcap)
{
	static const char *const cols_s[] = {"snapshot", "channel", "present"};
	static const char *const cols_d[] = {"day", "channel", "distinct_users"};
	static const uint8_t types_s[] = {WEIR_C_TIME, WEIR_C_TEXT, WEIR_C_INT};
	static const uint8_t types_d[] = {WEIR_C_DAY, WEIR_C_TEXT, WEIR_C_INT};
	weir_result_init(res, 3, daily ? cols_d : cols_s, daily ? types_d : types_s);
	int rc = check_window(daily ? "presence-daily" : "presence", daily, a, err, errcap);
	if (rc)
		return rc;
	const char *sql = daily ? "SELECT p.day, ch.name, p.distinct_users FROM presence_days p"
				  " JOIN channels ch ON ch.id=p.channel_id WHERE (?1 IS NULL OR ch.name=?1)"
				  " AND (?2 IS NULL OR p.day>=?2) AND (?3 IS NULL OR p.day<?3)"
				  " ORDER BY ch.name, p.day LIMIT ?4"
				: "SELECT p.slot, ch.name, p.present FROM presence p"
				  " JOIN channels ch ON ch.id=p.channel_id WHERE (?1 IS NULL OR ch.name=?1)"
				  " AND (?2 IS NULL OR p.slot>=?2) AND (?3 IS NULL OR p.slot<?3)"
				  " ORDER BY ch.name, p.slot LIMIT ?4";
	sqlite3_stmt *st;
	if ((rc = prep(weir_store_sqlite(s), sql, &st)) != 0)
		return rc > 0 ? 0 : rc;
	char *ch = a->channel ? lower_dup(a->channel) : NULL;
	if (ch)
		sqlite3_bind_text(st, 1, ch, -1, SQLITE_TRANSIENT);
	free(ch);
	bind_opt_int(st, 2, a->from);
	bind_opt_int(st, 3, a->to);
	sqlite3_bind_int64(st, 4, limit_of(a));
	rc = fill(st, res);
	sqlite3_finalize(st);
	return rc;
}

static int run_presence(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
			char *err, size_t errcap)
{
	return q_rows(s, false, a, res, err, errcap);
}

static int run_presence_daily(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
			      char *err, size_t errcap)
{
	return q_rows(s, true, a, res, err, errcap);
}

static int run_viewers_over_day(struct weir_store *s, const struct weir_query_args *a,
				struct weir_result *res, char *err, size_t errcap)
{
	static const char *const cols[] = {"slot", "present", "channels"};
	static const uint8_t types[] = {WEIR_C_TIME, WEIR_C_INT, WEIR_C_INT};
	weir_result_init(res, 3, cols, types);
	int rc = check_window("viewers-over-day", false, a, err, errcap);
	if (rc)
		return rc;
	int64_t lo, hi;
	range_of(a, &lo, &hi);
	sqlite3_stmt *st;
	if ((rc = prep(weir_store_sqlite(s),
		       "SELECT slot, SUM(present), COUNT(*) FROM presence INDEXED BY presence_slot"
		       " WHERE (?1 IS NULL OR slot>=?1) AND (?2 IS NULL OR slot<?2)"
		       " GROUP BY slot ORDER BY slot LIMIT ?3",
		       &st)) != 0)
		return rc > 0 ? 0 : rc;
	bind_opt_int(st, 1, lo);
	bind_opt_int(st, 2, hi);
	sqlite3_bind_int64(st, 3, limit_of(a));
	rc = fill(st, res);
	sqlite3_finalize(st);
	return rc;
}

/* A user's global id; 0 and *found = false when the store never saw them. */
static int user_gid(struct weir_store *s, const char *name, int64_t *gid, bool *found)
{
	uint32_t id;
	int rc = weir_store_user_find(s, name, (uint32_t)strlen(name), &id);
	*found = id != 0;
	*gid = id;
	return rc;
}

struct sched {
	int64_t slot;
	char *channel;
};

static int cmp_sched(const void *x, const void *y)
{
	const struct sched *a = x, *b = y;
	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	return strcmp(a->channel, b->channel);
}

/*
 * user-schedule: the (slot, channel) pairs holding the user. Cost: one
 * in-place membership test per stored (channel, day) in the range, then one
 * per slot of the channel-days that hold the user (up to 288 each). No
 * per-user index is kept: the day bitmaps prune enough (docs/presence.md).
 */
static int run_user_schedule(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
			     char *err, size_t errcap)
{
	static const char *const cols[] = {"snapshot", "channel"};
	static const uint8_t types[] = {WEIR_C_TIME, WEIR_C_TEXT};
	weir_result_init(res, 2, cols, types);
	if (!a->user) {
		snprintf(err, errcap, "user-schedule needs --user");
		return WEIR_EINVAL;
	}
	int rc = check_window("user-schedule", false, a, err, errcap);
	if (rc)
		return rc;
	int64_t gid;
	bool found;
	if ((rc = user_gid(s, a->user, &gid, &found)) != 0 || !found)
		return rc;
	sqlite3 *db = weir_store_sqlite(s);
	sqlite3_stmt *days = NULL, *slots = NULL;
	struct sched *v = NULL;
	size_t nv = 0, capv = 0;
	if ((rc = prep(db,
		       "SELECT d.channel_id, ch.name, d.day, d.users FROM presence_days d"
		       " JOIN channels ch ON ch.id=d.channel_id"
		       " WHERE (?1 IS NULL OR d.day>?1) AND (?2 IS NULL OR d.day<?2)",
		       &days)) != 0 ||
	    (rc = prep(db,
		       "SELECT slot, users FROM presence WHERE channel_id=?1 AND slot>=?2 AND slot<?3"
		       " AND (?4 IS NULL OR slot>=?4) AND (?5 IS NULL OR slot<?5)",
		       &slots)) != 0) {
		rc = rc > 0 ? 0 : rc;
		goto out;
	}
	rc = WEIR_ESTORE;
	/* days that may hold a slot in [from, to) */
	if (a->from != WEIR_ABSENT)
		sqlite3_bind_int64(days, 1, a->from - WEIR_MS_PER_DAY);
	bind_opt_int(days, 2, a->to);
	int step;
	while ((step = sqlite3_step(days)) == SQLITE_ROW) {
		int in = weir_presence_blob_contains(sqlite3_column_blob(days, 3),
						     (size_t)sqlite3_column_bytes(days, 3), (uint32_t)gid);
		if (in < 0)
			goto out;
		if (!in)
			continue;
		int64_t day = sqlite3_column_int64(days, 2);
		const char *name = (const char *)sqlite3_column_text(days, 1);
		sqlite3_reset(slots);
		sqlite3_bind_int64(slots, 1, sqlite3_column_int64(days, 0));
		sqlite3_bind_int64(slots, 2, day);
		sqlite3_bind_int64(slots, 3, day + WEIR_MS_PER_DAY);
		bind_opt_int(slots, 4, a->from);
		bind_opt_int(slots, 5, a->to);
		int sstep;
		while ((sstep = sqlite3_step(slots)) == SQLITE_ROW) {
			in = weir_presence_blob_contains(sqlite3_column_blob(slots, 1),
							 (size_t)sqlite3_column_bytes(slots, 1),
							 (uint32_t)gid);
			if (in < 0)
				goto out;
			if (!in)
				continue;
			if (nv == capv) {
				capv = capv ? capv * 2 : 256;
				struct sched *nvv = realloc(v, capv * sizeof(*v));
				if (!nvv) {
					rc = WEIR_ENOMEM;
					goto out;
				}
				v = nvv;
			}
			v[nv].slot = sqlite3_column_int64(slots, 0);
			v[nv].channel = strdup(name);
			if (!v[nv++].channel) {
				rc = WEIR_ENOMEM;
				goto out;
			}
		}
		if (sstep != SQLITE_DONE)
			goto out;
	}
	if (step != SQLITE_DONE)
		goto out;
	if (nv)
		qsort(v, nv, sizeof(*v), cmp_sched);
	rc = 0;
	for (size_t i = 0; i < nv && (a->limit < 0 || (int64_t)i < a->limit); i++) {
		struct weir_cell *row = weir_result_row(res);
		if (!row) {
			rc = WEIR_ENOMEM;
			break;
		}
		row[0].i = v[i].slot;
		row[1].s = v[i].channel;
		v[i].channel = NULL; /* owned by the result now */
	}
out:
	for (size_t i = 0; i < nv; i++)
		free(v[i].channel);
	free(v);
	sqlite3_finalize(days);
	sqlite3_finalize(slots);
	return rc;
}

/* The day bitmaps of one channel in range, in day order. */
static int load_days(sqlite3 *db, const char *channel, const struct weir_query_args *a, int64_t **days,
		     roaring_bitmap_t ***bms, size_t *n)
{
	sqlite3_stmt *st;
	*days = NULL;
	*bms = NULL;
	*n = 0;
	int rc = prep(db,
		      "SELECT p.day, p.users FROM presence_days p JOIN channels ch ON ch.id=p.channel_id"
		      " WHERE ch.name=?1 AND (?2 IS NULL OR p.day>=?2) AND (?3 IS NULL OR p.day<?3)"
		      " ORDER BY p.day",
		      &st);
	if (rc)
		return rc > 0 ? 0 : rc;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	bind_opt_int(st, 2, a->from);
	bind_opt_int(st, 3, a->to);
	size_t cap = 0;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			int64_t *nd = realloc(*days, cap * sizeof(**days));
			if (nd)
				*days = nd;
			roaring_bitmap_t **nb = realloc(*bms, cap * sizeof(**bms));
			if (nb)
				*bms = nb;
			if (!nd || !nb) {
				rc = WEIR_ENOMEM;
				goto out;
			}
		}
		const void *b = sqlite3_column_blob(st, 1);
		int bn = sqlite3_column_bytes(st, 1);
		roaring_bitmap_t *bm =
		    b && bn > 0 ? roaring_bitmap_portable_deserialize_safe(b, (size_t)bn) : NULL;
		if (!bm) {
			rc = WEIR_ESTORE;
			goto out;
		}
		(*days)[*n] = sqlite3_column_int64(st, 0);
		(*bms)[(*n)++] = bm;
	}
	rc = step == SQLITE_DONE ? 0 : WEIR_ESTORE;
out:
	sqlite3_finalize(st);
	return rc;
}

static void free_days(int64_t *days, roaring_bitmap_t **bms, size_t n)
{
	for (size_t i = 0; i < n; i++)
		roaring_bitmap_free(bms[i]);
	free(bms);
	free(days);
}

/* overlap: per day with a snapshot of A or B, both audiences and their
 * intersection; jaccard = shared / |A ∪ B| (0 when both are empty). */
static int run_overlap(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
		       char *err, size_t errcap)
{
	static const char *const cols[] = {"day", "a", "b", "a_users", "b_users", "shared", "jaccard"};
	static const uint8_t types[] = {WEIR_C_DAY, WEIR_C_TEXT, WEIR_C_TEXT, WEIR_C_INT,
					WEIR_C_INT, WEIR_C_INT,	 WEIR_C_REAL};
	weir_result_init(res, 7, cols, types);
	if (!a->a || !a->b) {
		snprintf(err, errcap, "overlap needs --a and --b (two channels)");
		return WEIR_EINVAL;
	}
	int rc = check_window("overlap", true, a, err, errcap);
	if (rc)
		return rc;
	char *ca = lower_dup(a->a), *cb = lower_dup(a->b);
	int64_t *da = NULL, *db = NULL;
	roaring_bitmap_t **ba = NULL, **bb = NULL;
	size_t na = 0, nb = 0;
	rc = WEIR_ENOMEM;
	if (!ca || !cb)
		goto out;
	if ((rc = load_days(weir_store_sqlite(s), ca, a, &da, &ba, &na)) != 0 ||
	    (rc = load_days(weir_store_sqlite(s), cb, a, &db, &bb, &nb)) != 0)
		goto out;
	for (size_t i = 0, j = 0; (i < na || j < nb) && (a->limit < 0 || (int64_t)res->nrows < a->limit);) {
		int64_t day = i == na ? db[j] : j == nb ? da[i] : da[i] < db[j] ? da[i] : db[j];
		roaring_bitmap_t *x = i < na && da[i] == day ? ba[i++] : NULL;
		roaring_bitmap_t *y = j < nb && db[j] == day ? bb[j++] : NULL;
		uint64_t cx = x ? roaring_bitmap_get_cardinality(x) : 0;
		uint64_t cy = y ? roaring_bitmap_get_cardinality(y) : 0;
		uint64_t shared = x && y ? roaring_bitmap_and_cardinality(x, y) : 0;
		uint64_t uni = cx + cy - shared;
		struct weir_cell *row = weir_result_row(res);
		if (!row || !(row[1].s = strdup(ca)) || !(row[2].s = strdup(cb))) {
			rc = WEIR_ENOMEM;
			goto out;
		}
		row[0].i = day;
		row[3].i = (int64_t)cx;
		row[4].i = (int64_t)cy;
		row[5].i = (int64_t)shared;
		row[6].d = uni ? (double)shared / (double)uni : 0.0;
	}
	rc = 0;
out:
	free_days(da, ba, na);
	free_days(db, bb, nb);
	free(ca);
	free(cb);
	return rc;
}

const struct weir_query_def weir_q_presence = {"presence", "[--channel C]   snapshot,channel,present",
					       WEIR_QF_CHANNEL, run_presence};
const struct weir_query_def weir_q_presence_daily = {
    "presence-daily", "[--channel C]   day,channel,distinct_users", WEIR_QF_CHANNEL, run_presence_daily};
const struct weir_query_def weir_q_viewers_over_day = {
    "viewers-over-day", "[--day D]   slot,present,channels", WEIR_QF_DAY, run_viewers_over_day};
const struct weir_query_def weir_q_user_schedule = {"user-schedule", "--user U   snapshot,channel",
						    WEIR_QF_USER, run_user_schedule};
const struct weir_query_def weir_q_overlap = {
    "overlap", "--a A --b B   day,a,b,a_users,b_users,shared,jaccard", WEIR_QF_A | WEIR_QF_B, run_overlap};
