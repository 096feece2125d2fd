/* text.h - make bytes a child process printed safe to store: valid UTF-8
 * (what utf8mb4 columns and JSON accept), no NUL bytes, at most N
 * characters. Pure and thread-safe. */
#ifndef ZQ_SCHED_TEXT_H
#define ZQ_SCHED_TEXT_H

#include <stddef.h>

#define TEXT_NO_LIMIT ((size_t)-1)

/* A heap copy of p[0..n) as valid UTF-8: each invalid byte and each NUL
 * becomes U+FFFD; cut after max_chars characters (TEXT_NO_LIMIT = all).
 * Never returns NULL (aborts on allocation failure); *lenp (may be NULL)
 * receives the length. The caller frees. */
char *text_clean(const char *p, size_t n, size_t max_chars, size_t *lenp);

/* n minus the bytes of an incomplete character at the end of p[0..n)
 * (a sequence cut by a buffer limit), so the text ends on a boundary. */
size_t text_trim_partial(const char *p, size_t n);

/* Number of leading bytes to skip so that p starts on a character boundary
 * (skips at most 3 continuation bytes). */
size_t text_skip_partial(const char *p, size_t n);

#endif
