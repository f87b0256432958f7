/*
 * hugemem.h — memory backed by 2 MiB pages where the kernel allows it.
 *
 * On the virtual machines weir runs on, the first touch of each fresh 4 KiB
 * page is a fault that costs ~13 µs (64 MiB touched page by page: 210-240
 * ms; with 2 MiB pages: 12-84 ms). A chat ingest touches ~70 MB of fresh
 * heap in its workers and writer, so those faults were ~15% of its CPU.
 * Transparent huge pages in `madvise` mode (Debian's default) remove them
 * for the memory that asks.
 */
#ifndef WEIR_HUGEMEM_H
#define WEIR_HUGEMEM_H

#include <stddef.h>
#include <stdint.h>

#define WEIR_HUGE_PAGE ((size_t)2 << 20)

/* n bytes (a multiple of WEIR_HUGE_PAGE), aligned to a huge page and advised
 * to use them; freed with free(). NULL when out of memory. */
void *weir_huge_alloc(size_t n);

/*
 * Lets the calling thread's malloc arena use huge pages; call it first thing
 * in a thread that allocates a lot. Returns 1 when the arena was advised, 0
 * when it could not be (main arena, another allocator, a sanitizer build,
 * an unexpected layout): only speed differs.
 *
 * glibc gives each thread arena heaps of 64 MiB, aligned to 64 MiB, whose
 * writable part grows by just what each allocation needs — so a 2 MiB block
 * is never wholly writable when it is first touched and the kernel maps it
 * with small pages even where asked not to. This grows the heap by `grow`
 * bytes at once (a malloc, freed again: glibc keeps it, see M_TRIM_THRESHOLD
 * in main.c) and advises the whole heap. RSS grows only as pages are touched,
 * in steps of 2 MiB.
 *
 * The first `prefault` bytes of it are touched here, at the thread's start
 * (where the ingest has a core to spare: the reader is still opening its
 * file), instead of in the middle of the work: the first allocations land
 * there (2026-11-28, chat benchmark, alternating runs: 8-16 MiB per thread
 * gave −1% to −4% wall in three sets of 10-12; 48 MiB no gain).
 */
int weir_arena_hugepages(size_t grow, size_t prefault);

/* The start of the mapping that holds address p in a /proc/self/maps text,
 * or 0 when no line covers p. (Exposed for the unit test.) */
uintptr_t weir_maps_start(const char *maps, uintptr_t p);

#endif
