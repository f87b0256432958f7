/*
 * parse_bench.c — times the NDJSON parser alone (parse + validate every line
 * into struct weir_event) with each JSON backend, on the same file, in one
 * run. Used to choose the backend (docs/benchmarks.md).
 *
 *   build/r/bench/parse_bench FILE [REPEAT]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/event.h"

static double run(const char *backend, const char *buf, size_t len, uint64_t *ok)
{
	setenv("WEIR_JSON", backend, 1);
	struct weir_json *j = weir_json_new();
	struct weir_arena a;
	weir_arena_init(&a, 1 << 20);
	struct weir_event ev;
	uint64_t t0 = weir_now_ns(), n = 0, lines = 0;
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *d;
		if (weir_json_parse(j, p, l, &a, &ev, &d) == WEIR_R_OK)
			n++;
		if ((++lines & 4095) == 0)
			weir_arena_reset(&a);
		p += l + 1;
	}
	double secs = (double)(weir_now_ns() - t0) / 1e9;
	weir_arena_free(&a);
	weir_json_free(j);
	*ok = n;
	return secs;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: parse_bench FILE [REPEAT]\n");
		return 2;
	}
	int repeat = argc > 2 ? atoi(argv[2]) : 3;
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	size_t len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc(len + WEIR_JSON_PADDING);
	if (!buf || fread(buf, 1, len, f) != len) {
		fprintf(stderr, "cannot read %s\n", argv[1]);
		return 1;
	}
	memset(buf + len, 0, WEIR_JSON_PADDING);
	fclose(f);
	const char *backends[] = {"simdjson", "cjson"};
	double best[2] = {1e9, 1e9};
	uint64_t ok[2] = {0, 0};
	for (int r = 0; r < repeat; r++)
		for (int b = 0; b < 2; b++) {
			double s = run(backends[b], buf, len, &ok[b]);
			if (s < best[b])
				best[b] = s;
		}
	for (int b = 0; b < 2; b++)
		printf("%-9s %8.3f s  %10.0f lines/s  %7.1f MB/s  (%llu valid)\n", backends[b], best[b],
		       (double)ok[b] / best[b], (double)len / 1e6 / best[b], (unsigned long long)ok[b]);
	printf("simdjson/cjson speed ratio: %.2f\n", best[1] / best[0]);
	free(buf);
	return ok[0] == ok[1] ? 0 : 1;
}
