/*
 * event.h — the one event struct of weir, and the parsers that make it.
 *
 * Every source (NDJSON file, Twitch IRC log, simulator, later Kafka and the
 * platforms' APIs) produces struct weir_event. The struct is fixed-size; its
 * strings point into the input block or into the batch's arena, so building
 * an event allocates nothing on its own (see docs/architecture.md).
 *
 * The contract is ../shared/spec/events.md §1: a line that is not valid JSON,
 * lacks a required field, has a wrong type or names an unknown kind/platform
 * is rejected with one of the reasons below, never an error of the program.
 */
#ifndef WEIR_EVENT_H
#define WEIR_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weir/common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum weir_kind {
	WEIR_KIND_NONE = 0,
	WEIR_KIND_CHAT,
	WEIR_KIND_FOLLOWERS,
	WEIR_KIND_STREAM,
	WEIR_KIND_CHATTERS,
	WEIR_KIND_POST,
	WEIR_KIND_COUNT
};

enum weir_platform {
	WEIR_PLATFORM_NONE = 0,
	WEIR_PLATFORM_TWITCH,
	WEIR_PLATFORM_YOUTUBE,
	WEIR_PLATFORM_TWITTER,
	WEIR_PLATFORM_FACEBOOK,
	WEIR_PLATFORM_COUNT
};

const char *weir_kind_name(int kind);
const char *weir_platform_name(int platform);
int weir_kind_from(const char *p, size_t n);	 /* WEIR_KIND_NONE if unknown */
int weir_platform_from(const char *p, size_t n); /* WEIR_PLATFORM_NONE if unknown */

/*
 * Why a line was rejected. Stable names (weir_reason_name) appear in the
 * dead-letter file and in the ingest summary; docs/events.md lists them.
 */
enum weir_reason {
	WEIR_R_OK = 0,
	WEIR_R_INVALID_JSON,	 /* not parseable JSON */
	WEIR_R_NOT_OBJECT,	 /* JSON, but not an object */
	WEIR_R_INVALID_UTF8,	 /* bytes that are not UTF-8 */
	WEIR_R_NUL_BYTE,	 /* a NUL byte in the line */
	WEIR_R_LINE_TOO_LONG,	 /* longer than --max-line */
	WEIR_R_MISSING_FIELD,	 /* a required field is absent (detail: its name) */
	WEIR_R_WRONG_TYPE,	 /* a field has the wrong JSON type (detail: its name) */
	WEIR_R_BAD_VALUE,	 /* right type, impossible value, e.g. followers < 0 */
	WEIR_R_UNKNOWN_KIND,	 /* kind not one of the five */
	WEIR_R_UNKNOWN_PLATFORM, /* platform not one of the four */
	WEIR_R_BAD_TIMESTAMP,	 /* ts neither RFC 3339 nor integer ms, or out of range */
	WEIR_R_IRC_MALFORMED,	 /* not an IRC line */
	WEIR_R_IRC_NO_CHANNEL,	 /* PRIVMSG without a #channel target */
	WEIR_R_FUTURE_TIMESTAMP, /* ts later than now + --max-future (a wrong clock) */
	WEIR_R_COUNT
};

const char *weir_reason_name(int reason);

/* Per-event flags. */
enum {
	WEIR_EV_LATE = 1 << 0,	 /* its window had closed when it arrived */
	WEIR_EV_HAS_TS = 1 << 1, /* ts came from the data (not the receive time) */
};

struct weir_event {
	uint8_t kind;	  /* enum weir_kind */
	uint8_t platform; /* enum weir_platform */
	uint8_t flags;
	int8_t live;	 /* stream: 0/1 */
	uint32_t nitems; /* chatters: users; post: hashtags; chat: badges */
	int64_t ts;	 /* event time, ms UTC */
	uint64_t line;	 /* 1-based line number in its source */
	/* weir_hash() of the shard key (channel; post: id), set by the engine's
	 * reader for the events it routes: operators need not hash it again */
	uint64_t key_hash;

	struct weir_str channel; /* chat, followers, stream, chatters; lowercased */
	struct weir_str user;	 /* chat: login; post: author */
	struct weir_str text;	 /* chat, post */
	struct weir_str id;	 /* chat: message id; post: post id */
	struct weir_str user_id, display_name;
	struct weir_str streamer;		   /* followers */
	struct weir_str game, language, title;	   /* stream; post: language in `language` */
	struct weir_str location, author_location; /* post */
	const struct weir_str *items;		   /* chatters users / post hashtags / chat badges */

	int64_t count;			       /* followers: followers; post: author followers */
	int64_t viewers;		       /* stream */
	int64_t started_at;		       /* stream, ms */
	int64_t likes, shares, replies, views; /* post */
};

/* Reset ev to "all absent". */
void weir_event_clear(struct weir_event *ev);

/*
 * NDJSON parser. One per thread; holds the JSON library's reusable state.
 * weir_json_parse() parses line[0..len) which must be followed by at least
 * WEIR_JSON_PADDING readable bytes (any content). Strings are unescaped and
 * copied into arena `a`; ev's views point there. Returns WEIR_R_OK or a
 * reason; *detail (may be NULL) then names the offending field.
 */
#define WEIR_JSON_PADDING 64
struct weir_json;
struct weir_json *weir_json_new(void);
void weir_json_free(struct weir_json *j);
int weir_json_parse(struct weir_json *j, const char *line, size_t len, struct weir_arena *a,
		    struct weir_event *ev, const char **detail);
/*
 * The same without the copy: line[0..len) is writable and lives as long as
 * ev (the engine's input block, held by the batch). Strings without escapes
 * stay in it, NUL-terminated in place; line[len] is overwritten. A rejected
 * line is left as it came; weir_json_restore() puts back the quotes of the
 * last accepted line (to dead-letter it after all). clean: the caller's scan
 * for the line's end found no backslash and no NUL in it (the parser need
 * not look again); 0 when unknown.
 */
int weir_json_parse_inplace(struct weir_json *j, char *line, size_t len, int clean, struct weir_arena *a,
			    struct weir_event *ev, const char **detail);
void weir_json_restore(struct weir_json *j);
/*
 * Announces that the lines in buf[0..len) (each ending in '\n', followed by
 * WEIR_JSON_PADDING readable bytes) are about to be parsed in place, in
 * order: the simdjson backend then runs its first stage over many lines at
 * once (results are those of each line alone). len 0 ends that, and must
 * come before buf is reused.
 */
void weir_json_stream(struct weir_json *j, const char *buf, size_t len);
/* Which JSON library the parser uses ("simdjson" or "cjson"). */
const char *weir_json_backend(void);

/* Checks that p[0..n) is valid UTF-8 (no overlongs, no surrogates). */
bool weir_utf8_valid(const char *p, size_t n);

/*
 * Twitch IRC (events.md §1.1). State carries the time of the last prefixed
 * line (for lines without a logger prefix) and per-command counters.
 *
 * weir_irc_parse() returns:
 *   1  and fills ev (a chat event) for a PRIVMSG,
 *   0  for a valid non-chat line or a blank line (counted in st->skipped),
 *  -r  (negative weir_reason) for a line to dead-letter.
 * Strings are copied into `a` when they need unescaping, else they point
 * into `line`.
 */
#define WEIR_IRC_MAX_CMDS 32
struct weir_irc_state {
	int64_t last_prefix_ms; /* WEIR_ABSENT until a prefixed line is seen */
	int64_t tz_offset_ms;	/* added to convert prefix local time to UTC (default 0) */
	uint64_t skipped_total;
	uint32_t ncmds;
	struct {
		char name[24];
		uint64_t count;
	} cmds[WEIR_IRC_MAX_CMDS]; /* non-chat commands counted by name */
};
void weir_irc_init(struct weir_irc_state *st);
int weir_irc_parse(struct weir_irc_state *st, const char *line, size_t len, int64_t recv_ms,
		   struct weir_arena *a, struct weir_event *ev);

/*
 * Tokenizer (events.md §2). Calls fn(word, len, ctx) for each word with the
 * word lowercased into the caller's scratch buffer `buf` (at least len(text)
 * bytes). Returns the number of words.
 */
typedef void (*weir_word_fn)(const char *w, size_t n, void *ctx);
uint32_t weir_tokenize(const char *text, size_t n, char *buf, weir_word_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
