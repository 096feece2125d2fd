/* test_buf.c - the capped buffer: growth, cap enforcement that leaves the
 * contents unchanged, detach ownership. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

static void empty_buffer_is_a_valid_string(void **state)
{
	zq_buf b = ZQ_BUF_INIT(16);

	(void)state;
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	zq_buf_reset(&b);
	assert_string_equal(b.data, "");
	zq_buf_release(&b);
}

static void grows_and_stays_terminated(void **state)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);

	(void)state;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(zq_buf_printf(&b, "%d,", i), 0);
	assert_int_equal(b.len, strlen(b.data));
	assert_memory_equal(b.data, "0,1,2,", 6);
	assert_string_equal(b.data + b.len - 4, "999,");
	zq_buf_release(&b);
}

static void cap_is_enforced_without_partial_writes(void **state)
{
	zq_buf b = ZQ_BUF_INIT(10);

	(void)state;
	assert_int_equal(zq_buf_puts(&b, "12345678"), 0);
	assert_int_equal(zq_buf_puts(&b, "abc"), ZQ_ETOOBIG);
	assert_string_equal(b.data, "12345678");
	assert_int_equal(zq_buf_printf(&b, "%s", "xyz"), ZQ_ETOOBIG);
	assert_string_equal(b.data, "12345678");
	assert_int_equal(zq_buf_puts(&b, "90"), 0);
	assert_string_equal(b.data, "1234567890");
	assert_int_equal(zq_buf_putc(&b, 'x'), ZQ_ETOOBIG);
	assert_int_equal(b.len, 10);
	/* a huge request cannot overflow the size arithmetic */
	assert_int_equal(zq_buf_grow(&b, (size_t)-1), ZQ_ETOOBIG);
	zq_buf_release(&b);
}

static void detach_hands_over_ownership(void **state)
{
	zq_buf b = ZQ_BUF_INIT(100);
	size_t len;
	char *s;

	(void)state;
	zq_buf_puts(&b, "hello");
	s = zq_buf_detach(&b, &len);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	free(s);
	/* detaching an empty buffer still returns a string the caller frees */
	s = zq_buf_detach(&b, NULL);
	assert_string_equal(s, "");
	free(s);
}

static void binary_and_truncate(void **state)
{
	zq_buf b = ZQ_BUF_INIT(64);

	(void)state;
	assert_int_equal(zq_buf_add(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_int_equal(b.data[3], '\0');
	zq_buf_truncate(&b, 1);
	assert_string_equal(b.data, "a");
	zq_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_buffer_is_a_valid_string),
		cmocka_unit_test(grows_and_stays_terminated),
		cmocka_unit_test(cap_is_enforced_without_partial_writes),
		cmocka_unit_test(detach_hands_over_ownership),
		cmocka_unit_test(binary_and_truncate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
