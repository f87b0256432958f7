/*
 * fuzz_irc.c — libFuzzer target for the Twitch IRC line parser and the
 * tokenizer: never crash, never read outside the line.
 *
 *   make fuzz && build/fuzz/fuzz_irc -max_total_time=60
 */
#include <stdlib.h>
#include <string.h>

#include "weir/event.h"

static void word(const char *w, size_t n, void *ctx)
{
	(void)w;
	*(size_t *)ctx += n;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct weir_arena a;
	static struct weir_irc_state st;
	static int init;
	if (!init) {
		weir_arena_init(&a, 1 << 16);
		weir_irc_init(&st);
		init = 1;
	}
	char *line = malloc(size ? size : 1);
	char *tok = malloc(size ? size : 1);
	if (!line || !tok) {
		free(line);
		free(tok);
		return 0;
	}
	memcpy(line, data, size);
	struct weir_event ev;
	if (weir_irc_parse(&st, line, size, 0, &a, &ev) == 1 && ev.text.n <= size) {
		size_t total = 0;
		char *tb = malloc(ev.text.n ? ev.text.n : 1);
		if (tb) {
			weir_tokenize(ev.text.p, ev.text.n, tb, word, &total);
			free(tb);
		}
	}
	size_t total = 0;
	weir_tokenize(line, size, tok, word, &total);
	weir_time_parse(line, size, &(int64_t){0});
	weir_arena_reset(&a);
	free(line);
	free(tok);
	return 0;
}
