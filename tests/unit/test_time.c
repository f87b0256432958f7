/*
 * test_time.c — RFC 3339 parsing, civil-date conversions, formatting,
 * durations and clocks (src/core/time.c).
 */
#include "weir/common.h"

#include "t.h"

/* 2026-11-22T10:00:00Z */
#define T0 1795341600000LL

static int64_t P(const char *s)
{
	int64_t ms = 12345;
	int r = weir_time_parse(s, strlen(s), &ms);
	return r == 0 ? ms : INT64_MIN;
}

static int bad(const char *s)
{
	int64_t ms = 777;
	int r = weir_time_parse(s, strlen(s), &ms);
	return r == WEIR_EINVAL && ms == 777;
}

static void test_parse_basic(void)
{
	CHECK_EQ_INT(P("1970-01-01T00:00:00Z"), 0);
	CHECK_EQ_INT(P("2026-11-22T10:00:00Z"), T0);
	CHECK_EQ_INT(P("2026-11-22T10:00:00.123Z"), T0 + 123);
	CHECK_EQ_INT(P("2026-11-22t10:00:00z"), T0);
	CHECK_EQ_INT(P("2026-11-22 10:00:00Z"), T0);
	CHECK_EQ_INT(P("2019-04-30T08:57:00Z"), 1556614620000LL);
}

static void test_parse_fraction(void)
{
	CHECK_EQ_INT(P("2026-11-22T10:00:00.1Z"), T0 + 100);
	CHECK_EQ_INT(P("2026-11-22T10:00:00.12Z"), T0 + 120);
	CHECK_EQ_INT(P("2026-11-22T10:00:00.999Z"), T0 + 999);
	CHECK_EQ_INT(P("2026-11-22T10:00:00.9999Z"), T0 + 999);	     /* truncated, not rounded */
	CHECK_EQ_INT(P("2026-11-22T10:00:00.123456789Z"), T0 + 123); /* nanoseconds */
	CHECK_EQ_INT(P("2026-11-22T10:00:00.00000000000000000000001Z"), T0);
	CHECK_EQ_INT(P("2026-11-22T10:00:00.000Z"), T0);
	CHECK(bad("2026-11-22T10:00:00.Z"));
	CHECK(bad("2026-11-22T10:00:00,5Z"));
}

static void test_parse_offsets(void)
{
	CHECK_EQ_INT(P("2026-11-22T12:00:00+02:00"), T0);
	CHECK_EQ_INT(P("2026-11-22T12:00:00+0200"), T0);
	CHECK_EQ_INT(P("2026-11-22T04:30:00-05:30"), T0);
	CHECK_EQ_INT(P("2026-11-22T04:30:00-0530"), T0);
	CHECK_EQ_INT(P("2026-11-22T10:00:00+00:00"), T0);
	CHECK_EQ_INT(P("2026-11-22T10:00:00-00:00"), T0);
	CHECK_EQ_INT(P("2026-11-22T12:00:00.5+02:00"), T0 + 500);
	/* crossing a day and a year boundary */
	CHECK_EQ_INT(P("2027-01-01T01:00:00+02:00"), P("2026-12-31T23:00:00Z"));
	CHECK_EQ_INT(P("2026-12-31T20:00:00-05:00"), P("2027-01-01T01:00:00Z"));
	CHECK(bad("2026-11-22T10:00:00+02"));
	CHECK(bad("2026-11-22T10:00:00+2:00"));
	CHECK(bad("2026-11-22T10:00:00+24:00"));
	CHECK(bad("2026-11-22T10:00:00+02:60"));
	CHECK(bad("2026-11-22T10:00:00+02:00Z"));
	CHECK(bad("2026-11-22T10:00:00 +02:00"));
}

static void test_parse_date_only(void)
{
	CHECK_EQ_INT(P("2026-11-22"), T0 - 10 * WEIR_MS_PER_HOUR);
	CHECK_EQ_INT(P("1970-01-01"), 0);
	CHECK_EQ_INT(P("1969-12-31"), -WEIR_MS_PER_DAY);
	CHECK(bad("2026-11-22T"));
	CHECK(bad("2026-11-22 "));
	CHECK(bad("2026-11"));
	CHECK(bad("2026"));
}

static void test_parse_ranges(void)
{
	CHECK(bad("2026-00-22T10:00:00Z"));
	CHECK(bad("2026-13-22T10:00:00Z"));
	CHECK(bad("2026-11-00T10:00:00Z"));
	CHECK(bad("2026-11-31T10:00:00Z"));
	CHECK(bad("2026-04-31"));
	CHECK(bad("2026-11-22T24:00:00Z"));
	CHECK(bad("2026-11-22T10:60:00Z"));
	CHECK(bad("2026-11-22T10:00:61Z"));
	/* leap years: 2024 and 2000 yes, 2026 and 1900 no */
	CHECK(P("2024-02-29") != INT64_MIN);
	CHECK(P("2000-02-29T00:00:00Z") != INT64_MIN);
	CHECK(bad("2026-02-29"));
	CHECK(bad("1900-02-29"));
	CHECK(bad("2024-02-30"));
	CHECK_EQ_INT(P("2024-03-01") - P("2024-02-28"), 2 * WEIR_MS_PER_DAY);
	/* a leap second stays inside its minute */
	CHECK_EQ_INT(P("2016-12-31T23:59:60Z"), P("2016-12-31T23:59:59Z"));
	CHECK_EQ_INT(P("2016-12-31T23:59:60.5Z"), P("2016-12-31T23:59:59.5Z"));
	CHECK_EQ_INT(P("2026-11-22T23:59:59.999Z"), T0 + 14 * WEIR_MS_PER_HOUR - 1);
}

static void test_parse_garbage(void)
{
	int64_t ms = 0;
	CHECK(bad(""));
	CHECK(bad("x"));
	CHECK(bad("2026-11-22T10:00:00")); /* no zone */
	CHECK(bad("2026-11-22T10:00Z"));   /* no seconds */
	CHECK(bad("2026-11-22X10:00:00Z"));
	CHECK(bad("2026/11/22"));
	CHECK(bad("26-11-22"));
	CHECK(bad("02026-11-22"));
	CHECK(bad("2026-1-22"));
	CHECK(bad("2026-11-22T1:00:00Z"));
	CHECK(bad("2026-11-22T10:00:00Zjunk"));
	CHECK(bad(" 2026-11-22"));
	CHECK(bad("2026-11-22\n"));
	CHECK(bad("+2026-11-22"));
	CHECK(bad("1556614620000"));
	CHECK_EQ_INT(weir_time_parse(NULL, 0, &ms), WEIR_EINVAL);
	/* only n bytes are read: the rest of a buffer does not matter */
	CHECK_EQ_INT(weir_time_parse("2026-11-22T10:00:00Zgarbage", 20, &ms), 0);
	CHECK_EQ_INT(ms, T0);
	CHECK_EQ_INT(weir_time_parse("2026-11-22T10:00:00Z", 19, &ms), WEIR_EINVAL);
	CHECK_EQ_INT(weir_time_parse("2026-11-22junk", 10, &ms), 0);
}

static void test_parse_before_1970(void)
{
	CHECK_EQ_INT(P("1969-12-31T23:59:59Z"), -1000);
	CHECK_EQ_INT(P("1969-12-31T23:59:59.999Z"), -1);
	CHECK_EQ_INT(P("1969-12-31T23:59:59.001Z"), -999);
	CHECK_EQ_INT(P("1970-01-01T01:00:00+02:00"), -WEIR_MS_PER_HOUR);
	CHECK_EQ_INT(P("1900-01-01T00:00:00Z"), -2208988800000LL);
	CHECK_EQ_INT(P("0000-01-01"), -62167219200000LL);
	CHECK_EQ_INT(P("9999-12-31T23:59:59.999Z"), 253402300799999LL);
}

/* The canonical-form fast path must agree with the general parser on every
 * input of that shape, valid or not (the general one is reached through an
 * equivalent "+00:00" spelling, or a 4-digit fraction). */
static void test_parse_canonical_fast_path(void)
{
	uint64_t x = 88172645463325252ULL;
	char a[32], b[40];
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int y = 1960 + (int)(x % 120), mo = (int)(x >> 8) % 14, d = (int)(x >> 16) % 33;
		int h = (int)(x >> 24) % 26, mi = (int)(x >> 32) % 62, sec = (int)(x >> 40) % 62;
		int f = (int)(x >> 48) % 1000;
		snprintf(a, sizeof(a), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, d, h, mi, sec, f);
		snprintf(b, sizeof(b), "%04d-%02d-%02dT%02d:%02d:%02d.%03d+00:00", y, mo, d, h, mi, sec, f);
		if ((x >> 60) == 0)
			a[(x >> 56) % 23] = (char)('0' + (x >> 4) % 80); /* now and then a wrong byte */
		int64_t ma = -1, mb = -2;
		int ra = weir_time_parse(a, strlen(a), &ma);
		if ((x >> 60) == 0) {
			/* the general parser on the same bytes, via a longer fraction */
			char c[40];
			memcpy(c, a, 23);
			memcpy(c + 23, "0Z", 3);
			int rc = weir_time_parse(c, strlen(c), &mb);
			CHECK_EQ_INT(ra, rc);
			if (ra == 0 && rc == 0)
				CHECK_EQ_INT(ma, mb);
			continue;
		}
		int rb = weir_time_parse(b, strlen(b), &mb);
		CHECK_EQ_INT(ra, rb);
		if (ra == 0)
			CHECK_EQ_INT(ma, mb);
	}
}

static void test_civil(void)
{
	int64_t y;
	unsigned m, d;

	CHECK_EQ_INT(weir_days_from_civil(1970, 1, 1), 0);
	CHECK_EQ_INT(weir_days_from_civil(2000, 3, 1), 11017);
	CHECK_EQ_INT(weir_days_from_civil(1969, 12, 31), -1);
	CHECK_EQ_INT(weir_days_from_civil(1600, 1, 1), -135140);
	weir_civil_from_days(-1, &y, &m, &d);
	CHECK(y == 1969 && m == 12 && d == 31);
	weir_civil_from_days(11016, &y, &m, &d);
	CHECK(y == 2000 && m == 2 && d == 29);
	weir_civil_from_days(-719468, &y, &m, &d);
	CHECK(y == 0 && m == 3 && d == 1);
	weir_civil_from_days(-719469, &y, &m, &d);
	CHECK(y == 0 && m == 2 && d == 29); /* year 0 is a leap year */

	/* round trip, and consecutive days are consecutive dates, over 2 x 400 years */
	int64_t py = 0;
	unsigned pm = 0, pd = 0;
	int bad_trip = 0, bad_step = 0;
	for (int64_t z = -146097 - 1000; z < 146097 + 1000; z++) {
		weir_civil_from_days(z, &y, &m, &d);
		if (weir_days_from_civil(y, m, d) != z)
			bad_trip++;
		if (pm && !((y == py && m == pm && d == pd + 1) || (y == py && m == pm + 1 && d == 1) ||
			    (y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31)))
			bad_step++;
		py = y, pm = m, pd = d;
	}
	CHECK_EQ_INT(bad_trip, 0);
	CHECK_EQ_INT(bad_step, 0);
}

static const char *F(int64_t ms)
{
	static char buf[64];
	weir_time_format(ms, buf, sizeof(buf));
	return buf;
}

static const char *D(int64_t ms)
{
	static char buf[64];
	weir_day_format(ms, buf, sizeof(buf));
	return buf;
}

static void test_format(void)
{
	char buf[32];

	CHECK_EQ_STR(F(1556614620000LL), "2019-04-30T08:57:00Z");
	CHECK_EQ_STR(F(1556614620123LL), "2019-04-30T08:57:00.123Z");
	CHECK_EQ_STR(F(1556614620001LL), "2019-04-30T08:57:00.001Z");
	CHECK_EQ_STR(F(1556614620100LL), "2019-04-30T08:57:00.100Z");
	CHECK_EQ_STR(F(0), "1970-01-01T00:00:00Z");
	CHECK_EQ_STR(F(-1), "1969-12-31T23:59:59.999Z");
	CHECK_EQ_STR(F(-1000), "1969-12-31T23:59:59Z");
	CHECK_EQ_STR(F(-WEIR_MS_PER_DAY), "1969-12-31T00:00:00Z");
	CHECK_EQ_STR(F(-2208988800000LL), "1900-01-01T00:00:00Z");
	CHECK_EQ_STR(F(253402300799999LL), "9999-12-31T23:59:59.999Z");
	CHECK_EQ_INT(weir_time_format(1556614620000LL, buf, sizeof(buf)), 20);
	CHECK_EQ_INT(weir_time_format(1556614620123LL, buf, sizeof(buf)), 24);
	/* too small: nothing but an empty string */
	CHECK_EQ_INT(weir_time_format(0, buf, 20), 0);
	CHECK_EQ_STR(buf, "");
	CHECK_EQ_INT(weir_time_format(0, buf, 21), 20);

	CHECK_EQ_STR(D(1556614620123LL), "2019-04-30");
	CHECK_EQ_STR(D(1556582400000LL), "2019-04-30");
	CHECK_EQ_STR(D(1556582400000LL - 1), "2019-04-29");
	CHECK_EQ_STR(D(-1), "1969-12-31");
	CHECK_EQ_STR(D(0), "1970-01-01");
	CHECK_EQ_INT(weir_day_format(0, buf, 11), 10);
	CHECK_EQ_INT(weir_day_format(0, buf, 10), 0);

	/* any int64 formats without overflow (years far outside RFC 3339) */
	CHECK(weir_time_format(INT64_MAX, buf, sizeof(buf)) > 20);
	CHECK(weir_time_format(INT64_MIN, buf, sizeof(buf)) > 20);
	CHECK(buf[0] == '-');
	CHECK(weir_day_format(INT64_MIN, buf, sizeof(buf)) > 10);

	/* parse(format(t)) == t at many points, negative ones included */
	int mismatches = 0;
	for (int64_t t = -5000000000000LL; t < 5000000000000LL; t += 987654321LL) {
		int64_t back;
		if (weir_time_parse(F(t), strlen(F(t)), &back) != 0 || back != t)
			mismatches++;
	}
	CHECK_EQ_INT(mismatches, 0);
}

static int64_t DUR(const char *s)
{
	int64_t ms = 4242;
	return weir_duration_parse(s, &ms) == 0 ? ms : -1;
}

static void test_duration(void)
{
	int64_t ms = 4242;

	CHECK_EQ_INT(DUR("5s"), 5000);
	CHECK_EQ_INT(DUR("250ms"), 250);
	CHECK_EQ_INT(DUR("2m"), 120000);
	CHECK_EQ_INT(DUR("1h"), 3600000);
	CHECK_EQ_INT(DUR("1d"), 86400000);
	CHECK_EQ_INT(DUR("7"), 7000);
	CHECK_EQ_INT(DUR("0"), 0);
	CHECK_EQ_INT(DUR("0s"), 0);
	CHECK_EQ_INT(DUR("1.5m"), 90000);
	CHECK_EQ_INT(DUR("0.25"), 250);
	CHECK_EQ_INT(DUR("0.0001s"), 0);
	CHECK_EQ_INT(DUR("1.5ms"), 1);
	CHECK_EQ_INT(DUR("-5s"), -1);
	CHECK_EQ_INT(DUR(""), -1);
	CHECK_EQ_INT(DUR("s"), -1);
	CHECK_EQ_INT(DUR("5 s"), -1);
	CHECK_EQ_INT(DUR(" 5s"), -1);
	CHECK_EQ_INT(DUR("5x"), -1);
	CHECK_EQ_INT(DUR("5sec"), -1);
	CHECK_EQ_INT(DUR("5S"), -1);
	CHECK_EQ_INT(DUR("1.s"), -1);
	CHECK_EQ_INT(DUR(".5s"), -1);
	CHECK_EQ_INT(DUR("5ss"), -1);
	CHECK_EQ_INT(DUR("99999999999999999999"), -1);
	CHECK_EQ_INT(DUR("999999999999999d"), -1);
	CHECK_EQ_INT(weir_duration_parse(NULL, &ms), WEIR_EINVAL);
	CHECK_EQ_INT(weir_duration_parse("abc", &ms), WEIR_EINVAL);
	CHECK_EQ_INT(ms, 4242);
}

static void test_clocks(void)
{
	uint64_t a = weir_now_ns(), b = weir_now_ns();
	int64_t w = weir_wall_ms();

	CHECK(b >= a);
	CHECK(w > 1700000000000LL); /* after 2023 */
	CHECK(w < 4102444800000LL); /* before 2100 */
}

int main(void)
{
	TEST(test_parse_basic);
	TEST(test_parse_fraction);
	TEST(test_parse_offsets);
	TEST(test_parse_date_only);
	TEST(test_parse_ranges);
	TEST(test_parse_garbage);
	TEST(test_parse_before_1970);
	TEST(test_parse_canonical_fast_path);
	TEST(test_civil);
	TEST(test_format);
	TEST(test_duration);
	TEST(test_clocks);
	T_END();
}
