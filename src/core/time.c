/*
 * time.c — event time as int64 milliseconds since the Unix epoch (UTC):
 * parsing RFC 3339 timestamps and durations, formatting times and days, and
 * the two clocks (monotonic for rates and timeouts, wall for receive times).
 *
 * Every source turns its timestamps into ms here (events.md §1 `ts`), and
 * every sink and API answer formats them back here, so that windows
 * (events.md §3) are computed on one integer timeline. Dates are proleptic
 * Gregorian and work before 1970 too (negative ms); the conversions are
 * Howard Hinnant's days_from_civil / civil_from_days.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "weir/common.h"
#include "core/bytes.h"

int64_t weir_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;				       /* [0, 399] */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	       /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

void weir_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;					     /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);		     /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;				     /* [0, 11] */
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return dim[m - 1];
}

/* Reads exactly `w` decimal digits at s[*i]; -1 if any is not a digit. */
static int digits(const char *s, size_t n, size_t *i, int w)
{
	int v = 0;
	if (*i + (size_t)w > n)
		return -1;
	for (int k = 0; k < w; k++) {
		unsigned char c = (unsigned char)s[*i + k];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*i += (size_t)w;
	return v;
}

static int expect(const char *s, size_t n, size_t *i, char c)
{
	if (*i >= n || s[*i] != c)
		return -1;
	(*i)++;
	return 0;
}

/*
 * Accepted: "YYYY-MM-DD" (midnight UTC), or "YYYY-MM-DD" + 'T'/'t'/' ' +
 * "HH:MM:SS" + optional ".fraction" (any number of digits, truncated to ms)
 * + 'Z'/'z' or an offset "+HH:MM", "-HH:MM", "+HHMM", "-HHMM". A leap second
 * (:60) is read as :59 so that it stays inside its minute.
 */
/* The canonical form weir sim and most producers write,
 * "YYYY-MM-DDTHH:MM:SS.mmmZ", without the general parser's steps: the day
 * number is cached per thread (consecutive events share their date).
 * Returns 0, or -1 to let the general parser decide (also on errors). */
static _Thread_local char last_date[10];
static _Thread_local int64_t last_days;
static _Thread_local bool have_last;

/* A date other than the last one: parsed (and kept) out of line. */
static __attribute__((noinline)) int date_miss(const char *s)
{
	int64_t day_ms;
	if (weir_time_parse(s, 10, &day_ms) != 0)
		return -1;
	memcpy(last_date, s, 10);
	last_days = day_ms / WEIR_MS_PER_DAY;
	have_last = true;
	return 0;
}

static int parse_canonical(const char *s, size_t n, int64_t *ms)
{
	if (n != 24 || s[10] != 'T' || s[23] != 'Z')
		return -1;
	/* the date first: nothing else is live across the call on a miss */
	if ((!have_last || memcmp(s, last_date, 10) != 0) && date_miss(s) != 0)
		return -1;
	/* "HH:MM:SS" and ".mmm" as two words: XOR with '0' leaves a byte below
	 * 10 iff it is a digit (a byte x >= 10 sets the high bit of x + 0x76;
	 * bytes >= 0x80 have it set), XOR with a separator leaves 0 iff it is
	 * that separator. */
	uint64_t w;
	uint32_t f;
	memcpy(&w, s + 11, 8);
	memcpy(&f, s + 19, 4);
	w = weir_le64(w) ^ 0x30303a30303a3030ULL;
	f = weir_le32(f) ^ 0x3030302eU;
	if ((((w + 0x7676767676767676ULL) | w) & 0x8080808080808080ULL) || (w & 0x0000ff0000ff0000ULL) ||
	    (((f + 0x76767676U) | f) & 0x80808080U) || (f & 0xffU))
		return -1;
	int h = (int)(w & 0xff) * 10 + (int)(w >> 8 & 0xff),
	    mi = (int)(w >> 24 & 0xff) * 10 + (int)(w >> 32 & 0xff),
	    sec = (int)(w >> 48 & 0xff) * 10 + (int)(w >> 56 & 0xff);
	if (h > 23 || mi > 59 || sec > 60)
		return -1;
	if (sec == 60)
		sec = 59;
	int frac = (int)(f >> 8 & 0xff) * 100 + (int)(f >> 16 & 0xff) * 10 + (int)(f >> 24);
	*ms = last_days * WEIR_MS_PER_DAY + ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + frac;
	return 0;
}

/* Every other form (and errors): out of line, so that the canonical one
 * (once per event) needs no register saves and stack frame. */
static __attribute__((noinline)) int parse_general(const char *s, size_t n, int64_t *ms);

int weir_time_parse(const char *s, size_t n, int64_t *ms)
{
	if (s && parse_canonical(s, n, ms) == 0)
		return 0;
	return parse_general(s, n, ms);
}

static int parse_general(const char *s, size_t n, int64_t *ms)
{
	size_t i = 0;
	int y, mo, d, h, mi, sec, frac = 0, off = 0;

	if (!s)
		return WEIR_EINVAL;
	y = digits(s, n, &i, 4);
	if (y < 0 || expect(s, n, &i, '-'))
		return WEIR_EINVAL;
	mo = digits(s, n, &i, 2);
	if (mo < 1 || mo > 12 || expect(s, n, &i, '-'))
		return WEIR_EINVAL;
	d = digits(s, n, &i, 2);
	if (d < 1 || (unsigned)d > days_in_month(y, (unsigned)mo))
		return WEIR_EINVAL;
	int64_t days = weir_days_from_civil(y, (unsigned)mo, (unsigned)d);
	if (i == n) {
		*ms = days * WEIR_MS_PER_DAY;
		return 0;
	}
	if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
		return WEIR_EINVAL;
	i++;
	h = digits(s, n, &i, 2);
	if (h < 0 || h > 23 || expect(s, n, &i, ':'))
		return WEIR_EINVAL;
	mi = digits(s, n, &i, 2);
	if (mi < 0 || mi > 59 || expect(s, n, &i, ':'))
		return WEIR_EINVAL;
	sec = digits(s, n, &i, 2);
	if (sec < 0 || sec > 60)
		return WEIR_EINVAL;
	if (sec == 60)
		sec = 59;
	if (i < n && s[i] == '.') {
		size_t start = ++i;
		int scale = 100;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			frac += (s[i] - '0') * scale;
			scale /= 10;
			i++;
		}
		if (i == start)
			return WEIR_EINVAL;
	}
	if (i >= n)
		return WEIR_EINVAL;
	if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		int sign = s[i] == '-' ? -1 : 1;
		i++;
		int oh = digits(s, n, &i, 2);
		if (oh < 0 || oh > 23)
			return WEIR_EINVAL;
		if (i < n && s[i] == ':')
			i++;
		int om = digits(s, n, &i, 2);
		if (om < 0 || om > 59)
			return WEIR_EINVAL;
		off = sign * (oh * 60 + om);
	} else {
		return WEIR_EINVAL;
	}
	if (i != n)
		return WEIR_EINVAL;
	*ms = days * WEIR_MS_PER_DAY + h * WEIR_MS_PER_HOUR + mi * WEIR_MS_PER_MIN + sec * 1000LL + frac -
	      off * WEIR_MS_PER_MIN;
	return 0;
}

/* Copies the formatted string out only if it fits; returns its length or 0. */
static size_t put(char *buf, size_t cap, const char *tmp, int len)
{
	if (len < 0 || (size_t)len >= cap) {
		if (cap)
			buf[0] = 0;
		return 0;
	}
	memcpy(buf, tmp, (size_t)len + 1);
	return (size_t)len;
}

/* Day number and ms into the day, flooring for negative times (no overflow for any int64). */
static void split_day(int64_t ms, int64_t *day, int64_t *rem)
{
	*day = ms / WEIR_MS_PER_DAY;
	*rem = ms % WEIR_MS_PER_DAY;
	if (*rem < 0) {
		*rem += WEIR_MS_PER_DAY;
		(*day)--;
	}
}

size_t weir_time_format(int64_t ms, char *buf, size_t cap)
{
	char tmp[64];
	int64_t day, rem, y;
	unsigned m, d;
	int len;

	split_day(ms, &day, &rem);
	weir_civil_from_days(day, &y, &m, &d);
	int h = (int)(rem / WEIR_MS_PER_HOUR), mi = (int)(rem / WEIR_MS_PER_MIN % 60);
	int s = (int)(rem / 1000 % 60), f = (int)(rem % 1000);
	if (f)
		len = snprintf(tmp, sizeof(tmp), "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", (long long)y, m, d,
			       h, mi, s, f);
	else
		len = snprintf(tmp, sizeof(tmp), "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d, h,
			       mi, s);
	return put(buf, cap, tmp, len);
}

size_t weir_day_format(int64_t ms, char *buf, size_t cap)
{
	char tmp[48];
	int64_t day, rem, y;
	unsigned m, d;

	split_day(ms, &day, &rem);
	weir_civil_from_days(day, &y, &m, &d);
	int len = snprintf(tmp, sizeof(tmp), "%04lld-%02u-%02u", (long long)y, m, d);
	return put(buf, cap, tmp, len);
}

/*
 * A duration is a non-negative decimal number with an optional fraction and
 * an optional unit: ms, s, m, h or d (none means seconds). "1.5m" is 90000 ms;
 * what is below a millisecond is dropped.
 */
int weir_duration_parse(const char *s, int64_t *ms)
{
	int64_t whole = 0, unit, frac = 0, fscale = 1;
	const char *p = s;

	if (!s || *p < '0' || *p > '9')
		return WEIR_EINVAL;
	while (*p >= '0' && *p <= '9') {
		if (__builtin_mul_overflow(whole, 10, &whole) ||
		    __builtin_add_overflow(whole, *p - '0', &whole))
			return WEIR_EINVAL;
		p++;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return WEIR_EINVAL;
		while (*p >= '0' && *p <= '9') {
			if (fscale < 1000000000LL) {
				frac = frac * 10 + (*p - '0');
				fscale *= 10;
			}
			p++;
		}
	}
	if (!strcmp(p, "ms"))
		unit = 1;
	else if (!strcmp(p, "s") || !*p)
		unit = 1000;
	else if (!strcmp(p, "m"))
		unit = WEIR_MS_PER_MIN;
	else if (!strcmp(p, "h"))
		unit = WEIR_MS_PER_HOUR;
	else if (!strcmp(p, "d"))
		unit = WEIR_MS_PER_DAY;
	else
		return WEIR_EINVAL;
	int64_t v;
	if (__builtin_mul_overflow(whole, unit, &v) || __builtin_add_overflow(v, frac * unit / fscale, &v))
		return WEIR_EINVAL;
	*ms = v;
	return 0;
}

uint64_t weir_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int64_t weir_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
