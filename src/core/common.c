/*
 * common.c — error names and the arena allocator used by every batch.
 */
#include <stdlib.h>
#include <string.h>

#include "weir/common.h"

const char *weir_strerror(int err)
{
	switch (err) {
	case WEIR_OK:
		return "ok";
	case WEIR_ENOMEM:
		return "out of memory";
	case WEIR_EIO:
		return "input/output error";
	case WEIR_EINVAL:
		return "invalid argument";
	case WEIR_ESTORE:
		return "store error";
	case WEIR_ENOENT:
		return "not found";
	case WEIR_EFORMAT:
		return "unknown format";
	case WEIR_ESCHEMA:
		return "store schema is newer than this weir";
	}
	return "unknown error";
}

struct weir_arena_chunk {
	struct weir_arena_chunk *next;
	size_t cap, used;
	char *mem; /* cap bytes, 8-aligned */
};

void weir_arena_init(struct weir_arena *a, size_t chunk_size)
{
	a->head = a->first = NULL;
	a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
}

static struct weir_arena_chunk *chunk_new(size_t cap)
{
	struct weir_arena_chunk *c = malloc(sizeof(*c) + cap);
	if (!c)
		return NULL;
	c->next = NULL;
	c->cap = cap;
	c->used = 0;
	c->mem = (char *)(c + 1);
	return c;
}

void *weir_arena_alloc(struct weir_arena *a, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	struct weir_arena_chunk *c = a->head;
	while (c && c->used + n > c->cap) {
		/* Chunks kept from before a reset are reused in order. */
		if (c->next && c->next->used == 0 && n <= c->next->cap) {
			c = c->next;
			break;
		}
		c = NULL;
	}
	if (!c) {
		size_t cap = n > a->chunk_size ? n : a->chunk_size;
		c = chunk_new(cap);
		if (!c)
			return NULL;
		if (a->head) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			a->first = c;
		}
	}
	a->head = c;
	void *p = c->mem + c->used;
	c->used += n;
	return p;
}

char *weir_arena_strdup(struct weir_arena *a, const char *p, size_t n)
{
	char *d = weir_arena_alloc(a, n + 1);
	if (!d)
		return NULL;
	memcpy(d, p, n);
	d[n] = 0;
	return d;
}

void weir_arena_reset(struct weir_arena *a)
{
	for (struct weir_arena_chunk *c = a->first; c; c = c->next)
		c->used = 0;
	a->head = a->first;
}

void weir_arena_free(struct weir_arena *a)
{
	struct weir_arena_chunk *c = a->first;
	while (c) {
		struct weir_arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	a->head = a->first = NULL;
}
