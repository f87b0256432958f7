/*
 * sqlite_query.c — the named queries of queries.md, answered from the
 * SQLite store.
 *
 * Counts per window are rows; top words and top users merge the per-hour
 * blobs of the requested range in a hash table and sort (count desc, then
 * bytes asc), so any range of hours is exact.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/store.h"
#include "core/table.h"
#include "sinks/blob.h"
#include "sinks/sketch.h"

#define res_row weir_result_row
#define dupn weir_strndup

static void bind_range(sqlite3_stmt *st, int ix, const struct weir_query_args *a)
{
	if (a->from != WEIR_ABSENT)
		sqlite3_bind_int64(st, ix, a->from);
	if (a->to != WEIR_ABSENT)
		sqlite3_bind_int64(st, ix + 1, a->to);
}

static char *lower_dup(const char *s)
{
	char *d = strdup(s);
	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return d;
}

static int q_chat(struct weir_store *s, int grain, const struct weir_query_args *a, struct weir_result *res)
{
	static const char *const cols_m[] = {"minute", "channel", "messages", "words", "chatters"};
	static const char *const cols_w[] = {"window", "channel", "messages", "words", "chatters"};
	static const uint8_t types_t[] = {WEIR_C_TIME, WEIR_C_TEXT, WEIR_C_INT, WEIR_C_INT, WEIR_C_INT};
	static const uint8_t types_d[] = {WEIR_C_DAY, WEIR_C_TEXT, WEIR_C_INT, WEIR_C_INT, WEIR_C_INT};
	res->ncols = 5;
	res->cols = grain == WEIR_GRAIN_MINUTE && a->window < 0 ? cols_m : cols_w;
	res->types = grain == WEIR_GRAIN_DAY ? types_d : types_t;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(weir_store_sqlite(s),
			       "SELECT c.start, ch.name, c.messages, c.words, c.chatters FROM chat c"
			       " JOIN channels ch ON ch.id=c.channel_id WHERE c.grain=?1"
			       " AND (?2 IS NULL OR ch.name=?2) AND (?3 IS NULL OR c.start>=?3)"
			       " AND (?4 IS NULL OR c.start<?4) ORDER BY ch.name, c.start",
			       -1, &st, NULL) != SQLITE_OK)
		return WEIR_ESTORE;
	sqlite3_bind_int(st, 1, grain);
	char *ch = a->channel ? lower_dup(a->channel) : NULL;
	if (ch)
		sqlite3_bind_text(st, 2, ch, -1, SQLITE_TRANSIENT);
	free(ch);
	bind_range(st, 3, a);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct weir_cell *row = res_row(res);
		if (!row) {
			sqlite3_finalize(st);
			return WEIR_ENOMEM;
		}
		row[0].i = sqlite3_column_int64(st, 0);
		row[1].s = dupn(sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1));
		row[2].i = sqlite3_column_int64(st, 2);
		row[3].i = sqlite3_column_int64(st, 3);
		row[4].i = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

struct top {
	const char *p; /* word bytes (top-words) */
	uint32_t n;
	uint32_t gid; /* top-users */
	uint64_t count;
	char *name; /* top-users: looked up */
};

static int cmp_top(const void *x, const void *y)
{
	const struct top *a = x, *b = y;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	const char *ap = a->name ? a->name : a->p, *bp = b->name ? b->name : b->p;
	uint32_t an = a->name ? (uint32_t)strlen(a->name) : a->n,
		 bn = b->name ? (uint32_t)strlen(b->name) : b->n;
	uint32_t n = an < bn ? an : bn;
	int c = memcmp(ap, bp, n);
	return c ? c : (an > bn) - (an < bn);
}

static int cmp_count(const void *x, const void *y)
{
	const struct top *a = x, *b = y;
	return a->count != b->count ? (a->count > b->count ? -1 : 1) : 0;
}

/* top-words / top-users: merge the per-hour blobs of one channel. */
static int q_top(struct weir_store *s, bool words, const struct weir_query_args *a, struct weir_result *res,
		 char *err, size_t errcap)
{
	static const char *const cols_w[] = {"word", "count"};
	static const char *const cols_u[] = {"user", "count"};
	static const uint8_t types[] = {WEIR_C_TEXT, WEIR_C_INT};
	res->ncols = 2;
	res->cols = words ? cols_w : cols_u;
	res->types = types;
	if (a->approx)
		return weir_sketch_top(s, words, a, res, err, errcap);
	if (!a->channel) {
		snprintf(err, errcap, "%s needs --channel (or --approx: every channel)",
			 words ? "top-words" : "top-users");
		return WEIR_EINVAL;
	}
	if (a->window == WEIR_GRAIN_MINUTE) {
		snprintf(err, errcap, "--window minute: %s are kept per hour; use hour or day",
			 words ? "word counts" : "user counts");
		return WEIR_EINVAL;
	}
	sqlite3 *db = weir_store_sqlite(s);
	sqlite3_stmt *st;
	const char *sql =
	    words ? "SELECT t.words FROM chat_words t JOIN channels ch ON ch.id=t.channel_id"
		    " WHERE ch.name=?1 AND (?2 IS NULL OR t.hour>=?2) AND (?3 IS NULL OR t.hour<?3)"
		  : "SELECT t.users FROM chat_users t JOIN channels ch ON ch.id=t.channel_id"
		    " WHERE ch.name=?1 AND (?2 IS NULL OR t.hour>=?2) AND (?3 IS NULL OR t.hour<?3)";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return WEIR_ESTORE;
	char *ch = lower_dup(a->channel);
	sqlite3_bind_text(st, 1, ch, -1, SQLITE_TRANSIENT);
	free(ch);
	bind_range(st, 2, a);
	struct weir_strmap m = {0};
	struct weir_u32map um = {0};
	struct weir_arena arena;
	weir_arena_init(&arena, 1 << 16);
	uint64_t *counts = NULL;
	uint32_t ncounts = 0, capcounts = 0;
	int rc = WEIR_ENOMEM;
	struct top *v = NULL;
	if (weir_strmap_init(&m, 1024) || weir_u32map_init(&um, 1024, 1))
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *b = sqlite3_column_blob(st, 0);
		struct weir_blob_it it = {b, b + sqlite3_column_bytes(st, 0), 0};
		const char *w;
		uint32_t n, gid;
		uint64_t c;
		for (;;) {
			uint32_t slot;
			if (words) {
				if (!weir_words_next(&it, &w, &n, &c))
					break;
				int isnew;
				struct weir_strent *e =
				    weir_strmap_get(&m, w, n, weir_hash(w, n), &arena, &isnew);
				if (!e)
					goto oom;
				if (isnew)
					e->val = ncounts;
				slot = e->val;
			} else {
				if (!weir_usercounts_next(&it, &gid, &c))
					break;
				/* map gid -> slot: the u32map value holds slot+1 */
				int r = weir_u32map_add(&um, gid, 0);
				if (r < 0)
					goto oom;
				uint32_t k = gid + 1, j = weir_mix32(k) & (um.cap - 1);
				while (um.keys[j] != k)
					j = (j + 1) & (um.cap - 1);
				if (r == 1)
					um.vals[j] = ncounts;
				slot = um.vals[j];
			}
			if (slot == ncounts) {
				if (ncounts == capcounts) {
					capcounts = capcounts ? capcounts * 2 : 1024;
					uint64_t *nc = realloc(counts, capcounts * sizeof(*nc));
					if (!nc)
						goto oom;
					counts = nc;
				}
				counts[ncounts++] = 0;
			}
			counts[slot] += c;
		}
	}
	if (rc != SQLITE_DONE) {
		rc = WEIR_ESTORE;
		goto out;
	}
	rc = WEIR_ENOMEM;
	v = calloc(ncounts ? ncounts : 1, sizeof(*v));
	if (!v)
		goto out;
	if (words) {
		for (uint32_t i = 0; i < m.cap; i++)
			if (m.e[i].hash) {
				struct top *t = &v[m.e[i].val];
				t->p = m.e[i].p;
				t->n = m.e[i].n;
				t->count = counts[m.e[i].val];
			}
	} else {
		for (uint32_t i = 0; i < um.cap; i++)
			if (um.keys[i]) {
				struct top *t = &v[um.vals[i]];
				t->gid = um.keys[i] - 1;
				t->count = counts[um.vals[i]];
			}
	}
	int64_t limit = a->limit < 0 ? 10 : a->limit;
	uint32_t keep = ncounts;
	if (!words && ncounts) {
		/* names only for the entries that can make the cut */
		qsort(v, ncounts, sizeof(*v), cmp_count);
		if ((uint64_t)limit < ncounts) {
			uint64_t cut = v[limit > 0 ? limit - 1 : 0].count;
			keep = (uint32_t)limit;
			while (keep < ncounts && v[keep].count == cut)
				keep++;
			if (limit == 0)
				keep = 0;
		}
		for (uint32_t i = 0; i < keep; i++) {
			rc = weir_store_user_name(s, v[i].gid, &v[i].name);
			if (rc)
				goto out;
			if (!v[i].name && !(v[i].name = strdup("?")))
				goto oom;
		}
		rc = WEIR_ENOMEM;
	}
	qsort(v, keep, sizeof(*v), cmp_top);
	for (uint32_t i = 0; i < keep && (int64_t)i < limit; i++) {
		struct weir_cell *row = res_row(res);
		if (!row)
			goto out;
		row[0].s = words ? dupn(v[i].p, v[i].n) : strdup(v[i].name);
		row[1].i = (int64_t)v[i].count;
	}
	rc = 0;
	goto out;
oom:
	rc = WEIR_ENOMEM;
out:
	if (v)
		for (uint32_t i = 0; i < ncounts; i++)
			free(v[i].name);
	free(v);
	free(counts);
	weir_strmap_free(&m);
	weir_u32map_free(&um);
	weir_arena_free(&arena);
	sqlite3_finalize(st);
	return rc;
}

static int run_chat_minutes(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
			    char *err, size_t errcap)
{
	if (a->window >= 0 && a->window != WEIR_GRAIN_MINUTE) {
		snprintf(err, errcap, "chat-minutes: --window is always minute (use `chat --window %s`)",
			 weir_grain_name(a->window));
		return WEIR_EINVAL;
	}
	return q_chat(s, WEIR_GRAIN_MINUTE, a, res);
}

static int run_chat(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res, char *err,
		    size_t errcap)
{
	return q_chat(s, a->window < 0 ? WEIR_GRAIN_HOUR : a->window, a, res);
}

static int run_top_words(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
			 char *err, size_t errcap)
{
	return q_top(s, true, a, res, err, errcap);
}

static int run_top_users(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
			 char *err, size_t errcap)
{
	return q_top(s, false, a, res, err, errcap);
}

const struct weir_query_def weir_q_chat_minutes = {"chat-minutes",
						   "[--channel C]   minute,channel,messages,words,chatters",
						   WEIR_QF_CHANNEL, run_chat_minutes};
const struct weir_query_def weir_q_chat = {
    "chat", "[--channel C] [--window W]   window,channel,messages,words,chatters", WEIR_QF_CHANNEL, run_chat};
const struct weir_query_def weir_q_top_words = {
    "top-words",
    "--channel C [--limit N]   word,count\n"
    "                 --approx [--channel C] [--limit N]   word,count,error (docs/sketches.md)",
    WEIR_QF_CHANNEL | WEIR_QF_APPROX, run_top_words};
const struct weir_query_def weir_q_top_users = {
    "top-users",
    "--channel C [--limit N]   user,count\n"
    "                 --approx [--channel C] [--limit N]   user,count,error",
    WEIR_QF_CHANNEL | WEIR_QF_APPROX, run_top_users};
