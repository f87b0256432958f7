/*
 * test_hugemem.c — huge-page backed memory (src/core/hugemem.c): aligned
 * blocks, the /proc/self/maps lookup that tells a glibc thread heap, and
 * that advising an arena never fails loudly (under the sanitizers, whose
 * allocator has no glibc heaps, it declines).
 */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>

#include "core/hugemem.h"

#include "t.h"

static void test_huge_alloc(void)
{
	char *p = weir_huge_alloc(WEIR_HUGE_PAGE);
	CHECK(p != NULL);
	CHECK_EQ_INT((uintptr_t)p % WEIR_HUGE_PAGE, 0);
	p[0] = 1;
	p[WEIR_HUGE_PAGE - 1] = 2;
	free(p);
}

static void test_maps_start(void)
{
	const char *maps =
	    "55d0c0a00000-55d0c0a21000 r--p 00000000 08:01 1234 /usr/bin/weir\n"
	    "7f1c04000000-7f1c05a3c000 rw-p 00000000 00:00 0 \n"
	    "7f1c05a3c000-7f1c08000000 ---p 00000000 00:00 0 \n"
	    "7ffd1b2e0000-7ffd1b301000 rw-p 00000000 00:00 0                          [stack]\n";
	CHECK(weir_maps_start(maps, 0x7f1c04000b70) == 0x7f1c04000000);
	CHECK(weir_maps_start(maps, 0x7f1c05a3bfff) == 0x7f1c04000000);
	CHECK(weir_maps_start(maps, 0x7f1c05a3c000) == 0x7f1c05a3c000);
	CHECK(weir_maps_start(maps, 0x55d0c0a00010) == 0x55d0c0a00000);
	CHECK(weir_maps_start(maps, 0x1000) == 0);
	CHECK(weir_maps_start(maps, 0x7ffd1b301000) == 0); /* end is exclusive */
	CHECK(weir_maps_start("", 0x1000) == 0);
	CHECK(weir_maps_start("garbage\nmore", 0x1000) == 0);
}

static void *arena_thread(void *arg)
{
	int *r = arg;
	*r = weir_arena_hugepages((size_t)8 << 20, (size_t)4 << 20);
	void *p = malloc(1 << 20); /* the arena still works */
	*r |= p ? 0 : 4;
	free(p);
	return NULL;
}

static void test_arena(void)
{
	int r = -1;
	pthread_t th;
	mallopt(M_MMAP_THRESHOLD, 64 << 20); /* as main.c: big blocks come from the heap */
	CHECK(pthread_create(&th, NULL, arena_thread, &r) == 0);
	pthread_join(th, NULL);
#if defined(__SANITIZE_ADDRESS__) || !defined(__GLIBC__)
	CHECK_EQ_INT(r, 0);
#else
	CHECK_EQ_INT(r, 1); /* glibc: a thread heap */
#endif
	CHECK_EQ_INT(weir_arena_hugepages((size_t)1 << 40, 0), 0); /* larger than any glibc heap */
}

int main(void)
{
	TEST(test_huge_alloc);
	TEST(test_maps_start);
	TEST(test_arena);
	T_END();
}
