/*
 * sort.h — allocation-free-on-the-hot-path sorts for the writer and the
 * window close: LSD radix sort of 64-bit keys (passes whose byte is the same
 * in every key are skipped), insertion sort below 64 elements.
 */
#ifndef WEIR_SORT_H
#define WEIR_SORT_H

#include <stddef.h>
#include <stdint.h>

/* Sorts v[0..n) ascending; tmp must hold n elements. */
void weir_sort_u64(uint64_t *v, size_t n, uint64_t *tmp);
/* Same, allocating tmp itself (returns -1 when it cannot). */
int weir_sort_u64_alloc(uint64_t *v, size_t n);

/* Sorts 32-bit keys ascending; tmp must hold n elements. */
void weir_sort_u32(uint32_t *v, size_t n, uint32_t *tmp);

/* Key-value pairs sorted by key (stable). */
struct weir_kv {
	uint64_t k, v;
};
void weir_sort_kv(struct weir_kv *v, size_t n, struct weir_kv *tmp);

#endif
