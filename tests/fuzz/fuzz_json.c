/*
 * fuzz_json.c — libFuzzer target for the NDJSON event parser (both JSON
 * backends must accept or reject every input the same way, and never crash).
 *
 *   make fuzz && build/fuzz/fuzz_json -max_total_time=60
 */
#include <stdlib.h>
#include <string.h>

#include "weir/event.h"

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
	/* accepted by one means accepted by the other, with the same event time */
	if ((r1 == WEIR_R_OK) != (r2 == WEIR_R_OK) && r1 != WEIR_R_INVALID_UTF8 && r2 != WEIR_R_INVALID_UTF8 &&
	    r1 != WEIR_R_INVALID_JSON && r2 != WEIR_R_INVALID_JSON)
		abort();
	if (r1 == WEIR_R_OK && r2 == WEIR_R_OK && (e1.ts != e2.ts || e1.kind != e2.kind))
		abort();
	weir_arena_reset(&a);
	free(buf);
	return 0;
}
