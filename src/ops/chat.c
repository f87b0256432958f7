/*
 * chat.c — per-channel chat windows: messages, words, chatters, top words
 * and top users, at minute, hour and day grain (events.md §3, §4).
 *
 * Data flow: a worker calls weir_chat_add() for each chat event routed to
 * it (by channel), then weir_chat_advance() with the batch's watermark.
 * Each channel keeps a short list of open windows per grain (usually one,
 * two around a boundary). A closed window becomes a struct weir_chat_rec
 * handed to the writer; its memory goes with it.
 *
 * State per message: the user and each word are interned once per shard to
 * 32-bit ids (dictionaries shared by all channels of the shard, so the hot
 * part of a Zipf vocabulary stays in cache); windows only append those ids to
 * plain vectors — sequential writes, no hashing. When a window closes its
 * vectors are folded into sorted (id, count) pairs — distinct chatters,
 * messages per user and counts per word — by counting in an array indexed by
 * id (ids are dense), small ones by insertion sort. Word strings live in the shard's dictionary for the
 * whole run, so records point at them instead of copying. A day window
 * only counts distinct users, so it takes each closed hour's users instead
 * of one id per message; an hour record's words are put in byte order by a
 * shard-wide rank of the words (word_order_update()).
 *
 * Duplicates: a message id is hashed (XXH3) into the minute window's set.
 * Closed minute windows keep their ids (retained, keyed by channel and
 * minute, packed into a plain array until a late event reopens the minute)
 * so that a late duplicate is still recognised; when the store already held
 * the minute before this run, its ids are loaded first.
 */
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "core/tokenize.h"
#include "ops/chat.h"

/* A growable vector of 32-bit ids. */
struct idvec {
	uint32_t *v;
	uint32_t n, cap;
};

static inline int idvec_push(struct idvec *x, uint32_t id)
{
	if (x->n == x->cap) {
		uint32_t ncap = x->cap ? x->cap * 2 : 16;
		uint32_t *nv = realloc(x->v, (size_t)ncap * sizeof(uint32_t));
		if (!nv)
			return WEIR_ENOMEM;
		x->v = nv;
		x->cap = ncap;
	}
	x->v[x->n++] = id;
	return 0;
}

/* A name or word about to be interned: its bytes, and for <= 16 bytes its
 * short-map key and hash (computed early so the slot can be prefetched). */
struct wkey {
	uint64_t a, b, h;
	const char *p;
	uint32_t n;
};

static inline void wkey_make(struct wkey *k, const char *p, uint32_t n)
{
	k->p = p;
	k->n = n;
	if (n <= WEIR_SKMAP_MAXLEN) {
		weir_load16(p, n, &k->a, &k->b);
		k->h = weir_skmap_hash(k->a, k->b, n);
	}
}

/*
 * A counted bag of ids: appends go to a raw vector (no hashing on the hot
 * path); when it reaches BAG_COMPACT entries it is radix-sorted and folded
 * into sorted (id << 32 | count) pairs. Memory stays bounded by the distinct
 * ids plus one raw block, however long a window lasts (a day of a busy
 * channel).
 */
#define BAG_COMPACT (1u << 18)
#define WIDS_COMPACT (1u << 16)

struct idbag {
	struct idvec raw;
	uint64_t *pairs;
	uint32_t npairs, cappairs;
};

struct cwin {
	struct cwin *next;
	int64_t start;
	uint8_t grain;
	uint8_t reopened; /* emitted before: this one is a correction */
	uint64_t messages, words;
	struct idbag users; /* minute, hour: one user id per message; day: the users of its hours */
	struct idbag wids;  /* hour only: one word id per word */
	/* the hour (of a minute) and day (of a minute or hour) windows holding
	 * this one: open as long as it is (they end no earlier, a watermark step
	 * closes the smaller grain first, and a flush closes them all) */
	struct cwin *in_hour, *in_day;
	/* minute only */
	struct weir_u64set *ids; /* every message id known for this minute */
	uint64_t *newids;
	uint32_t nnew, capnew;
};

struct chan {
	struct weir_str name;	  /* in the shard's arena */
	struct cwin *open[3];	  /* per grain, newest first */
	int64_t emitted_until[3]; /* windows starting before this were emitted once */
	int64_t evicted_until;	  /* minutes before this may have their ids only in the store */
	int64_t kept_until;	  /* minutes before this may have retained ids (struct kept) */
};

/*
 * (channel index, minute) -> retained ids of a closed minute window. They
 * are kept packed (8 bytes an id, not the 16-32 of the half-empty hash set)
 * because they stay in memory until the store has committed them, which
 * for a file is the next checkpoint: on a short ingest every id of the run
 * (the workers' page faults followed this memory). A late event for the
 * minute turns them back into a set (kept_take).
 */
struct kept {
	uint64_t key; /* 0 = empty; channel and minute, see kept_key() */
	uint64_t *ids;
	uint64_t seq; /* the record that carried these ids to the store */
	uint32_t nids;
};

struct evq {
	uint64_t key, seq;
	int64_t minute;
};

struct weir_chat_shard {
	struct weir_op_env env;
	struct weir_arena names;   /* channel and user names, for the whole run */
	struct weir_skmap chan_sk; /* names of <= 16 bytes; chan_ix holds the rest */
	struct weir_strmap chan_ix;
	struct chan *chans;
	uint32_t nchans, capchans;
	struct weir_skmap user_sk;
	struct weir_strmap user_ix;
	struct weir_str *users; /* uid -> name */
	uint32_t nusers, capusers;
	struct weir_skmap word_sk;
	struct weir_strmap word_ix;
	struct weir_arena words; /* word strings, for the whole run */
	struct weir_str *wordv;	 /* wid -> word */
	uint32_t nwords, capwords;
	struct wkey *wk; /* the words of the message being counted */
	uint32_t nwk, capwk;
	struct kept *kept;
	uint32_t capkept, nkept;
	int64_t min_open_end; /* no window ends before this */
	bool flushing;	      /* emitting for a checkpoint, not because windows closed */
	struct evq *evq;      /* kept sets in emission order, for kept_evict() */
	uint32_t evq_head, evq_len, evq_cap;
	struct weir_op_stats st;
	char *tokbuf;
	size_t tokcap;
	uint32_t *sortbuf; /* scratch for radix sorts */
	size_t sortcap;
	uint64_t *dcount, *dbits; /* scratch for bag_compact_dense() */
	uint32_t densecap;
	/* the shard's words in byte order (word_order_update()): the rank of each
	 * word id and the word id at each rank, for the first nranked words */
	uint32_t *wrank, *worder;
	uint32_t nranked;
};

struct weir_chat_shard *weir_chat_shard_new(const struct weir_op_env *env)
{
	struct weir_chat_shard *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->env = *env;
	weir_arena_init(&s->names, 1 << 20);
	weir_arena_init(&s->words, 1 << 20);
	if (weir_strmap_init(&s->chan_ix, 16) || weir_strmap_init(&s->user_ix, 16) ||
	    weir_strmap_init(&s->word_ix, 16) || weir_skmap_init(&s->chan_sk, 64) ||
	    weir_skmap_init(&s->user_sk, 4096) || weir_skmap_init(&s->word_sk, 4096)) {
		weir_chat_shard_free(s);
		return NULL;
	}
	s->min_open_end = INT64_MAX;
	return s;
}

static void win_free(struct cwin *w)
{
	free(w->users.raw.v);
	free(w->users.pairs);
	free(w->wids.raw.v);
	free(w->wids.pairs);
	if (w->ids) {
		weir_u64set_free(w->ids);
		free(w->ids);
	}
	free(w->newids);
	free(w);
}

void weir_chat_shard_free(struct weir_chat_shard *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nchans; i++)
		for (int g = 0; g < 3; g++)
			for (struct cwin *w = s->chans[i].open[g], *n; w; w = n) {
				n = w->next;
				win_free(w);
			}
	for (uint32_t i = 0; i < s->capkept; i++)
		if (s->kept[i].key) {
			free(s->kept[i].ids);
		}
	free(s->kept);
	free(s->evq);
	free(s->chans);
	free(s->users);
	free(s->tokbuf);
	free(s->sortbuf);
	free(s->dcount);
	free(s->dbits);
	free(s->wrank);
	free(s->worder);
	free(s->wordv);
	free(s->wk);
	weir_strmap_free(&s->chan_ix);
	weir_strmap_free(&s->user_ix);
	weir_strmap_free(&s->word_ix);
	weir_skmap_free(&s->chan_sk);
	weir_skmap_free(&s->user_sk);
	weir_skmap_free(&s->word_sk);
	weir_arena_free(&s->names);
	weir_arena_free(&s->words);
	free(s);
}

void weir_chat_get_stats(const struct weir_chat_shard *s, struct weir_op_stats *st)
{
	*st = s->st;
}

/* ---- retained id sets ------------------------------------------------------ */

static uint64_t kept_key(uint32_t chan, int64_t minute)
{
	/* minutes since the epoch fit in 40 bits for any accepted ts */
	return ((uint64_t)(chan + 1) << 40) ^ (uint64_t)(minute / WEIR_MS_PER_MIN + (1LL << 39));
}

static uint32_t kept_chan(uint64_t key)
{
	return (uint32_t)(key >> 40) - 1;
}

static uint32_t kept_slot(uint64_t k, uint32_t cap)
{
	return (uint32_t)(XXH3_64bits(&k, sizeof(k))) & (cap - 1);
}

/* Retains the ids of closed minute window w under k (w->ids is freed). */
static int kept_put(struct weir_chat_shard *s, uint64_t k, struct cwin *w, uint64_t seq)
{
	struct weir_u64set *set = w->ids;
	uint64_t *ids;
	uint32_t nids = 0;
	w->ids = NULL;
	if (set->len == w->nnew) {
		/* the usual case, a minute seen only in this run and closed once: the
		 * set holds exactly the window's new ids, already in an array */
		ids = w->newids;
		nids = w->nnew;
		w->newids = NULL;
		w->nnew = w->capnew = 0;
		uint64_t *fit = realloc(ids, (size_t)nids * sizeof(uint64_t)); /* shrinks in place */
		if (fit)
			ids = fit;
	} else if ((ids = malloc((size_t)set->len * sizeof(uint64_t)))) {
		for (uint32_t i = 0; i < set->cap; i++)
			if (set->keys[i])
				ids[nids++] = set->keys[i];
	}
	weir_u64set_free(set);
	free(set);
	if (!ids)
		return WEIR_ENOMEM;
	if ((s->nkept + 1) * 4 > s->capkept * 3) {
		uint32_t ncap = s->capkept ? s->capkept * 2 : 1024;
		struct kept *n = calloc(ncap, sizeof(*n));
		if (!n) {
			free(ids);
			return WEIR_ENOMEM;
		}
		for (uint32_t i = 0; i < s->capkept; i++) {
			if (!s->kept[i].key)
				continue;
			uint32_t j = kept_slot(s->kept[i].key, ncap);
			while (n[j].key)
				j = (j + 1) & (ncap - 1);
			n[j] = s->kept[i];
		}
		free(s->kept);
		s->kept = n;
		s->capkept = ncap;
	}
	uint32_t j = kept_slot(k, s->capkept);
	while (s->kept[j].key)
		j = (j + 1) & (s->capkept - 1);
	s->kept[j].key = k;
	s->kept[j].ids = ids;
	s->kept[j].nids = nids;
	s->kept[j].seq = seq;
	s->nkept++;
	return 0;
}

static struct kept *kept_find(struct weir_chat_shard *s, uint64_t k)
{
	if (!s->capkept)
		return NULL;
	for (uint32_t j = kept_slot(k, s->capkept); s->kept[j].key; j = (j + 1) & (s->capkept - 1))
		if (s->kept[j].key == k)
			return &s->kept[j];
	return NULL;
}

/* Removes the retained ids for k: their array (the caller frees it) and
 * count in *nids; NULL when there are none. */
static uint64_t *kept_remove(struct weir_chat_shard *s, uint64_t k, uint32_t *nids)
{
	if (!s->capkept)
		return NULL;
	uint32_t j = kept_slot(k, s->capkept);
	while (s->kept[j].key) {
		if (s->kept[j].key == k) {
			uint64_t *ids = s->kept[j].ids;
			*nids = s->kept[j].nids;
			/* backward-shift deletion keeps probe chains intact */
			uint32_t i = j;
			for (;;) {
				s->kept[i].key = 0;
				uint32_t n = i;
				for (;;) {
					n = (n + 1) & (s->capkept - 1);
					if (!s->kept[n].key) {
						s->nkept--;
						return ids;
					}
					uint32_t h = kept_slot(s->kept[n].key, s->capkept);
					/* can entry n move to i? (h cyclically not in (i, n]) */
					if ((i <= n) ? (h <= i || h > n) : (h <= i && h > n))
						break;
				}
				s->kept[i] = s->kept[n];
				i = n;
			}
		}
		j = (j + 1) & (s->capkept - 1);
	}
	return NULL;
}

/* The retained ids for k as a set again (a late event reopened the minute),
 * removed from the retained ones; NULL with *rc 0 when there are none. */
/* A u64set capacity holding n keys below its 1/2 load limit. */
static inline uint32_t set_cap(uint32_t n)
{
	uint32_t cap = 16;
	while (cap / 2 <= n && cap < (1u << 30))
		cap *= 2;
	return cap;
}

static struct weir_u64set *kept_take(struct weir_chat_shard *s, uint64_t k, int *rc)
{
	uint32_t n = 0;
	uint64_t *ids = kept_remove(s, k, &n);
	*rc = 0;
	if (!ids)
		return NULL;
	struct weir_u64set *set = calloc(1, sizeof(*set));
	if (!set || weir_u64set_init(set, set_cap(n)) != 0) {
		free(set);
		free(ids);
		*rc = WEIR_ENOMEM;
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++)
		weir_u64set_put_raw(set, ids[i]); /* room for all: cannot fail */
	free(ids);
	return set;
}

/*
 * Drops the id sets of minutes older than the watermark minus the horizon
 * whose record the store has committed: a late event for such a minute
 * reads the ids back from the store (evicted_until tells which minutes).
 * Bounds memory on endless input. Sets are queued in the order their records
 * were emitted (seq order, the order the store commits them), so a pass
 * only looks at what it drops.
 */
static int evq_push(struct weir_chat_shard *s, uint64_t key, uint64_t seq, int64_t minute)
{
	if (s->evq_len == s->evq_cap) {
		uint32_t ncap = s->evq_cap ? s->evq_cap * 2 : 1024;
		struct evq *n = malloc(ncap * sizeof(*n));
		if (!n)
			return WEIR_ENOMEM;
		for (uint32_t i = 0; i < s->evq_len; i++)
			n[i] = s->evq[(s->evq_head + i) % s->evq_cap];
		free(s->evq);
		s->evq = n;
		s->evq_cap = ncap;
		s->evq_head = 0;
	}
	struct evq *q = &s->evq[(s->evq_head + s->evq_len) % s->evq_cap];
	q->key = key;
	q->seq = seq;
	q->minute = minute;
	s->evq_len++;
	return 0;
}

static void kept_evict(struct weir_chat_shard *s, int64_t watermark)
{
	if (!s->env.committed || !s->evq_len || watermark == INT64_MAX)
		return;
	uint64_t done = s->env.committed(s->env.store_ctx);
	int64_t limit = watermark - s->env.dedup_horizon_ms;
	while (s->evq_len) {
		struct evq *q = &s->evq[s->evq_head];
		if (q->seq > done || q->minute + WEIR_MS_PER_MIN > limit)
			break;
		s->evq_head = (s->evq_head + 1) % s->evq_cap;
		s->evq_len--;
		struct kept *k = kept_find(s, q->key);
		if (!k || k->seq != q->seq)
			continue; /* reopened since: a newer entry is queued */
		struct chan *c = &s->chans[kept_chan(q->key)];
		if (q->minute + WEIR_MS_PER_MIN > c->evicted_until)
			c->evicted_until = q->minute + WEIR_MS_PER_MIN;
		uint32_t n;
		free(kept_remove(s, q->key, &n));
	}
}

/* ---- lookups --------------------------------------------------------------- */

/*
 * Interns p[0..n): returns the slot holding its id (*isnew = 1 and *copy = a
 * copy of the bytes in arena `a` when first seen), NULL on out of memory.
 * Keys of <= 16 bytes (nearly all names and words) go to the short-key map,
 * longer ones to the string map; the caller numbers both from one counter,
 * so ids are the order of first appearance either way.
 */
/* intern()'s rare paths, out of line: a long key, or copying a new key. */
static __attribute__((noinline)) uint32_t *intern_slow(struct weir_strmap *lm, struct weir_arena *a,
						       const struct wkey *k, struct weir_skent *e, int *isnew,
						       const char **copy)
{
	if (e) {
		char *c = weir_arena_alloc(a, k->n ? k->n : 1);
		if (!c)
			return NULL;
		memcpy(c, k->p, k->n);
		*copy = c;
		return &e->val;
	}
	struct weir_strent *le = weir_strmap_get(lm, k->p, k->n, weir_hash(k->p, k->n), a, isnew);
	if (!le)
		return NULL;
	*copy = le->p;
	return &le->val;
}

static inline __attribute__((always_inline)) uint32_t *intern(struct weir_skmap *sk, struct weir_strmap *lm,
							      struct weir_arena *a, const struct wkey *k,
							      int *isnew, const char **copy)
{
	if (k->n > WEIR_SKMAP_MAXLEN)
		return intern_slow(lm, a, k, NULL, isnew, copy);
	struct weir_skent *e = weir_skmap_get(sk, k->a, k->b, k->n, k->h, isnew);
	if (!e)
		return NULL;
	return *isnew ? intern_slow(lm, a, k, e, isnew, copy) : &e->val;
}

static struct chan *chan_get(struct weir_chat_shard *s, struct weir_str name, uint32_t *ix)
{
	int isnew;
	const char *copy = NULL;
	struct wkey k;
	wkey_make(&k, name.p, name.n);
	uint32_t *val = intern(&s->chan_sk, &s->chan_ix, &s->names, &k, &isnew, &copy);
	if (!val)
		return NULL;
	if (isnew) {
		if (s->nchans == s->capchans) {
			uint32_t ncap = s->capchans ? s->capchans * 2 : 64;
			struct chan *n = realloc(s->chans, ncap * sizeof(*n));
			if (!n)
				return NULL;
			s->chans = n;
			s->capchans = ncap;
		}
		struct chan *c = &s->chans[s->nchans];
		memset(c, 0, sizeof(*c));
		c->name.p = copy;
		c->name.n = name.n;
		for (int g = 0; g < 3; g++)
			c->emitted_until[g] = INT64_MIN;
		c->kept_until = INT64_MIN;
		*val = s->nchans++;
	}
	*ix = *val;
	return &s->chans[*val];
}

static int user_get(struct weir_chat_shard *s, const struct wkey *k, uint32_t *uid)
{
	int isnew;
	const char *copy = NULL;
	uint32_t *val = intern(&s->user_sk, &s->user_ix, &s->names, k, &isnew, &copy);
	if (!val)
		return WEIR_ENOMEM;
	if (isnew) {
		if (s->nusers == s->capusers) {
			uint32_t ncap = s->capusers ? s->capusers * 2 : 4096;
			struct weir_str *n = realloc(s->users, ncap * sizeof(*n));
			if (!n)
				return WEIR_ENOMEM;
			s->users = n;
			s->capusers = ncap;
		}
		s->users[s->nusers].p = copy;
		s->users[s->nusers].n = k->n;
		*val = s->nusers++;
	}
	*uid = *val;
	return 0;
}

/* A vector capacity for about n entries (a little slack), at most max. */
static inline uint32_t size_hint(uint64_t n, uint32_t max)
{
	if (!n)
		return 0;
	n += n / 8 + 16;
	return n > max ? max : (uint32_t)n;
}

static struct cwin *win_new(struct weir_chat_shard *s, struct chan *c, uint32_t cix, int g, int64_t start)
{
	struct cwin *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->start = start;
	w->grain = (uint8_t)g;
	w->reopened = start < c->emitted_until[g];
	/* Size the vectors from the channel's previous window of this grain (the
	 * next one is usually about as busy): growing them by doubling from 16
	 * cost a realloc copy and a rehash of the id set at each step. */
	uint32_t hint = 0, whint = 0;
	if (c->open[g] && c->open[g]->start < start) {
		const struct cwin *p = c->open[g];
		hint = size_hint(p->messages, BAG_COMPACT);
		whint = g == WEIR_GRAIN_HOUR ? size_hint(p->words, WIDS_COMPACT + 256) : 0;
	}
	if ((hint && !(w->users.raw.v = malloc((size_t)hint * sizeof(uint32_t)))) ||
	    (whint && !(w->wids.raw.v = malloc((size_t)whint * sizeof(uint32_t)))))
		goto fail;
	w->users.raw.cap = hint;
	w->wids.raw.cap = whint;
	if (g == WEIR_GRAIN_MINUTE && hint) {
		if (!(w->newids = malloc((size_t)hint * sizeof(uint64_t))))
			goto fail;
		w->capnew = hint;
	}
	if (g == WEIR_GRAIN_MINUTE) {
		int rc = 0;
		/* a minute past every one retained (nearly every new minute) needs
		 * no lookup: it would be a miss probing the table at 3/4 load */
		w->ids = start < c->kept_until ? kept_take(s, kept_key(cix, start), &rc) : NULL;
		if (rc)
			goto fail;
		if (!w->ids) {
			w->ids = calloc(1, sizeof(*w->ids));
			if (!w->ids || weir_u64set_init(w->ids, set_cap(hint)) != 0)
				goto fail;
			if ((s->env.store_had_data || start < c->evicted_until) && s->env.store_ro) {
				/* the store may hold this minute from an earlier run: its ids count */
				struct weir_store *ro = s->env.store_ro(s->env.store_ctx);
				if (!ro || weir_store_chat_ids(ro, c->name.p, c->name.n, start, w->ids) != 0)
					goto fail;
			}
		}
	}
	int64_t end = start + weir_grain_ms(g);
	if (end < s->min_open_end)
		s->min_open_end = end;
	/* keep the list newest first */
	struct cwin **pp = &c->open[g];
	while (*pp && (*pp)->start > start)
		pp = &(*pp)->next;
	w->next = *pp;
	*pp = w;
	return w;
fail:
	win_free(w);
	return NULL;
}

static inline struct cwin *win_find(struct weir_chat_shard *s, struct chan *c, uint32_t cix, int g,
				    int64_t ts)
{
	/* nearly always the channel's newest window of the grain: a range check
	 * instead of a division (and a call) per grain per event */
	static const int64_t len[3] = {[WEIR_GRAIN_MINUTE] = WEIR_MS_PER_MIN,
				       [WEIR_GRAIN_HOUR] = WEIR_MS_PER_HOUR,
				       [WEIR_GRAIN_DAY] = WEIR_MS_PER_DAY};
	struct cwin *head = c->open[g];
	if (head && ts >= head->start && ts - head->start < len[g])
		return head;
	int64_t start = weir_floor(ts, weir_grain_ms(g));
	for (struct cwin *w = c->open[g]; w; w = w->next)
		if (w->start == start)
			return w;
	return win_new(s, c, cix, g, start);
}

/* Tokenizer callback: notes the word and starts loading its map slot (s->wk
 * has room for every word of the text, see weir_chat_add()). */
static inline __attribute__((always_inline)) void collect_word(const char *wd, size_t n, void *ctx)
{
	struct weir_chat_shard *s = ctx;
	struct wkey *k = &s->wk[s->nwk++];
	wkey_make(k, wd, (uint32_t)n);
	if (k->n <= WEIR_SKMAP_MAXLEN)
		weir_skmap_prefetch(&s->word_sk, k->h);
}

/* The word id of k, numbering new words. */
static int word_get(struct weir_chat_shard *s, const struct wkey *k, uint32_t *wid)
{
	int isnew;
	const char *copy = NULL;
	uint32_t *val = intern(&s->word_sk, &s->word_ix, &s->words, k, &isnew, &copy);
	if (!val)
		return WEIR_ENOMEM;
	if (isnew) {
		if (s->nwords == s->capwords) {
			uint32_t ncap = s->capwords ? s->capwords * 2 : 4096;
			struct weir_str *nv = realloc(s->wordv, ncap * sizeof(*nv));
			if (!nv)
				return WEIR_ENOMEM;
			s->wordv = nv;
			s->capwords = ncap;
		}
		s->wordv[s->nwords].p = copy;
		s->wordv[s->nwords].n = k->n;
		*val = s->nwords++;
	}
	*wid = *val;
	return 0;
}

/* Radix-sorts x in place with the shard's scratch buffer. */
static int sort_ids(struct weir_chat_shard *s, struct idvec *x)
{
	if (x->n > s->sortcap) {
		uint32_t *b = realloc(s->sortbuf, (size_t)x->n * sizeof(uint32_t));
		if (!b)
			return WEIR_ENOMEM;
		s->sortbuf = b;
		s->sortcap = x->n;
	}
	weir_sort_u32(x->v, x->n, s->sortbuf);
	return 0;
}

/*
 * Counting scratch for bag_compact_dense(): one counter per id and a bitmap
 * of the ids seen, sized to the shard's id space and all zero between calls.
 */
static int dense_room(struct weir_chat_shard *s, uint32_t space)
{
	if (space <= s->densecap)
		return 0;
	uint32_t ncap = s->densecap ? s->densecap : 4096;
	while (ncap < space)
		ncap *= 2;
	uint64_t *c = realloc(s->dcount, (size_t)ncap * sizeof(uint64_t));
	if (!c)
		return WEIR_ENOMEM;
	s->dcount = c;
	memset(c + s->densecap, 0, (size_t)(ncap - s->densecap) * sizeof(uint64_t));
	uint64_t *b = realloc(s->dbits, (size_t)(ncap / 64) * sizeof(uint64_t));
	if (!b)
		return WEIR_ENOMEM;
	s->dbits = b;
	memset(b + s->densecap / 64, 0, (size_t)(ncap - s->densecap) / 64 * sizeof(uint64_t));
	s->densecap = ncap;
	return 0;
}

/*
 * bag_compact() for a large raw block: ids are small and dense (a shard's
 * users or words, numbered from 0), so counting them in an array indexed by
 * id and reading the ids back in order from a bitmap replaces the radix sort
 * (~8 instructions per id instead of ~60). Same pairs, same order.
 */
static int bag_compact_dense(struct weir_chat_shard *s, struct idbag *b, uint32_t space)
{
	if (dense_room(s, space) != 0)
		return WEIR_ENOMEM;
	uint64_t *cnt = s->dcount, *bits = s->dbits;
	uint32_t lo = UINT32_MAX, hi = 0;
	for (uint32_t i = 0; i < b->raw.n; i++) {
		uint32_t id = b->raw.v[i];
		cnt[id]++;
		bits[id >> 6] |= 1ull << (id & 63);
		lo = id < lo ? id : lo;
		hi = id > hi ? id : hi;
	}
	for (uint32_t p = 0; p < b->npairs; p++) {
		uint32_t id = (uint32_t)(b->pairs[p] >> 32);
		cnt[id] += (uint32_t)b->pairs[p];
		bits[id >> 6] |= 1ull << (id & 63);
		lo = id < lo ? id : lo;
		hi = id > hi ? id : hi;
	}
	/* room for every id (an upper bound on the distinct ones), shrunk in place
	 * below: counting them first cost a pass over the bitmap (a popcount per
	 * word, a libgcc call on the baseline x86-64 target) */
	uint64_t *out = malloc(((size_t)b->raw.n + b->npairs) * sizeof(uint64_t));
	if (!out) {
		for (uint32_t k = lo >> 6; k <= hi >> 6; k++)
			bits[k] = 0; /* leave the scratch zero, as the next call expects */
		for (uint32_t i = 0; i < b->raw.n; i++)
			cnt[b->raw.v[i]] = 0;
		for (uint32_t p = 0; p < b->npairs; p++)
			cnt[(uint32_t)(b->pairs[p] >> 32)] = 0;
		return WEIR_ENOMEM;
	}
	uint32_t n = 0;
	for (uint32_t k = lo >> 6; k <= hi >> 6; k++) {
		for (uint64_t w = bits[k]; w; w &= w - 1) {
			uint32_t id = k * 64 + (uint32_t)__builtin_ctzll(w);
			uint64_t count = cnt[id];
			cnt[id] = 0;
			out[n++] = (uint64_t)id << 32 | (count > UINT32_MAX ? UINT32_MAX : count);
		}
		bits[k] = 0;
	}
	uint64_t *fit = realloc(out, (size_t)(n ? n : 1) * sizeof(uint64_t));
	if (fit)
		out = fit;
	free(b->pairs);
	b->pairs = out;
	b->npairs = b->cappairs = n;
	b->raw.n = 0;
	return 0;
}

/* Folds the raw ids into the sorted counted pairs (see struct idbag); ids
 * are below space (the shard's user or word count). */
static int bag_compact(struct weir_chat_shard *s, struct idbag *b, uint32_t space)
{
	if (!b->raw.n)
		return 0;
	if (b->raw.n >= 64)
		return bag_compact_dense(s, b, space);
	if (sort_ids(s, &b->raw) != 0)
		return WEIR_ENOMEM;
	uint32_t runs = 0;
	for (uint32_t i = 0; i < b->raw.n; i++)
		if (i == 0 || b->raw.v[i] != b->raw.v[i - 1])
			runs++;
	uint64_t *out = malloc(((size_t)b->npairs + runs) * sizeof(uint64_t));
	if (!out)
		return WEIR_ENOMEM;
	uint32_t n = 0, p = 0;
	for (uint32_t i = 0; i < b->raw.n;) {
		uint32_t j = i + 1, id = b->raw.v[i];
		while (j < b->raw.n && b->raw.v[j] == id)
			j++;
		uint64_t count = j - i;
		while (p < b->npairs && (uint32_t)(b->pairs[p] >> 32) < id)
			out[n++] = b->pairs[p++];
		if (p < b->npairs && (uint32_t)(b->pairs[p] >> 32) == id)
			count += (uint32_t)b->pairs[p++];
		out[n++] = (uint64_t)id << 32 | (count > UINT32_MAX ? UINT32_MAX : count);
		i = j;
	}
	while (p < b->npairs)
		out[n++] = b->pairs[p++];
	free(b->pairs);
	b->pairs = out;
	b->npairs = b->cappairs = n;
	b->raw.n = 0;
	return 0;
}

static inline int bag_push(struct weir_chat_shard *s, struct idbag *b, uint32_t id)
{
	if (idvec_push(&b->raw, id) != 0)
		return WEIR_ENOMEM;
	return b->raw.n >= BAG_COMPACT ? bag_compact(s, b, s->nusers) : 0;
}

int weir_chat_add(struct weir_chat_shard *s, const struct weir_event *ev)
{
	uint32_t cix, uid;
	/* the user's and words' map slots are likely cache misses (tens of
	 * thousands of names): start loading them first, look them up last */
	struct wkey uk;
	wkey_make(&uk, ev->user.p, ev->user.n);
	if (uk.n <= WEIR_SKMAP_MAXLEN)
		weir_skmap_prefetch(&s->user_sk, uk.h);
	struct chan *c = chan_get(s, ev->channel, &cix);
	if (!c)
		return WEIR_ENOMEM;
	struct cwin *m = win_find(s, c, cix, WEIR_GRAIN_MINUTE, ev->ts);
	if (!m)
		return WEIR_ENOMEM;
	if (ev->id.n) {
		uint64_t idh = weir_hash(ev->id.p, ev->id.n);
		int r = weir_u64set_put_raw(m->ids, idh);
		if (r < 0)
			return r;
		if (r == 0) {
			s->st.duplicates++;
			return 0;
		}
		if (m->nnew == m->capnew) {
			uint32_t ncap = m->capnew ? m->capnew * 2 : 16;
			uint64_t *n = realloc(m->newids, ncap * sizeof(*n));
			if (!n)
				return WEIR_ENOMEM;
			m->newids = n;
			m->capnew = ncap;
		}
		m->newids[m->nnew++] = idh ? idh : 1;
	}
	/* room for the lowercased text plus the tokenizer's 16 bytes of padding,
	 * and for every word it can hold (one a byte and a separator) */
	if (s->tokcap < ev->text.n + 16) {
		size_t ncap = ev->text.n + 16 < 4096 ? 4096 : ev->text.n + 16;
		char *b = realloc(s->tokbuf, ncap);
		if (!b)
			return WEIR_ENOMEM;
		s->tokbuf = b;
		s->tokcap = ncap;
	}
	if (s->capwk < ev->text.n / 2 + 1) {
		uint32_t ncap = s->capwk ? s->capwk : 64;
		while (ncap < ev->text.n / 2 + 1)
			ncap *= 2;
		struct wkey *nv = realloc(s->wk, ncap * sizeof(*nv));
		if (!nv)
			return WEIR_ENOMEM;
		s->wk = nv;
		s->capwk = ncap;
	}
	s->nwk = 0;
#ifdef __SSE2__
	uint32_t nw =
	    weir_tok_walk((const unsigned char *)ev->text.p, ev->text.n, s->tokbuf, 1, collect_word, s);
#else
	uint32_t nw = weir_tokenize(ev->text.p, ev->text.n, s->tokbuf, collect_word, s);
#endif
	if (user_get(s, &uk, &uid) != 0)
		return WEIR_ENOMEM;
	struct cwin *h = m->in_hour, *d = m->in_day;
	if (!h) {
		h = win_find(s, c, cix, WEIR_GRAIN_HOUR, ev->ts);
		d = win_find(s, c, cix, WEIR_GRAIN_DAY, ev->ts);
		if (!h || !d)
			return WEIR_ENOMEM;
		m->in_hour = h;
		m->in_day = d;
		h->in_day = d;
	}
	struct idvec *hw = &h->wids.raw;
	if (hw->cap - hw->n < s->nwk) {
		uint32_t ncap = hw->cap ? hw->cap : 64;
		while (ncap - hw->n < s->nwk)
			ncap *= 2;
		uint32_t *nv = realloc(hw->v, (size_t)ncap * sizeof(uint32_t));
		if (!nv)
			return WEIR_ENOMEM;
		hw->v = nv;
		hw->cap = ncap;
	}
	for (uint32_t i = 0; i < s->nwk; i++)
		if (word_get(s, &s->wk[i], &hw->v[hw->n++]) != 0)
			return WEIR_ENOMEM;
	if (hw->n >= WIDS_COMPACT && bag_compact(s, &h->wids, s->nwords) != 0)
		return WEIR_ENOMEM;
	m->messages++;
	h->messages++;
	d->messages++;
	m->words += nw;
	h->words += nw;
	d->words += nw;
	/* the day's users come from its hours' distinct ones, see win_emit() */
	if (bag_push(s, &m->users, uid) || bag_push(s, &h->users, uid))
		return WEIR_ENOMEM;
	s->st.events++;
	return 0;
}

static int cmp_words(const void *a, const void *b)
{
	const struct weir_wordcount *x = a, *y = b;
	uint32_t n = x->w.n < y->w.n ? x->w.n : y->w.n;
	int c = memcmp(x->w.p, y->w.p, n);
	if (c)
		return c;
	return (x->w.n > y->w.n) - (x->w.n < y->w.n);
}

/* The writer's side of a chat record: global user ids (batched: cache
 * lookups prefetched, new names in groups), then the store merge. */
static int chat_put(struct weir_rec *h, struct weir_writer *wr)
{
	struct weir_chat_rec *r = (struct weir_chat_rec *)h;
	uint32_t *gids = weir_writer_scratch(wr, (r->nusers ? r->nusers : 1) * sizeof(uint32_t));
	if (!gids)
		return WEIR_ENOMEM;
	int rc = weir_writer_users_named(wr, &r->h, r->uids, r->unames, r->nusers, gids);
	if (!rc)
		rc = weir_store_chat_put(weir_writer_store(wr), r, gids);
	return rc;
}

static void chat_free(struct weir_rec *h)
{
	weir_chat_rec_free((struct weir_chat_rec *)h);
}

/* Byte order of two words, the order of a record's words: first 8 bytes as a
 * big-endian number, then cmp_words() for ties. */
static inline int word_before(struct weir_str x, struct weir_str y)
{
	uint64_t a = __builtin_bswap64(weir_prefix8(x.p, x.n)), b = __builtin_bswap64(weir_prefix8(y.p, y.n));
	if (a != b)
		return a < b;
	struct weir_wordcount wx = {.w = x}, wy = {.w = y};
	return cmp_words(&wx, &wy) < 0;
}

/*
 * Ranks the shard's words in byte order (the order of a record's words), when
 * hour windows close after new words: those are sorted (radix on their first
 * 8 bytes, ties by cmp_words()) and merged into the words already ranked.
 * Each hour window's (word id, count) pairs are then put in order by rank
 * with the dense counting scratch, instead of a radix sort of their byte
 * prefixes per window (a vocabulary shared by the channels is sorted once,
 * not once per channel and hour).
 */
static int word_order_update(struct weir_chat_shard *s)
{
	uint32_t n = s->nwords, old = s->nranked, m = n - old;
	if (!m)
		return 0;
	struct weir_kv *kv = malloc(2 * (size_t)m * sizeof(*kv));
	struct weir_wordcount *wc = malloc((size_t)m * sizeof(*wc));
	uint32_t *merged = malloc((size_t)n * sizeof(uint32_t));
	uint32_t *rank = realloc(s->wrank, (size_t)n * sizeof(uint32_t));
	if (rank)
		s->wrank = rank;
	if (!kv || !wc || !merged || !rank) {
		free(kv);
		free(wc);
		free(merged);
		return WEIR_ENOMEM;
	}
	for (uint32_t i = 0; i < m; i++) {
		kv[i].k = __builtin_bswap64(weir_prefix8(s->wordv[old + i].p, s->wordv[old + i].n));
		kv[i].v = old + i;
	}
	weir_sort_kv(kv, m, kv + m);
	for (uint32_t i = 0; i < m; i++) {
		wc[i].w = s->wordv[kv[i].v];
		wc[i].count = kv[i].v; /* the word id, carried through the tie sort */
	}
	for (uint32_t i = 0; i < m;) {
		uint32_t e = i + 1;
		while (e < m && kv[e].k == kv[i].k)
			e++;
		if (e - i > 1)
			qsort(wc + i, e - i, sizeof(*wc), cmp_words);
		i = e;
	}
	/* merge the ranked words (s->worder) with the new ones (wc) */
	uint32_t i = 0, j = 0, k = 0;
	while (i < old && j < m) {
		if (word_before(wc[j].w, s->wordv[s->worder[i]]))
			merged[k++] = (uint32_t)wc[j++].count;
		else
			merged[k++] = s->worder[i++];
	}
	while (i < old)
		merged[k++] = s->worder[i++];
	while (j < m)
		merged[k++] = (uint32_t)wc[j++].count;
	for (k = 0; k < n; k++)
		rank[merged[k]] = k;
	free(s->worder);
	s->worder = merged;
	free(kv);
	free(wc);
	s->nranked = n;
	return 0;
}

/* Turns a closed window into a record and hands it to the writer. */
static int win_emit(struct weir_chat_shard *s, struct chan *c, uint32_t cix, struct cwin *w)
{
	struct weir_arena a;
	if (bag_compact(s, &w->users, s->nusers) != 0 ||
	    (w->grain == WEIR_GRAIN_HOUR && bag_compact(s, &w->wids, s->nwords) != 0))
		return WEIR_ENOMEM;
	if (w->grain == WEIR_GRAIN_HOUR && w->in_day) {
		/* the day window gets each of the hour's users once rather than one
		 * id per message: it only counts distinct users. It is still open
		 * (it ends no earlier; advance and flush emit hours first). */
		for (uint32_t k = 0; k < w->users.npairs; k++)
			if (bag_push(s, &w->in_day->users, (uint32_t)(w->users.pairs[k] >> 32)) != 0)
				return WEIR_ENOMEM;
	}
	uint32_t nu = w->users.npairs, nd0 = w->grain == WEIR_GRAIN_HOUR ? w->wids.npairs : 0;
	/* Size the record's arena to what it will hold: one allocation per record
	 * (hundreds of thousands of small records cross to the writer). */
	size_t need = sizeof(struct weir_chat_rec) +
		      (size_t)(nu + 1) * (2 * sizeof(uint32_t) + sizeof(struct weir_str)) +
		      (size_t)w->nnew * sizeof(uint64_t) + (size_t)nd0 * sizeof(struct weir_wordcount) + 64;
	weir_arena_init(&a, need);
	struct weir_chat_rec *r = weir_arena_alloc(&a, sizeof(*r));
	if (!r)
		goto oom;
	memset(r, 0, sizeof(*r));
	r->h.put = chat_put;
	r->h.free = chat_free;
	r->h.worker = s->env.worker;
	r->grain = w->grain;
	r->channel = c->name;
	r->start = w->start;
	r->messages = w->messages;
	r->words = w->words;
	/* distinct users (and messages per user, for hours) from the counted pairs */
	uint32_t *uids = weir_arena_alloc(&a, (nu ? nu : 1) * sizeof(uint32_t));
	struct weir_str *un = weir_arena_alloc(&a, (nu ? nu : 1) * sizeof(struct weir_str));
	uint32_t *uc =
	    w->grain == WEIR_GRAIN_HOUR ? weir_arena_alloc(&a, (nu ? nu : 1) * sizeof(uint32_t)) : NULL;
	if (!uids || !un || (w->grain == WEIR_GRAIN_HOUR && !uc))
		goto oom;
	uint32_t k = 0;
	for (; k < nu; k++) {
		uint32_t uid = (uint32_t)(w->users.pairs[k] >> 32);
		uids[k] = uid;
		un[k] = s->users[uid];
		if (uc)
			uc[k] = (uint32_t)w->users.pairs[k];
	}
	r->nusers = k;
	r->uids = uids;
	r->unames = un;
	r->ucounts = uc;
	if (w->grain == WEIR_GRAIN_MINUTE && w->nnew) {
		uint64_t *ids = weir_arena_alloc(&a, w->nnew * sizeof(uint64_t));
		if (!ids)
			goto oom;
		memcpy(ids, w->newids, w->nnew * sizeof(uint64_t));
		r->ids = ids;
		r->nids = w->nnew;
	}
	if (w->grain == WEIR_GRAIN_HOUR && w->wids.npairs) {
		uint32_t nd = w->wids.npairs;
		struct weir_wordcount *wv = weir_arena_alloc(&a, nd * sizeof(*wv));
		if (!wv || word_order_update(s) != 0 || dense_room(s, s->nwords) != 0)
			goto oom;
		/* counts by rank, then read back in rank order (see word_order_update) */
		uint64_t *cnt = s->dcount, *bits = s->dbits;
		uint32_t lo = UINT32_MAX, hi = 0;
		for (uint32_t j = 0; j < nd; j++) {
			uint32_t rk = s->wrank[w->wids.pairs[j] >> 32];
			cnt[rk] = (uint32_t)w->wids.pairs[j];
			bits[rk >> 6] |= 1ull << (rk & 63);
			lo = rk < lo ? rk : lo;
			hi = rk > hi ? rk : hi;
		}
		uint32_t j = 0;
		for (uint32_t k = lo >> 6; k <= hi >> 6; k++) {
			for (uint64_t b = bits[k]; b; b &= b - 1) {
				uint32_t rk = k * 64 + (uint32_t)__builtin_ctzll(b);
				wv[j].w = s->wordv[s->worder[rk]];
				wv[j++].count = cnt[rk];
				cnt[rk] = 0;
			}
			bits[k] = 0;
		}
		r->wordv = wv;
		r->nwords = j;
	}
	r->arena = a;
	s->st.records++;
	if (w->reopened && !s->flushing)
		s->st.corrections++;
	int64_t end = w->start + weir_grain_ms(w->grain);
	if (!s->flushing && end > c->emitted_until[w->grain])
		c->emitted_until[w->grain] = end; /* a checkpoint's flush does not close windows */
	s->env.emit(s->env.emit_ctx, &r->h);
	if (w->grain == WEIR_GRAIN_MINUTE && w->ids && w->ids->len) {
		/* keep the ids (a late duplicate of this minute must still be caught)
		 * until the store has committed them, see kept_evict() */
		uint64_t key = kept_key(cix, w->start);
		if (w->start + WEIR_MS_PER_MIN > c->kept_until)
			c->kept_until = w->start + WEIR_MS_PER_MIN;
		if (kept_put(s, key, w, r->h.seq) != 0)
			return WEIR_ENOMEM;
		if (s->env.committed && evq_push(s, key, r->h.seq, w->start) != 0)
			return WEIR_ENOMEM;
	}
	return 0;
oom:
	weir_arena_free(&a);
	return WEIR_ENOMEM;
}

int weir_chat_advance(struct weir_chat_shard *s, int64_t watermark)
{
	kept_evict(s, watermark);
	if (watermark < s->min_open_end)
		return 0;
	int64_t min_end = INT64_MAX;
	for (uint32_t i = 0; i < s->nchans; i++) {
		struct chan *c = &s->chans[i];
		for (int g = 0; g < 3; g++) {
			struct cwin **pp = &c->open[g];
			while (*pp) {
				struct cwin *w = *pp;
				int64_t end = w->start + weir_grain_ms(g);
				if (end <= watermark) {
					*pp = w->next;
					int r = win_emit(s, c, i, w);
					win_free(w);
					if (r)
						return r;
				} else {
					if (end < min_end)
						min_end = end;
					pp = &w->next;
				}
			}
		}
	}
	s->min_open_end = min_end;
	return 0;
}

/* ---- the operator ------------------------------------------------------------ */

/* Checkpoint: emit every open window as a delta; they are not closed, so
 * later events for them are not counted as corrections. */
int weir_chat_flush(struct weir_chat_shard *s)
{
	s->flushing = true;
	int rc = weir_chat_advance(s, INT64_MAX);
	s->flushing = false;
	return rc;
}

WEIR_OP_DEFINE(weir_op_chat, "chat", WEIR_OP_KIND(WEIR_KIND_CHAT), weir_chat, weir_chat_get_stats);
