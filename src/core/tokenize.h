/*
 * tokenize.h — the word splitter of tokenize.c (events.md §2) as an inline
 * walker, so a hot caller (the chat operator, once per message) gets its
 * word callback inlined into the loop instead of an indirect call per word.
 * weir_tokenize() in tokenize.c is this walker with a function pointer.
 *
 * A word is a maximal run of bytes that are not ASCII whitespace (space, tab,
 * CR, LF, VT, FF) with its leading and trailing ASCII punctuation stripped;
 * empty results are dropped; ASCII A-Z are lowercased; every other byte,
 * including all of UTF-8 beyond ASCII, is kept as is.
 */
#ifndef WEIR_TOKENIZE_H
#define WEIR_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "weir/event.h"

/* Under a sanitizer, never read past the end of the text (see below). */
#if defined(__SANITIZE_ADDRESS__)
#define WEIR_TOK_OVERREAD 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEIR_TOK_OVERREAD 0
#endif
#endif
#ifndef WEIR_TOK_OVERREAD
#define WEIR_TOK_OVERREAD 1
#endif

enum {
	WEIR_TOK_SP = 0x01, /* ASCII whitespace: ends a word */
	WEIR_TOK_PU = 0x02, /* ASCII punctuation: stripped at both ends of a word */
	WEIR_TOK_UP = 0x20, /* A-Z: OR this bit in to lowercase */
};

/* One 256-entry table answers "whitespace?", "punctuation?" and "what to OR
 * in to lowercase" for each byte. */
#define SP WEIR_TOK_SP
#define PU WEIR_TOK_PU
#define UP WEIR_TOK_UP
/* clang-format off */
static const unsigned char weir_tok_tab[256] = {
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
#undef SP
#undef PU
#undef UP

/* Hands text[start..end) to fn once its punctuation ends are stripped. */
static inline __attribute__((always_inline)) uint32_t
weir_tok_emit(const unsigned char *s, size_t start, size_t end, char *buf, weir_word_fn fn, void *ctx)
{
	while (start < end && (weir_tok_tab[s[start]] & WEIR_TOK_PU))
		start++;
	while (end > start && (weir_tok_tab[s[end - 1]] & WEIR_TOK_PU))
		end--;
	if (start == end)
		return 0;
	fn(buf + start, end - start, ctx);
	return 1;
}

#ifdef __SSE2__
/*
 * Words are found 16 bytes at a time: one compare gives a whitespace bitmask
 * and one add lowercases the block, so the per-byte loop becomes a per-word
 * one (the table still strips punctuation at the ends of each word). Each
 * word is written lowercased into buf at the same offset it has in text, so
 * words never overlap: the pointers handed to fn stay valid until the caller
 * reuses buf. fn should be a constant (an inline function) for the walker
 * to be worth inlining.
 *
 * The last, partial block is read whole when that stays inside the page of
 * its first byte (a read the hardware allows; bytes past n are taken as
 * whitespace and never handed on), else copied; pad16 says buf has 16 bytes
 * of room past n, so that block is also stored whole.
 */
static inline __attribute__((always_inline)) uint32_t
weir_tok_walk(const unsigned char *s, size_t n, char *buf, int pad16, weir_word_fn fn, void *ctx)
{
	const __m128i sp = _mm_set1_epi8(' '), c8 = _mm_set1_epi8('\t' - 1), c14 = _mm_set1_epi8('\r' + 1);
	const __m128i ca = _mm_set1_epi8('A' - 1), cz = _mm_set1_epi8('Z' + 1), c32 = _mm_set1_epi8(0x20);
	uint32_t count = 0;
	size_t start = SIZE_MAX; /* start of the word being read, SIZE_MAX between words */
	for (size_t i = 0; i < n; i += 16) {
		size_t m = n - i;
		__m128i v;
		unsigned char tmp[16];
		if (m >= 16 || (WEIR_TOK_OVERREAD && ((uintptr_t)(s + i) & 4095) <= 4096 - 16)) {
			v = _mm_loadu_si128((const __m128i *)(s + i));
		} else {
			memset(tmp, ' ', sizeof(tmp));
			memcpy(tmp, s + i, m);
			v = _mm_loadu_si128((const __m128i *)tmp);
		}
		/* signed compares: bytes >= 0x80 are negative, so neither letters nor space */
		__m128i up = _mm_and_si128(_mm_cmpgt_epi8(v, ca), _mm_cmpgt_epi8(cz, v));
		__m128i lo = _mm_add_epi8(v, _mm_and_si128(up, c32));
		if (m >= 16 || pad16) {
			_mm_storeu_si128((__m128i *)(buf + i), lo);
		} else {
			_mm_storeu_si128((__m128i *)tmp, lo);
			memcpy(buf + i, tmp, m);
		}
		__m128i wsv = _mm_or_si128(_mm_cmpeq_epi8(v, sp),
					   _mm_and_si128(_mm_cmpgt_epi8(v, c8), _mm_cmpgt_epi8(c14, v)));
		uint32_t ws = (uint32_t)_mm_movemask_epi8(wsv);
		if (m < 16)
			ws |= (0xffffu << m) & 0xffffu; /* the bytes past the end end the last word */
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
			count += weir_tok_emit(s, start, i + p, buf, fn, ctx);
			start = SIZE_MAX;
		}
	}
	if (start != SIZE_MAX)
		count += weir_tok_emit(s, start, n, buf, fn, ctx);
	return count;
}
#endif

#endif
