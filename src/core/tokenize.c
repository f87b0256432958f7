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
 * words are found 16 bytes at a time by the inline walker of tokenize.h
 * (which the chat operator calls directly); this is the byte loop for other
 * targets and for counting only.
 */
#include "core/tokenize.h"

uint32_t weir_tokenize(const char *text, size_t n, char *buf, weir_word_fn fn, void *ctx)
{
	const unsigned char *s = (const unsigned char *)text;
	uint32_t count = 0;
	size_t i = 0;
#ifdef __SSE2__
	if (fn)
		return weir_tok_walk(s, n, buf, 0, fn, ctx);
#endif

	while (i < n) {
		while (i < n && (weir_tok_tab[s[i]] & WEIR_TOK_SP))
			i++;
		size_t start = i;
		if (fn) {
			while (i < n) {
				unsigned char c = s[i], t = weir_tok_tab[c];
				if (t & WEIR_TOK_SP)
					break;
				buf[i] = (char)(c | (t & WEIR_TOK_UP));
				i++;
			}
		} else {
			while (i < n && !(weir_tok_tab[s[i]] & WEIR_TOK_SP))
				i++;
		}
		size_t end = i;
		while (start < end && (weir_tok_tab[s[start]] & WEIR_TOK_PU))
			start++;
		while (end > start && (weir_tok_tab[s[end - 1]] & WEIR_TOK_PU))
			end--;
		if (start < end) {
			count++;
			if (fn)
				fn(buf + start, end - start, ctx);
		}
	}
	return count;
}
