/*
 * followers.h — the followers analytics operator (events.md §4, second
 * bullet; queries.md "Followers") and the record it hands to the store.
 *
 * Per account (platform, channel) and window (minute, hour, day) the
 * operator keeps the first and last snapshot, the smallest and largest
 * count; per Twitch channel and hour, the last `stream` sample (its game
 * and language, for the rankings' filters); per account, the streamer the
 * latest followers event named. All three are semilattices: merging two
 * of them is commutative, associative and idempotent. So a late event, a
 * second ingest of overlapping data and any split of the events over
 * worker threads give the same stored values as one batch computation —
 * and a record applied twice changes nothing.
 *
 * Data flow: worker -> weir_fol_add() per followers/stream event ->
 * weir_fol_advance(watermark) closes windows into one struct weir_fol_rec
 * per call -> the writer's put() -> weir_store_followers_put()
 * (src/sinks/sqlite_followers.c), which merges each entry into its row.
 * An account's windows go to the store a day at a time: one entry per
 * (account, UTC day) with the day's minute windows encoded as a blob, when
 * the watermark passes the day's end (or at a checkpoint's flush), so the
 * store writes one row per account and day instead of one per window.
 */
#ifndef WEIR_OPS_FOLLOWERS_H
#define WEIR_OPS_FOLLOWERS_H

#include <stdbool.h>
#include <stdint.h>

#include "weir/event.h"
#include "weir/op.h"
#include "weir/store.h"

/* One account's counts in one window. Ties on equal ts pick the larger
 * count, for first as for last, so the result never depends on arrival
 * order. */
struct weir_fol_agg {
	int64_t first_ts, first; /* the snapshot with the smallest ts */
	int64_t last_ts, last;	 /* the snapshot with the largest ts */
	int64_t min, max;
};

void weir_fol_agg_init(struct weir_fol_agg *a, int64_t ts, int64_t count);
/* into := the aggregate of both (exact, idempotent). */
void weir_fol_agg_merge(struct weir_fol_agg *into, const struct weir_fol_agg *x);

/* A `stream` sample as the rankings' filters need it. An empty game or
 * language counts as absent (n == 0). */
struct weir_fol_sample {
	int64_t ts;
	struct weir_str game, language;
};

/* Total order of samples: ts, then game bytes, then language bytes (absent
 * first). The latest sample of an hour is the largest. Returns <0, 0, >0. */
int weir_fol_sample_cmp(const struct weir_fol_sample *a, const struct weir_fol_sample *b);

/* Link order: a later ts wins; equal ts, the larger name (bytes). */
int weir_fol_link_cmp(int64_t ts_a, struct weir_str a, int64_t ts_b, struct weir_str b);

/* One minute window of an account. */
struct weir_fol_min {
	int64_t start;
	struct weir_fol_agg agg;
};

/*
 * The minute windows of one account and UTC day as a blob, the store's
 * unit (follower_days): per window, in ascending start order,
 *   [varint minute-of-day delta − 1][varint first_ts − start][varint last_ts − first_ts]
 *   [zigzag first − previous window's last][zigzag last − first][zigzag first − min][zigzag max − first]
 * (differences wrap in 64 bits, so any counts round-trip). The encoding of
 * a list is unique, so equal windows give equal blobs. Hour and day windows
 * are folds of the minutes (weir_fol_agg_merge), computed when queried.
 */
#define WEIR_FOL_MIN_MAXBYTES 64 /* bytes one window takes at most */
/* Encodes v[0..n) (sorted by start, all in the day starting at `day`) into
 * out (room for n * WEIR_FOL_MIN_MAXBYTES); returns the length. */
size_t weir_fol_mins_encode(const struct weir_fol_min *v, uint32_t n, int64_t day, unsigned char *out);
struct weir_fol_mins_it {
	const unsigned char *p, *end;
	int64_t day, idx, prev_last;
};
void weir_fol_mins_begin(struct weir_fol_mins_it *it, const void *blob, size_t n, int64_t day);
/* 1 and *m while there is a window, 0 at the end, WEIR_ESTORE on a damaged blob. */
int weir_fol_mins_next(struct weir_fol_mins_it *it, struct weir_fol_min *m);

enum weir_fol_type {
	WEIR_FOL_DAY,	 /* platform, channel, start (the day), agg (the day's), minute windows */
	WEIR_FOL_LINK,	 /* platform, channel, streamer, ts */
	WEIR_FOL_STREAM, /* channel, start (the hour), sample */
};

struct weir_fol_entry {
	uint8_t type;	  /* enum weir_fol_type */
	uint8_t platform; /* DAY, LINK */
	struct weir_str channel;
	int64_t start;
	struct weir_fol_agg agg;       /* DAY */
	const unsigned char *mins;     /* DAY: the minute windows (weir_fol_mins_encode) */
	uint32_t nmins;		       /* DAY: bytes of mins */
	struct weir_str streamer;      /* LINK: lowercased */
	int64_t ts;		       /* LINK: ts of the event that named it */
	struct weir_fol_sample sample; /* STREAM */
};

/*
 * What one advance() closed, as deltas. The entries array and the record
 * live in `arena`, owned by the record; the strings point into the
 * producing worker's dictionary, which outlives the writer (op.h: close()
 * runs after the writer has stopped).
 */
struct weir_fol_rec {
	struct weir_rec h; /* first */
	uint32_t n;
	const struct weir_fol_entry *v;
	struct weir_arena arena;
};

void weir_fol_rec_free(struct weir_fol_rec *r);

/* Merges every entry of r into the store (writer thread, inside its
 * transaction). src/sinks/sqlite_followers.c. */
int weir_store_followers_put(struct weir_store *s, const struct weir_fol_rec *r);

/* The operator's state for one worker. */
struct weir_fol_shard;

struct weir_fol_shard *weir_fol_shard_new(const struct weir_op_env *env);
void weir_fol_shard_free(struct weir_fol_shard *s);
/* Hot path: one followers or stream event (others are ignored). 0 or WEIR_ENOMEM. */
int weir_fol_add(struct weir_fol_shard *s, const struct weir_event *ev);
/* Emits (one record) every window whose end is <= watermark: an account's
 * minute windows when their day ends, stream hours when the hour ends. */
int weir_fol_advance(struct weir_fol_shard *s, int64_t watermark);
/* Checkpoint: emits every open window; later events for them are not
 * counted as corrections. */
int weir_fol_flush(struct weir_fol_shard *s);
void weir_fol_get_stats(const struct weir_fol_shard *s, struct weir_op_stats *st);

/* The operator (op.h): kinds followers and stream, keyed by channel. */
extern const struct weir_op weir_op_followers;

#endif
