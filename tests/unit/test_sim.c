/*
 * test_sim.c — the event simulator (src/sources/sim.c, src/cli/sim.c):
 * determinism, exact message counts, well-formed events of every kind
 * (checked with cJSON and with weir's own parsers), time order, IRC line
 * shape, reference tables that agree with the events, the imperfections at
 * their rates, peek/next agreement, and the CLI's usage errors.
 */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weir/event.h"
#include "weir/sim.h"
#include "cli/cli.h"

#include "t.h"

/* All lines of a run, concatenated, with their count. */
struct run {
	char *buf;
	size_t len, cap;
	size_t nlines;
	struct weir_sim_stats st;
};

static void run_free(struct run *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* Runs o to its end (or max_lines); returns 0 or the error of weir_sim_new. */
static int run_sim(const struct weir_sim_opts *o, size_t max_lines, struct run *r)
{
	struct weir_sim *s;
	memset(r, 0, sizeof(*r));
	int rc = weir_sim_new(o, &s);
	if (rc)
		return rc;
	size_t lm = weir_sim_line_max(s), n;
	r->cap = lm * 4;
	r->buf = malloc(r->cap);
	while (r->nlines < max_lines) {
		if (r->cap - r->len < lm) {
			r->cap *= 2;
			r->buf = realloc(r->buf, r->cap);
		}
		if (weir_sim_next(s, r->buf + r->len, lm, &n) != 1)
			break;
		r->len += n;
		r->nlines++;
	}
	weir_sim_stats(s, &r->st);
	weir_sim_free(s);
	return 0;
}

/* Iterates over the lines of r: *line (NUL-terminated copy in a static buffer) and its length. */
static bool next_line(const struct run *r, size_t *off, const char **line, size_t *len)
{
	static char *copy;
	static size_t copy_cap;
	if (*off >= r->len)
		return false;
	const char *p = r->buf + *off, *e = memchr(p, '\n', r->len - *off);
	size_t n = e ? (size_t)(e - p) : r->len - *off;
	if (n + 1 + WEIR_JSON_PADDING > copy_cap) {
		copy_cap = (n + 1 + WEIR_JSON_PADDING) * 2;
		copy = realloc(copy, copy_cap);
	}
	memcpy(copy, p, n);
	memset(copy + n, 0, WEIR_JSON_PADDING + 1);
	*off += n + 1;
	*line = copy;
	*len = n;
	return true;
}

static void clean(struct weir_sim_opts *o)
{
	o->dup_rate = o->late_rate = o->bad_rate = 0;
}

static int64_t ts_of(const cJSON *o)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "ts");
	int64_t ms;
	if (!cJSON_IsString(t) || weir_time_parse(t->valuestring, strlen(t->valuestring), &ms) != 0)
		return WEIR_ABSENT;
	return ms;
}

static bool is_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) && v->valuestring[0];
}

static bool is_int(const cJSON *o, const char *k, double min)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) && v->valuedouble >= min &&
	       v->valuedouble == (double)(int64_t)v->valuedouble;
}

static const char *sv(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* ------------------------------------------------------------------ */

static void test_defaults_and_validation(void)
{
	struct weir_sim_opts o;
	struct weir_sim *s;
	weir_sim_opts_init(&o);
	CHECK_EQ_INT(o.seed, 1);
	CHECK_EQ_INT(o.start_ms, WEIR_SIM_DEFAULT_START);
	CHECK_EQ_INT(o.span_ms, WEIR_MS_PER_DAY);
	CHECK_EQ_INT(o.kinds, WEIR_SIM_ALL_KINDS);
	CHECK_EQ_INT(o.channels, 100);
	CHECK_EQ_INT(o.users, 20000);
	CHECK_EQ_INT(o.chatters_cap, 1000);

	o.channels = 0;
	CHECK_EQ_INT(weir_sim_new(&o, &s), WEIR_EINVAL);
	weir_sim_opts_init(&o);
	o.dup_rate = 1.5;
	CHECK_EQ_INT(weir_sim_new(&o, &s), WEIR_EINVAL);
	weir_sim_opts_init(&o);
	o.kinds = 0;
	CHECK_EQ_INT(weir_sim_new(&o, &s), WEIR_EINVAL);
	weir_sim_opts_init(&o);
	o.format = WEIR_SIM_IRC;
	o.kinds = WEIR_SIM_KIND(WEIR_KIND_FOLLOWERS);
	CHECK_EQ_INT(weir_sim_new(&o, &s), WEIR_EINVAL);

	/* a buffer smaller than line_max is refused */
	weir_sim_opts_init(&o);
	o.channels = 5;
	o.users = 100;
	CHECK_EQ_INT(weir_sim_new(&o, &s), 0);
	char small[64];
	size_t n;
	CHECK(weir_sim_line_max(s) >= 4096);
	CHECK_EQ_INT(weir_sim_next(s, small, sizeof(small), &n), WEIR_EINVAL);
	weir_sim_free(s);
}

static void test_determinism(void)
{
	struct weir_sim_opts o;
	struct run a, b, c;
	weir_sim_opts_init(&o);
	o.span_ms = 3 * WEIR_MS_PER_HOUR;
	o.channels = 40;
	o.users = 4000;
	o.dup_rate = 0.01;
	o.late_rate = 0.01;
	o.bad_rate = 0.01;
	CHECK_EQ_INT(run_sim(&o, SIZE_MAX, &a), 0);
	CHECK_EQ_INT(run_sim(&o, SIZE_MAX, &b), 0);
	CHECK(a.nlines > 1000);
	CHECK_EQ_INT(a.len, b.len);
	CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
	o.seed = 2;
	CHECK_EQ_INT(run_sim(&o, SIZE_MAX, &c), 0);
	CHECK(c.len != a.len || memcmp(a.buf, c.buf, a.len) != 0);
	run_free(&a);
	run_free(&b);
	run_free(&c);

	/* the chat of --kinds chat is the chat of all kinds, imperfections aside */
	struct run all, chat;
	weir_sim_opts_init(&o);
	clean(&o);
	o.span_ms = WEIR_MS_PER_HOUR;
	o.channels = 20;
	o.users = 2000;
	CHECK_EQ_INT(run_sim(&o, SIZE_MAX, &all), 0);
	o.kinds = WEIR_SIM_KIND(WEIR_KIND_CHAT);
	CHECK_EQ_INT(run_sim(&o, SIZE_MAX, &chat), 0);
	size_t off = 0, len, k = 0;
	const char *line;
	char *only = malloc(all.len + 1);
	while (next_line(&all, &off, &line, &len))
		if (strstr(line, "\"kind\":\"chat\"")) {
			memcpy(only + k, line, len);
			only[k + len] = '\n';
			k += len + 1;
		}
	CHECK_EQ_INT(k, chat.len);
	CHECK(k == chat.len && memcmp(only, chat.buf, k) == 0);
	free(only);
	run_free(&all);
	run_free(&chat);
}

static void test_exact_messages(void)
{
	struct weir_sim_opts o;
	struct run r;
	weir_sim_opts_init(&o);
	o.messages = 25000;
	o.dup_rate = 0.01;
	o.late_rate = 0.01;
	o.bad_rate = 0.01;
	o.kinds = WEIR_SIM_KIND(WEIR_KIND_CHAT);
	CHECK_EQ_INT(run_sim(&o, SIZE_MAX, &r), 0);
	CHECK_EQ_INT(r.st.events[WEIR_KIND_CHAT], 25000);
	CHECK_EQ_INT(r.nlines, 25000 + r.st.dups + r.st.bad);
	CHECK_EQ_INT(r.st.lines, r.nlines);
	CHECK(r.st.dups > 100 && r.st.late > 100 && r.st.bad > 100);

	/* the distinct ids of well-formed chat lines are exactly the messages */
	size_t off = 0, len, nchat = 0;
	const char *line;
	char(*ids)[37] = calloc(r.nlines, 37);
	while (next_line(&r, &off, &line, &len)) {
		cJSON *j = cJSON_Parse(line);
		if (j && !strcmp(sv(j, "kind"), "chat") && is_str(j, "id") && is_str(j, "text") &&
		    !strcmp(sv(j, "platform"), "twitch") && strlen(sv(j, "id")) == 36)
			memcpy(ids[nchat++], sv(j, "id"), 37);
		cJSON_Delete(j);
	}
	qsort(ids, nchat, 37, (int (*)(const void *, const void *))strcmp);
	size_t distinct = nchat ? 1 : 0;
	for (size_t i = 1; i < nchat; i++)
		distinct += strcmp(ids[i], ids[i - 1]) != 0;
	CHECK_EQ_INT(distinct, 25000);
	free(ids);
	run_free(&r);

	/* the benchmark's flags, at a smaller size: exactly N lines, nothing else */
	weir_sim_opts_init(&o);
	clean(&o);
	o.messages = 50000;
	o.kinds = WEIR_SIM_KIND(WEIR_KIND_CHAT);
	CHECK_EQ_INT(run_sim(&o, SIZE_MAX, &r), 0);
	CHECK_EQ_INT(r.nlines, 50000);
	run_free(&r);

	/* live: --rate with --messages ends after N even with an unbounded span */
	weir_sim_opts_init(&o);
	clean(&o);
	o.rate = 200;
	o.span_ms = INT64_MAX;
	o.messages = 3000;
	o.kinds = WEIR_SIM_KIND(WEIR_KIND_CHAT);
	CHECK_EQ_INT(run_sim(&o, 10000, &r), 0);
	CHECK_EQ_INT(r.nlines, 3000);
	run_free(&r);
}

/* Every line of a clean run of all kinds is an event of events.md §1 with its required fields. */
static void test_clean_events_valid(void)
{
	struct weir_sim_opts o;
	struct run r;
	weir_sim_opts_init(&o);
	clean(&o);
	o.span_ms = 2 * WEIR_MS_PER_HOUR;
	o.start_ms += 19 * WEIR_MS_PER_HOUR; /* the evening: everything happens */
	o.channels = 60;
	o.users = 6000;
	o.chatters_cap = 300;
	CHECK_EQ_INT(run_sim(&o, SIZE_MAX, &r), 0);
	size_t off = 0, len, bad = 0, n[WEIR_KIND_COUNT] = {0}, repeats = 0, nonascii = 0, names = 0,
	       badges = 0;
	const char *line;
	int64_t prev = INT64_MIN, first = WEIR_ABSENT;
	bool ordered = true;
	struct weir_json *jp = weir_json_new();
	struct weir_arena a;
	weir_arena_init(&a, 1 << 16);
	char lastpost[32] = "";
	while (next_line(&r, &off, &line, &len)) {
		struct weir_event ev;
		const char *detail = NULL;
		weir_arena_reset(&a);
		if (weir_json_parse(jp, line, len, &a, &ev, &detail) != WEIR_R_OK) {
			if (bad++ < 3)
				fprintf(stderr, "  rejected (%s): %.200s\n", detail ? detail : "", line);
		}
		cJSON *j = cJSON_Parse(line);
		if (!j) {
			bad++;
			continue;
		}
		const char *kind = sv(j, "kind"), *plat = sv(j, "platform");
		int64_t ts = ts_of(j);
		if (ts == WEIR_ABSENT || ts < o.start_ms || ts >= o.start_ms + o.span_ms)
			bad++;
		if (first == WEIR_ABSENT)
			first = ts;
		if (ts < prev)
			ordered = false;
		prev = ts;
		for (const char *p = line; *p; p++)
			if ((unsigned char)*p >= 0x80) {
				nonascii++;
				break;
			}
		if (!strcmp(kind, "chat")) {
			n[WEIR_KIND_CHAT]++;
			if (strcmp(plat, "twitch") || !is_str(j, "channel") || !is_str(j, "user") ||
			    !is_str(j, "text") || !is_str(j, "id") || !is_str(j, "user_id"))
				bad++;
			names += is_str(j, "display_name");
			badges += cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "badges"));
		} else if (!strcmp(kind, "followers")) {
			n[WEIR_KIND_FOLLOWERS]++;
			if ((strcmp(plat, "twitch") && strcmp(plat, "youtube") && strcmp(plat, "twitter")) ||
			    !is_str(j, "channel") || !is_str(j, "streamer") || !is_int(j, "followers", 0))
				bad++;
		} else if (!strcmp(kind, "stream")) {
			n[WEIR_KIND_STREAM]++;
			const cJSON *live = cJSON_GetObjectItemCaseSensitive(j, "live");
			if (strcmp(plat, "twitch") || !is_str(j, "channel") || !cJSON_IsBool(live) ||
			    !is_str(j, "game") || !is_str(j, "language") || !is_str(j, "title") ||
			    !is_str(j, "started_at") || (cJSON_IsTrue(live) && !is_int(j, "viewers", 1)))
				bad++;
		} else if (!strcmp(kind, "chatters")) {
			n[WEIR_KIND_CHATTERS]++;
			const cJSON *u = cJSON_GetObjectItemCaseSensitive(j, "users");
			if (strcmp(plat, "twitch") || !is_str(j, "channel") || !cJSON_IsArray(u) ||
			    cJSON_GetArraySize(u) < 1 || cJSON_GetArraySize(u) > 300)
				bad++;
			/* aligned to 5-minute slots, a few seconds in */
			if (ts % (5 * WEIR_MS_PER_MIN) >= 10000 || ts % (5 * WEIR_MS_PER_MIN) < 1000)
				bad++;
		} else if (!strcmp(kind, "post")) {
			n[WEIR_KIND_POST]++;
			if (strcmp(plat, "twitter") || !is_str(j, "id") || !is_str(j, "author") ||
			    !is_str(j, "text") || !is_int(j, "likes", 0) || !is_int(j, "shares", 0) ||
			    !is_int(j, "replies", 0) || !is_int(j, "views", 0) ||
			    !is_int(j, "followers", 0) || !is_str(j, "lang"))
				bad++;
			if (!strcmp(lastpost, sv(j, "id")))
				bad++; /* a repeat never follows itself at once */
			snprintf(lastpost, sizeof(lastpost), "%s", sv(j, "id"));
		} else {
			bad++;
		}
		cJSON_Delete(j);
	}
	/* repeated posts: same id, counters not lower */
	off = 0;
	struct {
		char id[32];
		double likes;
	} *seen = calloc(n[WEIR_KIND_POST] + 1, sizeof(*seen));
	size_t nseen = 0;
	while (next_line(&r, &off, &line, &len)) {
		if (!strstr(line, "\"kind\":\"post\""))
			continue;
		cJSON *j = cJSON_Parse(line);
		const char *id = sv(j, "id");
		double likes = cJSON_GetObjectItemCaseSensitive(j, "likes")->valuedouble;
		size_t i;
		for (i = 0; i < nseen; i++)
			if (!strcmp(seen[i].id, id))
				break;
		if (i < nseen) {
			repeats++;
			if (likes < seen[i].likes)
				bad++;
			seen[i].likes = likes;
		} else {
			snprintf(seen[nseen].id, sizeof(seen[0].id), "%s", id);
			seen[nseen++].likes = likes;
		}
		cJSON_Delete(j);
	}
	free(seen);
	CHECK_EQ_INT(bad, 0);
	CHECK(ordered); /* without late lines, time never goes back */
	for (int k = WEIR_KIND_CHAT; k < WEIR_KIND_COUNT; k++) {
		CHECK(n[k] > 10);
		CHECK_EQ_INT(n[k], r.st.events[k]);
	}
	CHECK(repeats > 0);
	CHECK(nonascii > 0);
	CHECK(names > 0 && names < n[WEIR_KIND_CHAT]);
	CHECK(badges > 0 && badges < n[WEIR_KIND_CHAT]);
	weir_arena_free(&a);
	weir_json_free(jp);
	run_free(&r);
}

/* Late lines come out 1-120 s after their time; duplicates repeat a line byte for byte. */
static void test_late_and_dups(void)
{
	struct weir_sim_opts o;
	struct run r;
	weir_sim_opts_init(&o);
	o.span_ms = WEIR_MS_PER_HOUR;
	o.start_ms += 18 * WEIR_MS_PER_HOUR;
	o.channels = 50;
	o.users = 5000;
	o.late_rate = 0.05;
	o.dup_rate = 0.02;
	o.bad_rate = 0;
	CHECK_EQ_INT(run_sim(&o, SIZE_MAX, &r), 0);
	size_t off = 0, len, behind = 0, within5 = 0, beyond5 = 0, too_late = 0, dups = 0;
	const char *line;
	int64_t maxts = INT64_MIN;
	char prevline[8192] = "";
	/* count exact duplicates by hashing every line */
	size_t cap = 1;
	while (cap < r.nlines * 2)
		cap <<= 1;
	uint64_t *set = calloc(cap, sizeof(uint64_t));
	while (next_line(&r, &off, &line, &len)) {
		uint64_t h = 1469598103934665603ULL;
		for (size_t i = 0; i < len; i++)
			h = (h ^ (unsigned char)line[i]) * 1099511628211ULL;
		h |= 1;
		size_t i = h & (cap - 1);
		while (set[i] && set[i] != h)
			i = (i + 1) & (cap - 1);
		if (set[i] == h)
			dups++;
		set[i] = h;
		cJSON *j = cJSON_Parse(line);
		int64_t ts = ts_of(j);
		cJSON_Delete(j);
		if (ts == WEIR_ABSENT)
			continue;
		if (ts < maxts) {
			behind++;
			if (maxts - ts <= 5000)
				within5++;
			else
				beyond5++;
			if (maxts - ts > 120000 + 5000)
				too_late++;
		}
		if (ts > maxts)
			maxts = ts;
		snprintf(prevline, sizeof(prevline), "%s", line);
	}
	free(set);
	CHECK(r.st.late > 100);
	CHECK(behind > r.st.late / 2);
	CHECK(within5 > 0 && beyond5 > 0);
	CHECK_EQ_INT(too_late, 0);
	CHECK_EQ_INT(dups, r.st.dups);
	CHECK(r.st.dups > 50);
	run_free(&r);
}

/* Malformed lines: each one is rejected by weir's NDJSON parser; every other line is accepted. */
static void test_bad_lines(void)
{
	struct weir_sim_opts o;
	struct run r;
	weir_sim_opts_init(&o);
	o.span_ms = 30 * WEIR_MS_PER_MIN;
	o.start_ms += 19 * WEIR_MS_PER_HOUR;
	o.channels = 50;
	o.users = 5000;
	o.bad_rate = 0.05;
	o.dup_rate = 0;
	o.late_rate = 0;
	CHECK_EQ_INT(run_sim(&o, SIZE_MAX, &r), 0);
	struct weir_json *jp = weir_json_new();
	struct weir_arena a;
	weir_arena_init(&a, 1 << 16);
	size_t off = 0, len, rejected = 0, reasons[WEIR_R_COUNT] = {0};
	const char *line;
	while (next_line(&r, &off, &line, &len)) {
		struct weir_event ev;
		weir_arena_reset(&a);
		const char *detail;
		int rc = weir_json_parse(jp, line, len, &a, &ev, &detail);
		if (rc != WEIR_R_OK) {
			rejected++;
			if (rc > 0 && rc < WEIR_R_COUNT)
				reasons[rc]++;
		}
	}
	CHECK(r.st.bad > 100);
	CHECK_EQ_INT(rejected, r.st.bad);
	int kinds = 0;
	for (int i = 1; i < WEIR_R_COUNT; i++)
		kinds += reasons[i] > 0;
	CHECK(kinds >= 5); /* varied: invalid JSON, wrong type, unknown kind, missing field, ... */
	CHECK(reasons[WEIR_R_INVALID_JSON] > 0);
	CHECK(reasons[WEIR_R_MISSING_FIELD] > 0);
	CHECK(reasons[WEIR_R_WRONG_TYPE] > 0);
	CHECK(reasons[WEIR_R_UNKNOWN_KIND] > 0);
	weir_arena_free(&a);
	weir_json_free(jp);
	run_free(&r);
}

/* IRC: logger prefix, IRCv3 tags, parsed back by weir's IRC parser into the same chat. */
static void test_irc(void)
{
	struct weir_sim_opts o;
	struct run r, nd;
	weir_sim_opts_init(&o);
	o.format = WEIR_SIM_IRC;
	o.messages = 20000;
	o.late_rate = 0.01;
	o.bad_rate = 0.005;
	o.dup_rate = 0;
	CHECK_EQ_INT(run_sim(&o, SIZE_MAX, &r), 0);
	CHECK_EQ_INT(r.st.events[WEIR_KIND_CHAT], 20000);
	struct weir_irc_state st;
	weir_irc_init(&st);
	struct weir_arena a;
	weir_arena_init(&a, 1 << 16);
	size_t off = 0, len, chat = 0, rejected = 0, shape = 0, actions = 0, replies = 0, escaped = 0,
	       late = 0;
	const char *line;
	while (next_line(&r, &off, &line, &len)) {
		struct weir_event ev;
		weir_arena_reset(&a);
		int rc = weir_irc_parse(&st, line, len, 0, &a, &ev);
		if (rc < 0) {
			rejected++;
			continue;
		}
		if (rc != 1)
			continue;
		chat++;
		/* "2026-11-20_08:57:00 ;;; @badge-info=...;id=...;tmi-sent-ts=...;user-id=...
		 * :u!u@u.tmi.twitch.tv PRIVMSG #c :t" */
		bool ok = len > 30 && line[4] == '-' && line[10] == '_' && line[13] == ':' &&
			  !memcmp(line + 19, " ;;; @", 6) && strstr(line, ";display-name=") &&
			  strstr(line, ";id=") && strstr(line, ";tmi-sent-ts=") &&
			  strstr(line, ";user-id=") && strstr(line, ".tmi.twitch.tv PRIVMSG #") &&
			  ev.id.n == 36 && ev.user_id.n > 0 && ev.channel.n > 0 && ev.user.n > 0 &&
			  ev.text.n > 0 && (ev.flags & WEIR_EV_HAS_TS);
		shape += ok;
		/* the prefix is the arrival time: the second of tmi-sent-ts, later for a late line */
		char iso[21];
		memcpy(iso, line, 19);
		iso[10] = 'T';
		iso[19] = 'Z';
		iso[20] = 0;
		int64_t pre;
		if (weir_time_parse(iso, 20, &pre) == 0) {
			if (pre / 1000 > ev.ts / 1000)
				late++;
			else if (pre / 1000 != ev.ts / 1000)
				shape--;
		}
		actions += strstr(line, " :\001ACTION ") != NULL;
		replies += strstr(line, ";reply-parent-msg-body=") != NULL;
		escaped += strstr(line, "\\s") != NULL;
	}
	CHECK_EQ_INT(chat, 20000);
	CHECK_EQ_INT(shape, chat);
	CHECK_EQ_INT(rejected, r.st.bad);
	CHECK(r.st.bad > 20);
	CHECK(actions > 0);
	CHECK(replies > 0);
	CHECK(escaped > 0);
	CHECK(late > 0);
	weir_arena_free(&a);

	/* the same seed in NDJSON has the same messages (ids) */
	o.format = WEIR_SIM_NDJSON;
	o.kinds = WEIR_SIM_KIND(WEIR_KIND_CHAT);
	o.late_rate = o.bad_rate = 0;
	CHECK_EQ_INT(run_sim(&o, 5, &nd), 0);
	off = 0;
	next_line(&nd, &off, &line, &len);
	cJSON *j = cJSON_Parse(line);
	CHECK(j && strstr(r.buf, sv(j, "id")) != NULL);
	cJSON_Delete(j);
	run_free(&nd);
	run_free(&r);
}

/* The CSV's fields of one line (no quoted fields with commas in streamers.csv). */
static int csv_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		f[n++] = p;
		char *c = strchr(p, ',');
		if (!c)
			break;
		*c = 0;
		p = c + 1;
	}
	char *nl = strchr(f[n - 1], '\n');
	if (nl)
		*nl = 0;
	return n;
}

static bool file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char buf[1024];
	bool hit = false;
	while (f && !hit && fgets(buf, sizeof(buf), f))
		hit = strstr(buf, needle) != NULL;
	if (f)
		fclose(f);
	return hit;
}

/* Reference tables: the accounts, streamers and games of the events are in them. */
static void test_reference(void)
{
	struct weir_sim_opts o;
	struct weir_sim *s;
	char dir[] = "/tmp/weir-test-sim-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	weir_sim_opts_init(&o);
	clean(&o);
	o.channels = 30;
	o.users = 3000;
	o.span_ms = 6 * WEIR_MS_PER_HOUR;
	o.start_ms += 16 * WEIR_MS_PER_HOUR;
	CHECK_EQ_INT(weir_sim_new(&o, &s), 0);
	CHECK_EQ_INT(weir_sim_write_reference(s, dir), 0);

	char path[256], line[1024];
	char accounts[30][4][40];
	int nstreamers = 0;
	snprintf(path, sizeof(path), "%s/streamers.csv", dir);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	CHECK(f && fgets(line, sizeof(line), f) &&
	      !strcmp(line, "streamer,display_name,twitch,youtube,twitter,language\n"));
	while (f && fgets(line, sizeof(line), f) && nstreamers < 30) {
		char *fl[8];
		CHECK_EQ_INT(csv_split(line, fl, 8), 6);
		snprintf(accounts[nstreamers][0], 40, "%s", fl[0]);
		snprintf(accounts[nstreamers][1], 40, "%s", fl[2]);
		snprintf(accounts[nstreamers][2], 40, "%s", fl[3]);
		snprintf(accounts[nstreamers][3], 40, "%s", fl[4]);
		CHECK(!strcmp(fl[0], fl[2]));
		CHECK(strlen(fl[5]) == 2);
		nstreamers++;
	}
	if (f)
		fclose(f);
	CHECK_EQ_INT(nstreamers, 30);
	snprintf(path, sizeof(path), "%s/games.csv", dir);
	CHECK(file_has(path, "game,genre,console"));
	CHECK(file_has(path, "\"Warhammer 40,000: Darktide\",Shooter,PC"));
	snprintf(path, sizeof(path), "%s/games.json", dir);
	CHECK(file_has(path, "{\"game\":\"Dota 2\",\"genre\":\"MOBA\",\"console\":\"PC\"}"));
	snprintf(path, sizeof(path), "%s/streamers.json", dir);
	FILE *jf = fopen(path, "r");
	char *js = calloc(1, 1 << 20);
	size_t jn = jf ? fread(js, 1, (1 << 20) - 1, jf) : 0;
	if (jf)
		fclose(jf);
	cJSON *arr = cJSON_Parse(js);
	CHECK(jn > 0 && cJSON_IsArray(arr) && cJSON_GetArraySize(arr) == 30);
	cJSON_Delete(arr);
	snprintf(path, sizeof(path), "%s/games.json", dir);
	jf = fopen(path, "r");
	jn = jf ? fread(js, 1, (1 << 20) - 1, jf) : 0;
	js[jn] = 0;
	if (jf)
		fclose(jf);

	size_t lm = weir_sim_line_max(s), n, checked = 0, wrong = 0;
	char *buf = malloc(lm + WEIR_JSON_PADDING);
	while (weir_sim_next(s, buf, lm, &n) == 1) {
		buf[n] = 0;
		cJSON *j = cJSON_Parse(buf);
		const char *kind = sv(j, "kind");
		if (!strcmp(kind, "followers")) {
			const char *plat = sv(j, "platform");
			int col = !strcmp(plat, "twitch") ? 1 : !strcmp(plat, "youtube") ? 2 : 3;
			bool found = false;
			for (int i = 0; i < nstreamers; i++)
				if (!strcmp(accounts[i][0], sv(j, "streamer")))
					found = !strcmp(accounts[i][col], sv(j, "channel"));
			wrong += !found;
			checked++;
		} else if (!strcmp(kind, "stream") || !strcmp(kind, "chat") || !strcmp(kind, "chatters")) {
			bool found = false;
			for (int i = 0; i < nstreamers; i++)
				found |= !strcmp(accounts[i][1], sv(j, "channel"));
			wrong += !found;
			if (!strcmp(kind, "stream")) {
				char q[256];
				snprintf(q, sizeof(q), "{\"game\":\"%s\"", sv(j, "game"));
				wrong += strstr(js, q) == NULL;
			}
			checked++;
		}
		cJSON_Delete(j);
	}
	CHECK(checked > 1000);
	CHECK_EQ_INT(wrong, 0);
	free(js);
	free(buf);
	weir_sim_free(s);
	const char *names[] = {"streamers.csv", "streamers.json", "games.csv", "games.json"};
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* weir_sim_peek() says exactly when the next line is due; ts of live runs start at start_ms. */
static void test_peek(void)
{
	struct weir_sim_opts o;
	struct weir_sim *s;
	weir_sim_opts_init(&o);
	o.rate = 500;
	o.span_ms = 30000;
	o.start_ms = 1800000000000LL;
	o.late_rate = 0.05;
	o.dup_rate = 0.05;
	o.bad_rate = 0.05;
	CHECK_EQ_INT(weir_sim_new(&o, &s), 0);
	size_t lm = weir_sim_line_max(s), n, lines = 0, mismatch = 0;
	char *buf = malloc(lm);
	int64_t prev = INT64_MIN;
	bool mono = true;
	for (;;) {
		int64_t p = weir_sim_peek(s);
		if (weir_sim_next(s, buf, lm, &n) != 1) {
			CHECK_EQ_INT(p, INT64_MAX);
			break;
		}
		lines++;
		mismatch += weir_sim_clock(s) != p;
		mono &= p >= prev;
		prev = p;
		CHECK(p >= o.start_ms);
	}
	CHECK_EQ_INT(mismatch, 0);
	CHECK(mono); /* due times never go back: a pacing caller sees a steady stream */
	CHECK(lines > 30 * 500 * 0.8);
	CHECK_EQ_INT(weir_sim_peek(s), INT64_MAX);
	free(buf);
	weir_sim_free(s);
}

static int cli(int argc, const char **argv)
{
	return weir_cmd_sim(argc, (char **)argv);
}

static void test_cli(void)
{
	const char *a1[] = {"sim", "--x"};
	CHECK_EQ_INT(cli(2, a1), 2);
	const char *a2[] = {"sim", "--rate", "abc"};
	CHECK_EQ_INT(cli(3, a2), 2);
	const char *a3[] = {"sim", "--span", "soon"};
	CHECK_EQ_INT(cli(3, a3), 2);
	const char *a4[] = {"sim", "--format", "xml"};
	CHECK_EQ_INT(cli(3, a4), 2);
	const char *a5[] = {"sim", "--kinds", "chat,raid"};
	CHECK_EQ_INT(cli(3, a5), 2);
	const char *a6[] = {"sim", "--dup-rate", "2"};
	CHECK_EQ_INT(cli(3, a6), 2);
	const char *a7[] = {"sim", "--rate", "10/s", "--span", "1h"};
	CHECK_EQ_INT(cli(5, a7), 2);
	const char *a8[] = {"sim", "--format", "irc", "--kinds", "post"};
	CHECK_EQ_INT(cli(5, a8), 2);
	const char *a9[] = {"sim", "--start", "yesterday"};
	CHECK_EQ_INT(cli(3, a9), 2);
	const char *a10[] = {"sim", "--messages"};
	CHECK_EQ_INT(cli(2, a10), 2);
	const char *a11[] = {"sim", "extra"};
	CHECK_EQ_INT(cli(2, a11), 2);
	const char *a12[] = {"sim", "--channels", "0"};
	CHECK_EQ_INT(cli(3, a12), 2);

	/* a file of exactly N lines, and the reference tables beside it */
	char dir[] = "/tmp/weir-test-simcli-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char out[256], ref[256];
	snprintf(out, sizeof(out), "%s/chat.ndjson", dir);
	snprintf(ref, sizeof(ref), "%s/ref", dir);
	const char *ok[] = {"sim",  "--seed",	  "7", "--messages",  "5000", "--kinds",
			    "chat", "--dup-rate", "0", "--late-rate", "0",    "--bad-rate",
			    "0",    "-o",	  out, "--reference", ref};
	CHECK_EQ_INT(cli(17, ok), 0);
	FILE *f = fopen(out, "r");
	size_t lines = 0;
	int ch;
	while (f && (ch = fgetc(f)) != EOF)
		lines += ch == '\n';
	if (f)
		fclose(f);
	CHECK_EQ_INT(lines, 5000);
	char p[300];
	snprintf(p, sizeof(p), "%s/streamers.csv", ref);
	CHECK(access(p, R_OK) == 0);
	CHECK(file_has(p, "streamer,display_name"));
	const char *names[] = {"streamers.csv", "streamers.json", "games.csv", "games.json"};
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", ref, names[i]);
		unlink(p);
	}
	rmdir(ref);
	unlink(out);
	rmdir(dir);

	/* --help is not an error */
	FILE *saved = stdout;
	stdout = fopen("/dev/null", "w");
	const char *h[] = {"sim", "--help"};
	CHECK_EQ_INT(cli(2, h), 0);
	fclose(stdout);
	stdout = saved;
}

int main(void)
{
	TEST(test_defaults_and_validation);
	TEST(test_determinism);
	TEST(test_exact_messages);
	TEST(test_clean_events_valid);
	TEST(test_late_and_dups);
	TEST(test_bad_lines);
	TEST(test_irc);
	TEST(test_reference);
	TEST(test_peek);
	TEST(test_cli);
	T_END();
}
