/*
 * sqlite_rejects.c — events an operator could not apply, kept in the store.
 *
 * A valid event can still be unusable for one analytic: a stream sample
 * claiming 10^9 viewers, or one so late that the samples it would sit
 * between are gone (docs/streams.md). "Never silently lost" means such an
 * event is counted AND findable: the operator calls weir_op_reject(), which
 * emits a record like any other; the writer inserts it into `rejects` in the
 * same transaction as the results and the checkpoint, so a crash and resume
 * neither loses nor repeats one. `weir query rejects` lists them.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/op.h"
#include "weir/store.h"

const char *const weir_schema_rejects =
    "CREATE TABLE IF NOT EXISTS rejects(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL,"
    " platform TEXT NOT NULL, channel TEXT NOT NULL, line INTEGER NOT NULL, op TEXT NOT NULL,"
    " reason TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS rejects_ts ON rejects(ts, line);";

struct reject_rec {
	struct weir_rec h;
	int64_t ts;
	uint64_t line;
	uint8_t kind, platform;
	const char *op, *reason;
	char detail[96];
	uint32_t nchannel;
	char channel[]; /* nchannel bytes */
};

static int reject_put(struct weir_rec *h, struct weir_writer *w)
{
	struct reject_rec *r = (struct reject_rec *)h;
	struct weir_store *s = weir_writer_store(w);
	sqlite3_stmt *st = weir_store_prepare(s, "INSERT INTO rejects(ts, kind, platform, channel, line, op,"
						 " reason, detail) VALUES(?,?,?,?,?,?,?,?)");
	if (!st)
		return WEIR_ESTORE;
	sqlite3_bind_int64(st, 1, r->ts);
	sqlite3_bind_text(st, 2, weir_kind_name(r->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, weir_platform_name(r->platform), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->channel, (int)r->nchannel, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)r->line);
	sqlite3_bind_text(st, 6, r->op, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->detail, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

static void reject_free(struct weir_rec *h)
{
	free(h);
}

bool weir_rec_is_reject(const struct weir_rec *r)
{
	return r->put == reject_put;
}

int weir_op_reject(const struct weir_op_env *env, const char *op, const struct weir_event *ev,
		   const char *reason, const char *detail)
{
	/* rare by nature: one allocation per rejected event is fine */
	struct reject_rec *r = calloc(1, sizeof(*r) + ev->channel.n + 1);
	if (!r)
		return WEIR_ENOMEM;
	r->h.put = reject_put;
	r->h.free = reject_free;
	r->h.worker = env->worker;
	r->ts = ev->ts;
	r->line = ev->line;
	r->kind = ev->kind;
	r->platform = ev->platform;
	r->op = op;
	r->reason = reason;
	snprintf(r->detail, sizeof(r->detail), "%s", detail ? detail : "");
	r->nchannel = ev->channel.n;
	if (ev->channel.n)
		memcpy(r->channel, ev->channel.p, ev->channel.n);
	env->emit(env->emit_ctx, &r->h);
	return 0;
}

static int run_rejects(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res,
		       char *err, size_t errcap)
{
	static const char *const cols[] = {"ts",   "kind", "platform", "channel",
					   "line", "op",   "reason",   "detail"};
	static const uint8_t types[] = {WEIR_C_TIME, WEIR_C_TEXT, WEIR_C_TEXT, WEIR_C_TEXT,
					WEIR_C_INT,  WEIR_C_TEXT, WEIR_C_TEXT, WEIR_C_TEXT};
	weir_result_init(res, 8, cols, types);
	if (a->window >= 0) {
		snprintf(err, errcap, "rejects: --window does not apply (a row per event; use --from/--to)");
		return WEIR_EINVAL;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(
		weir_store_sqlite(s),
		"SELECT ts, kind, platform, channel, line, op, reason, detail FROM rejects"
		" WHERE (?1 IS NULL OR ts>=?1) AND (?2 IS NULL OR ts<?2)"
		" AND (?3 IS NULL OR channel=?3) ORDER BY ts, line, kind, channel, id LIMIT ?4",
		-1, &st, NULL) != SQLITE_OK)
		return WEIR_ESTORE;
	if (a->from != WEIR_ABSENT)
		sqlite3_bind_int64(st, 1, a->from);
	if (a->to != WEIR_ABSENT)
		sqlite3_bind_int64(st, 2, a->to);
	if (a->channel)
		sqlite3_bind_text(st, 3, a->channel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->limit < 0 ? 1000 : a->limit);
	return weir_result_rows_from(res, st);
}

const struct weir_query_def weir_q_rejects = {
    "rejects", "[--channel C] [--limit N, default 1000]   ts,kind,platform,channel,line,op,reason,detail",
    WEIR_QF_CHANNEL, run_rejects};
