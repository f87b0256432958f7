/*
 * streams.h — the stream analytics operator (events.md §4, third bullet) and
 * the records it hands to the store (src/sinks/sqlite_streams.c).
 *
 * A `stream` sample of a live channel covers the time until the channel's
 * next `stream` event; the operator keeps each channel's recent samples in
 * ts order, turns every interval whose end the watermark has passed into
 * contributions to minute, hour and day windows (airtime, viewer-time, the
 * viewers of each covered piece for the peak, time per game and language)
 * and to the broadcast it belongs to (by `started_at`). A late sample that
 * lands between two samples whose interval was already stored emits a
 * correction: minus the old interval, plus the two new ones. Everything the
 * store receives is a delta, so corrections, checkpoints and split ingests
 * merge exactly (docs/streams.md).
 */
#ifndef WEIR_OPS_STREAMS_H
#define WEIR_OPS_STREAMS_H

#include "weir/event.h"
#include "weir/op.h"
#include "weir/store.h"

/* An interval longer than this counts as offline (events.md §4). */
#define WEIR_STREAMS_MAX_GAP_MS (10 * WEIR_MS_PER_MIN)
/* Samples reporting more viewers than this are impossible and dropped. */
#define WEIR_STREAMS_MAX_VIEWERS 100000000LL
/* How far behind the watermark a late sample can still be placed exactly
 * (default; WEIR_STREAMS_HORIZON, e.g. "2h", overrides it). */
#define WEIR_STREAMS_HORIZON_MS WEIR_MS_PER_HOUR

/* ---- records (operator -> writer) ------------------------------------------ */

/* Viewers of covered pieces in a window, as a signed count per value: the
 * store keeps the multiset so the peak stays exact when a correction
 * removes a piece. */
struct weir_streams_peak {
	int64_t viewers;
	int64_t count;
};

/* Covered time and viewer-time of one (game, language) in a window. An
 * absent game or language is the empty string. */
struct weir_streams_gl {
	struct weir_str game, lang;
	int64_t ms, vms;
};

/* One (grain, channel, window) delta. */
struct weir_streams_win {
	uint8_t grain;
	int64_t start;
	struct weir_str channel;
	int64_t ms, vms; /* covered ms, viewers x covered ms */
	uint32_t ngl, npk;
	const struct weir_streams_gl *gl;
	const struct weir_streams_peak *pk; /* sorted by viewers, no zero counts */
};

/* One broadcast (channel, started_at) delta. */
struct weir_streams_bc {
	struct weir_str channel;
	int64_t started_at;
	int64_t ms, vms;
	int64_t peak;	 /* max viewers of a covered sample; 0 = nothing new */
	int64_t end;	 /* end of a covered interval, WEIR_ABSENT = none */
	uint8_t end_set; /* 1: `end` replaces the stored ended_at (a correction); 0: max */
};

/* A channel's retained samples, kept in the store so that the next ingest
 * continues exactly where this one stopped (see streams.c for the blob). */
struct weir_streams_tail {
	struct weir_str channel;
	uint8_t pruned; /* older samples existed and were dropped */
	const unsigned char *blob;
	uint32_t len;
};

/*
 * What one advance() of one worker emits. The arrays live in `arena`, owned
 * by the record; channel, game and language strings point into the
 * producing shard's dictionaries, which outlive the writer.
 */
struct weir_streams_rec {
	struct weir_rec h;
	uint32_t nwin, nbc, ntail;
	const struct weir_streams_win *win;
	const struct weir_streams_bc *bc;
	const struct weir_streams_tail *tail;
	struct weir_arena arena;
};

void weir_streams_rec_free(struct weir_rec *r);

/* ---- store side (src/sinks/sqlite_streams.c) -------------------------------- */

/* Schema part run on every open of a SQLite store. */
extern const char *const weir_schema_streams;
/* The record's put(): merges it into the writer's store. */
int weir_streams_put(struct weir_rec *r, struct weir_writer *w);
/* The same merge for a store at hand (tests). */
int weir_store_streams_put(struct weir_store *s, const struct weir_streams_rec *r);
/*
 * A channel's saved tail: 1 and *blob (a copy in arena `a`), *len, *pruned
 * when there is one, 0 when not, or a WEIR_E* code.
 */
int weir_store_streams_tail(struct weir_store *s, struct weir_str channel, struct weir_arena *a,
			    const unsigned char **blob, uint32_t *len, int *pruned);

/* ---- the operator ------------------------------------------------------------ */

struct weir_streams_shard;

struct weir_streams_shard *weir_streams_shard_new(const struct weir_op_env *env);
void weir_streams_shard_free(struct weir_streams_shard *s);
/* Late samples older than this behind the watermark are dropped (counted). */
void weir_streams_set_horizon(struct weir_streams_shard *s, int64_t ms);
/* Hot path: one stream sample. Returns 0 or WEIR_ENOMEM/WEIR_ESTORE. */
int weir_streams_add(struct weir_streams_shard *s, const struct weir_event *ev);
/* Emits the intervals and windows the watermark made final (INT64_MAX: all). */
int weir_streams_advance(struct weir_streams_shard *s, int64_t watermark);
/* Checkpoint: emits every accumulated delta and the tails, then goes on. */
int weir_streams_flush(struct weir_streams_shard *s);

struct weir_streams_stats {
	struct weir_op_stats op;
	uint64_t expired;  /* older than the horizon: dropped */
	uint64_t rejected; /* impossible values (viewers above the maximum): dropped */
};
void weir_streams_get_stats(const struct weir_streams_shard *s, struct weir_streams_stats *st);

extern const struct weir_op weir_op_streams;

#endif
