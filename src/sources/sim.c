/*
 * sim.c — the event simulator (include/weir/sim.h): `weir sim`, `weir demo`
 * and the benchmarks read their input from here.
 *
 * A world is built once from the options and the seed: streamers (Twitch
 * channels, with YouTube and Twitter accounts), games, users and the
 * audience of each channel, a vocabulary of chat words and emotes. Then a
 * small discrete-event loop writes lines in event-time order:
 *
 *   chat       one stream of messages; historical runs place exactly N of them
 *              over the span by inverting the cumulative chat intensity (which
 *              follows the live channels and a daily cycle), live runs
 *              (rate > 0) space them by exponential gaps. Channels are drawn
 *              from a Fenwick tree of weights (live channels weigh ~50x more),
 *              users from each channel's audience (alias table, Zipf), words
 *              from a Zipf vocabulary (alias table).
 *   timers     a binary heap of per-channel stream timers (session start,
 *              samples every 1-5 min, end), chatters snapshots every 5 min,
 *              per-account followers snapshots, and the post (tweet) process.
 *   delayed    a heap of lines held back: late arrivals, duplicates and
 *              malformed lines, due after their event time.
 *
 * Streams are a pure function of (seed, channel, day): whether a channel
 * streams that day, when, for how long, which game. So a channel's liveness
 * at any time is known without running the simulation, which lets the
 * historical chat intensity be integrated up front and lets the generator
 * know, before it writes a line, that it will write it (weir_sim_peek()).
 *
 * Every kind and the imperfections draw from their own PRNG stream, so the
 * chat of `--kinds chat` is the chat of all kinds, and switching duplicates
 * off changes nothing else. Lines are formatted by hand into the caller's
 * buffer (no printf, no allocation per line): the per-user and per-channel
 * JSON and IRC fragments are prebuilt and the formatted second is cached.
 * docs/sim.md describes the data.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "weir/sim.h"

#define MIN_MS WEIR_MS_PER_MIN
#define HOUR_MS WEIR_MS_PER_HOUR
#define DAY_MS WEIR_MS_PER_DAY

#define MAX_LOGIN 25	   /* Twitch logins are 4-25 of [a-z0-9_] */
#define CHAT_TEXT_MAX 1100 /* bytes of chat text, escaped */
#define POST_TEXT_MAX 1400
#define RING_TEXT 400 /* longest message kept for spam repeats and replies */
#define RING_N 64
#define POST_RING_N 512
#define LINE_BASE 8192 /* bound of every line but chatters */

/* ------------------------------------------------------------------ PRNG */

/* xoshiro256** (Blackman, Vigna), seeded by splitmix64. */
struct rng {
	uint64_t s[4];
};

static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = mix64(seed) ^ mix64(stream * 0x2545f4914f6cdd1dULL + 7);
	for (int i = 0; i < 4; i++) {
		x = mix64(x + (uint64_t)i);
		r->s[i] = x;
	}
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rnext(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform in [0, 1). */
static inline double runif(struct rng *r)
{
	return (double)(rnext(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n). */
static inline uint32_t rbelow(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rnext(r) >> 32) * n) >> 32);
}

/* Uniform in [a, b]. */
static inline int64_t rrange(struct rng *r, int64_t a, int64_t b)
{
	return a + (int64_t)(runif(r) * (double)(b - a + 1));
}

static double rgauss(struct rng *r)
{
	double u = runif(r), v = runif(r);
	return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/* A stateless uniform [0, 1) from a hash. */
static inline double hunif(uint64_t h)
{
	return (double)(mix64(h) >> 11) * 0x1.0p-53;
}

/* ------------------------------------------------------------ sampling */

/* Walker/Vose alias table: O(1) draws from a fixed discrete distribution. */
struct alias {
	uint32_t n;
	uint32_t *prob; /* threshold in 2^-32 units */
	uint32_t *alias;
};

static int alias_build(struct alias *a, const double *w, uint32_t n)
{
	a->n = n;
	a->prob = malloc(sizeof(uint32_t) * (n ? n : 1));
	a->alias = malloc(sizeof(uint32_t) * (n ? n : 1));
	double *p = malloc(sizeof(double) * (n ? n : 1));
	uint32_t *small = malloc(sizeof(uint32_t) * (n ? n : 1)),
		 *large = malloc(sizeof(uint32_t) * (n ? n : 1));
	if (!a->prob || !a->alias || !p || !small || !large) {
		free(p);
		free(small);
		free(large);
		return WEIR_ENOMEM;
	}
	double sum = 0;
	for (uint32_t i = 0; i < n; i++)
		sum += w[i];
	uint32_t ns = 0, nl = 0;
	for (uint32_t i = 0; i < n; i++) {
		p[i] = sum > 0 ? w[i] * n / sum : 1.0;
		if (p[i] < 1.0)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns && nl) {
		uint32_t sm = small[--ns], lg = large[nl - 1];
		a->prob[sm] = (uint32_t)(p[sm] * 4294967296.0);
		a->alias[sm] = lg;
		p[lg] = (p[lg] + p[sm]) - 1.0;
		if (p[lg] < 1.0) {
			nl--;
			small[ns++] = lg;
		}
	}
	while (nl) {
		uint32_t i = large[--nl];
		a->prob[i] = 0xffffffffu;
		a->alias[i] = i;
	}
	while (ns) {
		uint32_t i = small[--ns];
		a->prob[i] = 0xffffffffu;
		a->alias[i] = i;
	}
	free(p);
	free(small);
	free(large);
	return 0;
}

static inline uint32_t alias_draw(const uint32_t *prob, const uint32_t *al, uint32_t n, struct rng *r)
{
	uint64_t u = rnext(r);
	uint32_t i = (uint32_t)(((u >> 32) * n) >> 32);
	return (uint32_t)u < prob[i] ? i : al[i];
}

static inline uint32_t alias_sample(const struct alias *a, struct rng *r)
{
	return alias_draw(a->prob, a->alias, a->n, r);
}

static void alias_free(struct alias *a)
{
	free(a->prob);
	free(a->alias);
	a->prob = a->alias = NULL;
}

/* Zipf weights 1/(i+1)^s. */
static void zipf_weights(double *w, uint32_t n, double s)
{
	for (uint32_t i = 0; i < n; i++)
		w[i] = pow((double)i + 1.0, -s);
}

/* --------------------------------------------------------- formatting */

#define PUT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) += sizeof(lit) - 1)

static inline char *put_mem(char *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

static char *put_u64(char *p, uint64_t v)
{
	char t[20];
	int n = 0;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = t[--n];
	return p;
}

static char *put_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return put_u64(p, 0 - (uint64_t)v);
	}
	return put_u64(p, (uint64_t)v);
}

static const char hexd[] = "0123456789abcdef";

/* A uuid-like id (version 4 layout) from two 64-bit words. */
static char *put_uuid(char *p, uint64_t a, uint64_t b)
{
	uint8_t x[16];
	for (int i = 0; i < 8; i++) {
		x[i] = (uint8_t)(a >> (8 * i));
		x[8 + i] = (uint8_t)(b >> (8 * i));
	}
	x[6] = (uint8_t)((x[6] & 0x0f) | 0x40);
	x[8] = (uint8_t)((x[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hexd[x[i] >> 4];
		*p++ = hexd[x[i] & 15];
	}
	return p;
}

/* JSON string body of s[0..n): quotes, backslashes and control bytes escaped. */
static char *put_json(char *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20) {
			*p++ = '\\';
			if (c == '\n')
				*p++ = 'n';
			else if (c == '\t')
				*p++ = 't';
			else if (c == '\r')
				*p++ = 'r';
			else {
				PUT(p, "u00");
				*p++ = hexd[c >> 4];
				*p++ = hexd[c & 15];
			}
		} else {
			*p++ = (char)c;
		}
	}
	return p;
}

static char *put_jstr(char *p, const char *s)
{
	*p++ = '"';
	p = put_json(p, s, strlen(s));
	*p++ = '"';
	return p;
}

/* IRCv3 tag value escaping: ';' '\:', ' ' '\s', '\' '\\', CR '\r', LF '\n'. */
static char *put_tagval(char *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case ';':
			PUT(p, "\\:");
			break;
		case ' ':
			PUT(p, "\\s");
			break;
		case '\\':
			PUT(p, "\\\\");
			break;
		case '\r':
			PUT(p, "\\r");
			break;
		case '\n':
			PUT(p, "\\n");
			break;
		default:
			*p++ = s[i];
		}
	}
	return p;
}

/* "YYYY-MM-DDTHH:MM:SS" of a second (UTC). */
static void fmt_second(int64_t sec, char out[19])
{
	int64_t days = sec / 86400, rem = sec % 86400, y;
	unsigned m, d;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	weir_civil_from_days(days, &y, &m, &d);
	int hh = (int)(rem / 3600), mm = (int)(rem / 60 % 60), ss = (int)(rem % 60);
	out[0] = (char)('0' + y / 1000 % 10);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = 'T';
	out[11] = (char)('0' + hh / 10);
	out[12] = (char)('0' + hh % 10);
	out[13] = ':';
	out[14] = (char)('0' + mm / 10);
	out[15] = (char)('0' + mm % 10);
	out[16] = ':';
	out[17] = (char)('0' + ss / 10);
	out[18] = (char)('0' + ss % 10);
}

/* Growable byte pool: the world's strings, addressed by offset while it grows. */
struct pool {
	char *p;
	size_t n, cap;
};

static int pool_reserve(struct pool *b, size_t more)
{
	if (b->n + more <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 1 << 16;
	while (cap < b->n + more)
		cap *= 2;
	char *np = realloc(b->p, cap);
	if (!np)
		return WEIR_ENOMEM;
	b->p = np;
	b->cap = cap;
	return 0;
}

/* Appends bytes; returns their offset, or UINT32_MAX when out of memory. */
static uint32_t pool_add(struct pool *b, const char *s, size_t n)
{
	if (pool_reserve(b, n + 1) != 0)
		return UINT32_MAX;
	uint32_t off = (uint32_t)b->n;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
	b->n++;
	return off;
}

/* ---------------------------------------------------------- static data */

enum { L_EN, L_ES, L_PT, L_DE, L_FR, L_RU, L_JA, L_KO, L_IT, L_PL, L_TR, NLANG };

static const char *const lang_code[NLANG] = {"en", "es", "pt", "de", "fr", "ru",
					     "ja", "ko", "it", "pl", "tr"};
/* Share of channels per language, and the UTC hour their streams center on. */
static const double lang_share[NLANG] = {50, 10, 8, 7, 6, 7, 5, 3, 2, 1, 1};
static const double lang_hour[NLANG] = {19.5, 23.0, 22.0, 17.5, 18.5, 16.0, 11.0, 10.5, 18.5, 17.5, 17.0};

/* The ~100 emotes of Twitch, BTTV, FFZ and 7TV that fill real chat, most used first. */
static const char *const emotes[] = {
    "KEKW",
    "LUL",
    "OMEGALUL",
    "Kappa",
    "PogChamp",
    "Pog",
    "LULW",
    "monkaS",
    "Pepega",
    "PepeLaugh",
    "gachiHYPER",
    "Sadge",
    "WutFace",
    "AYAYA",
    "PogU",
    "KEKL",
    "Clap",
    "EZ",
    "4Head",
    "ICANT",
    "Kreygasm",
    "POGGERS",
    "gachiBASS",
    "PepeHands",
    "FeelsBadMan",
    "FeelsGoodMan",
    "monkaW",
    "COPIUM",
    "ResidentSleeper",
    "Jebaited",
    "TriHard",
    "BibleThump",
    "NotLikeThis",
    "DansGame",
    "catJAM",
    "pepeD",
    "gachiGASM",
    "5Head",
    "WeirdChamp",
    "Aware",
    "Clueless",
    "Stare",
    "HeyGuys",
    "SeemsGood",
    "cmonBruh",
    "BabyRage",
    "SwiftRage",
    "VoHiYo",
    "CoolStoryBob",
    "KappaPride",
    "Keepo",
    "4HEad",
    "3Head",
    "monkaHmm",
    "FeelsStrongMan",
    "FeelsOkayMan",
    "PauseChamp",
    "HYPERS",
    "peepoHappy",
    "peepoSad",
    "peepoClap",
    "widepeepoHappy",
    "PepoDance",
    "pepeJAM",
    "ppOverheat",
    "HOPIUM",
    "Deadge",
    "Okayge",
    "Bedge",
    "GIGACHAD",
    "Pepege",
    "ClapHD",
    "Krappa",
    "pepeBASS",
    "AYAYAUP",
    "MrDestructoid",
    "PJSalt",
    "SMOrc",
    "CoolCat",
    "Kippa",
    "BloodTrail",
    "OpieOP",
    "EleGiggle",
    "FailFish",
    "KomodoHype",
    "TwitchUnity",
    "PopCorn",
    "GlitchCat",
    "BOP",
    "SourPls",
    "ricardoFlick",
    "HotPokket",
    "PunOko",
    "TehePelo",
    "Kapp",
    "o7",
    "<3",
    ":)",
    ":D",
    "xD",
    "D:",
    "\\o/",
    "widepeepoSad",
    "peepoGiggles",
    "modCheck",
    "Susge",
};
#define NEMOTES (sizeof(emotes) / sizeof(emotes[0]))

/* Common chat words, roughly by frequency. */
static const char *const chat_words[] = {
    "lol",	   "the",	 "i",	    "you",
    "is",	   "it",	 "a",	    "this",
    "that",	   "no",	 "to",	    "what",
    "chat",	   "he",	 "and",	    "so",
    "gg",	   "why",	 "bro",	    "yes",
    "is",	   "my",	 "of",	    "in",
    "me",	   "not",	 "just",    "like",
    "are",	   "do",	 "lmao",    "omg",
    "wtf",	   "he's",	 "can't",   "don't",
    "it's",	   "that's",	 "i'm",	    "we",
    "they",	   "was",	 "be",	    "have",
    "go",	   "good",	 "bad",	    "nice",
    "wow",	   "haha",	 "xd",	    "yeah",
    "yep",	   "nope",	 "ok",	    "okay",
    "true",	   "real",	 "based",   "cringe",
    "actually",	   "literally",	 "dude",    "man",
    "bruh",	   "fr",	 "ngl",	    "tbh",
    "imo",	   "idk",	 "pls",	    "please",
    "stop",	   "streamer",	 "stream",  "mods",
    "ban",	   "sub",	 "prime",   "clip",
    "rip",	   "F",		 "W",	    "L",
    "ratio",	   "insane",	 "crazy",   "clean",
    "throw",	   "throwing",	 "int",	    "noob",
    "pro",	   "team",	 "enemy",   "kill",
    "dead",	   "win",	 "lose",    "lost",
    "won",	   "round",	 "map",	    "boss",
    "level",	   "item",	 "build",   "meta",
    "patch",	   "nerf",	 "buff",    "op",
    "broken",	   "cheater",	 "lag",	    "ping",
    "fps",	   "chair",	 "music",   "song",
    "volume",	   "mic",	 "cam",	    "eat",
    "food",	   "pizza",	 "sleep",   "tired",
    "today",	   "night",	 "morning", "time",
    "again",	   "first",	 "last",    "next",
    "more",	   "best",	 "worst",   "ever",
    "never",	   "always",	 "still",   "already",
    "only",	   "really",	 "very",    "much",
    "all",	   "every",	 "one",	    "two",
    "three",	   "for",	 "with",    "on",
    "at",	   "but",	 "or",	    "if",
    "when",	   "how",	 "who",	    "where",
    "can",	   "will",	 "would",   "should",
    "could",	   "did",	 "does",    "get",
    "got",	   "see",	 "look",    "watch",
    "play",	   "playing",	 "game",    "games",
    "guy",	   "guys",	 "people",  "everyone",
    "nobody",	   "here",	 "there",   "now",
    "then",	   "back",	 "up",	    "down",
    "out",	   "over",	 "right",   "left",
    "wait",	   "what's",	 "huh",	    "hmm",
    "uh",	   "ah",	 "oh",	    "hello",
    "hi",	   "hey",	 "bye",	    "gn",
    "gm",	   "ty",	 "thx",	    "thanks",
    "welcome",	   "love",	 "hate",    "think",
    "know",	   "want",	 "need",    "said",
    "say",	   "says",	 "mean",    "believe",
    "trust",	   "feel",	 "feels",   "hype",
    "poggers",	   "kekw",	 "lul",	    "ez",
    "easy",	   "hard",	 "close",   "almost",
    "bet",	   "cap",	 "no cap",  "sus",
    "mid",	   "goat",	 "king",    "legend",
    "clutch",	   "ace",	 "carry",   "diff",
    "jungle",	   "mid",	 "top",	    "bot",
    "support",	   "tank",	 "heal",    "healer",
    "dps",	   "ult",	 "q",	    "r",
    "flash",	   "tp",	 "gank",    "push",
    "rush",	   "b",		 "a",	    "site",
    "smoke",	   "flank",	 "peek",    "one tap",
    "headshot",	   "spray",	 "aim",	    "luck",
    "lucky",	   "unlucky",	 "skill",   "issue",
    "content",	   "moment",	 "classic", "average",
    "typical",	   "streamer",	 "andy",    "chatting",
    "offline",	   "online",	 "live",    "raid",
    "follow",	   "followed",	 "gifted",  "bits",
    "donation",	   "tts",	 "vod",	    "highlight",
    "ad",	   "ads",	 "break",   "brb",
    "afk",	   "gl",	 "hf",	    "glhf",
    "wp",	   "ggwp",	 "ff",	    "15",
    "1",	   "2",		 "3",	    "5",
    "10",	   "100",	 "1000",    "69",
    "420",	   "?",		 "??",	    "???",
    "!",	   "!!",	 "...",	    "+1",
    "+2",	   "-1",	 "-2",	    "x",
    "xx",	   "lmfao",	 "rofl",    "kek",
    "pepe",	   "monka",	 "sadge",   "copium",
    "aware",	   "o7",	 "w",	    "l",
    "dog",	   "cat",	 "water",   "coffee",
    "energy",	   "drink",	 "hydrate", "stretch",
    "posture",	   "check",	 "chat's",  "mods",
    "vip",	   "discord",	 "youtube", "twitter",
    "tiktok",	   "update",	 "server",  "queue",
    "ranked",	   "elo",	 "mmr",	    "rank",
    "grind",	   "tournament", "finals",  "match",
    "series",	   "score",	 "points",  "gold",
    "xp",	   "loot",	 "drop",    "drops",
    "chest",	   "sword",	 "gun",	    "shotgun",
    "sniper",	   "rifle",	 "ammo",    "armor",
    "shield",	   "\"based\"",	 "\"pro\"", "ok\\",
    "wait...",	   "what?!",	 "no way",  "let's go",
    "LETS GO",	   "ayo",	 "bro's",   "he's cooked",
    "cooked",	   "washed",	 "goated",  "built different",
    "skill issue",
};
#define NCHAT_WORDS (sizeof(chat_words) / sizeof(chat_words[0]))

/* Words of the other languages' chat, and emoji. */
static const char *const w_es[] = {
    "jajaja", "jajajaja", "qué",    "sí",    "hola", "bueno", "está", "vamos", "gracias", "increíble",
    "crack",  "buenas",	  "noches", "amigo", "que",  "es",    "muy",  "pero",  "no",	  "el",
    "la",     "de",	  "y",	    "en",    "mira", "dale",  "tío",  "wey",   "xd",	  "ánimo"};
static const char *const w_pt[] = {"kkkkk", "kkkk", "kkkkkkkk", "obrigado", "não",   "é",      "você", "tá",
				   "mano",  "boa",  "nossa",	"caraca",   "muito", "valeu",  "que",  "isso",
				   "aí",    "cara", "demais",	"bom",	    "dia",   "galera", "o",    "a",
				   "de",    "sim",  "ele",	"vai",	    "ué"};
static const char *const w_de[] = {"hallo", "ja",    "nein",  "gut",   "schön",	 "müde",  "größte",
				   "danke", "geil",  "digga", "alter", "was",	 "ist",	  "mal",
				   "das",   "der",   "die",   "und",   "nicht",	 "oder",  "läuft",
				   "heute", "genau", "krass", "moin",  "servus", "bitte", "tschüss"};
static const char *const w_fr[] = {"salut",  "ouais", "été",  "très",  "merci", "trop", "bien",
				   "c'est",  "mdr",   "ptdr", "genre", "grave", "le",	"la",
				   "les",    "et",    "de",   "pas",   "oui",	"non",	"bonne",
				   "soirée", "ça",    "va",   "quoi",  "frère", "déjà", "là"};
static const char *const w_ru[] = {
    "привет", "да",    "нет",	  "ахахах", "ахаха", "кек",   "бро",	 "что",	    "это",  "как",
    "лол",    "жесть", "красава", "го",	    "ну",    "ладно", "спасибо", "стример", "игра", "ты",
    "я",      "мы",    "он",	  "хорошо", "плохо", "имба",  "изи",	 "чат",	    "пока", "пацаны",
    "топ",    "ору",   "норм",	  "блин",   "кто",   "где",   "сейчас",	 "очень"};
static const char *const w_ja[] = {
    "草",     "すごい", "かわいい", "おはよう", "こんにちは", "ありがとう", "ナイス", "www", "wwww",
    "うまい", "やばい", "えぇ",	    "おつ",	"がんばれ",   "きた",	    "神",     "888", "初見です",
    "わかる", "ほんと", "笑",	    "えっ",	"こんばんは", "おやすみ",   "GG"};
static const char *const w_ko[] = {"ㅋㅋㅋ",	 "ㅋㅋㅋㅋㅋ", "ㅋㅋ", "안녕하세요", "대박", "와", "진짜",
				   "감사합니다", "ㅠㅠ",       "헐",   "굿",	     "ㄷㄷ", "오", "네",
				   "아니",	 "왜",	       "그냥", "개웃기네",   "ㅎㅎ"};
static const char *const w_it[] = {"ciao",  "grazie", "bello", "dai", "ragazzi", "perché",
				   "sì",    "no",     "che",   "è",   "molto",	 "bravo",
				   "mamma", "mia",    "raga",  "boh", "tipo",	 "comunque"};
static const char *const w_pl[] = {"cześć",  "dzięki", "jest", "nie",	"tak",	 "super",
				   "dobra",  "co",     "jak",  "siema", "elo",	 "mordo",
				   "gościu", "już",    "żart", "też",	"bardzo"};
static const char *const w_tr[] = {"merhaba",	  "evet",  "hayır", "güzel", "abi", "çok",
				   "teşekkürler", "kanka", "aynen", "olm",   "ne",  "bu",
				   "ya",	  "şaka",  "helal", "iyi",   "yok"};
static const char *const w_emoji[] = {"😂", "🔥",	   "❤️", "👀",    "😭", "💀", "🤣", "👍",
				      "🙏", "😎",	   "🥲",   "🤡", "💯", "🐐", "😳",    "🎉",
				      "👋", "🤔", "😡",	     "🥶", "✨", "😴", "🫡", "🤝"};

struct wlist {
	const char *const *w;
	uint32_t n;
};
#define WL(a)                                                                                                \
	{                                                                                                    \
		a, sizeof(a) / sizeof(a[0])                                                                  \
	}
static const struct wlist lang_words[NLANG] = {
    {NULL, 0}, WL(w_es), WL(w_pt), WL(w_de), WL(w_fr), WL(w_ru),
    WL(w_ja),  WL(w_ko), WL(w_it), WL(w_pl), WL(w_tr),
};

/* Syllables of the made-up long tail of the vocabulary. */
static const char *const onsets[] = {"b",  "br", "ch", "d", "dr", "f",	"fl", "g", "gr", "h",  "j",  "k",
				     "kr", "l",	 "m",  "n", "p",  "pl", "pr", "r", "s",	 "sh", "sk", "sl",
				     "st", "t",	 "tr", "v", "w",  "z",	"",   "",  "th", "bl", "cl"};
static const char *const vowels[] = {"a", "e", "i", "o", "u", "ai", "ea", "oo", "ou", "y", "a", "e", "o"};
static const char *const codas[] = {"",	  "",	"",  "n", "r",	"s",  "t", "k",
				    "ng", "ll", "x", "m", "st", "ck", "d"};

/* Games with genre and console (the "games" reference table). */
static const struct game {
	const char *name, *genre, *console;
	double pop;
} games[] = {
    {"Just Chatting", "IRL", "n/a", 30},
    {"League of Legends", "MOBA", "PC", 14},
    {"Grand Theft Auto V", "Action-adventure", "Multi-platform", 12},
    {"Counter-Strike 2", "FPS", "PC", 11},
    {"Valorant", "FPS", "PC", 10},
    {"Dota 2", "MOBA", "PC", 8},
    {"Fortnite", "Battle Royale", "Multi-platform", 8},
    {"Minecraft", "Sandbox", "Multi-platform", 7},
    {"Apex Legends", "Battle Royale", "Multi-platform", 6},
    {"Call of Duty: Warzone", "Battle Royale", "Multi-platform", 6},
    {"World of Warcraft", "MMORPG", "PC", 5},
    {"Overwatch 2", "FPS", "Multi-platform", 4},
    {"Elden Ring", "Action RPG", "Multi-platform", 4},
    {"Hearthstone", "Card game", "PC", 3},
    {"Teamfight Tactics", "Auto battler", "PC", 3},
    {"Rocket League", "Sports", "Multi-platform", 3},
    {"EA Sports FC 25", "Sports", "PlayStation 5", 4},
    {"Dead by Daylight", "Horror", "Multi-platform", 3},
    {"Rust", "Survival", "PC", 4},
    {"Escape from Tarkov", "FPS", "PC", 3},
    {"Path of Exile 2", "Action RPG", "PC", 4},
    {"Baldur's Gate 3", "RPG", "PC", 3},
    {"The Legend of Zelda: Tears of the Kingdom", "Action-adventure", "Nintendo Switch", 2},
    {"Super Mario Bros. Wonder", "Platformer", "Nintendo Switch", 1},
    {"Pokémon Scarlet and Violet", "RPG", "Nintendo Switch", 2},
    {"Street Fighter 6", "Fighting", "Multi-platform", 2},
    {"Tekken 8", "Fighting", "PlayStation 5", 2},
    {"Super Smash Bros. Ultimate", "Fighting", "Nintendo Switch", 2},
    {"Genshin Impact", "Action RPG", "Mobile", 3},
    {"Honkai: Star Rail", "RPG", "Mobile", 2},
    {"PUBG: Battlegrounds", "Battle Royale", "PC", 3},
    {"Rainbow Six Siege", "FPS", "Multi-platform", 2},
    {"Destiny 2", "FPS", "Multi-platform", 2},
    {"Lethal Company", "Horror", "PC", 2},
    {"Phasmophobia", "Horror", "PC", 1},
    {"Old School RuneScape", "MMORPG", "PC", 2},
    {"Final Fantasy XIV Online", "MMORPG", "Multi-platform", 2},
    {"Diablo IV", "Action RPG", "Multi-platform", 2},
    {"StarCraft II", "Strategy", "PC", 1},
    {"Age of Empires II: Definitive Edition", "Strategy", "PC", 1},
    {"Chess", "Board game", "PC", 2},
    {"Music", "Creative", "n/a", 2},
    {"Art", "Creative", "n/a", 1},
    {"Software and Game Development", "Creative", "PC", 1},
    {"Sports", "IRL", "n/a", 1},
    {"Hollow Knight: Silksong", "Metroidvania", "Multi-platform", 2},
    {"Helldivers 2", "Shooter", "PlayStation 5", 2},
    {"Palworld", "Survival", "Xbox Series X|S", 1},
    {"Warhammer 40,000: Darktide", "Shooter", "PC", 1},
    {"Marvel Rivals", "Hero shooter", "Multi-platform", 4},
    {"Forza Horizon 5", "Racing", "Xbox Series X|S", 1},
    {"Mario Kart 8 Deluxe", "Racing", "Nintendo Switch", 1},
    {"Stardew Valley", "Simulation", "Multi-platform", 1},
    {"The Sims 4", "Simulation", "PC", 1},
    {"Red Dead Redemption 2", "Action-adventure", "PlayStation 5", 1},
};
#define NGAMES (sizeof(games) / sizeof(games[0]))

/* Stream titles: %g the game, %n a number. */
static const char *const titles_en[] = {
    "%g ranked grind | !socials", "chill %g stream, come hang",
    "!drops ON - %g all day",	  "day %n of %g until I hit top 500",
    "NEW PATCH %g 🔥 !discord",	  "first time playing %g",
    "\"no thoughts\" %g stream",  "%g with viewers | !join",
    "subathon ⏰ %g | !goal",	  "road to %n wins | %g",
    "%g then Just Chatting",	  "TOURNAMENT PRACTICE %g !schedule",
};
static const char *const titles_lang[NLANG] = {
    NULL,
    "[ES] %g con la comunidad | !redes",
    "[BR] %g com a galera | !insta",
    "[DE] %g mit euch | !youtube",
    "[FR] %g tranquille ce soir | !discord",
    "[RU] стрим %g | !тг",
    "【%g】まったり配信 #%n",
    "[KR] %g 방송 #%n",
    "[IT] %g con voi | !social",
    "[PL] %g z wami | !dc",
    "[TR] %g yayını | !discord",
};

/* Twitter: hashtags (some spike for an hour or three), cities by language. */
static const char *const hashtags[] = {
    "gaming",
    "Twitch",
    "TwitchStreamers",
    "Dota2",
    "Valorant",
    "LeagueOfLegends",
    "Fortnite",
    "Minecraft",
    "GTA6",
    "esports",
    "SmallStreamer",
    "giveaway",
    "NowPlaying",
    "PS5",
    "XboxSeriesX",
    "NintendoSwitch",
    "indiedev",
    "gamedev",
    "speedrun",
    "cosplay",
    "PCGaming",
    "EldenRing",
    "Worlds2026",
    "TheGameAwards",
    "TwitchCon",
    "fyp",
    "ゲーム",
    "игры",
    "GamingNews",
    "BlackFriday",
    "SteamAutumnSale",
    "CS2",
};
#define NTAGS (sizeof(hashtags) / sizeof(hashtags[0]))

static const char *const c_en[] = {"New York, NY",    "Los Angeles, CA",     "Chicago, IL",
				   "Austin, TX",      "Seattle, WA",	     "Toronto, Ontario",
				   "London, England", "Manchester, England", "Sydney, Australia",
				   "Dublin, Ireland", "Atlanta, GA",	     "Vancouver, BC"};
static const char *const c_es[] = {
    "Madrid, España",	"Barcelona",	   "Ciudad de México", "Buenos Aires, Argentina",
    "Bogotá, Colombia", "Santiago, Chile", "Lima, Perú"};
static const char *const c_pt[] = {"São Paulo, Brasil", "Rio de Janeiro", "Lisboa, Portugal",
				   "Belo Horizonte", "Porto Alegre"};
static const char *const c_de[] = {"Berlin, Deutschland", "München", "Hamburg",
				   "Wien, Österreich",	  "Zürich",  "Köln"};
static const char *const c_fr[] = {"Paris, France", "Lyon", "Marseille", "Montréal, Québec", "Bruxelles"};
static const char *const c_ru[] = {"Москва", "Санкт-Петербург", "Kyiv", "Минск", "Новосибирск"};
static const char *const c_ja[] = {"東京都", "大阪", "Tokyo, Japan", "Kyoto", "札幌"};
static const char *const c_ko[] = {"Seoul, Korea", "서울", "Busan", "인천"};
static const char *const c_it[] = {"Milano, Italia", "Roma", "Napoli", "Torino"};
static const char *const c_pl[] = {"Warszawa, Polska", "Kraków", "Wrocław", "Gdańsk"};
static const char *const c_tr[] = {"İstanbul, Türkiye", "Ankara", "İzmir"};
static const struct wlist cities[NLANG] = {
    WL(c_en), WL(c_es), WL(c_pt), WL(c_de), WL(c_fr), WL(c_ru),
    WL(c_ja), WL(c_ko), WL(c_it), WL(c_pl), WL(c_tr),
};

/* Tweet words: neutral ones, and some a sentiment lexicon will score. */
static const char *const post_words[] = {
    "the",
    "stream",
    "tonight",
    "live",
    "new",
    "video",
    "clip",
    "patch",
    "update",
    "game",
    "play",
    "watch",
    "going",
    "today",
    "tomorrow",
    "tournament",
    "team",
    "finals",
    "match",
    "who",
    "anyone",
    "else",
    "just",
    "really",
    "can't",
    "wait",
    "for",
    "with",
    "my",
    "our",
    "link",
    "in",
    "bio",
    "check",
    "out",
    "join",
    "us",
    "at",
    "pm",
    "is",
    "was",
    "this",
    "that",
    "a",
    "to",
    "and",
    "of",
    "on",
    "so",
    "we",
    "i",
    "you",
    "love",
    "great",
    "amazing",
    "awesome",
    "best",
    "fun",
    "happy",
    "hype",
    "incredible",
    "beautiful",
    "win",
    "gg",
    "congrats",
    "thanks",
    "excited",
    "perfect",
    "goat",
    "legendary",
    "hate",
    "boring",
    "worst",
    "terrible",
    "awful",
    "trash",
    "sad",
    "angry",
    "broken",
    "lag",
    "toxic",
    "cringe",
    "disappointed",
    "scam",
    "fail",
    "lost",
    "bad",
    "servers",
    "down",
    "again",
    "finally",
    "announcement",
    "giveaway",
    "subscribe",
    "follow",
    "retweet",
    "drop",
    "season",
    "ranked",
    "record",
    "world",
    "first",
    "clutch",
    "insane",
    "play",
    "of",
    "the",
    "year",
    "don't",
    "miss",
    "it",
    "w",
    "l",
    "ratio",
    "lol",
};
#define NPOST_WORDS (sizeof(post_words) / sizeof(post_words[0]))

/* Parts of made-up streamer names and usernames. */
static const char *const name_a[] = {
    "nova",   "pixel",	"shadow",  "lunar",   "cosmic", "frost",  "ember",   "viper",	"iron",	   "silent",
    "lucky",  "turbo",	"mighty",  "crimson", "swift",	"ghost",  "neon",    "atomic",	"royal",   "wild",
    "hyper",  "skinny", "gloomy",  "dark",    "tiny",	"big",	  "sleepy",  "salty",	"spicy",   "fuzzy",
    "cyber",  "retro",	"mega",	   "ultra",   "lazy",	"angry",  "happy",   "chill",	"toxic",   "pro",
    "noob",   "epic",	"golden",  "silver",  "arctic", "storm",  "thunder", "blaze",	"night",   "solar",
    "velvet", "rusty",	"captain", "sir",     "lady",	"doctor", "mister",  "admiral", "general", "agent",
    "baron",  "count",	"papa",	   "mama",    "uncle",	"lil",	  "xx",	     "the",
};
static const char *const name_b[] = {
    "kitten", "wolf",	 "fox",	    "blade",   "hawk",	  "gamer",   "bear",   "knight", "queen",   "king",
    "dragon", "tiger",	 "sniper",  "ninja",   "bones",	  "tail",    "brah",   "panda",	 "potato",  "noodle",
    "pickle", "taco",	 "waffle",  "goose",   "duck",	  "frog",    "toad",   "raven",	 "crow",    "owl",
    "shark",  "whale",	 "otter",   "badger",  "moose",	  "bulldog", "pug",    "corgi",	 "cat",	    "dog",
    "monkey", "gorilla", "llama",   "yeti",    "ghoul",	  "wizard",  "mage",   "rogue",	 "paladin", "ranger",
    "pilot",  "chef",	 "bard",    "monk",    "samurai", "viking",  "pirate", "cowboy", "rider",   "runner",
    "hunter", "slayer",	 "smasher", "breaker", "maker",	  "lord",    "boi",    "gurl",
};
static const char *const chan_suffix[] = {"",	 "",	     "",      "",	"",	 "tv",
					  "_tv", "live",     "_live", "gaming", "plays", "ttv",
					  "hd",	 "official", "x",     "_",	"gg",	 "lol"};
static const char *const jp_names[] = {"ゆうき", "さくら", "たろう", "はると", "みお",
				       "ひなた", "そら",   "りん",   "けんた"};
static const char *const ko_names[] = {"민준", "서연", "지훈", "하은", "도윤", "지우"};
static const char *const ru_names[] = {"Дима", "Саша", "Лёха", "Макс", "Катя", "Никита", "Женя"};
static const char *const colors[] = {"#FF0000", "#1E90FF", "#00FF7F", "#9ACD32", "#FF69B4",
				     "#8A2BE2", "#DAA520", "#D2691E", "#2E8B57", "#B22222",
				     "#5F9EA0", "#FF4500", ""};

/* ------------------------------------------------------------- the world */

struct word {
	const char *p; /* in the output format: JSON-escaped for NDJSON, raw for IRC */
	uint8_t n;
	uint8_t emote;
};

struct chan {
	char login[MAX_LOGIN + 1];
	char display[MAX_LOGIN + 1];
	char yt[40], tw[16]; /* "" when the streamer has no such account */
	uint8_t login_len, lang, ngames;
	uint8_t fav[3];
	double pop;	   /* popularity, 1 for the biggest */
	double pref_start; /* ms after UTC midnight its streams center on */
	double dur_mean, dedication, viewers_base;
	uint64_t w_live, w_off; /* chat weights */
	uint32_t aud_off, aud_n;
	uint32_t room_id;
	uint32_t tw_acc; /* its Twitter account in weir_sim.acc */
	uint32_t frag;	 /* NDJSON: `","channel":"x"`; IRC: `returning-chatter=0;room-id=N` */
	uint16_t frag_len;
	int8_t live;
	int64_t st, en; /* current or next session */
	int64_t slot;	/* next chatters slot */
};

struct user {
	uint32_t name, frag, frag2, frag3; /* offsets into the pool */
	uint16_t frag_len, frag2_len, frag3_len;
	uint8_t name_len, lang;
	uint32_t uid;
	double post_followers;
};

enum { ACC_TWITCH, ACC_YOUTUBE, ACC_TWITTER };

struct account {
	uint32_t chan;
	uint8_t type;
	int64_t followers;
	int64_t period;
	int64_t last;
};

enum { T_SESSION, T_CHATTERS, T_FOLLOWERS, T_POST };

struct timer {
	int64_t ts;
	uint64_t seq;
	uint32_t idx;
	uint8_t type, late, silent;
};

struct delayed {
	int64_t due;
	uint64_t seq;
	char *line;
	uint32_t len;
};

struct ring_msg {
	uint32_t user;
	uint16_t len;
	uint64_t id_a, id_b;
	char text[RING_TEXT];
};

struct post_rec {
	int64_t ts, seen; /* first and last written */
	uint64_t id, text_seed;
	uint32_t author; /* user index, or UINT32_MAX - channel for a streamer */
	int64_t likes, shares, replies, views;
	uint8_t lang, loc, aloc, has_loc, has_aloc, used;
};

struct weir_sim {
	struct weir_sim_opts o;
	int64_t end; /* start + span, or INT64_MAX */
	size_t line_max;
	bool irc;

	struct pool pool;
	struct word *words;
	uint32_t nwords;
	struct alias nwords_alias, vocab, emote_alias, emoji_alias, lang_alias[NLANG], post_alias, chan_alias;
	uint32_t emote_first, emoji_first, lang_first[NLANG], post_first;

	struct chan *ch;
	uint32_t nch;
	struct user *users;
	uint32_t nusers;
	uint32_t *aud; /* audiences, concatenated */
	uint32_t *aud_prob, *aud_alias;
	struct alias author_alias;
	struct account *acc;
	uint32_t nacc;

	uint64_t *fen; /* Fenwick tree of the channels' chat weights, 1-based */
	uint64_t fen_total;
	uint32_t fen_top;

	/* chat */
	struct rng rchat;
	bool poisson;
	uint64_t chat_n, chat_i; /* messages to write, written */
	double chat_t, chat_gap;
	double *lam; /* cumulative chat intensity at bucket starts */
	uint32_t nb, b;
	double bw, lam_scale;
	int64_t chat_ts;
	uint8_t chat_late;
	struct ring_msg *ring;
	uint32_t ring_n, ring_pos;

	/* the other kinds */
	struct rng rstream, rchatters, rfollow, rpost, rimp;
	struct timer *tm;
	uint32_t ntm, captm;
	uint64_t tseq;
	double post_rate; /* posts per ms at the cycle's peak */
	uint64_t post_seq;
	struct post_rec *posts;
	uint32_t post_pos;
	int64_t tag_hour;
	double tag_cum[NTAGS];

	/* held-back lines */
	struct delayed *dq;
	uint32_t ndq, capdq;
	uint64_t dseq;
	char *scratch; /* a line being held back */
	char *badbuf;  /* a malformed line being made */

	/* the formatted second */
	int64_t tc_sec;
	char tc[19];

	int64_t clock;
	struct weir_sim_stats st;
};

/* -------------------------------------------------------------- helpers */

static inline bool want(const struct weir_sim *s, int kind)
{
	return (s->o.kinds & WEIR_SIM_KIND(kind)) != 0;
}

/* "2026-11-20T08:57:00.123Z" */
static char *put_ts(struct weir_sim *s, char *p, int64_t ms)
{
	int64_t sec = ms / 1000, m = ms % 1000;
	if (sec != s->tc_sec) {
		fmt_second(sec, s->tc);
		s->tc_sec = sec;
	}
	memcpy(p, s->tc, 19);
	p += 19;
	p[0] = '.';
	p[1] = (char)('0' + m / 100);
	p[2] = (char)('0' + m / 10 % 10);
	p[3] = (char)('0' + m % 10);
	p[4] = 'Z';
	return p + 5;
}

/* The logger prefix "2026-11-20_08:57:00 ;;; " of the time a line was written. */
static char *put_irc_prefix(struct weir_sim *s, char *p, int64_t ms)
{
	int64_t sec = ms / 1000;
	if (sec != s->tc_sec) {
		fmt_second(sec, s->tc);
		s->tc_sec = sec;
	}
	memcpy(p, s->tc, 19);
	p[10] = '_';
	p += 19;
	PUT(p, " ;;; ");
	return p;
}

/* Daily cycle of activity: peak 20:00 UTC, trough 08:00. */
static double cycle(int64_t ms)
{
	double h = (double)(((ms % DAY_MS) + DAY_MS) % DAY_MS) / (double)HOUR_MS;
	return 1.0 + 0.35 * cos(6.283185307179586 * (h - 20.0) / 24.0);
}

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b) != 0 && a < 0)
		q--;
	return q;
}

/* ------------------------------------------------------------- Fenwick */

static void fen_add(struct weir_sim *s, uint32_t i, int64_t d)
{
	s->fen_total += (uint64_t)d;
	for (uint32_t k = i + 1; k <= s->nch; k += k & (0 - k))
		s->fen[k] += (uint64_t)d;
}

/* The channel whose cumulative weight range holds a uniform draw. */
static inline uint32_t fen_draw(const struct weir_sim *s, struct rng *r)
{
	uint64_t x = (uint64_t)(((unsigned __int128)rnext(r) * s->fen_total) >> 64);
	uint32_t pos = 0;
	for (uint32_t step = s->fen_top; step; step >>= 1) {
		uint32_t nx = pos + step;
		if (nx <= s->nch && s->fen[nx] <= x) {
			pos = nx;
			x -= s->fen[nx];
		}
	}
	return pos < s->nch ? pos : s->nch - 1;
}

/* ------------------------------------------------------------ sessions */

/* Channel c's stream on UTC day `day`, if it streams that day. */
static bool session_on(const struct weir_sim *s, uint32_t c, int64_t day, int64_t *st, int64_t *en,
		       uint64_t *hash)
{
	const struct chan *ch = &s->ch[c];
	uint64_t h = mix64(s->o.seed * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)c << 24) ^
			   (uint64_t)day * 0xd6e8feb86659fd93ULL);
	if (hunif(h) >= ch->dedication)
		return false;
	double jit = (hunif(h + 1) - 0.5) * 2.0 * (double)HOUR_MS;
	double dur = ch->dur_mean * (0.6 + 0.8 * hunif(h + 2));
	if (dur < (double)HOUR_MS)
		dur = (double)HOUR_MS;
	if (dur > 10.0 * (double)HOUR_MS)
		dur = 10.0 * (double)HOUR_MS;
	*st = day * DAY_MS + (int64_t)(ch->pref_start + jit);
	*en = *st + (int64_t)dur;
	if (hash)
		*hash = h;
	return true;
}

/* The first session of channel c that ends after t; false if none within 90 days. */
static bool session_next(const struct weir_sim *s, uint32_t c, int64_t t, int64_t *st, int64_t *en)
{
	int64_t d0 = floordiv(t, DAY_MS) - 1;
	for (int64_t d = d0; d < d0 + 90; d++)
		if (session_on(s, c, d, st, en, NULL) && *en > t)
			return true;
	return false;
}

/* The game of channel c at time t of the session that started at st. */
static uint32_t session_game(const struct weir_sim *s, uint32_t c, int64_t st, int64_t en, int64_t t)
{
	const struct chan *ch = &s->ch[c];
	uint64_t h = mix64(s->o.seed ^ ((uint64_t)c << 20) ^ (uint64_t)st);
	uint32_t g = ch->fav[hunif(h) < 0.7 ? 0 : (uint32_t)(hunif(h + 1) * ch->ngames)];
	if (hunif(h + 2) < 0.15 && t >= st + (en - st) / 2) /* switched half-way */
		g = g == 0 ? ch->fav[ch->ngames - 1] : 0;
	return g;
}

/* ---------------------------------------------------------- timer heap */

static bool tm_less(const struct timer *a, const struct timer *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

static int tm_push(struct weir_sim *s, int type, uint32_t idx, int64_t ts, bool silent)
{
	if (ts >= s->end)
		return 0;
	if (s->ntm == s->captm) {
		uint32_t cap = s->captm ? s->captm * 2 : 256;
		struct timer *n = realloc(s->tm, sizeof(*n) * cap);
		if (!n)
			return WEIR_ENOMEM;
		s->tm = n;
		s->captm = cap;
	}
	struct timer t = {.ts = ts, .seq = s->tseq++, .idx = idx, .type = (uint8_t)type, .silent = silent};
	if (!silent && s->o.late_rate > 0)
		t.late = runif(&s->rimp) < s->o.late_rate;
	uint32_t i = s->ntm++;
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!tm_less(&t, &s->tm[p]))
			break;
		s->tm[i] = s->tm[p];
		i = p;
	}
	s->tm[i] = t;
	return 0;
}

static struct timer tm_pop(struct weir_sim *s)
{
	struct timer top = s->tm[0], last = s->tm[--s->ntm];
	uint32_t i = 0, n = s->ntm;
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;
		const struct timer *best = &last;
		if (l < n && tm_less(&s->tm[l], best)) {
			m = l;
			best = &s->tm[l];
		}
		if (l + 1 < n && tm_less(&s->tm[l + 1], best))
			m = l + 1;
		if (m == i)
			break;
		s->tm[i] = s->tm[m];
		i = m;
	}
	if (n)
		s->tm[i] = last;
	return top;
}

/* ------------------------------------------------------- delayed lines */

static bool dq_less(const struct delayed *a, const struct delayed *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

/* Holds a copy of line[0..n) back until `due`. */
static int dq_push(struct weir_sim *s, int64_t due, const char *line, size_t n)
{
	if (s->ndq == s->capdq) {
		uint32_t cap = s->capdq ? s->capdq * 2 : 64;
		struct delayed *d = realloc(s->dq, sizeof(*d) * cap);
		if (!d)
			return WEIR_ENOMEM;
		s->dq = d;
		s->capdq = cap;
	}
	struct delayed e = {.due = due, .seq = s->dseq++, .line = malloc(n ? n : 1), .len = (uint32_t)n};
	if (!e.line)
		return WEIR_ENOMEM;
	memcpy(e.line, line, n);
	uint32_t i = s->ndq++;
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!dq_less(&e, &s->dq[p]))
			break;
		s->dq[i] = s->dq[p];
		i = p;
	}
	s->dq[i] = e;
	return 0;
}

static struct delayed dq_pop(struct weir_sim *s)
{
	struct delayed top = s->dq[0], last = s->dq[--s->ndq];
	uint32_t i = 0, n = s->ndq;
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;
		const struct delayed *best = &last;
		if (l < n && dq_less(&s->dq[l], best)) {
			m = l;
			best = &s->dq[l];
		}
		if (l + 1 < n && dq_less(&s->dq[l + 1], best))
			m = l + 1;
		if (m == i)
			break;
		s->dq[i] = s->dq[m];
		i = m;
	}
	if (n)
		s->dq[i] = last;
	return top;
}

/* ================================================================ chat */

/* Places the next chat message in time (and decides now whether it will arrive late). */
static void chat_advance(struct weir_sim *s)
{
	if (s->chat_i >= s->chat_n || !want(s, WEIR_KIND_CHAT)) {
		s->chat_ts = INT64_MAX;
		return;
	}
	int64_t ts;
	if (s->poisson) {
		s->chat_t += -log1p(-runif(&s->rchat)) * s->chat_gap;
		if (s->chat_t >= (double)s->end) {
			s->chat_ts = INT64_MAX;
			s->chat_n = s->chat_i;
			return;
		}
		ts = (int64_t)s->chat_t;
	} else {
		/* stratified inversion of the cumulative intensity: exactly chat_n messages, in order */
		double target = ((double)s->chat_i + runif(&s->rchat)) * s->lam_scale;
		while (s->b + 1 < s->nb && s->lam[s->b + 1] <= target)
			s->b++;
		double l0 = s->lam[s->b], l1 = s->lam[s->b + 1];
		double w = s->bw;
		double b0 = (double)s->o.start_ms + (double)s->b * s->bw;
		if (b0 + w > (double)s->end)
			w = (double)s->end - b0;
		double f = l1 > l0 ? (target - l0) / (l1 - l0) : 0.0;
		if (f > 1.0)
			f = 1.0;
		ts = (int64_t)(b0 + f * w);
		if (ts >= s->end)
			ts = s->end - 1;
	}
	if (ts < s->chat_ts && s->chat_ts != INT64_MAX && s->chat_i > 0)
		ts = s->chat_ts;
	s->chat_ts = ts;
	s->chat_late = s->o.late_rate > 0 && runif(&s->rimp) < s->o.late_rate;
}

/*
 * Message length in words (index + 1): a third are a single word or emote,
 * the rest 2 + an exponential of mean 3.2, at most 20; ~4 on average.
 */
static int build_nwords(struct alias *a)
{
	double w[20];
	w[0] = 0.33;
	for (int n = 2; n <= 20; n++)
		w[n - 1] = 0.67 * (n < 20 ? exp(-(n - 2) / 3.2) - exp(-(n - 1) / 3.2) : exp(-18 / 3.2));
	return alias_build(a, w, 20);
}

#define WORD_COPY 32 /* words are copied in fixed 32-byte moves; the pool ends with that much slack */

/* Copies a word, uppercased when `caps`, and leaves room checks to the caller. */
static inline char *put_word(char *p, const struct word *w, bool caps)
{
	if (!caps) {
		if (w->n <= WORD_COPY)
			memcpy(p, w->p, WORD_COPY);
		else
			memcpy(p, w->p, w->n);
		return p + w->n;
	}
	for (uint32_t i = 0; i < w->n; i++) {
		char c = w->p[i];
		*p++ = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
	}
	return p;
}

/*
 * Writes the text of a chat message from user u in channel c at p (escaped
 * for the output format), at most CHAT_TEXT_MAX bytes. Sets *reply to the
 * ring entry replied to (IRC reply tags), or NULL.
 */
static char *chat_text(struct weir_sim *s, char *p, uint32_t c, const struct ring_msg **reply, bool *action)
{
	struct rng *r = &s->rchat;
	const struct chan *ch = &s->ch[c];
	char *start = p, *lim = p + CHAT_TEXT_MAX - 48;
	double u = runif(r);
	*reply = NULL;
	*action = false;
	if (u < 0.07) {
		/* emote spam: "WutFace WutFace WutFace ..." */
		const struct word *w = &s->words[s->emote_first + alias_sample(&s->emote_alias, r)];
		uint32_t n = 2 + rbelow(r, 9);
		for (uint32_t i = 0; i < n && p < lim; i++) {
			if (i)
				*p++ = ' ';
			p = put_word(p, w, false);
		}
		return p;
	}
	if (u < 0.11 && s->ring_n) {
		/* the same message again: a copypasta, or everyone typing what chat types */
		const struct ring_msg *m = &s->ring[rbelow(r, s->ring_n)];
		return put_mem(p, m->text, m->len);
	}
	if (u < 0.14 && s->ring_n) {
		/* a reply: "@user ..." */
		const struct ring_msg *m = &s->ring[rbelow(r, s->ring_n)];
		const struct user *ru = &s->users[m->user];
		*p++ = '@';
		p = put_mem(p, s->pool.p + ru->name, ru->name_len);
		*p++ = ' ';
		*reply = m;
	} else if (u < 0.17 && ch->aud_n > 1) {
		const struct user *mu = &s->users[s->aud[ch->aud_off + rbelow(r, ch->aud_n)]];
		*p++ = '@';
		p = put_mem(p, s->pool.p + mu->name, mu->name_len);
		*p++ = ' ';
	} else if (u < 0.19 && s->irc) {
		*action = true;
	}

	uint32_t n = 1 + alias_sample(&s->nwords_alias, r);
	double cm = runif(r);
	int caps = cm < 0.80 ? 0 : cm < 0.90 ? 1 : cm < 0.96 ? 2 : 3; /* none, First, ALL, SoMe */
	bool local = ch->lang != L_EN ? runif(r) < 0.6 : runif(r) < 0.02;
	uint32_t ll = ch->lang != L_EN ? ch->lang : 1 + rbelow(r, NLANG - 1);
	for (uint32_t i = 0; i < n && p < lim; i++) {
		const struct word *w;
		if (local && runif(r) < 0.7)
			w = &s->words[s->lang_first[ll] + alias_sample(&s->lang_alias[ll], r)];
		else
			w = &s->words[alias_sample(&s->vocab, r)];
		if (i)
			*p++ = ' ';
		char *wp = p;
		p = put_word(p, w, !w->emote && (caps == 2 || (caps == 3 && runif(r) < 0.3)));
		if (i == 0 && caps == 1 && !w->emote && *wp >= 'a' && *wp <= 'z')
			*wp = (char)(*wp - 32);
	}
	double e = runif(r);
	if (e < 0.08)
		*p++ = '?';
	else if (e < 0.12)
		*p++ = '!';
	else if (e < 0.14)
		PUT(p, "!!!");
	else if (e < 0.16)
		PUT(p, "...");
	else if (e < 0.19) {
		*p++ = ' ';
		const struct word *w = &s->words[s->emoji_first + alias_sample(&s->emoji_alias, r)];
		p = put_word(p, w, false);
	}
	if (p == start)
		p = put_word(p, &s->words[0], false);
	return p;
}

/* Remembers a message for spam repeats and replies. */
static void ring_keep(struct weir_sim *s, uint32_t user, const char *text, size_t n, uint64_t ida,
		      uint64_t idb)
{
	if (n > RING_TEXT)
		return;
	struct ring_msg *m = &s->ring[s->ring_pos];
	m->user = user;
	m->len = (uint16_t)n;
	m->id_a = ida;
	m->id_b = idb;
	memcpy(m->text, text, n);
	s->ring_pos = (s->ring_pos + 1) % RING_N;
	if (s->ring_n < RING_N)
		s->ring_n++;
}

/* At most `max` bytes of s, cut at a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/*
 * Writes the next chat message, due at `due` (its ts, or later when it
 * arrives late: the IRC logger stamps arrival), to buf; returns its length.
 */
static size_t chat_line(struct weir_sim *s, char *buf, int64_t due)
{
	struct rng *r = &s->rchat;
	int64_t ts = s->chat_ts;
	uint32_t c = fen_draw(s, r);
	const struct chan *ch = &s->ch[c];
	uint32_t ui = s->aud[ch->aud_off +
			     alias_draw(s->aud_prob + ch->aud_off, s->aud_alias + ch->aud_off, ch->aud_n, r)];
	const struct user *u = &s->users[ui];
	uint64_t k = s->o.seed * 0x9e3779b97f4a7c15ULL + s->chat_i;
	uint64_t ida = mix64(k ^ 0x1d8e4e27c47d124fULL), idb = mix64(ida + k);
	const struct ring_msg *reply;
	bool action;
	char *p = buf, *text, *text_end;

	if (!s->irc) {
		PUT(p, "{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":\"");
		p = put_ts(s, p, ts);
		p = put_mem(p, s->pool.p + ch->frag, ch->frag_len);
		p = put_mem(p, s->pool.p + u->frag, u->frag_len);
		PUT(p, ",\"id\":\"");
		p = put_uuid(p, ida, idb);
		PUT(p, "\",\"text\":\"");
		text = p;
		text_end = p = chat_text(s, p, c, &reply, &action);
		PUT(p, "\"}\n");
	} else {
		/* Twitch IRC tags are in alphabetical order; reply-parent-* only on replies */
		char tbuf[CHAT_TEXT_MAX + 64];
		text = tbuf;
		text_end = chat_text(s, tbuf, c, &reply, &action);
		p = put_irc_prefix(s, p, due);
		p = put_mem(p, s->pool.p + u->frag, u->frag_len);
		p = put_uuid(p, ida, idb);
		PUT(p, ";mod=0;");
		if (reply) {
			const struct user *pu = &s->users[reply->user];
			const char *pn = s->pool.p + pu->name;
			PUT(p, "reply-parent-display-name=");
			p = put_mem(p, pn, pu->name_len);
			PUT(p, ";reply-parent-msg-body=");
			p = put_tagval(p, reply->text, utf8_cut(reply->text, reply->len, 200));
			PUT(p, ";reply-parent-msg-id=");
			p = put_uuid(p, reply->id_a, reply->id_b);
			PUT(p, ";reply-parent-user-id=");
			p = put_u64(p, pu->uid);
			PUT(p, ";reply-parent-user-login=");
			p = put_mem(p, pn, pu->name_len);
			*p++ = ';';
		}
		p = put_mem(p, s->pool.p + ch->frag, ch->frag_len);
		p = put_mem(p, s->pool.p + u->frag2, u->frag2_len);
		p = put_u64(p, (uint64_t)ts);
		p = put_mem(p, s->pool.p + u->frag3, u->frag3_len);
		p = put_mem(p, ch->login, ch->login_len);
		PUT(p, " :");
		if (action)
			PUT(p, "\001ACTION ");
		char *tp = p;
		p = put_mem(p, text, (size_t)(text_end - text));
		text = tp;
		text_end = p;
		if (action)
			*p++ = '\001';
		*p++ = '\n';
	}
	if (!action && !reply && (rnext(r) & 7) == 0)
		ring_keep(s, ui, text, (size_t)(text_end - text), ida, idb);
	return (size_t)(p - buf);
}

/* ========================================================= other kinds */

/* Viewers of live channel c at t, in the session [st, en). */
static int64_t viewers_at(struct weir_sim *s, uint32_t c, int64_t st, int64_t t)
{
	const struct chan *ch = &s->ch[c];
	uint64_t h = mix64(s->o.seed ^ ((uint64_t)c << 28) ^ (uint64_t)st ^ 0x77);
	double sess = exp(0.3 * (hunif(h) + hunif(h + 1) + hunif(h + 2) - 1.5)); /* this stream's draw */
	double ramp = 0.25 + 0.75 * fmin(1.0, (double)(t - st) / (45.0 * MIN_MS));
	double v = ch->viewers_base * sess * ramp * (0.7 + 0.3 * cycle(t) / 1.35) *
		   (1.0 + 0.05 * rgauss(&s->rstream));
	return v < 1 ? 1 : (int64_t)v;
}

/* Writes a title for channel c's stream into p (JSON-escaped). */
static char *put_title(struct weir_sim *s, char *p, uint32_t c, int64_t st, uint32_t g)
{
	const struct chan *ch = &s->ch[c];
	uint64_t h = mix64(s->o.seed ^ ((uint64_t)c << 16) ^ (uint64_t)st ^ 0x717);
	const char *t = (ch->lang != L_EN && hunif(h) < 0.7)
			    ? titles_lang[ch->lang]
			    : titles_en[mix64(h + 1) % (sizeof(titles_en) / sizeof(titles_en[0]))];
	char tmp[512], *q = tmp;
	for (; *t; t++) {
		if (t[0] == '%' && t[1] == 'g') {
			size_t n = strlen(games[g].name);
			memcpy(q, games[g].name, n);
			q += n;
			t++;
		} else if (t[0] == '%' && t[1] == 'n') {
			q = put_u64(q, 1 + mix64(h + 2) % 300);
			t++;
		} else {
			*q++ = *t;
		}
	}
	return put_json(p, tmp, (size_t)(q - tmp));
}

/* A stream event of channel c at ts: a live sample, or the end of the stream. */
static size_t stream_line(struct weir_sim *s, char *buf, uint32_t c, int64_t ts, bool live)
{
	const struct chan *ch = &s->ch[c];
	uint32_t g = session_game(s, c, ch->st, ch->en, live ? ts : ch->en - 1);
	char *p = buf;
	PUT(p, "{\"kind\":\"stream\",\"platform\":\"twitch\",\"ts\":\"");
	p = put_ts(s, p, ts);
	PUT(p, "\",\"channel\":\"");
	p = put_mem(p, ch->login, ch->login_len);
	if (live) {
		PUT(p, "\",\"live\":true,\"viewers\":");
		p = put_i64(p, viewers_at(s, c, ch->st, ts));
	} else {
		PUT(p, "\",\"live\":false");
	}
	PUT(p, ",\"game\":");
	p = put_jstr(p, games[g].name);
	PUT(p, ",\"language\":\"");
	p = put_mem(p, lang_code[ch->lang], 2);
	PUT(p, "\",\"title\":\"");
	p = put_title(s, p, c, ch->st, g);
	PUT(p, "\",\"started_at\":\"");
	p = put_ts(s, p, ch->st);
	PUT(p, "\"}\n");
	return (size_t)(p - buf);
}

/*
 * The stream timer of channel c: starts a session, samples it every 1-5
 * minutes, ends it and waits for the next. Moves the channel's chat weight.
 */
static size_t fire_session(struct weir_sim *s, const struct timer *t, char *buf)
{
	uint32_t c = t->idx;
	struct chan *ch = &s->ch[c];
	bool out = want(s, WEIR_KIND_STREAM);
	size_t n = 0;
	int64_t next;
	if (!ch->live && t->ts >= ch->st && t->ts < ch->en) {
		ch->live = 1;
		fen_add(s, c, (int64_t)(ch->w_live - ch->w_off));
		if (out)
			n = stream_line(s, buf, c, t->ts, true);
		next = out ? t->ts + rrange(&s->rstream, MIN_MS, 5 * MIN_MS) : ch->en;
	} else if (ch->live && t->ts >= ch->en) {
		ch->live = 0;
		fen_add(s, c, -(int64_t)(ch->w_live - ch->w_off));
		if (out)
			n = stream_line(s, buf, c, t->ts, false);
		int64_t st, en;
		if (!session_next(s, c, ch->en, &st, &en))
			return n;
		ch->st = st;
		ch->en = en;
		next = st;
	} else {
		if (out)
			n = stream_line(s, buf, c, t->ts, true);
		next = t->ts + rrange(&s->rstream, MIN_MS, 5 * MIN_MS);
	}
	if (ch->live && next > ch->en)
		next = ch->en;
	tm_push(s, T_SESSION, c, next, !out);
	return n;
}

/* The next 5-minute slot at or after t in which channel c is live. */
static int64_t next_live_slot(const struct weir_sim *s, uint32_t c, int64_t t)
{
	int64_t slot = floordiv(t + 5 * MIN_MS - 1, 5 * MIN_MS) * 5 * MIN_MS;
	for (int i = 0; i < 200; i++) {
		int64_t st, en;
		if (!session_next(s, c, slot, &st, &en))
			return INT64_MAX;
		if (st <= slot)
			return slot;
		slot = floordiv(st + 5 * MIN_MS - 1, 5 * MIN_MS) * 5 * MIN_MS;
	}
	return INT64_MAX;
}

static void chatters_schedule(struct weir_sim *s, uint32_t c, int64_t from)
{
	int64_t slot = next_live_slot(s, c, from);
	if (slot == INT64_MAX)
		return;
	s->ch[c].slot = slot;
	tm_push(s, T_CHATTERS, c, slot + rrange(&s->rchatters, 1000, 9999), false);
}

/*
 * Users present in channel c's chat: the most active part of its audience
 * (who chat the most) always, then a random share of the rest, about
 * viewers-sized and capped.
 */
static size_t chatters_line(struct weir_sim *s, char *buf, uint32_t c, int64_t ts)
{
	struct chan *ch = &s->ch[c];
	struct rng *r = &s->rchatters;
	int64_t st, en;
	if (!session_next(s, c, ch->slot, &st, &en))
		st = ch->slot;
	double v = ch->viewers_base * (0.25 + 0.75 * fmin(1.0, (double)(ch->slot - st) / (45.0 * MIN_MS)));
	double want_n = fmin((double)ch->aud_n * (0.3 + 0.3 * runif(r)), v * 0.7 + 1.0);
	uint32_t n = want_n > (double)s->o.chatters_cap ? s->o.chatters_cap : (uint32_t)want_n;
	if (n < 1)
		n = 1;
	if (n > ch->aud_n)
		n = ch->aud_n;
	uint32_t head = n / 3, need = n - head, avail = ch->aud_n - head;
	char *p = buf;
	PUT(p, "{\"kind\":\"chatters\",\"platform\":\"twitch\",\"ts\":\"");
	p = put_ts(s, p, ts);
	PUT(p, "\",\"channel\":\"");
	p = put_mem(p, ch->login, ch->login_len);
	PUT(p, "\",\"users\":[");
	bool first = true;
	for (uint32_t j = 0; j < ch->aud_n && (j < head || need); j++) {
		if (j >= head) {
			/* selection sampling (Knuth's algorithm S) of `need` of the `avail` left */
			if (runif(r) * (double)avail >= (double)need) {
				avail--;
				continue;
			}
			avail--;
			need--;
		}
		const struct user *u = &s->users[s->aud[ch->aud_off + j]];
		if (!first)
			*p++ = ',';
		first = false;
		*p++ = '"';
		p = put_mem(p, s->pool.p + u->name, u->name_len);
		*p++ = '"';
	}
	PUT(p, "]}\n");
	return (size_t)(p - buf);
}

/* Account names of a channel by type. */
static const char *acc_name(const struct weir_sim *s, const struct account *a)
{
	const struct chan *ch = &s->ch[a->chan];
	return a->type == ACC_TWITCH ? ch->login : a->type == ACC_YOUTUBE ? ch->yt : ch->tw;
}

/* A follower snapshot: growth since the last one (faster while live), sometimes a spike or a dip. */
static size_t followers_line(struct weir_sim *s, char *buf, uint32_t ai, int64_t ts)
{
	struct account *a = &s->acc[ai];
	const struct chan *ch = &s->ch[a->chan];
	struct rng *r = &s->rfollow;
	double dt_h = (double)(ts - a->last) / (double)HOUR_MS;
	double f = (double)a->followers;
	double g = (f * 0.0004 + 0.2) * dt_h * (ch->live ? 4.0 : 1.0) * (0.5 + runif(r));
	double u = runif(r);
	if (u < 0.03)
		g += f * (0.01 + 0.05 * runif(r)) + 20; /* a raid, a viral clip */
	else if (u < 0.12)
		g = -f * 0.002 * runif(r); /* unfollows */
	int64_t nf = a->followers + (int64_t)llround(g);
	a->followers = nf < 0 ? 0 : nf;
	a->last = ts;
	static const char *const plat[] = {"twitch", "youtube", "twitter"};
	char *p = buf;
	PUT(p, "{\"kind\":\"followers\",\"platform\":\"");
	p = put_mem(p, plat[a->type], strlen(plat[a->type]));
	PUT(p, "\",\"ts\":\"");
	p = put_ts(s, p, ts);
	PUT(p, "\",\"channel\":");
	p = put_jstr(p, acc_name(s, a));
	PUT(p, ",\"streamer\":\"");
	p = put_mem(p, ch->login, ch->login_len);
	PUT(p, "\",\"followers\":");
	p = put_i64(p, a->followers);
	PUT(p, "}\n");
	return (size_t)(p - buf);
}

/* The cumulative hashtag weights of the hour of t: a few tags trend for 1-3 hours. */
static void tags_for_hour(struct weir_sim *s, int64_t t)
{
	int64_t hour = floordiv(t, HOUR_MS);
	if (hour == s->tag_hour)
		return;
	s->tag_hour = hour;
	double cum = 0;
	for (uint32_t i = 0; i < NTAGS; i++) {
		double w = 1.0 / (1.0 + (double)i * 0.4);
		for (int k = 0; k < 3; k++) {
			uint64_t h = mix64(s->o.seed ^ ((uint64_t)i << 40) ^ (uint64_t)(hour - k) * 0x51ed27);
			if (hunif(h) < 0.03 && hunif(h + 1) * 3.0 >= (double)k) {
				w *= 25.0;
				break;
			}
		}
		cum += w;
		s->tag_cum[i] = cum;
	}
}

static uint32_t tag_draw(struct weir_sim *s, struct rng *r)
{
	double x = runif(r) * s->tag_cum[NTAGS - 1];
	uint32_t lo = 0, hi = NTAGS - 1;
	while (lo < hi) {
		uint32_t m = (lo + hi) / 2;
		if (s->tag_cum[m] > x)
			hi = m;
		else
			lo = m + 1;
	}
	return lo;
}

/* The text of a post from its own seed (so a repeat of the post has the same text), JSON-escaped. */
static char *post_text(struct weir_sim *s, char *p, const struct post_rec *pr)
{
	struct rng r;
	rng_seed(&r, pr->text_seed, 99);
	char *lim = p + POST_TEXT_MAX - 64;
	if (runif(&r) < 0.15) {
		const struct chan *ch = &s->ch[rbelow(&r, s->nch)];
		if (ch->tw[0]) {
			*p++ = '@';
			p = put_mem(p, ch->tw, strlen(ch->tw));
			*p++ = ' ';
		}
	}
	uint32_t n = 4 + (uint32_t)(runif(&r) * 20);
	bool local = pr->lang != L_EN && runif(&r) < 0.8;
	for (uint32_t i = 0; i < n && p < lim; i++) {
		const struct word *w;
		double u = runif(&r);
		if (local && u < 0.6)
			w = &s->words[s->lang_first[pr->lang] + alias_sample(&s->lang_alias[pr->lang], &r)];
		else if (u < 0.85)
			w = &s->words[s->post_first + alias_sample(&s->post_alias, &r)];
		else if (u < 0.93)
			w = &s->words[s->emoji_first + alias_sample(&s->emoji_alias, &r)];
		else
			w = &s->words[alias_sample(&s->vocab, &r)];
		if (i)
			*p++ = ' ';
		char *wp = p;
		p = put_word(p, w, false);
		if (i == 0 && *wp >= 'a' && *wp <= 'z')
			*wp = (char)(*wp - 32);
	}
	if (runif(&r) < 0.5)
		*p++ = runif(&r) < 0.5 ? '!' : '.';
	uint32_t nt = (uint32_t)(runif(&r) * 4.2);
	for (uint32_t i = 0; i < nt; i++) {
		PUT(p, " #");
		const char *tag = hashtags[tag_draw(s, &r)];
		p = put_mem(p, tag, strlen(tag));
	}
	if (runif(&r) < 0.2) {
		PUT(p, " https://t.co/");
		for (int i = 0; i < 10; i++)
			*p++ = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789"[rbelow(&r, 58)];
	}
	return p;
}

static const char *post_author(const struct weir_sim *s, const struct post_rec *pr, int64_t *followers)
{
	if (pr->author >= s->nusers) {
		const struct chan *ch = &s->ch[pr->author - s->nusers];
		*followers = s->acc[ch->tw_acc].followers;
		return ch->tw;
	}
	*followers = (int64_t)s->users[pr->author].post_followers;
	return s->pool.p + s->users[pr->author].name;
}

/* A tweet: a new one, or (8%) a recent one seen again with higher counters. */
static size_t post_line(struct weir_sim *s, char *buf, int64_t ts)
{
	struct rng *r = &s->rpost;
	struct post_rec *pr;
	tags_for_hour(s, ts);
	struct post_rec *old = &s->posts[rbelow(r, POST_RING_N)];
	if (runif(r) < 0.08 && old->used && ts - old->ts < 6 * HOUR_MS && ts - old->seen >= MIN_MS) {
		pr = old;
		double g = 1.05 + 1.5 * runif(r);
		pr->likes = (int64_t)((double)pr->likes * g) + 1;
		pr->shares = (int64_t)((double)pr->shares * g);
		pr->replies = (int64_t)((double)pr->replies * (1.0 + (g - 1.0) / 2));
		pr->views = (int64_t)((double)pr->views * g) + 10;
	} else {
		pr = &s->posts[s->post_pos];
		s->post_pos = (s->post_pos + 1) % POST_RING_N;
		memset(pr, 0, sizeof(*pr));
		pr->used = 1;
		pr->ts = ts;
		pr->id = ((uint64_t)(ts - 1288834974657LL) << 22) | (s->post_seq++ & 0x3fffff);
		pr->text_seed = rnext(r);
		int64_t fl = 0;
		bool streamer = runif(r) < 0.15;
		if (streamer) {
			uint32_t c = alias_sample(&s->chan_alias, r);
			if (!s->ch[c].tw[0])
				streamer = false;
			else {
				pr->author = s->nusers + c;
				pr->lang = s->ch[c].lang;
			}
		}
		if (!streamer) {
			pr->author = alias_sample(&s->author_alias, r);
			pr->lang = s->users[pr->author].lang;
		}
		post_author(s, pr, &fl);
		double viral = exp(1.2 * rgauss(r));
		pr->likes = (int64_t)((double)fl * 0.01 * viral * runif(r));
		pr->shares = (int64_t)((double)pr->likes * (0.05 + 0.25 * runif(r)));
		pr->replies = (int64_t)((double)pr->likes * (0.02 + 0.13 * runif(r)));
		pr->views = (int64_t)((double)fl * (0.2 + 1.8 * runif(r)) * viral) + pr->likes * 20;
		const struct wlist *cl = &cities[pr->lang];
		pr->has_aloc = runif(r) < 0.7;
		pr->aloc = (uint8_t)rbelow(r, cl->n);
		pr->has_loc = runif(r) < 0.15;
		pr->loc = runif(r) < 0.7 ? pr->aloc : (uint8_t)rbelow(r, cl->n);
	}
	pr->seen = ts;
	int64_t fl = 0;
	const char *author = post_author(s, pr, &fl);
	char *p = buf;
	PUT(p, "{\"kind\":\"post\",\"platform\":\"twitter\",\"ts\":\"");
	p = put_ts(s, p, ts);
	PUT(p, "\",\"id\":\"");
	p = put_u64(p, pr->id);
	PUT(p, "\",\"author\":\"");
	p = put_mem(p, author, strlen(author));
	PUT(p, "\",\"text\":\"");
	p = post_text(s, p, pr);
	PUT(p, "\",\"followers\":");
	p = put_i64(p, fl);
	PUT(p, ",\"likes\":");
	p = put_i64(p, pr->likes);
	PUT(p, ",\"shares\":");
	p = put_i64(p, pr->shares);
	PUT(p, ",\"replies\":");
	p = put_i64(p, pr->replies);
	PUT(p, ",\"views\":");
	p = put_i64(p, pr->views);
	PUT(p, ",\"lang\":\"");
	p = put_mem(p, lang_code[pr->lang], 2);
	*p++ = '"';
	if (pr->has_aloc) {
		PUT(p, ",\"author_location\":");
		p = put_jstr(p, cities[pr->lang].w[pr->aloc]);
	}
	if (pr->has_loc) {
		PUT(p, ",\"location\":");
		p = put_jstr(p, cities[pr->lang].w[pr->loc]);
	}
	PUT(p, "}\n");
	return (size_t)(p - buf);
}

/* The next post after t: a Poisson process, thinned by the daily cycle in historical runs. */
static int64_t post_after(struct weir_sim *s, int64_t t)
{
	double x = (double)t;
	for (;;) {
		x += -log1p(-runif(&s->rpost)) / s->post_rate;
		if (x >= (double)s->end)
			return INT64_MAX;
		if (s->o.rate > 0 || runif(&s->rpost) * 1.35 < cycle((int64_t)x))
			return (int64_t)x + 1;
	}
}

/* Writes the line of a due timer (0 bytes for one that only moves the world) and reschedules it. */
static size_t fire(struct weir_sim *s, const struct timer *t, char *buf)
{
	size_t n = 0;
	switch (t->type) {
	case T_SESSION:
		return fire_session(s, t, buf);
	case T_CHATTERS:
		n = chatters_line(s, buf, t->idx, t->ts);
		chatters_schedule(s, t->idx, s->ch[t->idx].slot + 1);
		break;
	case T_FOLLOWERS: {
		struct account *a = &s->acc[t->idx];
		n = followers_line(s, buf, t->idx, t->ts);
		/* every 10-60 minutes: the account's own period, +-20% */
		int64_t lo = a->period * 4 / 5, hi = a->period * 6 / 5;
		lo = lo < 10 * MIN_MS ? 10 * MIN_MS : lo;
		hi = hi > 60 * MIN_MS ? 60 * MIN_MS : hi;
		tm_push(s, T_FOLLOWERS, t->idx, t->ts + rrange(&s->rfollow, lo, hi), false);
		break;
	}
	case T_POST:
		n = post_line(s, buf, t->ts);
		tm_push(s, T_POST, 0, post_after(s, t->ts), false);
		break;
	}
	return n;
}

/* ====================================================== imperfections */

/* A malformed NDJSON or IRC line, of one of several kinds, about `line` at ts. */
static size_t bad_line(struct weir_sim *s, char *out, const char *line, size_t n, int64_t ts)
{
	struct rng *r = &s->rimp;
	char tsb[32];
	char *q = put_ts(s, tsb, ts);
	*q = 0;
	const struct chan *ch = &s->ch[rbelow(r, s->nch)];
	const char *u = s->pool.p + s->users[rbelow(r, s->nusers)].name;
	int k;
	if (s->irc) {
		k = (int)rbelow(r, 5);
		switch (k) {
		case 0: /* cut short inside the tags: no command */
			q = put_irc_prefix(s, out, ts);
			q = put_mem(q, "@badge-info=;badges=subscriber/6;color=#FF0000;display-nam",
				    sizeof("@badge-info=;badges=subscriber/6;color=#FF0000;display-nam") - 1);
			*q++ = '\n';
			return (size_t)(q - out);
		case 1:
			return (size_t)snprintf(out, 256, "Traceback (most recent call last):\n");
		case 2: /* whisper: PRIVMSG to a user */
			q = put_irc_prefix(s, out, ts);
			return (size_t)(q - out) +
			       (size_t)snprintf(q, 256, ":%s!%s@%s.tmi.twitch.tv PRIVMSG %s :hey\n", u, u, u,
						ch->login);
		case 3:
			return (size_t)snprintf(out, 256,
						"    raise ConnectionResetError(\"[Errno 104] %s\")\n",
						"Connection reset by peer");
		default:
			q = put_irc_prefix(s, out, ts);
			return (size_t)(q - out) +
			       (size_t)snprintf(q, 256, ":%s!%s@%s.tmi.twitch.tv privmsg #%s :lower\n", u, u,
						u, ch->login);
		}
	}
	k = (int)rbelow(r, 11);
	switch (k) {
	case 0: { /* truncated: the writer died mid-line */
		size_t cut = n > 4 ? 1 + rbelow(r, (uint32_t)(n - 3)) : 1;
		memcpy(out, line, cut);
		out[cut] = '\n';
		return cut + 1;
	}
	case 1:
		return (size_t)snprintf(
		    out, 512,
		    "{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":\"%s\",\"channel\":%u,"
		    "\"user\":\"%s\",\"text\":\"wrong type\"}\n",
		    tsb, ch->room_id, u);
	case 2:
		return (size_t)snprintf(
		    out, 512,
		    "{\"kind\":\"followers\",\"platform\":\"twitch\",\"ts\":\"%s\",\"channel\":\"%s\","
		    "\"followers\":\"12.5k\"}\n",
		    tsb, ch->login);
	case 3:
		return (size_t)snprintf(
		    out, 512,
		    "{\"kind\":\"raid\",\"platform\":\"twitch\",\"ts\":\"%s\",\"channel\":\"%s\","
		    "\"from\":\"%s\",\"viewers\":%u}\n",
		    tsb, ch->login, u, 10 + rbelow(r, 5000));
	case 4:
		return (size_t)snprintf(
		    out, 512,
		    "{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":\"%s\",\"channel\":\"%s\","
		    "\"user\":\"%s\"}\n",
		    tsb, ch->login, u);
	case 5:
		return (size_t)snprintf(
		    out, 512,
		    "{\"kind\":\"chat\",\"platform\":\"tiktok\",\"ts\":\"%s\",\"channel\":\"%s\","
		    "\"user\":\"%s\",\"text\":\"hi\"}\n",
		    tsb, ch->login, u);
	case 6:
		return (size_t)snprintf(
		    out, 512,
		    "{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":\"%s\",\"channel\":\"%s\","
		    "\"user\":\"%s\",\"text\":\"lol\"}\n",
		    rbelow(r, 2) ? "yesterday" : "2026-02-30T25:61:00Z", ch->login, u);
	case 7:
		return (size_t)snprintf(out, 512, "[\"chat\",\"twitch\",\"%s\",\"%s\"]\n", ch->login, u);
	case 8:
		return (size_t)snprintf(
		    out, 512,
		    "{\"kind\":\"chat\",\"platform\":\"twitch\",\"ts\":\"%s\",\"channel\":\"%s\","
		    "\"user\":\"%s\",\"text\":\"caf\xc3\x28 \xff\"}\n",
		    tsb, ch->login, u);
	case 9:
		return (size_t)snprintf(
		    out, 512,
		    "{\"kind\":\"followers\",\"platform\":\"twitch\",\"ts\":\"%s\",\"channel\":\"%s\","
		    "\"followers\":-%u}\n",
		    tsb, ch->login, 1 + rbelow(r, 1000));
	default:
		return (size_t)snprintf(out, 512, "<html><body><h1>502 Bad Gateway</h1></body></html>\n");
	}
}

/* Duplicates and malformed lines after the line just written (due at ts). */
static void imperfect(struct weir_sim *s, const char *line, size_t n, int64_t ts)
{
	if (s->o.dup_rate > 0 && runif(&s->rimp) < s->o.dup_rate) {
		/* a retry after a lost ack: right away, or a few seconds on */
		int64_t d = runif(&s->rimp) < 0.5 ? 0 : rrange(&s->rimp, 1, 5000);
		if (dq_push(s, ts + d, line, n) == 0)
			s->st.dups++;
	}
	if (s->o.bad_rate > 0 && runif(&s->rimp) < s->o.bad_rate) {
		size_t bn = bad_line(s, s->badbuf, line, n, ts);
		if (dq_push(s, ts, s->badbuf, bn) == 0)
			s->st.bad++;
	}
}

/* A late line: arrives 1-5 s (half of them) or 5-120 s after its time. */
static int64_t late_delay(struct weir_sim *s)
{
	return runif(&s->rimp) < 0.5 ? rrange(&s->rimp, 1000, 5000) : rrange(&s->rimp, 5001, 120000);
}

enum { SRC_NONE, SRC_DELAYED, SRC_TIMER, SRC_CHAT };

/*
 * Runs everything that will not be written at its own time (timers that only
 * move the world, lines that will arrive late) until the earliest source is
 * one that will; returns which.
 */
static int settle(struct weir_sim *s)
{
	for (;;) {
		int64_t tc = s->chat_ts;
		int64_t tt = s->ntm ? s->tm[0].ts : INT64_MAX;
		int64_t td = s->ndq ? s->dq[0].due : INT64_MAX;
		if (tc == INT64_MAX && !want(s, WEIR_KIND_FOLLOWERS) && !want(s, WEIR_KIND_STREAM) &&
		    !want(s, WEIR_KIND_CHATTERS) && !want(s, WEIR_KIND_POST))
			tt = INT64_MAX; /* chat is over and nothing else is written */
		if (td == INT64_MAX && tt == INT64_MAX && tc == INT64_MAX)
			return SRC_NONE;
		if (td <= tt && td <= tc)
			return SRC_DELAYED;
		if (tt <= tc) {
			if (!s->tm[0].silent && !s->tm[0].late)
				return SRC_TIMER;
			struct timer t = tm_pop(s);
			size_t n = fire(s, &t, s->scratch);
			if (n && t.late) {
				s->st.events[t.type == T_SESSION     ? WEIR_KIND_STREAM
					     : t.type == T_CHATTERS  ? WEIR_KIND_CHATTERS
					     : t.type == T_FOLLOWERS ? WEIR_KIND_FOLLOWERS
								     : WEIR_KIND_POST]++;
				s->st.late++;
				int64_t due = t.ts + late_delay(s);
				dq_push(s, due, s->scratch, n);
				imperfect(s, s->scratch, n, due);
			}
			continue;
		}
		if (!s->chat_late)
			return SRC_CHAT;
		int64_t due = tc + late_delay(s);
		size_t n = chat_line(s, s->scratch, due);
		s->st.events[WEIR_KIND_CHAT]++;
		s->st.late++;
		s->chat_i++;
		dq_push(s, due, s->scratch, n);
		imperfect(s, s->scratch, n, due);
		chat_advance(s);
	}
}

int64_t weir_sim_peek(struct weir_sim *s)
{
	switch (settle(s)) {
	case SRC_DELAYED:
		return s->dq[0].due;
	case SRC_TIMER:
		return s->tm[0].ts;
	case SRC_CHAT:
		return s->chat_ts;
	default:
		return INT64_MAX;
	}
}

int weir_sim_next(struct weir_sim *s, char *buf, size_t cap, size_t *len)
{
	if (cap < s->line_max)
		return WEIR_EINVAL;
	for (;;) {
		size_t n;
		int64_t ts;
		int kind;
		switch (settle(s)) {
		case SRC_NONE:
			*len = 0;
			return 0;
		case SRC_DELAYED: {
			struct delayed d = dq_pop(s);
			memcpy(buf, d.line, d.len);
			free(d.line);
			s->clock = d.due;
			s->st.lines++;
			*len = d.len;
			return 1;
		}
		case SRC_TIMER: {
			struct timer t = tm_pop(s);
			n = fire(s, &t, buf);
			if (!n)
				continue;
			ts = t.ts;
			kind = t.type == T_SESSION     ? WEIR_KIND_STREAM
			       : t.type == T_CHATTERS  ? WEIR_KIND_CHATTERS
			       : t.type == T_FOLLOWERS ? WEIR_KIND_FOLLOWERS
						       : WEIR_KIND_POST;
			break;
		}
		default:
			ts = s->chat_ts;
			n = chat_line(s, buf, ts);
			s->chat_i++;
			kind = WEIR_KIND_CHAT;
			chat_advance(s);
			break;
		}
		s->st.events[kind]++;
		s->st.lines++;
		s->clock = ts;
		if (s->o.dup_rate > 0 || s->o.bad_rate > 0)
			imperfect(s, buf, n, ts);
		*len = n;
		return 1;
	}
}

/* ========================================================== the world */

static int add_word(struct weir_sim *s, uint32_t *capw, const char *raw, bool emote)
{
	if (s->nwords == *capw) {
		uint32_t cap = *capw ? *capw * 2 : 1024;
		struct word *w = realloc(s->words, sizeof(*w) * cap);
		if (!w)
			return WEIR_ENOMEM;
		s->words = w;
		*capw = cap;
	}
	char tmp[256];
	size_t n = strlen(raw);
	char *e = s->irc ? put_mem(tmp, raw, n) : put_json(tmp, raw, n);
	uint32_t off = pool_add(&s->pool, tmp, (size_t)(e - tmp));
	if (off == UINT32_MAX)
		return WEIR_ENOMEM;
	/* p is an offset until the pool stops growing (weir_sim_new) */
	s->words[s->nwords++] =
	    (struct word){.p = (const char *)(uintptr_t)off, .n = (uint8_t)(e - tmp), .emote = emote};
	return 0;
}

/* A list's alias table, with Zipf weights by position. */
static int list_alias(struct alias *a, uint32_t n, double sk)
{
	double *w = malloc(sizeof(double) * n);
	if (!w)
		return WEIR_ENOMEM;
	zipf_weights(w, n, sk);
	int rc = alias_build(a, w, n);
	free(w);
	return rc;
}

/*
 * The vocabulary: common chat words, emotes and a long tail of made-up
 * words in one Zipf-weighted table (emotes ~35% of tokens), plus separate
 * tables of emotes (spam), emoji, each language's words and tweet words.
 */
static int build_vocab(struct weir_sim *s, struct rng *r)
{
	uint32_t capw = 0;
	int rc = 0;
	/* 0..NCHAT_WORDS-1 chat words, then emotes, then made-up words */
	for (uint32_t i = 0; i < NCHAT_WORDS && !rc; i++)
		rc = add_word(s, &capw, chat_words[i], false);
	s->emote_first = s->nwords;
	for (uint32_t i = 0; i < NEMOTES && !rc; i++)
		rc = add_word(s, &capw, emotes[i], true);
	uint32_t made_first = s->nwords, nmade = 4000;
	/* made-up words, unique by a small open-addressing set of hashes */
	uint64_t *set = calloc(16384, sizeof(uint64_t));
	if (!set)
		return WEIR_ENOMEM;
	for (uint32_t tries = 0; s->nwords - made_first < nmade && tries < 200000 && !rc; tries++) {
		char wbuf[64];
		size_t n = 0;
		uint32_t syl = 1 + rbelow(r, 3);
		for (uint32_t k = 0; k < syl; k++) {
			const char *a = onsets[rbelow(r, sizeof(onsets) / sizeof(onsets[0]))];
			const char *v = vowels[rbelow(r, sizeof(vowels) / sizeof(vowels[0]))];
			const char *c =
			    k + 1 == syl ? codas[rbelow(r, sizeof(codas) / sizeof(codas[0]))] : "";
			n += (size_t)snprintf(wbuf + n, sizeof(wbuf) - n, "%s%s%s", a, v, c);
		}
		if (n < 3)
			continue;
		uint64_t h = mix64(n);
		for (size_t i = 0; i < n; i++)
			h = mix64(h ^ (unsigned char)wbuf[i]);
		uint32_t slot = (uint32_t)(h & 16383);
		while (set[slot] && set[slot] != h)
			slot = (slot + 1) & 16383;
		if (set[slot] == h)
			continue;
		set[slot] = h;
		rc = add_word(s, &capw, wbuf, false);
	}
	free(set);
	uint32_t nmain = s->nwords;
	s->emoji_first = s->nwords;
	for (uint32_t i = 0; i < sizeof(w_emoji) / sizeof(w_emoji[0]) && !rc; i++)
		rc = add_word(s, &capw, w_emoji[i], false);
	for (int l = 1; l < NLANG && !rc; l++) {
		s->lang_first[l] = s->nwords;
		for (uint32_t i = 0; i < lang_words[l].n && !rc; i++)
			rc = add_word(s, &capw, lang_words[l].w[i], false);
	}
	s->post_first = s->nwords;
	for (uint32_t i = 0; i < NPOST_WORDS && !rc; i++)
		rc = add_word(s, &capw, post_words[i], false);
	if (rc)
		return rc;

	double *w = malloc(sizeof(double) * nmain);
	if (!w)
		return WEIR_ENOMEM;
	double sw = 0, se = 0, sm = 0;
	for (uint32_t i = 0; i < nmain; i++) {
		if (i < s->emote_first)
			sw += w[i] = pow(i + 1.0, -1.0);
		else if (i < made_first)
			se += w[i] = pow(i - s->emote_first + 1.0, -1.0);
		else
			sm += w[i] = pow(i - made_first + 1.0, -0.9);
	}
	for (uint32_t i = 0; i < nmain; i++)
		w[i] *= i < s->emote_first ? 0.55 / sw : i < made_first ? 0.35 / se : 0.10 / sm;
	rc = alias_build(&s->vocab, w, nmain);
	free(w);
	if (!rc)
		rc = build_nwords(&s->nwords_alias);
	if (!rc)
		rc = list_alias(&s->emote_alias, NEMOTES, 0.9);
	if (!rc)
		rc = list_alias(&s->emoji_alias, sizeof(w_emoji) / sizeof(w_emoji[0]), 0.8);
	for (int l = 1; l < NLANG && !rc; l++)
		rc = list_alias(&s->lang_alias[l], lang_words[l].n, 0.8);
	if (!rc)
		rc = list_alias(&s->post_alias, NPOST_WORDS, 0.6);
	return rc;
}

/* A lowercase name not yet in the hash set `set` (cap a power of two); false if it is taken. */
static bool name_unique(uint64_t *set, uint32_t cap, const char *name)
{
	uint64_t h = 0x12345;
	for (const char *p = name; *p; p++)
		h = mix64(h ^ (unsigned char)*p);
	h |= 1;
	uint32_t i = (uint32_t)h & (cap - 1);
	while (set[i]) {
		if (set[i] == h)
			return false;
		i = (i + 1) & (cap - 1);
	}
	set[i] = h;
	return true;
}

static void make_name(struct rng *r, char *out, size_t cap, bool streamer)
{
	const char *a = name_a[rbelow(r, sizeof(name_a) / sizeof(name_a[0]))];
	const char *b = name_b[rbelow(r, sizeof(name_b) / sizeof(name_b[0]))];
	uint32_t pat = rbelow(r, streamer ? 4 : 9);
	switch (pat) {
	case 0:
		snprintf(out, cap, "%s%s", a, b);
		break;
	case 1:
		snprintf(out, cap, "%s_%s", a, b);
		break;
	case 2:
		snprintf(out, cap, "%s%s%s", a, b,
			 chan_suffix[rbelow(r, sizeof(chan_suffix) / sizeof(chan_suffix[0]))]);
		break;
	case 3:
		snprintf(out, cap, "%s%s", b,
			 chan_suffix[rbelow(r, sizeof(chan_suffix) / sizeof(chan_suffix[0]))]);
		break;
	case 4:
		snprintf(out, cap, "%s%s%u", a, b, rbelow(r, 100));
		break;
	case 5:
		snprintf(out, cap, "%s%u", b, 1970 + rbelow(r, 40));
		break;
	case 6: { /* leet: skinny_b0nes */
		snprintf(out, cap, "%s_%s", a, b);
		for (char *p = out; *p; p++)
			if (*p == 'o' && rbelow(r, 2))
				*p = '0';
			else if (*p == 'e' && rbelow(r, 3) == 0)
				*p = '3';
		break;
	}
	case 7:
		snprintf(out, cap, "%c%u", 'a' + (char)rbelow(r, 26), 1000 + rbelow(r, 9000000));
		break;
	default: { /* keyboard mash: sdadsanjwhe */
		uint32_t n = 6 + rbelow(r, 8);
		for (uint32_t i = 0; i < n && i + 1 < cap; i++)
			out[i] = "asdfghjklqwertyuiopzxcvbnm"[rbelow(r, i & 1 ? 26 : 9)];
		out[n < cap ? n : cap - 1] = 0;
	}
	}
	out[MAX_LOGIN] = 0;
}

/* The name as a Twitch display name: NovaKitten, Hyper_Brah. */
static void camel(const char *login, char *out)
{
	bool up = true;
	size_t i = 0;
	for (; login[i]; i++) {
		char c = login[i];
		out[i] = (up && c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
		up = c == '_';
	}
	out[i] = 0;
	/* capitalize the second word of two glued ones where we know it */
	for (size_t k = 0; k < sizeof(name_b) / sizeof(name_b[0]); k++) {
		size_t n = strlen(name_b[k]);
		if (i > n + 2) {
			char *hit = strstr(out + 2, name_b[k]);
			if (hit && hit[-1] != '_') {
				*hit = (char)(*hit - 32);
				break;
			}
		}
	}
}

static uint32_t pick_lang(struct rng *r)
{
	double tot = 0, x;
	for (int i = 0; i < NLANG; i++)
		tot += lang_share[i];
	x = runif(r) * tot;
	for (int i = 0; i < NLANG; i++) {
		if (x < lang_share[i])
			return (uint32_t)i;
		x -= lang_share[i];
	}
	return 0;
}

static int build_channels(struct weir_sim *s, struct rng *r)
{
	uint32_t n = s->o.channels, cap = 1;
	while (cap < n * 4 + 64)
		cap <<= 1;
	uint64_t *set = calloc(cap, sizeof(uint64_t));
	s->ch = calloc(n, sizeof(*s->ch));
	double *gw = malloc(sizeof(double) * NGAMES);
	if (!set || !s->ch || !gw) {
		free(set);
		free(gw);
		return WEIR_ENOMEM;
	}
	s->nch = n;
	for (uint32_t i = 0; i < NGAMES; i++)
		gw[i] = games[i].pop;
	struct alias ga;
	if (alias_build(&ga, gw, NGAMES) != 0) {
		free(set);
		free(gw);
		return WEIR_ENOMEM;
	}
	for (uint32_t c = 0; c < n; c++) {
		struct chan *ch = &s->ch[c];
		char name[64];
		for (int tries = 0;; tries++) {
			make_name(r, name, sizeof(name), true);
			if (tries > 20)
				snprintf(name + (strlen(name) > 18 ? 18 : strlen(name)), 12, "%u", c);
			if (strlen(name) >= 4 && name_unique(set, cap, name))
				break;
		}
		memcpy(ch->login, name, strlen(name) + 1);
		ch->login_len = (uint8_t)strlen(name);
		camel(ch->login, ch->display);
		ch->lang = (uint8_t)pick_lang(r);
		ch->pop = pow(c + 1.0, -1.1);
		ch->room_id = 20000000 + (uint32_t)((c * 2654435761u) % 900000000u);
		/* most stream in their region's evening; some at any hour (a trough, never silence) */
		double hour = runif(r) < 0.2 ? 24.0 * runif(r) : lang_hour[ch->lang] + 3.0 * rgauss(r);
		ch->pref_start = fmod(hour + 48.0, 24.0) * (double)HOUR_MS;
		ch->dur_mean = (3.0 + 4.0 * runif(r)) * (double)HOUR_MS;
		ch->dedication = 0.45 + 0.5 * runif(r);
		ch->viewers_base = 5.0 + 60000.0 * ch->pop * exp(0.4 * rgauss(r));
		ch->w_live = (uint64_t)(ch->pop * 1e6) + 50;
		ch->w_off = ch->w_live / 50 + 1;
		ch->ngames = (uint8_t)(1 + rbelow(r, 3));
		for (uint32_t k = 0; k < ch->ngames; k++)
			ch->fav[k] = (uint8_t)alias_sample(&ga, r);
		if (rbelow(r, 10) == 0)
			ch->fav[0] = 0; /* a Just Chatting streamer */
		uint32_t yt = rbelow(r, 10);
		if (yt < 7) {
			static const char *const ysuf[] = {"", "TV", "Official", "Gaming", "Clips", ""};
			snprintf(ch->yt, sizeof(ch->yt), "%s%s", ch->display, ysuf[rbelow(r, 6)]);
		}
		uint32_t tw = rbelow(r, 10);
		if (tw < 8) {
			if (tw < 4)
				snprintf(ch->tw, sizeof(ch->tw), "%.15s", ch->login);
			else if (tw < 6)
				snprintf(ch->tw, sizeof(ch->tw), "%.14s_", ch->display);
			else
				snprintf(ch->tw, sizeof(ch->tw), "real%.11s", ch->display);
		}
	}
	alias_free(&ga);
	free(set);
	free(gw);
	double *cw = malloc(sizeof(double) * n);
	if (!cw)
		return WEIR_ENOMEM;
	for (uint32_t c = 0; c < n; c++)
		cw[c] = s->ch[c].pop;
	int rc = alias_build(&s->chan_alias, cw, n);
	free(cw);
	return rc;
}

/* Appends a formatted fragment to the pool; returns its offset. */
static uint32_t pool_frag(struct pool *p, const char *b, const char *e, uint16_t *len)
{
	*len = (uint16_t)(e - b);
	return pool_add(p, b, (size_t)(e - b));
}

static int build_users(struct weir_sim *s, struct rng *r)
{
	uint32_t n = s->o.users, cap = 1;
	while (cap < n * 2 + 64)
		cap <<= 1;
	uint64_t *set = calloc(cap, sizeof(uint64_t));
	s->users = calloc(n, sizeof(*s->users));
	if (!set || !s->users) {
		free(set);
		return WEIR_ENOMEM;
	}
	s->nusers = n;
	/* channel logins are taken too */
	for (uint32_t c = 0; c < s->nch; c++)
		name_unique(set, cap, s->ch[c].login);
	for (uint32_t i = 0; i < n; i++) {
		struct user *u = &s->users[i];
		char name[64], disp[80], f[512], *p;
		for (int tries = 0;; tries++) {
			make_name(r, name, sizeof(name), false);
			if (tries > 10) {
				size_t l = strlen(name);
				snprintf(name + (l > 16 ? 16 : l), 12, "%u", i);
			}
			if (strlen(name) >= 3 && name_unique(set, cap, name))
				break;
		}
		u->name_len = (uint8_t)strlen(name);
		u->name = pool_add(&s->pool, name, u->name_len);
		u->uid = 100000000u + (uint32_t)((i * 2654435761u) & 0x3fffffff);
		u->lang = L_EN;
		double fu = runif(r);
		u->post_followers = floor(exp(3.5 + 1.6 * rgauss(r)));

		/* display name: the login (55%), its capitalization, or a name in another script */
		uint32_t dm = rbelow(r, 100);
		if (dm < 55)
			strcpy(disp, name);
		else if (dm < 88)
			camel(name, disp);
		else if (dm < 93) {
			for (size_t k = 0; k <= u->name_len; k++)
				disp[k] = (name[k] >= 'a' && name[k] <= 'z') ? (char)(name[k] - 32) : name[k];
		} else if (dm < 96)
			strcpy(disp, jp_names[rbelow(r, sizeof(jp_names) / sizeof(jp_names[0]))]);
		else if (dm < 98)
			strcpy(disp, ko_names[rbelow(r, sizeof(ko_names) / sizeof(ko_names[0]))]);
		else
			strcpy(disp, ru_names[rbelow(r, sizeof(ru_names) / sizeof(ru_names[0]))]);

		/* badges, in Twitch's order */
		char badges[160] = "", binfo[40] = "";
		size_t bl = 0;
		bool sub = false;
		if (rbelow(r, 100) < 2)
			bl += (size_t)snprintf(badges + bl, sizeof(badges) - bl, "%smoderator/1",
					       bl ? "," : "");
		else if (rbelow(r, 100) < 2)
			bl += (size_t)snprintf(badges + bl, sizeof(badges) - bl, "%svip/1", bl ? "," : "");
		if (fu < 0.4) {
			static const unsigned months[] = {0, 3, 6, 9, 12, 18, 24, 36, 48};
			unsigned m = months[rbelow(r, 9)];
			bl += (size_t)snprintf(badges + bl, sizeof(badges) - bl, "%ssubscriber/%u",
					       bl ? "," : "", m);
			snprintf(binfo, sizeof(binfo), "subscriber/%u", m + rbelow(r, 3));
			sub = true;
		}
		if (rbelow(r, 100) < 5)
			bl += (size_t)snprintf(badges + bl, sizeof(badges) - bl, "%sbits/%u", bl ? "," : "",
					       rbelow(r, 2) ? 100 : 1000);
		if (rbelow(r, 100) < 3)
			bl += (size_t)snprintf(badges + bl, sizeof(badges) - bl, "%ssub-gifter/5",
					       bl ? "," : "");
		if (rbelow(r, 100) < 10)
			bl +=
			    (size_t)snprintf(badges + bl, sizeof(badges) - bl, "%spremium/1", bl ? "," : "");
		const char *color = colors[rbelow(r, sizeof(colors) / sizeof(colors[0]))];

		if (!s->irc) {
			p = f;
			PUT(p, ",\"user\":\"");
			p = put_mem(p, name, u->name_len);
			PUT(p, "\",\"user_id\":\"");
			p = put_u64(p, u->uid);
			*p++ = '"';
			if (strcmp(disp, name) != 0) {
				PUT(p, ",\"display_name\":");
				p = put_jstr(p, disp);
			}
			if (bl) {
				PUT(p, ",\"badges\":[");
				const char *b = badges;
				for (;;) {
					const char *e = strchr(b, ',');
					size_t k = e ? (size_t)(e - b) : strlen(b);
					*p++ = '"';
					p = put_mem(p, b, k);
					*p++ = '"';
					if (!e)
						break;
					*p++ = ',';
					b = e + 1;
				}
				*p++ = ']';
			}
			u->frag = pool_frag(&s->pool, f, p, &u->frag_len);
		} else {
			p = f;
			PUT(p, "@badge-info=");
			p = put_tagval(p, binfo, strlen(binfo));
			PUT(p, ";badges=");
			p = put_mem(p, badges, bl);
			PUT(p, ";color=");
			p = put_mem(p, color, strlen(color));
			PUT(p, ";display-name=");
			p = put_tagval(p, disp, strlen(disp));
			PUT(p, ";emotes=;first-msg=0;flags=;id=");
			u->frag = pool_frag(&s->pool, f, p, &u->frag_len);
			p = f;
			PUT(p, ";subscriber=");
			*p++ = sub ? '1' : '0';
			PUT(p, ";tmi-sent-ts=");
			u->frag2 = pool_frag(&s->pool, f, p, &u->frag2_len);
			p = f;
			PUT(p, ";turbo=0;user-id=");
			p = put_u64(p, u->uid);
			PUT(p, ";user-type= :");
			p = put_mem(p, name, u->name_len);
			*p++ = '!';
			p = put_mem(p, name, u->name_len);
			*p++ = '@';
			p = put_mem(p, name, u->name_len);
			PUT(p, ".tmi.twitch.tv PRIVMSG #");
			u->frag3 = pool_frag(&s->pool, f, p, &u->frag3_len);
		}
		if (u->frag == UINT32_MAX || u->name == UINT32_MAX) {
			free(set);
			return WEIR_ENOMEM;
		}
	}
	free(set);
	return 0;
}

/*
 * Audiences: each user follows 1-6 channels drawn by popularity (so users
 * sit in several channels and big channels have big audiences); within a
 * channel, chat activity is Zipf over a shuffled order of its audience.
 */
static int build_audiences(struct weir_sim *s, struct rng *r)
{
	uint32_t nu = s->nusers, nc = s->nch;
	uint32_t *pick = malloc(sizeof(uint32_t) * nu * 6), *npick = malloc(sizeof(uint32_t) * nu);
	uint32_t *cnt = calloc(nc, sizeof(uint32_t));
	if (!pick || !npick || !cnt)
		goto fail;
	for (uint32_t u = 0; u < nu; u++) {
		uint32_t k = 1;
		while (k < 6 && runif(r) < 0.55)
			k++;
		npick[u] = 0;
		for (uint32_t j = 0; j < k; j++) {
			uint32_t c = alias_sample(&s->chan_alias, r);
			bool dup = false;
			for (uint32_t q = 0; q < npick[u]; q++)
				dup |= pick[u * 6 + q] == c;
			if (!dup) {
				pick[u * 6 + npick[u]++] = c;
				cnt[c]++;
			}
		}
		s->users[u].lang = s->ch[pick[u * 6]].lang;
	}
	for (uint32_t c = 0; c < nc; c++)
		if (!cnt[c]) { /* every channel has someone */
			uint32_t u = c % nu;
			if (npick[u] < 6) {
				pick[u * 6 + npick[u]++] = c;
				cnt[c]++;
			}
		}
	uint64_t total = 0;
	for (uint32_t c = 0; c < nc; c++) {
		s->ch[c].aud_off = (uint32_t)total;
		s->ch[c].aud_n = 0;
		total += cnt[c];
	}
	s->aud = malloc(sizeof(uint32_t) * (total ? total : 1));
	s->aud_prob = malloc(sizeof(uint32_t) * (total ? total : 1));
	s->aud_alias = malloc(sizeof(uint32_t) * (total ? total : 1));
	double *w = malloc(sizeof(double) * (total ? total : 1));
	if (!s->aud || !s->aud_prob || !s->aud_alias || !w) {
		free(w);
		goto fail;
	}
	for (uint32_t u = 0; u < nu; u++)
		for (uint32_t j = 0; j < npick[u]; j++) {
			struct chan *ch = &s->ch[pick[u * 6 + j]];
			s->aud[ch->aud_off + ch->aud_n++] = u;
		}
	for (uint32_t c = 0; c < nc; c++) {
		struct chan *ch = &s->ch[c];
		uint32_t *a = s->aud + ch->aud_off;
		for (uint32_t i = ch->aud_n; i > 1; i--) {
			uint32_t j = rbelow(r, i), t = a[i - 1];
			a[i - 1] = a[j];
			a[j] = t;
		}
		if (!ch->aud_n)
			continue;
		struct alias al;
		zipf_weights(w, ch->aud_n, 0.85);
		if (alias_build(&al, w, ch->aud_n) != 0) {
			free(w);
			goto fail;
		}
		memcpy(s->aud_prob + ch->aud_off, al.prob, sizeof(uint32_t) * ch->aud_n);
		memcpy(s->aud_alias + ch->aud_off, al.alias, sizeof(uint32_t) * ch->aud_n);
		alias_free(&al);
	}
	/* tweet authors: Zipf over users */
	zipf_weights(w, nu, 0.7);
	int rc = alias_build(&s->author_alias, w, nu);
	free(w);
	free(pick);
	free(npick);
	free(cnt);
	return rc;
fail:
	free(pick);
	free(npick);
	free(cnt);
	return WEIR_ENOMEM;
}

static int build_accounts(struct weir_sim *s, struct rng *r)
{
	s->acc = calloc((size_t)s->nch * 3, sizeof(*s->acc));
	if (!s->acc)
		return WEIR_ENOMEM;
	for (uint32_t c = 0; c < s->nch; c++) {
		const struct chan *ch = &s->ch[c];
		double tf = ch->viewers_base * (80.0 + 120.0 * runif(r)) + (double)rbelow(r, 300);
		for (int t = ACC_TWITCH; t <= ACC_TWITTER; t++) {
			if ((t == ACC_YOUTUBE && !ch->yt[0]) || (t == ACC_TWITTER && !ch->tw[0]))
				continue;
			if (t == ACC_TWITTER)
				s->ch[c].tw_acc = s->nacc;
			struct account *a = &s->acc[s->nacc++];
			a->chan = c;
			a->type = (uint8_t)t;
			double f = t == ACC_TWITCH    ? tf
				   : t == ACC_YOUTUBE ? tf * (0.2 + 1.3 * runif(r))
						      : tf * (0.1 + 0.7 * runif(r));
			a->followers = (int64_t)f;
			a->period = rrange(r, 10, 60) * MIN_MS;
			a->last = s->o.start_ms;
		}
	}
	return 0;
}

/*
 * The cumulative chat intensity of a historical run: per bucket, the
 * channels' chat weights (live or not, from their sessions) times the daily
 * cycle. Message i goes where the cumulative reaches (i + u) / N of the total.
 */
static int build_intensity(struct weir_sim *s)
{
	double span = (double)(s->end - s->o.start_ms);
	s->bw = fmax((double)MIN_MS, ceil(span / (double)(1 << 20)));
	s->nb = (uint32_t)ceil(span / s->bw);
	if (s->nb < 1)
		s->nb = 1;
	double *diff = calloc(s->nb + 1, sizeof(double));
	s->lam = malloc(sizeof(double) * (s->nb + 1));
	if (!diff || !s->lam) {
		free(diff);
		return WEIR_ENOMEM;
	}
	double base = 0;
	for (uint32_t c = 0; c < s->nch; c++) {
		const struct chan *ch = &s->ch[c];
		double dw = (double)(ch->w_live - ch->w_off);
		base += (double)ch->w_off;
		int64_t d0 = floordiv(s->o.start_ms, DAY_MS) - 1, d1 = floordiv(s->end, DAY_MS) + 1;
		for (int64_t d = d0; d <= d1; d++) {
			int64_t st, en;
			if (!session_on(s, c, d, &st, &en, NULL))
				continue;
			if (st < s->o.start_ms)
				st = s->o.start_ms;
			if (en > s->end)
				en = s->end;
			if (en <= st)
				continue;
			diff[(uint32_t)((double)(st - s->o.start_ms) / s->bw)] += dw;
			diff[(uint32_t)((double)(en - s->o.start_ms) / s->bw)] -= dw;
		}
	}
	double w = base, cum = 0;
	s->lam[0] = 0;
	for (uint32_t b = 0; b < s->nb; b++) {
		w += diff[b];
		double b0 = (double)s->o.start_ms + (double)b * s->bw;
		double width = fmin(s->bw, (double)s->end - b0);
		cum += fmax(w, 1.0) * cycle((int64_t)(b0 + width / 2)) * width;
		s->lam[b + 1] = cum;
	}
	free(diff);
	s->lam_scale = cum / (double)s->chat_n;
	return 0;
}

void weir_sim_opts_init(struct weir_sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->start_ms = WEIR_SIM_DEFAULT_START;
	o->span_ms = WEIR_MS_PER_DAY;
	o->format = WEIR_SIM_NDJSON;
	o->kinds = WEIR_SIM_ALL_KINDS;
	o->channels = 100;
	o->users = 20000;
	o->chatters_cap = 1000;
	o->dup_rate = 0.001;
	o->late_rate = 0.002;
	o->bad_rate = 0.0005;
}

size_t weir_sim_line_max(const struct weir_sim *s)
{
	return s->line_max;
}

int64_t weir_sim_clock(const struct weir_sim *s)
{
	return s->clock;
}

void weir_sim_stats(const struct weir_sim *s, struct weir_sim_stats *st)
{
	*st = s->st;
}

void weir_sim_free(struct weir_sim *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->ndq; i++)
		free(s->dq[i].line);
	free(s->dq);
	free(s->tm);
	free(s->pool.p);
	free(s->words);
	alias_free(&s->nwords_alias);
	alias_free(&s->vocab);
	alias_free(&s->emote_alias);
	alias_free(&s->emoji_alias);
	for (int l = 0; l < NLANG; l++)
		alias_free(&s->lang_alias[l]);
	alias_free(&s->post_alias);
	alias_free(&s->chan_alias);
	alias_free(&s->author_alias);
	free(s->ch);
	free(s->users);
	free(s->aud);
	free(s->aud_prob);
	free(s->aud_alias);
	free(s->acc);
	free(s->fen);
	free(s->lam);
	free(s->ring);
	free(s->posts);
	free(s->scratch);
	free(s->badbuf);
	free(s);
}

static bool rate_ok(double x)
{
	return x >= 0 && x <= 1; /* false for NaN too */
}

int weir_sim_new(const struct weir_sim_opts *o, struct weir_sim **out)
{
	*out = NULL;
	if (o->channels < 1 || o->channels > 100000 || o->users < 1 || o->users > 2000000 ||
	    o->chatters_cap < 1 || o->chatters_cap > 100000 || !rate_ok(o->dup_rate) ||
	    !rate_ok(o->late_rate) || !rate_ok(o->bad_rate) || o->span_ms <= 0 || o->start_ms < 0 ||
	    o->start_ms > 253402300799000LL || !(o->rate >= 0) || o->rate > 1e9 ||
	    (o->format != WEIR_SIM_NDJSON && o->format != WEIR_SIM_IRC) ||
	    (o->kinds & ~(unsigned)WEIR_SIM_ALL_KINDS) || !o->kinds)
		return WEIR_EINVAL;
	if (o->span_ms != INT64_MAX &&
	    (o->span_ms > 3660 * DAY_MS || o->start_ms + o->span_ms > 253402300800000LL))
		return WEIR_EINVAL; /* at most ten years, ending by 9999 */
	struct weir_sim *s = calloc(1, sizeof(*s));
	if (!s)
		return WEIR_ENOMEM;
	s->o = *o;
	s->irc = o->format == WEIR_SIM_IRC;
	if (s->irc) {
		s->o.kinds &= WEIR_SIM_KIND(WEIR_KIND_CHAT);
		if (!s->o.kinds) {
			free(s);
			return WEIR_EINVAL;
		}
	}
	s->end = o->span_ms == INT64_MAX || o->start_ms > INT64_MAX - o->span_ms ? INT64_MAX
										 : o->start_ms + o->span_ms;
	s->tc_sec = -1;
	s->tag_hour = INT64_MIN;
	s->line_max = LINE_BASE;
	size_t cm = 256 + (size_t)s->o.chatters_cap * (MAX_LOGIN + 3);
	if (cm > s->line_max)
		s->line_max = cm;

	struct rng world;
	rng_seed(&world, o->seed, 1);
	rng_seed(&s->rchat, o->seed, 2);
	rng_seed(&s->rstream, o->seed, 3);
	rng_seed(&s->rchatters, o->seed, 4);
	rng_seed(&s->rfollow, o->seed, 5);
	rng_seed(&s->rpost, o->seed, 6);
	rng_seed(&s->rimp, o->seed, 7);

	int rc = WEIR_ENOMEM;
	s->scratch = malloc(s->line_max);
	s->badbuf = malloc(s->line_max);
	s->ring = calloc(RING_N, sizeof(*s->ring));
	s->posts = calloc(POST_RING_N, sizeof(*s->posts));
	if (!s->scratch || !s->badbuf || !s->ring || !s->posts)
		goto fail;
	if ((rc = build_vocab(s, &world)) || (rc = build_channels(s, &world)) ||
	    (rc = build_users(s, &world)) || (rc = build_audiences(s, &world)) ||
	    (rc = build_accounts(s, &world)))
		goto fail;

	/* per-channel fragments */
	for (uint32_t c = 0; c < s->nch; c++) {
		struct chan *ch = &s->ch[c];
		char f[128], *p = f;
		if (!s->irc) {
			PUT(p, "\",\"channel\":\"");
			p = put_mem(p, ch->login, ch->login_len);
			*p++ = '"';
		} else {
			PUT(p, "returning-chatter=0;room-id=");
			p = put_u64(p, ch->room_id);
		}
		ch->frag = pool_frag(&s->pool, f, p, &ch->frag_len);
		if (ch->frag == UINT32_MAX)
			goto fail;
	}

	if (pool_reserve(&s->pool, WORD_COPY) != 0)
		goto fail;
	memset(s->pool.p + s->pool.n, 0, WORD_COPY);
	for (uint32_t i = 0; i < s->nwords; i++)
		s->words[i].p = s->pool.p + (uintptr_t)s->words[i].p;

	/* chat weights and the stream timers */
	rc = WEIR_ENOMEM;
	s->fen = calloc(s->nch + 1, sizeof(uint64_t));
	if (!s->fen)
		goto fail;
	for (s->fen_top = 1; s->fen_top * 2 <= s->nch; s->fen_top *= 2)
		;
	bool stream_out = want(s, WEIR_KIND_STREAM);
	for (uint32_t c = 0; c < s->nch; c++) {
		struct chan *ch = &s->ch[c];
		int64_t st, en;
		if (!session_next(s, c, o->start_ms, &st, &en)) {
			st = en = INT64_MAX;
		}
		ch->st = st;
		ch->en = en;
		ch->live = st <= o->start_ms;
		fen_add(s, c, (int64_t)(ch->live ? ch->w_live : ch->w_off));
		if (st == INT64_MAX)
			continue;
		if (ch->live)
			rc = tm_push(s, T_SESSION, c,
				     stream_out ? o->start_ms + rrange(&s->rstream, 0, MIN_MS) : en,
				     !stream_out);
		else
			rc = tm_push(s, T_SESSION, c, st, !stream_out);
		if (rc)
			goto fail;
		if (want(s, WEIR_KIND_CHATTERS))
			chatters_schedule(s, c, o->start_ms);
	}
	for (uint32_t i = 0; i < s->nacc && want(s, WEIR_KIND_FOLLOWERS); i++)
		if ((rc = tm_push(s, T_FOLLOWERS, i, o->start_ms + rrange(&s->rfollow, 0, s->acc[i].period),
				  false)))
			goto fail;

	/* chat: how many messages, and when */
	double chat_rate = o->rate > 0 ? o->rate : 0.1 * s->nch; /* per second */
	if (o->rate > 0 || s->end == INT64_MAX) {
		s->poisson = true;
		s->chat_n = o->messages ? o->messages : UINT64_MAX;
		s->chat_gap = 1000.0 / chat_rate;
		s->chat_t = (double)o->start_ms;
	} else {
		s->chat_n =
		    o->messages ? o->messages : (uint64_t)llround(chat_rate * (double)o->span_ms / 1000.0);
		if (s->chat_n && (rc = build_intensity(s)))
			goto fail;
		chat_rate = (double)s->chat_n * 1000.0 / (double)o->span_ms;
	}
	s->chat_ts = INT64_MAX;
	chat_advance(s);

	/* posts: 5% of the chat rate */
	s->post_rate = fmax(chat_rate * 0.05, 0.001) / 1000.0;
	if (want(s, WEIR_KIND_POST) && (rc = tm_push(s, T_POST, 0, post_after(s, o->start_ms), false)))
		goto fail;
	*out = s;
	return 0;
fail:
	weir_sim_free(s);
	return rc ? rc : WEIR_ENOMEM;
}

/* ========================================================== reference */

static int csv_field(FILE *f, const char *v)
{
	if (!strpbrk(v, ",\"\n\r"))
		return fputs(v, f);
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	return fputc('"', f);
}

static int json_field(FILE *f, const char *v)
{
	char buf[512];
	if (!v || !*v)
		return fputs("null", f);
	char *e = put_jstr(buf, v);
	return (int)fwrite(buf, 1, (size_t)(e - buf), f);
}

static FILE *ref_open(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "w");
}

static int ref_close(FILE *f, int rc)
{
	if (ferror(f))
		rc = WEIR_EIO;
	if (fclose(f) != 0)
		rc = WEIR_EIO;
	return rc;
}

int weir_sim_write_reference(const struct weir_sim *s, const char *dir)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return WEIR_EIO;
	FILE *f;
	int rc = 0;

	if (!(f = ref_open(dir, "streamers.csv")))
		return WEIR_EIO;
	fputs("streamer,display_name,twitch,youtube,twitter,language\n", f);
	for (uint32_t c = 0; c < s->nch; c++) {
		const struct chan *ch = &s->ch[c];
		fprintf(f, "%s,%s,%s,", ch->login, ch->display, ch->login);
		csv_field(f, ch->yt);
		fputc(',', f);
		csv_field(f, ch->tw);
		fprintf(f, ",%s\n", lang_code[ch->lang]);
	}
	if ((rc = ref_close(f, rc)))
		return rc;

	if (!(f = ref_open(dir, "streamers.json")))
		return WEIR_EIO;
	fputs("[\n", f);
	for (uint32_t c = 0; c < s->nch; c++) {
		const struct chan *ch = &s->ch[c];
		fputs("  {\"streamer\":", f);
		json_field(f, ch->login);
		fputs(",\"display_name\":", f);
		json_field(f, ch->display);
		fputs(",\"twitch\":", f);
		json_field(f, ch->login);
		fputs(",\"youtube\":", f);
		json_field(f, ch->yt);
		fputs(",\"twitter\":", f);
		json_field(f, ch->tw);
		fprintf(f, ",\"language\":\"%s\"}%s\n", lang_code[ch->lang], c + 1 < s->nch ? "," : "");
	}
	fputs("]\n", f);
	if ((rc = ref_close(f, rc)))
		return rc;

	if (!(f = ref_open(dir, "games.csv")))
		return WEIR_EIO;
	fputs("game,genre,console\n", f);
	for (uint32_t g = 0; g < NGAMES; g++) {
		csv_field(f, games[g].name);
		fputc(',', f);
		csv_field(f, games[g].genre);
		fputc(',', f);
		csv_field(f, games[g].console);
		fputc('\n', f);
	}
	if ((rc = ref_close(f, rc)))
		return rc;

	if (!(f = ref_open(dir, "games.json")))
		return WEIR_EIO;
	fputs("[\n", f);
	for (uint32_t g = 0; g < NGAMES; g++) {
		fputs("  {\"game\":", f);
		json_field(f, games[g].name);
		fputs(",\"genre\":", f);
		json_field(f, games[g].genre);
		fputs(",\"console\":", f);
		json_field(f, games[g].console);
		fprintf(f, "}%s\n", g + 1 < NGAMES ? "," : "");
	}
	fputs("]\n", f);
	return ref_close(f, rc);
}
