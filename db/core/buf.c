/* buf.c - capped growable buffer. See buf.h for the invariants. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"

char zq_buf_empty[1];

void zq_buf_init(zq_buf *b, size_t cap)
{
	b->data = zq_buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void zq_buf_release(zq_buf *b)
{
	if (b->alloc)
		free(b->data);
	zq_buf_init(b, b->cap);
}

void zq_buf_reset(zq_buf *b)
{
	b->len = 0;
	b->data[0] = '\0';
	if (!b->alloc)
		b->data = zq_buf_empty;
}

char *zq_buf_detach(zq_buf *b, size_t *lenp)
{
	char *p;

	if (lenp)
		*lenp = b->len;
	if (b->alloc)
		p = b->data;
	else
		p = zq_strdup("");
	zq_buf_init(b, b->cap);
	return p;
}

int zq_buf_grow(zq_buf *b, size_t extra)
{
	int had = b->alloc > 0;

	if (extra > b->cap || b->len > b->cap - extra)
		return ZQ_ETOOBIG;
	b->data = zq_grow(had ? b->data : NULL, &b->alloc, b->len + extra + 1, 1);
	if (!had)
		b->data[0] = '\0';
	return 0;
}

int zq_buf_add(zq_buf *b, const void *p, size_t n)
{
	int rc;

	if (n == 0)
		return 0;
	if ((rc = zq_buf_grow(b, n)) < 0)
		return rc;
	memmove(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int zq_buf_puts(zq_buf *b, const char *s)
{
	return zq_buf_add(b, s, strlen(s));
}

int zq_buf_putc(zq_buf *b, char c)
{
	return zq_buf_add(b, &c, 1);
}

int zq_buf_vprintf(zq_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return ZQ_EINVAL;
	if ((rc = zq_buf_grow(b, (size_t)n)) < 0)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int zq_buf_printf(zq_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = zq_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void zq_buf_truncate(zq_buf *b, size_t n)
{
	if (n < b->len) {
		b->len = n;
		b->data[n] = '\0';
	}
}
