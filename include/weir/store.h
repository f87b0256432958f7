/*
 * store.h — where results go and where queries read them.
 *
 * Operators emit records (one per closed window, or a correction); the
 * writer thread hands them to the store, which MERGES each into what it
 * already holds: counts add, chatter sets union, word counts add. Closing
 * a window, a late correction and a second ingest touching the same minute
 * are therefore one code path, and results stay exact (events.md §3).
 *
 * URI: "sqlite:PATH" (default "sqlite:weir.db", env WEIR_STORE).
 * Schema: docs/store.md.
 */
#ifndef WEIR_STORE_H
#define WEIR_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "weir/common.h"
#include "weir/op.h"

/* Week windows are ISO weeks: Monday 00:00 UTC to the next Monday (only the
 * queries flagged WEIR_QF_WEEK keep them). */
enum weir_grain { WEIR_GRAIN_MINUTE = 0, WEIR_GRAIN_HOUR = 1, WEIR_GRAIN_DAY = 2, WEIR_GRAIN_WEEK = 3 };
const char *weir_grain_name(int g);
int weir_grain_from(const char *s); /* -1 if unknown */
int64_t weir_grain_ms(int g);
/* The start of the window of grain g that holds t. */
int64_t weir_grain_start(int g, int64_t t);

struct weir_wordcount {
	struct weir_str w;
	uint64_t count;
};

/*
 * A chat window's contribution (a delta). All arrays and word strings live
 * in `arena`, owned by the record; unames point into the producing worker's
 * user dictionary, which outlives the writer.
 */
struct weir_chat_rec {
	struct weir_rec h; /* first: put/free, queue link, worker */
	uint8_t grain;
	struct weir_str channel;
	int64_t start; /* window start, ms */
	uint64_t messages, words;
	uint32_t nusers;
	const uint32_t *uids;	       /* worker-local user ids */
	const struct weir_str *unames; /* their names */
	const uint32_t *ucounts;       /* hour only: messages per user, else NULL */
	uint32_t nids;
	const uint64_t *ids; /* minute only: new message id hashes */
	uint32_t nwords;
	const struct weir_wordcount *wordv; /* hour only: sorted by bytes */
	struct weir_arena arena;
};

void weir_chat_rec_free(struct weir_chat_rec *r);

struct weir_store;

/* Opens (creating and migrating unless readonly). err gets a one-line reason. */
int weir_store_open(const char *uri, bool readonly, struct weir_store **out, char *err, size_t errcap);
void weir_store_close(struct weir_store *s);
const char *weir_store_uri(struct weir_store *s);

/* The writer's page cache in MiB (default 16: small memory for endless
 * streams; large dictionaries, e.g. millions of users, ingest faster with more). */
int weir_store_set_cache(struct weir_store *s, int64_t mib);

int weir_store_begin(struct weir_store *s);
/* Writes what families hold back until a commit (posts' window rows), then commits. */
int weir_store_commit(struct weir_store *s);
/* Sketch summaries (docs/sketches.md) are rebuilt at every commit unless an
 * interval is set (the ingest sets one); weir_store_finish() rebuilds what
 * is still pending, in its own transaction (the end of an ingest). */
void weir_store_set_sketch_interval(struct weir_store *s, int64_t ms);
int weir_store_finish(struct weir_store *s);
/* The posts family's write-back cache of window rows, owned by the store. */
struct weir_posts_cache;
struct weir_posts_cache **weir_store_posts_cache(struct weir_store *s);

/* The id of a channel in the store's `channels` dictionary (created if
 * new, cached), shared by every family. */
int weir_store_channel_id(struct weir_store *s, struct weir_str name, int64_t *id);

/* Global user id for a name (created if new; the writer's connection only).
 * The writer keeps the user dictionary in memory and stores new names at
 * its next weir_store_commit (in autocommit mode: at once). */
int weir_store_user_id(struct weir_store *s, const char *name, uint32_t n, uint32_t *gid);
/* weir_store_user_id for n names at once (hash lookups pipelined). */
int weir_store_user_ids(struct weir_store *s, const struct weir_str *names, uint32_t n, uint32_t *gids);
/* The name of a global user id, as a new string the caller frees; *name is
 * NULL when the store has no such id. */
int weir_store_user_name(struct weir_store *s, uint32_t gid, char **name);
/* The global id of a name, 0 when the store has none (scans the stored
 * dictionary: meant for one lookup per query). */
int weir_store_user_find(struct weir_store *s, const char *name, uint32_t n, uint32_t *gid);
/* Merge a chat record; gids[i] is the global id of rec->uids[i]. */
int weir_store_chat_put(struct weir_store *s, const struct weir_chat_rec *r, const uint32_t *gids);
/* Whether the store held any results when it was opened (decides if
 * operators must look at it for duplicates). */
bool weir_store_has_data(struct weir_store *s);
/* Adds the stored message-id hashes of one channel-minute to `into` (a
 * struct weir_u64set *). */
int weir_store_chat_ids(struct weir_store *s, const char *channel, uint32_t n, int64_t minute, void *into);

/*
 * For the SQLite store's family files (src/sinks/sqlite_*.c): the
 * connection, and a statement prepared once per store and cached by the
 * ADDRESS of its SQL text (pass a static string), reset and unbound, ready
 * to bind. NULL on error.
 */
struct sqlite3;
struct sqlite3 *weir_store_sqlite(struct weir_store *s);
struct sqlite3_stmt *weir_store_prepare(struct weir_store *s, const char *sql);

/*
 * Checkpoints: how far a source has been read, saved in the same
 * transaction as the results of everything before that point (engine.c).
 * `source` identifies the input (its path and a hash of its first bytes).
 */
struct weir_checkpoint {
	uint64_t offset;     /* bytes (decompressed) of complete lines consumed */
	uint64_t line;	     /* lines consumed */
	int64_t max_ts;	     /* the watermark's base, INT64_MIN if none */
	int64_t dead_offset; /* size of the dead-letter file at that point */
	bool complete;	     /* the source was read to its end */
};
/* 1 and fills ck when a checkpoint exists, 0 when not, or WEIR_E*. */
int weir_store_checkpoint_get(struct weir_store *s, const char *source, struct weir_checkpoint *ck);
int weir_store_checkpoint_put(struct weir_store *s, const char *source, const char *path,
			      const struct weir_checkpoint *ck);

/* Record one finished ingest (for `weir status` and the docs' audit trail). */
int weir_store_log_ingest(struct weir_store *s, const char *sources, const char *summary_json);

/* ---- queries ---------------------------------------------------------------- */

enum weir_ctype { WEIR_C_INT, WEIR_C_REAL, WEIR_C_TEXT, WEIR_C_TIME, WEIR_C_DAY };

struct weir_cell {
	int64_t i;
	double d;
	char *s; /* owned by the result */
};

struct weir_result {
	uint32_t ncols;
	const char *const *cols;
	const uint8_t *types; /* enum weir_ctype per column */
	uint32_t nrows, cap;
	struct weir_cell *cells; /* nrows * ncols */
};

/* Filters a query may take (queries.md); common flags (--from, --to,
 * --window, --limit) are always allowed. */
enum {
	WEIR_QF_CHANNEL = 1 << 0,
	WEIR_QF_USER = 1 << 1,
	WEIR_QF_PLATFORM = 1 << 2,
	WEIR_QF_STREAMER = 1 << 3,
	WEIR_QF_GAME = 1 << 4,
	WEIR_QF_GENRE = 1 << 5,
	WEIR_QF_LANGUAGE = 1 << 6,
	WEIR_QF_CONSOLE = 1 << 7,
	WEIR_QF_BY = 1 << 8,
	WEIR_QF_A = 1 << 9,
	WEIR_QF_B = 1 << 10,
	WEIR_QF_TAG = 1 << 11,
	WEIR_QF_KEYWORD = 1 << 12,
	WEIR_QF_DAY = 1 << 13,
	WEIR_QF_APPROX = 1 << 14, /* --approx: answer from sketches (docs/sketches.md) */
	WEIR_QF_WEEK = 1 << 15,	  /* not a filter: the query accepts --window week */
};

struct weir_query_args {
	const char *channel, *user, *platform, *streamer, *game, *genre, *language, *console;
	const char *by, *a, *b, *tag, *keyword;
	int64_t from, to; /* WEIR_ABSENT when not given */
	int64_t day;	  /* --day: start of a UTC day, or WEIR_ABSENT */
	int window;	  /* enum weir_grain, -1 = the query's default */
	int64_t limit;	  /* -1 = the query's default */
	bool approx;	  /* --approx */
};

/* One named query. run() fills res (columns, types, rows); a bad argument
 * is WEIR_EINVAL with a message in err naming it. */
struct weir_query_def {
	const char *name;
	const char *usage; /* one line for --help: filters and columns */
	unsigned filters;  /* WEIR_QF_* it accepts */
	int (*run)(struct weir_store *s, const struct weir_query_args *a, struct weir_result *res, char *err,
		   size_t errcap);
};

/* Every query, NULL-terminated (src/sinks/queries.c). */
extern const struct weir_query_def *const weir_queries[];
const struct weir_query_def *weir_query_find(const char *name);

/* Runs a named query. Returns WEIR_EINVAL for an unknown name, with err naming it. */
int weir_store_query(struct weir_store *s, const char *name, const struct weir_query_args *a,
		     struct weir_result *res, char *err, size_t errcap);
void weir_result_free(struct weir_result *r);

/* Helpers for query implementations: set the columns, add a zeroed row
 * (NULL on out of memory), copy n bytes to a new C string. */
void weir_result_init(struct weir_result *r, uint32_t ncols, const char *const *cols, const uint8_t *types);
struct weir_cell *weir_result_row(struct weir_result *r);
char *weir_strndup(const void *p, size_t n);
/* Steps st to its end, one result row per statement row, each column read by
 * the result's column type (text copied; integers, times, days as int64;
 * NULL reads 0 or ""); finalizes st. Returns 0, WEIR_ENOMEM or WEIR_ESTORE. */
int weir_result_rows_from(struct weir_result *res, struct sqlite3_stmt *st);

#endif
