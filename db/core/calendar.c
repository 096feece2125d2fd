/* calendar.c - business-day calendars (see calendar.h).
 *
 * Holidays and workdays are sorted day arrays searched by bisection, so a
 * question about one day costs O(log n). Walking to the next or previous
 * business day steps one day at a time (a weekend plus a holiday run is a
 * handful of days), except when every weekday is a weekend day: then only
 * workdays are business days and the walk is one bisection. */
#include "calendar.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "timeutil.h"

#define ALL_WEEK 0xfe /* bits 1..7 */
#define SHOW_MAX 40   /* bytes of a token quoted in a message */

void zq_cal_init(zq_calendar *c)
{
	memset(c, 0, sizeof(*c));
	c->weekend = 1u << 6 | 1u << 7;
	c->covered_from = c->covered_until = ZQ_CAL_NO_DAY;
}

void zq_cal_release(zq_calendar *c)
{
	free(c->holidays);
	free(c->workdays);
	c->holidays = c->workdays = NULL;
	c->nholidays = c->nworkdays = c->cap_h = c->cap_w = 0;
}

void zq_cal_add(zq_calendar *c, int32_t day, int kind)
{
	if (kind == ZQ_CAL_HOLIDAY) {
		c->holidays = zq_grow(c->holidays, &c->cap_h, c->nholidays + 1, sizeof(*c->holidays));
		c->holidays[c->nholidays++] = day;
	} else if (kind == ZQ_CAL_WORKDAY) {
		c->workdays = zq_grow(c->workdays, &c->cap_w, c->nworkdays + 1, sizeof(*c->workdays));
		c->workdays[c->nworkdays++] = day;
	}
}

static int cmp_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

static size_t sort_unique(int32_t *v, size_t n)
{
	size_t k = 0;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_day);
	for (size_t i = 1; i < n; i++)
		if (v[i] != v[k])
			v[++k] = v[i];
	return k + 1;
}

/* Index of the first element >= day. */
static size_t lower_bound(const int32_t *v, size_t n, int32_t day)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int has_day(const int32_t *v, size_t n, int32_t day)
{
	size_t i = lower_bound(v, n, day);

	return i < n && v[i] == day;
}

static void year_bounds(int32_t day, int32_t *jan1, int32_t *dec31)
{
	int y, m, d;

	zq_civil_from_days(day, &y, &m, &d);
	if (jan1)
		*jan1 = (int32_t)zq_days_from_civil(y, 1, 1);
	if (dec31)
		*dec31 = (int32_t)zq_days_from_civil(y, 12, 31);
}

static int apply_coverage(zq_calendar *c, zq_err *err)
{
	int32_t lo = INT32_MAX, hi = INT32_MIN;
	char a[11], b[11];

	if (c->nholidays)
		lo = c->holidays[0], hi = c->holidays[c->nholidays - 1];
	if (c->nworkdays) {
		lo = c->workdays[0] < lo ? c->workdays[0] : lo;
		hi = c->workdays[c->nworkdays - 1] > hi ? c->workdays[c->nworkdays - 1] : hi;
	}
	if (c->covered_until == ZQ_CAL_NO_DAY) {
		if (hi == INT32_MIN)
			return zq_errf(err, ZQ_EINVAL,
				       "covered_until: required when the calendar lists no days");
		year_bounds(hi, NULL, &c->covered_until);
	}
	if (c->covered_from == ZQ_CAL_NO_DAY) {
		if (lo == INT32_MAX)
			c->covered_from = 0;
		else
			year_bounds(lo, &c->covered_from, NULL);
	}
	if (c->covered_from > c->covered_until) {
		zq_day_format(c->covered_from, a);
		zq_day_format(c->covered_until, b);
		return zq_errf(err, ZQ_EINVAL, "covered_until: %s is before covered_from %s", b, a);
	}
	return 0;
}

int zq_cal_finish(zq_calendar *c, zq_err *err)
{
	size_t i = 0, j = 0;
	char d[11];

	c->nholidays = sort_unique(c->holidays, c->nholidays);
	c->nworkdays = sort_unique(c->workdays, c->nworkdays);
	while (i < c->nholidays && j < c->nworkdays) {
		if (c->holidays[i] == c->workdays[j]) {
			zq_day_format(c->holidays[i], d);
			return zq_errf(err, ZQ_EINVAL, "%s: both a holiday and a workday", d);
		}
		if (c->holidays[i] < c->workdays[j])
			i++;
		else
			j++;
	}
	return apply_coverage(c, err);
}

int zq_cal_weekend_parse(const char *s, unsigned char *mask, zq_err *err)
{
	unsigned m = 0;

	for (const char *p = s ? s : ""; *p;) {
		if (*p == ' ' || *p == ',') {
			p++;
			continue;
		}
		if (*p < '1' || *p > '7' || (p[1] && p[1] != ',' && p[1] != ' '))
			return zq_errf(err, ZQ_EINVAL,
				       "weekend: '%.*s' is not an ISO weekday (1 = Monday .. 7 = Sunday)",
				       (int)strcspn(p, ", ") > SHOW_MAX ? SHOW_MAX : (int)strcspn(p, ", "),
				       p);
		m |= 1u << (*p - '0');
		p++;
	}
	*mask = (unsigned char)m;
	return 0;
}

void zq_cal_weekend_format(unsigned char mask, char out[16])
{
	char *o = out;

	for (int d = 1; d <= 7; d++) {
		if (!(mask >> d & 1))
			continue;
		if (o != out)
			*o++ = ',';
		*o++ = (char)('0' + d);
	}
	*o = '\0';
}

int zq_cal_covers(const zq_calendar *c, int32_t day)
{
	return c->covered_from != ZQ_CAL_NO_DAY && c->covered_until != ZQ_CAL_NO_DAY &&
	       day >= c->covered_from && day <= c->covered_until;
}

static int iso_weekday(int32_t day)
{
	int w = zq_weekday_from_days(day);

	return w == 0 ? 7 : w;
}

int zq_cal_day_kind(const zq_calendar *c, int32_t day)
{
	return has_day(c->holidays, c->nholidays, day)   ? ZQ_CAL_HOLIDAY
	       : has_day(c->workdays, c->nworkdays, day) ? ZQ_CAL_WORKDAY
							 : 0;
}

int zq_cal_is_business(const zq_calendar *c, int32_t day)
{
	if (has_day(c->workdays, c->nworkdays, day))
		return 1;
	if (c->weekend >> iso_weekday(day) & 1)
		return 0;
	return !has_day(c->holidays, c->nholidays, day);
}

int32_t zq_cal_next(const zq_calendar *c, int32_t day)
{
	if (day == INT32_MAX || !zq_cal_covers(c, day + 1))
		return ZQ_CAL_NO_DAY;
	if ((c->weekend & ALL_WEEK) == ALL_WEEK) {
		size_t i = lower_bound(c->workdays, c->nworkdays, day + 1);

		return i < c->nworkdays && c->workdays[i] <= c->covered_until ? c->workdays[i]
									       : ZQ_CAL_NO_DAY;
	}
	for (int32_t d = day + 1; d <= c->covered_until; d++)
		if (zq_cal_is_business(c, d))
			return d;
	return ZQ_CAL_NO_DAY;
}

int32_t zq_cal_prev(const zq_calendar *c, int32_t day)
{
	if (day == INT32_MIN || !zq_cal_covers(c, day - 1))
		return ZQ_CAL_NO_DAY;
	if ((c->weekend & ALL_WEEK) == ALL_WEEK) {
		size_t i = lower_bound(c->workdays, c->nworkdays, day);

		return i > 0 && c->workdays[i - 1] >= c->covered_from ? c->workdays[i - 1]
								       : ZQ_CAL_NO_DAY;
	}
	for (int32_t d = day - 1; d >= c->covered_from; d--)
		if (zq_cal_is_business(c, d))
			return d;
	return ZQ_CAL_NO_DAY;
}

int32_t zq_cal_nth(const zq_calendar *c, int y, int m, int n)
{
	int32_t first, last, d;
	int k = 0;

	if (m < 1 || m > 12 || y < 1 || y > 9999)
		return ZQ_CAL_NO_DAY;
	first = (int32_t)zq_days_from_civil(y, m, 1);
	last = first + zq_days_in_month(y, m) - 1;
	if (n >= 1) {
		for (d = first; d <= last; d++) {
			if (!zq_cal_covers(c, d))
				return ZQ_CAL_NO_DAY;
			if (zq_cal_is_business(c, d) && ++k == n)
				return d;
		}
		return ZQ_CAL_NO_DAY;
	}
	for (d = last; d >= first; d--) {
		if (!zq_cal_covers(c, d))
			return ZQ_CAL_NO_DAY;
		if (zq_cal_is_business(c, d) && k++ == -n)
			return d;
	}
	return ZQ_CAL_NO_DAY;
}

/* ---- text ------------------------------------------------------------------ */

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* One line (comment already cut): "date,kind" or "date kind". */
static int parse_line(zq_calendar *c, const char *s, size_t len, int lineno, int first, zq_err *err)
{
	char date[11];
	const char *e = s + len, *k;
	size_t dl, kl;
	int32_t day;
	int kind;

	for (k = s; k < e && *k != ',' && !is_space(*k); k++)
		;
	dl = (size_t)(k - s);
	while (k < e && (is_space(*k) || *k == ','))
		k++;
	kl = (size_t)(e - k);
	if (first && dl == 4 && strncasecmp(s, "date", 4) == 0 && kl == 4 &&
	    strncasecmp(k, "kind", 4) == 0)
		return 0;
	if (dl != 10 || (memcpy(date, s, 10), date[10] = '\0', zq_day_parse(date, &day) < 0))
		return zq_errf(err, ZQ_EINVAL, "line %d: '%.*s' is not a date", lineno,
			       (int)(dl > SHOW_MAX ? SHOW_MAX : dl), s);
	if (kl == 7 && strncasecmp(k, "holiday", 7) == 0)
		kind = ZQ_CAL_HOLIDAY;
	else if (kl == 7 && strncasecmp(k, "workday", 7) == 0)
		kind = ZQ_CAL_WORKDAY;
	else
		return zq_errf(err, ZQ_EINVAL, "line %d: kind must be holiday or workday", lineno);
	zq_cal_add(c, day, kind);
	return 0;
}

int zq_cal_parse_days(zq_calendar *c, const char *text, size_t len, zq_err *err)
{
	const char *p = text, *end = text + len;
	int lineno = 0, first = 1, rc;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3; /* a UTF-8 byte order mark (a spreadsheet's CSV) */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *hash = memchr(p, '#', (size_t)(e - p));
		const char *s = p;

		lineno++;
		if (hash)
			e = hash;
		while (s < e && is_space(*s))
			s++;
		while (e > s && is_space(e[-1]))
			e--;
		if (memchr(s, '\0', (size_t)(e - s)))
			return zq_errf(err, ZQ_EINVAL, "line %d: a NUL byte", lineno);
		if (e > s) {
			if ((rc = parse_line(c, s, (size_t)(e - s), lineno, first, err)) < 0)
				return rc;
			first = 0;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int zq_cal_rule_parse(const char *s)
{
	if (!s)
		return -1;
	if (strcmp(s, "only") == 0)
		return ZQ_CAL_RULE_ONLY;
	if (strcmp(s, "next") == 0)
		return ZQ_CAL_RULE_NEXT;
	if (strcmp(s, "previous") == 0)
		return ZQ_CAL_RULE_PREVIOUS;
	return -1;
}

const char *zq_cal_rule_name(int rule)
{
	switch (rule) {
	case ZQ_CAL_RULE_ONLY:
		return "only";
	case ZQ_CAL_RULE_NEXT:
		return "next";
	case ZQ_CAL_RULE_PREVIOUS:
		return "previous";
	default:
		return NULL;
	}
}

int zq_day_parse(const char *s, int32_t *day)
{
	int y, m, d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > zq_days_in_month(y, m))
		return -1;
	*day = (int32_t)zq_days_from_civil(y, m, d);
	return 0;
}

void zq_day_format(int32_t day, char out[11])
{
	int y, m, d;

	if (day == ZQ_CAL_NO_DAY) {
		out[0] = '\0';
		return;
	}
	zq_civil_from_days(day, &y, &m, &d);
	y = y < 0 ? 0 : y > 9999 ? 9999 : y;
	out[0] = (char)('0' + y / 1000), out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10), out[3] = (char)('0' + y % 10), out[4] = '-';
	out[5] = (char)('0' + m / 10), out[6] = (char)('0' + m % 10), out[7] = '-';
	out[8] = (char)('0' + d / 10), out[9] = (char)('0' + d % 10), out[10] = '\0';
}
