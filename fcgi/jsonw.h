/* jsonw.h - a streaming JSON writer into a zq_buf (responses are built with
 * it, never with string concatenation).
 *
 * Commas and nesting are tracked by the writer; strings are escaped and
 * invalid UTF-8 is replaced by U+FFFD, so any bytes (a process's output
 * tail) become valid JSON. '<', '>' and '&' are written as \u escapes so a
 * response can never be sniffed as HTML. When the buffer's cap is reached
 * the writer stops writing and remembers ZQ_ETOOBIG in `err`; check it once
 * at the end. Not thread-safe (one writer per request). */
#ifndef ZQ_JSONW_H
#define ZQ_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define ZQ_JW_DEPTH 32

typedef struct zq_jw {
	zq_buf *b;
	int depth;
	int err;                          /* 0 or ZQ_ETOOBIG (sticky) */
	unsigned char first[ZQ_JW_DEPTH]; /* no member written yet at this level */
	unsigned char after_key;          /* a key was written; the value follows */
} zq_jw;

void jw_init(zq_jw *w, zq_buf *b);

void jw_obj_begin(zq_jw *w);
void jw_obj_end(zq_jw *w);
void jw_arr_begin(zq_jw *w);
void jw_arr_end(zq_jw *w);
/* Member name inside an object; the next value call writes its value. */
void jw_key(zq_jw *w, const char *key);

void jw_str(zq_jw *w, const char *s);              /* NULL -> null */
void jw_strn(zq_jw *w, const char *s, size_t n);
void jw_int(zq_jw *w, int64_t v);
void jw_double(zq_jw *w, double v);                /* non-finite -> null */
void jw_bool(zq_jw *w, int v);
void jw_null(zq_jw *w);
void jw_time(zq_jw *w, int64_t ms);                /* ISO-8601 UTC; ZQ_TIME_NONE -> null */
/* Already-serialised JSON (trusted: from our own writer or a JSON column). */
void jw_raw(zq_jw *w, const char *json, size_t n);
/* The same, with '<', '>' and '&' written as \u escapes (they can only
 * occur inside strings of valid JSON, so the value is unchanged). */
void jw_json(zq_jw *w, const char *json, size_t n);

/* key + value shorthands */
void jw_kstr(zq_jw *w, const char *k, const char *s);
void jw_kint(zq_jw *w, const char *k, int64_t v);
void jw_kdouble(zq_jw *w, const char *k, double v);
void jw_kbool(zq_jw *w, const char *k, int v);
void jw_knull(zq_jw *w, const char *k);
void jw_ktime(zq_jw *w, const char *k, int64_t ms);
/* Integer, or null when v == none. */
void jw_kint_or_null(zq_jw *w, const char *k, int64_t v, int64_t none);

/* Append s as the contents of a JSON string (no quotes) to b. Used by the
 * writer and by code that builds small messages. 0 or ZQ_ETOOBIG. */
int jw_escape(zq_buf *b, const char *s, size_t n);

#endif
