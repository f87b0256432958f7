/*
 * sort.c — radix sort of uint64 keys (see sort.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"

static void insertion(uint64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

void weir_sort_u64(uint64_t *v, size_t n, uint64_t *tmp)
{
	if (n < 64) {
		insertion(v, n);
		return;
	}
	size_t count[8][256];
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++) {
		uint64_t x = v[i];
		for (int b = 0; b < 8; b++)
			count[b][(x >> (8 * b)) & 0xff]++;
	}
	uint64_t *src = v, *dst = tmp;
	for (int b = 0; b < 8; b++) {
		size_t *c = count[b];
		/* a byte that is the same in every key needs no pass */
		if (c[(src[0] >> (8 * b)) & 0xff] == n)
			continue;
		size_t sum = 0;
		for (int k = 0; k < 256; k++) {
			size_t t = c[k];
			c[k] = sum;
			sum += t;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t x = src[i];
			dst[c[(x >> (8 * b)) & 0xff]++] = x;
		}
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(uint64_t));
}

int weir_sort_u64_alloc(uint64_t *v, size_t n)
{
	if (n < 64) {
		insertion(v, n);
		return 0;
	}
	uint64_t *tmp = malloc(n * sizeof(uint64_t));
	if (!tmp)
		return -1;
	weir_sort_u64(v, n, tmp);
	free(tmp);
	return 0;
}

static void insertion_kv(struct weir_kv *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct weir_kv x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1].k > x.k) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

void weir_sort_kv(struct weir_kv *v, size_t n, struct weir_kv *tmp)
{
	if (n < 64) {
		insertion_kv(v, n);
		return;
	}
	size_t count[8][256];
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++)
			count[b][(v[i].k >> (8 * b)) & 0xff]++;
	struct weir_kv *src = v, *dst = tmp;
	for (int b = 0; b < 8; b++) {
		size_t *c = count[b];
		if (c[(src[0].k >> (8 * b)) & 0xff] == n)
			continue;
		size_t sum = 0;
		for (int k = 0; k < 256; k++) {
			size_t t = c[k];
			c[k] = sum;
			sum += t;
		}
		for (size_t i = 0; i < n; i++)
			dst[c[(src[i].k >> (8 * b)) & 0xff]++] = src[i];
		struct weir_kv *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

void weir_sort_u32(uint32_t *v, size_t n, uint32_t *tmp)
{
	if (n < 64) {
		for (size_t i = 1; i < n; i++) {
			uint32_t x = v[i];
			size_t j = i;
			while (j > 0 && v[j - 1] > x) {
				v[j] = v[j - 1];
				j--;
			}
			v[j] = x;
		}
		return;
	}
	size_t count[4][256];
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++) {
		uint32_t x = v[i];
		count[0][x & 0xff]++;
		count[1][(x >> 8) & 0xff]++;
		count[2][(x >> 16) & 0xff]++;
		count[3][x >> 24]++;
	}
	uint32_t *src = v, *dst = tmp;
	for (int b = 0; b < 4; b++) {
		size_t *c = count[b];
		if (c[(src[0] >> (8 * b)) & 0xff] == n)
			continue;
		size_t sum = 0;
		for (int k = 0; k < 256; k++) {
			size_t t = c[k];
			c[k] = sum;
			sum += t;
		}
		for (size_t i = 0; i < n; i++) {
			uint32_t x = src[i];
			dst[c[(x >> (8 * b)) & 0xff]++] = x;
		}
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(uint32_t));
}
