/*
 * fuzz_json.c — libFuzzer target for the NDJSON event parser (both JSON
 * backends must accept or reject every input the same way, and never crash).
 *
 *   make fuzz && build/fuzz/fuzz_json -max_total_time=60
 */
#include <stdlib.h>
#include <string.h>

#include "weir/event.h"

static int str_eq(struct weir_str a, struct weir_str b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0) && (!a.p || a.p[a.n] == '\0') &&
	       (!b.p || b.p[b.n] == '\0');
}

/* Every value an analytic reads must be the same bytes from both backends
 * (the simdjson one keeps strings in place, NUL-terminated). */
static int same_event(const struct weir_event *x, const struct weir_event *y)
{
	if (x->ts != y->ts || x->kind != y->kind || x->platform != y->platform || x->live != y->live ||
	    x->count != y->count || x->viewers != y->viewers || x->started_at != y->started_at ||
	    x->likes != y->likes || x->shares != y->shares || x->replies != y->replies || x->views != y->views)
		return 0;
	if (!str_eq(x->channel, y->channel) || !str_eq(x->user, y->user) || !str_eq(x->text, y->text) ||
	    !str_eq(x->id, y->id) || !str_eq(x->user_id, y->user_id) || !str_eq(x->streamer, y->streamer) ||
	    !str_eq(x->game, y->game) || !str_eq(x->language, y->language) ||
	    !str_eq(x->location, y->location) || !str_eq(x->author_location, y->author_location))
		return 0;
	if (x->kind == WEIR_KIND_CHATTERS || x->kind == WEIR_KIND_POST) {
		if (x->nitems != y->nitems)
			return 0;
		for (uint32_t i = 0; i < x->nitems; i++)
			if (!str_eq(x->items[i], y->items[i]))
				return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct weir_json *simd, *cj;
	static struct weir_arena a;
	if (!simd) {
		setenv("WEIR_JSON", "simdjson", 1);
		simd = weir_json_new();
		setenv("WEIR_JSON", "cjson", 1);
		cj = weir_json_new();
		weir_arena_init(&a, 1 << 16);
	}
	char *buf = malloc(size + WEIR_JSON_PADDING);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memset(buf + size, 0, WEIR_JSON_PADDING);
	struct weir_event e1, e2;
	const char *d;
	int r1 = weir_json_parse(simd, buf, size, &a, &e1, &d);
	int r2 = weir_json_parse(cj, buf, size, &a, &e2, &d);
	/* accepted by one means accepted by the other, with the same values */
	if ((r1 == WEIR_R_OK) != (r2 == WEIR_R_OK) && r1 != WEIR_R_INVALID_UTF8 && r2 != WEIR_R_INVALID_UTF8 &&
	    r1 != WEIR_R_INVALID_JSON && r2 != WEIR_R_INVALID_JSON)
		abort();
	if (r1 == WEIR_R_OK && r2 == WEIR_R_OK && !same_event(&e1, &e2))
		abort();
	weir_arena_reset(&a);
	free(buf);
	return 0;
}
