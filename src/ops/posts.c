/*
 * posts.c — the posts operator: each worker collects the post events routed
 * to it (by id) per minute of event time, merges repeats of an id within the
 * minute, and hands each closed minute to the writer as one record
 * (events.md §3, §4; queries.md "Posts"; the merge rules are in posts.h).
 *
 * What needs the text is computed here, once per post and on the worker's
 * thread: the hashtags (the `hashtags` field, else the #tags of the text),
 * the configured keywords it contains (tokenized as events.md §2 says) and
 * the VADER compound score (src/core/vader.c). A repeat of an id in the
 * same minute only replaces the counters (or, when it is older, the
 * identity), so repeats cost no rescoring.
 *
 * Memory: an open minute owns an arena (the posts' strings) and a vector of
 * posts; both move into the record when the minute closes, so a worker holds
 * only open minutes. Scratch buffers (tags, tokens, VADER's) are per worker
 * and grow by doubling.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/table.h"
#include "ops/posts.h"
#include "weir/vader.h"

/* ---- keywords ------------------------------------------------------------------ */

struct kwterm {
	char *name;    /* canonical: the term's words joined by one space */
	uint32_t n;    /* strlen(name) */
	uint32_t nw;   /* words */
	uint32_t *off; /* word i is name[off[i] .. off[i] + len[i]) */
	uint32_t *len;
};

static struct kwterm *kw_terms;
static uint32_t kw_n;

struct normctx {
	char *out;
	size_t cap, n;
	int overflow;
};

static void norm_word(const char *w, size_t n, void *ctx)
{
	struct normctx *c = ctx;
	size_t need = (c->n ? 1 : 0) + n;
	if (c->n + need + 1 > c->cap) {
		c->overflow = 1;
		return;
	}
	if (c->n)
		c->out[c->n++] = ' ';
	memcpy(c->out + c->n, w, n);
	c->n += n;
	c->out[c->n] = 0;
}

size_t weir_posts_keyword_norm(const char *term, char *out, size_t cap)
{
	size_t tn = strlen(term);
	char *buf = malloc(tn + 1);
	if (!buf || cap == 0) {
		free(buf);
		return 0;
	}
	struct normctx c = {out, cap, 0, 0};
	out[0] = 0;
	weir_tokenize(term, tn, buf, norm_word, &c);
	free(buf);
	return c.overflow ? 0 : c.n;
}

static void kw_clear(void)
{
	for (uint32_t i = 0; i < kw_n; i++) {
		free(kw_terms[i].name);
		free(kw_terms[i].off);
		free(kw_terms[i].len);
	}
	free(kw_terms);
	kw_terms = NULL;
	kw_n = 0;
}

int weir_posts_set_keywords(const char *const *terms, size_t n, char *err, size_t errcap)
{
	kw_clear();
	if (!n)
		return 0;
	kw_terms = calloc(n, sizeof(*kw_terms));
	if (!kw_terms)
		return WEIR_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t cap = strlen(terms[i]) + 2;
		char *name = malloc(cap);
		if (!name)
			goto oom;
		size_t len = weir_posts_keyword_norm(terms[i], name, cap);
		if (!len) {
			free(name);
			snprintf(err, errcap, "keyword '%s' has no word in it (punctuation is not a word)",
				 terms[i]);
			kw_clear();
			return WEIR_EINVAL;
		}
		int dup = 0;
		for (uint32_t j = 0; j < kw_n && !dup; j++)
			dup = kw_terms[j].n == len && memcmp(kw_terms[j].name, name, len) == 0;
		if (dup) {
			free(name);
			continue;
		}
		struct kwterm *k = &kw_terms[kw_n];
		k->name = name;
		k->n = (uint32_t)len;
		uint32_t nw = 1;
		for (size_t j = 0; j < len; j++)
			nw += name[j] == ' ';
		k->off = malloc(nw * sizeof(uint32_t));
		k->len = malloc(nw * sizeof(uint32_t));
		if (!k->off || !k->len) {
			free(k->off);
			free(k->len);
			free(name);
			goto oom;
		}
		k->nw = nw;
		uint32_t w = 0, start = 0;
		for (uint32_t j = 0; j <= len; j++)
			if (j == len || name[j] == ' ') {
				k->off[w] = start;
				k->len[w] = j - start;
				w++;
				start = j + 1;
			}
		kw_n++;
	}
	return 0;
oom:
	kw_clear();
	return WEIR_ENOMEM;
}

uint32_t weir_posts_keyword_count(void)
{
	return kw_n;
}

const char *weir_posts_keyword(uint32_t i)
{
	return i < kw_n ? kw_terms[i].name : NULL;
}

/* ---- hashtags ------------------------------------------------------------------ */

/* A byte of a #tag's run: ASCII letter, digit, '_' or any non-ASCII byte. */
static int tag_byte(unsigned char c)
{
	return c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

static size_t lower_copy(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		dst[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return n;
}

void weir_posts_hashtags(const struct weir_str *items, uint32_t nitems, struct weir_str text, char *buf,
			 void (*fn)(const char *tag, size_t n, void *ctx), void *ctx)
{
	size_t off = 0;
	if (items) {
		for (uint32_t i = 0; i < nitems; i++) {
			const char *p = items[i].p;
			size_t n = items[i].n;
			while (n && *p == '#') {
				p++;
				n--;
			}
			if (!n)
				continue;
			fn(buf + off, lower_copy(buf + off, p, n), ctx);
			off += n;
		}
		return;
	}
	const unsigned char *t = (const unsigned char *)text.p;
	for (size_t i = 0; i < text.n; i++) {
		if (t[i] != '#')
			continue;
		size_t j = i + 1;
		while (j < text.n && tag_byte(t[j]))
			j++;
		if (j > i + 1) {
			size_t n = j - i - 1;
			fn(buf + off, lower_copy(buf + off, text.p + i + 1, n), ctx);
			off += n;
		}
		i = j - 1;
	}
}

/* ---- the shard -------------------------------------------------------------------- */

/* An open minute: the posts whose arrivals fall in it, by id. */
struct pwin {
	struct pwin *next; /* by start, ascending */
	int64_t start;
	int reopened; /* a minute already emitted: this one is a correction */
	struct weir_arena arena;
	struct weir_post *v;
	uint32_t n, cap;
	struct weir_strmap ix; /* id -> index in v (keys in arena) */
};

struct weir_posts_shard {
	struct weir_op_env env;
	struct pwin *open;
	int64_t emitted_until; /* minutes starting before this were emitted once */
	int64_t min_open_end;
	struct weir_op_stats st;
	struct weir_vader_buf vb;
	struct weir_str *strv; /* scratch: tags, then words */
	uint32_t nstr, capstr;
	char *buf; /* scratch: lowercased tags and words */
	size_t bufcap;
	int oom;
};

struct weir_posts_shard *weir_posts_shard_new(const struct weir_op_env *env)
{
	struct weir_posts_shard *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->env = *env;
	s->emitted_until = INT64_MIN;
	s->min_open_end = INT64_MAX;
	return s;
}

static void win_free(struct pwin *w, int keep_data)
{
	weir_strmap_free(&w->ix);
	if (!keep_data) {
		free(w->v);
		weir_arena_free(&w->arena);
	}
	free(w);
}

void weir_posts_shard_free(struct weir_posts_shard *s)
{
	if (!s)
		return;
	for (struct pwin *w = s->open, *n; w; w = n) {
		n = w->next;
		win_free(w, 0);
	}
	weir_vader_buf_free(&s->vb);
	free(s->strv);
	free(s->buf);
	free(s);
}

void weir_posts_get_stats(const struct weir_posts_shard *s, struct weir_op_stats *st)
{
	*st = s->st;
}

void weir_posts_rec_free(struct weir_posts_rec *r)
{
	if (!r)
		return;
	free(r->v);
	struct weir_arena a = r->arena; /* r lives inside its own arena */
	weir_arena_free(&a);
}

static struct pwin *win_get(struct weir_posts_shard *s, int64_t ts)
{
	int64_t start = weir_floor(ts, WEIR_MS_PER_MIN);
	for (struct pwin *w = s->open; w; w = w->next)
		if (w->start == start)
			return w;
	struct pwin *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	if (weir_strmap_init(&w->ix, 64) != 0) {
		free(w);
		return NULL;
	}
	/* a minute's posts take ~25 KB at 60 posts a minute: small chunks keep the records
	 * waiting for the writer small (larger ones cost page faults, measured) */
	weir_arena_init(&w->arena, 16 * 1024);
	w->start = start;
	w->reopened = start < s->emitted_until;
	/* oldest first, so that minutes closed together reach the store in time order and a
	 * post's first arrival is stored before its repeats (no needless identity moves) */
	struct pwin **pp = &s->open;
	while (*pp && (*pp)->start < start)
		pp = &(*pp)->next;
	w->next = *pp;
	*pp = w;
	if (start + WEIR_MS_PER_MIN < s->min_open_end)
		s->min_open_end = start + WEIR_MS_PER_MIN;
	return w;
}

static int str_copy(struct weir_arena *a, struct weir_str in, struct weir_str *out)
{
	if (!in.p) {
		out->p = NULL;
		out->n = 0;
		return 0;
	}
	char *p = weir_arena_alloc(a, in.n ? in.n : 1);
	if (!p)
		return WEIR_ENOMEM;
	memcpy(p, in.p, in.n);
	out->p = p;
	out->n = in.n;
	return 0;
}

static int reserve(struct weir_posts_shard *s, uint32_t nstr, size_t nbuf)
{
	if (nstr > s->capstr) {
		uint32_t cap = s->capstr ? s->capstr : 64;
		while (cap < nstr)
			cap *= 2;
		struct weir_str *v = realloc(s->strv, cap * sizeof(*v));
		if (!v)
			return WEIR_ENOMEM;
		s->strv = v;
		s->capstr = cap;
	}
	if (nbuf > s->bufcap) {
		size_t cap = s->bufcap ? s->bufcap : 4096;
		while (cap < nbuf)
			cap *= 2;
		char *b = realloc(s->buf, cap);
		if (!b)
			return WEIR_ENOMEM;
		s->buf = b;
		s->bufcap = cap;
	}
	return 0;
}

static void push_str(const char *p, size_t n, void *ctx)
{
	struct weir_posts_shard *s = ctx;
	/* reserve() made room: at most one string per byte of the input */
	s->strv[s->nstr].p = p;
	s->strv[s->nstr].n = (uint32_t)n;
	s->nstr++;
}

static int cmp_str(const void *x, const void *y)
{
	const struct weir_str *a = x, *b = y;
	int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);
	return c ? c : (a->n > b->n) - (a->n < b->n);
}

/* The post's distinct hashtags, sorted, copied into the minute's arena. */
static int set_tags(struct weir_posts_shard *s, struct pwin *w, const struct weir_event *ev,
		    struct weir_post *p)
{
	size_t bytes = ev->text.n;
	uint32_t count = ev->text.n + 1;
	if (ev->items) {
		bytes = 0;
		for (uint32_t i = 0; i < ev->nitems; i++)
			bytes += ev->items[i].n;
		count = ev->nitems + 1;
	}
	if (reserve(s, count, bytes + 1) != 0)
		return WEIR_ENOMEM;
	s->nstr = 0;
	weir_posts_hashtags(ev->items, ev->nitems, ev->text, s->buf, push_str, s);
	p->ntags = 0;
	p->tags = NULL;
	if (!s->nstr)
		return 0;
	qsort(s->strv, s->nstr, sizeof(*s->strv), cmp_str);
	struct weir_str *tags = weir_arena_alloc(&w->arena, s->nstr * sizeof(*tags));
	if (!tags)
		return WEIR_ENOMEM;
	uint32_t k = 0;
	for (uint32_t i = 0; i < s->nstr; i++) {
		if (k && cmp_str(&tags[k - 1], &s->strv[i]) == 0)
			continue;
		if (str_copy(&w->arena, s->strv[i], &tags[k]) != 0)
			return WEIR_ENOMEM;
		k++;
	}
	p->tags = tags;
	p->ntags = k;
	return 0;
}

/* The configured keywords whose words occur consecutively among the text's. */
static int set_keywords(struct weir_posts_shard *s, struct pwin *w, const struct weir_event *ev,
			struct weir_post *p)
{
	p->nkws = 0;
	p->kws = NULL;
	if (!kw_n)
		return 0;
	if (reserve(s, ev->text.n / 2 + 2, ev->text.n + 1) != 0)
		return WEIR_ENOMEM;
	s->nstr = 0;
	weir_tokenize(ev->text.p, ev->text.n, s->buf, push_str, s);
	struct weir_str *kws = NULL;
	for (uint32_t k = 0; k < kw_n; k++) {
		const struct kwterm *t = &kw_terms[k];
		int found = 0;
		for (uint32_t i = 0; i + t->nw <= s->nstr && !found; i++) {
			uint32_t j = 0;
			while (j < t->nw && s->strv[i + j].n == t->len[j] &&
			       memcmp(s->strv[i + j].p, t->name + t->off[j], t->len[j]) == 0)
				j++;
			found = j == t->nw;
		}
		if (!found)
			continue;
		if (!kws) {
			kws = weir_arena_alloc(&w->arena, (kw_n - k) * sizeof(*kws));
			if (!kws)
				return WEIR_ENOMEM;
		}
		struct weir_str name = {t->name, t->n};
		if (str_copy(&w->arena, name, &kws[p->nkws]) != 0)
			return WEIR_ENOMEM;
		p->nkws++;
	}
	p->kws = kws;
	return 0;
}

/* The identity of a post: its earliest arrival. */
static int set_identity(struct weir_posts_shard *s, struct pwin *w, const struct weir_event *ev,
			struct weir_post *p)
{
	p->created_at = ev->ts;
	if (str_copy(&w->arena, ev->user, &p->author) || str_copy(&w->arena, ev->text, &p->text))
		return WEIR_ENOMEM;
	struct weir_str loc = ev->location;
	if (loc.p && loc.n == 0)
		loc.p = NULL; /* an empty location counts as none */
	if (str_copy(&w->arena, loc, &p->location))
		return WEIR_ENOMEM;
	if (set_tags(s, w, ev, p) || set_keywords(s, w, ev, p))
		return WEIR_ENOMEM;
	return weir_vader_compound(&s->vb, ev->text.p, ev->text.n, &p->sentiment);
}

/* The counters of a post: its latest arrival. */
static int set_counters(struct pwin *w, const struct weir_event *ev, struct weir_post *p)
{
	p->seen_at = ev->ts;
	p->likes = ev->likes;
	p->shares = ev->shares;
	p->replies = ev->replies;
	p->views = ev->views;
	p->followers = ev->count;
	return str_copy(&w->arena, ev->author_location, &p->author_location);
}

int weir_posts_add(struct weir_posts_shard *s, const struct weir_event *ev)
{
	struct pwin *w = win_get(s, ev->ts);
	if (!w)
		return WEIR_ENOMEM;
	int isnew;
	struct weir_strent *e =
	    weir_strmap_get(&w->ix, ev->id.p, ev->id.n, weir_hash(ev->id.p, ev->id.n), &w->arena, &isnew);
	if (!e)
		return WEIR_ENOMEM;
	s->st.events++;
	if (!isnew) {
		/* a repeat within the minute: the earlier one gives the identity, the later the counters */
		struct weir_post *p = &w->v[e->val];
		s->st.duplicates++;
		if (ev->ts < p->created_at && set_identity(s, w, ev, p) != 0)
			return WEIR_ENOMEM;
		if (ev->ts >= p->seen_at && set_counters(w, ev, p) != 0)
			return WEIR_ENOMEM;
		return 0;
	}
	if (w->n == w->cap) {
		uint32_t ncap = w->cap ? w->cap * 2 : 16;
		struct weir_post *nv = realloc(w->v, ncap * sizeof(*nv));
		if (!nv)
			return WEIR_ENOMEM;
		w->v = nv;
		w->cap = ncap;
	}
	e->val = w->n;
	struct weir_post *p = &w->v[w->n++];
	memset(p, 0, sizeof(*p));
	p->id.p = e->p;
	p->id.n = e->n;
	if (set_identity(s, w, ev, p) != 0 || set_counters(w, ev, p) != 0)
		return WEIR_ENOMEM;
	return 0;
}

static int posts_put(struct weir_rec *h, struct weir_writer *wr)
{
	return weir_store_posts_put(weir_writer_store(wr), (const struct weir_posts_rec *)h);
}

static void posts_free(struct weir_rec *h)
{
	weir_posts_rec_free((struct weir_posts_rec *)h);
}

/* Turns a closed minute into a record; the minute's memory goes with it.
 * closed = 0: a checkpoint flush, after which the minute may go on. */
static int win_emit(struct weir_posts_shard *s, struct pwin *w, int closed)
{
	struct weir_posts_rec *r = weir_arena_alloc(&w->arena, sizeof(*r));
	if (!r)
		return WEIR_ENOMEM;
	memset(r, 0, sizeof(*r));
	r->h.put = posts_put;
	r->h.free = posts_free;
	r->h.worker = s->env.worker;
	r->start = w->start;
	r->n = w->n;
	r->v = w->v;
	r->arena = w->arena; /* after the last allocation from it */
	s->st.records++;
	if (w->reopened)
		s->st.corrections++;
	if (closed && w->start + WEIR_MS_PER_MIN > s->emitted_until)
		s->emitted_until = w->start + WEIR_MS_PER_MIN;
	s->env.emit(s->env.emit_ctx, &r->h);
	return 0;
}

/* Emits the minutes that end by `watermark` (closed), or all (a flush). */
static int emit_until(struct weir_posts_shard *s, int64_t watermark, int closed)
{
	if (watermark < s->min_open_end)
		return 0;
	int64_t min_end = INT64_MAX;
	struct pwin **pp = &s->open;
	while (*pp) {
		struct pwin *w = *pp;
		int64_t end = w->start + WEIR_MS_PER_MIN;
		if (end <= watermark) {
			*pp = w->next;
			int rc = w->n ? win_emit(s, w, closed) : 0;
			win_free(w, w->n && !rc);
			if (rc)
				return rc;
		} else {
			if (end < min_end)
				min_end = end;
			pp = &w->next;
		}
	}
	s->min_open_end = min_end;
	return 0;
}

int weir_posts_advance(struct weir_posts_shard *s, int64_t watermark)
{
	return emit_until(s, watermark, 1);
}

/* A checkpoint: everything so far goes to the store, which merges what comes later for the same minutes. */
int weir_posts_flush(struct weir_posts_shard *s)
{
	return emit_until(s, INT64_MAX, 0);
}

/* ---- the operator ------------------------------------------------------------ */

WEIR_OP_DEFINE(weir_op_posts, "posts", WEIR_OP_KIND(WEIR_KIND_POST), weir_posts, weir_posts_get_stats);
