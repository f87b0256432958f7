/*
 * blob.h — the compact encodings stores keep for per-hour word and user
 * counts and per-minute message ids, and their exact merges.
 *
 *   words:      repeated [varint len][bytes][varint count], sorted by bytes
 *   usercounts: repeated [varint gid delta][varint count], sorted by gid
 *   ids:        little-endian u64, sorted ascending, no repeats
 */
#ifndef WEIR_SINKS_BLOB_H
#define WEIR_SINKS_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "weir/store.h"

struct weir_buf {
	unsigned char *p;
	size_t len, cap;
};

int weir_buf_reserve(struct weir_buf *b, size_t n); /* room for n more bytes */
void weir_buf_free(struct weir_buf *b);

int weir_words_blob(const struct weir_wordcount *v, uint32_t n, struct weir_buf *out);
int weir_usercounts_blob(const uint32_t *gids, const uint32_t *counts, uint32_t n, struct weir_buf *out);
int weir_ids_blob(const uint64_t *ids, uint32_t n, struct weir_buf *out);

int weir_words_merge(const void *a, size_t an, const void *b, size_t bn, struct weir_buf *out);
int weir_usercounts_merge(const void *a, size_t an, const void *b, size_t bn, struct weir_buf *out);
/* Merge a stored ids blob with new ids (unsorted). */
int weir_ids_merge(const void *blob, size_t bn, const uint64_t *ids, uint32_t n, struct weir_buf *out);

/* Iterators: return 1 and fill the out-params while there is an entry. */
struct weir_blob_it {
	const unsigned char *p, *end;
	uint64_t last; /* usercounts: running gid */
};
int weir_words_next(struct weir_blob_it *it, const char **w, uint32_t *n, uint64_t *count);
int weir_usercounts_next(struct weir_blob_it *it, uint32_t *gid, uint64_t *count);

#endif
