/*
 * utf8.c — strict UTF-8 validation for input lines and strings.
 *
 * Every string weir stores or serves must be UTF-8 (events.md §1); a line that
 * is not becomes a dead letter (WEIR_R_INVALID_UTF8). Validation follows the
 * Unicode standard's table of well-formed byte sequences (Table 3-7): no
 * overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no
 * truncated sequences. Most input is ASCII, so runs of it are skipped eight
 * bytes at a time.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weir/event.h"

#define HIGH_BITS 0x8080808080808080ULL

static inline bool cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

bool weir_utf8_valid(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	while (i < n) {
		if (s[i] < 0x80) {
			while (i + 8 <= n) {
				uint64_t w;
				memcpy(&w, s + i, 8);
				if (w & HIGH_BITS)
					break;
				i += 8;
			}
			while (i < n && s[i] < 0x80)
				i++;
			continue;
		}
		unsigned char c = s[i];
		if (c >= 0xC2 && c <= 0xDF) {
			if (i + 1 >= n || !cont(s[i + 1]))
				return false;
			i += 2;
		} else if (c >= 0xE0 && c <= 0xEF) {
			/* E0 needs A0..BF (no overlongs), ED needs 80..9F (no surrogates). */
			unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
			if (i + 2 >= n || s[i + 1] < lo || s[i + 1] > hi || !cont(s[i + 2]))
				return false;
			i += 3;
		} else if (c >= 0xF0 && c <= 0xF4) {
			/* F0 needs 90..BF (no overlongs), F4 needs 80..8F (<= U+10FFFF). */
			unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
			if (i + 3 >= n || s[i + 1] < lo || s[i + 1] > hi || !cont(s[i + 2]) ||
			    !cont(s[i + 3]))
				return false;
			i += 4;
		} else {
			return false; /* 80..C1 (stray continuation, overlong lead) or F5..FF */
		}
	}
	return true;
}
