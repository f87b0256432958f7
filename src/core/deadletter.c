/*
 * deadletter.c — writes rejected lines to the dead-letter NDJSON file.
 */
#include <stdlib.h>
#include <string.h>

#include "weir/common.h"
#include "weir/event.h"
#include "core/deadletter.h"

void weir_dlq_init(struct weir_dlq *q, const char *path)
{
	memset(q, 0, sizeof(*q));
	q->path = path ? strdup(path) : NULL;
}

void weir_json_escape(FILE *f, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		fwrite(s + run, 1, i - run, f);
		run = i + 1;
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default: {
			char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
			fputs(u, f);
		}
		}
	}
	fwrite(s + run, 1, n - run, f);
}

static void base64(FILE *f, const unsigned char *p, size_t n)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		char o[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], tbl[(v >> 6) & 63], tbl[v & 63]};
		fwrite(o, 1, 4, f);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		char o[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], '=', '='};
		fwrite(o, 1, 4, f);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		char o[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], tbl[(v >> 6) & 63], '='};
		fwrite(o, 1, 4, f);
	}
}

int weir_dlq_write(struct weir_dlq *q, const char *source, uint64_t line, const char *reason,
		   const char *detail, const char *raw, size_t n, int truncated)
{
	if (!q->path || q->failed)
		return q->failed ? WEIR_EIO : 0;
	if (!q->f) {
		q->f = fopen(q->path, "a");
		if (!q->f) {
			q->failed = 1;
			return WEIR_EIO;
		}
	}
	FILE *f = q->f;
	fputs("{\"source\":\"", f);
	weir_json_escape(f, source, strlen(source));
	fprintf(f, "\",\"line\":%llu,\"reason\":\"%s\"", (unsigned long long)line, reason);
	if (detail) {
		fputs(",\"detail\":\"", f);
		weir_json_escape(f, detail, strlen(detail));
		fputc('"', f);
	}
	if (weir_utf8_valid(raw, n)) {
		fputs(",\"raw\":\"", f);
		weir_json_escape(f, raw, n);
	} else {
		fputs(",\"raw_b64\":\"", f);
		base64(f, (const unsigned char *)raw, n);
	}
	fputc('"', f);
	if (truncated)
		fputs(",\"raw_truncated\":true", f);
	fputs("}\n", f);
	return ferror(f) ? WEIR_EIO : 0;
}

int weir_dlq_close(struct weir_dlq *q)
{
	int rc = q->failed ? WEIR_EIO : 0;
	if (q->f && fclose(q->f) != 0)
		rc = WEIR_EIO;
	q->f = NULL;
	free(q->path);
	q->path = NULL;
	return rc;
}
