/*
 * test_vader.c — weir's VADER port (src/core/vader.c) against the npm
 * package vader-sentiment it ports: a hand-written corpus
 * (tests/data/vader_corpus.txt, ~270 sentences exercising every rule) is
 * scored by the package (tests/ref/vader_ref.mjs, run with node) and by
 * weir; every compound score must agree within 1e-3 (in practice they are
 * identical). Plus the rounding and a few rules pinned by value.
 *
 * Run from the repository root (tests/run.sh does), or set WEIR_ROOT.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/common.h"
#include "weir/vader.h"
#include "t.h"

static struct weir_vader_buf vb;

static int32_t score(const char *s)
{
	int32_t c = 99999;
	CHECK_EQ_INT(weir_vader_compound(&vb, s, strlen(s), &c), 0);
	return c;
}

static void test_round4(void)
{
	CHECK_EQ_INT(weir_vader_round4(0.84389), 8439);
	CHECK_EQ_INT(weir_vader_round4(-0.84385000001), -8439);
	CHECK_EQ_INT(weir_vader_round4(0.0), 0);
	CHECK_EQ_INT(weir_vader_round4(-0.00001), 0);
	CHECK_EQ_INT(weir_vader_round4(1.0), 10000);
	CHECK_EQ_INT(weir_vader_round4(-1.0), -10000);
	/* exact ties: JavaScript's toFixed rounds them up (glibc would round to even) */
	CHECK_EQ_INT(weir_vader_round4(1.0 / 32), 313);	   /* 0.03125 */
	CHECK_EQ_INT(weir_vader_round4(3.0 / 32), 938);	   /* 0.09375 */
	CHECK_EQ_INT(weir_vader_round4(-5.0 / 32), -1563); /* -0.15625 */
	/* 0.00015 is not exactly representable: its exact value decides */
	CHECK_EQ_INT(weir_vader_round4(0.00015), 1);
}

static void test_rules(void)
{
	CHECK(weir_vader_lexicon_size() > 7000);
	/* the package's README examples */
	CHECK_EQ_INT(score("VADER is smart, handsome, and funny."), 8316);
	CHECK_EQ_INT(score("VADER is smart, handsome, and funny!"), 8439);
	CHECK_EQ_INT(score("VADER is very smart, handsome, and funny."), 8545);
	CHECK_EQ_INT(score("VADER is VERY SMART, handsome, and FUNNY."), 9227);
	CHECK_EQ_INT(score("VADER is not smart, handsome, nor funny."), -7424);
	CHECK_EQ_INT(score(""), 0);
	CHECK_EQ_INT(score("a b c"), 0); /* single characters are not words */
	CHECK_EQ_INT(score("the stream"), 0);
	/* negation flips, "but" shifts weight to what follows */
	CHECK(score("good") > 0);
	CHECK(score("not good") < 0);
	CHECK(score("good but bad") < score("bad but good"));
	/* U+212A KELVIN SIGN lowercases to k, as in JavaScript */
	CHECK_EQ_INT(score("\xe2\x84\xaaill"), score("kill"));
	/* glued punctuation from PUNC_LIST is dropped, other runs are not */
	CHECK_EQ_INT(score("great!!"), score("great !!"));
	CHECK(score("'great'") == 0);
}

/* Reads the corpus, scores it with node and with weir, compares. */
static void test_corpus(void)
{
	const char *root = getenv("WEIR_ROOT");
	char path[1024], cmd[2300];
	snprintf(path, sizeof(path), "%s/tests/data/vader_corpus.txt", root ? root : ".");
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	snprintf(cmd, sizeof(cmd), "node '%s/tests/ref/vader_ref.mjs' '%s'", root ? root : ".", path);
	FILE *p = popen(cmd, "r");
	CHECK(p != NULL);
	if (!p) {
		fclose(f);
		return;
	}
	char line[4096], ref[64];
	int n = 0, same = 0, close = 0;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		if (len && line[len - 1] == '\n')
			line[--len] = 0;
		if (!fgets(ref, sizeof(ref), p)) {
			/* is node_modules installed? (make deps) */
			CHECK(!"node printed fewer scores than corpus lines");
			break;
		}
		double want = strtod(ref, NULL);
		int32_t got;
		CHECK_EQ_INT(weir_vader_compound(&vb, line, len, &got), 0);
		double g = got / 10000.0;
		n++;
		if (g == want)
			same++;
		if (fabs(g - want) <= 1e-3)
			close++;
		else
			fprintf(stderr, "  corpus line %d: weir %.4f, vader-sentiment %.4f: %s\n", n, g, want,
				line);
	}
	int rc = pclose(p);
	fclose(f);
	CHECK_EQ_INT(rc, 0);
	CHECK(n >= 200);
	CHECK_EQ_INT(close, n);
	fprintf(stderr, "# vader corpus: %d sentences, %d identical, %d within 1e-3\n", n, same, close);
}

int main(void)
{
	TEST(test_round4);
	TEST(test_rules);
	TEST(test_corpus);
	weir_vader_buf_free(&vb);
	T_END();
}
