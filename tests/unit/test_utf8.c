/* test_utf8.c - the one strict UTF-8 decoder (db/core/utf8.c): the length
 * of the sequence at a position (zq_utf8_len, what the scheduler's output
 * cleaning uses) against overlongs, surrogates, values past U+10FFFF and
 * truncated or broken sequences, agreeing with zq_utf8_decode and
 * zq_utf8_check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "utf8.h"

static size_t len_of(const char *s, size_t n)
{
	return zq_utf8_len((const unsigned char *)s, n);
}

static void utf8_len_of_valid_sequences(void **state)
{
	(void)state;
	assert_int_equal(len_of("A", 1), 1);
	assert_int_equal(len_of("\0", 1), 1);  /* NUL is valid UTF-8; text_clean replaces it itself */
	assert_int_equal(len_of("\x7F", 1), 1);
	assert_int_equal(len_of("\xC2\x80", 2), 2);          /* U+0080 */
	assert_int_equal(len_of("\xDF\xBF", 2), 2);          /* U+07FF */
	assert_int_equal(len_of("\xE0\xA0\x80", 3), 3);      /* U+0800 */
	assert_int_equal(len_of("\xED\x9F\xBF", 3), 3);      /* U+D7FF */
	assert_int_equal(len_of("\xEE\x80\x80", 3), 3);      /* U+E000 */
	assert_int_equal(len_of("\xEF\xBF\xBD", 3), 3);      /* U+FFFD */
	assert_int_equal(len_of("\xF0\x90\x80\x80", 4), 4);  /* U+10000 */
	assert_int_equal(len_of("\xF4\x8F\xBF\xBF", 4), 4);  /* U+10FFFF */
	assert_int_equal(len_of("\xC3\xA9xyz", 5), 2);       /* only the first character */
}

static void utf8_len_rejects_what_rfc3629_forbids(void **state)
{
	(void)state;
	/* overlong forms */
	assert_int_equal(len_of("\xC0\xAF", 2), 0);
	assert_int_equal(len_of("\xC1\xBF", 2), 0);
	assert_int_equal(len_of("\xE0\x80\xAF", 3), 0);
	assert_int_equal(len_of("\xE0\x9F\xBF", 3), 0);
	assert_int_equal(len_of("\xF0\x80\x80\xAF", 4), 0);
	assert_int_equal(len_of("\xF0\x8F\xBF\xBF", 4), 0);
	/* surrogates */
	assert_int_equal(len_of("\xED\xA0\x80", 3), 0);
	assert_int_equal(len_of("\xED\xBF\xBF", 3), 0);
	/* past U+10FFFF, and lead bytes that cannot start anything */
	assert_int_equal(len_of("\xF4\x90\x80\x80", 4), 0);
	assert_int_equal(len_of("\xF5\x80\x80\x80", 4), 0);
	assert_int_equal(len_of("\xF8\x88\x80\x80", 4), 0);
	assert_int_equal(len_of("\xFF", 1), 0);
	/* a continuation byte alone, a broken continuation */
	assert_int_equal(len_of("\x80", 1), 0);
	assert_int_equal(len_of("\xBF", 1), 0);
	assert_int_equal(len_of("\xC3\x41", 2), 0);
	assert_int_equal(len_of("\xE2\x82\xC0", 3), 0);
	assert_int_equal(len_of("\xF0\x9F\x98\x7F", 4), 0);
}

static void utf8_len_rejects_truncated_sequences(void **state)
{
	(void)state;
	assert_int_equal(len_of("\xC3\xA9", 1), 0);
	assert_int_equal(len_of("\xE2\x82\xAC", 2), 0);
	assert_int_equal(len_of("\xF0\x9F\x98\x80", 3), 0);
	assert_int_equal(len_of("\xF0\x9F\x98\x80", 4), 4);
}

/* Every two-byte input: zq_utf8_len is zq_utf8_decode's length, and a
 * string is valid for zq_utf8_check exactly when it is one sequence. */
static void utf8_len_agrees_with_decode_and_check(void **state)
{
	(void)state;
	for (unsigned a = 0; a < 256; a++)
		for (unsigned b = 0; b < 256; b++) {
			unsigned char s[2] = {(unsigned char)a, (unsigned char)b};
			uint32_t cp;
			int d = zq_utf8_decode(s, 2, &cp);
			size_t k = zq_utf8_len(s, 2);
			assert_int_equal(k, d > 0 ? (size_t)d : 0);
			if (k == 2)
				assert_int_equal(zq_utf8_check((const char *)s, 2, NULL), 0);
		}
}

/* A cut never splits a character: "héllo" cut at 2 bytes is "h" (the é is
 * bytes 1-2), at 3 is "hé"; a short string is kept whole. */
static void utf8_cut_backs_up_to_a_character(void **state)
{
	(void)state;
	const char *s = "h\xc3\xa9llo";       /* 6 bytes, 5 characters */
	const char *cjk = "\xe4\xb8\xad\xe6\x96\x87";  /* 2 characters of 3 bytes */

	assert_int_equal(zq_utf8_cut(s, 6, 10), 6);
	assert_int_equal(zq_utf8_cut(s, 6, 6), 6);
	assert_int_equal(zq_utf8_cut(s, 6, 2), 1);
	assert_int_equal(zq_utf8_cut(s, 6, 3), 3);
	assert_int_equal(zq_utf8_cut(cjk, 6, 5), 3);
	assert_int_equal(zq_utf8_cut(cjk, 6, 2), 0);
	assert_int_equal(zq_utf8_chars(s), 5);
	assert_int_equal(zq_utf8_chars(cjk), 2);
	assert_int_equal(zq_utf8_chars(""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(utf8_len_of_valid_sequences),
		cmocka_unit_test(utf8_len_rejects_what_rfc3629_forbids),
		cmocka_unit_test(utf8_len_rejects_truncated_sequences),
		cmocka_unit_test(utf8_len_agrees_with_decode_and_check),
		cmocka_unit_test(utf8_cut_backs_up_to_a_character),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
