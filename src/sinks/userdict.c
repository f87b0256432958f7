/*
 * userdict.c — the writer's in-memory user dictionary (userdict.h).
 *
 * Layout, chosen for memory (10M users must fit next to the workers' own
 * dictionaries within the 1.5 GB of docs/benchmarks.md):
 *   - slots: 8 bytes, the high 32 bits of XXH3(name) and the id. The slot's
 *     position comes from the same 32 bits, so growing re-places the slots
 *     without reading a name; a lookup compares names only on a tag match.
 *   - names: [varint length][bytes] in 1 MiB chunks (a longer name gets a
 *     chunk of its own); off[id] = chunk << 20 | position, 4 bytes per id.
 * The table grows at 3/4 load: with 32-bit tags a probe rarely touches a
 * name that is not the one looked for.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "sinks/userdict.h"

#define CHUNK_BITS 20
#define CHUNK_SIZE (1u << CHUNK_BITS)
#define MAX_CHUNKS (1u << (32 - CHUNK_BITS))

void weir_userdict_init(struct weir_userdict *d)
{
	memset(d, 0, sizeof(*d));
	d->next = 1;
}

void weir_userdict_free(struct weir_userdict *d)
{
	for (uint32_t i = 0; i < d->nchunks; i++)
		free(d->chunk[i]);
	free(d->chunk);
	free(d->slot);
	free(d->off);
	weir_userdict_init(d);
}

static const unsigned char *name_at(const struct weir_userdict *d, uint32_t off, uint32_t *n)
{
	const unsigned char *p = d->chunk[off >> CHUNK_BITS] + (off & (CHUNK_SIZE - 1));
	uint32_t len = 0;
	for (int shift = 0;; shift += 7) {
		unsigned char b = *p++;
		len |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	*n = len;
	return p;
}

uint32_t weir_userdict_find(const struct weir_userdict *d, const char *name, uint32_t n)
{
	if (!d->cap)
		return 0;
	uint32_t tag = (uint32_t)(XXH3_64bits(name, n) >> 32);
	for (uint32_t j = tag & (d->cap - 1);; j = (j + 1) & (d->cap - 1)) {
		uint64_t e = d->slot[j];
		if (!e)
			return 0;
		if ((uint32_t)(e >> 32) != tag)
			continue;
		uint32_t id = (uint32_t)e, len;
		const unsigned char *p = name_at(d, d->off[id], &len);
		if (len == n && memcmp(p, name, n) == 0)
			return id;
	}
}

static void place(uint64_t *slot, uint32_t cap, uint64_t e)
{
	uint32_t j = (uint32_t)(e >> 32) & (cap - 1);
	while (slot[j])
		j = (j + 1) & (cap - 1);
	slot[j] = e;
}

static int grow_slots(struct weir_userdict *d)
{
	uint64_t ncap = d->cap ? (uint64_t)d->cap * 2 : 1024;
	if (ncap > (1ull << 32) / 2)
		return WEIR_ENOMEM;
	uint64_t *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return WEIR_ENOMEM;
	for (uint32_t i = 0; i < d->cap; i++)
		if (d->slot[i])
			place(ns, (uint32_t)ncap, d->slot[i]);
	free(d->slot);
	d->slot = ns;
	d->cap = (uint32_t)ncap;
	return 0;
}

/* Room for `need` bytes of a record; returns its offset, or UINT32_MAX. */
static uint32_t name_room(struct weir_userdict *d, size_t need)
{
	bool fits = d->nchunks && need <= CHUNK_SIZE && d->used + need <= CHUNK_SIZE;
	if (fits) {
		uint32_t off = (d->nchunks - 1) << CHUNK_BITS | d->used;
		d->used += (uint32_t)need;
		return off;
	}
	if (d->nchunks == MAX_CHUNKS || need > UINT32_MAX)
		return UINT32_MAX;
	if (d->nchunks == d->chunkcap) {
		uint32_t ncap = d->chunkcap ? d->chunkcap * 2 : 64;
		unsigned char **nc = realloc(d->chunk, ncap * sizeof(*nc));
		if (!nc)
			return UINT32_MAX;
		d->chunk = nc;
		d->chunkcap = ncap;
	}
	/* the very first byte is never a record: offset 0 means "no name" */
	uint32_t start = d->nchunks == 0 ? 1 : 0;
	size_t size = need + start > CHUNK_SIZE ? need + start : CHUNK_SIZE;
	unsigned char *c = malloc(size);
	if (!c)
		return UINT32_MAX;
	d->chunk[d->nchunks++] = c;
	/* a name larger than a chunk fills its own: the next one starts a new chunk */
	d->used = size > CHUNK_SIZE ? CHUNK_SIZE : (uint32_t)(start + need);
	return (d->nchunks - 1) << CHUNK_BITS | start;
}

int weir_userdict_add(struct weir_userdict *d, const char *name, uint32_t n, uint32_t id)
{
	if (id < d->next || id == UINT32_MAX)
		return WEIR_EINVAL;
	if (id >= d->offcap) {
		uint64_t ncap = d->offcap ? d->offcap : 4096;
		while (ncap <= id)
			ncap *= 2;
		if (ncap > UINT32_MAX)
			ncap = UINT32_MAX;
		uint32_t *no = realloc(d->off, ncap * sizeof(*no));
		if (!no)
			return WEIR_ENOMEM;
		memset(no + d->offcap, 0, (ncap - d->offcap) * sizeof(*no));
		d->off = no;
		d->offcap = (uint32_t)ncap;
	}
	if (((uint64_t)d->n + 1) * 4 > (uint64_t)d->cap * 3 && grow_slots(d) != 0)
		return WEIR_ENOMEM;
	unsigned char hdr[5];
	size_t h = 0;
	uint32_t v = n;
	do {
		hdr[h] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			hdr[h] |= 0x80;
		h++;
	} while (v);
	uint32_t off = name_room(d, h + n);
	if (off == UINT32_MAX)
		return WEIR_ENOMEM;
	unsigned char *p = d->chunk[off >> CHUNK_BITS] + (off & (CHUNK_SIZE - 1));
	memcpy(p, hdr, h);
	memcpy(p + h, name, n);
	d->off[id] = off;
	uint64_t tag = XXH3_64bits(name, n) >> 32;
	place(d->slot, d->cap, tag << 32 | id);
	d->n++;
	d->next = id + 1;
	return 0;
}

#define AHEAD 8 /* names hashed (and their slots prefetched) ahead of the one looked up */

int weir_userdict_get_many(struct weir_userdict *d, const struct weir_str *names, uint32_t n, uint32_t *ids)
{
	uint32_t tags[2 * AHEAD];
	for (uint32_t i = 0; i < n + AHEAD; i++) {
		if (i < n) {
			tags[i % (2 * AHEAD)] = (uint32_t)(XXH3_64bits(names[i].p, names[i].n) >> 32);
			if (d->cap)
				__builtin_prefetch(&d->slot[tags[i % (2 * AHEAD)] & (d->cap - 1)]);
		}
		if (i < AHEAD)
			continue;
		uint32_t k = i - AHEAD, tag = tags[k % (2 * AHEAD)], id = 0;
		const char *name = names[k].p;
		uint32_t len = names[k].n;
		for (uint32_t j = tag & (d->cap - 1); d->cap; j = (j + 1) & (d->cap - 1)) {
			uint64_t e = d->slot[j];
			if (!e)
				break;
			if ((uint32_t)(e >> 32) != tag)
				continue;
			uint32_t nl;
			const unsigned char *p = name_at(d, d->off[(uint32_t)e], &nl);
			if (nl == len && memcmp(p, name, len) == 0) {
				id = (uint32_t)e;
				break;
			}
		}
		if (!id) {
			id = d->next;
			int rc = weir_userdict_add(d, name, len, id);
			if (rc)
				return rc;
		}
		ids[k] = id;
	}
	return 0;
}

struct weir_str weir_userdict_name(const struct weir_userdict *d, uint32_t id)
{
	if (id >= d->offcap || !d->off[id])
		return (struct weir_str){NULL, 0};
	uint32_t n;
	const unsigned char *p = name_at(d, d->off[id], &n);
	return (struct weir_str){(const char *)p, n};
}

size_t weir_userdict_bytes(const struct weir_userdict *d)
{
	return (size_t)d->cap * sizeof(*d->slot) + (size_t)d->offcap * sizeof(*d->off) +
	       (size_t)d->nchunks * CHUNK_SIZE;
}
