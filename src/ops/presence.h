/*
 * presence.h — the presence analytics operator (events.md §4, fourth
 * bullet): who is in which channel's chat, from `chatters` snapshots.
 *
 * One struct weir_presence_shard per worker thread owns the channels routed
 * to it. A snapshot's users are interned to worker-local ids and appended
 * to the open window of its (channel, 5-minute UTC slot); when the
 * watermark passes the slot's end the window is radix-sorted and
 * deduplicated (two snapshots in one slot: their union), emitted as a slot
 * record and added to the channel's day set (a CRoaring bitmap of local
 * ids), which is emitted when the day closes. A snapshot for a slot or day
 * already emitted reopens it: the new record is a delta that the store
 * unions in, so late snapshots are exact.
 *
 * The store side (src/sinks/sqlite_presence.c) keeps one bitmap of global
 * user ids per (channel, slot) and per (channel, day) and answers the
 * presence queries of queries.md.
 */
#ifndef WEIR_OPS_PRESENCE_H
#define WEIR_OPS_PRESENCE_H

#include <string.h>

#include "weir/event.h"
#include "weir/op.h"
#include "weir/store.h"

/* Width of a presence slot: snapshots are grouped by their 5-minute UTC slot. */
#define WEIR_PRESENCE_SLOT_MS (5 * WEIR_MS_PER_MIN)

enum weir_presence_grain { WEIR_PRESENCE_SLOT = 0, WEIR_PRESENCE_DAY = 1 };

/*
 * The names of a shard's users, readable by the writer thread while the
 * worker keeps adding: names live in chunks that never move, found through
 * fixed directories, and an id is only published (in a record) after its
 * name was written. off[uid] (4 bytes) = name chunk << 20 | position; a
 * name is a varint length followed by its bytes. 10M users cost ~5 + the
 * name's length bytes here (a pointer and a 4-byte length took 12).
 */
#define WEIR_PRESENCE_NAME_CHUNK_BITS 16 /* ids per off[] chunk */
#define WEIR_PRESENCE_NAME_CHUNKS 65536
#define WEIR_PRESENCE_BYTES_CHUNK_BITS 20 /* bytes per name chunk */
#define WEIR_PRESENCE_BYTES_CHUNKS 4096
struct weir_presence_names {
	uint32_t *off[WEIR_PRESENCE_NAME_CHUNKS]; /* each 2^NAME_CHUNK_BITS offsets */
	unsigned char *bytes[WEIR_PRESENCE_BYTES_CHUNKS];
};

static inline struct weir_str weir_presence_name(const struct weir_presence_names *d, uint32_t uid)
{
	uint32_t off =
	    d->off[uid >> WEIR_PRESENCE_NAME_CHUNK_BITS][uid & ((1u << WEIR_PRESENCE_NAME_CHUNK_BITS) - 1)];
	const unsigned char *p = d->bytes[off >> WEIR_PRESENCE_BYTES_CHUNK_BITS] +
				 (off & ((1u << WEIR_PRESENCE_BYTES_CHUNK_BITS) - 1));
	uint32_t n = 0;
	for (int shift = 0;; shift += 7) {
		unsigned char b = *p++;
		n |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	return (struct weir_str){(const char *)p, n};
}

/*
 * A closed slot or day window (a delta). uids are the window's distinct
 * worker-local user ids, ascending; they and the record are one
 * allocation owned by the record. channel and the names point into the
 * producing shard, which outlives the writer.
 */
struct weir_presence_rec {
	struct weir_rec h; /* first: put/free, queue link, worker */
	uint8_t grain;	   /* enum weir_presence_grain */
	struct weir_str channel;
	int64_t start; /* slot or day start, ms */
	uint32_t n;
	const struct weir_presence_names *names;
	uint32_t uids[];
};

struct weir_presence_shard;

struct weir_presence_shard *weir_presence_shard_new(const struct weir_op_env *env);
void weir_presence_shard_free(struct weir_presence_shard *s);
/* Hot path: one chatters snapshot. Returns 0 or WEIR_ENOMEM. */
int weir_presence_add(struct weir_presence_shard *s, const struct weir_event *ev);
/* Close (emit and free) every slot and day window whose end is <= watermark. */
int weir_presence_advance(struct weir_presence_shard *s, int64_t watermark);
/* Checkpoint: emit every open window as a delta and start afresh. */
int weir_presence_flush(struct weir_presence_shard *s);
void weir_presence_get_stats(const struct weir_presence_shard *s, struct weir_op_stats *st);
/* Distinct users the shard has interned (for tests and memory reports). */
uint32_t weir_presence_nusers(const struct weir_presence_shard *s);

/*
 * Implemented by the store (src/sinks/sqlite_presence.c), called by the
 * record's put() on the writer thread: unions the sorted, distinct global
 * ids gids[0..n) into the bitmap of (channel, start) at the given grain.
 */
int weir_store_presence_put(struct weir_store *s, int grain, struct weir_str channel, int64_t start,
			    const uint32_t *gids, uint32_t n);

/* Whether global id x is in a bitmap serialized by the store (CRoaring's
 * portable format), read in place: 1 yes, 0 no, -1 not a valid bitmap. */
int weir_presence_blob_contains(const void *blob, size_t n, uint32_t x);

/* The operator (op.h) built on the functions above. */
extern const struct weir_op weir_op_presence;

#endif
