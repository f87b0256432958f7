/*
 * writeback.c — starts the kernel's writeback of a store's files early.
 *
 * A SQLite store in WAL mode writes every page twice: into the WAL while a
 * transaction runs (the page cache spills) and at its COMMIT, then into the
 * database file when the WAL is checkpointed; each copy ends with an
 * fdatasync that waits until the disk has all of it. An ingest's last
 * commit, the one in its serial tail, therefore waited for the whole WAL
 * (35 MB for the 2M-message chat bench: ~50 ms) and then for the whole
 * checkpoint copy (~30 ms), with nothing else left to run.
 *
 * A read-write store runs this pacer thread: every few milliseconds it
 * asks the kernel to start writing back the dirty pages of the WAL and of
 * the database file (sync_file_range(SYNC_FILE_RANGE_WRITE): it only
 * starts I/O, it neither waits for it nor promises anything). The disk
 * then works while weir computes, and SQLite's own fdatasync calls, which
 * are unchanged and still give the durability, find little left to do.
 * Nothing about what is durable when changes.
 *
 * File descriptors and POSIX locks: closing ANY descriptor of a file drops
 * all of the process's fcntl locks on it, and SQLite locks the database
 * file. So the database file is opened once per path and never closed
 * (one descriptor per store path for the process's life, released at
 * exit); the WAL, which SQLite never locks, is opened for each kick, as it
 * is deleted and created again as the store is opened and closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sinks/writeback.h"

#define KICK_NS 5000000L /* 5 ms: ~10 MB of new pages at most, at full ingest speed */
#define MAX_PATHS 16

struct weir_wb {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	int dbfd;
	char *wal;
};

/* The database files opened so far, never closed (see above). */
static struct {
	char *path;
	int fd;
} db_fds[MAX_PATHS];
static pthread_mutex_t db_fds_mu = PTHREAD_MUTEX_INITIALIZER;

static int db_fd(const char *path)
{
	int fd = -1;
	pthread_mutex_lock(&db_fds_mu);
	int i = 0;
	for (; i < MAX_PATHS && db_fds[i].path; i++)
		if (strcmp(db_fds[i].path, path) == 0) {
			fd = db_fds[i].fd;
			break;
		}
	if (fd < 0 && i < MAX_PATHS && (db_fds[i].path = strdup(path)) != NULL) {
		db_fds[i].fd = fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) { /* not kept: a later store may create the file */
			free(db_fds[i].path);
			db_fds[i].path = NULL;
		}
	}
	pthread_mutex_unlock(&db_fds_mu);
	return fd;
}

static void kick(int fd)
{
#ifdef __linux__
	(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
	(void)fd;
#endif
}

/* The newest modification time of an open file, in ns (0 if unknown). */
static int64_t mtime_ns(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return 0;
	return (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

static void *pacer(void *arg)
{
	struct weir_wb *w = arg;
	long wait = KICK_NS;
	int64_t last = 0;
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += wait;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->cv, &w->mu, &t);
		if (w->stop)
			break;
		pthread_mutex_unlock(&w->mu);
		int64_t m = mtime_ns(w->dbfd);
		int fd = open(w->wal, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			int64_t mw = mtime_ns(fd);
			m = mw > m ? mw : m;
			kick(fd);
			close(fd);
		}
		kick(w->dbfd);
		/* an idle store (a live stream between commits) is looked at
		 * less and less often, down to every 160 ms */
		wait = m != last ? KICK_NS : (wait < 32 * KICK_NS ? wait * 2 : wait);
		last = m;
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct weir_wb *weir_wb_start(const char *path)
{
#ifndef __linux__
	(void)path;
	return NULL;
#else
	struct weir_wb *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	size_t n = strlen(path);
	w->dbfd = db_fd(path);
	w->wal = malloc(n + 5);
	if (w->dbfd < 0 || !w->wal) {
		free(w->wal);
		free(w);
		return NULL; /* only an optimization: the store works without it */
	}
	memcpy(w->wal, path, n);
	memcpy(w->wal + n, "-wal", 5);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, pacer, w) != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w->wal);
		free(w);
		return NULL;
	}
	return w;
#endif
}

void weir_wb_stop(struct weir_wb *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->wal);
	free(w);
}
