/*
 * source.h — byte sources: files (plain, gzip, zstd — told apart by their
 * magic bytes, not their names) and standard input.
 */
#ifndef WEIR_SOURCE_H
#define WEIR_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct weir_input;

/* Opens path ("-" = stdin). On failure returns a WEIR_E* code and writes a
 * one-line reason into err. */
int weir_input_open(const char *path, struct weir_input **out, char *err, size_t errcap);
/* Reads up to cap decompressed bytes. Returns bytes read, 0 at the end,
 * or a negative WEIR_E* code. */
ssize_t weir_input_read(struct weir_input *in, char *buf, size_t cap);
/* Compressed bytes consumed so far and the file's size (0 if unknown), for progress. */
/* Whether a read would return without waiting (1), or timeout_ms passed
 * with nothing to read (0). A compressed stream may still hold decoded
 * bytes when this says 0: it is a hint for live input, not a promise. */
int weir_input_wait(struct weir_input *in, int timeout_ms);
uint64_t weir_input_pos(struct weir_input *in);
uint64_t weir_input_size(struct weir_input *in);
const char *weir_input_codec(struct weir_input *in); /* "plain", "gzip", "zstd" */
void weir_input_close(struct weir_input *in);

#endif
