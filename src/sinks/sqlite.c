/*
 * sqlite.c — the embedded default store (`sqlite:PATH`).
 *
 * One connection per user of the store: the writer thread owns a
 * read-write one and batches every record of an interval into one
 * transaction; workers may open read-only ones (WAL mode lets them read
 * while the writer writes) to load ids for deduplication; queries open
 * their own. Records are merged, never overwritten (see store.h).
 *
 * Layout (docs/store.md): channels and users are dictionaries (integer
 * ids; users in blocks of names, see "users" below); `chat` has one row
 * per (grain, channel, window start) with the
 * counts, the chatters as a CRoaring bitmap of user ids and, for minutes,
 * the sorted message-id hashes; `chat_words` and `chat_users` hold one
 * blob per (channel, hour) of sorted (word, count) and (user id, count);
 * `chat_sketch` the per (channel, day) sketches of sqlite_sketch.c, kept
 * up to date here (day records feed the HyperLogLog, commits rebuild the
 * top-K summaries of the days that changed).
 */
#include <pthread.h>
#include <roaring/roaring.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/store.h"
#include "core/table.h"
#include "sinks/blob.h"
#include "sinks/sketch.h"
#include "sinks/userdict.h"
#include "sinks/writeback.h"

/* 1: first release; 2: users as id-ordered name blocks (docs/store.md), follower_windows
 * became follower_days (docs/followers.md), post_stats gained week rows (docs/posts.md) */
#define SCHEMA_VERSION 2
#define USER_BLOCK_NAMES 4096 /* names per user_blocks row at most */

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS channels(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS user_blocks(first INTEGER PRIMARY KEY, names BLOB NOT NULL);"
    /* A rowid table with the key in its (automatic) index, not WITHOUT ROWID:
     * the rows are large (bitmap, id list) and overflow their page, and
     * SQLite compares keys against an overflowing cell by first copying its
     * whole payload, overflow pages included: with the rows in the key's
     * B-tree that copying was half of the chat writer's instructions (stores
     * created before keep their WITHOUT ROWID table; both read the same). */
    "CREATE TABLE IF NOT EXISTS chat(grain INTEGER NOT NULL, channel_id INTEGER NOT NULL,"
    " start INTEGER NOT NULL, messages INTEGER NOT NULL, words INTEGER NOT NULL,"
    " chatters INTEGER NOT NULL, users BLOB, ids BLOB,"
    " PRIMARY KEY(grain, channel_id, start));"
    "CREATE TABLE IF NOT EXISTS chat_words(channel_id INTEGER NOT NULL, hour INTEGER NOT NULL,"
    " words BLOB NOT NULL, PRIMARY KEY(channel_id, hour));"
    "CREATE TABLE IF NOT EXISTS chat_users(channel_id INTEGER NOT NULL, hour INTEGER NOT NULL,"
    " users BLOB NOT NULL, PRIMARY KEY(channel_id, hour));"
    "CREATE TABLE IF NOT EXISTS ingests(id INTEGER PRIMARY KEY, at TEXT NOT NULL,"
    " sources TEXT NOT NULL, summary TEXT NOT NULL);";

enum {
	ST_CHAN_GET,
	ST_CHAN_ADD,
	ST_CHAT_INS,
	ST_CHAT_GET,
	ST_CHAT_UPD,
	ST_WORDS_INS,
	ST_WORDS_GET,
	ST_WORDS_UPD,
	ST_USERS_INS,
	ST_USERS_GET,
	ST_USERS_UPD,
	ST_IDS_GET,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    "SELECT id FROM channels WHERE name=?1",
    "INSERT INTO channels(name) VALUES(?1)",
    "INSERT INTO chat VALUES(?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT DO NOTHING",
    "SELECT messages, words, users, ids FROM chat WHERE grain=?1 AND channel_id=?2 AND start=?3",
    "UPDATE chat SET messages=?4, words=?5, chatters=?6, users=?7, ids=?8"
    " WHERE grain=?1 AND channel_id=?2 AND start=?3",
    "INSERT INTO chat_words VALUES(?1,?2,?3) ON CONFLICT DO NOTHING",
    "SELECT words FROM chat_words WHERE channel_id=?1 AND hour=?2",
    "UPDATE chat_words SET words=?3 WHERE channel_id=?1 AND hour=?2",
    "INSERT INTO chat_users VALUES(?1,?2,?3) ON CONFLICT DO NOTHING",
    "SELECT users FROM chat_users WHERE channel_id=?1 AND hour=?2",
    "UPDATE chat_users SET users=?3 WHERE channel_id=?1 AND hour=?2",
    "SELECT c.ids FROM chat c JOIN channels ch ON ch.id=c.channel_id"
    " WHERE c.grain=0 AND ch.name=?1 AND c.start=?2",
};

#define MAX_CACHED_STMTS 64

struct weir_store {
	sqlite3 *db;
	/* statements prepared through weir_store_prepare(), keyed by their SQL text's address */
	const char *cached_sql[MAX_CACHED_STMTS];
	sqlite3_stmt *cached[MAX_CACHED_STMTS];
	char *uri;
	bool readonly;
	bool has_chat;
	struct weir_wb *wb; /* read-write stores: early writeback of the files (writeback.c) */
	sqlite3_stmt *st[ST_COUNT];
	struct weir_arena arena; /* cached names */
	struct weir_strmap chan_cache;
	struct weir_buf buf, buf2; /* blob scratch */
	struct weir_sketch *sk;	   /* writer: days whose sketches need a rebuild */
	int64_t version;	   /* schema version (1: the older `users` table, read-only) */
	/* the writer's user dictionary, loaded on first use (see "users" below) */
	struct weir_userdict users;
	bool users_loaded;
	uint32_t users_flushed;		      /* ids below this are in user_blocks */
	int64_t data_version;		      /* PRAGMA data_version when the dictionary was last synced */
	struct weir_posts_cache *posts_cache; /* post_stats rows written at commit (sqlite_posts.c) */
	/* WAL checkpoints run on a thread (see wal_hook): */
	bool source_done; /* a checkpoint of this transaction has complete=1: its
			     commit ends a source, and is checkpointed all */
	bool ckpt_last;	  /* ... and that checkpoint runs or ran on bg_th */
	bool bg_running;  /* bg_th is copying the WAL into the database */
	pthread_t bg_th;
	bool keep_wal;	     /* the close may leave the WAL (weir_store_finish) */
	uint32_t wal_frames; /* frames in the WAL after the last commit */
};

static void bg_join(struct weir_store *s);
static bool bg_start(struct weir_store *s);

/* SQLite's default: a commit that leaves this many WAL pages checkpoints. */
#define WAL_AUTOCHECKPOINT 1000
/* The close leaves a WAL of at most this many frames in place (4 MiB at
 * 16 KiB pages): see weir_store_finish. */
#define WAL_KEEP_FRAMES 256

/*
 * Called by SQLite after each commit of the writer's connection, in place of
 * its automatic checkpoint (which its default hook runs in the COMMIT, on
 * the writer's thread): a commit that leaves WAL_AUTOCHECKPOINT frames or
 * more starts a checkpoint on a thread instead (bg_checkpoint), unless one
 * still runs; the commit that ends a source waits for a running one and
 * starts another, so that everything it committed is copied. Where no
 * thread can be started, the checkpoint runs here as SQLite's would.
 */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct weir_store *s = arg;
	s->wal_frames = frames > 0 ? (uint32_t)frames : 0;
	if (s->source_done) {
		s->source_done = false;
		bg_join(s);
		s->ckpt_last = bg_start(s);
		if (!s->ckpt_last)
			sqlite3_wal_checkpoint(db, name);
	} else if (frames >= WAL_AUTOCHECKPOINT && !bg_start(s) && !s->bg_running) {
		sqlite3_wal_checkpoint(db, name);
	}
	return SQLITE_OK;
}

int weir_store_posts_sync(struct weir_store *s, struct weir_posts_cache *c);
void weir_store_posts_cache_free(struct weir_posts_cache *c);

struct weir_posts_cache **weir_store_posts_cache(struct weir_store *s)
{
	return &s->posts_cache;
}

const char *weir_grain_name(int g)
{
	return g == WEIR_GRAIN_MINUTE ? "minute"
	       : g == WEIR_GRAIN_HOUR ? "hour"
	       : g == WEIR_GRAIN_DAY  ? "day"
	       : g == WEIR_GRAIN_WEEK ? "week"
				      : "?";
}

int weir_grain_from(const char *s)
{
	if (!strcmp(s, "minute"))
		return WEIR_GRAIN_MINUTE;
	if (!strcmp(s, "hour"))
		return WEIR_GRAIN_HOUR;
	if (!strcmp(s, "day"))
		return WEIR_GRAIN_DAY;
	if (!strcmp(s, "week"))
		return WEIR_GRAIN_WEEK;
	return -1;
}

int64_t weir_grain_ms(int g)
{
	static const int64_t ms[4] = {WEIR_MS_PER_MIN, WEIR_MS_PER_HOUR, WEIR_MS_PER_DAY,
				      7 * WEIR_MS_PER_DAY};
	return ms[g];
}

int64_t weir_grain_start(int g, int64_t t)
{
	/* 1970-01-01 was a Thursday: ISO weeks start 4 days after the epoch, modulo 7 */
	if (g == WEIR_GRAIN_WEEK)
		return weir_floor(t - 4 * WEIR_MS_PER_DAY, 7 * WEIR_MS_PER_DAY) + 4 * WEIR_MS_PER_DAY;
	return weir_floor(t, weir_grain_ms(g));
}

void weir_chat_rec_free(struct weir_chat_rec *r)
{
	if (!r)
		return;
	struct weir_arena a = r->arena; /* r lives inside its own arena */
	weir_arena_free(&a);
}

static int exec(struct weir_store *s, const char *sql, char *err, size_t errcap)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (err)
			snprintf(err, errcap, "%s: %s", s->uri, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return WEIR_ESTORE;
	}
	return 0;
}

static int64_t scalar(struct weir_store *s, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st;
	int64_t v = dflt;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int step_done(sqlite3_stmt *st);

/* Tables of the other analytics families (their own files in src/sinks/),
 * created alongside; each part must be idempotent (IF NOT EXISTS). */
extern const char *const weir_schema_presence;
extern const char *const weir_schema_followers;
extern const char *const weir_schema_streams;
extern const char *const weir_schema_posts;
extern const char *const weir_schema_rejects;
int weir_store_followers_migrate(struct weir_store *s);
int weir_store_posts_migrate(struct weir_store *s);
static const char *const *const schema_parts[] = {
    &weir_schema_presence,
    &weir_schema_followers,
    &weir_schema_streams,
    &weir_schema_posts,
    &weir_schema_sketch,
    &weir_schema_rejects,
    NULL,
};

/* Source positions saved with the results they produced (engine.c). */
static const char *const checkpoints_sql =
    "CREATE TABLE IF NOT EXISTS checkpoints(source TEXT PRIMARY KEY, path TEXT NOT NULL,"
    " offset INTEGER NOT NULL, line INTEGER NOT NULL, max_ts INTEGER, dead_offset INTEGER NOT NULL,"
    " complete INTEGER NOT NULL, updated TEXT NOT NULL);";

static int create_family_tables(struct weir_store *s, char *err, size_t errcap)
{
	if (exec(s, checkpoints_sql, err, errcap) != 0)
		return WEIR_ESTORE;
	for (int i = 0; schema_parts[i]; i++)
		if (exec(s, *schema_parts[i], err, errcap) != 0)
			return WEIR_ESTORE;
	return 0;
}

/* ---- users ------------------------------------------------------------------
 *
 * The global user dictionary (user ids shared by every family's bitmaps) is
 * stored as `user_blocks(first, names)`: the names of ids first, first+1,
 * ... as [varint length][bytes], at most USER_BLOCK_NAMES a row, written in
 * id order — appends to the table's B-tree. There is no index by name: an
 * indexed insert per new user (one random B-tree insert into an index far
 * larger than the page cache) was the whole cost of ingesting millions of
 * users. Instead the writer holds every name in memory (userdict.h), loaded
 * from the blocks on first use, and assigns new ids there; the names it
 * created are written as blocks just before each COMMIT, in the same
 * transaction as the records that use their ids, so a crash keeps both or
 * neither, and a restarted writer reloads exactly what was committed.
 * Queries map an id to its name with one block read, and a name to its id
 * by scanning the blocks (weir_store_user_find).
 */

struct blockw {
	uint32_t first, count;
	struct weir_buf b;
};

static int block_emit(struct weir_store *s, struct blockw *w)
{
	static const char sql[] = "INSERT INTO user_blocks VALUES(?1,?2)";
	sqlite3_stmt *st = weir_store_prepare(s, sql);
	if (!st)
		return WEIR_ESTORE;
	sqlite3_bind_int64(st, 1, w->first);
	sqlite3_bind_blob(st, 2, w->b.p, (int)w->b.len, SQLITE_STATIC);
	int rc = step_done(st);
	w->count = 0;
	w->b.len = 0;
	return rc;
}

/* Appends id's name to the block being built; a gap in the ids or a full
 * block starts the next row. */
static int block_add(struct weir_store *s, struct blockw *w, uint32_t id, const char *p, uint32_t n)
{
	if (w->count && (id != w->first + w->count || w->count == USER_BLOCK_NAMES)) {
		int rc = block_emit(s, w);
		if (rc)
			return rc;
	}
	if (!w->count)
		w->first = id;
	if ((size_t)n > INT32_MAX - 16 - w->b.len || weir_buf_reserve(&w->b, 5 + (size_t)n) != 0)
		return WEIR_ENOMEM;
	uint32_t v = n;
	do {
		unsigned char c = (unsigned char)(v & 0x7f);
		v >>= 7;
		w->b.p[w->b.len++] = (unsigned char)(c | (v ? 0x80 : 0));
	} while (v);
	memcpy(w->b.p + w->b.len, p, n);
	w->b.len += n;
	w->count++;
	return 0;
}

static int block_end(struct weir_store *s, struct blockw *w)
{
	int rc = w->count ? block_emit(s, w) : 0;
	weir_buf_free(&w->b);
	return rc;
}

/* The next name of a block: 1 and fills *p, *n; 0 at its end; -1 if it is
 * malformed. */
static int block_next(const unsigned char **cur, const unsigned char *end, const char **p, uint32_t *n)
{
	const unsigned char *q = *cur;
	if (q >= end)
		return 0;
	uint64_t len = 0;
	for (int shift = 0;; shift += 7) {
		if (q >= end || shift > 28)
			return -1;
		unsigned char b = *q++;
		len |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	if (len > (uint64_t)(end - q))
		return -1;
	*p = (const char *)q;
	*n = (uint32_t)len;
	*cur = q + len;
	return 1;
}

/* Schema 1 -> 2: the `users(id, name UNIQUE)` rows become blocks. */
static int users_to_blocks(struct weir_store *s, char *err, size_t errcap)
{
	if (scalar(s, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='users'", 0) == 0)
		return 0; /* nothing to convert (a store that never held a user) */
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT id, name FROM users ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errcap, "%s: %s", s->uri, sqlite3_errmsg(s->db));
		return WEIR_ESTORE;
	}
	struct blockw w = {0};
	int rc = 0, step;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *p = (const char *)sqlite3_column_text(st, 1);
		if (id < 1 || id >= UINT32_MAX || !p)
			continue;
		rc = block_add(s, &w, (uint32_t)id, p, (uint32_t)sqlite3_column_bytes(st, 1));
	}
	if (!rc && step != SQLITE_DONE)
		rc = WEIR_ESTORE;
	sqlite3_finalize(st);
	int rc2 = block_end(s, &w);
	if (!rc)
		rc = rc2;
	if (!rc)
		rc = exec(s, "DROP TABLE users", err, errcap);
	else
		snprintf(err, errcap, "%s: converting the users table: %s", s->uri, sqlite3_errmsg(s->db));
	return rc;
}

static int64_t data_version(struct weir_store *s)
{
	static const char sql[] = "PRAGMA data_version";
	sqlite3_stmt *st = weir_store_prepare(s, sql);
	int64_t v = -1;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return v;
}

/* Adds to the dictionary the blocks it does not hold yet (all of them the
 * first time; afterwards those another connection committed). */
static int users_sync(struct weir_store *s)
{
	static const char sql[] = "SELECT first, names FROM user_blocks WHERE first >= ?1 ORDER BY first";
	sqlite3_stmt *st = weir_store_prepare(s, sql);
	if (!st)
		return WEIR_ESTORE;
	sqlite3_bind_int64(st, 1, s->users.next);
	int rc = 0, step;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t first = sqlite3_column_int64(st, 0);
		const unsigned char *b = sqlite3_column_blob(st, 1);
		const unsigned char *end = b + sqlite3_column_bytes(st, 1);
		const char *p;
		uint32_t n;
		int more;
		for (int64_t id = first; b && (more = block_next(&b, end, &p, &n)) != 0 && !rc; id++) {
			if (more < 0 || id < s->users.next || id >= UINT32_MAX - 1)
				rc = WEIR_ESTORE;
			else
				rc = weir_userdict_add(&s->users, p, n, (uint32_t)id);
		}
	}
	if (!rc && step != SQLITE_DONE)
		rc = WEIR_ESTORE;
	sqlite3_reset(st);
	s->users_flushed = s->users.next;
	s->data_version = data_version(s);
	return rc;
}

/* Forgets the dictionary (after a failed commit): it is reloaded from what
 * the store holds on next use. */
static void users_drop(struct weir_store *s)
{
	weir_userdict_free(&s->users);
	s->users_loaded = false;
	s->users_flushed = 0;
}

/* Loads the dictionary on first use, and catches up with another writer's
 * commits (two `weir ingest` into one store take turns, never overlap). */
static int users_ready(struct weir_store *s)
{
	if (s->users_loaded && data_version(s) == s->data_version)
		return 0;
	int rc = users_sync(s);
	if (rc) {
		users_drop(s);
		return rc;
	}
	s->users_loaded = true;
	return 0;
}

/* Writes the names created since the last flush, in id order. */
static int users_flush(struct weir_store *s)
{
	struct blockw w = {0};
	int rc = 0;
	for (uint32_t id = s->users_flushed; id < s->users.next && !rc; id++) {
		struct weir_str nm = weir_userdict_name(&s->users, id);
		if (nm.p)
			rc = block_add(s, &w, id, nm.p, nm.n);
	}
	int rc2 = block_end(s, &w);
	if (!rc)
		rc = rc2;
	if (!rc)
		s->users_flushed = s->users.next;
	return rc;
}

int weir_store_user_id(struct weir_store *s, const char *name, uint32_t n, uint32_t *gid)
{
	struct weir_str nm = {.p = name, .n = n};
	return weir_store_user_ids(s, &nm, 1, gid);
}

int weir_store_user_ids(struct weir_store *s, const struct weir_str *names, uint32_t n, uint32_t *gids)
{
	if (s->readonly)
		return WEIR_ESTORE;
	bool autocommit = sqlite3_get_autocommit(s->db) != 0;
	if (!s->users_loaded || autocommit) {
		int rc = users_ready(s);
		if (rc)
			return rc;
	}
	int rc = weir_userdict_get_many(&s->users, names, n, gids);
	if (!rc && autocommit)
		rc = users_flush(s);
	return rc;
}

int weir_store_user_name(struct weir_store *s, uint32_t gid, char **name)
{
	*name = NULL;
	if (s->users_loaded) {
		struct weir_str nm = weir_userdict_name(&s->users, gid);
		if (nm.p && !(*name = weir_strndup(nm.p, nm.n)))
			return WEIR_ENOMEM;
		return 0;
	}
	static const char sql1[] = "SELECT name FROM users WHERE id=?1";
	static const char sql2[] =
	    "SELECT first, names FROM user_blocks WHERE first <= ?1 ORDER BY first DESC LIMIT 1";
	sqlite3_stmt *st = weir_store_prepare(s, s->version == 1 ? sql1 : sql2);
	if (!st)
		return WEIR_ESTORE;
	sqlite3_bind_int64(st, 1, gid);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && s->version == 1) {
		*name = weir_strndup(sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	} else if (rc == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const unsigned char *b = sqlite3_column_blob(st, 1);
		const unsigned char *end = b + sqlite3_column_bytes(st, 1);
		const char *p;
		uint32_t n;
		while (b && block_next(&b, end, &p, &n) == 1)
			if (id++ == gid) {
				*name = weir_strndup(p, n);
				break;
			}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return WEIR_ESTORE;
	return rc == SQLITE_ROW && *name == NULL && s->version == 1 ? WEIR_ENOMEM : 0;
}

int weir_store_user_find(struct weir_store *s, const char *name, uint32_t n, uint32_t *gid)
{
	*gid = 0;
	if (s->users_loaded) {
		*gid = weir_userdict_find(&s->users, name, n);
		return 0;
	}
	static const char sql1[] = "SELECT id FROM users WHERE name=?1";
	static const char sql2[] = "SELECT first, names FROM user_blocks";
	sqlite3_stmt *st = weir_store_prepare(s, s->version == 1 ? sql1 : sql2);
	if (!st)
		return WEIR_ESTORE;
	if (s->version == 1)
		sqlite3_bind_text(st, 1, name, (int)n, SQLITE_STATIC);
	int rc = SQLITE_DONE;
	while (!*gid && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (s->version == 1) {
			*gid = (uint32_t)sqlite3_column_int64(st, 0);
			break;
		}
		int64_t id = sqlite3_column_int64(st, 0);
		const unsigned char *b = sqlite3_column_blob(st, 1);
		const unsigned char *end = b + sqlite3_column_bytes(st, 1);
		const char *p;
		uint32_t pn;
		for (; b && block_next(&b, end, &p, &pn) == 1; id++)
			if (pn == n && memcmp(p, name, n) == 0) {
				*gid = (uint32_t)id;
				break;
			}
	}
	sqlite3_reset(st);
	return *gid || rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

static int migrate(struct weir_store *s, char *err, size_t errcap)
{
	int64_t have = scalar(s, "SELECT CAST(value AS INTEGER) FROM meta WHERE key='schema_version'", 0);
	if (have > SCHEMA_VERSION) {
		snprintf(err, errcap, "%s: schema version %lld is newer than this weir (%d)", s->uri,
			 (long long)have, SCHEMA_VERSION);
		return WEIR_ESCHEMA;
	}
	if (have == SCHEMA_VERSION)
		return create_family_tables(s, err, errcap);
	/* Version 0 (new file) or 1 -> 2, in one transaction. */
	if (exec(s, "BEGIN IMMEDIATE", err, errcap) != 0)
		return WEIR_ESTORE;
	int rc = exec(s, schema_sql, err, errcap);
	if (!rc)
		rc = create_family_tables(s, err, errcap);
	if (!rc && have == 1)
		rc = users_to_blocks(s, err, errcap);
	if (!rc && have == 1 && (rc = weir_store_followers_migrate(s)) != 0)
		snprintf(err, errcap, "%s: migrating the followers tables: %s", s->uri,
			 sqlite3_errmsg(s->db));
	if (!rc && have == 1 && (rc = weir_store_posts_migrate(s)) != 0)
		snprintf(err, errcap, "%s: adding week windows to post_stats: %s", s->uri,
			 sqlite3_errmsg(s->db));
	if (!rc)
		rc = exec(s,
			  "INSERT INTO meta VALUES('schema_version','2') ON CONFLICT(key) DO UPDATE SET "
			  "value=excluded.value;"
			  "INSERT INTO meta VALUES('created_by','weir') ON CONFLICT DO NOTHING;",
			  err, errcap);
	if (rc) {
		exec(s, "ROLLBACK", NULL, 0);
		return WEIR_ESTORE;
	}
	return exec(s, "COMMIT", err, errcap);
}

/* SQLite's memory statistics take a global mutex around every sqlite3_malloc
 * and free (a few percent of the writer's CPU); weir never reads them. Must
 * precede SQLite's initialization; too late (SQLITE_MISUSE) changes nothing. */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int weir_store_open(const char *uri, bool readonly, struct weir_store **out, char *err, size_t errcap)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_setup);
	if (strncmp(uri, "sqlite:", 7) != 0) {
		const char *colon = strchr(uri, ':');
		snprintf(err, errcap, "store '%s': unknown scheme '%.*s' (expected sqlite:PATH)", uri,
			 colon ? (int)(colon - uri) : (int)strlen(uri), uri);
		return WEIR_EINVAL;
	}
	const char *path = uri + 7;
	if (!*path) {
		snprintf(err, errcap, "store '%s': empty path", uri);
		return WEIR_EINVAL;
	}
	struct weir_store *s = calloc(1, sizeof(*s));
	if (!s)
		return WEIR_ENOMEM;
	s->uri = strdup(uri);
	s->readonly = readonly;
	s->version = SCHEMA_VERSION;
	weir_userdict_init(&s->users);
	weir_arena_init(&s->arena, 1 << 16);
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	flags |= SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errcap, "store %s: %s", uri, s->db ? sqlite3_errmsg(s->db) : "cannot open");
		weir_store_close(s);
		return WEIR_ESTORE;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (!readonly) {
		/* page_size applies to a new file only (before WAL mode is set): 16 KiB
		 * pages hold the blob-heavy rows (bitmaps, id lists, count blobs) with
		 * fewer overflow pages and B-tree levels: chat writer CPU -18% */
		if (exec(s,
			 "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			 " PRAGMA cache_size=-16384;"
			 "PRAGMA temp_store=MEMORY;",
			 err, errcap) != 0 ||
		    migrate(s, err, errcap) != 0 || weir_sketch_backfill(s, &s->sk, err, errcap) != 0) {
			weir_store_close(s);
			return WEIR_ESTORE;
		}
		sqlite3_wal_hook(s->db, wal_hook, s);
		s->wb = weir_wb_start(path);
	} else {
		int64_t v =
		    scalar(s, "SELECT CAST(value AS INTEGER) FROM meta WHERE key='schema_version'", -1);
		if (v < 0) {
			snprintf(err, errcap,
				 "store %s: not a weir store (no schema); ingest something first", uri);
			weir_store_close(s);
			return WEIR_ESTORE;
		}
		if (v > SCHEMA_VERSION) {
			snprintf(err, errcap, "store %s: schema version %lld is newer than this weir", uri,
				 (long long)v);
			weir_store_close(s);
			return WEIR_ESCHEMA;
		}
		s->version = v;
		if (v < SCHEMA_VERSION) {
			/* an older store: migrate it once (read-write), then read it */
			weir_store_close(s);
			struct weir_store *rw;
			int rc = weir_store_open(uri, false, &rw, err, errcap);
			if (rc)
				return rc;
			weir_store_close(rw);
			return weir_store_open(uri, true, out, err, errcap);
		}
		/* Readers map the file instead of copying pages in (pread): a scan
		 * of many chat rows looks each up in the table by rowid, in arrival
		 * order, far beyond a small page cache (docs/store.md). Best effort. */
		exec(s, "PRAGMA mmap_size=268435456", NULL, 0);
	}
	for (int i = 0; i < ST_COUNT; i++) {
		if (readonly && i != ST_IDS_GET && i != ST_CHAN_GET && i != ST_CHAT_GET &&
		    i != ST_WORDS_GET && i != ST_USERS_GET)
			continue;
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) !=
		    SQLITE_OK) {
			snprintf(err, errcap, "store %s: %s", uri, sqlite3_errmsg(s->db));
			weir_store_close(s);
			return WEIR_ESTORE;
		}
	}
	s->has_chat = scalar(s, "SELECT EXISTS(SELECT 1 FROM chat) OR EXISTS(SELECT 1 FROM ingests)", 0) != 0;
	if (weir_strmap_init(&s->chan_cache, 256)) {
		weir_store_close(s);
		return WEIR_ENOMEM;
	}
	*out = s;
	return 0;
}

sqlite3_stmt *weir_store_prepare(struct weir_store *s, const char *sql)
{
	for (int i = 0; i < MAX_CACHED_STMTS; i++) {
		if (s->cached_sql[i] == sql) {
			sqlite3_reset(s->cached[i]);
			sqlite3_clear_bindings(s->cached[i]);
			return s->cached[i];
		}
		if (!s->cached_sql[i]) {
			if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->cached[i],
					       NULL) != SQLITE_OK)
				return NULL;
			s->cached_sql[i] = sql;
			return s->cached[i];
		}
	}
	return NULL;
}

void weir_store_close(struct weir_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < MAX_CACHED_STMTS; i++)
		sqlite3_finalize(s->cached[i]);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	bg_join(s);
	if (s->db) {
		if (s->keep_wal && s->wal_frames <= WAL_KEEP_FRAMES)
			sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		sqlite3_close(s->db);
	}
	weir_wb_stop(s->wb); /* after the close: its checkpoint is paced too */
	weir_store_posts_cache_free(s->posts_cache);
	weir_strmap_free(&s->chan_cache);
	weir_userdict_free(&s->users);
	weir_arena_free(&s->arena);
	weir_buf_free(&s->buf);
	weir_buf_free(&s->buf2);
	weir_sketch_free(s->sk);
	free(s->uri);
	free(s);
}

const char *weir_store_uri(struct weir_store *s)
{
	return s->uri;
}

sqlite3 *weir_store_sqlite(struct weir_store *s)
{
	return s->db;
}

int weir_store_set_cache(struct weir_store *s, int64_t mib)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA cache_size=-%lld", (long long)mib * 1024);
	return exec(s, sql, NULL, 0);
}

int weir_store_begin(struct weir_store *s)
{
	s->keep_wal = false;
	s->ckpt_last = false;
	s->source_done = false;
	int rc = exec(s, "BEGIN IMMEDIATE", NULL, 0);
	/* another writer may have added users since our last transaction */
	if (!rc && s->users_loaded)
		rc = users_ready(s);
	return rc;
}

/*
 * The background checkpoint: its own connection copies the committed WAL
 * into the database file (and does both fdatasyncs) while the writer goes
 * on. PASSIVE: it never waits for the writer, and SQLite keeps the two
 * apart (a checkpoint copies only committed frames). If it fails, the next
 * commit's or the close's checkpoint does the work: only speed differs.
 */
static void *bg_checkpoint(void *arg)
{
	const char *path = arg;
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(db, 10000);
		/* a read opens the connection's view of the WAL first */
		if (sqlite3_exec(db, "SELECT 1 FROM sqlite_schema LIMIT 1", NULL, NULL, NULL) == SQLITE_OK)
			sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	}
	sqlite3_close(db);
	return NULL;
}

/* Waits for the background checkpoint. */
static void bg_join(struct weir_store *s)
{
	if (!s->bg_running)
		return;
	pthread_join(s->bg_th, NULL);
	s->bg_running = false;
}

/* Starts a background checkpoint; false when one still runs or none can. */
static bool bg_start(struct weir_store *s)
{
	if (s->bg_running) {
		if (pthread_tryjoin_np(s->bg_th, NULL) != 0)
			return false;
		s->bg_running = false;
	}
	const char *path = sqlite3_db_filename(s->db, "main");
	if (!path || !*path || pthread_create(&s->bg_th, NULL, bg_checkpoint, (void *)path) != 0)
		return false;
	s->bg_running = true;
	return true;
}

int weir_store_commit(struct weir_store *s)
{
	/* Everything held back until a commit goes into the results' transaction:
	 * posts' window rows, the new user names (the records use their ids), and
	 * the sketch summaries of the days that changed.
	 *
	 * Except at the end of a source read to its end (an ingest's last
	 * commit, usually): then the summaries are only marked dirty, and a
	 * thread checkpoints the whole WAL (wal_hook) while the writer rebuilds
	 * the summaries (weir_store_finish). The rebuild and the copy of the
	 * WAL into the database (with its two fdatasyncs) overlap instead of
	 * following each other in the ingest's serial end. A crash between the
	 * two commits leaves the days marked: the next writer rebuilds them. */
	bool last = s->source_done; /* cleared by wal_hook, or below */
	int rc = 0;
	if (weir_store_posts_sync(s, s->posts_cache) != 0)
		rc = WEIR_ESTORE;
	if (!rc && s->users_loaded && s->users_flushed < s->users.next)
		rc = users_flush(s);
	if (!rc && (last ? weir_sketch_mark(s, s->sk) : weir_sketch_refresh(s, s->sk, false)) != 0)
		rc = WEIR_ESTORE;
	if (!rc)
		rc = exec(s, "COMMIT", NULL, 0);
	s->source_done = false;
	if (rc) {
		exec(s, "ROLLBACK", NULL, 0);
		users_drop(s);
	}
	return rc;
}

void weir_store_set_sketch_interval(struct weir_store *s, int64_t ms)
{
	weir_sketch_set_interval(&s->sk, ms);
}

/* Summaries built while rebuilding beside the background checkpoint (a few
 * MiB for a day of 100 channels); more falls back to the usual rebuild. */
#define FINISH_PENDING_MAX ((size_t)64 << 20)

/*
 * The summaries' rebuild at the end of an ingest, beside the background
 * checkpoint of the ingest's last commit: the marked days are read and
 * their summaries built in a read transaction while the checkpoint runs;
 * once it is done, a write transaction writes them. Begun after the
 * checkpoint, that transaction finds the WAL all copied, so SQLite writes
 * it at the WAL's start (a restart) instead of after the ingest's frames,
 * and the close can leave this short WAL in place: no second checkpoint
 * (two fdatasyncs) and no unlink of the long WAL at the end of the ingest.
 * The next opener reads the short WAL back. Returns 1 when the usual
 * rebuild must run instead: more summaries than FINISH_PENDING_MAX, or
 * another writer committed in between (data_version moved).
 */
static int finish_beside_checkpoint(struct weir_store *s)
{
	if (exec(s, "BEGIN", NULL, 0) != 0)
		return 1;
	int64_t v0 = scalar(s, "PRAGMA data_version", -1);
	int built = weir_sketch_build(s, s->sk, FINISH_PENDING_MAX);
	exec(s, "COMMIT", NULL, 0);
	bg_join(s);
	if (built != 0 || v0 < 0)
		return 1;
	if (weir_store_begin(s) != 0)
		return WEIR_ESTORE;
	if (scalar(s, "PRAGMA data_version", -1) != v0) {
		exec(s, "ROLLBACK", NULL, 0);
		return 1;
	}
	if (weir_sketch_write(s, s->sk) != 0 || exec(s, "COMMIT", NULL, 0) != 0) {
		exec(s, "ROLLBACK", NULL, 0);
		return WEIR_ESTORE;
	}
	return 0;
}

int weir_store_finish(struct weir_store *s)
{
	int rc = 0;
	bool ckpt = s->ckpt_last;
	if (s->sk && scalar(s, "SELECT EXISTS(SELECT 1 FROM chat_sketch_dirty)", 0) != 0) {
		rc = ckpt ? finish_beside_checkpoint(s) : 1;
		if (rc == 1) {
			if (weir_store_begin(s) != 0) {
				rc = WEIR_ESTORE;
			} else if (weir_sketch_refresh(s, s->sk, true) != 0) {
				exec(s, "ROLLBACK", NULL, 0);
				rc = WEIR_ESTORE;
			} else {
				rc = exec(s, "COMMIT", NULL, 0);
			}
		}
	}
	bg_join(s);
	/* What the WAL holds past the checkpoint (the summaries, the ingest's
	 * log entry) may stay in it at the close (see finish_beside_checkpoint) */
	if (!rc && ckpt)
		s->keep_wal = true;
	return rc;
}

bool weir_store_has_data(struct weir_store *s)
{
	return s->has_chat;
}

/* Looks a name up in a dictionary table (channels/users) through a cache. */
static int dict_id(struct weir_store *s, struct weir_strmap *cache, int st_get, int st_add, bool known_empty,
		   const char *name, uint32_t n, uint32_t *id)
{
	int isnew;
	struct weir_strent *e = weir_strmap_get(cache, name, n, weir_hash(name, n), &s->arena, &isnew);
	if (!e)
		return WEIR_ENOMEM;
	if (!isnew) {
		*id = e->val;
		return 0;
	}
	int64_t v = -1;
	if (!known_empty) {
		sqlite3_stmt *g = s->st[st_get];
		sqlite3_bind_text(g, 1, name, (int)n, SQLITE_STATIC);
		if (sqlite3_step(g) == SQLITE_ROW)
			v = sqlite3_column_int64(g, 0);
		sqlite3_reset(g);
	}
	if (v < 0) {
		sqlite3_stmt *a = s->st[st_add];
		if (!a)
			return WEIR_ESTORE;
		sqlite3_bind_text(a, 1, name, (int)n, SQLITE_STATIC);
		int rc = sqlite3_step(a);
		sqlite3_reset(a);
		if (rc != SQLITE_DONE)
			return WEIR_ESTORE;
		v = sqlite3_last_insert_rowid(s->db);
	}
	e->val = (uint32_t)v;
	*id = (uint32_t)v;
	return 0;
}

static int chan_id(struct weir_store *s, struct weir_str name, uint32_t *id)
{
	return dict_id(s, &s->chan_cache, ST_CHAN_GET, ST_CHAN_ADD, false, name.p, name.n, id);
}

int weir_store_channel_id(struct weir_store *s, struct weir_str name, int64_t *id)
{
	uint32_t v;
	int rc = chan_id(s, name, &v);
	if (rc == 0)
		*id = v;
	return rc;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

/* Serialize a bitmap into b. */
static int bitmap_blob(roaring_bitmap_t *bm, struct weir_buf *b)
{
	roaring_bitmap_run_optimize(bm);
	size_t n = roaring_bitmap_portable_size_in_bytes(bm);
	if (weir_buf_reserve(b, n) != 0)
		return WEIR_ENOMEM;
	b->len = roaring_bitmap_portable_serialize(bm, (char *)b->p);
	return 0;
}

static int put_chat_row(struct weir_store *s, const struct weir_chat_rec *r, uint32_t cid,
			const uint32_t *gids)
{
	roaring_bitmap_t *bm = roaring_bitmap_create();
	if (!bm)
		return WEIR_ENOMEM;
	roaring_bitmap_add_many(bm, r->nusers, gids);
	int rc = WEIR_ENOMEM;
	if (bitmap_blob(bm, &s->buf) != 0)
		goto out;
	/* ids: sorted u64 array */
	s->buf2.len = 0;
	if (r->nids && weir_ids_blob(r->ids, r->nids, &s->buf2) != 0)
		goto out;
	sqlite3_stmt *ins = s->st[ST_CHAT_INS];
	sqlite3_bind_int(ins, 1, r->grain);
	sqlite3_bind_int64(ins, 2, cid);
	sqlite3_bind_int64(ins, 3, r->start);
	sqlite3_bind_int64(ins, 4, (sqlite3_int64)r->messages);
	sqlite3_bind_int64(ins, 5, (sqlite3_int64)r->words);
	sqlite3_bind_int64(ins, 6, (sqlite3_int64)roaring_bitmap_get_cardinality(bm));
	sqlite3_bind_blob(ins, 7, s->buf.p, (int)s->buf.len, SQLITE_STATIC);
	if (s->buf2.len)
		sqlite3_bind_blob(ins, 8, s->buf2.p, (int)s->buf2.len, SQLITE_STATIC);
	else
		sqlite3_bind_null(ins, 8);
	rc = step_done(ins);
	if (rc != 0 || sqlite3_changes(s->db) == 1)
		goto out;
	/* The window exists: merge. */
	sqlite3_stmt *g = s->st[ST_CHAT_GET];
	sqlite3_bind_int(g, 1, r->grain);
	sqlite3_bind_int64(g, 2, cid);
	sqlite3_bind_int64(g, 3, r->start);
	rc = WEIR_ESTORE;
	if (sqlite3_step(g) != SQLITE_ROW) {
		sqlite3_reset(g);
		goto out;
	}
	uint64_t messages = (uint64_t)sqlite3_column_int64(g, 0) + r->messages;
	uint64_t words = (uint64_t)sqlite3_column_int64(g, 1) + r->words;
	const void *ub = sqlite3_column_blob(g, 2);
	int ubn = sqlite3_column_bytes(g, 2);
	if (ub && ubn > 0) {
		roaring_bitmap_t *old = roaring_bitmap_portable_deserialize_safe(ub, (size_t)ubn);
		if (old) {
			roaring_bitmap_or_inplace(bm, old);
			roaring_bitmap_free(old);
		}
	}
	struct weir_buf ids = {0};
	const void *ib = sqlite3_column_blob(g, 3);
	int ibn = sqlite3_column_bytes(g, 3);
	if (weir_ids_merge(ib, (size_t)(ibn > 0 ? ibn : 0), r->ids, r->nids, &ids) != 0) {
		sqlite3_reset(g);
		rc = WEIR_ENOMEM;
		goto out;
	}
	sqlite3_reset(g);
	if (bitmap_blob(bm, &s->buf) != 0) {
		weir_buf_free(&ids);
		rc = WEIR_ENOMEM;
		goto out;
	}
	sqlite3_stmt *u = s->st[ST_CHAT_UPD];
	sqlite3_bind_int(u, 1, r->grain);
	sqlite3_bind_int64(u, 2, cid);
	sqlite3_bind_int64(u, 3, r->start);
	sqlite3_bind_int64(u, 4, (sqlite3_int64)messages);
	sqlite3_bind_int64(u, 5, (sqlite3_int64)words);
	sqlite3_bind_int64(u, 6, (sqlite3_int64)roaring_bitmap_get_cardinality(bm));
	sqlite3_bind_blob(u, 7, s->buf.p, (int)s->buf.len, SQLITE_STATIC);
	if (ids.len)
		sqlite3_bind_blob(u, 8, ids.p, (int)ids.len, SQLITE_STATIC);
	else
		sqlite3_bind_null(u, 8);
	rc = step_done(u);
	weir_buf_free(&ids);
out:
	roaring_bitmap_free(bm);
	return rc;
}

/* Insert blob b at (cid, hour) in a (channel_id, hour, blob) table, or merge
 * it into the stored one with `merge`. */
static int put_hour_blob(struct weir_store *s, int st_ins, int st_get, int st_upd, uint32_t cid, int64_t hour,
			 struct weir_buf *b,
			 int (*merge)(const void *, size_t, const void *, size_t, struct weir_buf *))
{
	sqlite3_stmt *ins = s->st[st_ins];
	sqlite3_bind_int64(ins, 1, cid);
	sqlite3_bind_int64(ins, 2, hour);
	sqlite3_bind_blob(ins, 3, b->p, (int)b->len, SQLITE_STATIC);
	int rc = step_done(ins);
	if (rc != 0 || sqlite3_changes(s->db) == 1)
		return rc;
	sqlite3_stmt *g = s->st[st_get];
	sqlite3_bind_int64(g, 1, cid);
	sqlite3_bind_int64(g, 2, hour);
	if (sqlite3_step(g) != SQLITE_ROW) {
		sqlite3_reset(g);
		return WEIR_ESTORE;
	}
	struct weir_buf m = {0};
	rc = merge(sqlite3_column_blob(g, 0), (size_t)sqlite3_column_bytes(g, 0), b->p, b->len, &m);
	sqlite3_reset(g);
	if (rc != 0) {
		weir_buf_free(&m);
		return rc;
	}
	sqlite3_stmt *u = s->st[st_upd];
	sqlite3_bind_int64(u, 1, cid);
	sqlite3_bind_int64(u, 2, hour);
	sqlite3_bind_blob(u, 3, m.p, (int)m.len, SQLITE_STATIC);
	rc = step_done(u);
	weir_buf_free(&m);
	return rc;
}

int weir_store_chat_put(struct weir_store *s, const struct weir_chat_rec *r, const uint32_t *gids)
{
	uint32_t cid;
	int rc = chan_id(s, r->channel, &cid);
	if (rc)
		return rc;
	rc = put_chat_row(s, r, cid, gids);
	if (rc)
		return rc;
	if (r->grain == WEIR_GRAIN_DAY && r->unames)
		return weir_sketch_chatters(s, &s->sk, cid, r->start, r->unames, r->nusers);
	if (r->grain != WEIR_GRAIN_HOUR)
		return 0;
	if ((r->nwords || (r->nusers && r->ucounts)) &&
	    (rc = weir_sketch_touch(&s->sk, cid, weir_floor(r->start, WEIR_MS_PER_DAY))) != 0)
		return rc;
	if (r->nwords) {
		if (weir_words_blob(r->wordv, r->nwords, &s->buf) != 0)
			return WEIR_ENOMEM;
		rc = put_hour_blob(s, ST_WORDS_INS, ST_WORDS_GET, ST_WORDS_UPD, cid, r->start, &s->buf,
				   weir_words_merge);
		if (rc)
			return rc;
	}
	if (r->nusers && r->ucounts) {
		if (weir_usercounts_blob(gids, r->ucounts, r->nusers, &s->buf) != 0)
			return WEIR_ENOMEM;
		rc = put_hour_blob(s, ST_USERS_INS, ST_USERS_GET, ST_USERS_UPD, cid, r->start, &s->buf,
				   weir_usercounts_merge);
	}
	return rc;
}

int weir_store_chat_ids(struct weir_store *s, const char *channel, uint32_t n, int64_t minute, void *into)
{
	struct weir_u64set *set = into;
	sqlite3_stmt *g = s->st[ST_IDS_GET];
	sqlite3_bind_text(g, 1, channel, (int)n, SQLITE_STATIC);
	sqlite3_bind_int64(g, 2, minute);
	int rc = 0;
	if (sqlite3_step(g) == SQLITE_ROW) {
		const unsigned char *b = sqlite3_column_blob(g, 0);
		size_t bn = (size_t)sqlite3_column_bytes(g, 0);
		for (size_t i = 0; b && i + 8 <= bn; i += 8) {
			uint64_t v;
			memcpy(&v, b + i, 8);
			if (weir_u64set_put_raw(set, v) < 0) {
				rc = WEIR_ENOMEM;
				break;
			}
		}
	}
	sqlite3_reset(g);
	return rc;
}

int weir_store_log_ingest(struct weir_store *s, const char *sources, const char *summary_json)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO ingests(at, sources, summary)"
			       " VALUES(strftime('%Y-%m-%dT%H:%M:%SZ','now'),?1,?2)",
			       -1, &st, NULL) != SQLITE_OK)
		return WEIR_ESTORE;
	sqlite3_bind_text(st, 1, sources, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, summary_json, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WEIR_ESTORE;
	sqlite3_finalize(st);
	return rc;
}

int weir_store_checkpoint_get(struct weir_store *s, const char *source, struct weir_checkpoint *ck)
{
	static const char sql[] =
	    "SELECT offset, line, max_ts, dead_offset, complete FROM checkpoints WHERE source=?1";
	sqlite3_stmt *st = weir_store_prepare(s, sql);
	if (!st)
		return WEIR_ESTORE;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ck->offset = (uint64_t)sqlite3_column_int64(st, 0);
		ck->line = (uint64_t)sqlite3_column_int64(st, 1);
		ck->max_ts =
		    sqlite3_column_type(st, 2) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(st, 2);
		ck->dead_offset = sqlite3_column_int64(st, 3);
		ck->complete = sqlite3_column_int(st, 4) != 0;
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}

int weir_store_checkpoint_put(struct weir_store *s, const char *source, const char *path,
			      const struct weir_checkpoint *ck)
{
	static const char sql[] =
	    "INSERT INTO checkpoints VALUES(?1,?2,?3,?4,?5,?6,?7,strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
	    " ON CONFLICT(source) DO UPDATE SET path=excluded.path, offset=excluded.offset,"
	    " line=excluded.line, max_ts=excluded.max_ts, dead_offset=excluded.dead_offset,"
	    " complete=excluded.complete, updated=excluded.updated";
	sqlite3_stmt *st = weir_store_prepare(s, sql);
	if (!st)
		return WEIR_ESTORE;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)ck->offset);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)ck->line);
	if (ck->max_ts == INT64_MIN)
		sqlite3_bind_null(st, 5);
	else
		sqlite3_bind_int64(st, 5, ck->max_ts);
	sqlite3_bind_int64(st, 6, ck->dead_offset);
	sqlite3_bind_int(st, 7, ck->complete);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (ck->complete)
		s->source_done = true;
	return rc == SQLITE_DONE ? 0 : WEIR_ESTORE;
}
