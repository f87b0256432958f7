/*
 * followers.c — follower counts per account and window, the streamer each
 * account belongs to, and each Twitch channel's last `stream` sample per
 * hour (events.md §3, §4 second bullet).
 *
 * Data flow: the engine routes followers and stream events by channel, so
 * every account of one channel name and its stream samples meet in one
 * worker, which owns them without locks. weir_fol_add() folds an event
 * into its key's state: for a followers snapshot the open UTC day of
 * (platform, channel) — the day's aggregate and its minute windows, kept
 * sorted; for a stream sample the hour window of the channel.
 * weir_fol_advance() closes what the watermark passed and hands all of it
 * to the writer as one record: an account's day as one entry carrying its
 * minute windows as a blob (encoded here, on the worker's thread), so the
 * store writes a row per account and day, not one per window. Hour and day
 * windows are folds of the minutes (the merge is exact and associative).
 *
 * State has fixed-size parts from pools (days keep their minute vectors
 * when they go back to the pool, so there is no allocation per event after
 * warm-up). An event for a day already emitted opens it again: the new
 * entry is a correction, and because the aggregates merge idempotently the
 * store needs nothing more to stay exact. Checkpoints flush everything
 * open; so does a shard holding more than MAX_OPEN_MINS minute windows,
 * which bounds memory, or whose open days were last handed over
 * REFRESH_NS ago (a live stream has no checkpoints). Strings (channels, streamers, games, languages) are
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

/* ---- the minute blob ------------------------------------------------------------- */

static unsigned char *put_varint(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

static int get_varint(const unsigned char **pp, const unsigned char *end, uint64_t *v)
{
	uint64_t x = 0;
	for (int shift = 0; shift < 64 && *pp < end; shift += 7) {
		unsigned char c = *(*pp)++;
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return 1;
		}
	}
	return 0;
}

/* a − b and back, wrapping: exact for any int64 pair */
static uint64_t zz(int64_t a, int64_t b)
{
	uint64_t d = (uint64_t)a - (uint64_t)b;
	return (d << 1) ^ (0 - (d >> 63));
}

static int64_t unzz(uint64_t z, int64_t b)
{
	uint64_t d = (z >> 1) ^ (0 - (z & 1));
	return (int64_t)((uint64_t)b + d);
}

size_t weir_fol_mins_encode(const struct weir_fol_min *v, uint32_t n, int64_t day, unsigned char *out)
{
	unsigned char *p = out;
	int64_t prev = -1, prev_last = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct weir_fol_agg *g = &v[i].agg;
		int64_t idx = (v[i].start - day) / WEIR_MS_PER_MIN;
		p = put_varint(p, (uint64_t)(idx - prev - 1));
		p = put_varint(p, (uint64_t)(g->first_ts - v[i].start));
		p = put_varint(p, (uint64_t)(g->last_ts - g->first_ts));
		p = put_varint(p, zz(g->first, prev_last));
		p = put_varint(p, zz(g->last, g->first));
		p = put_varint(p, zz(g->first, g->min));
		p = put_varint(p, zz(g->max, g->first));
		prev = idx;
		prev_last = g->last;
	}
	return (size_t)(p - out);
}

void weir_fol_mins_begin(struct weir_fol_mins_it *it, const void *blob, size_t n, int64_t day)
{
	it->p = blob;
	it->end = it->p ? it->p + n : NULL;
	it->day = day;
	it->idx = -1;
	it->prev_last = 0;
}

int weir_fol_mins_next(struct weir_fol_mins_it *it, struct weir_fol_min *m)
{
	if (!it->p || it->p >= it->end)
		return 0;
	uint64_t f[7];
	for (int i = 0; i < 7; i++)
		if (!get_varint(&it->p, it->end, &f[i]))
			return WEIR_ESTORE;
	if (f[0] >= 1440 || (int64_t)f[0] + it->idx + 1 >= 1440 || f[1] >= (uint64_t)WEIR_MS_PER_MIN ||
	    f[2] >= (uint64_t)WEIR_MS_PER_MIN)
		return WEIR_ESTORE;
	it->idx += (int64_t)f[0] + 1;
	m->start = it->day + it->idx * WEIR_MS_PER_MIN;
	struct weir_fol_agg *g = &m->agg;
	g->first_ts = m->start + (int64_t)f[1];
	g->last_ts = g->first_ts + (int64_t)f[2];
	g->first = unzz(f[3], it->prev_last);
	g->last = unzz(f[4], g->first);
	g->min = (int64_t)((uint64_t)g->first - ((uint64_t)unzz(f[5], 0)));
	g->max = unzz(f[6], g->first);
	it->prev_last = g->last;
	return 1;
}

/* ---- shard state ---------------------------------------------------------------- */

/* A stream key's hour: the latest sample. */
struct fwin {
	struct fwin *next;
	int64_t start;
	uint8_t reopened;	  /* emitted before: this one is a correction */
	struct weir_fol_sample s; /* stream keys (hour windows only) */
};

/* An account's open day: the day's aggregate and its minute windows,
 * sorted by start. Back in the pool after closing, with its vector. */
struct fday {
	struct fday *next; /* by start, descending: the newest first */
	int64_t start;
	uint8_t reopened;
	struct weir_fol_agg agg;
	struct weir_fol_min *m;
	uint32_t n, cap;
};

#define BLOCK_WINS 256
struct fblock {
	struct fblock *next;
	struct fwin w[BLOCK_WINS];
};
struct dblock {
	struct dblock *next;
	struct fday d[BLOCK_WINS];
};

/* A key: a followers account (platform, channel) or, with platform 0, the
 * stream samples of a Twitch channel. */
struct acct {
	struct weir_str channel; /* interned */
	uint8_t platform;
	uint8_t link_dirty;	  /* streamer changed since last emitted */
	struct fday *days;	  /* followers accounts */
	struct fwin *hours;	  /* stream keys */
	int64_t emitted_until;	  /* windows (days or hours) starting before this were emitted once */
	struct weir_str streamer; /* interned, lowercased; n == 0: none yet */
	int64_t streamer_ts;
};

/* Open minute windows a shard may hold before it flushes them all early:
 * bounds memory when days are long and accounts many (64 B each). */
#define MAX_OPEN_MINS (1u << 20)
/* Open days go to the store at least this often (wall time), so that a live
 * stream, which has no checkpoints, shows today's windows. */
#define REFRESH_NS (5 * 1000000000ULL)

struct weir_fol_shard {
	struct weir_op_env env;
	struct weir_arena names;   /* keys and strings, for the whole run */
	struct weir_strmap key_ix; /* [platform byte][channel] -> acct index */
	struct acct *accts;
	uint32_t naccts, capaccts;
	struct weir_strmap str_ix; /* streamer, game and language strings */
	struct fblock *blocks;
	struct fwin *pool; /* free hours */
	struct dblock *dblocks;
	struct fday *dpool; /* free days */
	uint32_t open_mins;
	char *scratch;
	size_t scratchcap;
	struct weir_fol_entry *out; /* entries of the record being built */
	uint32_t nout, capout;
	unsigned char *blob; /* their minute blobs; entries hold offsets until emitted */
	size_t nblob, capblob;
	int64_t min_open_end;  /* no open window ends before this */
	uint64_t refreshed_ns; /* when open days were last handed over */
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
	s->refreshed_ns = weir_now_ns();
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
	for (struct dblock *b = s->dblocks, *n; b; b = n) {
		n = b->next;
		for (int i = 0; i < BLOCK_WINS; i++)
			free(b->d[i].m);
		free(b);
	}
	free(s->accts);
	free(s->scratch);
	free(s->out);
	free(s->blob);
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
		a->emitted_until = INT64_MIN;
		e->val = s->naccts++;
	}
	return &s->accts[e->val];
}

static void open_end(struct weir_fol_shard *s, int64_t end)
{
	if (end < s->min_open_end)
		s->min_open_end = end;
}

/* The open hour of stream key a that starts at `start`, from the pool when new (*isnew = 1). */
static struct fwin *hour_get(struct weir_fol_shard *s, struct acct *a, int64_t start, int *isnew)
{
	for (struct fwin *w = a->hours; w; w = w->next)
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
	w->reopened = start < a->emitted_until;
	w->next = a->hours;
	a->hours = w;
	open_end(s, start + WEIR_MS_PER_HOUR);
	*isnew = 1;
	return w;
}

/* The open day of account a that starts at `start` (the list stays newest first, so time-ordered
 * input finds it at the head); NULL on OOM. *isnew = 1 when it was not open. */
static struct fday *day_get(struct weir_fol_shard *s, struct acct *a, int64_t start, int *isnew)
{
	struct fday **pp = &a->days;
	while (*pp && (*pp)->start > start)
		pp = &(*pp)->next;
	if (*pp && (*pp)->start == start) {
		*isnew = 0;
		return *pp;
	}
	if (!s->dpool) {
		struct dblock *b = calloc(1, sizeof(*b));
		if (!b)
			return NULL;
		b->next = s->dblocks;
		s->dblocks = b;
		for (int i = 0; i < BLOCK_WINS; i++) {
			b->d[i].next = s->dpool;
			s->dpool = &b->d[i];
		}
	}
	struct fday *d = s->dpool;
	s->dpool = d->next;
	d->start = start;
	d->reopened = start < a->emitted_until;
	d->n = 0;
	d->next = *pp;
	*pp = d;
	open_end(s, start + WEIR_MS_PER_DAY);
	*isnew = 1;
	return d;
}

/* Folds one snapshot into the day's minute windows (sorted; time-ordered input appends). */
static int day_add_min(struct weir_fol_shard *s, struct fday *d, const struct weir_fol_agg *one,
		       int64_t minute)
{
	uint32_t lo = d->n;
	if (d->n && d->m[d->n - 1].start >= minute) {
		/* out of order: binary search for the first window starting at or after minute */
		uint32_t l = 0, h = d->n;
		while (l < h) {
			uint32_t mid = (l + h) / 2;
			if (d->m[mid].start < minute)
				l = mid + 1;
			else
				h = mid;
		}
		lo = l;
		if (d->m[lo].start == minute) {
			weir_fol_agg_merge(&d->m[lo].agg, one);
			return 0;
		}
	}
	if (d->n == d->cap) {
		uint32_t ncap = d->cap ? d->cap * 2 : 16;
		struct weir_fol_min *m = realloc(d->m, ncap * sizeof(*m));
		if (!m)
			return WEIR_ENOMEM;
		d->m = m;
		d->cap = ncap;
	}
	memmove(&d->m[lo + 1], &d->m[lo], (d->n - lo) * sizeof(*d->m));
	d->m[lo].start = minute;
	d->m[lo].agg = *one;
	d->n++;
	s->open_mins++;
	return 0;
}

static int add_followers(struct weir_fol_shard *s, const struct weir_event *ev)
{
	struct acct *a = acct_get(s, ev->platform, ev->channel);
	if (!a)
		return WEIR_ENOMEM;
	struct weir_fol_agg one;
	weir_fol_agg_init(&one, ev->ts, ev->count);
	int isnew;
	struct fday *d = day_get(s, a, weir_floor(ev->ts, WEIR_MS_PER_DAY), &isnew);
	if (!d)
		return WEIR_ENOMEM;
	if (isnew)
		d->agg = one;
	else
		weir_fol_agg_merge(&d->agg, &one);
	if (day_add_min(s, d, &one, weir_floor(ev->ts, WEIR_MS_PER_MIN)) != 0)
		return WEIR_ENOMEM;
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
			if (a->streamer.n != name.n || memcmp(a->streamer.p, name.p, name.n) != 0) {
				if (intern(s, name.p, name.n, &a->streamer) != 0)
					return WEIR_ENOMEM;
			}
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
	struct fwin *w = hour_get(s, a, weir_floor(ev->ts, WEIR_MS_PER_HOUR), &isnew);
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

/* Hands the entries gathered in s->out (and their blobs) to the writer as one record. */
static int emit_out(struct weir_fol_shard *s)
{
	if (!s->nout)
		return 0;
	struct weir_arena a;
	size_t vbytes = (size_t)s->nout * sizeof(struct weir_fol_entry);
	weir_arena_init(&a, sizeof(struct weir_fol_rec) + vbytes + s->nblob + 64);
	struct weir_fol_rec *r = weir_arena_alloc(&a, sizeof(*r));
	struct weir_fol_entry *v = weir_arena_alloc(&a, vbytes);
	unsigned char *blob = s->nblob ? weir_arena_alloc(&a, s->nblob) : NULL;
	if (!r || !v || (s->nblob && !blob)) {
		weir_arena_free(&a);
		return WEIR_ENOMEM;
	}
	memset(r, 0, sizeof(*r));
	memcpy(v, s->out, vbytes);
	if (s->nblob)
		memcpy(blob, s->blob, s->nblob);
	for (uint32_t i = 0; i < s->nout; i++)
		if (v[i].type == WEIR_FOL_DAY)
			v[i].mins = blob + (uintptr_t)v[i].mins; /* an offset until now */
	r->h.put = fol_put;
	r->h.free = fol_free;
	r->h.worker = s->env.worker;
	r->n = s->nout;
	r->v = v;
	r->arena = a;
	s->nout = 0;
	s->nblob = 0;
	s->env.emit(s->env.emit_ctx, &r->h);
	return 0;
}

/* Turns account a's day d into an entry of the record being built. A flush (a
 * checkpoint) is not a close: a later event for the same day is then not a
 * correction, so emitted_until stays. */
static int day_close(struct weir_fol_shard *s, struct acct *a, struct fday *d, bool flushing)
{
	size_t need = s->nblob + (size_t)d->n * WEIR_FOL_MIN_MAXBYTES;
	if (need > s->capblob) {
		size_t ncap = s->capblob ? s->capblob : 4096;
		while (ncap < need)
			ncap *= 2;
		unsigned char *b = realloc(s->blob, ncap);
		if (!b)
			return WEIR_ENOMEM;
		s->blob = b;
		s->capblob = ncap;
	}
	struct weir_fol_entry *e = out_push(s);
	if (!e)
		return WEIR_ENOMEM;
	e->type = WEIR_FOL_DAY;
	e->platform = a->platform;
	e->channel = a->channel;
	e->start = d->start;
	e->agg = d->agg;
	size_t len = weir_fol_mins_encode(d->m, d->n, d->start, s->blob + s->nblob);
	e->mins = (const unsigned char *)(uintptr_t)s->nblob; /* emit_out makes it a pointer */
	e->nmins = (uint32_t)len;
	s->nblob += len;
	s->open_mins -= d->n;
	s->st.records++;
	if (d->reopened)
		s->st.corrections++;
	int64_t end = d->start + WEIR_MS_PER_DAY;
	if (!flushing && end > a->emitted_until)
		a->emitted_until = end;
	return 0;
}

static int hour_close(struct weir_fol_shard *s, struct acct *a, struct fwin *w, bool flushing)
{
	struct weir_fol_entry *e = out_push(s);
	if (!e)
		return WEIR_ENOMEM;
	e->type = WEIR_FOL_STREAM;
	e->channel = a->channel;
	e->start = w->start;
	e->sample = w->s;
	s->st.records++;
	if (w->reopened)
		s->st.corrections++;
	int64_t end = w->start + WEIR_MS_PER_HOUR;
	if (!flushing && end > a->emitted_until)
		a->emitted_until = end;
	return 0;
}

static int close_upto(struct weir_fol_shard *s, int64_t watermark, bool flushing)
{
	if (watermark < s->min_open_end)
		return 0;
	int64_t min_end = INT64_MAX;
	for (uint32_t i = 0; i < s->naccts; i++) {
		struct acct *a = &s->accts[i];
		bool closed = false;
		for (struct fday **pp = &a->days; *pp;) {
			struct fday *d = *pp;
			int64_t end = d->start + WEIR_MS_PER_DAY;
			if (end <= watermark) {
				if (day_close(s, a, d, flushing) != 0)
					return WEIR_ENOMEM;
				closed = true;
				*pp = d->next;
				d->next = s->dpool;
				s->dpool = d;
			} else {
				if (end < min_end)
					min_end = end;
				pp = &d->next;
			}
		}
		for (struct fwin **pp = &a->hours; *pp;) {
			struct fwin *w = *pp;
			int64_t end = w->start + WEIR_MS_PER_HOUR;
			if (end <= watermark) {
				if (hour_close(s, a, w, flushing) != 0)
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
		/* the link goes with the account's days: the store needs it no sooner */
		if (a->link_dirty && (closed || flushing)) {
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
	int rc = close_upto(s, watermark, false);
	if (rc || !s->open_mins)
		return rc;
	/* too many open minutes (many accounts, long days), or open too long without a
	 * checkpoint (a live stream): hand them over now, as a checkpoint would */
	uint64_t now = weir_now_ns();
	if (s->open_mins > MAX_OPEN_MINS || now - s->refreshed_ns >= REFRESH_NS) {
		s->refreshed_ns = now;
		return close_upto(s, INT64_MAX, true);
	}
	return 0;
}

/* Everything open goes to the store now. The aggregates merge
 * idempotently, so a window that sees more events after a flush simply
 * emits again when it closes. */
int weir_fol_flush(struct weir_fol_shard *s)
{
	s->refreshed_ns = weir_now_ns();
	return close_upto(s, INT64_MAX, true);
}

/* ---- the operator ----------------------------------------------------------------- */

WEIR_OP_DEFINE(weir_op_followers, "followers",
	       WEIR_OP_KIND(WEIR_KIND_FOLLOWERS) | WEIR_OP_KIND(WEIR_KIND_STREAM), weir_fol,
	       weir_fol_get_stats);
