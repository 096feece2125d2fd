/* mem.h - allocation that aborts with a log line on failure.
 * Sizes driven by input must be capped by the caller before allocating. */
#ifndef ZQ_MEM_H
#define ZQ_MEM_H

#include <stddef.h>

void *zq_malloc(size_t n);
void *zq_calloc(size_t nmemb, size_t size);
void *zq_realloc(void *p, size_t n);
/* The one growable array: room for at least `need` elements of `size`
 * bytes in p, whose capacity is *cap (elements). Returns p, or p moved with
 * *cap doubled from 8 until it fits; a size that overflows aborts like an
 * allocation that fails.   v = zq_grow(v, &cap, n + 1, sizeof(*v)); */
void *zq_grow(void *p, size_t *cap, size_t need, size_t size);
char *zq_strdup(const char *s);
char *zq_strndup(const char *s, size_t n);

/* Copy src into dst of size dstsz, always NUL-terminating; returns the length
 * of src (>= dstsz means truncated), like strlcpy. */
size_t zq_strlcpy(char *dst, const char *src, size_t dstsz);

/* Cut leading and trailing white space off s in place; returns its start. */
char *zq_trim(char *s);

#endif
