/*
 * json_fields.h — the seam between a JSON library and event validation.
 *
 * A backend (json_simd.cc: simdjson On-Demand; json_cjson.c: cJSON) walks
 * one object and stores the value of every field weir knows into a slot of
 * struct weir_jval[WEIR_F_COUNT]; unknown fields are skipped. Then
 * weir_event_from_fields() (event.c) applies events.md §1: required fields,
 * types and values per kind. So both libraries reject exactly the same lines
 * for the same reasons.
 */
#ifndef WEIR_JSON_FIELDS_H
#define WEIR_JSON_FIELDS_H

#include <stdbool.h>
#include <stdint.h>

#include "weir/event.h"

#ifdef __cplusplus
extern "C" {
#endif

enum weir_jtype {
	WEIR_JT_ABSENT = 0,
	WEIR_JT_NULL,
	WEIR_JT_BOOL,
	WEIR_JT_INT,
	WEIR_JT_FLOAT,
	WEIR_JT_STR,
	WEIR_JT_STRARR, /* array whose elements are all strings */
	WEIR_JT_OTHER,	/* object, mixed array, number out of int64 range */
};

struct weir_jval {
	uint8_t type;
	bool b;
	uint32_t n; /* STRARR length */
	int64_t i;
	struct weir_str s;	      /* STR: unescaped copy in the arena */
	const struct weir_str *items; /* STRARR: in the arena */
};

enum weir_jfield {
	WEIR_F_KIND,
	WEIR_F_PLATFORM,
	WEIR_F_TS,
	WEIR_F_CHANNEL,
	WEIR_F_USER,
	WEIR_F_TEXT,
	WEIR_F_ID,
	WEIR_F_USER_ID,
	WEIR_F_DISPLAY_NAME,
	WEIR_F_BADGES,
	WEIR_F_FOLLOWERS,
	WEIR_F_STREAMER,
	WEIR_F_LIVE,
	WEIR_F_VIEWERS,
	WEIR_F_GAME,
	WEIR_F_LANGUAGE,
	WEIR_F_TITLE,
	WEIR_F_STARTED_AT,
	WEIR_F_USERS,
	WEIR_F_AUTHOR,
	WEIR_F_LIKES,
	WEIR_F_SHARES,
	WEIR_F_REPLIES,
	WEIR_F_VIEWS,
	WEIR_F_LOCATION,
	WEIR_F_AUTHOR_LOCATION,
	WEIR_F_LANG,
	WEIR_F_HASHTAGS,
	WEIR_F_COUNT
};

/* Field slot for a key, or -1 for a field weir does not use. */
void weir_jfield_init(void); /* builds the tables below; once, thread-safe */
int weir_jfield_lookup(const char *k, size_t n);
/* The same for a raw key k (after its opening quote) known to hold no
 * backslash, with 16 readable bytes: the name must be followed by '"'. */
int weir_jfield_match_raw(const char *k);
/* The names and their closing quote as 16 zero-padded bytes, and their masks (weir_jfield_init). */
struct weir_jfield_raw {
	uint64_t lo, hi, mlo, mhi;
};
extern struct weir_jfield_raw weir_jfield_raw[WEIR_F_COUNT];
/* Whether the raw key k (as for weir_jfield_match_raw) is the name of slot f:
 * one masked compare, for a guess at the next key (json_simd.cc). */
static inline bool weir_jfield_is(const char *k, int f)
{
	const struct weir_jfield_raw *r = &weir_jfield_raw[f];
	uint64_t lo, hi;
	__builtin_memcpy(&lo, k, 8);
	__builtin_memcpy(&hi, k + 8, 8);
	return (((lo & r->mlo) ^ r->lo) | ((hi & r->mhi) ^ r->hi)) == 0;
}
/* Name of a slot, for dead-letter details. */
const char *weir_jfield_name(int f);
/* Validate the collected fields and fill ev (events.md §1). */
int weir_event_from_fields(struct weir_jval *f, struct weir_arena *a, struct weir_event *ev,
			   const char **detail);

/* The backends: parse one line (followed by WEIR_JSON_PADDING bytes). */
void *weir_json_simd_new(void);
void weir_json_simd_free(void *p);
/* own: line is writable and outlives the event (strings without escapes may
 * stay in it), or NULL (every string is copied). plain: the line holds no
 * backslash (no string needs unescaping). The closing quotes of the strings
 * left in place are listed in quote[0..*nquote): the caller NUL-terminates
 * them once the event is accepted. */
#define WEIR_JSON_MAX_QUOTES 64
int weir_json_simd_parse(void *p, const char *line, size_t len, struct weir_arena *a, struct weir_jval *f,
			 char *own, bool plain, char **quote, uint32_t *nquote);
/* Lines buf[0..len) (whole lines, WEIR_JSON_PADDING readable bytes after)
 * are about to be parsed in order: stage 1 runs over many of them at once,
 * and weir_json_simd_parse takes each line from that while it matches the
 * lines it is given (any other line, or an error, parses alone from then
 * on). len 0 ends it: buf must not change under it before. */
void weir_json_simd_stream(void *p, const char *buf, size_t len);
void *weir_json_cjson_new(void);
void weir_json_cjson_free(void *p);
int weir_json_cjson_parse(void *p, const char *line, size_t len, struct weir_arena *a, struct weir_jval *f);

#ifdef __cplusplus
}
#endif
#endif
