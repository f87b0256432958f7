/*
 * test_streams.c — stream intervals, window splits, peaks, broadcasts, late
 * corrections, duplicates, the horizon and the saved tails (events.md §4,
 * docs/streams.md), from the operator through a real SQLite store to the
 * three queries — without threads: records are merged as they are emitted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops/streams.h"
#include "t.h"

#define MIN 60000LL
#define HOUR 3600000LL
#define T0 1795161600000LL /* 2026-11-20T08:00:00Z */

static struct weir_store *cur_store; /* where collect() merges records */
static int put_errors;
static int rejects; /* records of weir_op_reject() */

static void collect(void *ctx, struct weir_rec *h)
{
	(void)ctx;
	if (weir_rec_is_reject(h))
		rejects++;
	else if (weir_store_streams_put(cur_store, (struct weir_streams_rec *)h) != 0)
		put_errors++;
	h->free(h);
}

static struct weir_store *store_of(void *ctx)
{
	return ctx;
}

static char paths[64][64];
static int npaths;

static struct weir_store *new_store(void)
{
	char uri[80];
	snprintf(paths[npaths], sizeof(paths[0]), "/tmp/weir-test-streams-%d-%d.db", (int)getpid(), npaths);
	unlink(paths[npaths]);
	snprintf(uri, sizeof(uri), "sqlite:%s", paths[npaths]);
	npaths++;
	struct weir_store *s = NULL;
	char err[256];
	if (weir_store_open(uri, false, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "store: %s\n", err);
		exit(1);
	}
	/* one transaction for the whole test: nothing here needs to be durable */
	if (weir_store_begin(s) != 0)
		exit(1);
	return s;
}

/* A shard merging into st; with_tail: it loads saved tails from st. */
static struct weir_streams_shard *shard(struct weir_store *st, int with_tail)
{
	struct weir_op_env env = {.worker = 0, .emit = collect};
	if (with_tail) {
		env.store_ro = store_of;
		env.store_ctx = st;
	}
	cur_store = st;
	struct weir_streams_shard *s = weir_streams_shard_new(&env);
	weir_streams_set_horizon(s, 1000 * HOUR);
	return s;
}

struct smp {
	const char *chan;
	int64_t ts;
	int live;
	int64_t viewers; /* -1 absent */
	const char *game, *lang;
	int64_t started; /* 0 absent */
};

static struct weir_event mk(const struct smp *x)
{
	struct weir_event ev;
	weir_event_clear(&ev);
	ev.kind = WEIR_KIND_STREAM;
	ev.platform = WEIR_PLATFORM_TWITCH;
	ev.ts = x->ts;
	ev.channel.p = x->chan;
	ev.channel.n = (uint32_t)strlen(x->chan);
	ev.live = (int8_t)x->live;
	ev.viewers = x->viewers < 0 ? WEIR_ABSENT : x->viewers;
	if (x->game) {
		ev.game.p = x->game;
		ev.game.n = (uint32_t)strlen(x->game);
	}
	if (x->lang) {
		ev.language.p = x->lang;
		ev.language.n = (uint32_t)strlen(x->lang);
	}
	ev.started_at = x->started ? x->started : WEIR_ABSENT;
	return ev;
}

static void add(struct weir_streams_shard *s, struct smp x)
{
	struct weir_event ev = mk(&x);
	CHECK_EQ_INT(weir_streams_add(s, &ev), 0);
}

static void advance(struct weir_streams_shard *s, int64_t wm)
{
	CHECK_EQ_INT(weir_streams_advance(s, wm), 0);
	CHECK_EQ_INT(put_errors, 0);
}

/* A query's CSV-like text (cells joined by ',' and rows by '\n'). */
static char *query(struct weir_store *st, const char *name, const char *channel, int window, const char *by)
{
	struct weir_query_args a = {.from = WEIR_ABSENT, .to = WEIR_ABSENT, .day = WEIR_ABSENT};
	a.window = window;
	a.limit = -1;
	a.channel = channel;
	a.by = by;
	struct weir_result r;
	char err[256] = "";
	if (weir_store_query(st, name, &a, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "query %s: %s\n", name, err);
		return strdup("ERROR");
	}
	size_t cap = 256 + (size_t)r.nrows * r.ncols * 64, len = 0;
	char *out = malloc(cap);
	out[0] = 0;
	for (uint32_t i = 0; i < r.nrows; i++)
		for (uint32_t c = 0; c < r.ncols; c++) {
			const struct weir_cell *cell = &r.cells[(size_t)i * r.ncols + c];
			char sep = c + 1 == r.ncols ? '\n' : ',';
			if (r.types[c] == WEIR_C_TEXT)
				len += (size_t)snprintf(out + len, cap - len, "%s%c", cell->s ? cell->s : "",
							sep);
			else if (r.types[c] == WEIR_C_REAL)
				len += (size_t)snprintf(out + len, cap - len, "%.6f%c", cell->d, sep);
			else
				len +=
				    (size_t)snprintf(out + len, cap - len, "%lld%c", (long long)cell->i, sep);
		}
	weir_result_free(&r);
	return out;
}

static void close_store(struct weir_store *st)
{
	weir_store_close(st);
}

static void cleanup(void)
{
	for (int i = 0; i < npaths; i++) {
		char p[96];
		unlink(paths[i]);
		snprintf(p, sizeof(p), "%s-wal", paths[i]);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", paths[i]);
		unlink(p);
	}
}

/* ---- tests ----------------------------------------------------------------- */

static void test_basic(void)
{
	struct weir_store *st = new_store();
	struct weir_streams_shard *s = shard(st, 0);
	int64_t started = T0 - 5 * MIN;
	add(s, (struct smp){"chan", T0, 1, 100, "Chess", "en", started}); /* lowercased by the parser */
	add(s, (struct smp){"chan", T0 + 2 * MIN, 1, 300, "Chess", "en", started});
	add(s, (struct smp){"chan", T0 + 5 * MIN, 0, -1, NULL, NULL, 0});
	advance(s, T0 + 4 * MIN);
	advance(s, INT64_MAX);
	char *q = query(st, "streams", NULL, -1, NULL);
	/* 5 min live; (100*2 + 300*3) viewer-minutes = 18.333 hours; avg 220 */
	CHECK_EQ_STR(q, "1795158000000,chan,0.000000,0.000000,0.000000,0,1,\n"
			"1795161600000,chan,5.000000,18.333333,220.000000,300,0,Chess\n");
	free(q);
	q = query(st, "streams", "CHAN", WEIR_GRAIN_MINUTE, NULL);
	CHECK(strstr(q, "1795161600000,chan,1.000000,1.666667,100.000000,100,0,Chess\n") != NULL);
	CHECK(strstr(q, "1795161840000,chan,1.000000,5.000000,300.000000,300,0,Chess\n") != NULL);
	CHECK(strstr(q, "1795161300000,chan,0.000000,0.000000,0.000000,0,1,\n") !=
	      NULL); /* started_at's minute */
	free(q);
	q = query(st, "streamer-schedule", "chan", -1, NULL);
	CHECK_EQ_STR(q, "1795161300000,1795161900000,5.000000,300\n");
	free(q);
	q = query(st, "game-ranking", NULL, -1, NULL);
	CHECK_EQ_STR(q, "1,Chess,18.333333,5.000000,1\n");
	free(q);
	struct weir_streams_stats sst;
	weir_streams_get_stats(s, &sst);
	CHECK_EQ_INT(sst.op.events, 3);
	weir_streams_shard_free(s);
	close_store(st);
}

static void test_gap_and_boundaries(void)
{
	struct weir_store *st = new_store();
	struct weir_streams_shard *s = shard(st, 0);
	int64_t t = T0 + 58 * MIN;
	add(s, (struct smp){"c", t, 1, 60, "A", NULL, 0});		  /* to +10 min: covered */
	add(s, (struct smp){"c", t + 10 * MIN, 1, 70, "A", NULL, 0});	  /* to +10 min 1 ms: offline */
	add(s, (struct smp){"c", t + 20 * MIN + 1, 1, 80, "A", NULL, 0}); /* last: covers nothing */
	advance(s, INT64_MAX);
	char *q = query(st, "streams", NULL, WEIR_GRAIN_HOUR, NULL);
	/* 08:58-09:08 split at 09:00: 2 min in hour 8, 8 min in hour 9 */
	CHECK_EQ_STR(q, "1795161600000,c,2.000000,2.000000,60.000000,60,0,A\n"
			"1795165200000,c,8.000000,8.000000,60.000000,60,0,A\n");
	free(q);
	weir_streams_shard_free(s);
	close_store(st);
}

/* The same samples in order and with a late sample after everything was
 * stored: identical results, and the peak of the cut window goes down. */
static void test_late_correction(void)
{
	struct smp v[] = {
	    {"c", T0 + 58 * MIN, 1, 1000, "A", NULL, T0},
	    {"c", T0 + 62 * MIN, 0, -1, NULL, NULL, 0},
	    {"c", T0 + 59 * MIN, 0, -1, NULL, NULL, 0}, /* late: cuts the first interval */
	};
	struct weir_store *a = new_store(), *b = new_store();
	struct weir_streams_shard *s = shard(a, 0);
	add(s, v[0]);
	add(s, v[1]);
	advance(s, T0 + 3 * HOUR); /* everything final and written */
	char *q = query(a, "streams", NULL, WEIR_GRAIN_HOUR, NULL);
	CHECK(strstr(q, "1795165200000,c,2.000000,33.333333,1000.000000,1000,0,A\n") != NULL);
	free(q);
	add(s, v[2]);
	advance(s, T0 + 3 * HOUR + 1);
	advance(s, INT64_MAX);
	struct weir_streams_stats sst;
	weir_streams_get_stats(s, &sst);
	CHECK_EQ_INT(sst.op.corrections, 1);
	weir_streams_shard_free(s);
	s = shard(b, 0);
	add(s, v[0]);
	add(s, v[2]);
	add(s, v[1]);
	advance(s, INT64_MAX);
	weir_streams_shard_free(s);
	for (int g = 0; g < 3; g++) {
		char *x = query(a, "streams", NULL, g, NULL), *y = query(b, "streams", NULL, g, NULL);
		CHECK_EQ_STR(x, y);
		free(x);
		free(y);
	}
	q = query(a, "streams", NULL, WEIR_GRAIN_HOUR, NULL);
	CHECK_EQ_STR(q, "1795161600000,c,1.000000,16.666667,1000.000000,1000,1,A\n");
	free(q);
	q = query(a, "streamer-schedule", "c", -1, NULL);
	CHECK_EQ_STR(q, "1795161600000,1795165140000,1.000000,1000\n"); /* ended 08:59 */
	free(q);
	close_store(a);
	close_store(b);
}

static void test_duplicates_and_rejects(void)
{
	struct weir_store *st = new_store();
	struct weir_streams_shard *s = shard(st, 0);
	add(s, (struct smp){"c", T0, 1, 100, "A", NULL, 0});
	add(s, (struct smp){"c", T0, 1, 999, "B", NULL, 0}); /* same ms: the first one stays */
	add(s, (struct smp){"c", T0 + MIN, 1, WEIR_STREAMS_MAX_VIEWERS + 1, "A", NULL, 0});
	add(s, (struct smp){"c", T0 + 2 * MIN, 0, -1, NULL, NULL, 0});
	advance(s, INT64_MAX);
	struct weir_streams_stats sst;
	weir_streams_get_stats(s, &sst);
	CHECK_EQ_INT(sst.op.duplicates, 1);
	CHECK_EQ_INT(sst.rejected, 1);
	CHECK_EQ_INT(rejects, 1); /* and recorded, not silently dropped */
	CHECK_EQ_INT(sst.op.events, 2);
	char *q = query(st, "streams", NULL, -1, NULL);
	CHECK_EQ_STR(q, "1795161600000,c,2.000000,3.333333,100.000000,100,0,A\n");
	free(q);
	weir_streams_shard_free(s);
	close_store(st);
}

static void test_horizon(void)
{
	struct weir_store *st = new_store();
	struct weir_streams_shard *s = shard(st, 0);
	weir_streams_set_horizon(s, 10 * MIN);
	for (int i = 0; i < 60; i++)
		add(s, (struct smp){"c", T0 + i * MIN, 1, 10, "A", NULL, 0});
	advance(s, T0 + 60 * MIN);
	add(s, (struct smp){"c", T0 + 5 * MIN + 30000, 0, -1, NULL, NULL, 0});	/* too old: dropped */
	add(s, (struct smp){"c", T0 + 55 * MIN + 30000, 0, -1, NULL, NULL, 0}); /* within: a correction */
	advance(s, INT64_MAX);
	struct weir_streams_stats sst;
	weir_streams_get_stats(s, &sst);
	CHECK_EQ_INT(sst.expired, 1);
	CHECK_EQ_INT(rejects, 2);
	CHECK_EQ_INT(sst.op.corrections, 1);
	char *q = query(st, "streams", NULL, WEIR_GRAIN_HOUR, NULL);
	CHECK_EQ_STR(q, "1795161600000,c,58.500000,9.750000,10.000000,10,0,A\n");
	free(q);
	weir_streams_shard_free(s);
	close_store(st);
}

/* A checkpoint saves the tail before the last interval is final; the end of
 * the run must save it again, or the next ingest would count it twice. */
static void test_tail_resume(void)
{
	struct weir_store *st = new_store();
	struct weir_streams_shard *s = shard(st, 1);
	add(s, (struct smp){"c", T0, 1, 100, "A", "en", T0});
	add(s, (struct smp){"c", T0 + 2 * MIN, 1, 200, "A", "en", T0});
	CHECK_EQ_INT(weir_streams_flush(s), 0);
	advance(s, INT64_MAX);
	weir_streams_shard_free(s);
	s = shard(st, 1); /* the next ingest */
	add(s, (struct smp){"c", T0 + 4 * MIN, 0, -1, NULL, NULL, 0});
	add(s, (struct smp){"c", T0 + MIN, 1, 400, "B", "en", T0}); /* late, before the saved ones */
	advance(s, INT64_MAX);
	weir_streams_shard_free(s);
	char *q = query(st, "streams", NULL, -1, NULL);
	/* 1 min at 100, 1 min at 400 (B), 2 min at 200: 900 viewer-minutes */
	CHECK_EQ_STR(q, "1795161600000,c,4.000000,15.000000,225.000000,400,1,A\n");
	free(q);
	q = query(st, "streamer-schedule", "c", -1, NULL);
	CHECK_EQ_STR(q, "1795161600000,1795161840000,4.000000,400\n");
	free(q);
	close_store(st);
}

/* ---- randomized: any arrival order, watermark, checkpoint or split of the
 * input into runs gives the in-order result ------------------------------------ */

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define NS 400
static struct smp pool[NS];

static void make_pool(void)
{
	static const char *chans[] = {"alpha", "beta", "gamma"};
	static const char *games[] = {"Chess", "Dota 2", "Just Chatting", NULL};
	static const char *langs[] = {"en", "de", NULL};
	int64_t t[3] = {T0, T0, T0};
	int64_t started[3] = {0, 0, 0};
	for (int i = 0; i < NS; i++) {
		int c = (int)(rnd() % 3);
		t[c] += 1 + (int64_t)(rnd() % (13 * MIN)); /* some gaps above 10 minutes */
		int live = rnd() % 8 != 0;
		if (!live)
			started[c] = 0;
		else if (!started[c] || rnd() % 30 == 0)
			started[c] = t[c] - (int64_t)(rnd() % HOUR);
		pool[i] = (struct smp){chans[c],
				       t[c],
				       live,
				       rnd() % 10 == 0 ? -1 : (int64_t)(rnd() % 5000),
				       games[rnd() % 4],
				       langs[rnd() % 3],
				       rnd() % 20 == 0 ? 0 : started[c]};
	}
}

static void dump_all(struct weir_store *st, char **out)
{
	const char *ch[] = {"alpha", "beta", "gamma"};
	int k = 0;
	for (int g = 0; g < 3; g++)
		out[k++] = query(st, "streams", NULL, g, NULL);
	out[k++] = query(st, "game-ranking", NULL, -1, "hours_watched");
	out[k++] = query(st, "game-ranking", NULL, WEIR_GRAIN_MINUTE, "channels");
	for (int i = 0; i < 3; i++)
		out[k++] = query(st, "streamer-schedule", ch[i], -1, NULL);
}
#define NQ 8

static void test_random_orders(void)
{
	make_pool();
	struct weir_store *ref = new_store();
	struct weir_streams_shard *s = shard(ref, 0);
	for (int i = 0; i < NS; i++)
		add(s, pool[i]);
	advance(s, INT64_MAX);
	weir_streams_shard_free(s);
	char *want[NQ];
	dump_all(ref, want);
	CHECK(strlen(want[1]) > 200);
	for (int round = 0; round < 12; round++) {
		/* arrival: each sample moved later by up to 40 positions */
		int order[NS];
		for (int i = 0; i < NS; i++)
			order[i] = i;
		for (int i = 0; i < NS * 2; i++) {
			int a = (int)(rnd() % NS), b = a + (int)(rnd() % 40);
			if (b >= NS)
				b = NS - 1;
			int x = order[a];
			memmove(order + a, order + a + 1, (size_t)(b - a) * sizeof(int));
			order[b] = x;
		}
		struct weir_store *st = new_store();
		s = shard(st, 1);
		int64_t max_ts = INT64_MIN, lateness = (int64_t)(rnd() % (3 * MIN));
		for (int i = 0; i < NS; i++) {
			add(s, pool[order[i]]);
			if (pool[order[i]].ts > max_ts)
				max_ts = pool[order[i]].ts;
			if (rnd() % 5 == 0)
				advance(s, max_ts - lateness);
			if (rnd() % 50 == 0)
				CHECK_EQ_INT(weir_streams_flush(s), 0);
			if (round % 3 == 2 && rnd() % 60 == 0) {
				/* end of one ingest, the next one continues from the saved tails */
				advance(s, INT64_MAX);
				weir_streams_shard_free(s);
				s = shard(st, 1);
				max_ts = INT64_MIN;
			}
		}
		advance(s, INT64_MAX);
		struct weir_streams_stats sst;
		weir_streams_get_stats(s, &sst);
		weir_streams_shard_free(s);
		char *got[NQ];
		dump_all(st, got);
		for (int i = 0; i < NQ; i++) {
			CHECK_EQ_STR(got[i], want[i]);
			free(got[i]);
		}
		close_store(st);
	}
	for (int i = 0; i < NQ; i++)
		free(want[i]);
	close_store(ref);
}

int main(void)
{
	TEST(test_basic);
	TEST(test_gap_and_boundaries);
	TEST(test_late_correction);
	TEST(test_duplicates_and_rejects);
	TEST(test_horizon);
	TEST(test_tail_resume);
	TEST(test_random_orders);
	cleanup();
	T_END();
}
