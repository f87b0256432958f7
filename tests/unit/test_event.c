/*
 * test_event.c — NDJSON event parsing and validation (events.md §1), run
 * against both JSON backends: they must accept and reject the same lines
 * for the same reasons.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/event.h"
#include "t.h"

static struct weir_json *J;
static struct weir_arena A;

/* Parses s (copied into a padded buffer); returns the reason. */
static int parse(const char *s, struct weir_event *ev, const char **detail)
{
	size_t n = strlen(s);
	char *buf = calloc(1, n + WEIR_JSON_PADDING);
	memcpy(buf, s, n);
	int r = weir_json_parse(J, buf, n, &A, ev, detail);
	free(buf);
	return r;
}

static int reason(const char *s)
{
	struct weir_event ev;
	const char *d;
	return parse(s, &ev, &d);
}

static const char *detail_of(const char *s)
{
	struct weir_event ev;
	const char *d = NULL;
	parse(s, &ev, &d);
	return d ? d : "";
}

static void test_chat_ok(void)
{
	struct weir_event ev;
	const char *d;
	int r = parse(
	    "{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":\"2019-04-30T08:57:00.123Z\","
	    "\"channel\":\"AdmiralBulldog\",\"user\":\"laudon\",\"text\":\"gachi\\u0048YPER \\\"x\\\"\","
	    "\"id\":\"abc\",\"badges\":[\"sub/1\",\"vip/1\"],\"extra\":{\"a\":[1,2]}}",
	    &ev, &d);
	CHECK_EQ_INT(r, WEIR_R_OK);
	CHECK_EQ_INT(ev.kind, WEIR_KIND_CHAT);
	CHECK_EQ_INT(ev.platform, WEIR_PLATFORM_TWITCH);
	CHECK_EQ_INT(ev.ts, 1556614620123LL);
	CHECK(ev.channel.n == 14 && memcmp(ev.channel.p, "admiralbulldog", 14) == 0);
	CHECK(ev.text.n == 14 && memcmp(ev.text.p, "gachiHYPER \"x\"", 14) == 0);
	CHECK(ev.id.n == 3 && memcmp(ev.id.p, "abc", 3) == 0);
	/* badges are type-checked; no analytic reads them, so they need not be kept */
}

static void test_ts_forms(void)
{
	struct weir_event ev;
	const char *d;
	CHECK_EQ_INT(
	    parse("{\"kind\":\"chat\",\"platform\":\"youtube\",\"ts\":1556614620123,\"channel\":\"c\","
		  "\"user\":\"u\",\"text\":\"t\"}",
		  &ev, &d),
	    WEIR_R_OK);
	CHECK_EQ_INT(ev.ts, 1556614620123LL);
	CHECK_EQ_INT(parse("{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":\"2019-04-30T10:57:00+02:00\","
			   "\"channel\":\"c\",\"user\":\"u\",\"text\":\"t\"}",
			   &ev, &d),
		     WEIR_R_OK);
	CHECK_EQ_INT(ev.ts, 1556614620000LL);
	CHECK_EQ_INT(
	    reason("{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":\"yesterday\",\"channel\":\"c\","
		   "\"user\":\"u\",\"text\":\"t\"}"),
	    WEIR_R_BAD_TIMESTAMP);
	CHECK_EQ_INT(reason("{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":true,\"channel\":\"c\","
			    "\"user\":\"u\",\"text\":\"t\"}"),
		     WEIR_R_WRONG_TYPE);
	CHECK_EQ_INT(reason("{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":1.5,\"channel\":\"c\","
			    "\"user\":\"u\",\"text\":\"t\"}"),
		     WEIR_R_WRONG_TYPE);
}

static void test_rejects(void)
{
	CHECK_EQ_INT(reason("{\"kind\":\"chat\""), WEIR_R_INVALID_JSON);
	CHECK_EQ_INT(reason("not json"), WEIR_R_INVALID_JSON);
	CHECK_EQ_INT(reason("[1,2,3]"), WEIR_R_NOT_OBJECT);
	CHECK_EQ_INT(reason("\"str\""), WEIR_R_NOT_OBJECT);
	CHECK_EQ_INT(
	    reason("{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":1,\"channel\":\"c\",\"user\":\"u\","
		   "\"text\":\"t\"} trailing"),
	    WEIR_R_INVALID_JSON);
	CHECK_EQ_INT(reason("{\"kind\":\"tweet\",\"platform\":\"twitch\",\"ts\":1}"), WEIR_R_UNKNOWN_KIND);
	CHECK_EQ_INT(reason("{\"kind\":\"chat\",\"platform\":\"myspace\",\"ts\":1}"),
		     WEIR_R_UNKNOWN_PLATFORM);
	CHECK_EQ_INT(reason("{\"platform\":\"twitch\",\"ts\":1}"), WEIR_R_MISSING_FIELD);
	CHECK_EQ_STR(detail_of("{\"platform\":\"twitch\",\"ts\":1}"), "kind");
	CHECK_EQ_INT(reason("{\"kind\":\"chat\",\"ts\":1}"), WEIR_R_MISSING_FIELD);
	CHECK_EQ_INT(reason("{\"kind\":\"chat\",\"platform\":\"twitch\"}"), WEIR_R_MISSING_FIELD);
	CHECK_EQ_STR(detail_of("{\"kind\":\"chat\",\"platform\":\"twitch\"}"), "ts");
	CHECK_EQ_STR(
	    detail_of("{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":1,\"user\":\"u\",\"text\":\"t\"}"),
	    "channel");
	CHECK_EQ_INT(
	    reason("{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":1,\"channel\":5,\"user\":\"u\","
		   "\"text\":\"t\"}"),
	    WEIR_R_WRONG_TYPE);
	CHECK_EQ_STR(
	    detail_of("{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":1,\"channel\":\"c\",\"user\":\"u\","
		      "\"text\":[\"t\"]}"),
	    "text");
	CHECK_EQ_INT(
	    reason("{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":1,\"channel\":\"\",\"user\":\"u\","
		   "\"text\":\"t\"}"),
	    WEIR_R_BAD_VALUE);
	CHECK_EQ_INT(
	    reason("{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":1,\"channel\":\"c\",\"user\":\"u\","
		   "\"text\":\"\xff\xfe\"}"),
	    WEIR_R_INVALID_UTF8);
	/* NUL byte inside the line */
	struct weir_event ev;
	const char *d;
	char nul[] = "{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":1,\"channel\":\"c\",\"user\":\"u\","
		     "\"text\":\"a\0b\"}";
	char *buf = calloc(1, sizeof(nul) + WEIR_JSON_PADDING);
	memcpy(buf, nul, sizeof(nul) - 1);
	CHECK_EQ_INT(weir_json_parse(J, buf, sizeof(nul) - 1, &A, &ev, &d), WEIR_R_NUL_BYTE);
	free(buf);
}

static void test_other_kinds(void)
{
	struct weir_event ev;
	const char *d;
	CHECK_EQ_INT(parse("{\"kind\":\"followers\",\"platform\":\"youtube\",\"ts\":1,\"channel\":\"c\","
			   "\"followers\":1200,\"streamer\":\"s\"}",
			   &ev, &d),
		     WEIR_R_OK);
	CHECK_EQ_INT(ev.count, 1200);
	CHECK_EQ_INT(reason("{\"kind\":\"followers\",\"platform\":\"youtube\",\"ts\":1,\"channel\":\"c\","
			    "\"followers\":-1}"),
		     WEIR_R_BAD_VALUE);
	CHECK_EQ_INT(reason("{\"kind\":\"followers\",\"platform\":\"youtube\",\"ts\":1,\"channel\":\"c\","
			    "\"followers\":\"12\"}"),
		     WEIR_R_WRONG_TYPE);
	CHECK_EQ_INT(
	    parse("{\"kind\":\"stream\",\"platform\":\"twitch\",\"ts\":1,\"channel\":\"c\",\"live\":true,"
		  "\"viewers\":10,\"game\":\"Dota 2\",\"started_at\":\"2019-04-30T08:00:00Z\"}",
		  &ev, &d),
	    WEIR_R_OK);
	CHECK_EQ_INT(ev.live, 1);
	CHECK_EQ_INT(ev.viewers, 10);
	CHECK_EQ_INT(reason("{\"kind\":\"stream\",\"platform\":\"twitch\",\"ts\":1,\"channel\":\"c\"}"),
		     WEIR_R_MISSING_FIELD);
	CHECK_EQ_INT(
	    reason("{\"kind\":\"stream\",\"platform\":\"twitch\",\"ts\":1,\"channel\":\"c\",\"live\":1}"),
	    WEIR_R_WRONG_TYPE);
	CHECK_EQ_INT(parse("{\"kind\":\"chatters\",\"platform\":\"twitch\",\"ts\":1,\"channel\":\"c\","
			   "\"users\":[\"a\",\"b\",\"c\"]}",
			   &ev, &d),
		     WEIR_R_OK);
	CHECK_EQ_INT(ev.nitems, 3);
	CHECK_EQ_INT(reason("{\"kind\":\"chatters\",\"platform\":\"twitch\",\"ts\":1,\"channel\":\"c\","
			    "\"users\":[\"a\",2]}"),
		     WEIR_R_WRONG_TYPE);
	CHECK_EQ_INT(parse("{\"kind\":\"post\",\"platform\":\"twitter\",\"ts\":1,\"id\":123456789012,"
			   "\"author\":\"a\",\"text\":\"hi #x\",\"likes\":3,\"hashtags\":[\"x\"]}",
			   &ev, &d),
		     WEIR_R_OK);
	CHECK(ev.id.n == 12 && memcmp(ev.id.p, "123456789012", 12) == 0);
	CHECK_EQ_INT(ev.likes, 3);
	CHECK_EQ_INT(
	    reason("{\"kind\":\"post\",\"platform\":\"twitter\",\"ts\":1,\"author\":\"a\",\"text\":\"t\"}"),
	    WEIR_R_MISSING_FIELD);
	/* null optional fields are absent */
	CHECK_EQ_INT(
	    reason("{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":1,\"channel\":\"c\",\"user\":\"u\","
		   "\"text\":\"t\",\"id\":null}"),
	    WEIR_R_OK);
}

/* The simdjson walk guesses each key from the one before (the canonical
 * order) and resets only the slot types between lines: other orders, names
 * that extend a guessed one, and a field missing after a line that had it. */
#define CHAT_HEAD "{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":\"2026-11-20T00:00:00.001Z\","
static void test_key_order(void)
{
	struct weir_event ev;
	const char *d;
	CHECK_EQ_INT(parse(CHAT_HEAD
			   "\"channel\":\"c\",\"user\":\"u\",\"user_id\":\"1\","
			   "\"display_name\":\"U\",\"badges\":[\"a/1\",\"b\"],\"id\":\"x\",\"text\":\"hi\"}",
			   &ev, &d),
		     WEIR_R_OK);
	CHECK(ev.user_id.n == 1 && ev.id.n == 1 && ev.text.n == 2);
	/* text missing now: its slot must not keep the last line's value */
	CHECK_EQ_INT(reason(CHAT_HEAD "\"channel\":\"c\",\"user\":\"u\",\"id\":\"x\"}"),
		     WEIR_R_MISSING_FIELD);
	CHECK_EQ_STR(detail_of(CHAT_HEAD "\"channel\":\"c\",\"user\":\"u\",\"id\":\"x\"}"), "text");
	/* reversed order, names that extend the guessed ones ("user_idx", "texts") are unknown */
	CHECK_EQ_INT(parse("{\"text\":\"t\",\"texts\":1,\"user_idx\":[],\"id\":\"i\",\"user\":\"u\","
			   "\"channel\":\"c\",\"ts\":0,\"platform\":\"twitch\",\"kind\":\"chat\"}",
			   &ev, &d),
		     WEIR_R_OK);
	CHECK(ev.text.n == 1 && ev.text.p[0] == 't' && ev.user_id.p == NULL);
	/* check-only fields keep their type checks */
	CHECK_EQ_INT(
	    reason(CHAT_HEAD "\"channel\":\"c\",\"user\":\"u\",\"badges\":[\"a\",1],\"text\":\"t\"}"),
	    WEIR_R_WRONG_TYPE);
	CHECK_EQ_STR(detail_of(CHAT_HEAD "\"channel\":\"c\",\"user\":\"u\",\"badges\":[{}],\"text\":\"t\"}"),
		     "badges");
	CHECK_EQ_INT(reason(CHAT_HEAD "\"channel\":\"c\",\"user\":\"u\",\"badges\":[],\"text\":\"t\"}"),
		     WEIR_R_OK);
	CHECK_EQ_INT(
	    reason(CHAT_HEAD "\"channel\":\"c\",\"user\":\"u\",\"badges\":[\"\\u0041\"],\"text\":\"t\"}"),
	    WEIR_R_OK);
	CHECK_EQ_INT(
	    reason(CHAT_HEAD "\"channel\":\"c\",\"user\":\"u\",\"badges\":[\"\\x\"],\"text\":\"t\"}"),
	    WEIR_R_INVALID_JSON);
	CHECK_EQ_INT(reason(CHAT_HEAD "\"channel\":\"c\",\"user\":\"u\",\"display_name\":7,\"text\":\"t\"}"),
		     WEIR_R_WRONG_TYPE);
}

/* Channels are lowercased 8 bytes at a time: upper case at every offset,
 * bytes >= 0x80 left alone. */
static void test_channel_lower(void)
{
	static const struct {
		const char *in, *want;
	} c[] = {
	    {"abcdefghijklmnoP", "abcdefghijklmnop"},
	    {"Abcdefghij", "abcdefghij"},
	    {"abcdefgZ", "abcdefgz"},
	    {"abcdefgh@[`{", "abcdefgh@[`{"},
	    {"caf\u00e9XYZ12345", "caf\xc3\xa9xyz12345"},
	    {"\u00c9\u00e9abcdefgh", "\xc3\x89\xc3\xa9"
				     "abcdefgh"},
	    /* up to 8 bytes: one word (overlapping loads) */
	    {"Q", "q"},
	    {"aB", "ab"},
	    {"abC", "abc"},
	    {"abcD", "abcd"},
	    {"Abcde", "abcde"},
	    {"abcdefgh", "abcdefgh"},
	    {"abcdefgH", "abcdefgh"},
	    {"[@`{", "[@`{"},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char line[256];
		snprintf(line, sizeof(line), CHAT_HEAD "\"channel\":\"%s\",\"user\":\"u\",\"text\":\"t\"}",
			 c[i].in);
		struct weir_event ev;
		const char *d;
		CHECK_EQ_INT(parse(line, &ev, &d), WEIR_R_OK);
		CHECK(ev.channel.n == strlen(c[i].want) &&
		      memcmp(ev.channel.p, c[i].want, ev.channel.n) == 0);
	}
}

/* Kind and platform names: exact bytes and length (words up to 8 bytes, longer byte by byte). */
static void test_names(void)
{
	CHECK_EQ_INT(weir_kind_from("chat", 4), WEIR_KIND_CHAT);
	CHECK_EQ_INT(weir_kind_from("chatters", 8), WEIR_KIND_CHATTERS);
	CHECK_EQ_INT(weir_kind_from("followers", 9), WEIR_KIND_FOLLOWERS);
	CHECK_EQ_INT(weir_kind_from("post", 4), WEIR_KIND_POST);
	CHECK_EQ_INT(weir_kind_from("stream", 6), WEIR_KIND_STREAM);
	CHECK_EQ_INT(weir_kind_from("cha", 3), 0);
	CHECK_EQ_INT(weir_kind_from("chatx", 5), 0);
	CHECK_EQ_INT(weir_kind_from("chat\0", 5), 0);
	CHECK_EQ_INT(weir_kind_from("followerz", 9), 0);
	CHECK_EQ_INT(weir_kind_from("followers2", 10), 0);
	CHECK_EQ_INT(weir_kind_from("none", 4), 0);
	CHECK_EQ_INT(weir_kind_from("", 0), 0);
	CHECK_EQ_INT(weir_platform_from("twitch", 6), WEIR_PLATFORM_TWITCH);
	CHECK_EQ_INT(weir_platform_from("facebook", 8), WEIR_PLATFORM_FACEBOOK);
	CHECK_EQ_INT(weir_platform_from("youtube", 7), WEIR_PLATFORM_YOUTUBE);
	CHECK_EQ_INT(weir_platform_from("twitter", 7), WEIR_PLATFORM_TWITTER);
	CHECK_EQ_INT(weir_platform_from("Twitch", 6), 0);
	CHECK_EQ_INT(weir_platform_from("twitc", 5), 0);
	CHECK_EQ_INT(weir_platform_from("t", 1), 0);
}

static void run_all(const char *backend)
{
	setenv("WEIR_JSON", backend, 1);
	J = weir_json_new();
	CHECK_EQ_STR(weir_json_backend(), backend);
	weir_arena_init(&A, 4096);
	TEST(test_chat_ok);
	TEST(test_ts_forms);
	TEST(test_rejects);
	TEST(test_other_kinds);
	TEST(test_key_order);
	TEST(test_channel_lower);
	TEST(test_names);
	weir_arena_free(&A);
	weir_json_free(J);
}

int main(void)
{
	run_all("simdjson");
	run_all("cjson");
	T_END();
}
