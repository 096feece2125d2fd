/* test_env.c - a command's environment array (scheduler/env.h): NAME=value
 * strings, a name set twice keeps one entry (the last value) in its first
 * place, the array stays NULL-terminated as it grows; business dates as
 * YYYY-MM-DD, and a claimed run's neighbours without a calendar
 * (cal_cache_fill_job: the adjacent calendar days). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal_cache.h"
#include "calendar.h"
#include "env.h"
#include "timeutil.h"

static void env_kv_joins_name_and_value(void **state)
{
	(void)state;
	char *kv = env_kv("HOME", "/home/zq-run");
	assert_string_equal(kv, "HOME=/home/zq-run");
	free(kv);
	kv = env_kv("EMPTY", "");
	assert_string_equal(kv, "EMPTY=");
	free(kv);
}

static void env_put_replaces_a_name_in_place(void **state)
{
	(void)state;
	env_list e = {NULL, 0, 0};

	env_put(&e, "PATH", "/bin");
	env_put(&e, "A", "1");
	env_putn(&e, "PATHX=ignored", 4, "/usr/bin");  /* only "PATH" counts */
	env_put(&e, "AB", "2");                        /* not A: the '=' is compared too */
	assert_int_equal(e.n, 3);
	assert_string_equal(e.v[0], "PATH=/usr/bin");
	assert_string_equal(e.v[1], "A=1");
	assert_string_equal(e.v[2], "AB=2");
	assert_null(e.v[3]);
	env_free(e.v);
	env_free(NULL);
}

static void env_grows_and_stays_terminated(void **state)
{
	(void)state;
	env_list e = {NULL, 0, 0};
	char name[16];

	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "V%d", i);
		env_put(&e, name, "x");
		assert_int_equal(e.n, (size_t)i + 1);
		assert_null(e.v[e.n]);
	}
	assert_true(e.cap >= e.n + 1);
	assert_string_equal(e.v[299], "V299=x");
	env_free(e.v);
}

static void env_put_day_formats_or_empties(void **state)
{
	(void)state;
	env_list e = {NULL, 0, 0};

	env_put_day(&e, "ZQ_BIZ_DATE", (int32_t)zq_days_from_civil(2024, 2, 29));
	env_put_day(&e, "ZQ_PREV_BIZ_DATE", ZQ_CAL_NO_DAY);
	assert_string_equal(e.v[0], "ZQ_BIZ_DATE=2024-02-29");
	assert_string_equal(e.v[1], "ZQ_PREV_BIZ_DATE=");
	env_free(e.v);
}

static void fill_job_without_calendar_takes_adjacent_days(void **state)
{
	(void)state;
	exec_job j;

	memset(&j, 0, sizeof(j));
	j.business_day = (int32_t)zq_days_from_civil(2024, 3, 1);
	cal_cache_fill_job(NULL, NULL, &j, 0);
	assert_int_equal(j.prev_day, zq_days_from_civil(2024, 2, 29));
	assert_int_equal(j.next_day, zq_days_from_civil(2024, 3, 2));
	assert_string_equal(j.calendar, "");
	j.business_day = ZQ_CAL_NO_DAY;   /* a row without a business date: nothing known */
	cal_cache_fill_job(NULL, NULL, &j, 0);
	assert_int_equal(j.prev_day, ZQ_CAL_NO_DAY);
	assert_int_equal(j.next_day, ZQ_CAL_NO_DAY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(env_kv_joins_name_and_value),
		cmocka_unit_test(env_put_replaces_a_name_in_place),
		cmocka_unit_test(env_grows_and_stays_terminated),
		cmocka_unit_test(env_put_day_formats_or_empties),
		cmocka_unit_test(fill_job_without_calendar_takes_adjacent_days),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
