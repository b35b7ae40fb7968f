// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * timeutil.c - civil-date arithmetic (Howard Hinnant's days_from_civil and
 * civil_from_days, proleptic Gregorian, UTC), so naming a file costs no
 * gmtime_r() and parsing a date needs no timegm() or TZ.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "util/timeutil.h"

#define SUFFIX ".tsv.gz"
/* "YYYY-MM-DDTHH" in a file name. */
#define HOUR_STAMP_LEN 13

struct civil {
	unsigned int year, month, day, hour, min, sec;
};

/* Days since 1970-01-01 of a date; year >= 1970 here, so no negatives. */
static __u64 days_from_civil(unsigned int y, unsigned int m, unsigned int d)
{
	unsigned int era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (__u64)era * 146097 + doe - 719468;
}

static void civil_from_days(__u64 days, struct civil *c)
{
	__u64 z = days + 719468;
	unsigned int era = z / 146097;
	unsigned int doe = z - (__u64)era * 146097;
	unsigned int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned int mp = (5 * doy + 2) / 153;

	c->day = doy - (153 * mp + 2) / 5 + 1;
	c->month = mp < 10 ? mp + 3 : mp - 9;
	c->year = yoe + era * 400 + (c->month <= 2);
}

static void civil_from_ts(__u64 t, struct civil *c)
{
	unsigned int sod = t % 86400;

	civil_from_days(t / 86400, c);
	c->hour = sod / 3600;
	c->min = sod / 60 % 60;
	c->sec = sod % 60;
}

static bool is_leap(unsigned int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned int days_in_month(unsigned int y, unsigned int m)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Exactly n decimal digits at *s, advancing *s. */
static bool take_digits(const char **s, int n, unsigned int *out)
{
	unsigned int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return false;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return true;
}

static bool take_char(const char **s, char c)
{
	if (**s != c)
		return false;
	(*s)++;
	return true;
}

static int parse_unix_seconds(const char *s, __u64 *out)
{
	__u64 v = 0;

	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > TS_MAX)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_civil(const char *s, __u64 *out)
{
	struct civil c = { 0 };

	if (!take_digits(&s, 4, &c.year) || !take_char(&s, '-') ||
	    !take_digits(&s, 2, &c.month) || !take_char(&s, '-') || !take_digits(&s, 2, &c.day))
		return -EINVAL;
	if (take_char(&s, 'T') || take_char(&s, ' ')) {
		if (!take_digits(&s, 2, &c.hour))
			return -EINVAL;
		if (take_char(&s, ':')) {
			if (!take_digits(&s, 2, &c.min))
				return -EINVAL;
			if (take_char(&s, ':') && !take_digits(&s, 2, &c.sec))
				return -EINVAL;
		}
	}
	take_char(&s, 'Z');
	if (*s)
		return -EINVAL;
	if (c.year < 1970 || c.month < 1 || c.month > 12 || c.day < 1 ||
	    c.day > days_in_month(c.year, c.month) || c.hour > 23 || c.min > 59 || c.sec > 59)
		return -EINVAL;
	*out = days_from_civil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.min * 60 + c.sec;
	return 0;
}

__u64 ts_slot_start(__u64 t, unsigned int interval)
{
	return interval ? t - t % interval : t;
}

int ts_parse_time(const char *s, __u64 *out)
{
	if (!s || !*s)
		return -EINVAL;
	/* A date always has '-' at offset 4; bare digits are unix seconds. */
	if (strlen(s) > 4 && s[4] == '-')
		return parse_civil(s, out);
	return parse_unix_seconds(s, out);
}

static void put2(char *p, unsigned int v)
{
	p[0] = '0' + v / 10;
	p[1] = '0' + v % 10;
}

/* "YYYY-MM-DDTHH" at p (no NUL). */
static void put_hour_stamp(char *p, const struct civil *c)
{
	put2(p, c->year / 100);
	put2(p + 2, c->year % 100);
	p[4] = '-';
	put2(p + 5, c->month);
	p[7] = '-';
	put2(p + 8, c->day);
	p[10] = 'T';
	put2(p + 11, c->hour);
}

void ts_format_iso(__u64 t, char out[21])
{
	struct civil c;

	civil_from_ts(t > TS_MAX ? TS_MAX : t, &c);
	put_hour_stamp(out, &c);
	out[13] = ':';
	put2(out + 14, c.min);
	out[16] = ':';
	put2(out + 17, c.sec);
	out[19] = 'Z';
	out[20] = '\0';
}

int ts_hour_file_name(char *out, size_t size, const char *series, __u64 ts)
{
	size_t series_len = strlen(series);
	struct civil c;
	char *p;

	if (!series_len)
		return -EINVAL;
	if (size < series_len + 1 + HOUR_STAMP_LEN + sizeof(SUFFIX))
		return -ENAMETOOLONG;
	civil_from_ts(ts > TS_MAX ? TS_MAX : ts, &c);
	p = memcpy(out, series, series_len);
	p += series_len;
	*p++ = '-';
	put_hour_stamp(p, &c);
	memcpy(p + HOUR_STAMP_LEN, SUFFIX, sizeof(SUFFIX));
	return 0;
}

int ts_hour_file_parse(const char *name, char *series, size_t series_size, __u64 *hour)
{
	size_t len = strlen(name), series_len;
	char stamp[HOUR_STAMP_LEN + 1];
	const char *dash;

	if (len < 2 + HOUR_STAMP_LEN + strlen(SUFFIX) ||
	    strcmp(name + len - strlen(SUFFIX), SUFFIX) != 0)
		return -EINVAL;
	dash = name + len - strlen(SUFFIX) - HOUR_STAMP_LEN - 1;
	if (*dash != '-')
		return -EINVAL;
	memcpy(stamp, dash + 1, HOUR_STAMP_LEN);
	stamp[HOUR_STAMP_LEN] = '\0';
	/* ts_parse_time() would also take a space for the 'T'. */
	if (stamp[10] != 'T' || ts_parse_time(stamp, hour))
		return -EINVAL;
	series_len = dash - name;
	if (series_len >= series_size)
		return -ENAMETOOLONG;
	memcpy(series, name, series_len);
	series[series_len] = '\0';
	return 0;
}

__u64 clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

__u64 now_ms_realtime(void)
{
	return clock_ns(CLOCK_REALTIME) / 1000000;
}
