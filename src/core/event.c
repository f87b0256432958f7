/*
 * event.c — names of kinds, platforms and reject reasons, and the
 * validation of canonical NDJSON events (events.md §1).
 *
 * Parsing is split in two: a JSON backend collects the known fields into
 * slots (json_fields.h), then weir_event_from_fields() checks them per kind.
 * weir_json_parse() is the entry point the sources call.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/event.h"
#include "core/bytes.h"
#include "core/json_fields.h"

static const char *const kind_names[WEIR_KIND_COUNT] = {"none",	  "chat",     "followers",
							"stream", "chatters", "post"};
static const char *const platform_names[WEIR_PLATFORM_COUNT] = {"none", "twitch", "youtube", "twitter",
								"facebook"};
static const char *const reason_names[WEIR_R_COUNT] = {
    "ok",
    "invalid_json",
    "not_object",
    "invalid_utf8",
    "nul_byte",
    "line_too_long",
    "missing_field",
    "wrong_type",
    "bad_value",
    "unknown_kind",
    "unknown_platform",
    "bad_timestamp",
    "irc_malformed",
    "irc_no_channel",
    "future_timestamp",
};

const char *weir_kind_name(int kind)
{
	return kind >= 0 && kind < WEIR_KIND_COUNT ? kind_names[kind] : "?";
}

const char *weir_platform_name(int platform)
{
	return platform >= 0 && platform < WEIR_PLATFORM_COUNT ? platform_names[platform] : "?";
}

const char *weir_reason_name(int reason)
{
	return reason >= 0 && reason < WEIR_R_COUNT ? reason_names[reason] : "?";
}

/* p[0..n) (n <= 8) as one word, its bytes in order from the low one,
 * zero-padded: two overlapping loads (or three bytes) and no byte loop,
 * whose exit the branch predictor misses when lengths vary line by line. */
static inline uint64_t word_upto8(const char *p, size_t n)
{
	if (n >= 4) {
		uint32_t lo, hi;
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		return (uint64_t)weir_le32(lo) | (uint64_t)weir_le32(hi) << (8 * (n - 4));
	}
	if (n == 0)
		return 0;
	const unsigned char *u = (const unsigned char *)p;
	return (uint64_t)u[0] | (uint64_t)u[n >> 1] << (8 * (n >> 1)) | (uint64_t)u[n - 1] << (8 * (n - 1));
}

/* The kind and platform names as words (word_upto8) with their lengths, built once (field_index). */
static uint64_t kind_words[WEIR_KIND_COUNT], platform_words[WEIR_PLATFORM_COUNT];
static uint8_t kind_lens[WEIR_KIND_COUNT], platform_lens[WEIR_PLATFORM_COUNT];

/* Index of p[0..n) in names[1..count), or 0; once per line for kind and
 * platform: names of up to 8 bytes are compared as one word with their
 * length, longer ones byte by byte (a strlen and a memcmp call each cost more). */
static int name_index(const char *const *names, const uint64_t *words, const uint8_t *lens, int count,
		      const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (n <= 8) {
		uint64_t w = word_upto8(p, n);
		for (int i = 1; i < count; i++)
			if (lens[i] == n && words[i] == w)
				return i;
		return 0;
	}
	for (int i = 1; i < count; i++) {
		const char *nm = names[i];
		if (lens[i] != n || nm[0] != p[0])
			continue;
		size_t j = 1;
		while (j < n && nm[j] == p[j])
			j++;
		if (j == n)
			return i;
	}
	return 0;
}

int weir_kind_from(const char *p, size_t n)
{
	weir_jfield_init();
	return name_index(kind_names, kind_words, kind_lens, WEIR_KIND_COUNT, p, n);
}

int weir_platform_from(const char *p, size_t n)
{
	weir_jfield_init();
	return name_index(platform_names, platform_words, platform_lens, WEIR_PLATFORM_COUNT, p, n);
}

void weir_event_clear(struct weir_event *ev)
{
	/* 16-byte stores, each byte written once: memset (a `rep stos`, slow to
	 * start on 304 bytes) then the absent values was a twentieth of the
	 * reader's time (perf). */
	typedef int64_t v2 __attribute__((vector_size(16)));
	const v2 zero = {0, 0}, absent = {WEIR_ABSENT, WEIR_ABSENT};
	char *p = (char *)ev;
	size_t tail = offsetof(struct weir_event, count);
	_Static_assert(offsetof(struct weir_event, count) % 16 == 8 && sizeof(struct weir_event) % 16 == 0,
		       "the absent tail: one 8-byte store, then 16-byte ones");
#pragma GCC unroll 32
	for (size_t i = 0; i + 16 <= tail; i += 16)
		__builtin_memcpy(p + i, &zero, 16);
	int64_t a8 = WEIR_ABSENT;
	__builtin_memcpy(p + tail - 8, &zero, 8);
	__builtin_memcpy(p + tail, &a8, 8);
#pragma GCC unroll 8
	for (size_t i = tail + 8; i < sizeof(*ev); i += 16)
		__builtin_memcpy(p + i, &absent, 16);
	ev->live = -1;
}

static const char *const field_names[WEIR_F_COUNT] = {
    "kind",	    "platform",	       "ts",	    "channel",	"user",	 "text",    "id",      "user_id",
    "display_name", "badges",	       "followers", "streamer", "live",	 "viewers", "game",    "language",
    "title",	    "started_at",      "users",	    "author",	"likes", "shares",  "replies", "views",
    "location",	    "author_location", "lang",	    "hashtags",
};

const char *weir_jfield_name(int f)
{
	return f >= 0 && f < WEIR_F_COUNT ? field_names[f] : "?";
}

/* Field lookup: a table of the slots per (length, first byte), and one of
 * the names per first byte as 16 masked bytes (weir_jfield_match_raw), built once. */
static int8_t field_by[24][128][2];
struct raw_name {
	uint64_t lo, hi, mlo, mhi; /* the name zero-padded to 16 bytes, and its mask */
	uint8_t n;
	int8_t slot;
};
static struct raw_name raw_by[128][6];
struct weir_jfield_raw weir_jfield_raw[WEIR_F_COUNT];
static pthread_once_t field_once = PTHREAD_ONCE_INIT;
static atomic_bool field_ready;

static void field_index(void)
{
	memset(field_by, -1, sizeof(field_by));
	memset(raw_by, -1, sizeof(raw_by));
	for (int f = 0; f < WEIR_F_COUNT; f++) {
		size_t n = strlen(field_names[f]);
		unsigned char c0 = (unsigned char)field_names[f][0];
		int8_t *slot = field_by[n][c0];
		slot[slot[0] < 0 ? 0 : 1] = (int8_t)f;
		struct raw_name *r = raw_by[c0];
		while (r->slot >= 0)
			r++; /* at most 5 names share a first byte (l: live, language, likes, location, lang)
			      */
		char name[16] = {0}, mask[16] = {0};
		memcpy(name, field_names[f], n);
		memset(mask, 0xff, n);
		memcpy(&r->lo, name, 8);
		memcpy(&r->hi, name + 8, 8);
		memcpy(&r->mlo, mask, 8);
		memcpy(&r->mhi, mask + 8, 8);
		r->n = (uint8_t)n;
		r->slot = (int8_t)f;
		/* the closing quote included: one compare fewer per guessed key */
		name[n] = '"';
		memset(mask, 0xff, n + 1);
		struct weir_jfield_raw *q = &weir_jfield_raw[f];
		memcpy(&q->lo, name, 8);
		memcpy(&q->hi, name + 8, 8);
		memcpy(&q->mlo, mask, 8);
		memcpy(&q->mhi, mask + 8, 8);
	}
	for (int i = 0; i < WEIR_KIND_COUNT; i++) {
		kind_lens[i] = (uint8_t)strlen(kind_names[i]);
		kind_words[i] = kind_lens[i] <= 8 ? word_upto8(kind_names[i], kind_lens[i]) : 0;
	}
	for (int i = 0; i < WEIR_PLATFORM_COUNT; i++) {
		platform_lens[i] = (uint8_t)strlen(platform_names[i]);
		platform_words[i] =
		    platform_lens[i] <= 8 ? word_upto8(platform_names[i], platform_lens[i]) : 0;
	}
	atomic_store_explicit(&field_ready, true, memory_order_release);
}

void weir_jfield_init(void)
{
	if (!atomic_load_explicit(&field_ready, memory_order_acquire))
		pthread_once(&field_once, field_index);
}

int weir_jfield_lookup(const char *k, size_t n)
{
	if (n == 0 || n >= 24 || (unsigned char)k[0] >= 128)
		return -1;
	/* called ~10 times per line: no pthread_once call and no memcmp call */
	if (!atomic_load_explicit(&field_ready, memory_order_acquire))
		pthread_once(&field_once, field_index);
	const int8_t *c = field_by[n][(unsigned char)k[0]];
	for (int i = 0; i < 2 && c[i] >= 0; i++) {
		const char *name = field_names[c[i]];
		size_t j = 1;
		while (j < n && name[j] == k[j])
			j++;
		if (j == n)
			return c[i];
	}
	return -1;
}

/*
 * The key's end and its slot at once: a known name matches when its bytes
 * are followed by the closing quote, compared 16 bytes at a time (every
 * name is shorter). Saves the scan for the quote and the byte loop of
 * weir_jfield_lookup, a tenth of the parse.
 */
int weir_jfield_match_raw(const char *k)
{
	if (!atomic_load_explicit(&field_ready, memory_order_acquire))
		pthread_once(&field_once, field_index);
	unsigned char c0 = (unsigned char)k[0];
	if (c0 >= 128)
		return -1;
	uint64_t lo, hi;
	memcpy(&lo, k, 8);
	memcpy(&hi, k + 8, 8);
	for (const struct raw_name *r = raw_by[c0]; r->slot >= 0; r++)
		if (k[r->n] == '"' && (lo & r->mlo) == r->lo && (hi & r->mhi) == r->hi)
			return r->slot;
	return -1;
}

/* Value checks shared by every kind. Each returns WEIR_R_OK or a reason. */
static int need_str(struct weir_jval *f, int slot, bool required, struct weir_str *out, const char **detail)
{
	struct weir_jval *v = &f[slot];
	if (v->type == WEIR_JT_ABSENT || v->type == WEIR_JT_NULL) {
		if (required) {
			*detail = field_names[slot];
			return WEIR_R_MISSING_FIELD;
		}
		return WEIR_R_OK;
	}
	if (v->type != WEIR_JT_STR) {
		*detail = field_names[slot];
		return WEIR_R_WRONG_TYPE;
	}
	*out = v->s;
	return WEIR_R_OK;
}

/* An integer id as its decimal text in the arena: out of line, so that
 * need_id (twice per chat line) inlines. */
static __attribute__((noinline)) int id_text(const struct weir_jval *v, struct weir_arena *a,
					     struct weir_str *out)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v->i);
	char *p = weir_arena_strdup(a, buf, (size_t)n);
	if (!p)
		return WEIR_R_BAD_VALUE;
	out->p = p;
	out->n = (uint32_t)n;
	return WEIR_R_OK;
}

/* An id may be a string or an integer (kept as its decimal text). */
static inline int need_id(struct weir_jval *f, int slot, bool required, struct weir_arena *a,
			  struct weir_str *out, const char **detail)
{
	if (f[slot].type == WEIR_JT_INT)
		return id_text(&f[slot], a, out);
	return need_str(f, slot, required, out, detail);
}

static int need_count(struct weir_jval *f, int slot, bool required, int64_t *out, const char **detail)
{
	struct weir_jval *v = &f[slot];
	if (v->type == WEIR_JT_ABSENT || v->type == WEIR_JT_NULL) {
		if (required) {
			*detail = field_names[slot];
			return WEIR_R_MISSING_FIELD;
		}
		return WEIR_R_OK;
	}
	*detail = field_names[slot];
	if (v->type != WEIR_JT_INT)
		return WEIR_R_WRONG_TYPE;
	if (v->i < 0)
		return WEIR_R_BAD_VALUE;
	*out = v->i;
	*detail = NULL;
	return WEIR_R_OK;
}

static int need_strarr(struct weir_jval *f, int slot, bool required, const struct weir_str **items,
		       uint32_t *n, const char **detail)
{
	struct weir_jval *v = &f[slot];
	if (v->type == WEIR_JT_ABSENT || v->type == WEIR_JT_NULL) {
		if (required) {
			*detail = field_names[slot];
			return WEIR_R_MISSING_FIELD;
		}
		return WEIR_R_OK;
	}
	if (v->type != WEIR_JT_STRARR) {
		*detail = field_names[slot];
		return WEIR_R_WRONG_TYPE;
	}
	*items = v->items;
	*n = v->n;
	return WEIR_R_OK;
}

/* Earliest and latest accepted event times: years 1900 to 9999. */
#define TS_MIN (-2208988800000LL)
#define TS_MAX (253402300799999LL)

static int need_time(struct weir_jval *f, int slot, bool required, int64_t *out, const char **detail)
{
	struct weir_jval *v = &f[slot];
	if (v->type == WEIR_JT_ABSENT || v->type == WEIR_JT_NULL) {
		if (required) {
			*detail = field_names[slot];
			return WEIR_R_MISSING_FIELD;
		}
		return WEIR_R_OK;
	}
	*detail = field_names[slot];
	int64_t ms;
	if (v->type == WEIR_JT_INT)
		ms = v->i;
	else if (v->type == WEIR_JT_STR) {
		if (weir_time_parse(v->s.p, v->s.n, &ms) != 0)
			return WEIR_R_BAD_TIMESTAMP;
	} else {
		return WEIR_R_WRONG_TYPE;
	}
	if (ms < TS_MIN || ms > TS_MAX)
		return WEIR_R_BAD_TIMESTAMP;
	*out = ms;
	*detail = NULL;
	return WEIR_R_OK;
}

/* Lowercases *s (ASCII) in a copy in the arena: s may point into the input
 * line, which must stay as it came for the dead-letter file. */
static inline bool has_upper(uint64_t w)
{
	/* a byte b is in 'A'..'Z' when b + (0x80 - 'A') and b + (0x80 - 'Z' - 1)
	 * differ in the high bit (bytes >= 0x80 excluded) */
	uint64_t hi = 0x8080808080808080ULL, lo7 = w & 0x7f7f7f7f7f7f7f7fULL;
	uint64_t ge_a = lo7 + 0x3f3f3f3f3f3f3f3fULL, gt_z = lo7 + 0x2525252525252525ULL;
	return (ge_a & ~gt_z & ~w & hi) != 0;
}

static int lower_ascii(struct weir_arena *a, struct weir_str *s)
{
	/* 8 bytes at a time, the last 8 (or fewer) as one overlapping word: no
	 * byte loop for the tail (its exit was a missed branch per line) */
	bool upper = false;
	if (s->n <= 8) {
		upper = has_upper(word_upto8(s->p, s->n));
	} else {
		uint64_t w;
		for (uint32_t i = 0; i + 8 <= s->n && !upper; i += 8) {
			memcpy(&w, s->p + i, 8);
			upper = has_upper(w);
		}
		memcpy(&w, s->p + s->n - 8, 8);
		upper = upper || has_upper(w);
	}
	if (!upper)
		return WEIR_R_OK; /* most channels are lowercase already */
	char *p = weir_arena_strdup(a, s->p, s->n);
	if (!p)
		return WEIR_R_BAD_VALUE;
	for (uint32_t i = 0; i < s->n; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (char)(p[i] + 32);
	s->p = p;
	return WEIR_R_OK;
}

#define TRY(x)                                                                                               \
	do {                                                                                                 \
		int r_ = (x);                                                                                \
		if (r_ != WEIR_R_OK)                                                                         \
			return r_;                                                                           \
	} while (0)

int weir_event_from_fields(struct weir_jval *f, struct weir_arena *a, struct weir_event *ev,
			   const char **detail)
{
	struct weir_str kind = {0}, platform = {0};
	weir_event_clear(ev);
	TRY(need_str(f, WEIR_F_KIND, true, &kind, detail));
	ev->kind = (uint8_t)weir_kind_from(kind.p, kind.n);
	if (!ev->kind) {
		*detail = "kind";
		return WEIR_R_UNKNOWN_KIND;
	}
	TRY(need_str(f, WEIR_F_PLATFORM, true, &platform, detail));
	ev->platform = (uint8_t)weir_platform_from(platform.p, platform.n);
	if (!ev->platform) {
		*detail = "platform";
		return WEIR_R_UNKNOWN_PLATFORM;
	}
	TRY(need_time(f, WEIR_F_TS, true, &ev->ts, detail));
	ev->flags |= WEIR_EV_HAS_TS;

	switch (ev->kind) {
	case WEIR_KIND_CHAT:
		TRY(need_str(f, WEIR_F_CHANNEL, true, &ev->channel, detail));
		TRY(need_str(f, WEIR_F_USER, true, &ev->user, detail));
		TRY(need_str(f, WEIR_F_TEXT, true, &ev->text, detail));
		TRY(need_id(f, WEIR_F_ID, false, a, &ev->id, detail));
		TRY(need_id(f, WEIR_F_USER_ID, false, a, &ev->user_id, detail));
		TRY(need_str(f, WEIR_F_DISPLAY_NAME, false, &ev->display_name, detail));
		TRY(need_strarr(f, WEIR_F_BADGES, false, &ev->items, &ev->nitems, detail));
		break;
	case WEIR_KIND_FOLLOWERS:
		TRY(need_str(f, WEIR_F_CHANNEL, true, &ev->channel, detail));
		TRY(need_count(f, WEIR_F_FOLLOWERS, true, &ev->count, detail));
		TRY(need_str(f, WEIR_F_STREAMER, false, &ev->streamer, detail));
		break;
	case WEIR_KIND_STREAM:
		TRY(need_str(f, WEIR_F_CHANNEL, true, &ev->channel, detail));
		if (f[WEIR_F_LIVE].type == WEIR_JT_ABSENT || f[WEIR_F_LIVE].type == WEIR_JT_NULL) {
			*detail = "live";
			return WEIR_R_MISSING_FIELD;
		}
		if (f[WEIR_F_LIVE].type != WEIR_JT_BOOL) {
			*detail = "live";
			return WEIR_R_WRONG_TYPE;
		}
		ev->live = f[WEIR_F_LIVE].b;
		TRY(need_count(f, WEIR_F_VIEWERS, false, &ev->viewers, detail));
		TRY(need_str(f, WEIR_F_GAME, false, &ev->game, detail));
		TRY(need_str(f, WEIR_F_LANGUAGE, false, &ev->language, detail));
		TRY(need_str(f, WEIR_F_TITLE, false, &ev->title, detail));
		TRY(need_time(f, WEIR_F_STARTED_AT, false, &ev->started_at, detail));
		break;
	case WEIR_KIND_CHATTERS:
		TRY(need_str(f, WEIR_F_CHANNEL, true, &ev->channel, detail));
		TRY(need_strarr(f, WEIR_F_USERS, true, &ev->items, &ev->nitems, detail));
		break;
	case WEIR_KIND_POST:
		TRY(need_id(f, WEIR_F_ID, true, a, &ev->id, detail));
		TRY(need_str(f, WEIR_F_AUTHOR, true, &ev->user, detail));
		TRY(need_str(f, WEIR_F_TEXT, true, &ev->text, detail));
		TRY(need_count(f, WEIR_F_FOLLOWERS, false, &ev->count, detail));
		TRY(need_count(f, WEIR_F_LIKES, false, &ev->likes, detail));
		TRY(need_count(f, WEIR_F_SHARES, false, &ev->shares, detail));
		TRY(need_count(f, WEIR_F_REPLIES, false, &ev->replies, detail));
		TRY(need_count(f, WEIR_F_VIEWS, false, &ev->views, detail));
		TRY(need_str(f, WEIR_F_LOCATION, false, &ev->location, detail));
		TRY(need_str(f, WEIR_F_AUTHOR_LOCATION, false, &ev->author_location, detail));
		TRY(need_str(f, WEIR_F_LANG, false, &ev->language, detail));
		TRY(need_strarr(f, WEIR_F_HASHTAGS, false, &ev->items, &ev->nitems, detail));
		break;
	}
	if (ev->channel.p)
		TRY(lower_ascii(a, &ev->channel));
	if (ev->channel.p && ev->channel.n == 0) {
		*detail = "channel";
		return WEIR_R_BAD_VALUE;
	}
	*detail = NULL;
	return WEIR_R_OK;
}

/* The parser object: one backend, one slot array. */
enum { BACKEND_SIMD, BACKEND_CJSON };
struct weir_json {
	int backend;
	bool stream; /* weir_json_stream() is used (WEIR_JSON_STREAM=0: not, for tests) */
	void *impl;
	struct weir_jval f[WEIR_F_COUNT];
	char *quote[WEIR_JSON_MAX_QUOTES]; /* closing quotes NUL-terminated in the last line */
	uint32_t nquote;
};

static int default_backend(void)
{
	const char *e = getenv("WEIR_JSON");
	return e && strcmp(e, "cjson") == 0 ? BACKEND_CJSON : BACKEND_SIMD;
}

const char *weir_json_backend(void)
{
	return default_backend() == BACKEND_CJSON ? "cjson" : "simdjson";
}

struct weir_json *weir_json_new(void)
{
	struct weir_json *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->backend = default_backend();
	const char *st = getenv("WEIR_JSON_STREAM");
	j->stream = !st || strcmp(st, "0") != 0;
	weir_jfield_init();
	j->impl = j->backend == BACKEND_CJSON ? weir_json_cjson_new() : weir_json_simd_new();
	if (!j->impl) {
		free(j);
		return NULL;
	}
	return j;
}

void weir_json_free(struct weir_json *j)
{
	if (!j)
		return;
	if (j->backend == BACKEND_CJSON)
		weir_json_cjson_free(j->impl);
	else
		weir_json_simd_free(j->impl);
	free(j);
}

/*
 * Parses the writable line own[0..len) (own[len] is NUL, WEIR_JSON_PADDING
 * readable bytes follow) with simdjson; accepted events keep their strings
 * in it (json_simd.cc).
 */
static int parse_owned(struct weir_json *j, char *own, size_t len, int clean, struct weir_arena *a,
		       struct weir_event *ev, const char **detail)
{
	/* Every slot WEIR_JT_ABSENT: the type alone tells whether the rest of a
	 * slot is valid, so 28 byte stores instead of clearing 1.1 KB (a
	 * twentieth of the parse). */
#pragma GCC unroll 32
	for (int i = 0; i < WEIR_F_COUNT; i++)
		j->f[i].type = WEIR_JT_ABSENT;
	/* One scan finds the first NUL or backslash: most lines have neither,
	 * and then no string needs its own check for escapes. A clean line was
	 * scanned for them already, along with its end (split_lines). */
	const char *end = own + len, *q = clean ? end : strchrnul(own, '\\');
	if (q < end && (*q == '\0' || memchr(q, 0, (size_t)(end - q))))
		return WEIR_R_NUL_BYTE;
	int r = weir_json_simd_parse(j->impl, own, len, a, j->f, own, q == end, j->quote, &j->nquote);
	if (r == WEIR_R_OK)
		r = weir_event_from_fields(j->f, a, ev, detail);
	if (r != WEIR_R_OK)
		return r; /* the line is as it came */
	for (uint32_t i = 0; i < j->nquote; i++)
		*j->quote[i] = '\0';
	return WEIR_R_OK;
}

int weir_json_parse(struct weir_json *j, const char *line, size_t len, struct weir_arena *a,
		    struct weir_event *ev, const char **detail)
{
	const char *ignored;
	if (!detail)
		detail = &ignored;
	*detail = NULL;
	j->nquote = 0;
	if (j->backend == BACKEND_CJSON) {
		memset(j->f, 0, sizeof(j->f)); /* every slot WEIR_JT_ABSENT */
		if (memchr(line, 0, len))
			return WEIR_R_NUL_BYTE;
		int r = weir_json_cjson_parse(j->impl, line, len, a, j->f);
		if (r != WEIR_R_OK)
			return r;
		return weir_event_from_fields(j->f, a, ev, detail);
	}
	/* parse a copy in the arena: its strings are used in place */
	char *own = weir_arena_alloc(a, len + WEIR_JSON_PADDING);
	if (!own)
		return WEIR_R_BAD_VALUE;
	memcpy(own, line, len);
	own[len] = '\0';
	memset(own + len + 1, ' ', WEIR_JSON_PADDING - 1);
	return parse_owned(j, own, len, 0, a, ev, detail);
}

int weir_json_parse_inplace(struct weir_json *j, char *line, size_t len, int clean, struct weir_arena *a,
			    struct weir_event *ev, const char **detail)
{
	if (j->backend == BACKEND_CJSON)
		return weir_json_parse(j, line, len, a, ev, detail); /* cJSON copies every string */
	const char *ignored;
	if (!detail)
		detail = &ignored;
	*detail = NULL;
	j->nquote = 0;
	line[len] = '\0';
	return parse_owned(j, line, len, clean, a, ev, detail);
}

void weir_json_stream(struct weir_json *j, const char *buf, size_t len)
{
	if (j->backend == BACKEND_SIMD && j->stream)
		weir_json_simd_stream(j->impl, buf, len);
}

void weir_json_restore(struct weir_json *j)
{
	for (uint32_t i = 0; i < j->nquote; i++)
		*j->quote[i] = '"';
	j->nquote = 0;
}
