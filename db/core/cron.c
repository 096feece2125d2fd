/* cron.c - cron expression parser and zone-aware next-fire search.
 *
 * Parsing turns each field into a bitset (see cron.h). The search works in
 * two layers:
 *
 *  - next_local() finds the first matching wall-clock second ("local
 *    seconds": wall time read as if it were UTC) in [from, limit), skipping
 *    ahead field by field like cronie's cronnext: a month not in the set
 *    jumps to the next month in the set, a day not matching jumps to the
 *    next matching day (one mask per month), then hour, minute and second
 *    are found with bit scans. Each loop turn advances at least one day and
 *    usually a month, so a search of N years costs O(12 N) turns.
 *
 *  - zq_cron_next() walks the zone's constant-offset spans (tz.h) from the
 *    instant on. In a span with offset o, wall time L is the instant L - o;
 *    wall times skipped by a jump forward into the span (its gap) are read
 *    with the offset before the jump, landing just after it; wall times
 *    repeated after a jump back are skipped unless the hour field is wild.
 *    Candidates of a span are monotone, so the first one (or the first gap
 *    one, whichever is earlier) is the answer; otherwise move to the next
 *    span.
 *
 * The search stops 400 years (+ a few days for offsets) after the start:
 * the Gregorian calendar repeats every 400 years, weekdays included, so an
 * expression that fires at all fires within any 400-year window, and
 * zq_cron_parse() rejects expressions that have no day in such a window. */
#include "cron.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "timeutil.h"

#define SEARCH_DAYS (146097 + 3) /* 400 years, plus slack for UTC offsets */
#define ITEM_SHOW_MAX 40         /* bytes of an item quoted in a message */

enum { F_SEC, F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, F_COUNT };

struct field_def {
	const char *name;
	int lo, hi;    /* values accepted */
	int star_hi;   /* what '*' expands to (dow: 0-6) */
	const char *const *names;
	int name_base; /* value of names[0] */
};

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
					  "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
static const char *const day_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};

static const struct field_def fields[F_COUNT] = {
	[F_SEC] = {"second", 0, 59, 59, NULL, 0},
	[F_MIN] = {"minute", 0, 59, 59, NULL, 0},
	[F_HOUR] = {"hour", 0, 23, 23, NULL, 0},
	[F_DOM] = {"day-of-month", 1, 31, 31, NULL, 0},
	[F_MON] = {"month", 1, 12, 12, month_names, 1},
	[F_DOW] = {"day-of-week", 0, 7, 6, day_names, 0},
};

/* ---- parsing ------------------------------------------------------------- */

/* Where the parser is, for messages. */
struct pctx {
	int fi;
	const char *item; /* the list item (or whole field) being parsed */
	size_t ilen;
	zq_err *err;
};

/* Copy at most ITEM_SHOW_MAX bytes of s for a message; odd bytes as '?'. */
static const char *show(const char *s, size_t len, char *out)
{
	size_t n = len > ITEM_SHOW_MAX ? ITEM_SHOW_MAX - 3 : len;

	for (size_t i = 0; i < n; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	strcpy(out + n, len > n ? "..." : "");
	return out;
}

__attribute__((format(printf, 2, 3))) static int bad(const struct pctx *p, const char *fmt, ...)
{
	char what[160], item[ITEM_SHOW_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return zq_errf(p->err, ZQ_EINVAL, "%s field: %s in '%s'", fields[p->fi].name, what,
		       show(p->item, p->ilen, item));
}

static int is_alpha(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int unexpected(const struct pctx *p, const char *s, const char *end)
{
	if (s == end)
		return bad(p, "missing value");
	if (*s >= 0x20 && *s < 0x7f)
		return bad(p, "unexpected character '%c'", *s);
	return bad(p, "unexpected byte 0x%02x", (unsigned char)*s);
}

/* Decimal digits at *sp; values above 99999 saturate (they are out of
 * range anyway, and the message quotes the digits as written). */
static int number(const char **sp, const char *end, int *out)
{
	const char *s = *sp;
	int v = 0;

	if (s == end || !is_digit(*s))
		return -1;
	for (; s < end && is_digit(*s); s++)
		v = v > 99999 ? v : v * 10 + (*s - '0');
	*sp = s;
	*out = v;
	return 0;
}

/* A value: a number in the field's range, or a name where the field has them. */
static int value(const struct pctx *p, const char **sp, const char *end, int *out)
{
	const struct field_def *f = &fields[p->fi];
	const char *s = *sp;

	if (s < end && is_digit(*s)) {
		number(&s, end, out);
		if (*out < f->lo || *out > f->hi)
			return bad(p, "value %.*s out of range %d-%d", (int)(s - *sp), *sp, f->lo, f->hi);
		*sp = s;
		return 0;
	}
	if (s < end && is_alpha(*s) && f->names) {
		const char *w = s;

		while (s < end && is_alpha(*s))
			s++;
		for (int i = 0; s - w == 3 && f->names[i]; i++) {
			if (strncasecmp(w, f->names[i], 3) == 0) {
				*out = f->name_base + i;
				*sp = s;
				return 0;
			}
		}
		return bad(p, "unknown name '%.*s'", (int)(s - w), w);
	}
	return unexpected(p, s, end);
}

static int step_of(const struct pctx *p, const char **sp, const char *end, int *step)
{
	const struct field_def *f = &fields[p->fi];
	const char *s = *sp;

	if (number(&s, end, step) < 0)
		return unexpected(p, s, end);
	if (*step < 1 || *step > f->hi)
		return bad(p, "step %.*s out of range 1-%d", (int)(s - *sp), *sp, f->hi);
	*sp = s;
	return 0;
}

static uint64_t *field_bits(zq_cron *c, int fi)
{
	uint64_t *bits[F_COUNT] = {&c->sec, &c->min, &c->hour, &c->dom, &c->mon, &c->dow};

	return bits[fi];
}

/* A business-day token in dom: 'Bn', 'BL', 'BL-k'. */
static int parse_biz(zq_cron *c, const struct pctx *p)
{
	const char *s = p->item + 1, *end = p->item + p->ilen, *n0;
	int n, last = s < end && (*s == 'L' || *s == 'l');

	if (last && ++s == end) {
		c->biz_last |= 1u;
		return 0;
	}
	if (last && *s++ != '-')
		return unexpected(p, s - 1, end);
	n0 = s;
	if (number(&s, end, &n) < 0 || s != end)
		return unexpected(p, s, end);
	if (last && (n < 1 || n > 22))
		return bad(p, "BL-%.*s out of range BL-1..BL-22", (int)(s - n0), n0);
	if (!last && (n < 1 || n > 23))
		return bad(p, "B%.*s out of range B1..B23", (int)(s - n0), n0);
	if (last)
		c->biz_last |= 1u << n;
	else
		c->biz_nth |= 1u << n;
	return 0;
}

/* One list item: '*[/S]', 'N[-M][/S]', 'L' (dom), 'D#K' (dow), 'Bn', 'BL[-k]' (dom). */
static int parse_item(zq_cron *c, const struct pctx *p)
{
	const struct field_def *f = &fields[p->fi];
	const char *s = p->item, *end = s + p->ilen;
	int a, b, step = 1, rc;

	if (*s == '*') {
		s++, a = f->lo, b = f->star_hi;
	} else if (p->fi == F_DOM && (*s == 'B' || *s == 'b')) {
		c->flags |= ZQ_CRON_DOM_BIZ;
		return parse_biz(c, p);
	} else if (p->fi == F_DOM && (*s == 'L' || *s == 'l') && p->ilen == 1) {
		c->flags |= ZQ_CRON_DOM_LAST;
		return 0;
	} else if (*s == '?') {
		if (p->fi != F_DOM && p->fi != F_DOW)
			return bad(p, "'?' is only allowed in day-of-month and day-of-week");
		return bad(p, "'?' must be the whole field");
	} else {
		if ((rc = value(p, &s, end, &a)) < 0)
			return rc;
		b = a;
		if (s < end && *s == '-') {
			s++;
			if ((rc = value(p, &s, end, &b)) < 0)
				return rc;
			if (a > b)
				return bad(p, "range %d-%d is reversed", a, b);
		} else if (s < end && *s == '/') {
			b = f->hi; /* N/S = N-max/S */
		} else if (s < end && *s == '#' && p->fi == F_DOW) {
			int k;
			const char *k0 = ++s;

			if (number(&s, end, &k) < 0)
				return unexpected(p, s, end);
			if (k < 1 || k > 5)
				return bad(p, "occurrence %.*s out of range 1-5", (int)(s - k0), k0);
			if (s != end)
				return unexpected(p, s, end);
			c->dow_nth |= UINT64_C(1) << (5 * (a % 7) + k - 1);
			return 0;
		}
	}
	if (s < end && *s == '/') {
		s++;
		if ((rc = step_of(p, &s, end, &step)) < 0)
			return rc;
	}
	if (s != end)
		return unexpected(p, s, end);
	for (int v = a; v <= b; v += step)
		*field_bits(c, p->fi) |= UINT64_C(1) << (p->fi == F_DOW ? v % 7 : v);
	return 0;
}

static int parse_field(zq_cron *c, int fi, const char *s, size_t len, zq_err *err)
{
	struct pctx p = {fi, s, len, err};
	const char *field = s, *end = s + len;
	int rc;

	if ((fi == F_DOM || fi == F_DOW) && len == 1 && (*s == '*' || *s == '?'))
		c->flags |= fi == F_DOM ? ZQ_CRON_DOM_STAR : ZQ_CRON_DOW_STAR;
	if (fi == F_HOUR && ((len == 1 && *s == '*') || memchr(s, '/', len)))
		c->flags |= ZQ_CRON_HOUR_WILD;
	if (len == 1 && *s == '?' && (fi == F_DOM || fi == F_DOW)) {
		*field_bits(c, fi) = fi == F_DOM ? UINT64_C(0xfffffffe) : 0x7f;
		return 0;
	}
	while (s <= end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *e = comma ? comma : end;

		if (e == s) {
			p.item = field, p.ilen = len; /* quote the whole field */
			return bad(&p, "empty list item");
		}
		p.item = s, p.ilen = (size_t)(e - s);
		if ((rc = parse_item(c, &p)) < 0)
			return rc;
		s = e + 1;
	}
	if (fi == F_DOM && (c->flags & ZQ_CRON_DOM_BIZ)) {
		p.item = field, p.ilen = len;
		if (c->dom || (c->flags & ZQ_CRON_DOM_LAST))
			return bad(&p, "B-tokens cannot be mixed with other days");
		c->dom = UINT64_C(0xfffffffe); /* every day: the schedule keeps the business ones */
	}
	return 0;
}

/* ---- day matching ---------------------------------------------------------- */

#define WEEK_DAYS UINT64_C(0x20408102) /* bits 1, 8, 15, 22, 29 */

/* Bits d (1..31) of the days of month m of year y the expression allows. */
static uint64_t day_mask(const zq_cron *c, int64_t y, int m)
{
	int dim = zq_days_in_month(y, m);
	uint64_t valid = ((UINT64_C(1) << dim) - 1) << 1;
	uint64_t dom, dow = 0;
	int wd1;

	if ((c->flags & (ZQ_CRON_DOM_STAR | ZQ_CRON_DOW_STAR)) ==
	    (ZQ_CRON_DOM_STAR | ZQ_CRON_DOW_STAR))
		return valid;
	dom = c->dom | ((c->flags & ZQ_CRON_DOM_LAST) ? UINT64_C(1) << dim : 0);
	if (c->flags & ZQ_CRON_DOW_STAR)
		return dom & valid;
	wd1 = zq_weekday_from_days(zq_days_from_civil(y, m, 1));
	for (int wd = 0; wd < 7; wd++) {
		int first = (wd - wd1 + 7) % 7; /* day - 1 of the first such weekday */

		if (c->dow >> wd & 1)
			dow |= WEEK_DAYS << first;
		for (int k = 0; k < 5; k++)
			if (c->dow_nth >> (5 * wd + k) & 1)
				dow |= UINT64_C(2) << (first + 7 * k);
	}
	if (c->flags & ZQ_CRON_DOM_STAR)
		return dow & valid;
	return (dom | dow) & valid;
}

/* Bits of mask at positions >= i (i may be 64). */
static uint64_t from_bit(uint64_t mask, int i)
{
	return i >= 64 ? 0 : mask & (~UINT64_C(0) << i);
}

/* First second of the day >= sod whose hour, minute and second match, or -1. */
static int next_time_of_day(const zq_cron *c, int sod)
{
	int h = sod / 3600, m = sod / 60 % 60, s = sod % 60;

	while (h < 24) {
		uint64_t hb = from_bit(c->hour, h), mb, sb;

		if (!hb)
			return -1;
		if (__builtin_ctzll(hb) != h)
			h = __builtin_ctzll(hb), m = 0, s = 0;
		mb = from_bit(c->min, m);
		if (!mb) {
			h++, m = 0, s = 0;
			continue;
		}
		if (__builtin_ctzll(mb) != m)
			m = __builtin_ctzll(mb), s = 0;
		sb = from_bit(c->sec, s);
		if (sb)
			return h * 3600 + m * 60 + __builtin_ctzll(sb);
		m++, s = 0; /* m may reach 60: from_bit() then finds no minute */
	}
	return -1;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* First matching local second in [from, limit), or ZQ_TIME_NONE. */
static int64_t next_local(const zq_cron *c, int64_t from, int64_t limit)
{
	int64_t days = floor_div(from, 86400);
	int sod = (int)(from - days * 86400), y, m, d;

	zq_civil_from_days(days, &y, &m, &d);
	while (days * 86400 < limit) {
		uint64_t dm;
		int t;

		if (!(c->mon >> m & 1) || !(dm = from_bit(day_mask(c, y, m), d))) {
			uint64_t later = from_bit(c->mon, m + 1);

			if (later) {
				m = __builtin_ctzll(later);
			} else {
				y++;
				m = __builtin_ctzll(c->mon);
			}
			d = 1, sod = 0;
			days = zq_days_from_civil(y, m, 1);
			continue;
		}
		if (__builtin_ctzll(dm) != d) {
			days += __builtin_ctzll(dm) - d;
			d = __builtin_ctzll(dm), sod = 0;
		}
		if ((t = next_time_of_day(c, sod)) < 0) {
			d++, days++, sod = 0;
			continue;
		}
		return days * 86400 + t < limit ? days * 86400 + t : ZQ_TIME_NONE;
	}
	return ZQ_TIME_NONE;
}

static int can_fire(const zq_cron *c)
{
	for (int y = 2000; y < 2400; y++)
		for (int m = 1; m <= 12; m++)
			if ((c->mon >> m & 1) && day_mask(c, y, m))
				return 1;
	return 0;
}

/* Only a restricted dom can make an expression dead ('30' in February):
 * every weekday, and every K-th weekday, occurs in every month some year. */
static int never_fires(const char *const *fs, const size_t *fl, zq_err *err)
{
	char dom[ITEM_SHOW_MAX + 1], mon[ITEM_SHOW_MAX + 1];

	return zq_errf(err, ZQ_EINVAL,
		       "day-of-month field: '%s' never occurs in month '%s', so the expression "
		       "can never fire",
		       show(fs[F_DOM], fl[F_DOM], dom), show(fs[F_MON], fl[F_MON], mon));
}

int zq_cron_parse(zq_cron *c, const char *expr, zq_err *err)
{
	const char *fs[F_COUNT + 1];
	size_t fl[F_COUNT + 1];
	int n = 0, first, rc;
	const char *s = expr;

	memset(c, 0, sizeof(*c));
	if (!expr)
		return zq_errf(err, ZQ_EINVAL, "expected 5 or 6 fields, got 0");
	if (strlen(expr) > ZQ_CRON_EXPR_MAX)
		return zq_errf(err, ZQ_EINVAL, "expression too long (max %d bytes)", ZQ_CRON_EXPR_MAX);
	for (int total = 0;; total++) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (!*s) {
			n = total;
			break;
		}
		if (total <= F_COUNT)
			fs[total] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			s++;
		if (total <= F_COUNT)
			fl[total] = (size_t)(s - fs[total]);
	}
	if (n != 5 && n != 6)
		return zq_errf(err, ZQ_EINVAL, "expected 5 or 6 fields, got %d", n);
	first = n == 6 ? F_SEC : F_MIN;
	if (n == 5) {
		memmove(fs + 1, fs, 5 * sizeof(*fs));
		memmove(fl + 1, fl, 5 * sizeof(*fl));
		c->sec = 1;
	} else {
		c->flags |= ZQ_CRON_SECONDS;
	}
	for (int fi = first; fi < F_COUNT; fi++)
		if ((rc = parse_field(c, fi, fs[fi], fl[fi], err)) < 0)
			return rc;
	if ((c->flags & ZQ_CRON_DOM_BIZ) && !(c->flags & ZQ_CRON_DOW_STAR))
		return zq_errf(err, ZQ_EINVAL, "day-of-month field: B-tokens need day-of-week '*' or '?'");
	if (!can_fire(c))
		return never_fires(fs, fl, err);
	return 0;
}

int zq_cron_hour_is_wild(const zq_cron *c)
{
	return (c->flags & ZQ_CRON_HOUR_WILD) != 0;
}

/* ---- zone-aware search ----------------------------------------------------- */

/* First fire in span sp at or after UTC second u and before end, or NONE. */
static int64_t span_first(const zq_cron *c, const zq_tz_span *sp, int64_t u, int64_t end)
{
	int64_t o = sp->off, po = sp->prev_off, lo = u + o, a, b = ZQ_TIME_NONE;

	if (po > o && !(c->flags & ZQ_CRON_HOUR_WILD) && lo < sp->start + po)
		lo = sp->start + po; /* wall times already seen before the jump back */
	a = next_local(c, lo, end + o);
	if (a != ZQ_TIME_NONE)
		a -= o;
	if (o > po && u < sp->start + (o - po)) {
		/* the gap: wall times [start+po, start+o) never shown; read them
		 * with the old offset, i.e. just after the jump */
		b = next_local(c, u + po > sp->start + po ? u + po : sp->start + po, sp->start + o);
		if (b != ZQ_TIME_NONE)
			b -= po;
	}
	if (a == ZQ_TIME_NONE || (b != ZQ_TIME_NONE && b < a))
		return b;
	return a;
}

int64_t zq_cron_next(const zq_cron *c, const zq_tz *tz, int64_t after_ms)
{
	int64_t u, bound;
	zq_tz_span sp = {INT64_MIN, INT64_MAX, 0, 0};

	if (after_ms >= ZQ_CRON_MAX_MS)
		return ZQ_TIME_NONE;
	if (after_ms < ZQ_CRON_MIN_MS)
		after_ms = ZQ_CRON_MIN_MS - 1;
	u = floor_div(after_ms, 1000) + 1;
	bound = u + (int64_t)SEARCH_DAYS * 86400;
	/* each turn moves u to a later span; spans within the bound are finite */
	while (u < bound) {
		int64_t end, r;

		if (tz)
			zq_tz_span_at(tz, u, &sp);
		end = sp.end < bound ? sp.end : bound;
		r = span_first(c, &sp, u, end);
		if (r != ZQ_TIME_NONE)
			return r * 1000 <= ZQ_CRON_MAX_MS ? r * 1000 : ZQ_TIME_NONE;
		u = end;
	}
	return ZQ_TIME_NONE;
}
