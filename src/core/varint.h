/*
 * varint.h — LEB128 unsigned varints (7 bits a byte, low groups first), the
 * integer encoding of weir's blobs (count lists, sketches, stream tails).
 */
#ifndef WEIR_VARINT_H
#define WEIR_VARINT_H

#include <stddef.h>
#include <stdint.h>

/* Writes v at o (room for 10 bytes); returns the bytes written. */
static inline size_t weir_varint_put(uint8_t *o, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		o[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	o[n++] = (uint8_t)v;
	return n;
}

/* Reads a varint at *p (before end) into *v and advances *p; returns 0, or
 * -1 for a truncated or over-long one. */
static inline int weir_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;
	for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return -1;
}

#endif
