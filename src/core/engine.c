/*
 * engine.c — reader, workers and writer of one pipeline (engine.h).
 *
 * Threads and what they own:
 *   reader (the caller of weir_engine_feed_*): the input buffer, the JSON
 *     parser, the dead-letter file, the watermark. It fills batches of up
 *     to BATCH_EVENTS events whose strings live in the batch's arena, and
 *     lists for each worker the indexes of the events routed to it
 *     (XXH3(channel) % threads), so a batch is shared, never copied.
 *   workers: each owns the operator state of its shard (ops/chat.c) and
 *     turns the windows the watermark closes into records.
 *   writer: owns the store connection; merges records, one transaction per
 *     commit interval.
 *
 * Memory is bounded by design: a fixed pool of batches (the reader waits
 * for a free one: backpressure) and a bounded record queue (a worker waits
 * when the writer falls behind). Locks are taken per batch and per record,
 * never per event.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "weir/engine.h"
#include "weir/source.h"
#include "weir/store.h"
#include "core/deadletter.h"
#include "core/hugemem.h"
#include "core/table.h"
#include "weir/op.h"

#define BATCH_EVENTS 4096
#define MAX_WORKERS 64
#define READ_CHUNK (1u << 20)	  /* the least room a read gets (blocks: BLOCK_CAP) */
#define HARD_LINE_CAP (64u << 20) /* longer lines are dead-lettered truncated */
#define REC_QUEUE_MAX 8192
#define MAX_OPS 8
#define RING_CAP 256	       /* > the number of batches: a ring never fills */
#define BATCH_BYTES (4u << 20) /* a batch is also dispatched when its lines add up to this */

/* A checkpoint in flight: where the reader was when it asked every worker
 * to flush. The writer commits it with the results once every worker's
 * marker has arrived (their records come before their markers). */
struct ckpt {
	char *source, *path;
	struct weir_checkpoint pos;
	int markers; /* still expected by the writer */
};

struct ckpt_mark {
	struct weir_rec h;
	struct ckpt *ck;
};

#define IDLE_TICK_MS 200	 /* live input: an idle stream still ticks the workers this often */
#define SKETCH_INTERVAL_MS 30000 /* docs/sketches.md */

/*
 * An input block: the reader reads the file into it and parses the lines
 * where they lie, so the events' strings point into it (no copy of each
 * line). The batches whose events point into a block hold a reference, and
 * the reader holds one on the block it reads into; the count is only ever
 * touched by the reader (a batch's references are dropped when the reader
 * takes the batch again), so it needs no atomics. Blocks of the first size
 * are recycled.
 */
struct block {
	struct block *next; /* free list */
	uint32_t refs;
	size_t cap;  /* data holds cap + WEIR_JSON_PADDING bytes */
	char data[]; /* 64-aligned after the header */
};

#define BATCH_BLOCKS 8	  /* blocks one batch may point into (then it is dispatched) */
#define BATCHES_AT_ONCE 4 /* set up before the engine starts; the rest on a thread */
/* A standard block, header and padding included, is one 2 MiB huge page
 * where transparent huge pages are on (madvise): one page fault instead of
 * 512 the first time it is filled (faults are dear on this VM). */
#define HUGE_PAGE WEIR_HUGE_PAGE
/* Each worker's and the writer's malloc arena is made writable this far at
 * once and backed by huge pages (hugemem.h: page faults were ~15% of a chat
 * ingest's CPU); glibc's thread heaps hold at most 64 MiB. */
#define ARENA_GROW ((size_t)56 << 20)
#define ARENA_PREFAULT ((size_t)8 << 20) /* touched at the thread's start (hugemem.h) */
#define BLOCK_CAP (HUGE_PAGE - sizeof(struct block) - WEIR_JSON_PADDING)

struct batch {
	struct batch *next; /* free list / queue link */
	uint32_t n;
	int64_t watermark;
	int final;
	struct ckpt *ck;    /* a checkpoint barrier: flush, then send a marker */
	size_t arena_bytes; /* raw bytes of the lines in this batch (their strings live in the arena) */
	atomic_int refs;
	struct weir_arena arena;
	struct block *blk[BATCH_BLOCKS]; /* input blocks its events point into */
	uint32_t nblk;
	uint32_t *idx[MAX_WORKERS];
	uint32_t nidx[MAX_WORKERS];
	struct weir_event ev[BATCH_EVENTS];
};

/* A blocking FIFO of pointers linked through their first field. */
struct fifo {
	pthread_mutex_t mu;
	pthread_cond_t nonempty, nonfull;
	void *head, *tail;
	uint32_t len, max;
};

static void fifo_init(struct fifo *q, uint32_t max)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->nonempty, NULL);
	pthread_cond_init(&q->nonfull, NULL);
	q->max = max;
}

static void fifo_destroy(struct fifo *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->nonfull);
}

/* Appends a chain of n items (linked through their first field, the last
 * one's link NULL) with one lock; waits while the queue is full. */
static void fifo_push_chain(struct fifo *q, void *head, void *tail, uint32_t n)
{
	pthread_mutex_lock(&q->mu);
	while (q->max && q->len >= q->max)
		pthread_cond_wait(&q->nonfull, &q->mu);
	if (q->tail)
		*(void **)q->tail = head;
	else
		q->head = head;
	q->tail = tail;
	q->len += n;
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->mu);
}

static void fifo_push(struct fifo *q, void *item)
{
	*(void **)item = NULL;
	fifo_push_chain(q, item, item, 1);
}

/* With q->mu held: waits until the queue has an item, at most timeout_ms
 * (-1: forever, 0: not at all). */
static void fifo_wait(struct fifo *q, int timeout_ms)
{
	if (q->head || timeout_ms == 0)
		return;
	if (timeout_ms < 0) {
		while (!q->head)
			pthread_cond_wait(&q->nonempty, &q->mu);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	ts.tv_sec += timeout_ms / 1000 + ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	while (!q->head)
		if (pthread_cond_timedwait(&q->nonempty, &q->mu, &ts) == ETIMEDOUT)
			break;
}

/* Takes every queued item at once (a chain); NULL on timeout. */
static void *fifo_pop_all(struct fifo *q, int timeout_ms)
{
	pthread_mutex_lock(&q->mu);
	fifo_wait(q, timeout_ms);
	void *head = q->head;
	q->head = q->tail = NULL;
	q->len = 0;
	pthread_cond_broadcast(&q->nonfull);
	pthread_mutex_unlock(&q->mu);
	return head;
}

/* Pops one item; waits at most timeout_ms (-1: forever). NULL on timeout. */
static void *fifo_pop(struct fifo *q, int timeout_ms)
{
	pthread_mutex_lock(&q->mu);
	fifo_wait(q, timeout_ms);
	void *item = q->head;
	if (item) {
		q->head = *(void **)item;
		if (!q->head)
			q->tail = NULL;
		q->len--;
		pthread_cond_signal(&q->nonfull);
	}
	pthread_mutex_unlock(&q->mu);
	return item;
}

/*
 * The reader -> worker queue: single producer, single consumer, lock-free.
 * The ring never fills (RING_CAP > the number of batches). An idle worker
 * spins briefly, then sleeps; the reader wakes it only when it said so
 * (`sleeping`): the common path takes no lock at all.
 */
struct spsc {
	struct batch *slot[RING_CAP];
	_Atomic uint32_t head, tail;
	atomic_int sleeping;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void spsc_init(struct spsc *q)
{
	memset(q->slot, 0, sizeof(q->slot));
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	atomic_init(&q->sleeping, 0);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
}

static void spsc_destroy(struct spsc *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
}

static void spsc_push(struct spsc *q, struct batch *b)
{
	uint32_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	q->slot[t % RING_CAP] = b;
	atomic_store(&q->tail, t + 1); /* seq_cst: pairs with the consumer's sleeping/tail */
	if (atomic_load(&q->sleeping)) {
		pthread_mutex_lock(&q->mu);
		pthread_cond_signal(&q->cv);
		pthread_mutex_unlock(&q->mu);
	}
}

static struct batch *spsc_pop(struct spsc *q)
{
	uint32_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
	for (int spin = 0;; spin++) {
		if (atomic_load_explicit(&q->tail, memory_order_acquire) != h) {
			struct batch *b = q->slot[h % RING_CAP];
			atomic_store_explicit(&q->head, h + 1, memory_order_release);
			return b;
		}
		if (spin < 200) {
			cpu_relax();
			continue;
		}
		pthread_mutex_lock(&q->mu);
		atomic_store(&q->sleeping, 1);
		while (atomic_load(&q->tail) == h)
			pthread_cond_wait(&q->cv, &q->mu);
		atomic_store(&q->sleeping, 0);
		pthread_mutex_unlock(&q->mu);
	}
}

struct worker {
	struct weir_engine *e;
	int id;
	pthread_t th;
	void *op[MAX_OPS]; /* one instance of each operator of weir_ops[] */
	/* per event kind, the add() and instance of each operator consuming it, in
	 * weir_ops[] order: the per-event dispatch walks only these (usually
	 * one) instead of testing every operator's kinds */
	struct kind_ops {
		int (*add[MAX_OPS])(void *st, const struct weir_event *ev);
		void *st[MAX_OPS];
		int n;
	} by_kind[WEIR_KIND_COUNT];
	struct weir_store *ro; /* read-only store connection, for dedup loads */
	int err;
	/* records emitted while processing the current batch */
	struct weir_rec *out_head, *out_tail;
	uint32_t nout;
	uint64_t seq; /* records emitted so far */
	/* what each operator's emit callback gets: which worker, which operator */
	struct emit_ctx {
		struct worker *w;
		uint8_t op;
	} ectx[MAX_OPS];
	/* batches to process: a ring (a batch is in every worker's ring at once,
	 * so it cannot be linked through itself) */
	struct spsc ring;
};

struct weir_writer {
	struct weir_engine *e;
};

struct weir_engine {
	struct weir_engine_opts o;
	char *store_uri, *dlq_path;
	int nworkers, nops;
	struct worker w[MAX_WORKERS];
	struct fifo free_batches;
	struct batch *all_batches;
	uint32_t batches_ready; /* all_batches[0..batches_ready) are set up (see batches_init) */
	pthread_t batch_th;	/* sets up the rest of the pool at the start */
	bool batch_th_running;
	uint32_t nbatches;
	struct batch *cur;
	/* writer */
	pthread_t writer;
	struct fifo recs;
	struct weir_store *store;
	atomic_int writer_err;
	char writer_errmsg[256];
	/* per (worker, operator): local user id -> global id (0 = unknown) */
	uint32_t *gid_cache[MAX_WORKERS][MAX_OPS];
	uint32_t gid_cap[MAX_WORKERS][MAX_OPS];
	void *scratch; /* weir_writer_scratch */
	size_t scratch_cap;
	uint64_t applied_seq[MAX_WORKERS];	     /* writer only */
	_Atomic uint64_t committed_seq[MAX_WORKERS]; /* published at each commit */
	/* applied_seq as it grows, and the writer's end: weir_engine_close frees
	 * the shards (which the records point into) once every record is applied */
	_Atomic uint64_t applied_pub[MAX_WORKERS];
	atomic_bool writer_done;
	/* Applied records on their way back to the worker that made them (a
	 * stack the writer pushes onto, taken whole by its worker or, at the
	 * end, by weir_engine_close): glibc frees a block fastest on the thread
	 * whose arena it came from; freed by the writer, every record took that
	 * arena's lock against its worker and ~20% of the writer's CPU. */
	_Atomic(struct weir_rec *) returned[MAX_WORKERS];
	struct weir_writer writer_ctx;
	bool store_had_data;
	atomic_bool ckpt_mode_a; /* commits only at checkpoints (set while reading a file) */
	pthread_mutex_t ckpt_mu; /* with ckpt_cv: the reader may wait for a checkpoint's commit */
	pthread_cond_t ckpt_cv;
	uint64_t ckpt_issued, ckpt_committed;
	uint64_t dead_after; /* reader: the checkpoint to wait for before the next dead letter; 0: none */
	/* reader */
	struct weir_json *json;
	unsigned kinds; /* event kinds some operator consumes */
	struct weir_dlq dlq;
	struct weir_engine_stats st;
	int64_t max_ts;
	int64_t future_limit; /* wall clock + max_future, refreshed now and then */
	struct block *blk;    /* the block being read into (e->buf is its data) */
	struct block *spare;  /* recycled blocks of BLOCK_CAP bytes */
	char *buf;
	size_t bufcap;
	size_t blk_used; /* bytes of blk consumed by earlier files */
	uint64_t t0;
	uint64_t last_progress;
	uint64_t cur_size, cur_pos; /* for progress */
	const char *cur_source;
};

void weir_engine_opts_default(struct weir_engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = WEIR_FMT_NDJSON;
	o->store_uri = "sqlite:weir.db";
	o->dead_letter_path = "weir-dead-letters.ndjson";
	o->lateness_ms = 5000;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	o->threads = n > 0 ? (int)n : 1;
	o->max_line = 1u << 20;
	o->commit_interval_ms = 1000;
	o->checkpoint_interval_ms = 5000;
	o->checkpoint_mib = 128;
	o->dedup_horizon_ms = 15 * WEIR_MS_PER_MIN;
	o->streams_horizon_ms = WEIR_MS_PER_HOUR;
	o->max_future_ms = WEIR_MS_PER_DAY;
}

/* WEIR_DEBUG=1: each thread reports its CPU time when it ends (profiling aid). */
static uint64_t debug_t0; /* weir_engine_open's time, for WEIR_DEBUG */

static bool debug_on(void)
{
	static int on = -1;
	if (on < 0)
		on = getenv("WEIR_DEBUG") != NULL;
	return on;
}

/* WEIR_DEBUG: when a step of the end of an ingest finished (the serial tail). */
static void debug_mark(const char *what)
{
	if (debug_on())
		fprintf(stderr, "weir: %s at %.3f s\n", what, (double)(weir_now_ns() - debug_t0) / 1e9);
}

static void thread_cpu_report(const char *who, int id)
{
	if (!debug_on())
		return;
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	/* "done at": when this thread finished, from the engine's start: the
	 * gap between the reader's end and the writer's is the serial tail */
	fprintf(stderr, "weir: %s %d cpu %.3f s user, %.3f s sys, done at %.3f s\n", who, id,
		(double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
		(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
		(double)(weir_now_ns() - debug_t0) / 1e9);
}

/* ---- writer ------------------------------------------------------------------ */

struct weir_store *weir_writer_store(struct weir_writer *w)
{
	return w->e->store;
}

/* Room in r's (worker, operator) gid cache for local id uid. */
static int gid_room(struct weir_engine *e, const struct weir_rec *r, uint32_t uid)
{
	uint32_t **cache = &e->gid_cache[r->worker][r->op];
	uint32_t *cap = &e->gid_cap[r->worker][r->op];
	if (uid < *cap)
		return 0;
	uint64_t ncap = *cap ? *cap : 4096;
	while (ncap <= uid)
		ncap += ncap / 2; /* 1.5x: at 10M users, 2x would waste tens of MB */
	if (ncap > UINT32_MAX)
		ncap = UINT32_MAX;
	uint32_t *n = realloc(*cache, ncap * sizeof(uint32_t));
	if (!n)
		return WEIR_ENOMEM;
	memset(n + *cap, 0, (ncap - *cap) * sizeof(uint32_t));
	*cache = n;
	*cap = (uint32_t)ncap;
	return 0;
}

void *weir_writer_scratch(struct weir_writer *w, size_t bytes)
{
	struct weir_engine *e = w->e;
	if (bytes > e->scratch_cap) {
		size_t ncap = bytes + bytes / 2;
		void *p = realloc(e->scratch, ncap);
		if (!p)
			return NULL;
		e->scratch = p;
		e->scratch_cap = ncap;
	}
	return e->scratch;
}

#define USERS_BATCH 1024

/* weir_writer_users and weir_writer_users_named: a miss's name is
 * names[i] when names is given, else name(ctx, uid). */
static int users_map(struct weir_writer *w, const struct weir_rec *r, const uint32_t *uids, uint32_t n,
		     const struct weir_str *given, struct weir_str (*name)(const void *ctx, uint32_t uid),
		     const void *ctx, uint32_t *gids)
{
	struct weir_engine *e = w->e;
	uint32_t maxu = 0;
	for (uint32_t i = 0; i < n; i++)
		if (uids[i] > maxu)
			maxu = uids[i];
	if (n && gid_room(e, r, maxu) != 0)
		return WEIR_ENOMEM;
	uint32_t *cache = e->gid_cache[r->worker][r->op];
	/* first the cache (prefetched: the ids are spread over a large array),
	 * collecting the ids it does not know; those go to the store in batches.
	 * gids may be uids: a miss's uid is kept aside before its slot is used. */
	uint32_t miss[USERS_BATCH], missu[USERS_BATCH], got[USERS_BATCH], nmiss = 0;
	struct weir_str names[USERS_BATCH];
	for (uint32_t i = 0; i < n; i++) {
		if (i + 16 < n)
			__builtin_prefetch(&cache[uids[i + 16]]);
		uint32_t u = uids[i];
		uint32_t g = cache[u];
		if (g) {
			gids[i] = g;
		} else {
			names[nmiss] = given ? given[i] : name(ctx, u);
			missu[nmiss] = u;
			miss[nmiss++] = i;
		}
		if (nmiss == USERS_BATCH || (nmiss && i + 1 == n)) {
			int rc = weir_store_user_ids(e->store, names, nmiss, got);
			if (rc)
				return rc;
			for (uint32_t k = 0; k < nmiss; k++) {
				cache[missu[k]] = got[k];
				gids[miss[k]] = got[k];
			}
			nmiss = 0;
		}
	}
	return 0;
}

int weir_writer_users(struct weir_writer *w, const struct weir_rec *r, const uint32_t *uids, uint32_t n,
		      struct weir_str (*name)(const void *ctx, uint32_t uid), const void *ctx, uint32_t *gids)
{
	return users_map(w, r, uids, n, NULL, name, ctx, gids);
}

int weir_writer_users_named(struct weir_writer *w, const struct weir_rec *r, const uint32_t *uids,
			    const struct weir_str *names, uint32_t n, uint32_t *gids)
{
	return users_map(w, r, uids, n, names, NULL, NULL, gids);
}

int weir_writer_user(struct weir_writer *w, const struct weir_rec *r, uint32_t uid, struct weir_str name,
		     uint32_t *gid)
{
	struct weir_engine *e = w->e;
	if (gid_room(e, r, uid) != 0)
		return WEIR_ENOMEM;
	uint32_t *g = &e->gid_cache[r->worker][r->op][uid];
	if (!*g) {
		int rc = weir_store_user_id(e->store, name.p, name.n, g);
		if (rc)
			return rc;
	}
	*gid = *g;
	return 0;
}

static void writer_fail(struct weir_engine *e, int rc, const char *what)
{
	if (atomic_load(&e->writer_err))
		return;
	snprintf(e->writer_errmsg, sizeof(e->writer_errmsg), "store %s: %s", weir_store_uri(e->store), what);
	atomic_store(&e->writer_err, rc);
}

/* A worker's checkpoint marker. The last of them writes the position; the
 * writer then commits (it tells the last one by ck having been set NULL). */
static int ckpt_put(struct weir_rec *h, struct weir_writer *w)
{
	struct ckpt_mark *m = (struct ckpt_mark *)h;
	struct ckpt *ck = m->ck;
	if (--ck->markers > 0)
		return 0;
	int rc = weir_store_checkpoint_put(w->e->store, ck->source, ck->path, &ck->pos);
	free(ck->source);
	free(ck->path);
	free(ck);
	m->ck = NULL;
	return rc;
}

static void ckpt_free(struct weir_rec *h)
{
	free(h);
}

/*
 * The writer's state. A checkpoint must commit exactly the records of the
 * events before it: a worker that has sent its marker may already be
 * sending records of later events while another worker is still catching
 * up, so from its marker until the checkpoint commits, that worker's
 * records are held back (deferred, in order) and applied after the commit.
 */
struct wstate {
	bool in_txn;
	uint64_t txn_start;
	int waiting; /* workers whose marker of the open checkpoint has arrived */
	bool marked[MAX_WORKERS];
	struct weir_rec *def_head[MAX_WORKERS], *def_tail[MAX_WORKERS];
};

static void w_commit(struct weir_engine *e, struct wstate *ws)
{
	if (ws->in_txn) {
		if (weir_store_commit(e->store) != 0)
			writer_fail(e, WEIR_ESTORE, "commit failed");
		else
			for (int i = 0; i < e->nworkers; i++)
				atomic_store(&e->committed_seq[i], e->applied_seq[i]);
	}
	ws->in_txn = false;
}

static void w_apply(struct weir_engine *e, struct wstate *ws, struct weir_rec *r);

/* Hands an applied record back to its worker (see weir_engine.returned). */
static void rec_return(struct weir_engine *e, struct weir_rec *r)
{
	_Atomic(struct weir_rec *) *top = &e->returned[r->worker];
	struct weir_rec *h = atomic_load_explicit(top, memory_order_relaxed);
	do
		r->next = h;
	while (
	    !atomic_compare_exchange_weak_explicit(top, &h, r, memory_order_release, memory_order_relaxed));
}

/* Frees every record returned to worker wk so far (its worker, or anyone
 * once the workers are done: taking the whole stack at once is ABA-safe). */
static void rec_free_returned(struct weir_engine *e, int wk)
{
	struct weir_rec *r = atomic_exchange_explicit(&e->returned[wk], NULL, memory_order_acquire);
	while (r) {
		struct weir_rec *n = r->next;
		r->free(r);
		r = n;
	}
}

/* Applies (or defers) one record, in the order of its worker. */
static void w_take(struct weir_engine *e, struct wstate *ws, struct weir_rec *r)
{
	int wk = r->worker;
	r->next = NULL;
	if (ws->marked[wk] || ws->def_head[wk]) {
		if (ws->def_tail[wk])
			ws->def_tail[wk]->next = r;
		else
			ws->def_head[wk] = r;
		ws->def_tail[wk] = r;
		return;
	}
	w_apply(e, ws, r);
}

static void w_apply(struct weir_engine *e, struct wstate *ws, struct weir_rec *r)
{
	if (!ws->in_txn && !atomic_load(&e->writer_err)) {
		if (weir_store_begin(e->store) != 0) {
			writer_fail(e, WEIR_ESTORE, "cannot begin a transaction");
		} else {
			ws->in_txn = true;
			ws->txn_start = weir_now_ns();
		}
	}
	bool marker = r->put == ckpt_put;
	if (ws->in_txn && !atomic_load(&e->writer_err)) {
		int rc = r->put(r, &e->writer_ctx);
		if (rc)
			writer_fail(e, rc, weir_strerror(rc));
	}
	bool complete = marker && ((struct ckpt_mark *)r)->ck == NULL;
	int wk = r->worker;
	if (r->seq > e->applied_seq[wk]) {
		e->applied_seq[wk] = r->seq;
		atomic_store_explicit(&e->applied_pub[wk], r->seq, memory_order_release);
	}
	rec_return(e, r);
	if (!marker)
		return;
	ws->marked[wk] = true;
	ws->waiting++;
	if (!complete)
		return;
	/* every worker's marker is in: results and position, atomically */
	w_commit(e, ws);
	pthread_mutex_lock(&e->ckpt_mu);
	e->ckpt_committed++;
	pthread_cond_broadcast(&e->ckpt_cv);
	pthread_mutex_unlock(&e->ckpt_mu);
	ws->waiting = 0;
	memset(ws->marked, 0, sizeof(ws->marked));
	/* now the held-back records, worker by worker, in order */
	for (int i = 0; i < e->nworkers; i++) {
		struct weir_rec *d = ws->def_head[i];
		ws->def_head[i] = ws->def_tail[i] = NULL;
		while (d) {
			struct weir_rec *n = d->next;
			w_take(e, ws, d);
			d = n;
		}
	}
}

/* The writer: takes every queued record at once, merges them into the
 * store inside one transaction; while a file is read (checkpoint mode) it
 * commits only when a checkpoint completes, otherwise at least every
 * commit interval and whenever the queue runs dry for 50 ms. */
static void *writer_main(void *arg)
{
	struct weir_engine *e = arg;
	weir_arena_hugepages(ARENA_GROW, ARENA_PREFAULT);
	struct wstate *ws = calloc(1, sizeof(*ws));
	bool stop = false;
	uint64_t interval = (uint64_t)e->o.commit_interval_ms * 1000000ULL;
	if (!ws) {
		writer_fail(e, WEIR_ENOMEM, "out of memory");
		return NULL;
	}
	while (!stop) {
		struct weir_rec *r = fifo_pop_all(&e->recs, ws->in_txn ? 50 : -1);
		bool ckpt_mode = atomic_load_explicit(&e->ckpt_mode_a, memory_order_acquire);
		if (!r) {
			/* idle: make what we have visible, unless only a checkpoint may commit */
			if (!ckpt_mode && !ws->waiting)
				w_commit(e, ws);
			continue;
		}
		while (r) {
			struct weir_rec *next = r->next;
			/* the worker wrote it on the other core: fetch the next record's
			 * header while this one is merged, or the walk stalls on each */
			if (next)
				__builtin_prefetch(next);
			if (r->stop) { /* the stop marker, always last */
				free(r);
				stop = true;
				break;
			}
			w_take(e, ws, r);
			r = next;
		}
		if (ws->in_txn && !ws->waiting && !ckpt_mode && weir_now_ns() - ws->txn_start >= interval)
			w_commit(e, ws);
	}
	/* at the stop every checkpoint has completed; anything else still held is applied */
	for (int i = 0; i < e->nworkers; i++)
		for (struct weir_rec *d = ws->def_head[i], *n; d; d = n) {
			n = d->next;
			w_apply(e, ws, d);
		}
	debug_mark("writer: stop received");
	w_commit(e, ws);
	debug_mark("writer: final commit done");
	if (!atomic_load(&e->writer_err) && weir_store_finish(e->store) != 0)
		writer_fail(e, WEIR_ESTORE, "sketch refresh failed");
	free(ws);
	thread_cpu_report("writer", 0);
	atomic_store_explicit(&e->writer_done, true, memory_order_release);
	return NULL;
}

/* ---- workers ----------------------------------------------------------------- */

static void emit_to(struct worker *w, struct weir_rec *r)
{
	r->next = NULL;
	r->seq = ++w->seq;
	if (w->out_tail)
		w->out_tail->next = r;
	else
		w->out_head = r;
	w->out_tail = r;
	w->nout++;
}

static void emit_rec(void *ctx, struct weir_rec *r)
{
	struct emit_ctx *c = ctx;
	r->op = c->op;
	emit_to(c->w, r);
}

/* Hands the records of one batch to the writer in one go. */
static void flush_out(struct worker *w)
{
	if (!w->out_head)
		return;
	fifo_push_chain(&w->e->recs, w->out_head, w->out_tail, w->nout);
	w->out_head = w->out_tail = NULL;
	w->nout = 0;
}

static uint64_t committed(void *ctx)
{
	struct worker *w = ctx;
	return atomic_load(&w->e->committed_seq[w->id]);
}

static struct weir_store *store_ro(void *ctx)
{
	struct worker *w = ctx;
	if (!w->ro) {
		char err[256];
		if (weir_store_open(w->e->store_uri, true, &w->ro, err, sizeof(err)) != 0)
			return NULL;
	}
	return w->ro;
}

static void batch_release(struct weir_engine *e, struct batch *b)
{
	if (atomic_fetch_sub(&b->refs, 1) == 1)
		fifo_push(&e->free_batches, b);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct weir_engine *e = w->e;
	weir_arena_hugepages(ARENA_GROW, ARENA_PREFAULT);
	for (;;) {
		struct batch *b = spsc_pop(&w->ring);
		int final = b->final;
		rec_free_returned(e, w->id);
		if (!w->err) {
			uint32_t n = b->nidx[w->id];
			const uint32_t *ix = b->idx[w->id];
			for (uint32_t i = 0; i < n && !w->err; i++) {
				const struct weir_event *ev = &b->ev[ix[i]];
				/* The reader just wrote the batch on the other core: start
				 * fetching an event a few ahead, then its strings, so the
				 * ops do not wait for each line on its first touch. */
				if (i + 8 < n) {
					const char *nx = (const char *)&b->ev[ix[i + 8]];
					__builtin_prefetch(nx);
					__builtin_prefetch(nx + 64); /* the string views span two lines */
				}
				if (i + 4 < n) {
					const struct weir_event *nx = &b->ev[ix[i + 4]];
					__builtin_prefetch(nx->channel.p);
					__builtin_prefetch(nx->user.p);
					__builtin_prefetch(nx->text.p);
					__builtin_prefetch(nx->id.p);
				}
				const struct kind_ops *ko =
				    &w->by_kind[ev->kind < WEIR_KIND_COUNT ? ev->kind : 0];
				for (int j = 0; j < ko->n && !w->err; j++)
					w->err = ko->add[j](ko->st[j], ev);
			}
			for (int k = 0; k < e->nops && !w->err; k++)
				w->err = weir_ops[k]->advance(w->op[k], final ? INT64_MAX : b->watermark);
			for (int k = 0; k < e->nops && !w->err && b->ck; k++)
				w->err = weir_ops[k]->flush ? weir_ops[k]->flush(w->op[k])
							    : weir_ops[k]->advance(w->op[k], INT64_MAX);
		}
		if (b->ck) {
			/* after this worker's records: the writer counts the markers */
			struct ckpt_mark *m = calloc(1, sizeof(*m));
			if (m) {
				m->h.put = ckpt_put;
				m->h.free = ckpt_free;
				m->h.worker = (uint16_t)w->id;
				m->ck = b->ck;
				emit_to(w, &m->h);
			} else {
				w->err = WEIR_ENOMEM;
			}
		}
		flush_out(w);
		batch_release(e, b);
		if (final) {
			thread_cpu_report("worker", w->id);
			return NULL;
		}
	}
}

/* ---- reader ------------------------------------------------------------------ */

static void block_unref(struct weir_engine *e, struct block *k)
{
	if (--k->refs)
		return;
	if (k->cap == BLOCK_CAP) {
		k->next = e->spare;
		e->spare = k;
	} else {
		free(k);
	}
}

/*
 * Makes a block of cap bytes the one the reader reads into, with the
 * unfinished line (carry bytes from the old block's data + from) at its
 * start. The old block lives on while batches point into it.
 */
static int block_switch(struct weir_engine *e, size_t cap, size_t from, size_t carry)
{
	struct block *k = NULL;
	if (cap == BLOCK_CAP && e->spare) {
		k = e->spare;
		e->spare = k->next;
	} else {
		k = cap == BLOCK_CAP ? weir_huge_alloc(HUGE_PAGE)
				     : malloc(sizeof(*k) + cap + WEIR_JSON_PADDING);
		if (!k)
			return WEIR_ENOMEM;
		k->cap = cap;
	}
	k->refs = 1;
	if (e->blk) {
		memcpy(k->data, e->blk->data + from, carry);
		block_unref(e, e->blk);
	}
	e->blk = k;
	e->buf = k->data;
	e->bufcap = k->cap;
	return 0;
}

/* The current batch holds the block its next event points into; false when
 * it holds BATCH_BLOCKS already (then it must be dispatched first). */
static bool batch_hold_block(struct weir_engine *e, struct batch *b)
{
	if (b->nblk && b->blk[b->nblk - 1] == e->blk)
		return true;
	if (b->nblk == BATCH_BLOCKS)
		return false;
	b->blk[b->nblk++] = e->blk;
	e->blk->refs++;
	return true;
}

static struct batch *batch_get(struct weir_engine *e)
{
	struct batch *b = fifo_pop(&e->free_batches, -1);
	for (uint32_t i = 0; i < b->nblk; i++)
		block_unref(e, b->blk[i]);
	b->nblk = 0;
	b->n = 0;
	b->final = 0;
	b->ck = NULL;
	b->arena_bytes = 0;
	for (int i = 0; i < e->nworkers; i++)
		b->nidx[i] = 0;
	weir_arena_reset(&b->arena);
	return b;
}

static void dispatch(struct weir_engine *e, int final)
{
	struct batch *b = e->cur;
	if (!b)
		b = batch_get(e);
	e->cur = NULL;
	b->final = final;
	b->watermark = e->max_ts == INT64_MIN ? INT64_MIN : e->max_ts - e->o.lateness_ms;
	atomic_store(&b->refs, e->nworkers);
	for (int i = 0; i < e->nworkers; i++) {
		struct worker *w = &e->w[i];
		spsc_push(&w->ring, b);
	}
}

static void checkpoint_wait(struct weir_engine *e, uint64_t seq);

static void dead(struct weir_engine *e, const char *source, uint64_t line, int reason, const char *detail,
		 const char *raw, size_t n, int truncated)
{
	if (e->dead_after) {
		/* A file's first checkpoint (line 0) records where its dead letters
		 * start: it is committed before the first of them is written, so
		 * that a run killed before the next checkpoint cannot leave them
		 * twice. Only then, not before reading, is it waited for. */
		checkpoint_wait(e, e->dead_after);
		e->dead_after = 0;
	}
	e->st.dead++;
	e->st.reasons[reason]++;
	weir_dlq_write(&e->dlq, source, line, weir_reason_name(reason), detail, raw, n, truncated);
}

/* Copy an IRC event's views into the batch arena (they point into the line). */
static int own_strings(struct weir_arena *a, struct weir_event *ev)
{
	struct weir_str *f[] = {&ev->channel, &ev->user, &ev->text, &ev->id, &ev->user_id, &ev->display_name};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!f[i]->p)
			continue;
		char *p = weir_arena_strdup(a, f[i]->p, f[i]->n);
		if (!p)
			return WEIR_ENOMEM;
		f[i]->p = p;
	}
	if (ev->nitems) {
		struct weir_str *items = weir_arena_alloc(a, ev->nitems * sizeof(*items));
		if (!items)
			return WEIR_ENOMEM;
		for (uint32_t i = 0; i < ev->nitems; i++) {
			items[i].n = ev->items[i].n;
			items[i].p = weir_arena_strdup(a, ev->items[i].p, ev->items[i].n);
			if (!items[i].p)
				return WEIR_ENOMEM;
		}
		ev->items = items;
	}
	return 0;
}

static int is_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\v' && p[i] != '\f')
			return 0;
	return 1;
}

static void progress(struct weir_engine *e, int force)
{
	if (!e->o.progress)
		return;
	uint64_t now = weir_now_ns();
	if (!force && now - e->last_progress < 250000000ULL)
		return;
	e->last_progress = now;
	double secs = (double)(now - e->t0) / 1e9;
	double rate = secs > 0 ? (double)e->st.events / secs : 0;
	double mb = (double)e->st.bytes / 1e6;
	char eta[32] = "";
	if (e->cur_size && e->cur_pos && secs > 0.2) {
		double left = (double)(e->cur_size - e->cur_pos) / ((double)e->cur_pos / secs);
		snprintf(eta, sizeof(eta), "  ETA %.0fs", left < 0 ? 0 : left);
	}
	fprintf(stderr, "\r\033[K%s: %.1f MB  %llu events  %.0f events/s  %llu dead%s", e->cur_source, mb,
		(unsigned long long)e->st.events, rate, (unsigned long long)e->st.dead, eta);
	if (force)
		fputc('\n', stderr);
}

/* Handles one line (without its '\n'); p has WEIR_JSON_PADDING bytes after it.
 * inplace: p lies in the current input block (e->blk), which the batch then
 * holds, and is parsed where it lies; otherwise p is the caller's (copied). */
static int one_line(struct weir_engine *e, const char *source, uint64_t lineno, char *p, size_t n,
		    int inplace, int clean)
{
	e->st.lines++;
	if (n && p[n - 1] == '\r' && e->o.format == WEIR_FMT_IRC)
		n--;
	if (is_blank(p, n)) {
		e->st.blank++;
		return 0;
	}
	if (n > e->o.max_line) {
		dead(e, source, lineno, WEIR_R_LINE_TOO_LONG, NULL, p, n, 0);
		return 0;
	}
	if (!e->cur)
		e->cur = batch_get(e);
	if (inplace && !batch_hold_block(e, e->cur)) {
		dispatch(e, 0);
		e->cur = batch_get(e);
		batch_hold_block(e, e->cur);
	}
	struct batch *b = e->cur;
	struct weir_event *ev = &b->ev[b->n];
	/* The batch's events were last written long ago (it went round the
	 * workers): fetch the slot of a later line now, so that its stores do
	 * not wait for the cache lines then. */
	if (b->n + 4 < BATCH_EVENTS)
		for (size_t o = 0; o < sizeof(*ev); o += 64)
			__builtin_prefetch((const char *)(ev + 4) + o, 1);
	const char *detail = NULL;
	int r;
	if (e->o.format == WEIR_FMT_IRC) {
		r = weir_irc_parse(&e->st.irc, p, n, weir_wall_ms(), &b->arena, ev);
		if (r == 0) {
			e->st.irc_skipped++;
			return 0;
		}
		if (r < 0) {
			dead(e, source, lineno, -r, NULL, p, n, 0);
			return 0;
		}
		if (own_strings(&b->arena, ev) != 0)
			return WEIR_ENOMEM;
	} else {
		r = inplace ? weir_json_parse_inplace(e->json, p, n, clean, &b->arena, ev, &detail)
			    : weir_json_parse(e->json, p, n, &b->arena, ev, &detail);
		if (r != WEIR_R_OK) {
			dead(e, source, lineno, r, detail, p, n, 0);
			return 0;
		}
	}
	if (e->o.max_future_ms > 0 && ev->ts > e->future_limit) {
		/* A clock years ahead would drag the watermark along and make every
		 * later event late: refuse the event, not the time. */
		if ((e->st.lines & 0xfff) == 0 || e->future_limit == 0)
			e->future_limit = weir_wall_ms() + e->o.max_future_ms;
		if (ev->ts > e->future_limit) {
			if (inplace && e->o.format != WEIR_FMT_IRC)
				weir_json_restore(e->json); /* the line as it came */
			dead(e, source, lineno, WEIR_R_FUTURE_TIMESTAMP, "ts", p, n, 0);
			return 0;
		}
	}
	ev->line = lineno;
	b->arena_bytes += n;
	e->st.events++;
	e->st.by_kind[ev->kind]++;
	if (ev->ts < e->st.min_ts)
		e->st.min_ts = ev->ts;
	if (ev->ts > e->st.max_ts)
		e->st.max_ts = ev->ts;
	/* Late: its minute window had closed before it arrived (events.md §3). */
	if (e->max_ts != INT64_MIN &&
	    weir_floor(ev->ts, WEIR_MS_PER_MIN) + WEIR_MS_PER_MIN <= e->max_ts - e->o.lateness_ms) {
		ev->flags |= WEIR_EV_LATE;
		e->st.late++;
	}
	if (ev->ts > e->max_ts)
		e->max_ts = ev->ts;
	if (!(e->kinds & WEIR_OP_KIND(ev->kind))) {
		e->st.unrouted++;
		return 0;
	}
	/* The shard key: the channel (account) for channel kinds, the id for posts
	 * (so that a repeated post meets its first copy). */
	const struct weir_str *key = ev->kind == WEIR_KIND_POST ? &ev->id : &ev->channel;
	ev->key_hash = weir_hash(key->p, key->n);
	/* The same shard as key_hash % nworkers: a mask for a power of two
	 * (--threads 2, 4), whose 64-bit division was a sixth of one_line (perf) */
	uint64_t nw = (uint64_t)e->nworkers;
	uint32_t shard = (uint32_t)((nw & (nw - 1)) == 0 ? ev->key_hash & (nw - 1) : ev->key_hash % nw);
	b->idx[shard][b->nidx[shard]++] = b->n;
	b->n++;
	if (b->n == BATCH_EVENTS || b->arena_bytes >= BATCH_BYTES)
		dispatch(e, 0);
	return 0;
}

/* The first '\n' in p[0..end), or NULL; *clean: no backslash and no NUL
 * before it. One pass instead of memchr for the end and strchrnul for the
 * escapes (the parser's, event.c): most lines have neither. AVX2 where the
 * CPU has it (__builtin_cpu_supports reads a flag set at start-up); 64 bytes a step. */
#if defined(__x86_64__)
__attribute__((target("avx2"))) static char *line_end_avx2(char *p, char *end, int *clean)
{
	/* A byte is one of the three iff it equals the entry of its low nibble:
	 * '\n' 0x0A, '\\' 0x5C and NUL have distinct ones, every other entry is
	 * NUL (no match but for NUL itself), and bytes >= 0x80 look up NUL. */
	const __m256i tab = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\n', 0, '\\', 0, 0, 0, 0, 0, 0, 0,
					     0, 0, 0, 0, 0, 0, '\n', 0, '\\', 0, 0, 0);
	for (; end - p >= 64; p += 64) {
		__m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)p);
		__m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
		__m256i h0 = _mm256_cmpeq_epi8(_mm256_shuffle_epi8(tab, v0), v0);
		__m256i h1 = _mm256_cmpeq_epi8(_mm256_shuffle_epi8(tab, v1), v1);
		if (_mm256_testz_si256(_mm256_or_si256(h0, h1), _mm256_or_si256(h0, h1)))
			continue;
		uint64_t m = (uint32_t)_mm256_movemask_epi8(h0) | (uint64_t)(uint32_t)_mm256_movemask_epi8(h1)
								      << 32;
		p += __builtin_ctzll(m);
		if (*p == '\n') {
			*clean = 1;
			return p;
		}
		*clean = 0;
		return memchr(p, '\n', (size_t)(end - p));
	}
	for (; p < end; p++) {
		if (*p == '\n') {
			*clean = 1;
			return p;
		}
		if (*p == '\\' || *p == '\0') {
			*clean = 0;
			return memchr(p, '\n', (size_t)(end - p));
		}
	}
	*clean = 0;
	return NULL;
}

#endif

static char *line_end(char *p, char *end, int *clean)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx2"))
		return line_end_avx2(p, end, clean);
#endif
	*clean = 0;
	return memchr(p, '\n', (size_t)(end - p));
}

/* Splits buf[0..len) into lines (split_lines); returns bytes consumed (up to
 * the last '\n'). */
static size_t scan_lines(struct weir_engine *e, const char *source, uint64_t *lineno, char *buf, size_t len,
			 int at_eof, int inplace, int *err)
{
	size_t off = 0;
	for (;;) {
		int clean;
		char *nl = line_end(buf + off, buf + len, &clean);
		if (!nl) {
			if (at_eof && off < len) {
				*err = one_line(e, source, ++*lineno, buf + off, len - off, inplace, 0);
				off = len;
			}
			return off;
		}
		size_t n = (size_t)(nl - (buf + off));
		*err = one_line(e, source, ++*lineno, buf + off, n, inplace, clean);
		if (*err)
			return off;
		off += n + 1;
		if ((e->st.lines & 0xffff) == 0)
			progress(e, 0);
	}
}

/* Splits buf[0..len) into lines and handles each; returns bytes consumed (up
 * to the last '\n'). inplace: buf lies in the current input block (one_line). */
static size_t split_lines(struct weir_engine *e, const char *source, uint64_t *lineno, char *buf, size_t len,
			  int at_eof, int inplace, int *err)
{
	/* JSON parsed in place: simdjson's stage 1 runs over the whole lines in
	 * 128 KiB batches instead of once per line (weir_json_stream; callgrind:
	 * a quarter of stage 1's instructions were its per-call set-up) */
	char *last = inplace && e->o.format != WEIR_FMT_IRC && len ? memrchr(buf, '\n', len) : NULL;
	if (last)
		weir_json_stream(e->json, buf, (size_t)(last - buf) + 1);
	size_t used = scan_lines(e, source, lineno, buf, len, at_eof, inplace, err);
	if (last)
		weir_json_stream(e->json, NULL, 0);
	return used;
}

/* Identity of a regular file for checkpoints: its real path and a hash of
 * its first 64 KiB (a file that grew keeps its identity; a different file
 * at the same path does not). NULL for what cannot be resumed (stdin, pipes). */
static char *source_identity(const char *path, char **real)
{
	*real = NULL;
	if (!strcmp(path, "-"))
		return NULL;
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char buf[65536];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n < 0)
		return NULL;
	*real = realpath(path, NULL);
	if (!*real)
		return NULL;
	size_t cap = strlen(*real) + 40;
	char *id = malloc(cap);
	if (id)
		snprintf(id, cap, "file:%016llx:%s", (unsigned long long)XXH3_64bits(buf, (size_t)n), *real);
	return id;
}

/* The dead-letter file's size, flushed, for a checkpoint. */
static int64_t dlq_offset(struct weir_engine *e)
{
	if (e->dlq.f) {
		fflush(e->dlq.f);
		return (int64_t)ftello(e->dlq.f);
	}
	struct stat st;
	return e->dlq.path && stat(e->dlq.path, &st) == 0 ? (int64_t)st.st_size : 0;
}

/* Everything read so far goes to the workers, then a barrier batch: each
 * worker flushes its operators and sends a marker; the writer commits the
 * results together with this position. */
static void checkpoint(struct weir_engine *e, const char *source, const char *path, uint64_t offset,
		       uint64_t line, bool complete)
{
	struct ckpt *ck = calloc(1, sizeof(*ck));
	if (!ck)
		return; /* no checkpoint this time: the next one covers it */
	ck->source = strdup(source);
	ck->path = strdup(path);
	ck->pos.offset = offset;
	ck->pos.line = line;
	ck->pos.max_ts = e->max_ts;
	ck->pos.dead_offset = dlq_offset(e);
	ck->pos.complete = complete;
	ck->markers = e->nworkers;
	if (e->cur && e->cur->n)
		dispatch(e, 0);
	if (!e->cur)
		e->cur = batch_get(e);
	e->cur->ck = ck; /* an empty batch, or the barrier right after the last events */
	dispatch(e, 0);
	e->st.checkpoints++;
	pthread_mutex_lock(&e->ckpt_mu);
	e->ckpt_issued++;
	pthread_mutex_unlock(&e->ckpt_mu);
}

/* Waits until the first seq checkpoints issued are committed (or the writer failed). */
static void checkpoint_wait(struct weir_engine *e, uint64_t seq)
{
	pthread_mutex_lock(&e->ckpt_mu);
	while (e->ckpt_committed < seq && !atomic_load(&e->writer_err)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&e->ckpt_cv, &e->ckpt_mu, &ts);
	}
	pthread_mutex_unlock(&e->ckpt_mu);
}

/* Continue from a checkpoint: skip what was consumed, restore the watermark
 * and cut the dead-letter file back to where it was. */
static int resume(struct weir_engine *e, struct weir_input *in, const struct weir_checkpoint *ck,
		  uint64_t *file_off)
{
	while (*file_off < ck->offset) {
		size_t want =
		    ck->offset - *file_off < e->bufcap ? (size_t)(ck->offset - *file_off) : e->bufcap;
		ssize_t r = weir_input_read(in, e->buf, want);
		if (r <= 0)
			return r < 0 ? (int)r : WEIR_EINVAL; /* shorter than before: not the same file */
		*file_off += (uint64_t)r;
	}
	if (ck->max_ts > e->max_ts)
		e->max_ts = ck->max_ts;
	if (e->dlq.path && ck->dead_offset >= 0) {
		if (e->dlq.f)
			fflush(e->dlq.f);
		struct stat st;
		if (stat(e->dlq.path, &st) == 0 && st.st_size > ck->dead_offset &&
		    truncate(e->dlq.path, ck->dead_offset) != 0)
			return WEIR_EIO;
	}
	return 0;
}

int weir_engine_feed_file(struct weir_engine *e, const char *path, char *err, size_t errcap)
{
	struct weir_input *in;
	char *real = NULL;
	char *ident = source_identity(path, &real);
	struct weir_checkpoint ck = {0};
	int have_ck = 0;
	if (ident) {
		struct weir_store *ro;
		if (weir_store_open(e->store_uri, true, &ro, err, errcap) == 0) {
			have_ck = weir_store_checkpoint_get(ro, ident, &ck);
			weir_store_close(ro);
		}
		if (have_ck < 0)
			have_ck = 0;
		if (have_ck && ck.complete && !e->o.force) {
			e->st.files_skipped++;
			fprintf(stderr,
				"weir: %s was already ingested into this store; skipped (--force ingests it "
				"again)\n",
				path);
			free(ident);
			free(real);
			return 0;
		}
		if (have_ck && e->o.force)
			have_ck = 0;
	}
	int rc = weir_input_open(path, &in, err, errcap);
	if (rc) {
		free(ident);
		free(real);
		return rc;
	}
	const char *source = strcmp(path, "-") == 0 ? "<stdin>" : path;
	e->cur_source = source;
	e->cur_size = weir_input_size(in);
	e->st.files++;
	uint64_t lineno = 0, file_off = 0; /* file_off: decompressed offset of buf[base] */
	if (e->blk_used) {
		/* batches may still point into the block: read this file into a fresh one */
		if (block_switch(e, e->bufcap, 0, 0) != 0) {
			weir_input_close(in);
			free(ident);
			free(real);
			return WEIR_ENOMEM;
		}
		e->blk_used = 0;
	}
	if (have_ck) {
		rc = resume(e, in, &ck, &file_off);
		if (rc) {
			snprintf(err, errcap,
				 "%s: cannot resume from its checkpoint (changed since?): use --force", path);
			weir_input_close(in);
			free(ident);
			free(real);
			return rc;
		}
		lineno = ck.line;
		e->st.files_resumed++;
	}
	if (ident) {
		atomic_store(&e->ckpt_mode_a, true);
		if (!have_ck) {
			/* A first checkpoint at line 0, committed before anything is read:
			 * it remembers where this file's dead letters start, so that a
			 * run killed before its next checkpoint cannot leave them twice. */
			checkpoint(e, ident, real, 0, 0, false);
			/* reading goes on at once; dead() waits for this commit
			 * before the file's first dead letter */
			pthread_mutex_lock(&e->ckpt_mu);
			e->dead_after = e->ckpt_issued;
			pthread_mutex_unlock(&e->ckpt_mu);
		}
	}
	uint64_t interval = (uint64_t)e->o.checkpoint_interval_ms * 1000000ULL;
	uint64_t last_ckpt = weir_now_ns();
	/* and every checkpoint_mib of input: the WAL between commits stays
	 * short, so the background checkpoints copy it while the file is read
	 * and the one after the last commit has little left (docs/store.md) */
	uint64_t ckpt_bytes = (uint64_t)e->o.checkpoint_mib << 20, last_off = file_off;
	size_t base = 0;  /* buf[0..base) is parsed: events may point into it */
	size_t have = 0;  /* carried bytes of an unfinished line at buf[base..base + have) */
	int skipping = 0; /* inside a line longer than HARD_LINE_CAP */
	bool eof = false;
	for (;;) {
		if (e->o.stop && *e->o.stop)
			break;
		if (e->bufcap - base - have < READ_CHUNK && base) {
			/* the block is used up: go on in a fresh one, the unfinished line first */
			if (block_switch(e, e->bufcap, base, have) != 0) {
				rc = WEIR_ENOMEM;
				break;
			}
			base = 0;
		}
		if (e->bufcap - have < READ_CHUNK) {
			/* an unfinished line fills the block: grow, up to the hard cap */
			size_t ncap = e->bufcap * 2;
			if (ncap > HARD_LINE_CAP + READ_CHUNK) {
				/* dead-letter what we have, truncated, and skip to the next '\n' */
				dead(e, source, ++lineno, WEIR_R_LINE_TOO_LONG, "line longer than 64 MiB",
				     e->buf, have, 1);
				e->st.lines++;
				file_off += have;
				have = 0;
				skipping = 1;
			} else if (block_switch(e, ncap, 0, have) != 0) {
				rc = WEIR_ENOMEM;
				break;
			}
		}
		if (!ident) {
			/* Live input (stdin, a pipe): when the stream pauses, hand what has
			 * arrived to the workers at once instead of waiting for a full batch,
			 * and keep them ticking while it stays idle, so that operators'
			 * wall-clock hand-overs run and results stay current. */
			while (!(e->o.stop && *e->o.stop) && weir_input_wait(in, IDLE_TICK_MS) == 0)
				dispatch(e, 0);
			if (e->o.stop && *e->o.stop)
				break;
		}
		char *buf = e->buf + base;
		ssize_t r = weir_input_read(in, buf + have, e->bufcap - base - have);
		if (r < 0) {
			snprintf(err, errcap, "%s: read error (%s)", source, weir_strerror((int)r));
			rc = (int)r;
			break;
		}
		e->cur_pos = weir_input_pos(in);
		e->st.bytes += (uint64_t)r;
		size_t len = have + (size_t)r;
		size_t start = 0;
		if (skipping) {
			char *nl = memchr(buf, '\n', len);
			if (!nl) {
				file_off += len;
				have = 0;
				if (r == 0) {
					eof = true;
					break;
				}
				continue;
			}
			start = (size_t)(nl - buf) + 1;
			skipping = 0;
		}
		memset(buf + len, 0, WEIR_JSON_PADDING);
		int perr = 0;
		size_t used =
		    start + split_lines(e, source, &lineno, buf + start, len - start, r == 0, 1, &perr);
		if (perr) {
			rc = perr;
			break;
		}
		have = len - used;
		file_off += used;
		base += used; /* the lines stay where they are: events point into them */
		if (r == 0) {
			eof = true;
			break;
		}
		if (ident && (weir_now_ns() - last_ckpt >= interval || file_off - last_off >= ckpt_bytes)) {
			checkpoint(e, ident, real, file_off, lineno, false);
			last_ckpt = weir_now_ns();
			last_off = file_off;
		}
	}
	weir_input_close(in);
	e->blk_used = base + have;
	progress(e, 1);
	if (!rc && ident)
		checkpoint(e, ident, real, file_off, lineno, eof);
	else if (!rc && e->cur && e->cur->n)
		dispatch(e, 0);
	free(ident);
	free(real);
	return rc;
}

int weir_engine_feed_lines(struct weir_engine *e, const char *source, const char *buf, size_t len)
{
	uint64_t lineno = e->st.lines;
	int err = 0;
	e->cur_source = source;
	e->st.bytes += len;
	/* not in place: buf is the caller's (one_line copies, never writes it) */
	split_lines(e, source, &lineno, (char *)buf, len, 1, 0, &err);
	if (!err && e->cur && e->cur->n)
		dispatch(e, 0);
	else if (!err)
		dispatch(e, 0); /* carry the watermark forward even without events */
	return err;
}

void weir_engine_stats(struct weir_engine *e, struct weir_engine_stats *st)
{
	*st = e->st;
	st->seconds = (double)(weir_now_ns() - e->t0) / 1e9;
}

/* ---- life cycle --------------------------------------------------------------- */

/* Sets up batches [from, to) and puts them in the pool; returns the index
 * reached (to, or the first one whose memory could not be had). */
static uint32_t batches_init(struct weir_engine *e, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++) {
		struct batch *b = &e->all_batches[i];
		memset(b, 0, offsetof(struct batch, ev)); /* the events are written before use */
		weir_arena_init(&b->arena, 1 << 20);
		for (int k = 0; k < e->nworkers; k++) {
			b->idx[k] = malloc(BATCH_EVENTS * sizeof(uint32_t));
			if (!b->idx[k]) {
				for (int j = 0; j < k; j++)
					free(b->idx[j]);
				weir_arena_free(&b->arena);
				return i;
			}
		}
		fifo_push(&e->free_batches, b);
	}
	return to;
}

/* The rest of the pool, beside the engine's start (a smaller pool only
 * slows the reader down if memory runs out here). */
static void *batches_main(void *arg)
{
	struct weir_engine *e = arg;
	e->batches_ready = batches_init(e, e->batches_ready, e->nbatches);
	return NULL;
}

int weir_engine_open(const struct weir_engine_opts *o, struct weir_engine **out, char *err, size_t errcap)
{
	debug_t0 = weir_now_ns();
	if (o->threads < 1 || o->threads > MAX_WORKERS) {
		snprintf(err, errcap, "--threads: must be 1..%d", MAX_WORKERS);
		return WEIR_EINVAL;
	}
	struct weir_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return WEIR_ENOMEM;
	e->o = *o;
	e->store_uri = strdup(o->store_uri);
	e->dlq_path = o->dead_letter_path ? strdup(o->dead_letter_path) : NULL;
	e->o.store_uri = e->store_uri;
	e->o.dead_letter_path = e->dlq_path;
	e->nworkers = o->threads;
	e->max_ts = INT64_MIN;
	e->future_limit = weir_wall_ms() + o->max_future_ms;
	e->st.min_ts = INT64_MAX;
	e->st.max_ts = INT64_MIN;
	e->t0 = weir_now_ns();
	weir_irc_init(&e->st.irc);
	weir_dlq_init(&e->dlq, e->dlq_path);
	int rc = weir_store_open(e->store_uri, false, &e->store, err, errcap);
	debug_mark("store opened");
	if (rc) {
		weir_dlq_close(&e->dlq);
		free(e->store_uri);
		free(e->dlq_path);
		free(e);
		return rc;
	}
	if (o->store_cache_mib > 0)
		weir_store_set_cache(e->store, o->store_cache_mib);
	/* a live stream commits every second: sketches are refreshed less often */
	weir_store_set_sketch_interval(e->store, SKETCH_INTERVAL_MS);
	e->store_had_data = weir_store_has_data(e->store);
	e->writer_ctx.e = e;
	for (e->nops = 0; weir_ops[e->nops] && e->nops < MAX_OPS; e->nops++)
		e->kinds |= weir_ops[e->nops]->kinds;
	e->json = weir_json_new();
	/* Batches in flight: enough that a worker's share running ahead or
	 * behind for a while does not stall the reader (16 instead of 8 at two
	 * workers: chat -1 to -3% wall, 2026-11-28); their input bytes stay
	 * bounded as before, since BATCH_BYTES halved when their number doubled
	 * (a chatters batch is full of long lines). */
	e->nbatches = (uint32_t)(6 * e->nworkers + 4);
	size_t bsize = (e->nbatches * sizeof(struct batch) + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
	e->all_batches = weir_huge_alloc(bsize);
	if (!e->json || block_switch(e, BLOCK_CAP, 0, 0) != 0 || !e->all_batches)
		goto oom;
	pthread_mutex_init(&e->ckpt_mu, NULL);
	pthread_cond_init(&e->ckpt_cv, NULL);
	fifo_init(&e->free_batches, 0);
	fifo_init(&e->recs, REC_QUEUE_MAX);
	/* The first batches now, the others on a thread: each batch's first
	 * touch faults in a 2 MiB page, which took up to ~40 ms for all of them
	 * on this VM when the memory came back cold from the host, serial before
	 * the first read. */
	uint32_t now = e->nbatches < BATCHES_AT_ONCE ? e->nbatches : BATCHES_AT_ONCE;
	if (batches_init(e, 0, now) != now)
		goto oom;
	e->batches_ready = now;
	if (now < e->nbatches) {
		if (pthread_create(&e->batch_th, NULL, batches_main, e) == 0)
			e->batch_th_running = true;
		else
			e->batches_ready = batches_init(e, now, e->nbatches);
	}
	pthread_create(&e->writer, NULL, writer_main, e);
	pthread_setname_np(e->writer, "weir-writer"); /* top -H, perf --sort comm */
	for (int i = 0; i < e->nworkers; i++) {
		struct worker *w = &e->w[i];
		w->e = e;
		w->id = i;
		spsc_init(&w->ring);
		struct weir_op_env env = {.worker = (uint16_t)i,
					  .emit = emit_rec,
					  .store_ro = store_ro,
					  .store_ctx = w,
					  .store_had_data = e->store_had_data,
					  .committed = committed,
					  .dedup_horizon_ms = e->o.dedup_horizon_ms,
					  .streams_horizon_ms = e->o.streams_horizon_ms};
		for (int k = 0; k < e->nops; k++) {
			w->ectx[k].w = w;
			w->ectx[k].op = (uint8_t)k;
			env.emit_ctx = &w->ectx[k];
			w->op[k] = weir_ops[k]->open(&env);
			if (!w->op[k])
				goto oom; /* only at start-up, before any input */
			for (int kind = 0; kind < WEIR_KIND_COUNT; kind++)
				if (weir_ops[k]->kinds & WEIR_OP_KIND(kind)) {
					struct kind_ops *ko = &w->by_kind[kind];
					ko->add[ko->n] = weir_ops[k]->add;
					ko->st[ko->n++] = w->op[k];
				}
		}
		pthread_create(&w->th, NULL, worker_main, w);
		char name[16];
		snprintf(name, sizeof(name), "weir-worker%u", (unsigned)i % 100u); /* 15 chars max */
		pthread_setname_np(w->th, name);
	}
	*out = e;
	return 0;
oom:
	snprintf(err, errcap, "out of memory");
	/* Only reached before any worker thread runs, in practice at start-up. */
	return WEIR_ENOMEM;
}

int weir_engine_close(struct weir_engine *e, struct weir_engine_stats *st, char *err, size_t errcap)
{
	int rc = 0;
	if (e->batch_th_running) {
		pthread_join(e->batch_th, NULL);
		e->batch_th_running = false;
	}
	thread_cpu_report("reader", 0);
	dispatch(e, 1);
	for (int i = 0; i < e->nworkers; i++) {
		pthread_join(e->w[i].th, NULL);
		if (e->w[i].err && !rc) {
			rc = e->w[i].err;
			snprintf(err, errcap, "worker %d: %s", i, weir_strerror(rc));
		}
	}
	/* the writer's stop marker */
	struct weir_rec *stop = calloc(1, sizeof(*stop));
	stop->stop = 1;
	fifo_push(&e->recs, stop);
	for (int i = 0; i < e->nworkers; i++)
		for (int k = 0; k < e->nops; k++) {
			struct weir_op_stats os = {0};
			weir_ops[k]->stats(e->w[i].op[k], &os);
			e->st.duplicates += os.duplicates;
			e->st.corrections += os.corrections;
			e->st.records += os.records;
			e->st.expired += os.expired;
			e->st.rejected += os.rejected;
		}
	/* The shards' memory is freed while the writer commits the last
	 * checkpoint (the longest step of the serial tail, mostly waiting on
	 * I/O), not after it: they are done, and once the writer has applied
	 * every record nothing points into them (records hold their interned
	 * names and words). */
	for (bool all = false; !all && !atomic_load_explicit(&e->writer_done, memory_order_acquire);) {
		all = true;
		for (int i = 0; i < e->nworkers; i++)
			all &= atomic_load_explicit(&e->applied_pub[i], memory_order_acquire) >= e->w[i].seq;
		if (!all) {
			/* idle here: free what the writer has applied (the workers are gone) */
			for (int i = 0; i < e->nworkers; i++)
				rec_free_returned(e, i);
			nanosleep(&(struct timespec){0, 200000}, NULL);
		}
	}
	for (int i = 0; i < e->nworkers; i++)
		for (int k = 0; k < e->nops; k++)
			weir_ops[k]->close(e->w[i].op[k]);
	/* No malloc_trim(0) here: giving that memory back to the kernel costs
	 * ~380 madvise calls and their TLB shootdowns on the core the final
	 * commit needs (2026-11-27: the ingest was 0.04-0.1 s faster without,
	 * alternating runs), more than the exit's unmapping it saved. */
	debug_mark("operators closed");
	pthread_join(e->writer, NULL);
	debug_mark("writer joined");
	for (int i = 0; i < e->nworkers; i++)
		rec_free_returned(e, i);
	if (atomic_load(&e->writer_err) && !rc) {
		rc = atomic_load(&e->writer_err);
		snprintf(err, errcap, "%s", e->writer_errmsg);
	}
	e->st.seconds = (double)(weir_now_ns() - e->t0) / 1e9;
	if (weir_dlq_close(&e->dlq) != 0 && !rc) {
		rc = WEIR_EIO;
		snprintf(err, errcap, "dead-letter file %s: write failed", e->dlq_path);
	}
	if (st)
		*st = e->st;
	if (!rc) {
		char *js = weir_engine_stats_json(&e->st, e->dlq_path);
		if (js)
			weir_store_log_ingest(e->store, e->st.files ? "files" : "stream", js);
		free(js);
	}
	debug_mark("ingest logged");
	for (int i = 0; i < e->nworkers; i++) {
		weir_store_close(e->w[i].ro);
		spsc_destroy(&e->w[i].ring);
		for (int k = 0; k < MAX_OPS; k++)
			free(e->gid_cache[i][k]);
	}
	free(e->scratch);
	for (uint32_t i = 0; i < e->batches_ready; i++) {
		for (uint32_t k = 0; k < e->all_batches[i].nblk; k++)
			block_unref(e, e->all_batches[i].blk[k]);
		weir_arena_free(&e->all_batches[i].arena);
		for (int k = 0; k < e->nworkers; k++)
			free(e->all_batches[i].idx[k]);
	}
	free(e->all_batches);
	fifo_destroy(&e->free_batches);
	fifo_destroy(&e->recs);
	pthread_mutex_destroy(&e->ckpt_mu);
	pthread_cond_destroy(&e->ckpt_cv);
	debug_mark("buffers freed");
	weir_store_close(e->store);
	weir_json_free(e->json);
	if (e->blk)
		block_unref(e, e->blk);
	while (e->spare) {
		struct block *k = e->spare;
		e->spare = k->next;
		free(k);
	}
	debug_mark("engine closed");
	free(e->store_uri);
	free(e->dlq_path);
	free(e);
	return rc;
}

char *weir_engine_stats_json(const struct weir_engine_stats *st, const char *dlq)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	if (!f)
		return NULL;
	fprintf(f, "{\"files_skipped\":%llu,\"files_resumed\":%llu,\"checkpoints\":%llu,",
		(unsigned long long)st->files_skipped, (unsigned long long)st->files_resumed,
		(unsigned long long)st->checkpoints);
	fprintf(f, "\"files\":%llu,\"bytes\":%llu,\"lines\":%llu,\"events\":%llu,\"by_kind\":{",
		(unsigned long long)st->files, (unsigned long long)st->bytes, (unsigned long long)st->lines,
		(unsigned long long)st->events);
	for (int k = 1; k < WEIR_KIND_COUNT; k++)
		fprintf(f, "%s\"%s\":%llu", k > 1 ? "," : "", weir_kind_name(k),
			(unsigned long long)st->by_kind[k]);
	fprintf(
	    f,
	    "},\"blank\":%llu,\"skipped\":%llu,\"duplicates\":%llu,\"late\":%llu,\"corrections\":%llu,"
	    "\"not_analysed\":%llu,\"expired\":%llu,\"rejected\":%llu,\"dead_letters\":%llu,\"reasons\":{",
	    (unsigned long long)st->blank, (unsigned long long)st->irc_skipped,
	    (unsigned long long)st->duplicates, (unsigned long long)st->late,
	    (unsigned long long)st->corrections, (unsigned long long)st->unrouted,
	    (unsigned long long)st->expired, (unsigned long long)st->rejected, (unsigned long long)st->dead);
	int first = 1;
	for (int r = 1; r < WEIR_R_COUNT; r++)
		if (st->reasons[r]) {
			fprintf(f, "%s\"%s\":%llu", first ? "" : ",", weir_reason_name(r),
				(unsigned long long)st->reasons[r]);
			first = 0;
		}
	fputs("},\"irc_commands\":{", f);
	for (uint32_t i = 0; i < st->irc.ncmds; i++) {
		fputs(i ? ",\"" : "\"", f);
		weir_json_escape(f, st->irc.cmds[i].name, strlen(st->irc.cmds[i].name));
		fprintf(f, "\":%llu", (unsigned long long)st->irc.cmds[i].count);
	}
	fputs("},\"dead_letter_file\":", f);
	if (dlq && st->dead) {
		fputc('"', f);
		weir_json_escape(f, dlq, strlen(dlq));
		fputc('"', f);
	} else {
		fputs("null", f);
	}
	fprintf(f, ",\"seconds\":%.3f,\"events_per_s\":%.0f}", st->seconds,
		st->seconds > 0 ? (double)st->events / st->seconds : 0.0);
	fclose(f);
	return out;
}
