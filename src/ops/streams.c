/*
 * streams.c — stream samples to airtime, viewer-time, peaks, games and
 * broadcasts per channel and window (events.md §3, §4; docs/streams.md).
 *
 * Data flow: a worker calls weir_streams_add() for each `stream` event routed
 * to it (by channel), then weir_streams_advance() with the batch's
 * watermark. Each channel keeps its recent samples sorted by ts. The
 * interval from a sample to the next one is "final" once the watermark has
 * passed the next sample; it is then split at window boundaries into the
 * channel's open minute, hour and day windows and added to its broadcast.
 * A window is handed to the writer (a struct weir_streams_rec) when the
 * watermark is past its end plus the longest covered interval, so the usual
 * window is written once.
 *
 * Late samples: a sample that lands between two samples whose interval was
 * already emitted subtracts that interval's contribution and adds the two
 * new ones; windows reopen as deltas. Samples are retained for a horizon of
 * event time behind the watermark (1 h by default); a sample older than
 * every retained one of its channel can no longer be placed and is dropped
 * (counted as expired). What the store must know to continue exactly in a
 * later ingest — the retained samples and which of their intervals it
 * already holds — is saved as the channel's "tail" at every checkpoint and
 * at the end of input, and loaded when the channel is first seen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/table.h"
#include "ops/streams.h"

#define NGRAINS 3

struct samp {
	int64_t ts;
	int64_t started;     /* WEIR_ABSENT: not part of an identified broadcast */
	int64_t viewers;     /* 0 when absent */
	uint32_t game, lang; /* ids in the shard's string dictionary; 0 is "" */
	uint8_t live;
	uint8_t done; /* the interval to the next sample is in the store */
};

struct glacc {
	uint32_t game, lang;
	int64_t ms, vms;
};

struct pkacc {
	int64_t viewers, count;
};

/* An open window: deltas not yet handed to the writer. */
struct swin {
	struct swin *next; /* newest first */
	int64_t start;
	int64_t ms, vms;
	struct glacc *gl;
	uint32_t ngl, capgl;
	struct pkacc *pk; /* one entry per piece; compacted when emitted */
	uint32_t npk, cappk;
};

/* A broadcast's pending delta (see struct weir_streams_bc). */
struct bcacc {
	int64_t started, ms, vms, peak, end;
	uint8_t end_set;
};

struct chan {
	struct weir_str name; /* in the shard's arena */
	struct samp *v;	      /* retained samples, ts ascending, no equal ts */
	uint32_t n, cap;
	uint32_t scan;	/* every interval before this index is done */
	uint8_t pruned; /* older samples were dropped (or the saved tail says so) */
	uint8_t dirty;	/* changed since its tail was last emitted */
	struct swin *open[NGRAINS];
	struct bcacc *bc;
	uint32_t nbc, capbc;
	int64_t due; /* the smallest watermark at which advance has work here */
};

/* What one advance collects for its record. */
struct emitwin {
	uint32_t chan;
	uint8_t grain;
	struct swin *w;
};

struct weir_streams_shard {
	struct weir_op_env env;
	struct weir_arena names; /* channel, game and language strings, for the whole run */
	struct weir_strmap chan_ix;
	struct chan *chans;
	uint32_t nchans, capchans;
	struct weir_strmap str_ix; /* game and language -> id */
	struct weir_str *strs;
	uint32_t nstrs, capstrs;
	int64_t horizon;
	int64_t wm;  /* last finite watermark, INT64_MIN before the first */
	int64_t due; /* min over the channels */
	struct emitwin *ew;
	uint32_t new_, capew;
	struct weir_streams_bc *eb;
	uint32_t neb, capeb;
	uint32_t *et; /* channels whose tail goes out */
	uint32_t net, capet;
	unsigned char *buf; /* tail encoding scratch */
	size_t buflen, bufcap;
	struct weir_arena scratch; /* loaded tails */
	struct weir_streams_stats st;
};

static const int64_t grain_ms[NGRAINS] = {WEIR_MS_PER_MIN, WEIR_MS_PER_HOUR, WEIR_MS_PER_DAY};

static inline int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static inline int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* Grows *v (elements of size sz) to hold at least need; 0 or WEIR_ENOMEM. */
static int grow(void **v, uint32_t *cap, uint32_t need, size_t sz)
{
	if (need <= *cap)
		return 0;
	uint32_t ncap = *cap ? *cap : 8;
	while (ncap < need)
		ncap *= 2;
	void *n = realloc(*v, (size_t)ncap * sz);
	if (!n)
		return WEIR_ENOMEM;
	*v = n;
	*cap = ncap;
	return 0;
}

#define GROW(v, cap, need) grow((void **)&(v), &(cap), (need), sizeof(*(v)))

void weir_streams_set_horizon(struct weir_streams_shard *s, int64_t ms)
{
	/* bounded so that time arithmetic cannot overflow */
	if (ms < 0)
		ms = 0;
	if (ms > 1000 * WEIR_MS_PER_DAY * 365)
		ms = 1000 * WEIR_MS_PER_DAY * 365;
	s->horizon = ms;
}

struct weir_streams_shard *weir_streams_shard_new(const struct weir_op_env *env)
{
	struct weir_streams_shard *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->env = *env;
	weir_arena_init(&s->names, 1 << 16);
	weir_arena_init(&s->scratch, 1 << 16);
	if (weir_strmap_init(&s->chan_ix, 64) || weir_strmap_init(&s->str_ix, 64) ||
	    GROW(s->strs, s->capstrs, 64)) {
		weir_streams_shard_free(s);
		return NULL;
	}
	s->strs[0].p = "";
	s->strs[0].n = 0;
	s->nstrs = 1;
	s->wm = INT64_MIN;
	s->due = INT64_MAX;
	weir_streams_set_horizon(s, env->streams_horizon_ms > 0 ? env->streams_horizon_ms
								: WEIR_STREAMS_HORIZON_MS);
	return s;
}

static void win_free(struct swin *w)
{
	free(w->gl);
	free(w->pk);
	free(w);
}

void weir_streams_shard_free(struct weir_streams_shard *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nchans; i++) {
		struct chan *c = &s->chans[i];
		for (int g = 0; g < NGRAINS; g++)
			for (struct swin *w = c->open[g], *n; w; w = n) {
				n = w->next;
				win_free(w);
			}
		free(c->v);
		free(c->bc);
	}
	for (uint32_t i = 0; i < s->new_; i++)
		win_free(s->ew[i].w);
	free(s->chans);
	free(s->strs);
	free(s->ew);
	free(s->eb);
	free(s->et);
	free(s->buf);
	weir_strmap_free(&s->chan_ix);
	weir_strmap_free(&s->str_ix);
	weir_arena_free(&s->names);
	weir_arena_free(&s->scratch);
	free(s);
}

void weir_streams_get_stats(const struct weir_streams_shard *s, struct weir_streams_stats *st)
{
	*st = s->st;
}

/* ---- dictionaries ------------------------------------------------------------ */

static int str_id(struct weir_streams_shard *s, const char *p, uint32_t n, uint32_t *id)
{
	if (!n) {
		*id = 0;
		return 0;
	}
	int isnew;
	struct weir_strent *e = weir_strmap_get(&s->str_ix, p, n, weir_hash(p, n), &s->names, &isnew);
	if (!e)
		return WEIR_ENOMEM;
	if (isnew) {
		if (GROW(s->strs, s->capstrs, s->nstrs + 1))
			return WEIR_ENOMEM;
		s->strs[s->nstrs].p = e->p;
		s->strs[s->nstrs].n = e->n;
		e->val = s->nstrs++;
	}
	*id = e->val;
	return 0;
}

/* ---- tails: the retained samples, saved in the store ---------------------------
 *
 *	varint count, then per sample:
 *	  zigzag varint (ts - previous ts), flags byte (1 live, 2 done,
 *	  4 has started_at), varint viewers, [zigzag varint started_at],
 *	  varint game length, game bytes, varint language length, bytes
 */

static int buf_need(struct weir_streams_shard *s, size_t n)
{
	if (s->buflen + n <= s->bufcap)
		return 0;
	size_t ncap = s->bufcap ? s->bufcap * 2 : 4096;
	while (ncap < s->buflen + n)
		ncap *= 2;
	unsigned char *b = realloc(s->buf, ncap);
	if (!b)
		return WEIR_ENOMEM;
	s->buf = b;
	s->bufcap = ncap;
	return 0;
}

static void put_varint(struct weir_streams_shard *s, uint64_t v)
{
	while (v >= 0x80) {
		s->buf[s->buflen++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	s->buf[s->buflen++] = (unsigned char)v;
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *out)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		unsigned char b = *(*p)++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return WEIR_ESTORE;
}

static int tail_encode(struct weir_streams_shard *s, const struct chan *c)
{
	s->buflen = 0;
	if (buf_need(s, 10))
		return WEIR_ENOMEM;
	put_varint(s, c->n);
	int64_t prev = 0;
	for (uint32_t i = 0; i < c->n; i++) {
		const struct samp *x = &c->v[i];
		struct weir_str g = s->strs[x->game], l = s->strs[x->lang];
		if (buf_need(s, 4 * 10 + 1 + 2 * 5 + g.n + l.n))
			return WEIR_ENOMEM;
		/* differences of accepted times (years 1900-9999) cannot overflow */
		put_varint(s, zigzag(x->ts - prev));
		prev = x->ts;
		s->buf[s->buflen++] =
		    (unsigned char)(x->live | x->done << 1 | (x->started != WEIR_ABSENT) << 2);
		put_varint(s, (uint64_t)x->viewers);
		if (x->started != WEIR_ABSENT)
			put_varint(s, zigzag(x->started));
		put_varint(s, g.n);
		memcpy(s->buf + s->buflen, g.p, g.n);
		s->buflen += g.n;
		put_varint(s, l.n);
		memcpy(s->buf + s->buflen, l.p, l.n);
		s->buflen += l.n;
	}
	return 0;
}

static int get_str(struct weir_streams_shard *s, const unsigned char **p, const unsigned char *end,
		   uint32_t *id)
{
	uint64_t n;
	if (get_varint(p, end, &n) || n > (uint64_t)(end - *p))
		return WEIR_ESTORE;
	int rc = str_id(s, (const char *)*p, (uint32_t)n, id);
	*p += n;
	return rc;
}

static int tail_decode(struct weir_streams_shard *s, struct chan *c, const unsigned char *p, uint32_t len)
{
	const unsigned char *end = p + len;
	uint64_t n, u;
	if (get_varint(&p, end, &n) || n > len)
		return WEIR_ESTORE;
	if (GROW(c->v, c->cap, (uint32_t)n + 1))
		return WEIR_ENOMEM;
	int64_t prev = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct samp *x = &c->v[i];
		if (get_varint(&p, end, &u) || p >= end)
			return WEIR_ESTORE;
		x->ts = prev + unzigzag(u);
		prev = x->ts;
		unsigned f = *p++;
		x->live = f & 1;
		x->done = (f >> 1) & 1;
		if (get_varint(&p, end, &u))
			return WEIR_ESTORE;
		x->viewers = (int64_t)u;
		x->started = WEIR_ABSENT;
		if (f & 4) {
			if (get_varint(&p, end, &u))
				return WEIR_ESTORE;
			x->started = unzigzag(u);
		}
		int rc = get_str(s, &p, end, &x->game);
		if (!rc)
			rc = get_str(s, &p, end, &x->lang);
		if (rc)
			return rc;
	}
	c->n = (uint32_t)n;
	return 0;
}

/* ---- channels -------------------------------------------------------------- */

/* The channel's index, created (and its saved tail loaded) when new. */
static int chan_get(struct weir_streams_shard *s, struct weir_str name, uint32_t *ix)
{
	int isnew;
	struct weir_strent *e =
	    weir_strmap_get(&s->chan_ix, name.p, name.n, weir_hash(name.p, name.n), &s->names, &isnew);
	if (!e)
		return WEIR_ENOMEM;
	if (!isnew) {
		*ix = e->val;
		return 0;
	}
	if (GROW(s->chans, s->capchans, s->nchans + 1))
		return WEIR_ENOMEM;
	struct chan *c = &s->chans[s->nchans];
	memset(c, 0, sizeof(*c));
	c->name.p = e->p;
	c->name.n = e->n;
	c->due = INT64_MAX;
	e->val = *ix = s->nchans++;
	/* An earlier ingest may have left samples whose intervals continue here. */
	struct weir_store *ro = s->env.store_ro ? s->env.store_ro(s->env.store_ctx) : NULL;
	if (!ro && s->env.store_ro && s->env.store_had_data)
		return WEIR_ESTORE; /* going on without its tail would count intervals twice */
	if (ro) {
		const unsigned char *blob;
		uint32_t len;
		int pruned;
		int rc = weir_store_streams_tail(ro, c->name, &s->scratch, &blob, &len, &pruned);
		if (rc == 1) {
			rc = tail_decode(s, c, blob, len);
			c->pruned = pruned != 0;
			c->due = INT64_MIN;
			s->due = INT64_MIN;
		}
		weir_arena_reset(&s->scratch);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- contributions ----------------------------------------------------------- */

static struct swin *win_get(struct chan *c, int g, int64_t start)
{
	struct swin **pp = &c->open[g];
	while (*pp && (*pp)->start > start)
		pp = &(*pp)->next;
	if (*pp && (*pp)->start == start)
		return *pp;
	struct swin *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->start = start;
	w->next = *pp;
	*pp = w;
	return w;
}

static int cmp_pk(const void *x, const void *y)
{
	const struct pkacc *a = x, *b = y;
	return (a->viewers > b->viewers) - (a->viewers < b->viewers);
}

/* Sorts and sums a window's peak entries; drops zero counts. */
static void pk_compact(struct swin *w)
{
	if (w->npk > 1)
		qsort(w->pk, w->npk, sizeof(*w->pk), cmp_pk);
	uint32_t k = 0;
	for (uint32_t i = 0; i < w->npk;) {
		struct pkacc e = w->pk[i++];
		while (i < w->npk && w->pk[i].viewers == e.viewers)
			e.count += w->pk[i++].count;
		if (e.count)
			w->pk[k++] = e;
	}
	w->npk = k;
}

static int win_add(struct chan *c, int g, int64_t start, int64_t ms, const struct samp *a, int sign)
{
	struct swin *w = win_get(c, g, start);
	if (!w)
		return WEIR_ENOMEM;
	int64_t dms = sign * ms, dvms = sign * ms * a->viewers;
	w->ms += dms;
	w->vms += dvms;
	uint32_t i = 0;
	while (i < w->ngl && (w->gl[i].game != a->game || w->gl[i].lang != a->lang))
		i++;
	if (i == w->ngl) {
		if (GROW(w->gl, w->capgl, w->ngl + 1))
			return WEIR_ENOMEM;
		w->gl[i] = (struct glacc){a->game, a->lang, 0, 0};
		w->ngl++;
	}
	w->gl[i].ms += dms;
	w->gl[i].vms += dvms;
	if (w->npk == w->cappk && w->npk >= 256) {
		/* a long window of frequent samples: merge equal values before growing */
		pk_compact(w);
	}
	if (GROW(w->pk, w->cappk, w->npk + 1))
		return WEIR_ENOMEM;
	w->pk[w->npk++] = (struct pkacc){a->viewers, sign};
	return 0;
}

static struct bcacc *bc_get(struct chan *c, int64_t started)
{
	for (uint32_t i = 0; i < c->nbc; i++)
		if (c->bc[i].started == started)
			return &c->bc[i];
	if (GROW(c->bc, c->capbc, c->nbc + 1))
		return NULL;
	struct bcacc *b = &c->bc[c->nbc++];
	*b = (struct bcacc){started, 0, 0, 0, WEIR_ABSENT, 0};
	return b;
}

static inline int covered(const struct samp *a, int64_t end)
{
	return a->live && end - a->ts <= WEIR_STREAMS_MAX_GAP_MS;
}

/*
 * Adds (sign +1) or subtracts (-1) the contribution of sample a's interval
 * [a->ts, end): its pieces in every window it touches, and its broadcast's
 * time. A subtraction leaves the broadcast's peak and end to the caller.
 * The caller schedules the channel (due) for the windows and broadcasts.
 */
static int contrib(struct chan *c, const struct samp *a, int64_t end, int sign)
{
	if (!covered(a, end))
		return 0;
	for (int g = 0; g < NGRAINS; g++) {
		for (int64_t ws = weir_floor(a->ts, grain_ms[g]); ws < end; ws += grain_ms[g]) {
			int64_t lo = max64(a->ts, ws), hi = min64(end, ws + grain_ms[g]);
			int rc = win_add(c, g, ws, hi - lo, a, sign);
			if (rc)
				return rc;
		}
	}
	if (a->started != WEIR_ABSENT) {
		struct bcacc *b = bc_get(c, a->started);
		if (!b)
			return WEIR_ENOMEM;
		int64_t ms = end - a->ts;
		b->ms += sign * ms;
		b->vms += sign * ms * a->viewers;
		if (sign > 0) {
			b->peak = max64(b->peak, a->viewers);
			b->end = b->end == WEIR_ABSENT ? end : max64(b->end, end);
		}
	}
	return 0;
}

/*
 * After a correction shortened an interval of broadcast `started`, its
 * stored end may be too late: every interval of the channel after the
 * corrected one is retained, so the exact end over the intervals already
 * in the store is known here. It replaces the stored one.
 */
static int bc_fix_end(struct chan *c, uint32_t from, int64_t started)
{
	int64_t e = WEIR_ABSENT;
	for (uint32_t j = from; j + 1 < c->n; j++) {
		const struct samp *x = &c->v[j];
		if (x->done && x->started == started && covered(x, c->v[j + 1].ts))
			e = max64(e, c->v[j + 1].ts);
	}
	if (e == WEIR_ABSENT)
		return 0; /* cannot happen: the shortened interval is still covered */
	struct bcacc *b = bc_get(c, started);
	if (!b)
		return WEIR_ENOMEM;
	b->end = e;
	b->end_set = 1;
	return 0;
}

int weir_streams_add(struct weir_streams_shard *s, const struct weir_event *ev)
{
	if (ev->viewers != WEIR_ABSENT && ev->viewers > WEIR_STREAMS_MAX_VIEWERS) {
		s->st.rejected++;
		char d[64];
		snprintf(d, sizeof(d), "viewers %lld > %lld", (long long)ev->viewers,
			 (long long)WEIR_STREAMS_MAX_VIEWERS);
		return weir_op_reject(&s->env, "streams", ev, "impossible_value", d);
	}
	uint32_t ci;
	int rc = chan_get(s, ev->channel, &ci);
	if (rc)
		return rc;
	struct chan *c = &s->chans[ci];
	/* position: first sample not before ev (usually the end) */
	uint32_t lo = 0, hi = c->n;
	if (c->n && c->v[c->n - 1].ts < ev->ts)
		lo = c->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (c->v[mid].ts < ev->ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint32_t p = lo;
	if (p < c->n && c->v[p].ts == ev->ts) {
		/* one sample per channel and ms: the first to arrive */
		s->st.op.duplicates++;
		return 0;
	}
	if (p == 0 && c->pruned) {
		s->st.expired++;
		return weir_op_reject(&s->env, "streams", ev, "beyond_horizon",
				      "older than every sample kept for the channel (--streams-horizon)");
	}
	struct samp x = {.ts = ev->ts,
			 .started = ev->started_at,
			 .viewers = ev->viewers == WEIR_ABSENT ? 0 : ev->viewers,
			 .live = ev->live == 1};
	if (str_id(s, ev->game.p, ev->game.n, &x.game) ||
	    str_id(s, ev->language.p, ev->language.n, &x.lang) || GROW(c->v, c->cap, c->n + 1))
		return WEIR_ENOMEM;
	memmove(c->v + p + 1, c->v + p, (size_t)(c->n - p) * sizeof(*c->v));
	c->v[p] = x;
	c->n++;
	c->dirty = 1;
	s->st.op.events++;
	if (p > 0 && c->v[p - 1].done) {
		/* The interval it splits is in the store: replace it by the two new ones. */
		const struct samp *a = &c->v[p - 1], *m = &c->v[p];
		int64_t b = c->v[p + 1].ts;
		int was = covered(a, b);
		if ((rc = contrib(c, a, b, -1)) || (rc = contrib(c, a, m->ts, 1)) ||
		    (rc = contrib(c, m, b, 1)))
			return rc;
		c->v[p].done = 1;
		if (was && a->started != WEIR_ABSENT && !(m->live && m->started == a->started) &&
		    (rc = bc_fix_end(c, p - 1, a->started)))
			return rc;
		s->st.op.corrections++;
		c->due = s->due = INT64_MIN;
		return 0;
	}
	if (p < c->scan)
		c->scan = p;
	/* its interval from the previous sample is due when the watermark passes it */
	c->due = min64(c->due, ev->ts);
	s->due = min64(s->due, c->due);
	return 0;
}

/* ---- emission ---------------------------------------------------------------- */

static int emit_win(struct weir_streams_shard *s, uint32_t ci, int g, struct swin *w)
{
	pk_compact(w);
	int empty = !w->ms && !w->vms && !w->npk;
	for (uint32_t i = 0; i < w->ngl && empty; i++)
		empty = !w->gl[i].ms && !w->gl[i].vms;
	if (empty) { /* a correction that changed nothing here */
		win_free(w);
		return 0;
	}
	if (GROW(s->ew, s->capew, s->new_ + 1)) {
		win_free(w);
		return WEIR_ENOMEM;
	}
	s->ew[s->new_++] = (struct emitwin){ci, (uint8_t)g, w};
	return 0;
}

/*
 * One channel's work for watermark wm: emit the intervals it made final
 * (every one with all_intervals), hand over the windows it closed (every
 * one with all_windows) and the broadcast deltas, forget samples older than
 * the horizon, and note when there is work again.
 */
static int chan_step(struct weir_streams_shard *s, uint32_t ci, int64_t wm, int all_intervals,
		     int all_windows)
{
	struct chan *c = &s->chans[ci];
	uint32_t i = c->scan;
	for (; i + 1 < c->n; i++) {
		if (c->v[i].done)
			continue;
		if (!all_intervals && c->v[i + 1].ts > wm)
			break;
		int rc = contrib(c, &c->v[i], c->v[i + 1].ts, 1);
		if (rc)
			return rc;
		c->v[i].done = 1;
		c->dirty = 1;
	}
	c->scan = i;
	c->due = INT64_MAX;
	for (int g = 0; g < NGRAINS; g++) {
		struct swin **pp = &c->open[g];
		while (*pp) {
			struct swin *w = *pp;
			int64_t at = w->start + grain_ms[g] + WEIR_STREAMS_MAX_GAP_MS;
			if (all_windows || at <= wm) {
				*pp = w->next;
				int rc = emit_win(s, ci, g, w);
				if (rc)
					return rc;
			} else {
				c->due = min64(c->due, at);
				pp = &w->next;
			}
		}
	}
	if (c->nbc) {
		if (GROW(s->eb, s->capeb, s->neb + c->nbc))
			return WEIR_ENOMEM;
		for (uint32_t k = 0; k < c->nbc; k++) {
			const struct bcacc *b = &c->bc[k];
			s->eb[s->neb++] = (struct weir_streams_bc){c->name, b->started, b->ms,	   b->vms,
								   b->peak, b->end,	b->end_set};
		}
		c->nbc = 0;
	}
	if (s->wm != INT64_MIN) {
		int64_t limit = s->wm - s->horizon;
		uint32_t k = 0;
		while (k + 1 < c->n && c->v[k].done && c->v[k + 1].ts < limit)
			k++;
		if (k) {
			memmove(c->v, c->v + k, (size_t)(c->n - k) * sizeof(*c->v));
			c->n -= k;
			c->scan -= k;
			c->pruned = 1;
		}
	}
	if (c->scan + 1 < c->n)
		c->due = min64(c->due, c->v[c->scan + 1].ts);
	if (c->n >= 2 && c->v[0].done)
		c->due = min64(c->due, c->v[1].ts + s->horizon + 1);
	s->due = min64(s->due, c->due);
	return 0;
}

static void streams_free(struct weir_rec *h)
{
	weir_streams_rec_free(h);
}

void weir_streams_rec_free(struct weir_rec *h)
{
	if (!h)
		return;
	struct weir_arena a = ((struct weir_streams_rec *)h)->arena; /* the record lives in it */
	weir_arena_free(&a);
}

/* Builds one record of everything collected (and the tails of changed
 * channels when `tails`) and hands it to the writer. */
static int emit_record(struct weir_streams_shard *s, int tails)
{
	s->net = 0;
	if (tails)
		for (uint32_t i = 0; i < s->nchans; i++)
			if (s->chans[i].dirty) {
				if (GROW(s->et, s->capet, s->net + 1))
					return WEIR_ENOMEM;
				s->et[s->net++] = i;
			}
	if (!s->new_ && !s->neb && !s->net)
		return 0;
	struct weir_arena a;
	weir_arena_init(&a, 16 * 1024);
	struct weir_streams_rec *r = weir_arena_alloc(&a, sizeof(*r));
	struct weir_streams_win *wv = weir_arena_alloc(&a, (s->new_ + 1) * sizeof(*wv));
	struct weir_streams_bc *bv = weir_arena_alloc(&a, (s->neb + 1) * sizeof(*bv));
	struct weir_streams_tail *tv = weir_arena_alloc(&a, (s->net + 1) * sizeof(*tv));
	if (!r || !wv || !bv || !tv)
		goto oom;
	memset(r, 0, sizeof(*r));
	for (uint32_t i = 0; i < s->new_; i++) {
		const struct swin *w = s->ew[i].w;
		struct weir_streams_gl *gl = weir_arena_alloc(&a, (w->ngl + 1) * sizeof(*gl));
		struct weir_streams_peak *pk = weir_arena_alloc(&a, (w->npk + 1) * sizeof(*pk));
		if (!gl || !pk)
			goto oom;
		for (uint32_t k = 0; k < w->ngl; k++)
			gl[k] = (struct weir_streams_gl){s->strs[w->gl[k].game], s->strs[w->gl[k].lang],
							 w->gl[k].ms, w->gl[k].vms};
		for (uint32_t k = 0; k < w->npk; k++)
			pk[k] = (struct weir_streams_peak){w->pk[k].viewers, w->pk[k].count};
		wv[i] = (struct weir_streams_win){s->ew[i].grain, w->start, s->chans[s->ew[i].chan].name,
						  w->ms,	  w->vms,   w->ngl,
						  w->npk,	  gl,	    pk};
	}
	if (s->neb)
		memcpy(bv, s->eb, s->neb * sizeof(*bv));
	for (uint32_t i = 0; i < s->net; i++) {
		struct chan *c = &s->chans[s->et[i]];
		if (tail_encode(s, c) != 0)
			goto oom;
		unsigned char *b = weir_arena_alloc(&a, s->buflen ? s->buflen : 1);
		if (!b)
			goto oom;
		memcpy(b, s->buf, s->buflen);
		tv[i] = (struct weir_streams_tail){c->name, c->pruned, b, (uint32_t)s->buflen};
	}
	r->h.put = weir_streams_put;
	r->h.free = streams_free;
	r->h.worker = s->env.worker;
	r->nwin = s->new_;
	r->win = wv;
	r->nbc = s->neb;
	r->bc = bv;
	r->ntail = s->net;
	r->tail = tv;
	r->arena = a;
	for (uint32_t i = 0; i < s->new_; i++)
		win_free(s->ew[i].w);
	for (uint32_t i = 0; i < s->net; i++)
		s->chans[s->et[i]].dirty = 0;
	s->new_ = s->neb = s->net = 0;
	s->st.op.records++;
	s->env.emit(s->env.emit_ctx, &r->h);
	return 0;
oom:
	weir_arena_free(&a);
	return WEIR_ENOMEM;
}

int weir_streams_advance(struct weir_streams_shard *s, int64_t watermark)
{
	int all = watermark == INT64_MAX;
	if (!all && watermark > s->wm)
		s->wm = watermark;
	if (!all && watermark < s->due)
		return 0;
	s->due = INT64_MAX;
	for (uint32_t i = 0; i < s->nchans; i++) {
		struct chan *c = &s->chans[i];
		if (!all && watermark < c->due) {
			s->due = min64(s->due, c->due);
			continue;
		}
		int rc = chan_step(s, i, watermark, all, all);
		if (rc)
			return rc;
	}
	return emit_record(s, all);
}

int weir_streams_flush(struct weir_streams_shard *s)
{
	s->due = INT64_MAX;
	for (uint32_t i = 0; i < s->nchans; i++) {
		int rc = chan_step(s, i, s->wm, 0, 1);
		if (rc)
			return rc;
	}
	return emit_record(s, 1);
}

/* ---- the operator ------------------------------------------------------------ */

/* The engine's counters: the family's own (expired, rejected) folded in. */
static void op_stats_of(const struct weir_streams_shard *s, struct weir_op_stats *out)
{
	*out = s->st.op;
	out->expired = s->st.expired;
	out->rejected = s->st.rejected;
}

WEIR_OP_DEFINE(weir_op_streams, "streams", WEIR_OP_KIND(WEIR_KIND_STREAM), weir_streams, op_stats_of);
