/*
 * vader.c — VADER sentiment, a port of the npm package vader-sentiment
 * 1.1.3 (src/vaderSentiment.js), scored per post by the posts operator.
 *
 * Data flow: weir_vader_compound() runs on a worker thread for each post
 * text; the result (compound × 10000, an integer) travels in the post's
 * record to the store, where per-window sums merge exactly.
 *
 * Exactness: the package is the reference (tests/unit/test_vader.c scores a
 * corpus with both), so this file reproduces its behaviour, including what
 * differs from the Python original:
 *   - words are the pieces of the text split at each JavaScript whitespace
 *     character (\s: ASCII space, tab, CR, LF, VT, FF, U+00A0, U+1680,
 *     U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF), kept
 *     when longer than one UTF-16 code unit (an astral emoji is two);
 *   - a word that is one of PUNC_LIST's strings glued before or after a run
 *     without ASCII punctuation (longer than one unit) loses that
 *     punctuation ("great!!" -> "great", but "great!!!!" and "'cat'" stay);
 *   - lexicon and booster look-ups lowercase the word as toLowerCase() would;
 *     no reachable lexicon key is outside ASCII, so lowercasing ASCII letters
 *     and U+212A KELVIN SIGN (the one non-ASCII character whose lowercase is
 *     ASCII) gives the same look-ups;
 *   - negation, "never so/this", "but" and the idioms compare words
 *     case-sensitively, as the package does;
 *   - the compound is rounded with toFixed(4) (exact value, halves up).
 * Arithmetic is done on doubles in the package's order of operations, so
 * scores agree to the bit (C11 mode: no FMA contraction).
 *
 * The lexicon is generated from the package at build time (Makefile:
 * build/gen/vader_lexicon.inc); keys the package can never match (with an
 * upper-case letter or whitespace, since it looks up a lowercased single
 * word) are left out by the generator.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL /* header-only XXH3: short keys hash without a library call */
#include <xxhash.h>

#include "weir/common.h"
#include "weir/vader.h"

struct lexent {
	const char *w;
	double v;
};

static const struct lexent lexicon[] = {
#include "vader_lexicon.inc"
};
#define NLEX (sizeof(lexicon) / sizeof(lexicon[0]))

#define B_INCR 0.293
#define B_DECR -0.293
#define C_INCR 0.733
#define N_SCALAR -0.74

/* BOOSTER_DICT's single words (its two-word keys are checked in idioms). */
static const char *const boost_up[] = {
    "absolutely",   "amazingly",     "awfully",	   "completely", "considerably", "decidedly",
    "deeply",	    "effing",	     "enormously", "entirely",	 "especially",	 "exceptionally",
    "extremely",    "fabulously",    "flipping",   "flippin",	 "fricking",	 "frickin",
    "frigging",	    "friggin",	     "fully",	   "fucking",	 "greatly",	 "hella",
    "highly",	    "hugely",	     "incredibly", "intensely",	 "majorly",	 "more",
    "most",	    "particularly",  "purely",	   "quite",	 "really",	 "remarkably",
    "so",	    "substantially", "thoroughly", "totally",	 "tremendously", "uber",
    "unbelievably", "unusually",     "utterly",	   "very",
};
static const char *const boost_down[] = {
    "almost",	"barely",   "hardly",	  "kinda",	  "kindof",  "kind-of",
    "less",	"little",   "marginally", "occasionally", "partly",  "scarcely",
    "slightly", "somewhat", "sorta",	  "sortof",	  "sort-of",
};
static const char *const negate[] = {
    "aint",	"arent",    "cannot",	 "cant",    "couldnt", "darent",   "didnt",   "doesnt", "ain't",
    "aren't",	"can't",    "couldn't",	 "daren't", "didn't",  "doesn't",  "dont",    "hadnt",	"hasnt",
    "havent",	"isnt",	    "mightnt",	 "mustnt",  "neither", "don't",	   "hadn't",  "hasn't", "haven't",
    "isn't",	"mightn't", "mustn't",	 "neednt",  "needn't", "never",	   "none",    "nope",	"nor",
    "not",	"nothing",  "nowhere",	 "oughtnt", "shant",   "shouldnt", "uhuh",    "wasnt",	"werent",
    "oughtn't", "shan't",   "shouldn't", "uh-uh",   "wasn't",  "weren't",  "without", "wont",	"wouldnt",
    "won't",	"wouldn't", "rarely",	 "seldom",  "despite",
};

/* SPECIAL_CASE_IDIOMS, as word lists (words never contain a space). */
static const struct {
	const char *w[3];
	int n;
	double v;
} idioms[] = {
    {{"the", "shit"}, 2, 3},	      {{"the", "bomb"}, 2, 3},		 {{"bad", "ass"}, 2, 1.5},
    {{"yeah", "right"}, 2, -2},	      {{"cut", "the", "mustard"}, 3, 2}, {{"kiss", "of", "death"}, 3, -1.5},
    {{"hand", "to", "mouth"}, 3, -2},
};

/* PUNC_LIST: what may be glued to a word and is dropped from it. */
static const char *const punc_list[] = {".",  "!",   "?",  ",",	  ";",	 ":",	"-",	"'",   "\"",
					"!!", "!!!", "??", "???", "?!?", "!?!", "?!?!", "!?!?"};

enum { F_LEX = 1, F_BOOST = 2, F_NEG = 4 };

struct ent {
	const char *w; /* NULL = empty slot */
	uint32_t n;
	uint8_t flags;
	double lex, boost;
};

static struct ent *table;
static uint32_t table_cap;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static struct ent *slot(const char *w, size_t n)
{
	uint32_t j = (uint32_t)XXH3_64bits(w, n) & (table_cap - 1);
	while (table[j].w && !(table[j].n == n && memcmp(table[j].w, w, n) == 0))
		j = (j + 1) & (table_cap - 1);
	return &table[j];
}

static void put(const char *w, uint8_t flag, double v)
{
	struct ent *e = slot(w, strlen(w));
	if (!e->w) {
		e->w = w;
		e->n = (uint32_t)strlen(w);
	}
	e->flags |= flag;
	if (flag == F_LEX)
		e->lex = v;
	else if (flag == F_BOOST)
		e->boost = v;
}

/* Builds the one look-up table of words (lexicon, boosters, negations). */
static void build(void)
{
	uint32_t cap = 64;
	while (cap < 2 * (NLEX + 128))
		cap *= 2;
	table = calloc(cap, sizeof(*table));
	if (!table)
		return;
	table_cap = cap;
	for (size_t i = 0; i < NLEX; i++)
		put(lexicon[i].w, F_LEX, lexicon[i].v);
	for (size_t i = 0; i < sizeof(boost_up) / sizeof(boost_up[0]); i++)
		put(boost_up[i], F_BOOST, B_INCR);
	for (size_t i = 0; i < sizeof(boost_down) / sizeof(boost_down[0]); i++)
		put(boost_down[i], F_BOOST, B_DECR);
	for (size_t i = 0; i < sizeof(negate) / sizeof(negate[0]); i++)
		put(negate[i], F_NEG, 0);
}

uint32_t weir_vader_lexicon_size(void)
{
	return (uint32_t)NLEX;
}

/* One word of the text, with what the rules ask of it computed once. */
struct weir_vader_tok {
	const char *raw; /* the word as the package keeps it */
	uint32_t rawn;
	uint32_t low; /* offset of its lowercased copy in buf->low */
	uint32_t lown;
	uint8_t lex, boost, neg, upper;
	double lexv, boostv;
};

/* Byte length of the JavaScript whitespace character at p, or 0. */
static size_t js_space(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	if (c == ' ' || (c >= '\t' && c <= '\r'))
		return 1;
	if (c == 0xc2 && end - p >= 2 && p[1] == 0xa0)
		return 2;
	if (end - p < 3)
		return 0;
	if (c == 0xe1 && p[1] == 0x9a && p[2] == 0x80)
		return 3;
	if (c == 0xe2 && p[1] == 0x80 && (p[2] <= 0x8a || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf))
		return 3;
	if (c == 0xe2 && p[1] == 0x81 && p[2] == 0x9f)
		return 3;
	if (c == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
		return 3;
	if (c == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		return 3;
	return 0;
}

/* Length in UTF-16 code units (what JavaScript's .length counts). */
static size_t utf16_len(const unsigned char *p, size_t n)
{
	size_t u = 0;
	for (size_t i = 0; i < n; i++) {
		if ((p[i] & 0xc0) == 0x80)
			continue; /* continuation byte */
		u += p[i] >= 0xf0 ? 2 : 1;
	}
	return u;
}

static int is_punct(unsigned char c)
{
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
	       (c >= '{' && c <= '~');
}

static int in_punc_list(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof(punc_list) / sizeof(punc_list[0]); i++)
		if (strlen(punc_list[i]) == n && memcmp(punc_list[i], p, n) == 0)
			return 1;
	return 0;
}

/*
 * get_words_and_emoticons(): the package maps a piece to its punctuation-free
 * form w when the piece is p+w or w+p with p in PUNC_LIST and w a word of the
 * punctuation-free text longer than one unit — which is the piece's own
 * punctuation-free form when the piece's punctuation is all on one side.
 */
static void strip_glued(const char **p, size_t *n)
{
	const unsigned char *s = (const unsigned char *)*p;
	size_t len = *n, l = 0, r = 0;
	while (l < len && is_punct(s[l]))
		l++;
	if (l == len)
		return;
	while (r < len && is_punct(s[len - 1 - r]))
		r++;
	if ((l > 0) == (r > 0))
		return;
	for (size_t i = l; i < len - r; i++)
		if (is_punct(s[i]))
			return;
	if (!in_punc_list(*p + (l ? 0 : len - r), l ? l : r))
		return;
	if (utf16_len(s + l, len - l - r) <= 1)
		return;
	*p += l;
	*n = len - l - r;
}

/* Python's str.isupper() as the package writes it: no a-z, at least one A-Z. */
static int is_upper(const char *p, size_t n)
{
	int up = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 'a' && p[i] <= 'z')
			return 0;
		if (p[i] >= 'A' && p[i] <= 'Z')
			up = 1;
	}
	return up;
}

static int grow(struct weir_vader_buf *b, uint32_t ntok, size_t lowlen)
{
	if (ntok > b->cap) {
		uint32_t cap = b->cap ? b->cap : 64;
		while (cap < ntok)
			cap *= 2;
		struct weir_vader_tok *t = realloc(b->tok, cap * sizeof(*t));
		if (!t)
			return WEIR_ENOMEM;
		b->tok = t;
		double *s = realloc(b->sent, cap * sizeof(*s));
		if (!s)
			return WEIR_ENOMEM;
		b->sent = s;
		b->cap = cap;
	}
	if (lowlen > b->lowcap) {
		size_t cap = b->lowcap ? b->lowcap : 1024;
		while (cap < lowlen)
			cap *= 2;
		char *l = realloc(b->low, cap);
		if (!l)
			return WEIR_ENOMEM;
		b->low = l;
		b->lowcap = cap;
	}
	return 0;
}

void weir_vader_buf_free(struct weir_vader_buf *b)
{
	free(b->tok);
	free(b->sent);
	free(b->low);
	memset(b, 0, sizeof(*b));
}

/* Splits text into the package's words_and_emoticons; returns the count. */
static int words(struct weir_vader_buf *b, const char *text, size_t n, uint32_t *ntok)
{
	const unsigned char *s = (const unsigned char *)text, *end = s + n;
	uint32_t k = 0;
	size_t lowoff = 0;
	/* at most one word per two bytes, and the lowercased copies are no longer than the text */
	int rc = grow(b, (uint32_t)(n / 2 + 1), n + 1);
	if (rc)
		return rc;
	const unsigned char *p = s;
	while (p <= end) {
		const unsigned char *q = p;
		size_t sp = 0;
		while (q < end && !(sp = js_space(q, end)))
			q++;
		const char *w = (const char *)p;
		size_t wn = (size_t)(q - p);
		if (utf16_len(p, wn) > 1) {
			strip_glued(&w, &wn);
			struct weir_vader_tok *t = &b->tok[k++];
			t->raw = w;
			t->rawn = (uint32_t)wn;
			t->low = (uint32_t)lowoff;
			const unsigned char *u = (const unsigned char *)w;
			for (size_t i = 0; i < wn; i++) {
				unsigned char c = u[i];
				if (c == 0xe2 && i + 2 < wn && u[i + 1] == 0x84 && u[i + 2] == 0xaa) {
					b->low[lowoff++] = 'k'; /* U+212A KELVIN SIGN */
					i += 2;
				} else {
					b->low[lowoff++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
				}
			}
			t->lown = (uint32_t)(lowoff - t->low);
		}
		if (q >= end)
			break;
		p = q + sp;
	}
	for (uint32_t i = 0; i < k; i++) {
		struct weir_vader_tok *t = &b->tok[i];
		const char *lw = b->low + t->low;
		struct ent *e = slot(lw, t->lown);
		uint8_t f = e->w ? e->flags : 0;
		t->lex = (f & F_LEX) != 0;
		t->lexv = e->lex;
		t->boost = (f & F_BOOST) != 0;
		t->boostv = e->boost;
		/* negated([w]) is case-sensitive: the word itself must be in NEGATE */
		t->neg = ((f & F_NEG) && t->lown == t->rawn && memcmp(lw, t->raw, t->rawn) == 0) ||
			 memmem(t->raw, t->rawn, "n't", 3) != NULL;
		t->upper = (uint8_t)is_upper(t->raw, t->rawn);
	}
	*ntok = k;
	return 0;
}

static int raw_is(const struct weir_vader_tok *t, const char *w)
{
	size_t n = strlen(w);
	return t->rawn == n && memcmp(t->raw, w, n) == 0;
}

static int low_is(const struct weir_vader_buf *b, const struct weir_vader_tok *t, const char *w)
{
	size_t n = strlen(w);
	return t->lown == n && memcmp(b->low + t->low, w, n) == 0;
}

static double scalar_inc_dec(const struct weir_vader_tok *w, double valence, int cap_diff)
{
	double scalar = 0.0;
	if (w->boost) {
		scalar = w->boostv;
		if (valence < 0)
			scalar *= -1;
		if (cap_diff && w->upper) {
			if (valence > 0)
				scalar += C_INCR;
			else
				scalar -= C_INCR;
		}
	}
	return scalar;
}

static double never_check(double v, const struct weir_vader_tok *t, int si, uint32_t i)
{
	if (si == 0) {
		if (t[i - 1].neg)
			v = v * N_SCALAR;
	}
	if (si == 1) {
		if (raw_is(&t[i - 2], "never") && (raw_is(&t[i - 1], "so") || raw_is(&t[i - 1], "this")))
			v = v * 1.5;
		else if (t[i - 2].neg)
			v = v * N_SCALAR;
	}
	if (si == 2) {
		if ((raw_is(&t[i - 3], "never") && (raw_is(&t[i - 2], "so") || raw_is(&t[i - 2], "this"))) ||
		    (raw_is(&t[i - 1], "so") || raw_is(&t[i - 1], "this")))
			v = v * 1.25;
		else if (t[i - 3].neg)
			v = v * N_SCALAR;
	}
	return v;
}

/* Whether words t[from..from+n) are the idiom's words; its value in *v. */
static int idiom(const struct weir_vader_tok *t, uint32_t from, int n, double *v)
{
	for (size_t k = 0; k < sizeof(idioms) / sizeof(idioms[0]); k++) {
		if (idioms[k].n != n)
			continue;
		int j = 0;
		while (j < n && raw_is(&t[from + (uint32_t)j], idioms[k].w[j]))
			j++;
		if (j == n) {
			*v = idioms[k].v;
			return 1;
		}
	}
	return 0;
}

/* BOOSTER_DICT's two-word keys, looked up with two words joined by a space. */
static int booster_pair(const struct weir_vader_tok *a, const struct weir_vader_tok *b)
{
	return (raw_is(a, "just") && raw_is(b, "enough")) || (raw_is(a, "kind") && raw_is(b, "of")) ||
	       (raw_is(a, "sort") && raw_is(b, "of"));
}

static double idioms_check(double v, const struct weir_vader_tok *t, uint32_t ntok, uint32_t i)
{
	/* onezero, twoonezero, twoone, threetwoone, threetwo: the first that is an idiom */
	static const struct {
		int back, n;
	} seq[] = {{1, 2}, {2, 3}, {2, 2}, {3, 3}, {3, 2}};
	double iv;
	for (size_t k = 0; k < sizeof(seq) / sizeof(seq[0]); k++)
		if (idiom(t, i - (uint32_t)seq[k].back, seq[k].n, &iv)) {
			v = iv;
			break;
		}
	if (ntok - 1 > i && idiom(t, i, 2, &iv))
		v = iv;
	if (ntok - 1 > i + 1 && idiom(t, i, 3, &iv))
		v = iv;
	if (booster_pair(&t[i - 3], &t[i - 2]) || booster_pair(&t[i - 2], &t[i - 1]))
		v = v + B_DECR;
	return v;
}

static double least_check(const struct weir_vader_buf *b, double v, const struct weir_vader_tok *t,
			  uint32_t i)
{
	if (i > 1 && low_is(b, &t[i - 1], "least") && !t[i - 1].lex) {
		if (!low_is(b, &t[i - 2], "at") && !low_is(b, &t[i - 2], "very"))
			v = v * N_SCALAR;
	} else if (i > 0 && low_is(b, &t[i - 1], "least") && !t[i - 1].lex) {
		v = v * N_SCALAR;
	}
	return v;
}

static double sentiment_valence(const struct weir_vader_buf *b, uint32_t ntok, uint32_t i, int cap_diff)
{
	const struct weir_vader_tok *t = b->tok;
	double v = 0;
	if (!t[i].lex)
		return v;
	v = t[i].lexv;
	if (t[i].upper && cap_diff) {
		if (v > 0)
			v += C_INCR;
		else
			v -= C_INCR;
	}
	for (int si = 0; si < 3; si++) {
		if (i > (uint32_t)si && !t[i - (uint32_t)si - 1].lex) {
			double s = scalar_inc_dec(&t[i - (uint32_t)si - 1], v, cap_diff);
			if (si == 1 && s != 0)
				s = s * 0.95;
			else if (si == 2 && s != 0)
				s = s * 0.9;
			v = v + s;
			v = never_check(v, t, si, i);
			if (si == 2)
				v = idioms_check(v, t, ntok, i);
		}
	}
	return least_check(b, v, t, i);
}

int32_t weir_vader_round4(double x)
{
	int neg = x < 0;
	double a = neg ? -x : x;
	/* glibc prints the exact value rounded to nearest, ties to even; JavaScript
	 * rounds ties up. A tie at 4 decimals needs a*32 to be an odd integer. */
	char buf[64];
	snprintf(buf, sizeof(buf), "%.4f", a);
	char *dot = strchr(buf, '.');
	int64_t n = strtoll(buf, NULL, 10) * 10000 + (dot ? strtoll(dot + 1, NULL, 10) : 0);
	double a32 = a * 32;
	if (a32 == floor(a32) && fmod(a32, 2) == 1 && a < 1e6)
		n = (int64_t)floor(a * 10000) + 1;
	return (int32_t)(neg ? -n : n);
}

int weir_vader_compound(struct weir_vader_buf *b, const char *text, size_t n, int32_t *out)
{
	pthread_once(&table_once, build);
	if (!table)
		return WEIR_ENOMEM;
	uint32_t ntok;
	int rc = words(b, text, n, &ntok);
	if (rc)
		return rc;
	*out = 0;
	if (!ntok)
		return 0;
	const struct weir_vader_tok *t = b->tok;
	uint32_t nupper = 0;
	for (uint32_t i = 0; i < ntok; i++)
		nupper += t[i].upper;
	uint32_t diff = ntok - nupper;
	int cap_diff = diff > 0 && diff < ntok;
	double *sent = b->sent;
	for (uint32_t i = 0; i < ntok; i++) {
		if ((i < ntok - 1 && low_is(b, &t[i], "kind") && low_is(b, &t[i + 1], "of")) || t[i].boost) {
			sent[i] = 0;
			continue;
		}
		sent[i] = sentiment_valence(b, ntok, i, cap_diff);
	}
	/* but_check: the first "but", else the first "BUT" */
	uint32_t but = ntok;
	for (uint32_t i = 0; i < ntok && but == ntok; i++)
		if (raw_is(&t[i], "but"))
			but = i;
	for (uint32_t i = 0; i < ntok && but == ntok; i++)
		if (raw_is(&t[i], "BUT"))
			but = i;
	if (but < ntok)
		for (uint32_t i = 0; i < ntok; i++) {
			if (i < but)
				sent[i] = sent[i] * 0.5;
			else if (i > but)
				sent[i] = sent[i] * 1.5;
		}
	double sum = 0;
	for (uint32_t i = 0; i < ntok; i++)
		sum += sent[i];
	int ep = 0, qm = 0;
	for (size_t i = 0; i < n; i++) {
		ep += text[i] == '!';
		qm += text[i] == '?';
	}
	if (ep > 4)
		ep = 4;
	double ep_amp = ep * 0.292;
	double qm_amp = 0;
	if (qm > 1)
		qm_amp = qm <= 3 ? qm * 0.18 : 0.96;
	double amp = ep_amp + qm_amp;
	if (sum > 0)
		sum += amp;
	else if (sum < 0)
		sum -= amp;
	double c = sum / sqrt(sum * sum + 15);
	if (c < -1.0)
		c = -1.0;
	else if (c > 1.0)
		c = 1.0;
	*out = weir_vader_round4(c);
	return 0;
}
