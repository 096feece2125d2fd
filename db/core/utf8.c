/* utf8.c - strict UTF-8 decoding. */
#include "utf8.h"

int zq_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	int len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0) {
		len = 2, c &= 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, c &= 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if (n < (size_t)len)
		return -1;
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*cp = c;
	return len;
}

size_t zq_utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	int len = zq_utf8_decode(s, n, &cp);

	return len > 0 ? (size_t)len : 0;
}

int zq_utf8_check(const char *s, size_t n, size_t *nchars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, count = 0;
	uint32_t cp;

	while (i < n) {
		int len = p[i] < 0x80 ? 1 : zq_utf8_decode(p + i, n - i, &cp);
		if (len < 0)
			return -1;
		i += (size_t)len;
		count++;
	}
	if (nchars)
		*nchars = count;
	return 0;
}

size_t zq_utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

size_t zq_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}
