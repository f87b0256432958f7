/*
 * userdict.h — the writer's in-memory user dictionary: name -> global user id.
 *
 * The store's global user ids (shared by chat, presence and posts bitmaps)
 * are assigned on the writer thread. Looking each new name up and inserting
 * it into an indexed SQLite table was one random B-tree insert per user —
 * the whole cost of ingesting millions of users. Here the writer keeps every
 * name in memory instead: an open-addressing table of 8-byte slots (32 bits
 * of the name's XXH3 hash, the id) and the names, length-prefixed, in chunks
 * addressed by a 32-bit offset per id. About 35 bytes a user (10M users:
 * ~350 MB). sqlite.c persists the new names in id order (appends) at each
 * commit and rebuilds the dictionary from the store when it is opened.
 *
 * Ids are 1, 2, 3, ... with no gaps beyond what the store holds (an id the
 * store skips simply has no name). Single-threaded (the writer's).
 */
#ifndef WEIR_USERDICT_H
#define WEIR_USERDICT_H

#include <stdint.h>

#include "weir/common.h"

struct weir_userdict {
	uint64_t *slot; /* (hash >> 32) << 32 | id; 0 = empty; position from the same 32 bits */
	uint32_t cap, n;
	uint32_t *off;	 /* off[id]: chunk << CHUNK_BITS | position of the name; 0 = none */
	uint32_t offcap; /* entries of off */
	uint32_t next;	 /* the next id to assign (1 + the largest id held) */
	unsigned char **chunk;
	uint32_t nchunks, chunkcap;
	uint32_t used; /* bytes used in the last chunk */
};

void weir_userdict_init(struct weir_userdict *d);
void weir_userdict_free(struct weir_userdict *d);

/* The id of name, or 0 when it is not held. */
uint32_t weir_userdict_find(const struct weir_userdict *d, const char *name, uint32_t n);

/* The ids of n names, adding those it does not hold under d->next,
 * d->next + 1, ... in order (a name twice in `names` gets one id). Hash
 * lookups are prefetched a few names ahead. */
int weir_userdict_get_many(struct weir_userdict *d, const struct weir_str *names, uint32_t n, uint32_t *ids);

/* Adds a name the dictionary does not hold under `id` (>= d->next: ids only
 * grow; d->next becomes id + 1). The name is copied. WEIR_ENOMEM when out
 * of memory or of 32-bit ids or name space (4 GiB of names). */
int weir_userdict_add(struct weir_userdict *d, const char *name, uint32_t n, uint32_t id);

/* The name of id (pointer into the dictionary, valid until it is freed);
 * {NULL, 0} when not held. */
struct weir_str weir_userdict_name(const struct weir_userdict *d, uint32_t id);

/* Bytes held (for the memory figures in docs/benchmarks.md). */
size_t weir_userdict_bytes(const struct weir_userdict *d);

#endif
