/* utf8.h - strict UTF-8 decoding (no overlongs, no surrogates, <= U+10FFFF),
 * shared by the JSON writer and the scheduler's output cleaning (which
 * repair) and the input checks (which reject). */
#ifndef ZQ_UTF8_H
#define ZQ_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode one code point from s (n > 0 bytes available). Returns its length
 * in bytes (1-4) and *cp, or -1 when the bytes at s are not valid UTF-8. */
int zq_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Length of the valid sequence at s (n > 0 bytes available): 1-4, or 0
 * when the bytes at s do not start one (zq_utf8_decode's rules). */
size_t zq_utf8_len(const unsigned char *s, size_t n);

/* 0 when s[0..n) is valid UTF-8 (then *nchars = code points, if not NULL),
 * -1 otherwise. */
int zq_utf8_check(const char *s, size_t n, size_t *nchars);

/* The longest prefix of s[0..n) of at most max bytes that does not end
 * inside a UTF-8 sequence: n when n <= max, else max backed up over
 * continuation bytes. */
size_t zq_utf8_cut(const char *s, size_t n, size_t max);

/* Code points in the NUL-terminated s (bytes that are not continuation
 * bytes: exact for valid UTF-8). */
size_t zq_utf8_chars(const char *s);

#endif
