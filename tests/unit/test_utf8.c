/*
 * test_utf8.c — strict UTF-8 validation (src/core/utf8.c), checked against
 * a slow reference decoder over every 1-, 2- and 3-byte sequence and a
 * sample of 4-byte ones.
 */
#include "weir/event.h"

#include "t.h"

#define V(lit) weir_utf8_valid(lit, sizeof(lit) - 1)

/* Reference: decode one sequence the obvious way; returns its length or 0 if ill-formed. */
static size_t ref_one(const unsigned char *s, size_t n)
{
	uint32_t cp, min;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0)
		len = 2, cp = s[0] & 0x1F, min = 0x80;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3, cp = s[0] & 0x0F, min = 0x800;
	else if ((s[0] & 0xF8) == 0xF0)
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

static bool ref_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t l = ref_one(s + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

static size_t encode(uint32_t cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

static void test_examples(void)
{
	CHECK(weir_utf8_valid("", 0));
	CHECK(weir_utf8_valid(NULL, 0));
	CHECK(V("hello world"));
	CHECK(V("\303\204BC"));	      /* ÄBC */
	CHECK(V("\xE2\x82\xAC"));     /* € */
	CHECK(V("\xF0\x9F\x98\x80")); /* 😀 */
	CHECK(V("\xF4\x8F\xBF\xBF")); /* U+10FFFF */
	CHECK(V("\xEF\xBF\xBF"));     /* U+FFFF */
	CHECK(V("\xED\x9F\xBF"));     /* U+D7FF */
	CHECK(V("\xEE\x80\x80"));     /* U+E000 */
	CHECK(V("a\0b"));	      /* NUL is UTF-8 (a NUL byte is its own reject reason) */
	CHECK(!V("\x80"));	      /* lone continuation */
	CHECK(!V("\xBF"));
	CHECK(!V("\xC0\x80"));		       /* overlong NUL */
	CHECK(!V("\xC1\xBF"));		       /* overlong */
	CHECK(!V("\xE0\x80\x80"));	       /* overlong */
	CHECK(!V("\xE0\x9F\xBF"));	       /* overlong U+07FF */
	CHECK(!V("\xF0\x80\x80\x80"));	       /* overlong */
	CHECK(!V("\xF0\x8F\xBF\xBF"));	       /* overlong U+FFFF */
	CHECK(!V("\xED\xA0\x80"));	       /* U+D800 */
	CHECK(!V("\xED\xBF\xBF"));	       /* U+DFFF */
	CHECK(!V("\xED\xA0\xBD\xED\xB8\x80")); /* CESU-8 surrogate pair */
	CHECK(!V("\xF4\x90\x80\x80"));	       /* U+110000 */
	CHECK(!V("\xF5\x80\x80\x80"));
	CHECK(!V("\xF8\x88\x80\x80\x80")); /* 5-byte form */
	CHECK(!V("\xFE"));
	CHECK(!V("\xFF"));
	CHECK(!V("\xC3")); /* truncated */
	CHECK(!V("\xE2\x82"));
	CHECK(!V("\xF0\x9F\x98"));
	CHECK(!V("abc\xC3"));
	CHECK(!V("\303A")); /* continuation missing */
	CHECK(!V("\342\202A"));
	CHECK(!V("\360\237\230A"));
	/* only n bytes count */
	CHECK(weir_utf8_valid("ok\xC3\x84", 2));
	CHECK(!weir_utf8_valid("ok\xC3\x84", 3));
}

static void test_every_code_point(void)
{
	unsigned char b[4];
	int wrong = 0;

	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		size_t n = encode(cp, b);
		bool want = !(cp >= 0xD800 && cp <= 0xDFFF);
		if (weir_utf8_valid((const char *)b, n) != want)
			wrong++;
		if (n > 1 && weir_utf8_valid((const char *)b, n - 1)) /* truncated */
			wrong++;
	}
	CHECK_EQ_INT(wrong, 0);
}

static void test_against_reference(void)
{
	unsigned char b[4];
	int wrong = 0;

	for (uint32_t x = 0; x < 0x1000000; x++) {
		b[0] = (unsigned char)(x >> 16), b[1] = (unsigned char)(x >> 8), b[2] = (unsigned char)x;
		for (size_t n = 1; n <= 3; n++)
			if (weir_utf8_valid((const char *)b, n) != ref_valid(b, n))
				wrong++;
	}
	static const unsigned char tails[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90,
					      0x9F, 0xA0, 0xBF, 0xC0, 0xF4, 0xFF};
	for (unsigned lead = 0xE0; lead <= 0xFF; lead++)
		for (unsigned b1 = 0; b1 < 256; b1++)
			for (size_t i = 0; i < sizeof(tails); i++)
				for (size_t j = 0; j < sizeof(tails); j++) {
					b[0] = (unsigned char)lead, b[1] = (unsigned char)b1;
					b[2] = tails[i], b[3] = tails[j];
					if (weir_utf8_valid((const char *)b, 4) != ref_valid(b, 4))
						wrong++;
				}
	CHECK_EQ_INT(wrong, 0);
}

/* The 8-byte ASCII path: a bad byte at any position and alignment is found. */
static void test_ascii_fast_path(void)
{
	char buf[80];
	int wrong = 0;

	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= 64; len++) {
			memset(buf, 'a', sizeof(buf));
			if (!weir_utf8_valid(buf + off, len))
				wrong++;
			for (size_t k = 0; k < len; k++) {
				memset(buf, 'a', sizeof(buf));
				buf[off + k] = (char)0x80;
				if (weir_utf8_valid(buf + off, len))
					wrong++;
				buf[off + k] = (char)0xC3;
				bool want = k + 1 < len && (buf[off + k + 1] = (char)0x84, true);
				if (weir_utf8_valid(buf + off, len) != want)
					wrong++;
			}
			/* a bad byte just past the end is not looked at */
			memset(buf, 'a', sizeof(buf));
			buf[off + len] = (char)0xFF;
			if (!weir_utf8_valid(buf + off, len))
				wrong++;
		}
	CHECK_EQ_INT(wrong, 0);
}

int main(void)
{
	TEST(test_examples);
	TEST(test_every_code_point);
	TEST(test_against_reference);
	TEST(test_ascii_fast_path);
	T_END();
}
