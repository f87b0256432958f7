/*
 * vader.h — the VADER sentiment score of a text (Hutto & Gilbert, ICWSM 2014),
 * as the npm package vader-sentiment 1.1.3 computes it.
 *
 * The posts operator (src/ops/posts.c) scores every post's text once, on its
 * worker thread; the store keeps the scores as integers so that per-window
 * sums merge exactly. The algorithm (lexicon lookup, booster words,
 * negation, ALL-CAPS emphasis, "but", "kind of", "least", punctuation
 * emphasis, normalization with alpha = 15) follows the package's
 * src/vaderSentiment.js step by step, quirks included, so the compound score
 * is the package's to the last bit. The lexicon is the package's own data:
 * the Makefile converts node_modules/vader-sentiment/src/vader_lexicon.js
 * into build/gen/vader_lexicon.inc at build time.
 */
#ifndef WEIR_VADER_H
#define WEIR_VADER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Scratch space of one thread: zero-initialize it, reuse it for every text
 * (it grows to the longest text seen), release it with weir_vader_buf_free().
 */
struct weir_vader_tok;
struct weir_vader_buf {
	struct weir_vader_tok *tok;
	double *sent;
	uint32_t cap;
	char *low;
	size_t lowcap;
};
void weir_vader_buf_free(struct weir_vader_buf *b);

/*
 * The compound score of text[0..n) (UTF-8) in units of 1e-4: the package's
 * polarity_scores(text).compound, which it rounds to 4 decimals, times
 * 10000, in [-10000, 10000]. Returns 0 or WEIR_ENOMEM.
 */
int weir_vader_compound(struct weir_vader_buf *b, const char *text, size_t n, int32_t *out);

/* x rounded to 4 decimals as JavaScript's x.toFixed(4) does (exact value,
 * halves away from zero), in units of 1e-4. */
int32_t weir_vader_round4(double x);

/* Number of lexicon entries weir knows (for tests and `weir --version`). */
uint32_t weir_vader_lexicon_size(void);

#endif
