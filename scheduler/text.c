/* text.c - UTF-8 cleaning for output captured from child processes: the
 * strict decoder is db/core/utf8.c's (zq_utf8_len); NUL is replaced here. */
#include "text.h"

#include <string.h>

#include "mem.h"
#include "utf8.h"

char *text_clean(const char *s, size_t n, size_t max_chars, size_t *lenp)
{
	static const char repl[] = "\xEF\xBF\xBD";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, chars = 0, cap = 0;
	char *out = zq_grow(NULL, &cap, (n < 64 ? 64 : n + n / 8 + 16) + 1, 1);

	while (i < n && chars < max_chars) {
		/* strict UTF-8 (zq_utf8_decode's rules); a NUL is replaced too */
		size_t k = p[i] ? zq_utf8_len(p + i, n - i) : 0;
		size_t w = k ? k : 3;
		out = zq_grow(out, &cap, o + w + 1, 1);
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
