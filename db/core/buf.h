/* buf.h - the one growable byte buffer, with a hard cap (one cap per use, checked on every append).
 *
 * Invariants: data is never NULL and is always NUL-terminated (an empty buffer
 * points at a shared ""), len < alloc whenever alloc > 0, len <= cap.
 * An append that would pass cap fails with ZQ_ETOOBIG and leaves the buffer
 * unchanged. SQL values never go through a buffer: they are statement
 * parameters. Not thread-safe; a buffer belongs to one thread at a time. */
#ifndef ZQ_BUF_H
#define ZQ_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct zq_buf {
	char *data;
	size_t len;    /* bytes in use, excluding the NUL */
	size_t alloc;  /* bytes allocated, 0 while data points at "" */
	size_t cap;    /* maximum len */
} zq_buf;

extern char zq_buf_empty[];

#define ZQ_BUF_NOCAP ((size_t)-2)
#define ZQ_BUF_INIT(c) {zq_buf_empty, 0, 0, (c)}

void zq_buf_init(zq_buf *b, size_t cap);
/* Free the storage; the buffer is empty and reusable afterwards. */
void zq_buf_release(zq_buf *b);
/* Empty the buffer, keeping its storage. */
void zq_buf_reset(zq_buf *b);
/* Hand the contents to the caller (free() it); the buffer is left empty.
 * Never returns NULL. If lenp is not NULL it receives the length. */
char *zq_buf_detach(zq_buf *b, size_t *lenp);

/* Each returns 0, or ZQ_ETOOBIG (buffer unchanged) when cap would be passed. */
int zq_buf_grow(zq_buf *b, size_t extra);
int zq_buf_add(zq_buf *b, const void *p, size_t n);
int zq_buf_puts(zq_buf *b, const char *s);
int zq_buf_putc(zq_buf *b, char c);
int zq_buf_printf(zq_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int zq_buf_vprintf(zq_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Shorten to n bytes (n <= len). */
void zq_buf_truncate(zq_buf *b, size_t n);

#endif
