/*
 * hugemem.c — huge-page backed memory: whole blocks for the reader's input
 * (weir_huge_alloc) and the malloc arenas of the workers and the writer
 * (weir_arena_hugepages). See hugemem.h for why and the figures.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/hugemem.h"

#if defined(__SANITIZE_ADDRESS__)
#define WEIR_OWN_MALLOC 0 /* the sanitizer's allocator has no glibc heaps */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEIR_OWN_MALLOC 0
#endif
#endif
#if !defined(WEIR_OWN_MALLOC) && !defined(__GLIBC__)
#define WEIR_OWN_MALLOC 0 /* the heap layout below is glibc's */
#endif
#ifndef WEIR_OWN_MALLOC
#define WEIR_OWN_MALLOC 1
#endif

/* glibc's HEAP_MAX_SIZE on 64-bit targets: 2 * DEFAULT_MMAP_THRESHOLD_MAX */
#define GLIBC_HEAP_MAX ((uintptr_t)64 << 20)

void *weir_huge_alloc(size_t n)
{
	void *p = aligned_alloc(WEIR_HUGE_PAGE, n);
	if (p)
		madvise(p, n, MADV_HUGEPAGE); /* only advice: without it, small pages */
	return p;
}

uintptr_t weir_maps_start(const char *maps, uintptr_t p)
{
	for (const char *l = maps; l && *l;) {
		uintmax_t lo, hi;
		if (sscanf(l, "%jx-%jx", &lo, &hi) == 2 && p >= lo && p < hi)
			return (uintptr_t)lo;
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return 0;
}

/* /proc/self/maps as one string (malloc'd), or NULL. */
static char *read_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return NULL;
	size_t cap = 64 << 10, n = 0;
	char *s = malloc(cap);
	while (s) {
		n += fread(s + n, 1, cap - 1 - n, f);
		if (n < cap - 1)
			break;
		char *t = realloc(s, cap * 2);
		if (!t) {
			free(s);
			s = NULL;
			break;
		}
		s = t;
		cap *= 2;
	}
	fclose(f);
	if (s)
		s[n] = '\0';
	return s;
}

int weir_arena_hugepages(size_t grow, size_t prefault)
{
	if (!WEIR_OWN_MALLOC || grow >= GLIBC_HEAP_MAX)
		return 0;
	char *block = malloc(grow);
	if (!block)
		return 0;
	uintptr_t a = (uintptr_t)block, base = a & ~(GLIBC_HEAP_MAX - 1);
	char *maps = read_maps();
	/* a thread heap is a mapping that starts at a 64 MiB boundary; the main
	 * arena (brk) and mmap'd blocks start elsewhere */
	int ok = maps && weir_maps_start(maps, a) == base && a + grow <= base + GLIBC_HEAP_MAX;
	free(maps);
	if (ok && madvise((void *)base, GLIBC_HEAP_MAX, MADV_HUGEPAGE) != 0)
		ok = 0;
	/* one write per 2 MiB page: the kernel maps and zeroes each whole */
	for (size_t o = 0; ok && o < prefault && o < grow; o += WEIR_HUGE_PAGE)
		((volatile char *)block)[o] = 0;
	free(block);
	return ok;
}
