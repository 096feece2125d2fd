/* test_err.c - the error map: every code has a distinct name and text, and
 * messages survive formatting and prefixing. Also the UTC time helpers every
 * JSON timestamp goes through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "err.h"
#include "timeutil.h"

static void every_code_has_name_and_message(void **state)
{
	static const int codes[] = {
#define X(name, val, msg) ZQ_##name,
		ZQ_ERR_MAP(X)
#undef X
	};
	size_t n = sizeof(codes) / sizeof(codes[0]);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		assert_true(codes[i] < 0);
		assert_string_not_equal(zq_strerror(codes[i]), "unknown error");
		assert_string_not_equal(zq_errname(codes[i]), "EUNKNOWN");
		for (size_t j = 0; j < i; j++) {
			assert_int_not_equal(codes[i], codes[j]);
			assert_string_not_equal(zq_errname(codes[i]), zq_errname(codes[j]));
		}
	}
	assert_string_equal(zq_errname(ZQ_ENOTFOUND), "ENOTFOUND");
	assert_string_equal(zq_strerror(ZQ_ETOOBIG), "too large");
	assert_string_equal(zq_strerror(-9999), "unknown error");
}

static void errf_returns_code_and_formats(void **state)
{
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	assert_int_equal(zq_errf(&err, ZQ_EINVAL, "name: %d characters is too long", 200), ZQ_EINVAL);
	assert_int_equal(err.code, ZQ_EINVAL);
	assert_string_equal(err.msg, "name: 200 characters is too long");
	zq_err_prefix(&err, "task %d: ", 7);
	assert_string_equal(err.msg, "task 7: name: 200 characters is too long");
	assert_int_equal(zq_errf(NULL, ZQ_EDB, "ignored"), ZQ_EDB);
	zq_err_clear(&err);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.msg, "");
}

static void prefix_never_overflows(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	char big[2 * ZQ_ERR_MSG_MAX];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	zq_errf(&err, ZQ_EINVAL, "%s", big);
	assert_int_equal(strlen(err.msg), ZQ_ERR_MSG_MAX - 1);
	zq_err_prefix(&err, "%s", "prefix: ");
	assert_int_equal(strlen(err.msg), ZQ_ERR_MSG_MAX - 1);
	assert_memory_equal(err.msg, "prefix: xxx", 11);
}

static void iso_times_round_trip(void **state)
{
	char buf[32];
	int64_t ms;

	(void)state;
	assert_int_equal(zq_time_parse_iso("2026-01-20T10:00:00.123Z", &ms), 0);
	assert_string_equal(zq_time_format_iso(ms, buf, sizeof(buf)), "2026-01-20T10:00:00.123Z");
	assert_int_equal(zq_time_parse_iso("2026-01-20T18:00:00+08:00", &ms), 0);
	assert_string_equal(zq_time_format_iso(ms, buf, sizeof(buf)), "2026-01-20T10:00:00.000Z");
	assert_int_equal(zq_time_parse_iso("2024-02-29", &ms), 0);
	assert_string_equal(zq_time_format_iso_sec(ms, buf, sizeof(buf)), "2024-02-29T00:00:00Z");
	assert_int_equal(zq_time_parse_iso("1969-12-31T23:59:59.999Z", &ms), 0);
	assert_int_equal(ms, -1);
	assert_int_equal(zq_time_parse_iso("2023-02-29", &ms), ZQ_EINVAL);
	assert_int_equal(zq_time_parse_iso("2026-13-01", &ms), ZQ_EINVAL);
	assert_int_equal(zq_time_parse_iso("2026-01-20T25:00", &ms), ZQ_EINVAL);
	assert_int_equal(zq_time_parse_iso("2026-01-20T10:00:00Zjunk", &ms), ZQ_EINVAL);
	assert_int_equal(zq_time_parse_iso("yesterday", &ms), ZQ_EINVAL);
	assert_string_equal(zq_time_format_iso(ZQ_TIME_NONE, buf, sizeof(buf)), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_code_has_name_and_message),
		cmocka_unit_test(errf_returns_code_and_formats),
		cmocka_unit_test(prefix_never_overflows),
		cmocka_unit_test(iso_times_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
