/*
 * sketch.h — the SQLite store's per (channel, day) sketches
 * (src/sinks/sqlite_sketch.c, docs/sketches.md): a HyperLogLog of the
 * chatters and Space-Saving summaries of the words and the users, kept in
 * `chat_sketch` beside the exact rows they summarize, and the approximate
 * queries answered from them.
 *
 * The writer calls these from sqlite.c: chatters are added to a day's
 * HyperLogLog as day records arrive (register max: order-free), and the
 * days whose hour counts changed are marked and their summaries rebuilt
 * from the exact stored counts just before each commit.
 */
#ifndef WEIR_SINKS_SKETCH_H
#define WEIR_SINKS_SKETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "weir/store.h"

/* Capacity of the per-day Space-Saving summaries (docs/sketches.md). */
#define WEIR_SKETCH_TOPK 1024

extern const char *const weir_schema_sketch;

struct weir_sketch; /* the writer's state: days to rebuild, scratch */

/* Adds a day record's chatters (their names) to the day's HyperLogLog. */
int weir_sketch_chatters(struct weir_store *s, struct weir_sketch **sk, uint32_t cid, int64_t day,
			 const struct weir_str *names, uint32_t n);
/* Marks (cid, day) for a rebuild of its top-K summaries at the next commit. */
int weir_sketch_touch(struct weir_sketch **sk, uint32_t cid, int64_t day);
/* Writes the marks to chat_sketch_dirty (inside the open transaction): the
 * days are rebuilt by a later refresh, or after a crash by the next writer. */
int weir_sketch_mark(struct weir_store *s, struct weir_sketch *sk);
/* Writes the marks, then rebuilds the summaries of every marked day when due
 * (inside the open transaction). */
int weir_sketch_refresh(struct weir_store *s, struct weir_sketch *sk, bool final);
/* The end of an ingest in two steps (weir_store_finish): _build builds every
 * marked day's summaries into memory, in a read transaction (WEIR_ENOMEM
 * when they would take more than cap bytes); _write writes what it built
 * and clears the marks, in a write transaction of the same state of the
 * data. */
int weir_sketch_build(struct weir_store *s, struct weir_sketch *sk, size_t cap);
int weir_sketch_write(struct weir_store *s, struct weir_sketch *sk);
/* Rebuild summaries at most every ms while committing (0: at every commit). */
void weir_sketch_set_interval(struct weir_sketch **sk, int64_t ms);
/* Builds the sketches of every stored day once, for a store written before
 * sketches existed (its own transaction). */
int weir_sketch_backfill(struct weir_store *s, struct weir_sketch **sk, char *err, size_t errcap);
void weir_sketch_free(struct weir_sketch *sk);

/* top-words / top-users --approx. */
int weir_sketch_top(struct weir_store *s, bool words, const struct weir_query_args *a,
		    struct weir_result *res, char *err, size_t errcap);

#endif
