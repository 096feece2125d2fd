/* jsonw.c - streaming JSON writer. */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "timeutil.h"
#include "utf8.h"

void jw_init(zq_jw *w, zq_buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->first[0] = 1;
}

/* Responses are mostly this writer's output, so its hot paths (keys,
 * numbers, times, plain strings) build each piece with its separator in a
 * small local buffer and append it in one call, and never use printf. */

static void put(zq_jw *w, const char *s, size_t n)
{
	if (!w->err && zq_buf_add(w->b, s, n) < 0)
		w->err = ZQ_ETOOBIG;
}

/* Before any value: 1 when it needs a comma (not the first at its level,
 * not right after a key). */
static int comma(zq_jw *w)
{
	int c;

	if (w->after_key) {
		w->after_key = 0;
		return 0;
	}
	c = !w->first[w->depth];
	w->first[w->depth] = 0;
	return c;
}

static void sep(zq_jw *w)
{
	if (comma(w))
		put(w, ",", 1);
}

/* sep, then s, in one append. */
static void sep_put(zq_jw *w, const char *s, size_t n)
{
	char tmp[48];

	if (!comma(w)) {
		put(w, s, n);
	} else if (n < sizeof(tmp)) {
		tmp[0] = ',';
		memcpy(tmp + 1, s, n);
		put(w, tmp, n + 1);
	} else {
		put(w, ",", 1);
		put(w, s, n);
	}
}

static void open_(zq_jw *w, char c)
{
	sep_put(w, &c, 1);
	if (w->depth + 1 < ZQ_JW_DEPTH)
		w->depth++;
	w->first[w->depth] = 1;
}

static void close_(zq_jw *w, char c)
{
	put(w, &c, 1);
	if (w->depth > 0)
		w->depth--;
}

void jw_obj_begin(zq_jw *w)
{
	open_(w, '{');
}

void jw_obj_end(zq_jw *w)
{
	close_(w, '}');
}

void jw_arr_begin(zq_jw *w)
{
	open_(w, '[');
}

void jw_arr_end(zq_jw *w)
{
	close_(w, ']');
}

/* ASCII bytes a JSON string must not carry as they are: controls, '"',
 * '\\', DEL, and '<', '>', '&' (so no response can be sniffed as HTML). */
static const unsigned char escape_tbl[128] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x10 */
	0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x20 " & */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0,  /* 0x30 < > */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,  /* 0x50 \ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,  /* 0x70 DEL */
};

/* The escape of ASCII byte c (escape_tbl[c] set); u is scratch space. */
static const char *escape_of(unsigned char c, char u[7])
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	default:
		u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0';
		u[4] = hex[c >> 4], u[5] = hex[c & 15], u[6] = '\0';
		return u;
	}
}

int jw_escape(zq_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, done = 0;
	uint32_t cp;
	int rc = 0, len;
	char u[7];

	while (i < n) {
		unsigned char c = p[i];
		const char *esc;
		if (c < 0x80 && !escape_tbl[c]) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			if ((len = zq_utf8_decode(p + i, n - i, &cp)) > 0) {
				i += (size_t)len;
				continue;
			}
			esc = "\xEF\xBF\xBD"; /* U+FFFD for an invalid byte */
		} else {
			esc = escape_of(c, u);
		}
		rc |= zq_buf_add(b, s + done, i - done);
		rc |= zq_buf_puts(b, esc);
		done = ++i;
	}
	rc |= zq_buf_add(b, s + done, i - done);
	return rc ? ZQ_ETOOBIG : 0;
}

void jw_key(zq_jw *w, const char *key)
{
	char tmp[80], *p = tmp;
	const char *k = key;
	int c = comma(w);

	/* the names in our code: short and plain, copied in one pass */
	if (c)
		*p++ = ',';
	*p++ = '"';
	while (*k && p < tmp + sizeof(tmp) - 2 && (unsigned char)*k < 0x80 &&
	       !escape_tbl[(unsigned char)*k])
		*p++ = *k++;
	if (*k == '\0') {
		*p++ = '"';
		*p++ = ':';
		put(w, tmp, (size_t)(p - tmp));
	} else {  /* long, or needs escaping */
		put(w, c ? ",\"" : "\"", c ? 2 : 1);
		if (!w->err && jw_escape(w->b, key, strlen(key)) < 0)
			w->err = ZQ_ETOOBIG;
		put(w, "\":", 2);
	}
	w->after_key = 1;
}

void jw_strn(zq_jw *w, const char *s, size_t n)
{
	if (!s) {
		jw_null(w);
		return;
	}
	sep_put(w, "\"", 1);
	if (!w->err && jw_escape(w->b, s, n) < 0)
		w->err = ZQ_ETOOBIG;
	put(w, "\"", 1);
}

void jw_str(zq_jw *w, const char *s)
{
	jw_strn(w, s, s ? strlen(s) : 0);
}

void jw_int(zq_jw *w, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	sep_put(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void jw_double(zq_jw *w, double v)
{
	char tmp[40];
	int n;

	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "%.15g", v);
	sep_put(w, tmp, (size_t)n);
}

void jw_bool(zq_jw *w, int v)
{
	sep_put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(zq_jw *w)
{
	sep_put(w, "null", 4);
}

void jw_time(zq_jw *w, int64_t ms)
{
	char iso[40];
	size_t n;

	if (ms == ZQ_TIME_NONE) {
		jw_null(w);
		return;
	}
	iso[0] = '"';
	zq_time_format_iso(ms, iso + 1, sizeof(iso) - 2);
	n = strlen(iso);
	iso[n++] = '"';
	sep_put(w, iso, n);  /* digits, '-', ':', 'T', '.', 'Z': nothing to escape */
}

void jw_raw(zq_jw *w, const char *json, size_t n)
{
	sep(w);
	put(w, json, n);
}

void jw_json(zq_jw *w, const char *json, size_t n)
{
	size_t run = 0;

	sep(w);
	for (size_t i = 0; i < n; i++) {
		const char *esc = json[i] == '<' ? "\\u003c" : json[i] == '>' ? "\\u003e"
				: json[i] == '&' ? "\\u0026" : NULL;
		if (!esc) {
			run++;
			continue;
		}
		put(w, json + i - run, run);
		put(w, esc, 6);
		run = 0;
	}
	put(w, json + n - run, run);
}

void jw_kstr(zq_jw *w, const char *k, const char *s)
{
	jw_key(w, k);
	jw_str(w, s);
}

void jw_kint(zq_jw *w, const char *k, int64_t v)
{
	jw_key(w, k);
	jw_int(w, v);
}

void jw_kdouble(zq_jw *w, const char *k, double v)
{
	jw_key(w, k);
	jw_double(w, v);
}

void jw_kbool(zq_jw *w, const char *k, int v)
{
	jw_key(w, k);
	jw_bool(w, v);
}

void jw_knull(zq_jw *w, const char *k)
{
	jw_key(w, k);
	jw_null(w);
}

void jw_ktime(zq_jw *w, const char *k, int64_t ms)
{
	jw_key(w, k);
	jw_time(w, ms);
}

void jw_kint_or_null(zq_jw *w, const char *k, int64_t v, int64_t none)
{
	jw_key(w, k);
	if (v == none)
		jw_null(w);
	else
		jw_int(w, v);
}
