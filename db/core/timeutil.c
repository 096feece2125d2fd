/* timeutil.c - UTC civil conversions (Howard Hinnant's algorithms), ISO-8601
 * formatting and parsing, and the clock hooks. */
#include "timeutil.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"

int64_t zq_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void zq_civil_from_days(int64_t z, int *yp, int *mp, int *dp)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp0 = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp0 + 2) / 5 + 1);
	int m = (int)(mp0 < 10 ? mp0 + 3 : mp0 - 9);
	*yp = (int)(y + (m <= 2));
	*mp = m;
	*dp = d;
}

int zq_weekday_from_days(int64_t z)
{
	return (int)(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

int zq_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int zq_days_in_month(int64_t y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	return m == 2 && zq_is_leap(y) ? 29 : dm[m - 1];
}

int64_t zq_civil_to_ms(const zq_civil *c)
{
	int64_t days = zq_days_from_civil(c->year, c->month, c->mday);
	return ((days * 24 + c->hour) * 60 + c->min) * 60000 + (int64_t)c->sec * 1000 + c->ms;
}

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void zq_ms_to_civil(int64_t ms, zq_civil *c)
{
	int64_t days = floordiv(ms, 86400000);
	int64_t rem = ms - days * 86400000;

	zq_civil_from_days(days, &c->year, &c->month, &c->mday);
	c->hour = (int)(rem / 3600000);
	c->min = (int)(rem / 60000 % 60);
	c->sec = (int)(rem / 1000 % 60);
	c->ms = (int)(rem % 1000);
}

/* n digits of v, zero-padded, at p. */
static char *put_digits(char *p, int v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

char *zq_time_format_iso(int64_t ms, char *buf, size_t bufsz)
{
	zq_civil c;
	char *p = buf;

	if (ms == ZQ_TIME_NONE) {
		if (bufsz)
			buf[0] = '\0';
		return buf;
	}
	zq_ms_to_civil(ms, &c);
	if (bufsz < 25 || c.year < 0 || c.year > 9999) {
		snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year, c.month, c.mday,
			 c.hour, c.min, c.sec, c.ms);
		return buf;
	}
	/* the hot path of every JSON response: no printf */
	p = put_digits(p, c.year, 4);
	*p++ = '-';
	p = put_digits(p, c.month, 2);
	*p++ = '-';
	p = put_digits(p, c.mday, 2);
	*p++ = 'T';
	p = put_digits(p, c.hour, 2);
	*p++ = ':';
	p = put_digits(p, c.min, 2);
	*p++ = ':';
	p = put_digits(p, c.sec, 2);
	*p++ = '.';
	p = put_digits(p, c.ms, 3);
	*p++ = 'Z';
	*p = '\0';
	return buf;
}

char *zq_time_format_iso_sec(int64_t ms, char *buf, size_t bufsz)
{
	zq_civil c;

	zq_ms_to_civil(ms, &c);
	snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.mday, c.hour,
		 c.min, c.sec);
	return buf;
}

/* Read exactly n digits. */
static int digits(const char **sp, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*sp)[i]))
			return -1;
		v = v * 10 + ((*sp)[i] - '0');
	}
	*sp += n;
	*out = v;
	return 0;
}

static int parse_offset(const char *s, int *off_min)
{
	int sign, h = 0, m = 0;

	if (*s == 'Z' || *s == 'z')
		return s[1] ? -1 : (*off_min = 0, 0);
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	if (digits(&s, 2, &h) < 0)
		return -1;
	if (*s == ':')
		s++;
	if (*s && digits(&s, 2, &m) < 0)
		return -1;
	if (*s || h > 23 || m > 59)
		return -1;
	*off_min = sign * (h * 60 + m);
	return 0;
}

int zq_time_parse_iso(const char *s, int64_t *ms)
{
	zq_civil c = {0};
	int off = 0;

	if (!s || digits(&s, 4, &c.year) < 0 || *s++ != '-' || digits(&s, 2, &c.month) < 0 ||
	    *s++ != '-' || digits(&s, 2, &c.mday) < 0)
		return ZQ_EINVAL;
	if (c.month < 1 || c.month > 12 || c.mday < 1 || c.mday > zq_days_in_month(c.year, c.month))
		return ZQ_EINVAL;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if (digits(&s, 2, &c.hour) < 0 || *s++ != ':' || digits(&s, 2, &c.min) < 0)
			return ZQ_EINVAL;
		if (*s == ':') {
			s++;
			if (digits(&s, 2, &c.sec) < 0)
				return ZQ_EINVAL;
			if (*s == '.') {
				int scale = 100;
				s++;
				if (!isdigit((unsigned char)*s))
					return ZQ_EINVAL;
				for (; isdigit((unsigned char)*s); s++, scale /= 10)
					c.ms += (*s - '0') * scale;
			}
		}
		if (c.hour > 23 || c.min > 59 || c.sec > 59)
			return ZQ_EINVAL;
	}
	if (*s && parse_offset(s, &off) < 0)
		return ZQ_EINVAL;
	*ms = zq_civil_to_ms(&c) - (int64_t)off * 60000;
	return 0;
}

static _Atomic(zq_clock_fn) wall_hook;

void zq_wall_clock_set(zq_clock_fn fn)
{
	atomic_store(&wall_hook, fn);
}

int64_t zq_wall_ms(void)
{
	zq_clock_fn fn = atomic_load(&wall_hook);
	struct timespec ts;

	if (fn)
		return fn();
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t zq_mono_ms(void)
{
	return zq_mono_us() / 1000;
}

int64_t zq_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
