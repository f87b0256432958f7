/*
 * engine.h — the pipeline: sources -> parse/validate -> shard by key ->
 * worker threads with event-time windows -> writer thread -> store.
 *
 *   weir_engine_open()   starts the workers and the writer
 *   weir_engine_feed_*() reads input in the calling thread (the reader):
 *                        splits lines, parses, dead-letters, assigns the
 *                        watermark and routes batches to the workers
 *   weir_engine_close()  end of input: every window closes, the writer
 *                        commits, threads stop; fills the statistics
 *
 * See docs/architecture.md for the picture and the reasons.
 */
#ifndef WEIR_ENGINE_H
#define WEIR_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "weir/event.h"

enum weir_format { WEIR_FMT_NDJSON = 0, WEIR_FMT_IRC = 1 };

struct weir_engine_opts {
	int format;			/* enum weir_format */
	const char *store_uri;		/* "sqlite:PATH" */
	const char *dead_letter_path;	/* NDJSON file of rejected lines */
	int64_t lateness_ms;		/* allowed lateness (watermark = max ts - this) */
	int threads;			/* worker threads */
	size_t max_line;		/* longer lines are dead letters */
	int64_t commit_interval_ms;	/* writer commits at least this often (unseekable input) */
	int64_t checkpoint_interval_ms; /* files: results + position committed together this often */
	int64_t checkpoint_mib;		/* ... and every this many MiB of input */
	bool force;			/* ingest files even if a checkpoint says they are complete */
	int64_t streams_horizon_ms;	/* streams: samples kept this long to place late ones (op.h) */
	int64_t dedup_horizon_ms;    /* message ids kept in memory this long (event time), then read back */
	int64_t max_future_ms;	     /* events later than now + this are dead letters; <= 0: no limit */
	int64_t store_cache_mib;     /* the writer's store page cache in MiB; 0: the store's default */
	bool progress;		     /* progress line on stderr */
	volatile sig_atomic_t *stop; /* set by a signal handler: stop reading */
};

void weir_engine_opts_default(struct weir_engine_opts *o);

struct weir_engine_stats {
	uint64_t files, bytes, lines, blank, events, dead, late, duplicates, corrections, records;
	uint64_t files_skipped; /* already ingested completely (checkpoint) */
	uint64_t files_resumed; /* continued from a checkpoint */
	uint64_t checkpoints;
	uint64_t expired, rejected; /* events operators could not apply (op.h) */
	uint64_t by_kind[WEIR_KIND_COUNT];
	uint64_t reasons[WEIR_R_COUNT];
	uint64_t irc_skipped; /* valid IRC lines that are not chat */
	struct weir_irc_state irc;
	uint64_t unrouted; /* valid events of kinds this version does not analyse yet */
	double seconds;
	int64_t min_ts, max_ts;
};

struct weir_engine;

/* err receives a one-line reason on failure. */
int weir_engine_open(const struct weir_engine_opts *o, struct weir_engine **out, char *err, size_t errcap);
/* Reads a file ("-" = stdin; plain, gzip or zstd) to its end. */
int weir_engine_feed_file(struct weir_engine *e, const char *path, char *err, size_t errcap);
/* Feeds complete lines from memory (the simulator in `weir demo`); buf
 * must have WEIR_JSON_PADDING readable bytes after len. Batches are
 * dispatched at the end of the call, so results stay live. */
int weir_engine_feed_lines(struct weir_engine *e, const char *source, const char *buf, size_t len);
/* Current statistics (safe to call while feeding, from the feeding thread). */
void weir_engine_stats(struct weir_engine *e, struct weir_engine_stats *st);
/* Flush everything and stop. Fills st (may be NULL). Frees e. */
int weir_engine_close(struct weir_engine *e, struct weir_engine_stats *st, char *err, size_t errcap);

/* The statistics as one JSON object (caller frees). */
char *weir_engine_stats_json(const struct weir_engine_stats *st, const char *dead_letter_path);

#endif
