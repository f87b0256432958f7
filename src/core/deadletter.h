/*
 * deadletter.h — the dead-letter file: every rejected input line, with its
 * source, line number and reason, one JSON object per line. Nothing is lost:
 * the raw line is kept whole ("raw", or "raw_b64" when it is not UTF-8).
 */
#ifndef WEIR_DEADLETTER_H
#define WEIR_DEADLETTER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct weir_dlq {
	char *path;
	FILE *f; /* opened at the first dead letter */
	int failed;
};

void weir_dlq_init(struct weir_dlq *q, const char *path);
/* Returns 0, or WEIR_EIO when the file cannot be written. */
int weir_dlq_write(struct weir_dlq *q, const char *source, uint64_t line, const char *reason,
		   const char *detail, const char *raw, size_t n, int truncated);
int weir_dlq_close(struct weir_dlq *q);

/* JSON string escaping of valid UTF-8 (quotes not included). */
void weir_json_escape(FILE *f, const char *s, size_t n);

#endif
