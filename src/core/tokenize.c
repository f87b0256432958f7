/*
 * tokenize.c — splits chat and post text into words (events.md §2).
 *
 * A word is a maximal run of bytes that are not ASCII whitespace (space, tab,
 * CR, LF, VT, FF) with its leading and trailing ASCII punctuation stripped;
 * empty results are dropped; ASCII A-Z are lowercased; every other byte,
 * including all of UTF-8 beyond ASCII, is kept as is.
 *
 * This is the hot path of the chat operator (every message, every word), so
 * one 256-entry table answers "whitespace?", "punctuation?" and "what to OR
 * in to lowercase" for each byte, and nothing is allocated. On x86-64 (SSE2)
 * words are found 16 bytes at a time: one compare gives a whitespace bitmask
 * and one add lowercases the block, so the per-byte loop becomes a per-word
 * one (the table still strips punctuation at the ends of each word).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "weir/event.h"

enum {
	SP = 0x01, /* ASCII whitespace: ends a word */
	PU = 0x02, /* ASCII punctuation: stripped at both ends of a word */
	UP = 0x20, /* A-Z: OR this bit in to lowercase */
};

/* clang-format off */
static const unsigned char tab[256] = {
	[' '] = SP, ['\t'] = SP, ['\r'] = SP, ['\n'] = SP, ['\v'] = SP, ['\f'] = SP,

	['!'] = PU, ['"'] = PU, ['#'] = PU, ['$'] = PU, ['%'] = PU, ['&'] = PU, ['\''] = PU, ['('] = PU,
	[')'] = PU, ['*'] = PU, ['+'] = PU, [','] = PU, ['-'] = PU, ['.'] = PU, ['/'] = PU, [':'] = PU,
	[';'] = PU, ['<'] = PU, ['='] = PU, ['>'] = PU, ['?'] = PU, ['@'] = PU, ['['] = PU, ['\\'] = PU,
	[']'] = PU, ['^'] = PU, ['_'] = PU, ['`'] = PU, ['{'] = PU, ['|'] = PU, ['}'] = PU, ['~'] = PU,

	['A'] = UP, ['B'] = UP, ['C'] = UP, ['D'] = UP, ['E'] = UP, ['F'] = UP, ['G'] = UP, ['H'] = UP,
	['I'] = UP, ['J'] = UP, ['K'] = UP, ['L'] = UP, ['M'] = UP, ['N'] = UP, ['O'] = UP, ['P'] = UP,
	['Q'] = UP, ['R'] = UP, ['S'] = UP, ['T'] = UP, ['U'] = UP, ['V'] = UP, ['W'] = UP, ['X'] = UP,
	['Y'] = UP, ['Z'] = UP,
};
/* clang-format on */

/*
 * Each word is written lowercased into buf at the same offset it has in
 * text, so words never overlap: the pointers handed to fn stay valid until
 * the caller reuses buf. With fn NULL the words are only counted and buf is
 * not touched (it may then be NULL).
 */
/* Hands text[start..end) to fn once its punctuation ends are stripped. */
static inline uint32_t emit_word(const unsigned char *s, size_t start, size_t end, char *buf, weir_word_fn fn,
				 void *ctx)
{
	while (start < end && (tab[s[start]] & PU))
		start++;
	while (end > start && (tab[s[end - 1]] & PU))
		end--;
	if (start == end)
		return 0;
	fn(buf + start, end - start, ctx);
	return 1;
}

#ifdef __SSE2__
static uint32_t tokenize_sse2(const unsigned char *s, size_t n, char *buf, weir_word_fn fn, void *ctx)
{
	const __m128i sp = _mm_set1_epi8(' '), c8 = _mm_set1_epi8('\t' - 1), c14 = _mm_set1_epi8('\r' + 1);
	const __m128i ca = _mm_set1_epi8('A' - 1), cz = _mm_set1_epi8('Z' + 1), c32 = _mm_set1_epi8(0x20);
	uint32_t count = 0;
	size_t start = SIZE_MAX; /* start of the word being read, SIZE_MAX between words */
	for (size_t i = 0; i < n; i += 16) {
		size_t m = n - i;
		__m128i v;
		unsigned char tmp[16];
		if (m >= 16) {
			v = _mm_loadu_si128((const __m128i *)(s + i));
		} else {
			memset(tmp, ' ', sizeof(tmp)); /* the tail's padding ends its word */
			memcpy(tmp, s + i, m);
			v = _mm_loadu_si128((const __m128i *)tmp);
		}
		/* signed compares: bytes >= 0x80 are negative, so neither letters nor space */
		__m128i up = _mm_and_si128(_mm_cmpgt_epi8(v, ca), _mm_cmpgt_epi8(cz, v));
		__m128i lo = _mm_add_epi8(v, _mm_and_si128(up, c32));
		if (m >= 16) {
			_mm_storeu_si128((__m128i *)(buf + i), lo);
		} else {
			_mm_storeu_si128((__m128i *)tmp, lo);
			memcpy(buf + i, tmp, m);
		}
		__m128i wsv = _mm_or_si128(_mm_cmpeq_epi8(v, sp),
					   _mm_and_si128(_mm_cmpgt_epi8(v, c8), _mm_cmpgt_epi8(c14, v)));
		uint32_t ws = (uint32_t)_mm_movemask_epi8(wsv);
		uint32_t p = 0;
		for (;;) {
			if (start == SIZE_MAX) {
				uint32_t word = ~ws & (0xffffu << p) & 0xffffu;
				if (!word)
					break;
				p = (uint32_t)__builtin_ctz(word);
				start = i + p;
			}
			uint32_t end = ws & (0xffffu << p);
			if (!end)
				break; /* the word goes on in the next block */
			p = (uint32_t)__builtin_ctz(end);
			count += emit_word(s, start, i + p < n ? i + p : n, buf, fn, ctx);
			start = SIZE_MAX;
		}
	}
	if (start != SIZE_MAX)
		count += emit_word(s, start, n, buf, fn, ctx);
	return count;
}
#endif

uint32_t weir_tokenize(const char *text, size_t n, char *buf, weir_word_fn fn, void *ctx)
{
	const unsigned char *s = (const unsigned char *)text;
	uint32_t count = 0;
	size_t i = 0;
#ifdef __SSE2__
	if (fn)
		return tokenize_sse2(s, n, buf, fn, ctx);
#endif

	while (i < n) {
		while (i < n && (tab[s[i]] & SP))
			i++;
		size_t start = i;
		if (fn) {
			while (i < n) {
				unsigned char c = s[i], t = tab[c];
				if (t & SP)
					break;
				buf[i] = (char)(c | (t & UP));
				i++;
			}
		} else {
			while (i < n && !(tab[s[i]] & SP))
				i++;
		}
		size_t end = i;
		while (start < end && (tab[s[start]] & PU))
			start++;
		while (end > start && (tab[s[end - 1]] & PU))
			end--;
		if (start < end) {
			count++;
			if (fn)
				fn(buf + start, end - start, ctx);
		}
	}
	return count;
}
