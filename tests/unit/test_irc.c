/*
 * test_irc.c — Twitch IRC lines to chat events (src/sources/irc.c,
 * events.md §1.1), by example and over the real sample log
 * ../shared/datasets/twitch-irc-admiralbulldog-2019-04-30.log.gz.
 */
#include <zlib.h>

#include "weir/event.h"

#include "t.h"

#define LOG_PATH "../shared/datasets/twitch-irc-admiralbulldog-2019-04-30.log.gz"
#define RECV 1000000LL
#define T_0856 1556614619000LL /* 2019-04-30T08:56:59Z */

static struct weir_irc_state st;
static struct weir_arena arena;
static struct weir_event ev;
static const char *cur; /* the line being parsed, for "points into the line" checks */
static size_t cur_len;

static int parse(const char *line)
{
	cur = line;
	cur_len = strlen(line);
	return weir_irc_parse(&st, line, cur_len, RECV, &arena, &ev);
}

static void fresh(void)
{
	weir_irc_init(&st);
	weir_arena_reset(&arena);
}

/* A NUL-terminated copy of a view; "(absent)" for an absent one. */
static const char *S(struct weir_str s)
{
	static char ring[8][1024];
	static int k;
	char *b = ring[k++ & 7];
	if (!s.p)
		return "(absent)";
	memcpy(b, s.p, s.n < 1023 ? s.n : 1023);
	b[s.n < 1023 ? s.n : 1023] = 0;
	return b;
}

static bool in_line(struct weir_str s)
{
	return s.p >= cur && s.p + s.n <= cur + cur_len;
}

static uint64_t count_of(const char *name)
{
	for (uint32_t i = 0; i < st.ncmds; i++)
		if (!strcmp(st.cmds[i].name, name))
			return st.cmds[i].count;
	return 0;
}

static void test_privmsg(void)
{
	fresh();
	CHECK_EQ_INT(
	    parse("2019-04-30_08:56:59 ;;; :laudon!laudon@laudon.tmi.twitch.tv PRIVMSG #admiralbulldog "
		  ":gachiHYPER\r"),
	    1);
	CHECK_EQ_INT(ev.kind, WEIR_KIND_CHAT);
	CHECK_EQ_INT(ev.platform, WEIR_PLATFORM_TWITCH);
	CHECK_EQ_STR(S(ev.channel), "admiralbulldog");
	CHECK_EQ_STR(S(ev.user), "laudon");
	CHECK_EQ_STR(S(ev.text), "gachiHYPER"); /* \r stripped, case kept */
	CHECK_EQ_INT(ev.ts, T_0856);
	CHECK(ev.flags & WEIR_EV_HAS_TS);
	CHECK_EQ_INT(st.last_prefix_ms, T_0856);
	CHECK_EQ_STR(S(ev.id), "(absent)");
	CHECK_EQ_STR(S(ev.display_name), "(absent)");
	CHECK_EQ_INT(ev.nitems, 0);
	CHECK(ev.items == NULL);
	CHECK(in_line(ev.channel) && in_line(ev.user) && in_line(ev.text)); /* nothing copied */
	CHECK_EQ_INT(st.skipped_total, 0);
	CHECK_EQ_INT(st.ncmds, 0);

	/* without a prefix, "\r\n" and "\n" endings */
	CHECK_EQ_INT(parse(":u!u@h PRIVMSG #c :hello world :) @x\r\n"), 1);
	CHECK_EQ_STR(S(ev.text), "hello world :) @x");
	CHECK_EQ_INT(parse(":u!u@h PRIVMSG #c :a\n"), 1);
	CHECK_EQ_STR(S(ev.text), "a");
	/* empty text is still a message */
	CHECK_EQ_INT(parse(":u!u@h PRIVMSG #c :"), 1);
	CHECK_EQ_STR(S(ev.text), "");
	CHECK(ev.text.p != NULL);
	/* the text without ':' is the single next parameter */
	CHECK_EQ_INT(parse(":u!u@h PRIVMSG #c hello world"), 1);
	CHECK_EQ_STR(S(ev.text), "hello");
	/* extra spaces between parts */
	CHECK_EQ_INT(parse(":u!u@h  PRIVMSG   #c   :  spaced  "), 1);
	CHECK_EQ_STR(S(ev.channel), "c");
	CHECK_EQ_STR(S(ev.text), "  spaced  ");
	/* a clear reused event: fields of the previous one do not leak */
	CHECK_EQ_INT(parse("@id=1;badges=a/1 :u!u@h PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(parse(":u!u@h PRIVMSG #c :y"), 1);
	CHECK_EQ_STR(S(ev.id), "(absent)");
	CHECK_EQ_INT(ev.nitems, 0);
}

static void test_case(void)
{
	fresh();
	CHECK_EQ_INT(parse(":SomeUser!someuser@h PRIVMSG #AdmiralBulldog :Hi"), 1);
	CHECK_EQ_STR(S(ev.channel), "admiralbulldog");
	CHECK_EQ_STR(S(ev.user), "someuser");
	CHECK(!in_line(ev.channel) && !in_line(ev.user)); /* lowercased copies in the arena */
	CHECK_EQ_STR(S(ev.text), "Hi");
	/* only ASCII is lowercased */
	CHECK_EQ_INT(parse(":\xc3\x84X PRIVMSG #\xc3\x84Y :t"), 1);
	CHECK_EQ_STR(S(ev.user), "\xc3\x84x");
	CHECK_EQ_STR(S(ev.channel), "\xc3\x84y");
	/* the nick ends at '!' or '@'; no '!' means the whole prefix */
	CHECK_EQ_INT(parse(":nick@host PRIVMSG #c :t"), 1);
	CHECK_EQ_STR(S(ev.user), "nick");
	CHECK_EQ_INT(parse(":tmi.twitch.tv PRIVMSG #c :t"), 1);
	CHECK_EQ_STR(S(ev.user), "tmi.twitch.tv");
	CHECK_EQ_INT(parse(":Nick PRIVMSG #c :t"), 1);
	CHECK_EQ_STR(S(ev.user), "nick");
}

static void test_tags(void)
{
	fresh();
	CHECK_EQ_INT(
	    parse("@badge-info=subscriber/14;badges=subscriber/12,premium/1;color=#1E90FF;"
		  "display-name=Ronni;emotes=;flags=;id=b34ccfc7-4977-403a-8a94-33c6bac34fb8;mod=0;"
		  "room-id=1337;subscriber=1;tmi-sent-ts=1507246572675;turbo=1;user-id=1337;"
		  "user-type=global_mod :ronni!ronni@ronni.tmi.twitch.tv PRIVMSG #ronni :Kappa Keepo Kappa"),
	    1);
	CHECK_EQ_STR(S(ev.display_name), "Ronni");
	CHECK_EQ_STR(S(ev.id), "b34ccfc7-4977-403a-8a94-33c6bac34fb8");
	CHECK_EQ_STR(S(ev.user_id), "1337");
	CHECK_EQ_INT(ev.ts, 1507246572675LL);
	CHECK(ev.flags & WEIR_EV_HAS_TS);
	CHECK_EQ_INT(ev.nitems, 2);
	if (ev.nitems == 2) {
		CHECK_EQ_STR(S(ev.items[0]), "subscriber/12");
		CHECK_EQ_STR(S(ev.items[1]), "premium/1");
	}
	CHECK(in_line(ev.display_name) && in_line(ev.id) && in_line(ev.user_id) && in_line(ev.items[0]));
	CHECK_EQ_STR(S(ev.text), "Kappa Keepo Kappa");
	CHECK_EQ_STR(S(ev.user), "ronni");

	/* the display name may differ from the login (another script) */
	CHECK_EQ_INT(parse("@display-name=\xe9\x98\xbf\xe6\x98\x8e :aming!aming@h PRIVMSG #c :x"), 1);
	CHECK_EQ_STR(S(ev.user), "aming");
	CHECK_EQ_STR(S(ev.display_name), "\xe9\x98\xbf\xe6\x98\x8e");

	/* empty values and keys without '=' are absent; empty badges give no items */
	CHECK_EQ_INT(parse("@badges=;display-name=;id;user-id= :u PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(ev.nitems, 0);
	CHECK_EQ_STR(S(ev.display_name), "(absent)");
	CHECK_EQ_STR(S(ev.id), "(absent)");
	CHECK_EQ_STR(S(ev.user_id), "(absent)");
	CHECK_EQ_INT(parse("@badges=a/1,,b/2, :u PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(ev.nitems, 2);
	if (ev.nitems == 2)
		CHECK(!strcmp(S(ev.items[0]), "a/1") && !strcmp(S(ev.items[1]), "b/2"));
	CHECK_EQ_INT(parse("@badges=broadcaster/1 :u PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(ev.nitems, 1);
	/* the last of repeated tags wins; a lone '@' is an empty tag list */
	CHECK_EQ_INT(parse("@id=1;id=2 :u PRIVMSG #c :x"), 1);
	CHECK_EQ_STR(S(ev.id), "2");
	CHECK_EQ_INT(parse("@ :u PRIVMSG #c :x"), 1);
	CHECK_EQ_STR(S(ev.text), "x");
	/* look-alike keys are not ours */
	CHECK_EQ_INT(parse("@+id=x;idd=y;twitch.tv/id=z :u PRIVMSG #c :x"), 1);
	CHECK_EQ_STR(S(ev.id), "(absent)");
}

static void test_tag_escapes(void)
{
	fresh();
	CHECK_EQ_INT(parse("@display-name=a\\sb\\:c\\\\d\\re\\nf\\xg\\ :u PRIVMSG #c :x"), 1);
	CHECK_EQ_STR(S(ev.display_name), "a b;c\\d\re\nfxg");
	CHECK(!in_line(ev.display_name));
	CHECK_EQ_INT(parse("@id=\\\\ :u PRIVMSG #c :x"), 1);
	CHECK_EQ_STR(S(ev.id), "\\");
	CHECK_EQ_INT(parse("@id=\\ :u PRIVMSG #c :x"), 1); /* only a lone backslash: empty */
	CHECK_EQ_STR(S(ev.id), "");
	CHECK_EQ_INT(parse("@badges=a\\s1,b\\:2 :u PRIVMSG #c :x"), 1); /* unescaped, then split */
	CHECK_EQ_INT(ev.nitems, 2);
	if (ev.nitems == 2)
		CHECK(!strcmp(S(ev.items[0]), "a 1") && !strcmp(S(ev.items[1]), "b;2"));
	/* an escaped semicolon does not end the tag */
	CHECK_EQ_INT(parse("@display-name=x\\:y;id=7 :u PRIVMSG #c :x"), 1);
	CHECK_EQ_STR(S(ev.display_name), "x;y");
	CHECK_EQ_STR(S(ev.id), "7");
}

static void test_time_rules(void)
{
	fresh();
	/* no prefix seen yet: the receive time, not from the data */
	CHECK_EQ_INT(parse(":u PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(ev.ts, RECV);
	CHECK(!(ev.flags & WEIR_EV_HAS_TS));
	/* tmi-sent-ts beats everything */
	CHECK_EQ_INT(parse("@tmi-sent-ts=1556614620123 :u PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(ev.ts, 1556614620123LL);
	CHECK(ev.flags & WEIR_EV_HAS_TS);
	CHECK_EQ_INT(parse("2019-04-30_08:56:59 ;;; @tmi-sent-ts=1556614620123 :u PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(ev.ts, 1556614620123LL);
	CHECK_EQ_INT(st.last_prefix_ms, T_0856); /* the prefix is still remembered */
	/* an invalid tmi-sent-ts falls back to the prefix */
	CHECK_EQ_INT(parse("2019-04-30_08:57:05 ;;; @tmi-sent-ts=12x4 :u PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(ev.ts, T_0856 + 6000);
	CHECK_EQ_INT(parse("@tmi-sent-ts=-5 :u PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(ev.ts, T_0856 + 6000);
	CHECK_EQ_INT(parse("@tmi-sent-ts=1234567890123456789 :u PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(ev.ts, T_0856 + 6000);
	CHECK_EQ_INT(parse("@tmi-sent-ts= :u PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(ev.ts, T_0856 + 6000);
	/* lines without a prefix inherit the last prefix, even across non-chat lines */
	fresh();
	CHECK_EQ_INT(parse("2019-04-30_08:56:59 ;;; :tmi.twitch.tv 001 me :Welcome, GLHF!\r"), 0);
	CHECK_EQ_INT(parse(":u!u@h PRIVMSG #c :x\r"), 1);
	CHECK_EQ_INT(ev.ts, T_0856);
	CHECK(ev.flags & WEIR_EV_HAS_TS);
	CHECK_EQ_INT(parse("2019-04-30_08:57:00 ;;; \r"), 0); /* a blank prefixed line counts too */
	CHECK_EQ_INT(parse(":u!u@h PRIVMSG #c :x\r"), 1);
	CHECK_EQ_INT(ev.ts, T_0856 + 1000);
	CHECK_EQ_INT(parse("2019-04-30_08:57:01 ;;; diff parser start"), -WEIR_R_IRC_MALFORMED);
	CHECK_EQ_INT(parse(":u!u@h PRIVMSG #c :x\r"), 1);
	CHECK_EQ_INT(ev.ts, T_0856 + 2000);
	/* the configured zone of the logger */
	fresh();
	st.tz_offset_ms = -2 * WEIR_MS_PER_HOUR; /* logger ran at UTC+2 */
	CHECK_EQ_INT(parse("2019-04-30_10:56:59 ;;; :u!u@h PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(ev.ts, T_0856);
	CHECK_EQ_INT(parse(":u!u@h PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(ev.ts, T_0856);
	/* prefixes before 1970 and at a leap day */
	fresh();
	CHECK_EQ_INT(parse("1969-12-31_23:59:59 ;;; :u PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(ev.ts, -1000);
	CHECK_EQ_INT(parse("2024-02-29_00:00:00 ;;; :u PRIVMSG #c :x"), 1);
	CHECK_EQ_INT(ev.ts, 1709164800000LL);
}

static void test_prefix_shape(void)
{
	fresh();
	/* not the exact shape: not a prefix, and then not IRC either */
	CHECK_EQ_INT(parse("2019-02-30_08:56:59 ;;; :u PRIVMSG #c :x"), -WEIR_R_IRC_MALFORMED);
	CHECK_EQ_INT(parse("2019-04-30_24:00:00 ;;; :u PRIVMSG #c :x"), -WEIR_R_IRC_MALFORMED);
	CHECK_EQ_INT(parse("2019-04-30 08:56:59 ;;; :u PRIVMSG #c :x"), -WEIR_R_IRC_MALFORMED);
	CHECK_EQ_INT(parse("2019-04-30_08:56:59 ;; :u PRIVMSG #c :x"), -WEIR_R_IRC_MALFORMED);
	CHECK_EQ_INT(parse("2019-04-30_08:56:59 ;;;:u PRIVMSG #c :x"), -WEIR_R_IRC_MALFORMED);
	CHECK_EQ_INT(parse("19-04-30_08:56:59 ;;; :u PRIVMSG #c :x"), -WEIR_R_IRC_MALFORMED);
	CHECK_EQ_INT(st.last_prefix_ms, WEIR_ABSENT);
	/* a prefix without its trailing space at the end of a line is still a prefix */
	CHECK_EQ_INT(parse("2019-04-30_08:56:59 ;;;"), 0);
	CHECK_EQ_INT(st.last_prefix_ms, T_0856);
	CHECK_EQ_INT(count_of("blank"), 1);
	/* two spaces after the prefix: the IRC part starts with a space */
	CHECK_EQ_INT(parse("2019-04-30_08:56:59 ;;;  :u PRIVMSG #c :x"), -WEIR_R_IRC_MALFORMED);
}

static void test_action(void)
{
	fresh();
	CHECK_EQ_INT(parse(":u PRIVMSG #c :\001ACTION waves hello\001"), 1);
	CHECK_EQ_STR(S(ev.text), "waves hello");
	CHECK(in_line(ev.text));
	CHECK_EQ_INT(parse(":u PRIVMSG #c :\001ACTION no closing byte\r"), 1);
	CHECK_EQ_STR(S(ev.text), "no closing byte");
	CHECK_EQ_INT(parse(":u PRIVMSG #c :\001ACTION\001"), 1);
	CHECK_EQ_STR(S(ev.text), "");
	CHECK_EQ_INT(parse(":u PRIVMSG #c :\001ACTION"), 1);
	CHECK_EQ_STR(S(ev.text), "");
	CHECK_EQ_INT(parse(":u PRIVMSG #c :\001ACTION  two spaces\001"), 1);
	CHECK_EQ_STR(S(ev.text), " two spaces");
	/* not an ACTION: kept as is */
	CHECK_EQ_INT(parse(":u PRIVMSG #c :\001ACTIONS x\001"), 1);
	CHECK_EQ_STR(S(ev.text), "\001ACTIONS x\001");
	CHECK_EQ_INT(parse(":u PRIVMSG #c :\001VERSION\001"), 1);
	CHECK_EQ_STR(S(ev.text), "\001VERSION\001");
	CHECK_EQ_INT(parse(":u PRIVMSG #c :ACTION x"), 1);
	CHECK_EQ_STR(S(ev.text), "ACTION x");
	CHECK_EQ_INT(parse(":u PRIVMSG #c :\001action x\001"), 1);
	CHECK_EQ_STR(S(ev.text), "\001action x\001");
}

static void test_no_channel(void)
{
	fresh();
	CHECK_EQ_INT(parse(":u!u@h PRIVMSG bob :hi"), -WEIR_R_IRC_NO_CHANNEL);
	CHECK_EQ_INT(parse(":u!u@h PRIVMSG # :hi"), -WEIR_R_IRC_NO_CHANNEL);
	CHECK_EQ_INT(parse(":u!u@h PRIVMSG &local :hi"), -WEIR_R_IRC_NO_CHANNEL);
	CHECK_EQ_INT(parse("2019-04-30_08:56:59 ;;; :jtv PRIVMSG me :You are banned"),
		     -WEIR_R_IRC_NO_CHANNEL);
	CHECK_EQ_INT(st.skipped_total, 0);
}

static void test_malformed(void)
{
	static const char *const bad[] = {
	    "hello world",
	    "diff parser start",
	    "$HOME=/Users/derek",
	    "CONFIGDIR=/Users/derek/.matplotlib",
	    "-> code[equal] old[1:1] new[1:1]",
	    "12 btw Pepega",
	    "1234 x",
	    "00A x",
	    "privmsg #c :lowercase command",
	    "Privmsg #c :mixed case command",
	    " :u PRIVMSG #c :leading space",
	    "\t:u PRIVMSG #c :leading tab",
	    ":",
	    ": PRIVMSG #c :empty prefix",
	    ":u",
	    ":u ",
	    "@id=1",
	    "@id=1 ",
	    "@id=1 :u",
	    ":u PRIVMSG",
	    ":u PRIVMSG ",
	    ":u PRIVMSG #c",
	    ":u PRIVMSG #c ",
	    ":u PRIVMSG :#c",
	    "PRIVMSG #c :no prefix, so no user",
	    ":!x@h PRIVMSG #c :empty nick",
	    ":u PRIVMSG\t#c :tab",
	    ":u JOIN\t#c",
	    "\001ACTION x",
	};
	fresh();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(bad[i]);
		if (r != -WEIR_R_IRC_MALFORMED)
			fprintf(stderr, "  expected malformed: \"%s\" -> %d\n", bad[i], r);
		CHECK_EQ_INT(r, -WEIR_R_IRC_MALFORMED);
	}
	CHECK_EQ_INT(st.skipped_total, 0);
	CHECK_EQ_INT(st.ncmds, 0);
}

static void test_skipped(void)
{
	static const char *const ok[] = {
	    ":tmi.twitch.tv 001 ticklebits :Welcome, GLHF!",
	    ":tmi.twitch.tv 002 ticklebits :Your host is tmi.twitch.tv",
	    ":tmi.twitch.tv 372 ticklebits :You are in a maze of twisty passages, all alike.",
	    ":ticklebits.tmi.twitch.tv 353 ticklebits = #admiralbulldog :ticklebits",
	    ":ticklebits!ticklebits@ticklebits.tmi.twitch.tv JOIN #admiralbulldog",
	    ":ronni!ronni@ronni.tmi.twitch.tv JOIN #dallas",
	    ":ronni!ronni@ronni.tmi.twitch.tv PART #dallas",
	    "PING :tmi.twitch.tv",
	    "PING",
	    ("@badge-info=;badges=staff/1;login=ronni;msg-id=resub;msg-param-cumulative-months=6;"
	     "system-msg=ronni\\shas\\ssubscribed\\sfor\\s6\\smonths!;tmi-sent-ts=1507246572675 "
	     ":tmi.twitch.tv USERNOTICE #dallas :Great stream -- keep it up!"),
	    ("@ban-duration=350;room-id=1337;target-user-id=1337;tmi-sent-ts=1642719320727 "
	     ":tmi.twitch.tv CLEARCHAT #dallas :ronni"),
	    "@emote-only=0;room-id=1337 :tmi.twitch.tv ROOMSTATE #dallas",
	    ":tmi.twitch.tv CAP * ACK :twitch.tv/tags",
	    "2019-04-30_08:56:59 ;;; :tmi.twitch.tv RECONNECT",
	};
	fresh();
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int r = parse(ok[i]);
		if (r != 0)
			fprintf(stderr, "  expected skipped: \"%s\" -> %d\n", ok[i], r);
		CHECK_EQ_INT(r, 0);
	}
	CHECK_EQ_INT(st.skipped_total, sizeof(ok) / sizeof(ok[0]));
	CHECK_EQ_INT(count_of("001"), 1);
	CHECK_EQ_INT(count_of("002"), 1);
	CHECK_EQ_INT(count_of("372"), 1);
	CHECK_EQ_INT(count_of("353"), 1);
	CHECK_EQ_INT(count_of("JOIN"), 2);
	CHECK_EQ_INT(count_of("PART"), 1);
	CHECK_EQ_INT(count_of("PING"), 2);
	CHECK_EQ_INT(count_of("USERNOTICE"), 1);
	CHECK_EQ_INT(count_of("CLEARCHAT"), 1);
	CHECK_EQ_INT(count_of("ROOMSTATE"), 1);
	CHECK_EQ_INT(count_of("CAP"), 1);
	CHECK_EQ_INT(count_of("RECONNECT"), 1);
	CHECK_EQ_INT(st.ncmds, 12);
	CHECK_EQ_INT(st.last_prefix_ms, T_0856);
}

static void test_blank_and_banners(void)
{
	fresh();
	CHECK_EQ_INT(parse(""), 0);
	CHECK_EQ_INT(parse("\r"), 0);
	CHECK_EQ_INT(parse("\r\n"), 0);
	CHECK_EQ_INT(parse("   "), 0);
	CHECK_EQ_INT(parse(" \t\v\f "), 0);
	CHECK_EQ_INT(parse("2019-04-30_08:56:59 ;;; "), 0);
	CHECK_EQ_INT(parse("2019-04-30_08:56:59 ;;; \r"), 0);
	CHECK_EQ_INT(parse("2019-04-30_08:56:59 ;;;    \t"), 0);
	CHECK_EQ_INT(count_of("blank"), 8);
	CHECK_EQ_INT(
	    parse("2019-04-30_08:56:59 ;;; START OF RECORDED CHAT MESSAGES FROM CHANNEL: ADMIRALBULLDOG"), 0);
	CHECK_EQ_INT(parse("2019-04-30_12:12:02 ;;; RECORDING INTERRUPTED BY USER\r"), 0);
	CHECK_EQ_INT(parse("2019-04-30_12:12:02 ;;; END OF RECORDED CHAT MESSAGES"), 0);
	CHECK_EQ_INT(parse("START OF RECORDED CHAT MESSAGES FROM CHANNEL: X"), 0);
	CHECK_EQ_INT(count_of("logger"), 4);
	CHECK_EQ_INT(st.skipped_total, 12);
	CHECK_EQ_INT(st.ncmds, 2);
	CHECK_EQ_INT(st.last_prefix_ms, T_0856 + (3 * 3600 + 15 * 60 + 3) * 1000LL); /* 12:12:02 */
	/* look-alikes are IRC commands, not banners */
	CHECK_EQ_INT(parse("START x"), 0);
	CHECK_EQ_INT(count_of("START"), 1);
}

/* Past WEIR_IRC_MAX_CMDS - 1 names, and for names too long to keep, counts go to "other". */
static void test_cmd_table(void)
{
	char line[64];
	uint64_t sum = 0;

	fresh();
	for (int i = 0; i < 40; i++) {
		snprintf(line, sizeof(line), ":s CMD%c%c x", 'A' + i / 26, 'A' + i % 26);
		CHECK_EQ_INT(parse(line), 0);
		CHECK_EQ_INT(parse(line), 0);
	}
	CHECK_EQ_INT(st.ncmds, WEIR_IRC_MAX_CMDS);
	CHECK_EQ_STR(st.cmds[WEIR_IRC_MAX_CMDS - 1].name, "other");
	CHECK_EQ_INT(count_of("CMDAA"), 2);
	CHECK_EQ_INT(count_of("other"), 2 * (40 - (WEIR_IRC_MAX_CMDS - 1)));
	CHECK_EQ_INT(parse(":s CMDAA"), 0);
	CHECK_EQ_INT(count_of("CMDAA"), 3);
	CHECK_EQ_INT(parse(""), 0);
	CHECK_EQ_INT(count_of("blank"), 0);
	CHECK_EQ_INT(count_of("other"), 2 * (40 - (WEIR_IRC_MAX_CMDS - 1)) + 1);
	for (uint32_t i = 0; i < st.ncmds; i++)
		sum += st.cmds[i].count;
	CHECK_EQ_INT(sum, st.skipped_total);
	CHECK_EQ_INT(sum, 82);

	fresh();
	CHECK_EQ_INT(parse(":s ABCDEFGHIJKLMNOPQRSTUVW x"), 0);	 /* 23 letters: kept */
	CHECK_EQ_INT(parse(":s ABCDEFGHIJKLMNOPQRSTUVWX x"), 0); /* 24: too long for the name */
	CHECK_EQ_INT(count_of("ABCDEFGHIJKLMNOPQRSTUVW"), 1);
	CHECK_EQ_INT(count_of("other"), 1);
	CHECK_EQ_INT(st.ncmds, 2);
}

/* Only n bytes are read: the line need not be NUL-terminated. */
static void test_length(void)
{
	static const char buf[] = ":u PRIVMSG #c :hello worldXXXX";
	fresh();
	CHECK_EQ_INT(weir_irc_parse(&st, buf, sizeof(buf) - 1 - 4, RECV, &arena, &ev), 1);
	CHECK_EQ_STR(S(ev.text), "hello world");
	CHECK_EQ_INT(weir_irc_parse(&st, buf, 10, RECV, &arena, &ev), -WEIR_R_IRC_MALFORMED);
	CHECK_EQ_INT(weir_irc_parse(&st, buf, 0, RECV, &arena, &ev), 0);
}

/*
 * The sample log: 57,566 lines. Counted independently with zcat and grep:
 * 28,844 PRIVMSG lines to #admiralbulldog (28,591 after a logger prefix,
 * 253 without one, later in the same network read), 28,595 blank lines,
 * 10 other IRC lines (001-004, 375, 372, 376, 353, 366, JOIN), 2 logger
 * banners, and 115 lines of a Python session's debug output appended three
 * days later (matplotlib, parso): not IRC, so dead letters.
 */
static void test_real_log(void)
{
	gzFile f = gzopen(LOG_PATH, "rb");
	if (!f) {
		fprintf(stderr, "  SKIP test_real_log: %s not found (run from the repo root)\n", LOG_PATH);
		return;
	}
	static char line[1 << 20];
	uint64_t lines = 0, chat = 0, skipped = 0, malformed = 0, no_channel = 0, actions = 0, untimed = 0;
	uint64_t bad_actions = 0, unordered = 0, not_utf8 = 0, other_channel = 0, long_lines = 0,
		 prefixed_chat = 0;
	int64_t last_ts = INT64_MIN, first_ts = 0, max_ts = 0;

	fresh();
	while (gzgets(f, line, sizeof(line))) {
		size_t n = strlen(line);
		if (n && line[n - 1] == '\n')
			n--;
		else if (!gzeof(f))
			long_lines++;
		lines++;
		weir_arena_reset(&arena);
		int r = weir_irc_parse(&st, line, n, RECV, &arena, &ev);
		if (r == 1) {
			chat++;
			prefixed_chat += line[4] == '-' && line[10] == '_';
			if (!(ev.flags & WEIR_EV_HAS_TS))
				untimed++;
			if (ev.ts < last_ts)
				unordered++;
			if (chat == 1)
				first_ts = ev.ts;
			last_ts = max_ts = ev.ts;
			if (!WEIR_STR_EQ_LIT(ev.channel, "admiralbulldog"))
				other_channel++;
			if (!weir_utf8_valid(ev.text.p, ev.text.n) || !weir_utf8_valid(ev.user.p, ev.user.n))
				not_utf8++;
			if (memmem(line, n, "\001ACTION ", 8)) {
				actions++;
				if (memchr(ev.text.p, '\x01', ev.text.n))
					bad_actions++;
			}
		} else if (r == 0) {
			skipped++;
		} else if (r == -WEIR_R_IRC_MALFORMED) {
			malformed++;
		} else if (r == -WEIR_R_IRC_NO_CHANNEL) {
			no_channel++;
		}
	}
	gzclose(f);

	CHECK_EQ_INT(long_lines, 0);
	CHECK_EQ_INT(lines, 57566);
	CHECK_EQ_INT(chat, 28844);
	CHECK_EQ_INT(prefixed_chat, 28591);
	CHECK_EQ_INT(actions, 93);
	CHECK_EQ_INT(bad_actions, 0);
	CHECK_EQ_INT(malformed, 115);
	CHECK_EQ_INT(no_channel, 0);
	CHECK_EQ_INT(skipped, 28595 + 10 + 2);
	CHECK_EQ_INT(chat + skipped + malformed + no_channel, lines);
	CHECK_EQ_INT(st.skipped_total, skipped);
	CHECK_EQ_INT(count_of("blank"), 28595);
	CHECK_EQ_INT(count_of("logger"), 2);
	CHECK_EQ_INT(count_of("JOIN"), 1);
	static const char *const numerics[] = {"001", "002", "003", "004", "375", "372", "376", "353", "366"};
	for (size_t i = 0; i < sizeof(numerics) / sizeof(numerics[0]); i++)
		CHECK_EQ_INT(count_of(numerics[i]), 1);
	CHECK_EQ_INT(st.ncmds, 12);
	CHECK_EQ_INT(untimed, 0);
	CHECK_EQ_INT(unordered, 0);
	CHECK_EQ_INT(other_channel, 0);
	CHECK_EQ_INT(not_utf8, 0);
	CHECK_EQ_INT(first_ts, T_0856);
	CHECK_EQ_INT(max_ts, 1556626264000LL); /* 2019-04-30T12:11:04Z */
	/* the Python output at the end carries a later prefix */
	CHECK_EQ_INT(st.last_prefix_ms, 1556873137000LL); /* 2019-05-03T08:45:37Z */

	fprintf(stderr, "  real log: %llu lines, %llu chat (%llu prefixed), %llu skipped, %llu malformed\n",
		(unsigned long long)lines, (unsigned long long)chat, (unsigned long long)prefixed_chat,
		(unsigned long long)skipped, (unsigned long long)malformed);
	for (uint32_t i = 0; i < st.ncmds; i++)
		fprintf(stderr, "    %-8s %llu\n", st.cmds[i].name, (unsigned long long)st.cmds[i].count);
}

int main(void)
{
	weir_arena_init(&arena, 4096);
	TEST(test_privmsg);
	TEST(test_case);
	TEST(test_tags);
	TEST(test_tag_escapes);
	TEST(test_time_rules);
	TEST(test_prefix_shape);
	TEST(test_action);
	TEST(test_no_channel);
	TEST(test_malformed);
	TEST(test_skipped);
	TEST(test_blank_and_banners);
	TEST(test_cmd_table);
	TEST(test_length);
	TEST(test_real_log);
	weir_arena_free(&arena);
	T_END();
}
