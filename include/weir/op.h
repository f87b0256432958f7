/*
 * op.h — analytics operators: how a family of analytics (chat, followers,
 * streams, presence, posts) plugs into the engine.
 *
 * An operator is a const struct of callbacks, listed once in the registry
 * (src/ops/registry.c). Each worker thread opens one instance per operator;
 * the instance owns the state of the keys routed to that worker, so it
 * needs no locks. The engine calls add() for every event of the kinds the
 * operator declares, then advance() with the batch's watermark; the
 * operator emits records (struct weir_rec) for what the watermark closed.
 * The writer thread calls each record's put() inside its transaction: put()
 * MERGES the record into the store (counts add, sets union), so late
 * corrections and repeated ingests are exact (store.h).
 *
 *	const struct weir_op weir_op_chat = {
 *		.name = "chat",
 *		.kinds = WEIR_OP_KIND(WEIR_KIND_CHAT),
 *		.open = chat_open, .add = chat_add, .advance = chat_advance,
 *		.stats = chat_stats, .close = chat_close,
 *	};
 */
#ifndef WEIR_OP_H
#define WEIR_OP_H

#include <stdbool.h>
#include <stdint.h>

#include "weir/event.h"

struct weir_store;
struct weir_writer;

/*
 * Header of every record. An operator's record type embeds it as its FIRST
 * member and sets put and free. Records are produced by one worker and
 * consumed by the writer; they own their memory (usually one arena).
 */
struct weir_rec {
	struct weir_rec *next; /* queue link: first, see engine.c */
	uint16_t worker;       /* producing worker (for weir_writer_user) */
	uint8_t op;	       /* producing operator's index in weir_ops[] (set by emit) */
	uint8_t stop;	       /* engine-internal: the writer's stop marker */
	uint64_t seq;	       /* set by emit: the producing worker's record number, from 1 */
	/* Merge into the store; runs on the writer thread inside a transaction.
	 * Returns 0 or a WEIR_E* code. */
	int (*put)(struct weir_rec *r, struct weir_writer *w);
	void (*free)(struct weir_rec *r);
};

/* The writer's services to put(). */
struct weir_store *weir_writer_store(struct weir_writer *w);
/* Global user id (store dictionary) of user `uid` of the dictionary of the
 * operator instance that produced r (each operator numbers its own users),
 * cached per worker and operator. */
int weir_writer_user(struct weir_writer *w, const struct weir_rec *r, uint32_t uid, struct weir_str name,
		     uint32_t *gid);
/* The same for n ids at once (gids[i] for uids[i]; gids may be uids, to map
 * in place): cache lookups are prefetched and new names go to the store in
 * batches. name(ctx, uid) gives the name of a user the writer has not seen. */
int weir_writer_users(struct weir_writer *w, const struct weir_rec *r, const uint32_t *uids, uint32_t n,
		      struct weir_str (*name)(const void *ctx, uint32_t uid), const void *ctx,
		      uint32_t *gids);
/* The same when the record carries each id's name: names[i] is uids[i]'s. */
int weir_writer_users_named(struct weir_writer *w, const struct weir_rec *r, const uint32_t *uids,
			    const struct weir_str *names, uint32_t n, uint32_t *gids);
/* Scratch memory for put(): at least `bytes`, owned by the writer, valid
 * until the next call. NULL when out of memory. */
void *weir_writer_scratch(struct weir_writer *w, size_t bytes);

struct weir_op_env {
	uint16_t worker;
	/* Hand a record to the writer (batched by the engine). */
	void (*emit)(void *ctx, struct weir_rec *r);
	void *emit_ctx;
	/* A read-only connection to the store, opened on first use, for
	 * operators that must see what earlier runs stored (dedup). NULL when
	 * the store held nothing at start. */
	struct weir_store *(*store_ro)(void *ctx);
	void *store_ctx;
	bool store_had_data;
	/* The highest seq of this worker's records that the store has committed
	 * (visible to store_ro): state older than that may be dropped and read
	 * back from the store when needed. NULL: nothing is ever known committed. */
	uint64_t (*committed)(void *ctx);
	/* How long (event time) operators keep duplicate-detection state in
	 * memory before relying on the store for it. */
	int64_t dedup_horizon_ms;
	/* How long (event time) behind the watermark the streams operator keeps
	 * each channel's samples to place late ones exactly (--streams-horizon). */
	int64_t streams_horizon_ms;
};

/* An event the operator `op` cannot apply (an impossible value, or too late
 * for any correction): recorded in the store's `rejects` table with the
 * results, in the same transaction (src/sinks/sqlite_rejects.c), so it is
 * never silently lost. reason: a short code; detail: free text (copied). */
int weir_op_reject(const struct weir_op_env *env, const char *op, const struct weir_event *ev,
		   const char *reason, const char *detail);
/* Whether r was made by weir_op_reject() (for tests that collect records). */
bool weir_rec_is_reject(const struct weir_rec *r);

/* Counters every operator reports (summed over workers in the summary). */
struct weir_op_stats {
	uint64_t events;      /* counted */
	uint64_t duplicates;  /* dropped: id seen before */
	uint64_t corrections; /* records emitted for windows reopened by late events */
	uint64_t records;
	uint64_t expired;  /* not applied: later than the operator's horizon for corrections */
	uint64_t rejected; /* not applied: a value the operator cannot accept (documented per family) */
};

#define WEIR_OP_KIND(k) (1u << (k))

struct weir_op {
	const char *name;
	unsigned kinds;				      /* WEIR_OP_KIND() bits of the event kinds it consumes */
	void *(*open)(const struct weir_op_env *env); /* NULL on out of memory */
	int (*add)(void *st, const struct weir_event *ev);
	int (*advance)(void *st, int64_t watermark); /* INT64_MAX: close everything */
	/* Checkpoint: emit everything accumulated so far as delta records and
	 * go on as if nothing happened (later events for the same windows emit
	 * further deltas). Optional: when NULL, advance(INT64_MAX) is used,
	 * which is right for operators whose windows can simply reopen. */
	int (*flush)(void *st);
	void (*stats)(void *st, struct weir_op_stats *out);
	void (*close)(void *st); /* frees; called after the writer has stopped */
};

/*
 * Defines operator `var` from a family's typed functions: prefix##_shard_new,
 * prefix##_add, prefix##_advance, prefix##_flush, prefix##_shard_free, and
 * `stats_fn` (filling struct weir_op_stats) — the void* adapters the table
 * needs are generated (calling a function through a pointer of another type
 * would be undefined behaviour):
 *
 *	WEIR_OP_DEFINE(weir_op_posts, "posts", WEIR_OP_KIND(WEIR_KIND_POST), weir_posts,
 *		       weir_posts_get_stats)
 */
#define WEIR_OP_DEFINE(var, opname, opkinds, prefix, stats_fn)                                               \
	static void *prefix##_op_open(const struct weir_op_env *env)                                         \
	{                                                                                                    \
		return prefix##_shard_new(env);                                                              \
	}                                                                                                    \
	static int prefix##_op_add(void *st, const struct weir_event *ev)                                    \
	{                                                                                                    \
		return prefix##_add(st, ev);                                                                 \
	}                                                                                                    \
	static int prefix##_op_advance(void *st, int64_t watermark)                                          \
	{                                                                                                    \
		return prefix##_advance(st, watermark);                                                      \
	}                                                                                                    \
	static int prefix##_op_flush(void *st)                                                               \
	{                                                                                                    \
		return prefix##_flush(st);                                                                   \
	}                                                                                                    \
	static void prefix##_op_stats(void *st, struct weir_op_stats *out)                                   \
	{                                                                                                    \
		stats_fn(st, out);                                                                           \
	}                                                                                                    \
	static void prefix##_op_close(void *st)                                                              \
	{                                                                                                    \
		prefix##_shard_free(st);                                                                     \
	}                                                                                                    \
	const struct weir_op var = {.name = opname,                                                          \
				    .kinds = opkinds,                                                        \
				    .open = prefix##_op_open,                                                \
				    .add = prefix##_op_add,                                                  \
				    .advance = prefix##_op_advance,                                          \
				    .flush = prefix##_op_flush,                                              \
				    .stats = prefix##_op_stats,                                              \
				    .close = prefix##_op_close}

/* The registry: every operator, NULL-terminated (src/ops/registry.c). */
extern const struct weir_op *const weir_ops[];

#endif
