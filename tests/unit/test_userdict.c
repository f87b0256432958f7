/*
 * test_userdict.c — the writer's in-memory user dictionary (src/sinks/userdict.c)
 * and the store's user blocks built on it (src/sinks/sqlite.c): lookups and
 * batched lookups agree, names survive growth, long and empty names, ids
 * persisted at commit and reloaded by a new connection, a schema-1 store's
 * users table converted, and two writers taking turns.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>

#include "t.h"
#include "weir/store.h"
#include "sinks/userdict.h"

static struct weir_str S(const char *p) {
	return (struct weir_str){p, (uint32_t)strlen(p)};
}

static void
test_dict(void)
{
	struct weir_userdict d;
	weir_userdict_init(&d);
	enum { N = 200000 };
	static char buf[N][16];
	static struct weir_str names[N];
	static uint32_t ids[N];
	for (int i = 0; i < N; i++) {
		snprintf(buf[i], sizeof(buf[i]), "u%d", i);
		names[i] = S(buf[i]);
	}
	/* the first half one by one, then everything in a batch with repeats */
	for (int i = 0; i < N / 2; i++) {
		CHECK_EQ_INT(weir_userdict_find(&d, names[i].p, names[i].n), 0);
		CHECK_EQ_INT(weir_userdict_add(&d, names[i].p, names[i].n, d.next), 0);
	}
	CHECK_EQ_INT(weir_userdict_add(&d, "x", 1, 5), WEIR_EINVAL); /* ids only grow */
	names[N - 1] = names[N - 2];				     /* a name twice in one batch */
	CHECK_EQ_INT(weir_userdict_get_many(&d, names, N, ids), 0);
	CHECK_EQ_INT(d.n, N - 1);
	int bad = 0;
	for (int i = 0; i < N - 1; i++) {
		bad += ids[i] != (uint32_t)i + 1;
		bad += weir_userdict_find(&d, names[i].p, names[i].n) != (uint32_t)i + 1;
		struct weir_str nm = weir_userdict_name(&d, (uint32_t)i + 1);
		bad += nm.n != names[i].n || memcmp(nm.p, names[i].p, nm.n) != 0;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(ids[N - 1], N - 1);
	CHECK(weir_userdict_name(&d, N + 5).p == NULL);
	/* an empty name and one longer than a chunk of names */
	size_t big = (1u << 20) + 300;
	char *long_name = malloc(big);
	memset(long_name, 'z', big);
	uint32_t e = d.next;
	CHECK_EQ_INT(weir_userdict_add(&d, "", 0, e), 0);
	CHECK_EQ_INT(weir_userdict_add(&d, long_name, (uint32_t)big, e + 1), 0);
	CHECK_EQ_INT(weir_userdict_add(&d, "after", 5, e + 2), 0);
	CHECK_EQ_INT(weir_userdict_find(&d, "", 0), e);
	CHECK_EQ_INT(weir_userdict_find(&d, long_name, (uint32_t)big), e + 1);
	CHECK_EQ_INT(weir_userdict_find(&d, "after", 5), e + 2);
	CHECK_EQ_INT(weir_userdict_name(&d, e + 1).n, big);
	CHECK_EQ_INT(weir_userdict_find(&d, "u1", 2), 2);
	free(long_name);
	weir_userdict_free(&d);
}

static char path[256], uri[300];

static void fresh(const char *tag)
{
	snprintf(path, sizeof(path), "/tmp/weir-test-userdict-%d-%s.db", (int)getpid(), tag);
	snprintf(uri, sizeof(uri), "sqlite:%s", path);
	char p[300];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static uint32_t id_of(struct weir_store *s, const char *name)
{
	uint32_t g = 0;
	CHECK_EQ_INT(weir_store_user_id(s, name, (uint32_t)strlen(name), &g), 0);
	return g;
}

static void check_name(struct weir_store *s, uint32_t gid, const char *want)
{
	char *nm = NULL;
	CHECK_EQ_INT(weir_store_user_name(s, gid, &nm), 0);
	if (want)
		CHECK_EQ_STR(nm, want);
	else
		CHECK(nm == NULL);
	free(nm);
}

static void test_store(void)
{
	fresh("a");
	char err[256];
	struct weir_store *w, *w2, *r;
	CHECK_EQ_INT(weir_store_open(uri, false, &w, err, sizeof(err)), 0);
	/* committed names persist; a rolled-back (crashed) transaction's do not */
	CHECK_EQ_INT(weir_store_begin(w), 0);
	CHECK_EQ_INT(id_of(w, "ann"), 1);
	CHECK_EQ_INT(id_of(w, "bob"), 2);
	CHECK_EQ_INT(id_of(w, "ann"), 1);
	CHECK_EQ_INT(weir_store_commit(w), 0);
	CHECK_EQ_INT(weir_store_begin(w), 0);
	struct weir_str more[] = {S("cy"), S("bob"), S("dan"), S("cy")};
	uint32_t g[4];
	CHECK_EQ_INT(weir_store_user_ids(w, more, 4, g), 0);
	CHECK_EQ_INT(g[0], 3);
	CHECK_EQ_INT(g[1], 2);
	CHECK_EQ_INT(g[2], 4);
	CHECK_EQ_INT(g[3], 3);
	CHECK_EQ_INT(weir_store_commit(w), 0);
	CHECK_EQ_INT(weir_store_begin(w), 0);
	CHECK_EQ_INT(id_of(w, "lost"), 5);
	weir_store_close(w); /* no commit: as after kill -9 */

	CHECK_EQ_INT(weir_store_open(uri, true, &r, err, sizeof(err)), 0);
	uint32_t gid;
	CHECK_EQ_INT(weir_store_user_find(r, "dan", 3, &gid), 0);
	CHECK_EQ_INT(gid, 4);
	CHECK_EQ_INT(weir_store_user_find(r, "lost", 4, &gid), 0);
	CHECK_EQ_INT(gid, 0);
	check_name(r, 1, "ann");
	check_name(r, 4, "dan");
	check_name(r, 5, NULL);
	weir_store_close(r);

	/* two writers taking turns (two ingests into one store) see each other's users */
	CHECK_EQ_INT(weir_store_open(uri, false, &w, err, sizeof(err)), 0);
	CHECK_EQ_INT(weir_store_open(uri, false, &w2, err, sizeof(err)), 0);
	CHECK_EQ_INT(weir_store_begin(w), 0);
	CHECK_EQ_INT(id_of(w, "lost"), 5); /* the id the crash did not commit is free again */
	CHECK_EQ_INT(weir_store_commit(w), 0);
	CHECK_EQ_INT(weir_store_begin(w2), 0);
	CHECK_EQ_INT(id_of(w2, "eve"), 6);
	CHECK_EQ_INT(id_of(w2, "lost"), 5);
	CHECK_EQ_INT(weir_store_commit(w2), 0);
	CHECK_EQ_INT(weir_store_begin(w), 0);
	CHECK_EQ_INT(id_of(w, "eve"), 6);
	CHECK_EQ_INT(id_of(w, "fay"), 7);
	CHECK_EQ_INT(weir_store_commit(w), 0);
	/* outside a transaction a new name is stored at once */
	CHECK_EQ_INT(id_of(w2, "gus"), 8);
	CHECK_EQ_INT(id_of(w2, "fay"), 7);
	check_name(w, 8, NULL); /* w has not synced yet: it reads its own dictionary */
	weir_store_close(w);
	weir_store_close(w2);
	CHECK_EQ_INT(weir_store_open(uri, true, &r, err, sizeof(err)), 0);
	check_name(r, 8, "gus");
	check_name(r, 7, "fay");
	weir_store_close(r);
	fresh("a");
}

/* A store written by weir before schema 2 (users(id, name UNIQUE)). */
static void test_migrate(void)
{
	fresh("b");
	sqlite3 *db;
	CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_EQ_INT(
	    sqlite3_exec(db,
			 "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
			 "INSERT INTO meta VALUES('schema_version','1');"
			 "CREATE TABLE channels(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
			 "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
			 "CREATE TABLE chat(grain INTEGER NOT NULL, channel_id INTEGER NOT NULL,"
			 " start INTEGER NOT NULL, messages INTEGER NOT NULL, words INTEGER NOT NULL,"
			 " chatters INTEGER NOT NULL, users BLOB, ids BLOB,"
			 " PRIMARY KEY(grain, channel_id, start)) WITHOUT ROWID;"
			 "CREATE TABLE chat_words(channel_id INTEGER NOT NULL, hour INTEGER NOT NULL,"
			 " words BLOB NOT NULL, PRIMARY KEY(channel_id, hour));"
			 "CREATE TABLE chat_users(channel_id INTEGER NOT NULL, hour INTEGER NOT NULL,"
			 " users BLOB NOT NULL, PRIMARY KEY(channel_id, hour));"
			 "CREATE TABLE ingests(id INTEGER PRIMARY KEY, at TEXT NOT NULL,"
			 " sources TEXT NOT NULL, summary TEXT NOT NULL);"
			 "INSERT INTO users VALUES(1,'ann'),(2,'bob'),(4,'dan');",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	char err[256];
	struct weir_store *r, *w;
	/* read-only: the old table is read as it is */
	if (weir_store_open(uri, true, &r, err, sizeof(err)) != 0) {
		CHECK(!"cannot open the schema-1 store");
		return;
	}
	check_name(r, 2, "bob");
	uint32_t gid;
	CHECK_EQ_INT(weir_store_user_find(r, "dan", 3, &gid), 0);
	CHECK_EQ_INT(gid, 4);
	weir_store_close(r);
	/* a writer converts it */
	CHECK_EQ_INT(weir_store_open(uri, false, &w, err, sizeof(err)), 0);
	CHECK_EQ_INT(weir_store_begin(w), 0);
	CHECK_EQ_INT(id_of(w, "dan"), 4);
	CHECK_EQ_INT(id_of(w, "eve"), 5);
	CHECK_EQ_INT(weir_store_commit(w), 0);
	weir_store_close(w);
	CHECK_EQ_INT(weir_store_open(uri, true, &r, err, sizeof(err)), 0);
	check_name(r, 1, "ann");
	check_name(r, 3, NULL);
	check_name(r, 4, "dan");
	check_name(r, 5, "eve");
	CHECK_EQ_INT(weir_store_user_find(r, "bob", 3, &gid), 0);
	CHECK_EQ_INT(gid, 2);
	weir_store_close(r);
	fresh("b");
}

int main(void)
{
	TEST(test_dict);
	TEST(test_store);
	TEST(test_migrate);
	T_END();
}
