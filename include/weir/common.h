/*
 * common.h — error codes, string views, arenas and time helpers shared by
 * every part of weir.
 *
 * Functions return 0 or a negative WEIR_E* code; weir_strerror() names it.
 * Bad input is never an error code: it becomes a dead letter (see event.h).
 */
#ifndef WEIR_COMMON_H
#define WEIR_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	WEIR_OK = 0,
	WEIR_ENOMEM = -1,  /* out of memory */
	WEIR_EIO = -2,	   /* read or write failed (errno tells) */
	WEIR_EINVAL = -3,  /* bad argument, flag or config value */
	WEIR_ESTORE = -4,  /* the store refused an operation */
	WEIR_ENOENT = -5,  /* file or object not found */
	WEIR_EFORMAT = -6, /* input in a format weir cannot read */
	WEIR_ESCHEMA = -7, /* store schema newer than this weir */
};

const char *weir_strerror(int err);

/* A view of bytes owned by someone else (an input block or an arena). */
struct weir_str {
	const char *p;
	uint32_t n;
};

#define WEIR_STR_EQ_LIT(s, lit) ((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

/*
 * Bump allocator: many small allocations freed at once with weir_arena_reset()
 * (per batch) or weir_arena_free() (for good). Chunks are kept on reset, so a
 * steady stream of batches allocates nothing after warm-up.
 */
struct weir_arena_chunk;
struct weir_arena {
	struct weir_arena_chunk *head; /* chunk being filled */
	struct weir_arena_chunk *first;
	size_t chunk_size;
};

void weir_arena_init(struct weir_arena *a, size_t chunk_size);
void *weir_arena_alloc(struct weir_arena *a, size_t n);			/* 8-aligned; NULL on OOM */
char *weir_arena_strdup(struct weir_arena *a, const char *p, size_t n); /* NUL-terminated copy */
void weir_arena_reset(struct weir_arena *a);
void weir_arena_free(struct weir_arena *a);

/* Integer fields and times that may be absent are WEIR_ABSENT. */
#define WEIR_ABSENT INT64_MIN

/* Time: int64 milliseconds since the Unix epoch, UTC. */
#define WEIR_MS_PER_MIN 60000LL
#define WEIR_MS_PER_HOUR 3600000LL
#define WEIR_MS_PER_DAY 86400000LL

/* Floor division for window starts (works for negative times too). */
static inline int64_t weir_floor(int64_t t, int64_t w)
{
	int64_t q = t / w;
	if ((t % w) != 0 && t < 0)
		q--;
	return q * w;
}

/*
 * Parse RFC 3339 ("2026-11-22T10:00:00.123Z", any offset, optional fraction;
 * a space instead of 'T' and a date alone "2026-11-22" are accepted too).
 * Returns 0 and sets *ms, or WEIR_EINVAL.
 */
int weir_time_parse(const char *s, size_t n, int64_t *ms);
/* Days since 1970-01-01 for a civil date, and back (proleptic Gregorian). */
int64_t weir_days_from_civil(int64_t y, unsigned m, unsigned d);
void weir_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Format ms as "2019-04-30T08:57:00Z" (seconds precision, fraction if nonzero). */
size_t weir_time_format(int64_t ms, char *buf, size_t cap);
/* Format the day of ms as "2019-04-30". */
size_t weir_day_format(int64_t ms, char *buf, size_t cap);
/* Parse a duration "5s", "250ms", "2m", "1h", "1d", or plain seconds. */
int weir_duration_parse(const char *s, int64_t *ms);

/* Monotonic clock in nanoseconds, for rates and timeouts. */
uint64_t weir_now_ns(void);
/* Wall clock in ms since the epoch. */
int64_t weir_wall_ms(void);

#ifdef __cplusplus
}
#endif
#endif
