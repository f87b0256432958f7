/*
 * test_writeback.c — the store's writeback pacer (src/sinks/writeback.c):
 * it starts and stops promptly, copes with a missing file, and, while it
 * kicks the files many times, never drops SQLite's POSIX lock on the
 * database file (closing any descriptor of the file would): another
 * process still cannot take the write lock the parent holds.
 */
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sinks/writeback.h"

#include "t.h"

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

static void test_missing(void)
{
	CHECK(weir_wb_start("/nonexistent-dir/x.db") == NULL);
	weir_wb_stop(NULL);
}

static void test_lock_kept(void)
{
	char dir[] = "/tmp/weir-wb-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[64];
	snprintf(path, sizeof(path), "%s/s.db", dir);
	sqlite3 *db;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	/* a rollback-journal store: its write lock is an fcntl lock on the file itself */
	CHECK(sqlite3_exec(db, "CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES(1);", NULL, NULL,
			   NULL) == SQLITE_OK);
	for (int round = 0; round < 2; round++) { /* the second start reuses the kept descriptor */
		struct weir_wb *w = weir_wb_start(path);
		CHECK(w != NULL);
		sleep_ms(40); /* several kicks */
		/* a fresh process (exec: a forked child would see this process's
		 * SQLite lock bookkeeping, not the file's fcntl locks) */
		pid_t pid = fork();
		if (pid == 0) {
			execl("/proc/self/exe", "test_writeback", "--try-lock", path, (char *)NULL);
			_exit(2);
		}
		int status = -1;
		waitpid(pid, &status, 0);
		CHECK_EQ_INT(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
		weir_wb_stop(w);
	}
	CHECK(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	unlink(path);
	rmdir(dir);
}

/* --try-lock PATH: exits 0 when the write lock of PATH is held elsewhere */
static int try_lock(const char *path)
{
	sqlite3 *o;
	int busy = sqlite3_open(path, &o) == SQLITE_OK &&
		   sqlite3_exec(o, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_BUSY;
	sqlite3_close(o);
	return busy ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--try-lock") == 0)
		return try_lock(argv[2]);
	TEST(test_missing);
	TEST(test_lock_kept);
	T_END();
}
