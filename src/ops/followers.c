/*
 * followers.c — follower counts per account and window, the streamer each
 * account belongs to, and each Twitch channel's last `stream` sample per
 * hour (events.md §3, §4 second bullet).
 *
 * Data flow: the engine routes followers and stream events by channel, so
 * every account of one channel name and its stream samples meet in one
 * worker, which owns them without locks. weir_fol_add() folds an event
 * into the open windows of its key: for a followers snapshot the minute,
 * hour and day windows of (platform, channel); for a stream sample the
 * hour window of the channel. weir_fol_advance() closes what the
 * watermark passed and hands all of it to the writer as one record.
 *
 * A window holds a fixed-size aggregate (followers.h), so an event costs a
 * lookup and a few comparisons; windows come from a pool and go back to it
 * when they close (no allocation per event after warm-up). An event for a
 * window already emitted opens it again: the new record is a correction,
 * and because the aggregates merge idempotently the store needs nothing
 * more to stay exact. Strings (channels, streamers, games, languages) are
 * interned once per shard; records point at them.
 */
#include <stdlib.h>
#include <string.h>

#include "core/table.h"
#include "ops/followers.h"

/* ---- aggregates (shared with the store's merge) ------------------------------- */

void weir_fol_agg_init(struct weir_fol_agg *a, int64_t ts, int64_t count)
{
	a->first_ts = a->last_ts = ts;
	a->first = a->last = a->min = a->max = count;
}

void weir_fol_agg_merge(struct weir_fol_agg *into, const struct weir_fol_agg *x)
{
	if (x->first_ts < into->first_ts || (x->first_ts == into->first_ts && x->first > into->first)) {
		into->first_ts = x->first_ts;
		into->first = x->first;
	}
	if (x->last_ts > into->last_ts || (x->last_ts == into->last_ts && x->last > into->last)) {
		into->last_ts = x->last_ts;
		into->last = x->last;
	}
	if (x->min < into->min)
		into->min = x->min;
	if (x->max > into->max)
		into->max = x->max;
}

static int str_cmp(struct weir_str a, struct weir_str b)
{
	uint32_t n = a.n < b.n ? a.n : b.n;
	int c = n ? memcmp(a.p, b.p, n) : 0;
	if (c)
		return c;
	return (a.n > b.n) - (a.n < b.n);
}

int weir_fol_sample_cmp(const struct weir_fol_sample *a, const struct weir_fol_sample *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	int c = str_cmp(a->game, b->game);
	return c ? c : str_cmp(a->language, b->language);
}

int weir_fol_link_cmp(int64_t ts_a, struct weir_str a, int64_t ts_b, struct weir_str b)
{
	if (ts_a != ts_b)
		return ts_a < ts_b ? -1 : 1;
	return str_cmp(a, b);
}

void weir_fol_rec_free(struct weir_fol_rec *r)
{
	if (!r)
		return;
	struct weir_arena a = r->arena; /* r lives inside its own arena */
	weir_arena_free(&a);
}

/* ---- shard state ---------------------------------------------------------------- */

struct fwin {
	struct fwin *next;
	int64_t start;
	uint8_t reopened;	  /* emitted before: this one is a correction */
	struct weir_fol_agg agg;  /* followers keys */
	struct weir_fol_sample s; /* stream keys (hour windows only) */
};

#define BLOCK_WINS 256
struct fblock {
	struct fblock *next;
	struct fwin w[BLOCK_WINS];
};

/* A key: a followers account (platform, channel) or, with platform 0, the
 * stream samples of a Twitch channel. */
struct acct {
	struct weir_str channel; /* interned */
	uint8_t platform;
	uint8_t link_dirty;	  /* streamer changed since last emitted */
	struct fwin *open[3];	  /* per grain */
	int64_t emitted_until[3]; /* windows starting before this were emitted once */
	struct weir_str streamer; /* interned, lowercased; n == 0: none yet */
	int64_t streamer_ts;
};

struct weir_fol_shard {
	struct weir_op_env env;
	struct weir_arena names;   /* keys and strings, for the whole run */
	struct weir_strmap key_ix; /* [platform byte][channel] -> acct index */
	struct acct *accts;
	uint32_t naccts, capaccts;
	struct weir_strmap str_ix; /* streamer, game and language strings */
	struct fblock *blocks;
	struct fwin *pool; /* free windows */
	char *scratch;
	size_t scratchcap;
	struct weir_fol_entry *out; /* entries of the record being built */
	uint32_t nout, capout;
	int64_t min_open_end; /* no open window ends before this */
	struct weir_op_stats st;
};

struct weir_fol_shard *weir_fol_shard_new(const struct weir_op_env *env)
{
	struct weir_fol_shard *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->env = *env;
	weir_arena_init(&s->names, 64 * 1024);
	if (weir_strmap_init(&s->key_ix, 256) || weir_strmap_init(&s->str_ix, 256)) {
		weir_fol_shard_free(s);
		return NULL;
	}
	s->min_open_end = INT64_MAX;
	return s;
}

void weir_fol_shard_free(struct weir_fol_shard *s)
{
	if (!s)
		return;
	for (struct fblock *b = s->blocks, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	free(s->accts);
	free(s->scratch);
	free(s->out);
	weir_strmap_free(&s->key_ix);
	weir_strmap_free(&s->str_ix);
	weir_arena_free(&s->names);
	free(s);
}

void weir_fol_get_stats(const struct weir_fol_shard *s, struct weir_op_stats *st)
{
	*st = s->st;
}

static int scratch_reserve(struct weir_fol_shard *s, size_t n)
{
	if (n <= s->scratchcap)
		return 0;
	size_t ncap = s->scratchcap ? s->scratchcap : 256;
	while (ncap < n)
		ncap *= 2;
	char *p = realloc(s->scratch, ncap);
	if (!p)
		return WEIR_ENOMEM;
	s->scratch = p;
	s->scratchcap = ncap;
	return 0;
}

/* The shard's copy of p[0..n) (n == 0: the empty view). */
static int intern(struct weir_fol_shard *s, const char *p, uint32_t n, struct weir_str *out)
{
	if (!n) {
		out->p = NULL;
		out->n = 0;
		return 0;
	}
	int isnew;
	struct weir_strent *e = weir_strmap_get(&s->str_ix, p, n, weir_hash(p, n), &s->names, &isnew);
	if (!e)
		return WEIR_ENOMEM;
	out->p = e->p;
	out->n = e->n;
	return 0;
}

static struct acct *acct_get(struct weir_fol_shard *s, uint8_t platform, struct weir_str channel)
{
	if (scratch_reserve(s, (size_t)channel.n + 1) != 0)
		return NULL;
	s->scratch[0] = (char)platform;
	memcpy(s->scratch + 1, channel.p, channel.n);
	uint32_t kn = channel.n + 1;
	int isnew;
	struct weir_strent *e =
	    weir_strmap_get(&s->key_ix, s->scratch, kn, weir_hash(s->scratch, kn), &s->names, &isnew);
	if (!e)
		return NULL;
	if (isnew) {
		if (s->naccts == s->capaccts) {
			uint32_t ncap = s->capaccts ? s->capaccts * 2 : 64;
			struct acct *n = realloc(s->accts, ncap * sizeof(*n));
			if (!n)
				return NULL;
			s->accts = n;
			s->capaccts = ncap;
		}
		struct acct *a = &s->accts[s->naccts];
		memset(a, 0, sizeof(*a));
		a->channel.p = e->p + 1;
		a->channel.n = e->n - 1;
		a->platform = platform;
		for (int g = 0; g < 3; g++)
			a->emitted_until[g] = INT64_MIN;
		e->val = s->naccts++;
	}
	return &s->accts[e->val];
}

/* The open window of a's grain g that starts at `start`, taken from the
 * pool when new (*isnew = 1). */
static struct fwin *win_get(struct weir_fol_shard *s, struct acct *a, int g, int64_t start, int *isnew)
{
	for (struct fwin *w = a->open[g]; w; w = w->next)
		if (w->start == start) {
			*isnew = 0;
			return w;
		}
	if (!s->pool) {
		struct fblock *b = malloc(sizeof(*b));
		if (!b)
			return NULL;
		b->next = s->blocks;
		s->blocks = b;
		for (int i = 0; i < BLOCK_WINS; i++) {
			b->w[i].next = s->pool;
			s->pool = &b->w[i];
		}
	}
	struct fwin *w = s->pool;
	s->pool = w->next;
	memset(w, 0, sizeof(*w));
	w->start = start;
	w->reopened = start < a->emitted_until[g];
	w->next = a->open[g];
	a->open[g] = w;
	int64_t end = start + weir_grain_ms(g);
	if (end < s->min_open_end)
		s->min_open_end = end;
	*isnew = 1;
	return w;
}

static int add_followers(struct weir_fol_shard *s, const struct weir_event *ev)
{
	struct acct *a = acct_get(s, ev->platform, ev->channel);
	if (!a)
		return WEIR_ENOMEM;
	struct weir_fol_agg one;
	weir_fol_agg_init(&one, ev->ts, ev->count);
	for (int g = 0; g < 3; g++) {
		int isnew;
		struct fwin *w = win_get(s, a, g, weir_floor(ev->ts, weir_grain_ms(g)), &isnew);
		if (!w)
			return WEIR_ENOMEM;
		if (isnew)
			w->agg = one;
		else
			weir_fol_agg_merge(&w->agg, &one);
	}
	if (ev->streamer.n) {
		/* streamers compare case-insensitively, like channels */
		if (scratch_reserve(s, ev->streamer.n) != 0)
			return WEIR_ENOMEM;
		for (uint32_t i = 0; i < ev->streamer.n; i++) {
			char c = ev->streamer.p[i];
			s->scratch[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
		}
		struct weir_str name = {s->scratch, ev->streamer.n};
		if (!a->streamer.n || weir_fol_link_cmp(ev->ts, name, a->streamer_ts, a->streamer) > 0) {
			if (intern(s, name.p, name.n, &a->streamer) != 0)
				return WEIR_ENOMEM;
			a->streamer_ts = ev->ts;
			a->link_dirty = 1;
		}
	}
	return 0;
}

static int add_stream(struct weir_fol_shard *s, const struct weir_event *ev)
{
	struct acct *a = acct_get(s, 0, ev->channel);
	if (!a)
		return WEIR_ENOMEM;
	int isnew;
	struct fwin *w = win_get(s, a, WEIR_GRAIN_HOUR, weir_floor(ev->ts, WEIR_MS_PER_HOUR), &isnew);
	if (!w)
		return WEIR_ENOMEM;
	struct weir_fol_sample x = {.ts = ev->ts, .game = ev->game, .language = ev->language};
	if (!x.game.n)
		x.game.p = NULL;
	if (!x.language.n)
		x.language.p = NULL;
	/* compare first: only a sample that wins is interned */
	if (isnew || weir_fol_sample_cmp(&x, &w->s) > 0) {
		if (intern(s, x.game.p, x.game.n, &w->s.game) != 0 ||
		    intern(s, x.language.p, x.language.n, &w->s.language) != 0)
			return WEIR_ENOMEM;
		w->s.ts = x.ts;
	}
	return 0;
}

int weir_fol_add(struct weir_fol_shard *s, const struct weir_event *ev)
{
	int rc;
	if (ev->kind == WEIR_KIND_FOLLOWERS)
		rc = add_followers(s, ev);
	else if (ev->kind == WEIR_KIND_STREAM)
		rc = add_stream(s, ev);
	else
		return 0;
	if (!rc)
		s->st.events++;
	return rc;
}

/* ---- closing windows ------------------------------------------------------------ */

static struct weir_fol_entry *out_push(struct weir_fol_shard *s)
{
	if (s->nout == s->capout) {
		uint32_t ncap = s->capout ? s->capout * 2 : 256;
		struct weir_fol_entry *n = realloc(s->out, ncap * sizeof(*n));
		if (!n)
			return NULL;
		s->out = n;
		s->capout = ncap;
	}
	struct weir_fol_entry *e = &s->out[s->nout++];
	memset(e, 0, sizeof(*e));
	return e;
}

static int fol_put(struct weir_rec *h, struct weir_writer *w)
{
	return weir_store_followers_put(weir_writer_store(w), (const struct weir_fol_rec *)h);
}

static void fol_free(struct weir_rec *h)
{
	weir_fol_rec_free((struct weir_fol_rec *)h);
}

/* Hands the entries gathered in s->out to the writer as one record. */
static int emit_out(struct weir_fol_shard *s)
{
	if (!s->nout)
		return 0;
	struct weir_arena a;
	weir_arena_init(&a,
			sizeof(struct weir_fol_rec) + (size_t)s->nout * sizeof(struct weir_fol_entry) + 64);
	struct weir_fol_rec *r = weir_arena_alloc(&a, sizeof(*r));
	struct weir_fol_entry *v = weir_arena_alloc(&a, (size_t)s->nout * sizeof(*v));
	if (!r || !v) {
		weir_arena_free(&a);
		return WEIR_ENOMEM;
	}
	memset(r, 0, sizeof(*r));
	memcpy(v, s->out, (size_t)s->nout * sizeof(*v));
	r->h.put = fol_put;
	r->h.free = fol_free;
	r->h.worker = s->env.worker;
	r->n = s->nout;
	r->v = v;
	r->arena = a;
	s->nout = 0;
	s->env.emit(s->env.emit_ctx, &r->h);
	return 0;
}

/* Turns window w into an entry of the record being built. A flush (a
 * checkpoint) is not a close: a later event for the same window is then not
 * a correction, so emitted_until stays. */
static int win_close(struct weir_fol_shard *s, struct acct *a, int g, struct fwin *w, bool flushing)
{
	struct weir_fol_entry *e = out_push(s);
	if (!e)
		return WEIR_ENOMEM;
	e->channel = a->channel;
	e->start = w->start;
	if (a->platform) {
		e->type = WEIR_FOL_WINDOW;
		e->grain = (uint8_t)g;
		e->platform = a->platform;
		e->agg = w->agg;
	} else {
		e->type = WEIR_FOL_STREAM;
		e->grain = WEIR_GRAIN_HOUR;
		e->sample = w->s;
	}
	s->st.records++;
	if (w->reopened)
		s->st.corrections++;
	int64_t end = w->start + weir_grain_ms(g);
	if (!flushing && end > a->emitted_until[g])
		a->emitted_until[g] = end;
	return 0;
}

static int close_upto(struct weir_fol_shard *s, int64_t watermark, bool flushing)
{
	if (watermark < s->min_open_end)
		return 0;
	int64_t min_end = INT64_MAX;
	for (uint32_t i = 0; i < s->naccts; i++) {
		struct acct *a = &s->accts[i];
		for (int g = 0; g < 3; g++) {
			struct fwin **pp = &a->open[g];
			while (*pp) {
				struct fwin *w = *pp;
				int64_t end = w->start + weir_grain_ms(g);
				if (end <= watermark) {
					if (win_close(s, a, g, w, flushing) != 0)
						return WEIR_ENOMEM;
					*pp = w->next;
					w->next = s->pool;
					s->pool = w;
				} else {
					if (end < min_end)
						min_end = end;
					pp = &w->next;
				}
			}
		}
		if (a->link_dirty) {
			struct weir_fol_entry *e = out_push(s);
			if (!e)
				return WEIR_ENOMEM;
			e->type = WEIR_FOL_LINK;
			e->platform = a->platform;
			e->channel = a->channel;
			e->streamer = a->streamer;
			e->ts = a->streamer_ts;
			a->link_dirty = 0;
		}
	}
	s->min_open_end = min_end;
	return emit_out(s);
}

int weir_fol_advance(struct weir_fol_shard *s, int64_t watermark)
{
	return close_upto(s, watermark, false);
}

/* Everything open goes to the store now. The aggregates merge
 * idempotently, so a window that sees more events after a flush simply
 * emits again when it closes. */
int weir_fol_flush(struct weir_fol_shard *s)
{
	return close_upto(s, INT64_MAX, true);
}

/* ---- the operator ----------------------------------------------------------------- */

static void *op_open(const struct weir_op_env *env)
{
	return weir_fol_shard_new(env);
}

static int op_add(void *st, const struct weir_event *ev)
{
	return weir_fol_add(st, ev);
}

static int op_advance(void *st, int64_t watermark)
{
	return weir_fol_advance(st, watermark);
}

static int op_flush(void *st)
{
	return weir_fol_flush(st);
}

static void op_stats(void *st, struct weir_op_stats *out)
{
	weir_fol_get_stats(st, out);
}

static void op_close(void *st)
{
	weir_fol_shard_free(st);
}

const struct weir_op weir_op_followers = {
    .name = "followers",
    .kinds = WEIR_OP_KIND(WEIR_KIND_FOLLOWERS) | WEIR_OP_KIND(WEIR_KIND_STREAM),
    .open = op_open,
    .add = op_add,
    .advance = op_advance,
    .flush = op_flush,
    .stats = op_stats,
    .close = op_close,
};
