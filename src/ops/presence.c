/*
 * presence.c — who is present in which channel's chat, per 5-minute slot
 * and per day, from `chatters` snapshots (events.md §3, §4).
 *
 * Data flow: the engine routes each chatters event by channel to one
 * worker, which calls weir_presence_add() and then weir_presence_advance()
 * with the batch's watermark. A snapshot's users are interned to 32-bit
 * worker-local ids and appended to the open window of the snapshot's
 * (channel, slot) — sequential writes, nothing else per name. When the
 * watermark passes the slot's end, the window's ids are radix-sorted and
 * deduplicated (a user listed twice, or in two snapshots of one slot,
 * counts once), emitted as a record, and added in bulk to the channel's
 * day bitmap (CRoaring, local ids), emitted in turn when the day closes.
 * On the writer thread a record's put() maps local ids to global ones
 * (weir_writer_user), sorts them and unions them into the store.
 *
 * Late snapshots reopen a slot or day that was emitted: the new record is
 * a delta, and since the store unions sets, the result is exact whatever
 * the order, the thread count or how the input was split over runs.
 *
 * Memory: the user dictionary is the big part at scale (10M users), so it
 * is lean — an open-addressing table of 8-byte slots (32 bits of hash, the
 * id) filled up to 3/4, and per user a 4-byte offset and its
 * length-prefixed name in 1 MiB chunks; about 16 bytes plus the name per
 * distinct user instead of a generic string map's ~100. Names are read by
 * the writer through struct weir_presence_names, whose chunks never move.
 */
#include <roaring/roaring.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL /* header-only XXH3: short keys hash without a library call */
#include <xxhash.h>

#include "core/sort.h"
#include "core/table.h"
#include "ops/presence.h"

#define NAME_CHUNK (1u << WEIR_PRESENCE_NAME_CHUNK_BITS)
#define MAX_USERS 0xfffffffeu /* ids are stored +1 in 32 bits */

struct idvec {
	uint32_t *v;
	uint32_t n, cap;
};

/* An open slot window: every id of every snapshot in it, unsorted. */
struct swin {
	struct swin *next;
	int64_t start;
	uint8_t reopened; /* the slot was emitted before: this is a correction */
	struct idvec users;
};

/* An open day window: the distinct ids of the day's closed slots. */
struct dwin {
	struct dwin *next;
	int64_t start;
	uint8_t reopened;
	roaring_bitmap_t *users;
};

struct chan {
	struct weir_str name; /* in the shard's arena */
	struct swin *slots;   /* open slots, newest first */
	struct dwin *days;    /* open days, newest first */
	int64_t slots_emitted_until, days_emitted_until;
};

struct weir_presence_shard {
	struct weir_op_env env;
	struct weir_arena names; /* channel and user names, for the whole run */
	struct weir_strmap chan_ix;
	struct chan *chans;
	uint32_t nchans, capchans;
	/* user dictionary: slot = (hash >> 32) << 32 | (id + 1), 0 = empty; a
	 * slot's position comes from the same 32 bits (growing reads no name) */
	uint64_t *utab;
	uint32_t ucap, nusers;
	struct weir_presence_names *dict;
	uint32_t nbytes_chunks, bytes_used; /* name chunks in use, bytes used in the last */
	struct swin *spare;		    /* closed slot windows kept with their vectors, for reuse */
	int64_t min_open_end;		    /* no window ends before this */
	uint32_t *sortbuf;
	size_t sortcap;
	struct weir_op_stats st;
};

struct weir_presence_shard *weir_presence_shard_new(const struct weir_op_env *env)
{
	struct weir_presence_shard *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->env = *env;
	weir_arena_init(&s->names, 1 << 16); /* channel names */
	s->ucap = 4096;
	s->utab = calloc(s->ucap, sizeof(*s->utab));
	if (!s->utab || weir_strmap_init(&s->chan_ix, 64) != 0) {
		weir_presence_shard_free(s);
		return NULL;
	}
	s->min_open_end = INT64_MAX;
	return s;
}

static void swin_free(struct swin *w)
{
	free(w->users.v);
	free(w);
}

static void dwin_free(struct dwin *d)
{
	roaring_bitmap_free(d->users);
	free(d);
}

void weir_presence_shard_free(struct weir_presence_shard *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nchans; i++) {
		for (struct swin *w = s->chans[i].slots, *n; w; w = n) {
			n = w->next;
			swin_free(w);
		}
		for (struct dwin *d = s->chans[i].days, *n; d; d = n) {
			n = d->next;
			dwin_free(d);
		}
	}
	for (struct swin *w = s->spare, *n; w; w = n) {
		n = w->next;
		swin_free(w);
	}
	if (s->dict) {
		for (uint32_t c = 0; c < WEIR_PRESENCE_NAME_CHUNKS && s->dict->off[c]; c++)
			free(s->dict->off[c]);
		for (uint32_t c = 0; c < WEIR_PRESENCE_BYTES_CHUNKS && s->dict->bytes[c]; c++)
			free(s->dict->bytes[c]);
	}
	free(s->dict);
	free(s->utab);
	free(s->chans);
	free(s->sortbuf);
	weir_strmap_free(&s->chan_ix);
	weir_arena_free(&s->names);
	free(s);
}

void weir_presence_get_stats(const struct weir_presence_shard *s, struct weir_op_stats *st)
{
	*st = s->st;
}

uint32_t weir_presence_nusers(const struct weir_presence_shard *s)
{
	return s->nusers;
}

/* ---- dictionaries ------------------------------------------------------------ */

static struct chan *chan_get(struct weir_presence_shard *s, struct weir_str name)
{
	int isnew;
	struct weir_strent *e =
	    weir_strmap_get(&s->chan_ix, name.p, name.n, weir_hash(name.p, name.n), &s->names, &isnew);
	if (!e)
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
		c->name.p = e->p;
		c->name.n = e->n;
		c->slots_emitted_until = c->days_emitted_until = INT64_MIN;
		e->val = s->nchans++;
	}
	return &s->chans[e->val];
}

/* Doubles the user table: rare (log2 of the users), never per event. */
static int utab_grow(struct weir_presence_shard *s)
{
	uint32_t ncap = s->ucap * 2;
	uint64_t *n = calloc(ncap, sizeof(*n));
	if (!n)
		return WEIR_ENOMEM;
	for (uint32_t i = 0; i < s->ucap; i++) {
		uint64_t e = s->utab[i];
		if (!e)
			continue;
		uint32_t j = (uint32_t)(e >> 32) & (ncap - 1);
		while (n[j])
			j = (j + 1) & (ncap - 1);
		n[j] = e;
	}
	free(s->utab);
	s->utab = n;
	s->ucap = ncap;
	return 0;
}

#define BYTES_CHUNK (1u << WEIR_PRESENCE_BYTES_CHUNK_BITS)

/* Writes a name (varint length, bytes) where the writer can read it;
 * returns its offset, or UINT32_MAX when out of memory or of name space
 * (4 GiB of names per shard). A name longer than a chunk gets one alone. */
static uint32_t name_put(struct weir_presence_shard *s, const char *p, uint32_t n)
{
	unsigned char hdr[5];
	uint32_t h = 0, v = n;
	do {
		hdr[h] = (unsigned char)((v & 0x7f) | (v >> 7 ? 0x80 : 0));
		v >>= 7;
		h++;
	} while (v);
	uint64_t need = (uint64_t)h + n;
	struct weir_presence_names *d = s->dict;
	if (!s->nbytes_chunks || need > BYTES_CHUNK - s->bytes_used) {
		if (s->nbytes_chunks == WEIR_PRESENCE_BYTES_CHUNKS)
			return UINT32_MAX;
		size_t size = need > BYTES_CHUNK ? (size_t)need : BYTES_CHUNK;
		unsigned char *c = malloc(size);
		if (!c)
			return UINT32_MAX;
		d->bytes[s->nbytes_chunks++] = c;
		s->bytes_used = 0;
	}
	uint32_t off = (s->nbytes_chunks - 1) << WEIR_PRESENCE_BYTES_CHUNK_BITS | s->bytes_used;
	unsigned char *q = d->bytes[s->nbytes_chunks - 1] + s->bytes_used;
	memcpy(q, hdr, h);
	memcpy(q + h, p, n);
	s->bytes_used = need >= BYTES_CHUNK ? BYTES_CHUNK : s->bytes_used + (uint32_t)need;
	return off;
}

/* The id of a name whose tag (high 32 bits of XXH3) is known, added if new. */
static int user_get(struct weir_presence_shard *s, const char *p, uint32_t n, uint64_t tag, uint32_t *uid)
{
	uint32_t j = (uint32_t)tag & (s->ucap - 1);
	for (;;) {
		uint64_t e = s->utab[j];
		if (!e)
			break;
		if (e >> 32 == tag) {
			struct weir_str nm = weir_presence_name(s->dict, (uint32_t)e - 1);
			if (nm.n == n && memcmp(nm.p, p, n) == 0) {
				*uid = (uint32_t)e - 1;
				return 0;
			}
		}
		j = (j + 1) & (s->ucap - 1);
	}
	uint32_t id = s->nusers;
	if (id >= MAX_USERS)
		return WEIR_ENOMEM;
	/* the dictionary's chunk tables (0.5 MiB) on the first name: a shard
	 * that sees no chatters (a chat-only ingest) never touches them */
	if (!s->dict && !(s->dict = calloc(1, sizeof(*s->dict))))
		return WEIR_ENOMEM;
	uint32_t hi = id >> WEIR_PRESENCE_NAME_CHUNK_BITS, lo = id & (NAME_CHUNK - 1);
	if (!s->dict->off[hi]) {
		s->dict->off[hi] = malloc(NAME_CHUNK * sizeof(*s->dict->off[hi]));
		if (!s->dict->off[hi])
			return WEIR_ENOMEM;
	}
	uint32_t off = name_put(s, p, n);
	if (off == UINT32_MAX)
		return WEIR_ENOMEM;
	s->dict->off[hi][lo] = off;
	s->utab[j] = tag << 32 | (uint64_t)(id + 1);
	s->nusers++;
	if ((uint64_t)s->nusers * 4 > (uint64_t)s->ucap * 3 && utab_grow(s) != 0)
		return WEIR_ENOMEM;
	*uid = id;
	return 0;
}

/* ---- windows ----------------------------------------------------------------- */

static void open_end(struct weir_presence_shard *s, int64_t end)
{
	if (end < s->min_open_end)
		s->min_open_end = end;
}

static struct swin *slot_find(struct weir_presence_shard *s, struct chan *c, int64_t start)
{
	struct swin **pp = &c->slots;
	for (; *pp && (*pp)->start >= start; pp = &(*pp)->next)
		if ((*pp)->start == start)
			return *pp;
	struct swin *w = s->spare;
	if (w) {
		s->spare = w->next;
		w->users.n = 0;
	} else {
		w = calloc(1, sizeof(*w));
		if (!w)
			return NULL;
	}
	w->start = start;
	w->reopened = start < c->slots_emitted_until;
	w->next = *pp;
	*pp = w;
	open_end(s, start + WEIR_PRESENCE_SLOT_MS);
	return w;
}

static struct dwin *day_find(struct weir_presence_shard *s, struct chan *c, int64_t start)
{
	struct dwin **pp = &c->days;
	for (; *pp && (*pp)->start >= start; pp = &(*pp)->next)
		if ((*pp)->start == start)
			return *pp;
	struct dwin *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->users = roaring_bitmap_create();
	if (!d->users) {
		free(d);
		return NULL;
	}
	d->start = start;
	d->reopened = start < c->days_emitted_until;
	d->next = *pp;
	*pp = d;
	open_end(s, start + WEIR_MS_PER_DAY);
	return d;
}

int weir_presence_add(struct weir_presence_shard *s, const struct weir_event *ev)
{
	if (ev->kind != WEIR_KIND_CHATTERS)
		return 0;
	struct chan *c = chan_get(s, ev->channel);
	if (!c)
		return WEIR_ENOMEM;
	struct swin *w = slot_find(s, c, weir_floor(ev->ts, WEIR_PRESENCE_SLOT_MS));
	if (!w)
		return WEIR_ENOMEM;
	/* room for the whole list at once: one growth per snapshot at most */
	if (w->users.cap - w->users.n < ev->nitems) {
		uint64_t need = (uint64_t)w->users.n + ev->nitems;
		if (need > UINT32_MAX)
			return WEIR_ENOMEM;
		uint64_t ncap = w->users.cap ? w->users.cap : 64;
		while (ncap < need)
			ncap *= 2;
		if (ncap > UINT32_MAX)
			ncap = UINT32_MAX;
		uint32_t *nv = realloc(w->users.v, ncap * sizeof(uint32_t));
		if (!nv)
			return WEIR_ENOMEM;
		w->users.v = nv;
		w->users.cap = (uint32_t)ncap;
	}
	/* The lookups are cache misses (a table of tens of MB, then the name to
	 * compare): pipelined, the name AHEAD places on is hashed and its slot
	 * prefetched, the one AHEAD/2 on has its home slot's name offset
	 * prefetched, so that the lookup itself mostly waits for the name only. */
	enum { AHEAD = 8, RING = 2 * AHEAD };
	uint64_t tags[RING];
	const struct weir_str *it = ev->items;
	uint32_t n = ev->nitems;
	for (uint32_t i = 0; i < n + AHEAD; i++) {
		if (i < n) {
			uint64_t t = XXH3_64bits(it[i].p, it[i].n) >> 32;
			tags[i % RING] = t;
			__builtin_prefetch(&s->utab[(uint32_t)t & (s->ucap - 1)]);
		}
		if (i >= AHEAD / 2 && i - AHEAD / 2 < n) {
			uint64_t e = s->utab[(uint32_t)tags[(i - AHEAD / 2) % RING] & (s->ucap - 1)];
			if (e) {
				uint32_t id = (uint32_t)e - 1;
				__builtin_prefetch(&s->dict->off[id >> WEIR_PRESENCE_NAME_CHUNK_BITS]
								[id & (NAME_CHUNK - 1)]);
			}
		}
		if (i < AHEAD)
			continue;
		uint32_t k = i - AHEAD;
		if (!it[k].n) /* "" names no one (docs/presence.md) */
			continue;
		uint32_t uid;
		if (user_get(s, it[k].p, it[k].n, tags[k % RING], &uid) != 0)
			return WEIR_ENOMEM;
		w->users.v[w->users.n++] = uid;
	}
	s->st.events++;
	return 0;
}

/* ---- records ----------------------------------------------------------------- */

static struct weir_str rec_name(const void *names, uint32_t uid)
{
	return weir_presence_name(names, uid);
}

/* The writer's side: global ids (in place: the record is the writer's
 * now), sorted, then the store's union. */
static int rec_put(struct weir_rec *h, struct weir_writer *wr)
{
	struct weir_presence_rec *r = (struct weir_presence_rec *)h;
	uint32_t *gids = r->uids;
	uint32_t *tmp = weir_writer_scratch(wr, (size_t)(r->n ? r->n : 1) * sizeof(uint32_t));
	if (!tmp)
		return WEIR_ENOMEM;
	int rc = weir_writer_users(wr, &r->h, r->uids, r->n, rec_name, r->names, gids);
	if (!rc) {
		/* distinct local ids are distinct names, hence distinct global ids */
		weir_sort_u32(gids, r->n, tmp);
		rc = weir_store_presence_put(weir_writer_store(wr), r->grain, r->channel, r->start, gids,
					     r->n);
	}
	return rc;
}

static void rec_free(struct weir_rec *h)
{
	free(h);
}

static struct weir_presence_rec *rec_new(struct weir_presence_shard *s, int grain, struct chan *c,
					 int64_t start, uint32_t n)
{
	struct weir_presence_rec *r = malloc(sizeof(*r) + (size_t)n * sizeof(uint32_t));
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->h.put = rec_put;
	r->h.free = rec_free;
	r->h.worker = s->env.worker;
	r->grain = (uint8_t)grain;
	r->channel = c->name;
	r->start = start;
	r->n = n;
	r->names = s->dict;
	return r;
}

/* Sorts and deduplicates a slot's ids, emits them, and adds them to the
 * day. `flushing`: a checkpoint, not a close (later snapshots of this slot
 * are not corrections). The window goes back to the spare list. */
static int slot_emit(struct weir_presence_shard *s, struct chan *c, struct swin *w, bool flushing)
{
	struct idvec *x = &w->users;
	if (x->n > s->sortcap) {
		uint32_t *b = realloc(s->sortbuf, (size_t)x->n * sizeof(uint32_t));
		if (!b)
			return WEIR_ENOMEM;
		s->sortbuf = b;
		s->sortcap = x->n;
	}
	weir_sort_u32(x->v, x->n, s->sortbuf);
	uint32_t k = 0;
	for (uint32_t i = 0; i < x->n; i++)
		if (i == 0 || x->v[i] != x->v[i - 1])
			x->v[k++] = x->v[i];
	struct dwin *d = day_find(s, c, weir_floor(w->start, WEIR_MS_PER_DAY));
	struct weir_presence_rec *r = rec_new(s, WEIR_PRESENCE_SLOT, c, w->start, k);
	if (!d || !r) {
		free(r);
		return WEIR_ENOMEM;
	}
	if (k) {
		memcpy(r->uids, x->v, (size_t)k * sizeof(uint32_t));
		roaring_bitmap_add_many(d->users, k, x->v);
	}
	s->st.records++;
	if (w->reopened)
		s->st.corrections++;
	int64_t end = w->start + WEIR_PRESENCE_SLOT_MS;
	if (!flushing && end > c->slots_emitted_until)
		c->slots_emitted_until = end;
	s->env.emit(s->env.emit_ctx, &r->h);
	/* keep the vector for the next slot, unless it is unusually big */
	if (x->cap > (1u << 20)) {
		swin_free(w);
	} else {
		w->next = s->spare;
		s->spare = w;
	}
	return 0;
}

static int day_emit(struct weir_presence_shard *s, struct chan *c, struct dwin *d, bool flushing)
{
	uint64_t n = roaring_bitmap_get_cardinality(d->users);
	struct weir_presence_rec *r = rec_new(s, WEIR_PRESENCE_DAY, c, d->start, (uint32_t)n);
	if (!r)
		return WEIR_ENOMEM;
	roaring_bitmap_to_uint32_array(d->users, r->uids);
	s->st.records++;
	if (d->reopened)
		s->st.corrections++;
	int64_t end = d->start + WEIR_MS_PER_DAY;
	if (!flushing && end > c->days_emitted_until)
		c->days_emitted_until = end;
	s->env.emit(s->env.emit_ctx, &r->h);
	dwin_free(d);
	return 0;
}

/* Emits every window ending at or before `watermark`: slots first, since a
 * closing slot feeds its day. */
static int close_upto(struct weir_presence_shard *s, int64_t watermark, bool flushing)
{
	int64_t min_end = INT64_MAX;
	for (uint32_t i = 0; i < s->nchans; i++) {
		struct chan *c = &s->chans[i];
		for (struct swin **pp = &c->slots; *pp;) {
			struct swin *w = *pp;
			int64_t end = w->start + WEIR_PRESENCE_SLOT_MS;
			if (end <= watermark) {
				*pp = w->next;
				int r = slot_emit(s, c, w, flushing);
				if (r) {
					swin_free(w);
					return r;
				}
			} else {
				if (end < min_end)
					min_end = end;
				pp = &w->next;
			}
		}
		for (struct dwin **pp = &c->days; *pp;) {
			struct dwin *d = *pp;
			int64_t end = d->start + WEIR_MS_PER_DAY;
			if (end <= watermark) {
				*pp = d->next;
				int r = day_emit(s, c, d, flushing);
				if (r) {
					dwin_free(d);
					return r;
				}
			} else {
				if (end < min_end)
					min_end = end;
				pp = &d->next;
			}
		}
	}
	s->min_open_end = min_end;
	return 0;
}

int weir_presence_advance(struct weir_presence_shard *s, int64_t watermark)
{
	if (watermark < s->min_open_end)
		return 0;
	return close_upto(s, watermark, false);
}

int weir_presence_flush(struct weir_presence_shard *s)
{
	return close_upto(s, INT64_MAX, true);
}

/* ---- the operator ------------------------------------------------------------ */

WEIR_OP_DEFINE(weir_op_presence, "presence", WEIR_OP_KIND(WEIR_KIND_CHATTERS), weir_presence,
	       weir_presence_get_stats);
