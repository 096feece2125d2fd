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

static void put(zq_jw *w, const char *s, size_t n)
{
	if (!w->err && zq_buf_add(w->b, s, n) < 0)
		w->err = ZQ_ETOOBIG;
}

static void puts_(zq_jw *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Before any value: a comma unless it is the first at its level or follows a key. */
static void sep(zq_jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = 0;
}

static void open_(zq_jw *w, char c)
{
	sep(w);
	put(w, &c, 1);
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

int jw_escape(zq_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run = 0;
	uint32_t cp;
	int rc = 0;

	while (i < n) {
		unsigned char c = p[i];
		const char *esc = NULL;
		char u[7];
		int len;
		if (c >= 0x80) {
			if ((len = zq_utf8_decode(p + i, n - i, &cp)) > 0) {
				i += (size_t)len;
				run += (size_t)len;
				continue;
			}
			esc = "\xEF\xBF\xBD"; /* U+FFFD for an invalid byte */
		} else if (c == '"') {
			esc = "\\\"";
		} else if (c == '\\') {
			esc = "\\\\";
		} else if (c == '\n') {
			esc = "\\n";
		} else if (c == '\r') {
			esc = "\\r";
		} else if (c == '\t') {
			esc = "\\t";
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7F) {
			u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0';
			u[4] = hex[c >> 4], u[5] = hex[c & 15], u[6] = '\0';
			esc = u;
		} else {
			i++;
			run++;
			continue;
		}
		rc |= zq_buf_add(b, s + i - run, run);
		rc |= zq_buf_puts(b, esc);
		run = 0;
		i++;
	}
	rc |= zq_buf_add(b, s + i - run, run);
	return rc ? ZQ_ETOOBIG : 0;
}

void jw_key(zq_jw *w, const char *key)
{
	sep(w);
	put(w, "\"", 1);
	if (!w->err && jw_escape(w->b, key, strlen(key)) < 0)
		w->err = ZQ_ETOOBIG;
	put(w, "\":", 2);
	w->after_key = 1;
}

void jw_strn(zq_jw *w, const char *s, size_t n)
{
	if (!s) {
		jw_null(w);
		return;
	}
	sep(w);
	put(w, "\"", 1);
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
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);

	sep(w);
	put(w, tmp, (size_t)n);
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
	sep(w);
	put(w, tmp, (size_t)n);
}

void jw_bool(zq_jw *w, int v)
{
	sep(w);
	puts_(w, v ? "true" : "false");
}

void jw_null(zq_jw *w)
{
	sep(w);
	puts_(w, "null");
}

void jw_time(zq_jw *w, int64_t ms)
{
	char iso[32];

	if (ms == ZQ_TIME_NONE) {
		jw_null(w);
		return;
	}
	zq_time_format_iso(ms, iso, sizeof(iso));
	jw_str(w, iso);
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
