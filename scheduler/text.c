/* text.c - UTF-8 cleaning for output captured from child processes. */
#include "text.h"

#include <string.h>

#include "mem.h"

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when the bytes there
 * do not start one (overlong forms, surrogates and values past U+10FFFF are
 * invalid, as in RFC 3629). */
static size_t seq_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];

	if (c < 0x80)
		return c ? 1 : 0;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		return n >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		return n >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 &&
				       (p[3] & 0xC0) == 0x80
			       ? 4
			       : 0;
	}
	return 0;
}

char *text_clean(const char *s, size_t n, size_t max_chars, size_t *lenp)
{
	static const char repl[] = "\xEF\xBF\xBD";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, chars = 0, cap = n < 64 ? 64 : n + n / 8 + 16;
	char *out = zq_malloc(cap + 1);

	while (i < n && chars < max_chars) {
		size_t k = seq_len(p + i, n - i);
		size_t w = k ? k : 3;
		if (o + w > cap) {
			cap = cap * 2 + w;
			out = zq_realloc(out, cap + 1);
		}
		memcpy(out + o, k ? (const char *)p + i : repl, w);
		o += w;
		i += k ? k : 1;
		chars++;
	}
	out[o] = '\0';
	if (lenp)
		*lenp = o;
	return out;
}

size_t text_trim_partial(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t back = 1; back <= 3 && back <= n; back++) {
		unsigned c = p[n - back];
		size_t need;
		if ((c & 0xC0) == 0x80)
			continue;  /* continuation byte: look further back */
		need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		return need > back ? n - back : n;
	}
	return n;
}

size_t text_skip_partial(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n && i < 3 && (p[i] & 0xC0) == 0x80)
		i++;
	return i;
}
