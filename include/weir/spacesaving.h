/*
 * spacesaving.h — Space-Saving top-K summaries (Metwally, Agrawal, El
 * Abbadi 2005), weighted and mergeable.
 *
 * Where it fits: the store keeps one summary of the words and one of the
 * users per (channel, day) (docs/sketches.md); `weir query top-words
 * --approx` merges the summaries of a long range instead of the exact
 * per-hour count blobs.
 *
 * A summary of capacity k holds at most k (key, count, err) entries, the
 * total weight N it summarizes, and a `floor`: an upper bound on the true
 * count of every key it does NOT hold. Guarantees, kept by every operation
 * here (update, build from exact counts, merge):
 *   - for a held key: count - err <= true count <= count;
 *   - for a key not held: true count <= floor;
 *   - err <= floor and floor <= N/k for a stream summary (update) and for
 *     a build from exact counts; a merge of summaries has floor <= the sum
 *     of their floors, or the largest count it dropped, whichever is larger.
 * Hence every key whose true count exceeds floor is held.
 *
 * Keys are byte strings (words, or 4-byte big-endian user ids). Not for the
 * hot path: entries own their key bytes (malloc).
 */
#ifndef WEIR_SPACESAVING_H
#define WEIR_SPACESAVING_H

#include <stddef.h>
#include <stdint.h>

#include "weir/common.h"

struct weir_ss_entry {
	char *key; /* owned, n bytes (not NUL-terminated) */
	uint32_t n, kcap;
	uint64_t count, err;
};

struct weir_ss {
	uint32_t cap, len;
	uint64_t total; /* N */
	uint64_t floor; /* bound on the count of any key not held */
	struct weir_ss_entry *e;
	/* streaming index: a min-heap of entry indexes by count, and a hash
	 * table of entry index + 1 (0 = empty) */
	uint32_t *heap, *pos, *tab;
	uint32_t tabcap;
};

/* An empty summary of capacity k >= 1: 0, WEIR_EINVAL or WEIR_ENOMEM. */
int weir_ss_init(struct weir_ss *s, uint32_t k);
void weir_ss_free(struct weir_ss *s);

/* Adds weight w to key (the stream algorithm: a key not held takes the
 * place of the smallest count when the summary is full). */
int weir_ss_update(struct weir_ss *s, const void *key, uint32_t n, uint64_t w);

/* Finds a held key: its entry, or NULL. */
const struct weir_ss_entry *weir_ss_find(const struct weir_ss *s, const void *key, uint32_t n);

/* One key and its exact count, for weir_ss_build. */
struct weir_ss_item {
	const void *key;
	uint32_t n;
	uint64_t count;
};

/*
 * Replaces s's contents with the summary of exact counts (each key once):
 * the keys whose count is larger than the (k+1)-th largest count, exactly
 * (err 0), and floor = that (k+1)-th count (0 when there are at most k
 * keys). The cut falls between distinct counts, so the result does not
 * depend on the order of the items nor on how ties would be broken.
 */
int weir_ss_build(struct weir_ss *s, const struct weir_ss_item *v, uint32_t n);

/*
 * Merging many summaries at once: for each key held by any of them,
 * count = sum over the summaries of (its count there, or that summary's
 * floor when it does not hold the key), err likewise with err and floor;
 * floor = the sum of the floors. The result is exact when every input is
 * (floor 0), and its guarantees are those of the inputs added up.
 */
struct weir_ss_acc;
int weir_ss_acc_new(struct weir_ss_acc **out);
void weir_ss_acc_free(struct weir_ss_acc *a);
int weir_ss_acc_add(struct weir_ss_acc *a, const struct weir_ss *s);
/* Adds a serialized summary without building it (WEIR_EFORMAT if malformed). */
int weir_ss_acc_add_bytes(struct weir_ss_acc *a, const void *buf, size_t n);
/* The merged summary into s (initialized here, capacity k; k = 0 keeps every
 * key: no cut, so floor stays the sum of the floors). */
int weir_ss_acc_result(struct weir_ss_acc *a, uint32_t k, struct weir_ss *s);

/* dst = merge(dst, src), cut to dst's capacity. */
int weir_ss_merge(struct weir_ss *dst, const struct weir_ss *src);

/*
 * Serialization (deterministic: entries sorted by key bytes):
 *   [u8 version=1][varint cap][varint total][varint floor][varint len]
 *   len x ([varint key length][key][varint count][varint err])
 * weir_ss_size() bounds the bytes weir_ss_write() writes.
 */
size_t weir_ss_size(const struct weir_ss *s);
size_t weir_ss_write(const struct weir_ss *s, uint8_t *out);
int weir_ss_read(struct weir_ss *s, const void *buf, size_t n); /* s initialized here */

/*
 * What weir_ss_build (into a summary of capacity cap) then weir_ss_write
 * would write, byte for byte, without building the summary: for a writer
 * that only stores it (the day sketches' rebuild, in the serial tail of an
 * ingest). out must hold weir_ss_items_size() bytes; returns the bytes
 * written, 0 when out of memory.
 */
size_t weir_ss_items_size(const struct weir_ss_item *v, uint32_t n, uint32_t cap);
size_t weir_ss_write_items(const struct weir_ss_item *v, uint32_t n, uint32_t cap, uint8_t *out);

/* Sorts the entries by count descending, then key bytes ascending (the
 * order of top-N lists); the streaming index is rebuilt. */
int weir_ss_sort(struct weir_ss *s);

#endif
