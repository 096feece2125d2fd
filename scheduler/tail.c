/* tail.c - head + ring buffer capture of a stream (see tail.h). */
#include "tail.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "text.h"

void tail_init(tail *t, size_t cap, size_t head_cap)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap;
	t->head_cap = head_cap;
}

void tail_release(tail *t)
{
	free(t->ring);
	free(t->head);
	tail_init(t, t->cap, t->head_cap);
}

static void head_add(tail *t, const char *p, size_t n)
{
	size_t k = t->head_cap - t->head_len;

	if (!k)
		return;
	if (!t->head)
		t->head = zq_malloc(t->head_cap);
	if (k > n)
		k = n;
	memcpy(t->head + t->head_len, p, k);
	t->head_len += k;
}

/* Append to the ring, overwriting the oldest bytes once it is full. Only
 * the last cap bytes of a large write can survive, so copy just those. */
static void ring_add(tail *t, const char *p, size_t n)
{
	size_t end, k;

	if (!t->cap)
		return;
	if (!t->ring)
		t->ring = zq_malloc(t->cap);
	if (n >= t->cap) {
		memcpy(t->ring, p + n - t->cap, t->cap);
		t->start = 0;
		t->len = t->cap;
		return;
	}
	end = (t->start + t->len) % t->cap;
	k = t->cap - end < n ? t->cap - end : n;
	memcpy(t->ring + end, p, k);
	memcpy(t->ring, p + k, n - k);
	if (t->len + n <= t->cap) {
		t->len += n;
	} else {
		t->start = (t->start + t->len + n - t->cap) % t->cap;
		t->len = t->cap;
	}
}

void tail_add(tail *t, const char *p, size_t n)
{
	if (!n)
		return;
	head_add(t, p, n);
	ring_add(t, p, n);
	t->total += n;
}

char *tail_text(const tail *t, size_t *lenp)
{
	char *flat = zq_malloc(t->len + 1), *out;
	size_t first = t->len ? (t->cap - t->start < t->len ? t->cap - t->start : t->len) : 0;
	size_t skip, n;

	if (first)
		memcpy(flat, t->ring + t->start, first);
	if (t->len > first)
		memcpy(flat + first, t->ring, t->len - first);
	/* the ring may start inside a character when older bytes were dropped */
	skip = t->total > t->len ? text_skip_partial(flat, t->len) : 0;
	out = text_clean(flat + skip, t->len - skip, TEXT_NO_LIMIT, &n);
	free(flat);
	/* Cleaning grows invalid bytes (1 -> 3 for U+FFFD): cap what is
	 * stored, keeping the last cap bytes from a character boundary. */
	if (n > t->cap) {
		skip = n - t->cap;
		skip += text_skip_partial(out + skip, n - skip);
		n -= skip;
		memmove(out, out + skip, n + 1);
	}
	if (lenp)
		*lenp = n;
	return out;
}

char *tail_head_text(const tail *t, size_t max_chars)
{
	size_t n = t->head_len;

	/* a character cut by head_cap is dropped rather than replaced */
	if (t->total > t->head_len)
		n = text_trim_partial(t->head, n);
	return text_clean(t->head ? t->head : "", n, max_chars, NULL);
}
