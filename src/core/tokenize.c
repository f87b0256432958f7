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
 * in to lowercase" for each byte, and nothing is allocated.
 */
#include <stddef.h>
#include <stdint.h>

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
uint32_t weir_tokenize(const char *text, size_t n, char *buf, weir_word_fn fn, void *ctx)
{
	const unsigned char *s = (const unsigned char *)text;
	uint32_t count = 0;
	size_t i = 0;

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
