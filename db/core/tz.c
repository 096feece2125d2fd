/* tz.c - IANA zones from TZif files, without TZ/localtime/mktime.
 *
 * A loaded zone is a sorted table of UTC instants at which the offset
 * changes (entries that change nothing are dropped when loading) plus the
 * footer's POSIX rule ("EST5EDT,M3.2.0,M11.1.0") for instants after the
 * table. To keep lookups a binary search for any date a task is likely to
 * use, the table is extended from the rule up to RULE_PRECOMPUTE_YEAR when
 * loading; past that year the rule is evaluated per lookup (a handful of
 * date computations around the instant's year).
 *
 * Only well-formed files are accepted: TZif version 2+, no leap-second
 * records ("right/" zones), ascending transitions, offsets within +-26 h
 * (the schedule engine relies on that bound), a footer we can parse. */
#include "tz.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "timeutil.h"

#define TZ_FILE_MAX (1 << 20)      /* real files are a few KB */
#define TZ_TRANS_MAX 65536         /* cap on transitions in one file */
#define TZ_OFF_MAX (26 * 3600)     /* |UTC offset| bound */
#define RULE_PRECOMPUTE_YEAR 2200  /* table extended from the footer up to here */
#define RULE_T_MAX INT64_C(30000000000000) /* ~950,000 years */
#define DEFAULT_ROOT "/usr/share/zoneinfo"

/* One end of a DST period in a POSIX rule: Jn, n or Mm.w.d, then /time. */
struct rule_date {
	char kind; /* 'J' (1-365, Feb 29 never counted), 'D' (0-365), 'M' */
	int n, m, w, d;
	int32_t secs; /* local time of day of the change, -167 h .. 167 h */
};

struct tz_rule {
	int present; /* the file has a footer */
	int has_dst;
	int32_t std_off, dst_off; /* seconds east of UTC */
	struct rule_date start, end;
};

struct zq_tz {
	char name[ZQ_TZ_NAME_MAX + 1];
	int32_t n;          /* transitions */
	size_t cap;         /* room in trans and offs (zq_grow) */
	int64_t *trans;     /* UTC seconds, strictly ascending */
	int32_t *offs;      /* offset from trans[i] on */
	int32_t off0;       /* offset before trans[0] */
	struct tz_rule rule; /* from trans[n-1] on (RFC 8536 3.3) */
	struct zq_tz *next; /* cache chain */
};

/* ---- POSIX TZ footer ---------------------------------------------------- */

static int rule_num(const char **sp, int lo, int hi, int *out)
{
	const char *s = *sp;
	int v = 0, nd = 0;

	while (*s >= '0' && *s <= '9' && nd < 4)
		v = v * 10 + (*s++ - '0'), nd++;
	if (nd == 0 || (*s >= '0' && *s <= '9') || v < lo || v > hi)
		return -1;
	*sp = s;
	*out = v;
	return 0;
}

/* [+-]hh[:mm[:ss]] -> seconds; hours up to maxh. */
static int rule_hms(const char **sp, int maxh, int32_t *out)
{
	int sign = 1, h, m = 0, sec = 0;

	if (**sp == '+' || **sp == '-')
		sign = *(*sp)++ == '-' ? -1 : 1;
	if (rule_num(sp, 0, maxh, &h) < 0)
		return -1;
	if (**sp == ':') {
		(*sp)++;
		if (rule_num(sp, 0, 59, &m) < 0)
			return -1;
		if (**sp == ':') {
			(*sp)++;
			if (rule_num(sp, 0, 59, &sec) < 0)
				return -1;
		}
	}
	*out = sign * (h * 3600 + m * 60 + sec);
	return 0;
}

static int rule_name(const char **sp)
{
	const char *s = *sp;
	int n = 0;

	if (*s == '<') {
		for (s++; *s && *s != '>'; s++, n++)
			if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
			      (*s >= '0' && *s <= '9') || *s == '+' || *s == '-'))
				return -1;
		if (*s != '>' || n < 3)
			return -1;
		*sp = s + 1;
		return 0;
	}
	for (; (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'); s++)
		n++;
	if (n < 3)
		return -1;
	*sp = s;
	return 0;
}

static int rule_date_parse(const char **sp, struct rule_date *rd)
{
	rd->secs = 7200; /* default 02:00 */
	if (**sp == 'M') {
		(*sp)++;
		rd->kind = 'M';
		if (rule_num(sp, 1, 12, &rd->m) < 0 || *(*sp)++ != '.' ||
		    rule_num(sp, 1, 5, &rd->w) < 0 || *(*sp)++ != '.' || rule_num(sp, 0, 6, &rd->d) < 0)
			return -1;
	} else if (**sp == 'J') {
		(*sp)++;
		rd->kind = 'J';
		if (rule_num(sp, 1, 365, &rd->n) < 0)
			return -1;
	} else {
		rd->kind = 'D';
		if (rule_num(sp, 0, 365, &rd->n) < 0)
			return -1;
	}
	if (**sp == '/') {
		(*sp)++;
		return rule_hms(sp, 167, &rd->secs);
	}
	return 0;
}

/* Parse a POSIX TZ string. An empty string means "no rule". */
static int rule_parse(const char *s, struct tz_rule *r)
{
	int32_t off;

	memset(r, 0, sizeof(*r));
	if (!*s)
		return 0;
	if (rule_name(&s) < 0 || rule_hms(&s, 24, &off) < 0)
		return -1;
	r->present = 1;
	r->std_off = -off;
	r->dst_off = r->std_off + 3600;
	if (!*s)
		return 0;
	if (rule_name(&s) < 0)
		return -1;
	if (*s && *s != ',') {
		if (rule_hms(&s, 24, &off) < 0)
			return -1;
		r->dst_off = -off;
	}
	if (!*s) /* DST without a rule: POSIX leaves it to the implementation; use US rules */
		s = ",M3.2.0,M11.1.0";
	if (*s++ != ',' || rule_date_parse(&s, &r->start) < 0 || *s++ != ',' ||
	    rule_date_parse(&s, &r->end) < 0 || *s)
		return -1;
	r->has_dst = r->dst_off != r->std_off;
	return 0;
}

/* Local seconds (wall clock read as UTC) of a rule date in year y. */
static int64_t rule_local(const struct rule_date *rd, int64_t y)
{
	int64_t days;

	if (rd->kind == 'J') {
		days = zq_days_from_civil(y, 1, 1) + rd->n - 1 + (zq_is_leap(y) && rd->n >= 60);
	} else if (rd->kind == 'D') {
		days = zq_days_from_civil(y, 1, 1) + rd->n;
	} else {
		int64_t first = zq_days_from_civil(y, rd->m, 1);
		int wd = zq_weekday_from_days(first);

		days = first + (rd->d - wd + 7) % 7 + 7 * (rd->w - 1);
		while (rd->w == 5 && days >= first + zq_days_in_month(y, rd->m))
			days -= 7;
	}
	return days * 86400 + rd->secs;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The rule's changes in the years around t (UTC seconds), sorted, with
 * changes at the same instant and changes to the same offset folded away.
 * Returns the count (<= 8). */
static int rule_points(const struct tz_rule *r, int64_t t, int64_t *tt, int32_t *oo)
{
	int y0, mo, d, n = 0, k = 0;

	if (t < -RULE_T_MAX || t > RULE_T_MAX) /* far outside any use; keep the math finite */
		t = t < 0 ? -RULE_T_MAX : RULE_T_MAX;
	zq_civil_from_days(floor_div(t, 86400), &y0, &mo, &d);
	for (int y = y0 - 2; y <= y0 + 1; y++) {
		int64_t a = rule_local(&r->start, y) - r->std_off;
		int64_t b = rule_local(&r->end, y) - r->dst_off;

		tt[n] = a, oo[n++] = r->dst_off;
		tt[n] = b, oo[n++] = r->std_off;
	}
	for (int i = 1; i < n; i++) { /* insertion sort, stable */
		for (int j = i; j > 0 && tt[j - 1] > tt[j]; j--) {
			int64_t ts = tt[j];
			int32_t os = oo[j];

			tt[j] = tt[j - 1], oo[j] = oo[j - 1];
			tt[j - 1] = ts, oo[j - 1] = os;
		}
	}
	for (int i = 0; i < n; i++) {
		if (i + 1 < n && tt[i + 1] == tt[i])
			continue; /* the later change at the same instant wins */
		if (k > 0 && oo[k - 1] == oo[i])
			continue;
		tt[k] = tt[i], oo[k++] = oo[i];
	}
	return k;
}

/* Span around t from the rule alone. */
static void rule_at(const struct tz_rule *r, int64_t t, zq_tz_span *sp)
{
	int64_t tt[8];
	int32_t oo[8];
	int n = rule_points(r, t, tt, oo), i = -1;

	for (int k = 0; k < n; k++)
		if (tt[k] <= t)
			i = k;
	if (i < 0) {
		int32_t before = oo[0] == r->std_off ? r->dst_off : r->std_off;

		*sp = (zq_tz_span){INT64_MIN, tt[0], before, before};
		return;
	}
	sp->start = tt[i];
	sp->end = i + 1 < n ? tt[i + 1] : INT64_MAX;
	sp->off = oo[i];
	sp->prev_off = i > 0 ? oo[i - 1] : (oo[i] == r->std_off ? r->dst_off : r->std_off);
}

/* Span around t (at or after the table's last entry) from the rule, not
 * starting before that entry. */
static void rule_span(const zq_tz *tz, int64_t t, zq_tz_span *sp)
{
	rule_at(&tz->rule, t, sp);
	if (tz->n > 0 && sp->start <= tz->trans[tz->n - 1]) {
		sp->start = tz->trans[tz->n - 1];
		sp->prev_off = tz->n > 1 ? tz->offs[tz->n - 2] : tz->off0;
	}
}

/* ---- lookups ------------------------------------------------------------- */

void zq_tz_span_at(const zq_tz *tz, int64_t t, zq_tz_span *sp)
{
	int32_t lo = 0, hi = tz->n; /* first index with trans > t */

	while (lo < hi) {
		int32_t mid = lo + (hi - lo) / 2;

		if (tz->trans[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == tz->n && tz->rule.has_dst) {
		rule_span(tz, t, sp);
	} else if (lo == 0) {
		*sp = (zq_tz_span){INT64_MIN, tz->n ? tz->trans[0] : INT64_MAX, tz->off0, tz->off0};
	} else {
		sp->start = tz->trans[lo - 1];
		sp->end = lo < tz->n ? tz->trans[lo] : INT64_MAX;
		sp->off = tz->offs[lo - 1];
		sp->prev_off = lo > 1 ? tz->offs[lo - 2] : tz->off0;
	}
}

int zq_tz_offset_at(const zq_tz *tz, int64_t utc_ms)
{
	zq_tz_span sp;

	zq_tz_span_at(tz, floor_div(utc_ms, 1000), &sp);
	return sp.off;
}

const char *zq_tz_name(const zq_tz *tz)
{
	return tz->name;
}

/* ---- TZif ---------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_hdr {
	uint32_t isut, isstd, leap, time, type, chars;
};

/* Reads a header at p (44 bytes); returns the size of the data block that
 * follows for the given time size, or 0 if counts are implausible. */
static size_t tzif_header(const unsigned char *p, size_t len, int tsize, struct tzif_hdr *h)
{
	size_t sz;

	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return 0;
	h->isut = be32(p + 20), h->isstd = be32(p + 24), h->leap = be32(p + 28);
	h->time = be32(p + 32), h->type = be32(p + 36), h->chars = be32(p + 40);
	if (h->type == 0 || h->type > 256 || h->time > TZ_TRANS_MAX || h->chars > 65536 ||
	    h->leap > 65536 || (h->isut && h->isut != h->type) || (h->isstd && h->isstd != h->type))
		return 0;
	sz = (size_t)h->time * (tsize + 1) + (size_t)h->type * 6 + h->chars +
	     (size_t)h->leap * (tsize + 4) + h->isstd + h->isut;
	return sz <= len - 44 ? sz : 0;
}

static void tz_push(zq_tz *tz, int64_t t, int32_t off)
{
	int32_t cur = tz->n ? tz->offs[tz->n - 1] : tz->off0;

	size_t cap = tz->cap;

	if (off == cur)
		return;
	tz->trans = zq_grow(tz->trans, &tz->cap, (size_t)tz->n + 1, sizeof(*tz->trans));
	tz->offs = zq_grow(tz->offs, &cap, (size_t)tz->n + 1, sizeof(*tz->offs));
	tz->trans[tz->n] = t;
	tz->offs[tz->n++] = off;
}

/* The footer governs from the last transition on (and everywhere if there
 * is none): make the table's last offset agree with it, so lookups and
 * spans never see two offsets for one instant. */
static void tz_follow_rule(zq_tz *tz)
{
	zq_tz_span sp;
	int32_t off;

	if (!tz->rule.present)
		return;
	if (tz->n == 0) {
		if (!tz->rule.has_dst)
			tz->off0 = tz->rule.std_off;
		return;
	}
	off = tz->rule.std_off;
	if (tz->rule.has_dst) {
		rule_at(&tz->rule, tz->trans[tz->n - 1], &sp);
		off = sp.off;
	}
	tz->offs[tz->n - 1] = off; /* may now equal the one before: harmless */
}

/* Extend the table from the rule up to RULE_PRECOMPUTE_YEAR. */
static void tz_extend(zq_tz *tz)
{
	int64_t limit = zq_days_from_civil(RULE_PRECOMPUTE_YEAR, 1, 1) * 86400;
	size_t max = (size_t)tz->n + 2 * (RULE_PRECOMPUTE_YEAR - 1900) + 8;
	int64_t t;
	zq_tz_span sp;

	if (!tz->rule.has_dst || tz->n == 0)
		return;
	t = tz->trans[tz->n - 1];
	for (size_t guard = 0; guard < max && (size_t)tz->n < max; guard++) {
		rule_span(tz, t, &sp);
		if (sp.end >= limit)
			break;
		t = sp.end;
		rule_span(tz, t, &sp);
		tz_push(tz, t, sp.off);
	}
}

static int tzif_body(zq_tz *tz, const unsigned char *p, const struct tzif_hdr *h,
		     const unsigned char *end)
{
	const unsigned char *tidx = p + (size_t)h->time * 8;
	const unsigned char *types = tidx + h->time;
	const unsigned char *foot = types + (size_t)h->type * 6 + h->chars + (size_t)h->leap * 12 +
				    h->isstd + h->isut;
	char footer[256];
	size_t flen;
	const unsigned char *nl;

	for (uint32_t i = 0; i < h->type; i++) {
		int32_t off = (int32_t)be32(types + 6 * i);

		if (off < -TZ_OFF_MAX || off > TZ_OFF_MAX || types[6 * i + 4] > 1 ||
		    types[6 * i + 5] >= h->chars)
			return -1;
	}
	if (foot >= end || *foot != '\n' || !(nl = memchr(foot + 1, '\n', (size_t)(end - foot - 1))))
		return -1;
	flen = (size_t)(nl - foot - 1);
	if (flen >= sizeof(footer))
		return -1;
	memcpy(footer, foot + 1, flen);
	footer[flen] = '\0';
	if (rule_parse(footer, &tz->rule) < 0 || tz->rule.std_off < -TZ_OFF_MAX ||
	    tz->rule.std_off > TZ_OFF_MAX || tz->rule.dst_off < -TZ_OFF_MAX ||
	    tz->rule.dst_off > TZ_OFF_MAX)
		return -1;

	tz->off0 = (int32_t)be32(types);
	for (uint32_t i = 0; i < h->time; i++) {
		int64_t t = be64(p + 8 * i);

		if (tidx[i] >= h->type || (i > 0 && t <= be64(p + 8 * (i - 1))))
			return -1;
		tz_push(tz, t, (int32_t)be32(types + 6 * tidx[i]));
	}
	tz_follow_rule(tz);
	tz_extend(tz);
	return 0;
}

zq_tz *zq_tz_parse(const char *name, const void *data, size_t len, zq_err *err)
{
	const unsigned char *p = data, *end = p + len;
	struct tzif_hdr h;
	size_t v1;
	zq_tz *tz;

	if (!(v1 = tzif_header(p, len, 4, &h)))
		goto bad;
	if (p[4] < '2') {
		zq_errf(err, ZQ_EINVAL, "time zone '%s': TZif version 1 is not supported", name);
		return NULL;
	}
	p += 44 + v1;
	if (!tzif_header(p, (size_t)(end - p), 8, &h))
		goto bad;
	if (h.leap) {
		zq_errf(err, ZQ_EINVAL, "time zone '%s': leap-second zones are not supported", name);
		return NULL;
	}
	tz = zq_calloc(1, sizeof(*tz));
	zq_strlcpy(tz->name, name, sizeof(tz->name));
	if (tzif_body(tz, p + 44, &h, end) < 0) {
		zq_tz_free(tz);
		goto bad;
	}
	return tz;
bad:
	zq_errf(err, ZQ_EINVAL, "time zone '%s': malformed zoneinfo data", name);
	return NULL;
}

void zq_tz_free(zq_tz *tz)
{
	if (!tz)
		return;
	free(tz->trans);
	free(tz->offs);
	free(tz);
}

/* ---- names, files, cache ------------------------------------------------- */

static int name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > ZQ_TZ_NAME_MAX || name[0] == '/' || name[len - 1] == '/' ||
	    strstr(name, "//"))
		return 0;
	for (const char *s = name; *s; s++) {
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '/' || *s == '_' || *s == '+' || *s == '-'))
			return 0; /* no '.', so no ".." either */
	}
	return 1;
}

/* Copy name for a message: at most ZQ_TZ_NAME_MAX bytes, odd bytes as '?'. */
static const char *printable(const char *name, char *out)
{
	size_t i;

	for (i = 0; name[i] && i < ZQ_TZ_NAME_MAX; i++)
		out[i] = (name[i] >= 0x20 && name[i] < 0x7f && name[i] != '\'') ? name[i] : '?';
	out[i] = '\0';
	if (name[i])
		zq_strlcpy(out + (i > 3 ? i - 3 : 0), "...", 4);
	return out;
}

static zq_tz *tz_load(const char *name, zq_err *err)
{
	const char *root = getenv("ZQ_ZONEINFO");
	char path[4096];
	unsigned char *data = NULL;
	zq_tz *tz = NULL;
	struct stat st;
	ssize_t got = 0;
	int fd;

	if (!strcmp(name, "UTC") || !strcmp(name, "Etc/UTC")) {
		tz = zq_calloc(1, sizeof(*tz));
		zq_strlcpy(tz->name, name, sizeof(tz->name));
		return tz;
	}
	if (!root || !*root)
		root = DEFAULT_ROOT;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, name) >= sizeof(path))
		return NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size <= TZ_FILE_MAX) {
		data = zq_malloc((size_t)st.st_size);
		while (got < st.st_size) {
			ssize_t r = read(fd, data + got, (size_t)(st.st_size - got));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += r;
		}
		if (got == st.st_size)
			tz = zq_tz_parse(name, data, (size_t)got, err);
	}
	close(fd);
	free(data);
	return tz;
}

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static zq_tz *cache_head; /* guarded by cache_lock; entries immutable */

const zq_tz *zq_tz_get(const char *name, zq_err *err)
{
	char shown[ZQ_TZ_NAME_MAX + 1];
	zq_err lerr = ZQ_ERR_INIT;
	zq_tz *tz;

	if (!name || !name_ok(name))
		return zq_errf(err, ZQ_EINVAL, "unknown time zone '%s'",
			       name ? printable(name, shown) : "(null)"), NULL;
	pthread_mutex_lock(&cache_lock);
	for (tz = cache_head; tz; tz = tz->next)
		if (!strcmp(tz->name, name))
			break;
	if (!tz && (tz = tz_load(name, &lerr))) {
		tz->next = cache_head;
		cache_head = tz;
	}
	pthread_mutex_unlock(&cache_lock);
	if (!tz) {
		if (lerr.code)
			zq_errf(err, lerr.code, "%s", lerr.msg);
		else
			zq_errf(err, ZQ_ENOTFOUND, "unknown time zone '%s'", name);
	}
	return tz;
}

void zq_tz_cache_free(void)
{
	pthread_mutex_lock(&cache_lock);
	while (cache_head) {
		zq_tz *next = cache_head->next;

		zq_tz_free(cache_head);
		cache_head = next;
	}
	pthread_mutex_unlock(&cache_lock);
}
