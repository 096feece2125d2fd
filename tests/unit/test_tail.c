/* test_tail.c - the capped capture of a child's output: the tail keeps the
 * last bytes, the head the first, the total counts everything, memory never
 * grows past the caps, and what comes out is always valid UTF-8 and never
 * longer than the cap, however binary the output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tail.h"
#include "text.h"

static void keeps_everything_below_the_cap(void **state)
{
	tail t;
	char *s;
	size_t n;

	(void)state;
	tail_init(&t, 16, 8);
	tail_add(&t, "hello ", 6);
	tail_add(&t, "world", 5);
	s = tail_text(&t, &n);
	assert_string_equal(s, "hello world");
	assert_int_equal(n, 11);
	assert_int_equal(t.total, 11);
	free(s);
	s = tail_head_text(&t, 100);
	assert_string_equal(s, "hello wo");
	free(s);
	tail_release(&t);
}

static void keeps_the_last_cap_bytes_across_wraps(void **state)
{
	tail t;
	char *s, chunk[7];

	(void)state;
	tail_init(&t, 10, 4);
	for (int i = 0; i < 1000; i++) {
		/* "000000" "000001" ... six digits each */
		for (int k = 5, v = i; k >= 0; k--, v /= 10)
			chunk[k] = (char)('0' + v % 10);
		tail_add(&t, chunk, 6);
	}
	s = tail_text(&t, NULL);
	assert_string_equal(s, "0998000999");
	assert_int_equal(t.total, 6000);
	assert_int_equal(t.len, 10);
	free(s);
	s = tail_head_text(&t, 100);
	assert_string_equal(s, "0000");
	free(s);
	tail_release(&t);
}

static void one_write_larger_than_the_cap(void **state)
{
	tail t;
	char big[100], *s;

	(void)state;
	for (int i = 0; i < 100; i++)
		big[i] = (char)('a' + i % 26);
	tail_init(&t, 8, 0);
	tail_add(&t, "xy", 2);
	tail_add(&t, big, sizeof(big));
	s = tail_text(&t, NULL);
	assert_memory_equal(s, big + 92, 8);
	assert_int_equal(strlen(s), 8);
	assert_int_equal(t.total, 102);
	free(s);
	tail_release(&t);
}

static void a_gigabyte_costs_only_the_caps(void **state)
{
	tail t;
	char *chunk = malloc(1 << 20);

	(void)state;
	memset(chunk, 'y', 1 << 20);
	tail_init(&t, 64 << 10, 2048);
	for (int i = 0; i < 1024; i++)
		tail_add(&t, chunk, 1 << 20);
	assert_int_equal(t.total, 1ULL << 30);
	assert_int_equal(t.len, 64 << 10);
	assert_int_equal(t.head_len, 2048);
	free(chunk);
	tail_release(&t);
}

static void cut_characters_and_invalid_bytes_become_valid_utf8(void **state)
{
	tail t;
	char *s;

	(void)state;
	/* "é" is C3 A9; the tail of 5 bytes starts inside the first one */
	tail_init(&t, 5, 3);
	tail_add(&t, "\xC3\xA9\xC3\xA9\xC3\xA9", 6);
	s = tail_text(&t, NULL);
	assert_string_equal(s, "\xC3\xA9\xC3\xA9");
	free(s);
	/* the head of 3 bytes ends inside the second one: dropped, not garbled */
	s = tail_head_text(&t, 100);
	assert_string_equal(s, "\xC3\xA9");
	free(s);
	tail_release(&t);
	tail_init(&t, 16, 0);
	tail_add(&t, "a\xFF" "b\0c", 5);
	s = tail_text(&t, NULL);
	assert_string_equal(s, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c");
	free(s);
	tail_release(&t);
}

static void head_text_counts_characters(void **state)
{
	tail t;
	char *s;

	(void)state;
	tail_init(&t, 64, 64);
	tail_add(&t, "\xE4\xBD\xA0\xE5\xA5\xBD world", 12);  /* 你好 world */
	s = tail_head_text(&t, 3);
	assert_string_equal(s, "\xE4\xBD\xA0\xE5\xA5\xBD ");
	free(s);
	tail_release(&t);
}

static void text_clean_rejects_overlongs_and_surrogates(void **state)
{
	char *s;

	(void)state;
	s = text_clean("\xC0\xAF|\xED\xA0\x80|\xF4\x90\x80\x80|\xF0\x9F\x98\x80", 16, TEXT_NO_LIMIT, NULL);
	/* C0 AF: 2 bad bytes; ED A0 80: 3; F4 90 80 80: 4; the emoji is fine */
	assert_string_equal(s, "\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
			       "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xF0\x9F\x98\x80");
	free(s);
}

/* text_clean leaves valid UTF-8 (without NUL) as it is */
static int is_clean_utf8(const char *s, size_t n)
{
	size_t m;
	char *c = text_clean(s, n, TEXT_NO_LIMIT, &m);
	int ok = m == n && memcmp(c, s, n) == 0;

	free(c);
	return ok;
}

static void binary_output_is_capped_after_cleaning(void **state)
{
	tail t;
	char *s, *chunk = malloc(4096);
	size_t n;
	unsigned x = 12345;

	(void)state;
	/* every byte invalid: each would become 3 bytes of U+FFFD */
	tail_init(&t, 1024, 0);
	memset(chunk, 0xFF, 4096);
	tail_add(&t, chunk, 4096);
	s = tail_text(&t, &n);
	assert_int_equal(n, 1023);  /* 341 whole replacement characters */
	assert_int_equal(strlen(s), n);
	assert_true(is_clean_utf8(s, n));
	free(s);
	tail_release(&t);
	/* random bytes (what the issue measured at 1.86x the cap) */
	tail_init(&t, 1024, 0);
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < 4096; i++) {
			x = x * 1103515245u + 12345u;
			chunk[i] = (char)(x >> 16);
		}
		tail_add(&t, chunk, 4096);
		s = tail_text(&t, &n);
		assert_true(n <= 1024 && n >= 1024 - 3);
		assert_true(is_clean_utf8(s, n));
		free(s);
	}
	tail_release(&t);
	free(chunk);
}

static void the_cap_keeps_the_newest_text_and_whole_characters(void **state)
{
	tail t;
	char *s;
	size_t n;

	(void)state;
	/* FF then two euro signs: cleaned, 9 bytes for a cap of 7; the cut
	 * falls inside the U+FFFD, which goes entirely */
	tail_init(&t, 7, 0);
	tail_add(&t, "\xFF\xE2\x82\xAC\xE2\x82\xAC", 7);
	s = tail_text(&t, &n);
	assert_string_equal(s, "\xE2\x82\xAC\xE2\x82\xAC");
	assert_int_equal(n, 6);
	free(s);
	tail_release(&t);
	/* text that needs no cleaning is not cut at all */
	tail_init(&t, 6, 0);
	tail_add(&t, "\xE2\x82\xAC\xE2\x82\xAC", 6);
	s = tail_text(&t, &n);
	assert_int_equal(n, 6);
	free(s);
	tail_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keeps_everything_below_the_cap),
		cmocka_unit_test(keeps_the_last_cap_bytes_across_wraps),
		cmocka_unit_test(one_write_larger_than_the_cap),
		cmocka_unit_test(a_gigabyte_costs_only_the_caps),
		cmocka_unit_test(cut_characters_and_invalid_bytes_become_valid_utf8),
		cmocka_unit_test(head_text_counts_characters),
		cmocka_unit_test(text_clean_rejects_overlongs_and_surrogates),
		cmocka_unit_test(binary_output_is_capped_after_cleaning),
		cmocka_unit_test(the_cap_keeps_the_newest_text_and_whole_characters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
