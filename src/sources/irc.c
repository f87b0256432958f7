/*
 * irc.c — Twitch IRC lines to chat events (events.md §1.1).
 *
 * Used by `weir ingest --format irc` on logs and by the live IRC source. The
 * caller splits its input on "\n" and hands each line to weir_irc_parse(),
 * which answers one of three things:
 *
 *   1   a PRIVMSG to a #channel: ev is a chat event;
 *   0   a valid IRC line that is not chat (numerics, JOIN, PING, USERNOTICE,
 *       ...), a blank line or a banner of the logger: counted by name in
 *       st->cmds ("blank", "logger", or the IRC command) and skipped;
 *  -r   a weir_reason for the dead-letter file: WEIR_R_IRC_MALFORMED for a
 *       line that is not IRC, WEIR_R_IRC_NO_CHANNEL for a PRIVMSG to a user.
 *
 * A line may start with a logger's prefix "YYYY-MM-DD_HH:MM:SS ;;; " (local
 * time of the logger, converted with st->tz_offset_ms). Loggers write one
 * prefix per network read, so a line without one inherits the time of the
 * last prefixed line; the `tmi-sent-ts` tag, when present, beats both.
 *
 * IRC syntax (RFC 1459 with IRCv3 message tags):
 *
 *   ['@' tags ' '] [':' prefix ' '] command {' ' middle} [' :' trailing]
 *
 * The command is uppercase letters or three digits. Lines from other
 * programs that shared the logger's output (the sample log ends with a
 * Python session's debug output) are not IRC and are dead-lettered.
 *
 * Strings point into `line`; only a value that must change (a tag value with
 * escapes, a channel or nick with uppercase letters, the badge list) is
 * copied into the arena.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/event.h"

#define PREFIX_LEN 24 /* "2019-04-30_08:56:59 ;;; " */

void weir_irc_init(struct weir_irc_state *st)
{
	memset(st, 0, sizeof(*st));
	st->last_prefix_ms = WEIR_ABSENT;
}

/*
 * The arena is the only memory the parser may use and the return value has
 * no room for a program error, so running out of it ends the program rather
 * than dropping or corrupting an event.
 */
static void *arena_alloc(struct weir_arena *a, size_t n)
{
	void *p = weir_arena_alloc(a, n ? n : 1);
	if (!p) {
		fprintf(stderr, "weir: irc: out of memory\n");
		abort();
	}
	return p;
}

static int cmd_find(const struct weir_irc_state *st, const char *name, size_t n)
{
	for (uint32_t i = 0; i < st->ncmds; i++)
		if (strlen(st->cmds[i].name) == n && memcmp(st->cmds[i].name, name, n) == 0)
			return (int)i;
	return -1;
}

static int cmd_add(struct weir_irc_state *st, const char *name, size_t n)
{
	int i = (int)st->ncmds++;
	memcpy(st->cmds[i].name, name, n);
	st->cmds[i].name[n] = 0;
	st->cmds[i].count = 0;
	return i;
}

/* Counts a skipped line under `name`; past the table's size, under "other". */
static void skip(struct weir_irc_state *st, const char *name, size_t n)
{
	int i = cmd_find(st, name, n);

	st->skipped_total++;
	if (i < 0) {
		if (n < sizeof(st->cmds[0].name) && st->ncmds < WEIR_IRC_MAX_CMDS - 1) {
			i = cmd_add(st, name, n);
		} else {
			i = cmd_find(st, "other", 5);
			if (i < 0)
				i = cmd_add(st, "other", 5);
		}
	}
	st->cmds[i].count++;
}

/* Parses the logger prefix at p; returns its length (0 if there is none) and sets *ms (UTC). */
static size_t logger_prefix(const char *p, size_t n, int64_t *ms)
{
	char iso[20];

	if (n < PREFIX_LEN - 1 || p[10] != '_' || memcmp(p + 19, " ;;;", 4) != 0)
		return 0;
	if (n > PREFIX_LEN - 1 && p[PREFIX_LEN - 1] != ' ')
		return 0;
	memcpy(iso, p, 19);
	iso[10] = 'T';
	iso[19] = 'Z';
	if (weir_time_parse(iso, sizeof(iso), ms) != 0)
		return 0;
	return n > PREFIX_LEN - 1 ? PREFIX_LEN : PREFIX_LEN - 1;
}

static bool starts_with(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/* The banners the logger writes around a recording. */
static bool logger_banner(const char *p, const char *end)
{
	return starts_with(p, end, "START OF RECORDED ") || starts_with(p, end, "END OF RECORDED ") ||
	       starts_with(p, end, "RECORDING INTERRUPTED");
}

static struct weir_str view(const char *p, const char *end)
{
	return (struct weir_str){p, (uint32_t)(end - p)};
}

/* [p, end) with A-Z lowercased, copied into the arena only when it has uppercase letters. */
static struct weir_str lower(struct weir_arena *a, const char *p, const char *end)
{
	const char *q = p;

	while (q < end && (unsigned char)(*q - 'A') >= 26)
		q++;
	if (q == end)
		return view(p, end);
	char *d = arena_alloc(a, (size_t)(end - p));
	for (size_t i = 0; i < (size_t)(end - p); i++)
		d[i] = (unsigned char)(p[i] - 'A') < 26 ? (char)(p[i] | 0x20) : p[i];
	return (struct weir_str){d, (uint32_t)(end - p)};
}

/* An IRCv3 tag value, unescaped (into the arena) if it has backslashes. */
static struct weir_str tag_value(struct weir_arena *a, const char *p, const char *end)
{
	if (!memchr(p, '\\', (size_t)(end - p)))
		return view(p, end);
	char *d = arena_alloc(a, (size_t)(end - p)), *o = d;
	while (p < end) {
		char c = *p++;
		if (c != '\\') {
			*o++ = c;
			continue;
		}
		if (p == end)
			break; /* a lone trailing backslash is dropped */
		c = *p++;
		switch (c) {
		case 's':
			*o++ = ' ';
			break;
		case ':':
			*o++ = ';';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 'n':
			*o++ = '\n';
			break;
		default: /* "\\" is a backslash, any other "\x" is x */
			*o++ = c;
		}
	}
	return (struct weir_str){d, (uint32_t)(o - d)};
}

/* Splits "name/version,name/version" into ev->items (arena). */
static void badges(struct weir_arena *a, struct weir_str v, struct weir_event *ev)
{
	const char *p = v.p, *end = v.p + v.n;
	uint32_t n = 1;

	for (const char *q = p; q < end; q++)
		n += *q == ',';
	struct weir_str *items = arena_alloc(a, n * sizeof(*items));
	n = 0;
	while (p < end) {
		const char *q = memchr(p, ',', (size_t)(end - p));
		if (!q)
			q = end;
		if (q > p)
			items[n++] = view(p, q);
		p = q + 1;
	}
	ev->items = n ? items : NULL;
	ev->nitems = n;
}

/* tmi-sent-ts: 1 to 18 digits of ms since the epoch. */
static bool tag_ms(struct weir_str v, int64_t *ms)
{
	int64_t x = 0;

	if (v.n == 0 || v.n > 18)
		return false;
	for (uint32_t i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
		x = x * 10 + (v.p[i] - '0');
	}
	*ms = x;
	return true;
}

/* Reads the tags of a chat line into ev; returns true if tmi-sent-ts set *ts. */
static bool chat_tags(struct weir_arena *a, const char *p, const char *end, struct weir_event *ev,
		      int64_t *ts)
{
	bool has_ts = false;

	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		if (!semi)
			semi = end;
		const char *eq = memchr(p, '=', (size_t)(semi - p));
		const char *kend = eq ? eq : semi;
		const char *vp = eq ? eq + 1 : semi;
		size_t kn = (size_t)(kend - p);

		if (vp < semi) {
			struct weir_str k = {p, (uint32_t)kn};
			if (WEIR_STR_EQ_LIT(k, "display-name"))
				ev->display_name = tag_value(a, vp, semi);
			else if (WEIR_STR_EQ_LIT(k, "id"))
				ev->id = tag_value(a, vp, semi);
			else if (WEIR_STR_EQ_LIT(k, "user-id"))
				ev->user_id = tag_value(a, vp, semi);
			else if (WEIR_STR_EQ_LIT(k, "badges"))
				badges(a, tag_value(a, vp, semi), ev);
			else if (WEIR_STR_EQ_LIT(k, "tmi-sent-ts"))
				has_ts = tag_ms(tag_value(a, vp, semi), ts) || has_ts;
		}
		p = semi + 1;
	}
	return has_ts;
}

/* Advances past one or more spaces. */
static const char *spaces(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

/* Returns the end of the token at p (the next space or end). */
static const char *token_end(const char *p, const char *end)
{
	const char *q = memchr(p, ' ', (size_t)(end - p));
	return q ? q : end;
}

/* A command is uppercase letters or exactly three digits; returns its end or NULL. */
static const char *command_end(const char *p, const char *end)
{
	const char *q = token_end(p, end);

	if (q == p)
		return NULL;
	if (*p >= '0' && *p <= '9') {
		if (q - p != 3 || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
			return NULL;
		return q;
	}
	for (const char *c = p; c < q; c++)
		if (*c < 'A' || *c > 'Z')
			return NULL;
	return q;
}

/* CTCP ACTION ("/me text"): "\x01ACTION text\x01" is the text "text". */
static struct weir_str action(struct weir_str t)
{
	static const char act[] = "\001ACTION";
	const size_t an = sizeof(act) - 1;

	if (t.n < an || memcmp(t.p, act, an) != 0 || (t.n > an && t.p[an] != ' ' && t.p[an] != '\x01'))
		return t;
	const char *p = t.p + an, *end = t.p + t.n;
	if (p < end && *p == ' ')
		p++;
	if (end > p && end[-1] == '\x01')
		end--;
	return view(p, end);
}

int weir_irc_parse(struct weir_irc_state *st, const char *line, size_t len, int64_t recv_ms,
		   struct weir_arena *a, struct weir_event *ev)
{
	const char *p = line, *end = line + len;
	const char *tags = NULL, *tags_end = NULL, *src = NULL, *src_end = NULL;
	int64_t ms;

	weir_event_clear(ev);
	while (end > p && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	size_t pre = logger_prefix(p, (size_t)(end - p), &ms);
	if (pre) {
		st->last_prefix_ms = ms + st->tz_offset_ms;
		p += pre;
	}

	const char *q = p;
	while (q < end && (*q == ' ' || (*q >= '\t' && *q <= '\r')))
		q++;
	if (q == end) {
		skip(st, "blank", 5);
		return 0;
	}
	if (logger_banner(p, end)) {
		skip(st, "logger", 6);
		return 0;
	}

	if (*p == '@') {
		tags = p + 1;
		tags_end = token_end(tags, end);
		p = spaces(tags_end, end);
	}
	if (p < end && *p == ':') {
		src = p + 1;
		src_end = token_end(src, end);
		if (src_end == src)
			return -WEIR_R_IRC_MALFORMED;
		p = spaces(src_end, end);
	}
	const char *cmd = p, *cmd_end = command_end(p, end);
	if (!cmd_end)
		return -WEIR_R_IRC_MALFORMED;
	if (!(cmd_end - cmd == 7 && memcmp(cmd, "PRIVMSG", 7) == 0)) {
		skip(st, cmd, (size_t)(cmd_end - cmd));
		return 0;
	}

	/* PRIVMSG <target> <text>: a chat event when the target is a #channel. */
	p = spaces(cmd_end, end);
	if (p == end || *p == ':')
		return -WEIR_R_IRC_MALFORMED;
	const char *target_end = token_end(p, end);
	if (*p != '#' || target_end - p < 2)
		return -WEIR_R_IRC_NO_CHANNEL;
	const char *chan = p + 1;
	p = spaces(target_end, end);
	if (p == end)
		return -WEIR_R_IRC_MALFORMED;
	struct weir_str text = *p == ':' ? view(p + 1, end) : view(p, token_end(p, end));
	if (!src)
		return -WEIR_R_IRC_MALFORMED;
	const char *nick_end = src;
	while (nick_end < src_end && *nick_end != '!' && *nick_end != '@')
		nick_end++;
	if (nick_end == src)
		return -WEIR_R_IRC_MALFORMED;

	ev->kind = WEIR_KIND_CHAT;
	ev->platform = WEIR_PLATFORM_TWITCH;
	ev->channel = lower(a, chan, target_end);
	ev->user = lower(a, src, nick_end);
	ev->text = action(text);
	if (tags && chat_tags(a, tags, tags_end, ev, &ms)) {
		ev->ts = ms;
		ev->flags |= WEIR_EV_HAS_TS;
	} else if (st->last_prefix_ms != WEIR_ABSENT) {
		/* this line's prefix, or the last one before it */
		ev->ts = st->last_prefix_ms;
		ev->flags |= WEIR_EV_HAS_TS;
	} else {
		ev->ts = recv_ms;
	}
	return 1;
}
