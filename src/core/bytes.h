/*
 * bytes.h — little-endian views of loaded words, for SWAR scans (event.c's
 * name compares, time.c's timestamp checks, hll.c's register scan): a word
 * loaded with memcpy then has byte i of memory as its byte i from the low end.
 */
#ifndef WEIR_CORE_BYTES_H
#define WEIR_CORE_BYTES_H

#include <stdint.h>

static inline uint64_t weir_le64(uint64_t w)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(w);
#else
	return w;
#endif
}

static inline uint32_t weir_le32(uint32_t w)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap32(w);
#else
	return w;
#endif
}

#endif
