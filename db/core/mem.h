/* mem.h - allocation that aborts with a log line on failure.
 * Sizes driven by input must be capped by the caller before allocating. */
#ifndef ZQ_MEM_H
#define ZQ_MEM_H

#include <stddef.h>

void *zq_malloc(size_t n);
void *zq_calloc(size_t nmemb, size_t size);
void *zq_realloc(void *p, size_t n);
char *zq_strdup(const char *s);
char *zq_strndup(const char *s, size_t n);

/* Copy src into dst of size dstsz, always NUL-terminating; returns the length
 * of src (>= dstsz means truncated), like strlcpy. */
size_t zq_strlcpy(char *dst, const char *src, size_t dstsz);

/* Cut leading and trailing white space off s in place; returns its start. */
char *zq_trim(char *s);

#endif
