/*
 * test_chat.c — chat windows, watermarks, late corrections and duplicate
 * ids (events.md §3, §4) at the operator level, without threads or store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/chat.h"
#include "t.h"

#define MAXR 64
static struct weir_chat_rec *recs[MAXR];
static int nrecs;

static void collect(void *ctx, struct weir_rec *h)
{
	(void)ctx;
	struct weir_chat_rec *r = (struct weir_chat_rec *)h;
	if (nrecs < MAXR)
		recs[nrecs++] = r;
	else
		weir_chat_rec_free(r);
}

static void clear_recs(void)
{
	for (int i = 0; i < nrecs; i++)
		weir_chat_rec_free(recs[i]);
	nrecs = 0;
}

static struct weir_chat_rec *find(int grain, int64_t start)
{
	for (int i = 0; i < nrecs; i++)
		if (recs[i]->grain == grain && recs[i]->start == start)
			return recs[i];
	return NULL;
}

static struct weir_event mk(int64_t ts, const char *user, const char *text, const char *id)
{
	struct weir_event ev;
	weir_event_clear(&ev);
	ev.kind = WEIR_KIND_CHAT;
	ev.platform = WEIR_PLATFORM_TWITCH;
	ev.ts = ts;
	ev.channel.p = "chan";
	ev.channel.n = 4;
	ev.user.p = user;
	ev.user.n = (uint32_t)strlen(user);
	ev.text.p = text;
	ev.text.n = (uint32_t)strlen(text);
	if (id) {
		ev.id.p = id;
		ev.id.n = (uint32_t)strlen(id);
	}
	return ev;
}

#define T0 1556614620000LL /* 2019-04-30T08:57:00Z */
#define MIN 60000LL

static struct weir_chat_shard *shard(void)
{
	struct weir_op_env env = {.worker = 0, .emit = collect};
	return weir_chat_shard_new(&env);
}

static void add(struct weir_chat_shard *s, struct weir_event ev)
{
	CHECK_EQ_INT(weir_chat_add(s, &ev), 0);
}

static void test_minute_close(void)
{
	struct weir_chat_shard *s = shard();
	add(s, mk(T0 + 1000, "a", "Hello, world!", NULL));
	add(s, mk(T0 + 2000, "b", "hello", NULL));
	add(s, mk(T0 + 3000, "a", "x y z", NULL));
	add(s, mk(T0 + MIN + 5, "c", "later", NULL));
	weir_chat_advance(s, T0 + MIN - 1);
	CHECK_EQ_INT(nrecs, 0); /* the window ends at T0+MIN */
	weir_chat_advance(s, T0 + MIN);
	CHECK_EQ_INT(nrecs, 1);
	struct weir_chat_rec *r = find(WEIR_GRAIN_MINUTE, T0);
	CHECK(r != NULL);
	if (r) {
		CHECK_EQ_INT(r->messages, 3);
		CHECK_EQ_INT(r->words, 6);
		CHECK_EQ_INT(r->nusers, 2);
	}
	clear_recs();
	weir_chat_advance(s, INT64_MAX);
	/* minute T0+MIN, hour 08:00, day */
	CHECK_EQ_INT(nrecs, 3);
	struct weir_chat_rec *h = find(WEIR_GRAIN_HOUR, T0 - 57 * MIN);
	CHECK(h != NULL);
	if (h) {
		CHECK_EQ_INT(h->messages, 4);
		CHECK_EQ_INT(h->nusers, 3);
		/* words sorted by bytes: hello x2, later, world, x, y, z */
		CHECK_EQ_INT(h->nwords, 6);
		CHECK(h->nwords >= 1 && h->wordv[0].w.n == 5 && memcmp(h->wordv[0].w.p, "hello", 5) == 0);
		CHECK_EQ_INT(h->wordv[0].count, 2);
		uint64_t a_count = 0;
		for (uint32_t i = 0; i < h->nusers; i++)
			if (h->unames[i].n == 1 && h->unames[i].p[0] == 'a')
				a_count = h->ucounts[i];
		CHECK_EQ_INT(a_count, 2);
	}
	struct weir_chat_rec *d = find(WEIR_GRAIN_DAY, T0 - (8 * 60 + 57) * MIN);
	CHECK(d != NULL && d->messages == 4 && d->nusers == 3);
	clear_recs();
	weir_chat_shard_free(s);
}

static void test_late_correction(void)
{
	struct weir_chat_shard *s = shard();
	add(s, mk(T0 + 1000, "a", "one", NULL));
	weir_chat_advance(s, T0 + MIN);
	CHECK_EQ_INT(nrecs, 1);
	clear_recs();
	/* late: its minute was already emitted; it comes back as a delta */
	add(s, mk(T0 + 2000, "b", "two words", NULL));
	weir_chat_advance(s, T0 + MIN);
	CHECK_EQ_INT(nrecs, 1);
	struct weir_chat_rec *r = find(WEIR_GRAIN_MINUTE, T0);
	CHECK(r && r->messages == 1 && r->words == 2 && r->nusers == 1);
	struct weir_op_stats st;
	weir_chat_get_stats(s, &st);
	CHECK_EQ_INT(st.corrections, 1);
	clear_recs();
	weir_chat_advance(s, INT64_MAX);
	clear_recs();
	weir_chat_shard_free(s);
}

static void test_duplicates(void)
{
	struct weir_chat_shard *s = shard();
	add(s, mk(T0 + 1000, "a", "one", "id1"));
	add(s, mk(T0 + 1000, "a", "one", "id1"));
	add(s, mk(T0 + 2000, "a", "two", "id2"));
	weir_chat_advance(s, T0 + MIN);
	struct weir_chat_rec *r = find(WEIR_GRAIN_MINUTE, T0);
	CHECK(r && r->messages == 2 && r->nids == 2);
	clear_recs();
	/* a late duplicate of an emitted minute is still recognised */
	add(s, mk(T0 + 1000, "a", "one", "id1"));
	weir_chat_advance(s, T0 + MIN);
	r = find(WEIR_GRAIN_MINUTE, T0);
	CHECK(r == NULL || r->messages == 0);
	struct weir_op_stats st;
	weir_chat_get_stats(s, &st);
	CHECK_EQ_INT(st.duplicates, 2);
	CHECK_EQ_INT(st.events, 2);
	clear_recs();
	weir_chat_advance(s, INT64_MAX);
	clear_recs();
	weir_chat_shard_free(s);
}

/* The ids of a closed minute are kept packed and become a set again when a
 * late event reopens the minute: many ids, reopened twice. */
static void test_duplicates_reopened(void)
{
	struct weir_chat_shard *s = shard();
	char ids[101][16];
	for (int i = 0; i < 101; i++)
		snprintf(ids[i], sizeof(ids[i]), "m%d", i);
	for (int i = 0; i < 100; i++)
		add(s, mk(T0 + 1000 + i, "a", "w", ids[i]));
	weir_chat_advance(s, T0 + MIN);
	clear_recs();
	for (int i = 0; i < 100; i++) /* late duplicates of all of them */
		add(s, mk(T0 + 2000, "b", "w", ids[i]));
	add(s, mk(T0 + 3000, "b", "w", ids[100])); /* one late new message */
	weir_chat_advance(s, T0 + MIN);
	struct weir_chat_rec *r = find(WEIR_GRAIN_MINUTE, T0);
	CHECK(r && r->messages == 1 && r->nids == 1);
	clear_recs();
	add(s, mk(T0 + 4000, "c", "w", ids[100])); /* the new one, again */
	add(s, mk(T0 + 4000, "c", "w", ids[7]));
	weir_chat_advance(s, T0 + MIN);
	struct weir_op_stats st;
	weir_chat_get_stats(s, &st);
	CHECK_EQ_INT(st.duplicates, 102);
	CHECK_EQ_INT(st.events, 101);
	clear_recs();
	weir_chat_advance(s, INT64_MAX);
	clear_recs();
	weir_chat_shard_free(s);
}

int main(void)
{
	TEST(test_minute_close);
	TEST(test_late_correction);
	TEST(test_duplicates);
	TEST(test_duplicates_reopened);
	T_END();
}
