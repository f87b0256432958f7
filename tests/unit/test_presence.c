/*
 * test_presence.c — the presence operator (slots, days, unions, late
 * reopenings, checkpoint flushes, a 1M-name list), the in-place membership
 * test on serialized bitmaps, and the store's merges and five queries on a
 * temporary SQLite store.
 */
#include <roaring/roaring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ops/presence.h"
#include "t.h"

#define MAXR 64
static struct weir_presence_rec *recs[MAXR];
static int nrecs;

static void collect(void *ctx, struct weir_rec *h)
{
	(void)ctx;
	if (nrecs < MAXR)
		recs[nrecs++] = (struct weir_presence_rec *)h;
	else
		h->free(h);
}

static void clear_recs(void)
{
	for (int i = 0; i < nrecs; i++)
		recs[i]->h.free(&recs[i]->h);
	nrecs = 0;
}

static struct weir_presence_rec *find(int grain, const char *chan, int64_t start)
{
	for (int i = 0; i < nrecs; i++)
		if (recs[i]->grain == grain && recs[i]->start == start &&
		    recs[i]->channel.n == strlen(chan) &&
		    memcmp(recs[i]->channel.p, chan, recs[i]->channel.n) == 0)
			return recs[i];
	return NULL;
}

static int count(int grain)
{
	int n = 0;
	for (int i = 0; i < nrecs; i++)
		n += recs[i]->grain == grain;
	return n;
}

/* The record's users as "a,b,c" (names sorted), for easy checks. */
static const char *names_of(const struct weir_presence_rec *r)
{
	static char buf[4096];
	char *v[256];
	uint32_t n = r->n < 256 ? r->n : 256;
	for (uint32_t i = 0; i < n; i++) {
		struct weir_str s = weir_presence_name(r->names, r->uids[i]);
		v[i] = strndup(s.p, s.n);
	}
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	buf[0] = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			strcat(buf, ",");
		strncat(buf, v[i], sizeof(buf) - strlen(buf) - 2);
		free(v[i]);
	}
	return buf;
}

#define T0 1795197600000LL   /* 2026-11-20T18:00:00Z */
#define DAY0 1795132800000LL /* 2026-11-20T00:00:00Z */
#define SLOT WEIR_PRESENCE_SLOT_MS
#define DAY WEIR_MS_PER_DAY

static struct weir_str users_buf[16];

static struct weir_event snap(const char *chan, int64_t ts, const char *users)
{
	static char copy[16][256];
	static int k;
	struct weir_event ev;
	weir_event_clear(&ev);
	ev.kind = WEIR_KIND_CHATTERS;
	ev.platform = WEIR_PLATFORM_TWITCH;
	ev.ts = ts;
	ev.channel.p = chan;
	ev.channel.n = (uint32_t)strlen(chan);
	/* users: comma-separated; an empty field is an empty name */
	char *c = copy[k++ % 16];
	snprintf(c, 256, "%s", users);
	uint32_t n = 0;
	if (*users) {
		for (char *p = c;;) {
			char *e = strchr(p, ',');
			users_buf[n].p = p;
			users_buf[n].n = (uint32_t)(e ? e - p : (long)strlen(p));
			n++;
			if (!e)
				break;
			p = e + 1;
		}
	}
	ev.items = users_buf;
	ev.nitems = n;
	return ev;
}

static struct weir_presence_shard *shard(void)
{
	struct weir_op_env env = {.worker = 0, .emit = collect};
	return weir_presence_shard_new(&env);
}

static void add(struct weir_presence_shard *s, struct weir_event ev)
{
	CHECK_EQ_INT(weir_presence_add(s, &ev), 0);
}

static void test_slot_union(void)
{
	struct weir_presence_shard *s = shard();
	/* two snapshots in one slot, a repeated name, an empty name */
	add(s, snap("chan", T0 + 1000, "ann,bob,ann,"));
	add(s, snap("chan", T0 + 200000, "bob,cy"));
	add(s, snap("other", T0 + 3000, "bob"));
	CHECK_EQ_INT(weir_presence_advance(s, T0 + SLOT - 1), 0);
	CHECK_EQ_INT(nrecs, 0);
	CHECK_EQ_INT(weir_presence_advance(s, T0 + SLOT), 0);
	CHECK_EQ_INT(count(WEIR_PRESENCE_SLOT), 2);
	CHECK_EQ_INT(count(WEIR_PRESENCE_DAY), 0);
	struct weir_presence_rec *r = find(WEIR_PRESENCE_SLOT, "chan", T0);
	CHECK(r != NULL);
	if (r) {
		CHECK_EQ_INT(r->n, 3);
		CHECK_EQ_STR(names_of(r), "ann,bob,cy");
		for (uint32_t i = 1; i < r->n; i++)
			CHECK(r->uids[i - 1] < r->uids[i]);
	}
	r = find(WEIR_PRESENCE_SLOT, "other", T0);
	CHECK(r && r->n == 1);
	CHECK_EQ_INT(weir_presence_nusers(s), 3);
	struct weir_op_stats st;
	weir_presence_get_stats(s, &st);
	CHECK_EQ_INT(st.events, 3);
	CHECK_EQ_INT(st.records, 2);
	CHECK_EQ_INT(st.corrections, 0);
	clear_recs();
	weir_presence_shard_free(s);
}

static void test_day_and_late(void)
{
	struct weir_presence_shard *s = shard();
	add(s, snap("chan", T0 + 1000, "ann"));
	add(s, snap("chan", T0 + SLOT + 1000, "bob"));
	add(s, snap("chan", T0 + 2 * SLOT, ""));     /* nobody present: still a snapshot */
	add(s, snap("chan", DAY0 + DAY + 5, "dan")); /* next day */
	CHECK_EQ_INT(weir_presence_advance(s, DAY0 + DAY), 0);
	CHECK_EQ_INT(count(WEIR_PRESENCE_SLOT), 3);
	struct weir_presence_rec *r = find(WEIR_PRESENCE_SLOT, "chan", T0 + 2 * SLOT);
	CHECK(r && r->n == 0);
	r = find(WEIR_PRESENCE_DAY, "chan", DAY0);
	CHECK(r != NULL);
	if (r)
		CHECK_EQ_STR(names_of(r), "ann,bob");
	clear_recs();
	/* late: the first slot and its day were emitted; they reopen as deltas */
	add(s, snap("chan", T0 + 2000, "eve,ann"));
	CHECK_EQ_INT(weir_presence_advance(s, DAY0 + DAY + 10), 0);
	CHECK_EQ_INT(nrecs, 2); /* the slot, and its day: the watermark is past both */
	r = find(WEIR_PRESENCE_SLOT, "chan", T0);
	CHECK(r && r->n == 2);
	r = find(WEIR_PRESENCE_DAY, "chan", DAY0);
	CHECK(r != NULL);
	if (r)
		CHECK_EQ_STR(names_of(r), "ann,eve");
	clear_recs();
	CHECK_EQ_INT(weir_presence_advance(s, INT64_MAX), 0);
	CHECK_EQ_INT(nrecs, 2);
	r = find(WEIR_PRESENCE_DAY, "chan", DAY0 + DAY);
	CHECK(r && r->n == 1);
	struct weir_op_stats st;
	weir_presence_get_stats(s, &st);
	CHECK_EQ_INT(st.corrections, 2);
	clear_recs();
	weir_presence_shard_free(s);
}

static void test_flush(void)
{
	struct weir_presence_shard *s = shard();
	add(s, snap("chan", T0 + 1000, "ann,bob"));
	CHECK_EQ_INT(weir_presence_flush(s), 0);
	CHECK_EQ_INT(count(WEIR_PRESENCE_SLOT), 1);
	CHECK_EQ_INT(count(WEIR_PRESENCE_DAY), 1);
	clear_recs();
	/* the same slot again after a checkpoint: a further delta, not a correction */
	add(s, snap("chan", T0 + 2000, "cy"));
	CHECK_EQ_INT(weir_presence_advance(s, INT64_MAX), 0);
	struct weir_presence_rec *r = find(WEIR_PRESENCE_SLOT, "chan", T0);
	CHECK(r != NULL);
	if (r)
		CHECK_EQ_STR(names_of(r), "cy");
	struct weir_op_stats st;
	weir_presence_get_stats(s, &st);
	CHECK_EQ_INT(st.corrections, 0);
	CHECK_EQ_INT(st.records, 4);
	clear_recs();
	weir_presence_shard_free(s);
}

/* A list of a million names (a tenth of them repeated): linear work,
 * memory of the order of the names, one record of the distinct ones. */
static void test_million(void)
{
	enum { N = 1000000 };
	struct weir_str *v = malloc(N * sizeof(*v));
	char *pool = malloc((size_t)N * 16);
	CHECK(v && pool);
	if (!v || !pool)
		return;
	uint32_t distinct = N - N / 10;
	for (uint32_t i = 0; i < N; i++) {
		uint32_t id = i < distinct ? i : (i * 7919u) % distinct;
		char *p = pool + (size_t)i * 16;
		v[i].n = (uint32_t)snprintf(p, 16, "u%u", id);
		v[i].p = p;
	}
	struct weir_presence_shard *s = shard();
	struct weir_event ev;
	weir_event_clear(&ev);
	ev.kind = WEIR_KIND_CHATTERS;
	ev.ts = T0;
	ev.channel.p = "big";
	ev.channel.n = 3;
	ev.items = v;
	ev.nitems = N;
	clock_t t = clock();
	CHECK_EQ_INT(weir_presence_add(s, &ev), 0);
	ev.ts = T0 + 60000; /* the same list again in the slot: the union is the same */
	CHECK_EQ_INT(weir_presence_add(s, &ev), 0);
	CHECK_EQ_INT(weir_presence_advance(s, INT64_MAX), 0);
	double secs = (double)(clock() - t) / CLOCKS_PER_SEC;
	CHECK_EQ_INT(weir_presence_nusers(s), distinct);
	struct weir_presence_rec *r = find(WEIR_PRESENCE_SLOT, "big", T0);
	CHECK(r && r->n == distinct);
	r = find(WEIR_PRESENCE_DAY, "big", DAY0);
	CHECK(r && r->n == distinct);
	if (r) {
		struct weir_str a = weir_presence_name(r->names, r->uids[0]);
		CHECK(a.n == 2 && memcmp(a.p, "u0", 2) == 0);
	}
	/* generous: the sanitizer build does it in well under a second */
	CHECK(secs < 20);
	clear_recs();
	weir_presence_shard_free(s);
	free(v);
	free(pool);
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* The in-place test agrees with CRoaring on array, bitset and run
 * containers, with and without the offset header. */
static void test_blob_contains(void)
{
	for (int shape = 0; shape < 8; shape++) {
		roaring_bitmap_t *bm = roaring_bitmap_create();
		uint32_t ncont = shape < 4 ? 1 + shape % 3 : 5 + shape * 3;
		for (uint32_t c = 0; c < ncont; c++) {
			uint32_t base = (c * 3 + (uint32_t)shape) << 16;
			switch ((c + (uint32_t)shape) % 3) {
			case 0: /* sparse: array */
				for (int i = 0; i < 100; i++)
					roaring_bitmap_add(bm, base + rnd() % 65536);
				break;
			case 1: /* dense: bitset */
				for (int i = 0; i < 20000; i++)
					roaring_bitmap_add(bm, base + rnd() % 65536);
				break;
			default: /* ranges: runs once optimized */
				for (int i = 0; i < 20; i++) {
					uint32_t st = rnd() % 60000;
					roaring_bitmap_add_range(bm, base + st, base + st + 1 + rnd() % 3000);
				}
			}
		}
		if (shape % 2)
			roaring_bitmap_run_optimize(bm);
		size_t n = roaring_bitmap_portable_size_in_bytes(bm);
		char *b = malloc(n);
		roaring_bitmap_portable_serialize(bm, b);
		int bad = 0;
		for (int i = 0; i < 200000; i++) {
			uint32_t x = rnd() % ((ncont * 3 + 8) << 16);
			if (weir_presence_blob_contains(b, n, x) != (int)roaring_bitmap_contains(bm, x))
				bad++;
		}
		uint32_t card = (uint32_t)roaring_bitmap_get_cardinality(bm);
		uint32_t *all = malloc((card ? card : 1) * sizeof(uint32_t));
		roaring_bitmap_to_uint32_array(bm, all);
		for (uint32_t i = 0; i < card; i++)
			if (weir_presence_blob_contains(b, n, all[i]) != 1)
				bad++;
		CHECK_EQ_INT(bad, 0);
		CHECK_EQ_INT(weir_presence_blob_contains(b, n > 8 ? n / 2 : n, all[card ? card - 1 : 0]) == 1,
			     0);
		free(all);
		free(b);
		roaring_bitmap_free(bm);
	}
	roaring_bitmap_t *e = roaring_bitmap_create();
	char eb[64];
	size_t en = roaring_bitmap_portable_serialize(e, eb);
	CHECK_EQ_INT(weir_presence_blob_contains(eb, en, 7), 0);
	CHECK_EQ_INT(weir_presence_blob_contains("junk", 4, 7), -1);
	roaring_bitmap_free(e);
}

/* ---- store and queries --------------------------------------------------------- */

static char dbpath[64];

static void put(struct weir_store *st, int grain, const char *chan, int64_t start, const char *users)
{
	uint32_t g[16], n = 0;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", users);
	for (char *p = strtok(buf, ","); p; p = strtok(NULL, ","))
		CHECK_EQ_INT(weir_store_user_id(st, p, (uint32_t)strlen(p), &g[n++]), 0);
	for (uint32_t i = 1; i < n; i++) /* put() takes sorted ids */
		for (uint32_t j = i; j > 0 && g[j - 1] > g[j]; j--) {
			uint32_t t = g[j];
			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	struct weir_str c = {chan, (uint32_t)strlen(chan)};
	CHECK_EQ_INT(weir_store_presence_put(st, grain, c, start, g, n), 0);
}

/* Runs a query and returns its rows as CSV-like text "a,b;c,d". */
static const char *q(const char *name, struct weir_query_args a)
{
	static char out[4096];
	char err[256] = "";
	struct weir_store *st;
	out[0] = 0;
	if (weir_store_open(dbpath, true, &st, err, sizeof(err)) != 0)
		return "open failed";
	struct weir_result res;
	int rc = weir_store_query(st, name, &a, &res, err, sizeof(err));
	if (rc) {
		snprintf(out, sizeof(out), "error %d: %s", rc, err);
	} else {
		for (uint32_t i = 0; i < res.nrows; i++)
			for (uint32_t c = 0; c < res.ncols; c++) {
				const struct weir_cell *cell = &res.cells[(size_t)i * res.ncols + c];
				char v[128];
				if (res.types[c] == WEIR_C_TEXT)
					snprintf(v, sizeof(v), "%s", cell->s);
				else if (res.types[c] == WEIR_C_REAL)
					snprintf(v, sizeof(v), "%.4f", cell->d);
				else if (res.types[c] == WEIR_C_TIME)
					weir_time_format(cell->i, v, sizeof(v));
				else if (res.types[c] == WEIR_C_DAY)
					weir_day_format(cell->i, v, sizeof(v));
				else
					snprintf(v, sizeof(v), "%lld", (long long)cell->i);
				strcat(out, v);
				strcat(out, c + 1 < res.ncols ? "," : ";");
			}
	}
	weir_result_free(&res);
	weir_store_close(st);
	return out;
}

static struct weir_query_args args(void)
{
	struct weir_query_args a;
	memset(&a, 0, sizeof(a));
	a.from = a.to = a.day = WEIR_ABSENT;
	a.window = -1;
	a.limit = -1;
	return a;
}

static void test_store_queries(void)
{
	snprintf(dbpath, sizeof(dbpath), "sqlite:/tmp/weir-test-presence-%d.db", (int)getpid());
	char err[256];
	struct weir_store *st;
	CHECK_EQ_INT(weir_store_open(dbpath, false, &st, err, sizeof(err)), 0);
	CHECK_EQ_INT(weir_store_begin(st), 0);
	put(st, WEIR_PRESENCE_SLOT, "a", T0, "ann,bob");
	put(st, WEIR_PRESENCE_SLOT, "a", T0, "cy,ann"); /* merges: union */
	put(st, WEIR_PRESENCE_SLOT, "a", T0 + SLOT, "dan");
	put(st, WEIR_PRESENCE_SLOT, "b", T0, "bob,eve");
	put(st, WEIR_PRESENCE_SLOT, "b", T0 + DAY, "");
	put(st, WEIR_PRESENCE_DAY, "a", DAY0, "ann,bob");
	put(st, WEIR_PRESENCE_DAY, "a", DAY0, "cy,dan");
	put(st, WEIR_PRESENCE_DAY, "b", DAY0, "bob,eve");
	put(st, WEIR_PRESENCE_DAY, "b", DAY0 + DAY, "");
	CHECK_EQ_INT(weir_store_commit(st), 0);
	weir_store_close(st);

	struct weir_query_args a = args();
	CHECK_EQ_STR(q("presence", a), "2026-11-20T18:00:00Z,a,3;2026-11-20T18:05:00Z,a,1;"
				       "2026-11-20T18:00:00Z,b,2;2026-11-21T18:00:00Z,b,0;");
	a.channel = "B";
	CHECK_EQ_STR(q("presence", a), "2026-11-20T18:00:00Z,b,2;2026-11-21T18:00:00Z,b,0;");
	CHECK_EQ_STR(q("presence-daily", a), "2026-11-20,b,2;2026-11-21,b,0;");
	a = args();
	a.from = T0 + SLOT;
	a.to = T0 + DAY;
	CHECK_EQ_STR(q("presence", a), "2026-11-20T18:05:00Z,a,1;");
	a = args();
	CHECK_EQ_STR(q("presence-daily", a), "2026-11-20,a,4;2026-11-20,b,2;2026-11-21,b,0;");
	CHECK_EQ_STR(q("viewers-over-day", a),
		     "2026-11-20T18:00:00Z,5,2;2026-11-20T18:05:00Z,1,1;2026-11-21T18:00:00Z,0,1;");
	a.day = DAY0 + DAY;
	CHECK_EQ_STR(q("viewers-over-day", a), "2026-11-21T18:00:00Z,0,1;");
	a = args();
	a.limit = 1;
	CHECK_EQ_STR(q("viewers-over-day", a), "2026-11-20T18:00:00Z,5,2;");
	a = args();
	a.user = "bob";
	CHECK_EQ_STR(q("user-schedule", a), "2026-11-20T18:00:00Z,a;2026-11-20T18:00:00Z,b;");
	a.user = "dan";
	CHECK_EQ_STR(q("user-schedule", a), "2026-11-20T18:05:00Z,a;");
	a.from = T0 + 2 * SLOT;
	CHECK_EQ_STR(q("user-schedule", a), "");
	a = args();
	a.user = "nobody";
	CHECK_EQ_STR(q("user-schedule", a), "");
	a = args();
	a.a = "A";
	a.b = "b";
	/* A = {ann,bob,cy,dan}, B = {bob,eve}: shared 1, union 5 */
	CHECK_EQ_STR(q("overlap", a), "2026-11-20,a,b,4,2,1,0.2000;2026-11-21,a,b,0,0,0,0.0000;");
	a.b = "nosuch";
	CHECK_EQ_STR(q("overlap", a), "2026-11-20,a,nosuch,4,0,0,0.0000;");
	a = args();
	CHECK(strncmp(q("overlap", a), "error", 5) == 0);
	CHECK(strncmp(q("user-schedule", a), "error", 5) == 0);
	a.window = WEIR_GRAIN_HOUR;
	CHECK(strncmp(q("presence", a), "error", 5) == 0);
	a.window = WEIR_GRAIN_DAY;
	CHECK_EQ_STR(q("presence-daily", a), "2026-11-20,a,4;2026-11-20,b,2;2026-11-21,b,0;");
	unlink(dbpath + 7);
	char side[96];
	snprintf(side, sizeof(side), "%s-wal", dbpath + 7);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", dbpath + 7);
	unlink(side);
}

int main(void)
{
	TEST(test_slot_union);
	TEST(test_day_and_late);
	TEST(test_flush);
	TEST(test_million);
	TEST(test_blob_contains);
	TEST(test_store_queries);
	T_END();
}
