/*
 * test_tokenize.c — words of chat and post text (src/core/tokenize.c,
 * events.md §2), by example and against a slow reference on random text.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "core/tokenize.h"
#include "weir/event.h"

#include "t.h"

struct words {
	char out[4096]; /* words joined with '|' */
	size_t len;
	int calls;
	const char *ptr[64];
	size_t plen[64];
};

static void collect(const char *w, size_t n, void *ctx)
{
	struct words *ws = ctx;
	if (ws->calls < 64) {
		ws->ptr[ws->calls] = w;
		ws->plen[ws->calls] = n;
	}
	if (ws->calls++)
		ws->out[ws->len++] = '|';
	memcpy(ws->out + ws->len, w, n);
	ws->len += n;
	ws->out[ws->len] = 0;
}

static struct words ws;
static char scratch[4096];

/* Tokenizes text[0..n) and returns the words joined with '|'. */
static const char *tok_n(const char *text, size_t n, uint32_t *count)
{
	memset(&ws, 0, sizeof(ws));
	*count = weir_tokenize(text, n, scratch, collect, &ws);
	return ws.out;
}

static const char *tok(const char *text)
{
	uint32_t c;
	const char *r = tok_n(text, strlen(text), &c);
	if ((int)c != ws.calls)
		return "(count differs from calls)";
	return r;
}

static void test_basic(void)
{
	CHECK_EQ_STR(tok("Hello world"), "hello|world");
	CHECK_EQ_STR(tok("  leading and trailing  "), "leading|and|trailing");
	CHECK_EQ_STR(tok("PogChamp PogChamp PogChamp"), "pogchamp|pogchamp|pogchamp");
	CHECK_EQ_STR(tok("ABCDEFGHIJKLMNOPQRSTUVWXYZ abcxyz 0123456789"),
		     "abcdefghijklmnopqrstuvwxyz|abcxyz|0123456789");
	CHECK_EQ_INT(weir_tokenize("one two  three", 14, scratch, collect, &ws), 3);
}

static void test_empty(void)
{
	uint32_t c;
	CHECK_EQ_STR(tok_n("", 0, &c), "");
	CHECK_EQ_INT(c, 0);
	CHECK_EQ_INT(ws.calls, 0);
	CHECK_EQ_STR(tok(" "), "");
	CHECK_EQ_STR(tok(" \t\r\n\v\f "), "");
	CHECK_EQ_STR(tok("!!!"), "");
	CHECK_EQ_STR(tok("... --- ???"), "");
	CHECK_EQ_STR(tok("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"), "");
	CHECK_EQ_INT(weir_tokenize(NULL, 0, NULL, collect, &ws), 0);
}

static void test_punctuation(void)
{
	CHECK_EQ_STR(tok("!!!Hello,World!!!"), "hello,world");
	CHECK_EQ_STR(tok("don't"), "don't");
	CHECK_EQ_STR(tok("e-mail e.g. U.S.A."), "e-mail|e.g|u.s.a");
	CHECK_EQ_STR(tok("@User #Tag $5 50% (yes) [no] {x} <y> \"q\" 'q' `q`"),
		     "user|tag|5|50|yes|no|x|y|q|q|q");
	CHECK_EQ_STR(tok("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~word!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"), "word");
	CHECK_EQ_STR(tok("a...b ...c d..."), "a...b|c|d");
	CHECK_EQ_STR(tok(":) :( :D xD"), "d|xd");
	CHECK_EQ_STR(tok("__init__ snake_case"), "init|snake_case");
	CHECK_EQ_STR(tok("http://example.com/Path?Q=1"), "http://example.com/path?q=1");
	/* each of the 32 punctuation characters alone, and around a word */
	const char *punct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
	for (const char *p = punct; *p; p++) {
		char in[4] = {*p, 'W', *p, 0};
		CHECK_EQ_STR(tok(in), "w");
		char in2[3] = {'a', *p, 'b'};
		char want[4] = {'a', *p, 'b', 0};
		CHECK_EQ_STR(tok_n(in2, 3, &(uint32_t){0}), want);
	}
	CHECK_EQ_INT(strlen(punct), 32);
}

static void test_whitespace(void)
{
	CHECK_EQ_STR(tok("a\tb\rc\nd\ve\ff g"), "a|b|c|d|e|f|g");
	CHECK_EQ_STR(tok("\t\tTAB\t\t"), "tab");
	CHECK_EQ_STR(tok("line\r\n"), "line");
	/* not whitespace in §2: other control bytes, NBSP and U+3000 */
	CHECK_EQ_STR(tok("a\034b"), "a\034b");
	CHECK_EQ_STR(tok("a\037b"), "a\037b");
	CHECK_EQ_STR(tok("a\177b"), "a\177b");
	CHECK_EQ_STR(tok("a\001b"), "a\001b");
	CHECK_EQ_STR(tok("a\302\240b"), "a\302\240b");
	CHECK_EQ_STR(tok("a\343\200\200b"), "a\343\200\200b");
	uint32_t c;
	tok_n("A\0B C", 5, &c);
	CHECK_EQ_INT(c, 2);
	CHECK_EQ_INT(ws.len, 5);
	CHECK(memcmp(ws.out, "a\0b|c", 5) == 0); /* NUL is a word byte */
}

static void test_non_ascii(void)
{
	CHECK_EQ_STR(tok("\303\204BC"), "\303\204bc"); /* ÄBC -> Äbc: Ä untouched */
	CHECK_EQ_STR(tok("\xc3\x84"), "\xc3\x84");     /* not lowercased to ä */
	CHECK_EQ_STR(tok("Stra\303\237E"), "stra\303\237e");
	CHECK_EQ_STR(tok("\xe2\x80\x9cQuoted\xe2\x80\x9d"), "\xe2\x80\x9cquoted\xe2\x80\x9d"); /* “ ” kept */
	CHECK_EQ_STR(tok("\xc2\xabHI\xc2\xbb!"), "\xc2\xabhi\xc2\xbb");
	CHECK_EQ_STR(tok("!\xf0\x9f\x98\x80!"), "\xf0\x9f\x98\x80");
	CHECK_EQ_STR(tok("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 MIR"), /* Привет stays */
		     "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82|mir");
	CHECK_EQ_STR(tok("\377\376AB"), "\377\376ab"); /* not UTF-8: still bytes as is */
}

/* Every byte value between two letters: whitespace splits, punctuation stays inside. */
static void test_every_byte(void)
{
	int wrong = 0;
	for (int b = 0; b < 256; b++) {
		char in[3] = {'x', (char)b, 'y'};
		uint32_t c;
		tok_n(in, 3, &c);
		bool space = b == ' ' || (b >= '\t' && b <= '\r');
		if (c != (space ? 2u : 1u))
			wrong++;
		if (!space) {
			char lo = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
			if (ws.len != 3 || ws.out[1] != lo)
				wrong++;
		}
		char one[1] = {(char)b};
		bool punct = b > ' ' && b < 127 &&
			     !((b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z'));
		tok_n(one, 1, &c);
		if (c != (space || punct ? 0u : 1u))
			wrong++;
	}
	CHECK_EQ_INT(wrong, 0);
}

/* Words are written at their own offsets: all pointers stay valid until buf is reused. */
static void test_buffer(void)
{
	static const char text[] = "One, TWO; three!";
	char buf[sizeof(text)];
	memset(&ws, 0, sizeof(ws));
	CHECK_EQ_INT(weir_tokenize(text, sizeof(text) - 1, buf, collect, &ws), 3);
	CHECK(ws.ptr[0] == buf + 0 && ws.plen[0] == 3 && memcmp(ws.ptr[0], "one", 3) == 0);
	CHECK(ws.ptr[1] == buf + 5 && ws.plen[1] == 3 && memcmp(ws.ptr[1], "two", 3) == 0);
	CHECK(ws.ptr[2] == buf + 10 && ws.plen[2] == 5 && memcmp(ws.ptr[2], "three", 5) == 0);
	/* counting only: no callback, no buffer */
	CHECK_EQ_INT(weir_tokenize(text, sizeof(text) - 1, NULL, NULL, NULL), 3);
	CHECK_EQ_INT(weir_tokenize("!!! a ... b", 11, NULL, NULL, NULL), 2);
	CHECK_EQ_INT(weir_tokenize("", 0, NULL, NULL, NULL), 0);
}

/* The slow and obvious reading of §2. */
static bool ref_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool ref_punct(unsigned char c)
{
	return c && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) != NULL;
}

static size_t ref_tokenize(const unsigned char *s, size_t n, char *out, uint32_t *count)
{
	size_t len = 0;
	*count = 0;
	for (size_t i = 0; i < n;) {
		if (ref_space(s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && !ref_space(s[j]))
			j++;
		size_t a = i, b = j;
		while (a < b && ref_punct(s[a]))
			a++;
		while (b > a && ref_punct(s[b - 1]))
			b--;
		if (a < b) {
			if ((*count)++)
				out[len++] = '|';
			for (size_t k = a; k < b; k++)
				out[len++] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] + 32 : s[k]);
		}
		i = j;
	}
	out[len] = 0;
	return len;
}

static void test_random_vs_reference(void)
{
	static const unsigned char alphabet[] =
	    " \t\n\v\f\r!.,#@_-'`~AZaz09Q\xc3\x84\xe2\x80\x9c\x00\x7f\x1c";
	unsigned char text[200];
	char want[1024];
	uint32_t seed = 12345, wrong = 0;

	for (int iter = 0; iter < 50000; iter++) {
		size_t n = (seed = seed * 1103515245 + 12345) >> 16 & 127;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		uint32_t c, rc;
		tok_n((const char *)text, n, &c);
		size_t wl = ref_tokenize(text, n, want, &rc);
		if (c != rc || (int)c != ws.calls || wl != ws.len || memcmp(want, ws.out, wl) != 0)
			wrong++;
		if (weir_tokenize((const char *)text, n, NULL, NULL, NULL) != rc)
			wrong++;
	}
	CHECK_EQ_INT(wrong, 0);
}

/* Long words across the 16-byte blocks of the SSE2 path, with text and buf
 * in exact-size heap blocks so ASan catches any read or write past n. */
static void test_blocks_exact_size(void)
{
	static const unsigned char alphabet[] = "abcXYZ09.,!\xc3\x84\x00 \t\n";
	uint32_t seed = 777, wrong = 0;
	char want[1024];
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = (seed = seed * 1103515245 + 12345) >> 16 & 255;
		unsigned space = 1 + (seed >> 24) % 40; /* 1 in `space` bytes is whitespace */
		unsigned char *text = malloc(n ? n : 1);
		char *buf = malloc(n ? n : 1);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			size_t k = (seed >> 16) % space == 0 ? sizeof(alphabet) - 4 + (seed >> 8) % 3
							     : (seed >> 16) % (sizeof(alphabet) - 4);
			text[i] = alphabet[k];
		}
		memset(&ws, 0, sizeof(ws));
		uint32_t c = weir_tokenize((const char *)text, n, buf, collect, &ws), rc;
		size_t wl = ref_tokenize(text, n, want, &rc);
		if (c != rc || (int)c != ws.calls || wl != ws.len || memcmp(want, ws.out, wl) != 0)
			wrong++;
		free(text);
		free(buf);
	}
	CHECK_EQ_INT(wrong, 0);
}

#ifdef __SSE2__
static void collect_inline(const char *w, size_t n, void *ctx)
{
	collect(w, n, ctx);
}

/* The inline walker the chat operator uses (a buffer with 16 bytes of slack,
 * whole-block loads of the tail when they stay in the page): texts ending
 * at every offset before an unreadable page, so a read past the page faults
 * in any build, and the same words as the reference. */
static void test_walk_page_end(void)
{
	static const unsigned char alphabet[] = "abcXYZ09.,!\xc3\x84 \t\n";
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *map =
	    mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(map != MAP_FAILED);
	if (map == MAP_FAILED)
		return;
	CHECK(mprotect(map + pg, (size_t)pg, PROT_NONE) == 0);
	uint32_t seed = 4242, wrong = 0;
	char want[1024], *buf = malloc(64 + 16);
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = (seed = seed * 1103515245 + 12345) >> 16 & 63;
		unsigned char *text = map + pg - n; /* ends where the page does */
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		unsigned char *mid = map + (seed >> 8) % (size_t)(pg - 128); /* and anywhere else */
		memcpy(mid, text, n);
		for (int k = 0; k < 2; k++) {
			memset(&ws, 0, sizeof(ws));
			uint32_t c = weir_tok_walk(k ? mid : text, n, buf, 1, collect_inline, &ws), rc;
			size_t wl = ref_tokenize(text, n, want, &rc);
			if (c != rc || (int)c != ws.calls || wl != ws.len || memcmp(want, ws.out, wl) != 0)
				wrong++;
		}
	}
	CHECK_EQ_INT(wrong, 0);
	free(buf);
	munmap(map, 2 * (size_t)pg);
}
#endif

int main(void)
{
	TEST(test_basic);
	TEST(test_empty);
	TEST(test_punctuation);
	TEST(test_whitespace);
	TEST(test_non_ascii);
	TEST(test_every_byte);
	TEST(test_buffer);
	TEST(test_random_vs_reference);
	TEST(test_blocks_exact_size);
#ifdef __SSE2__
	TEST(test_walk_page_end);
#endif
	T_END();
}
