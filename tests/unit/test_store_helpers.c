/* test_store_helpers.c - the db/store helpers that need no server: the JSON
 * batch parameter (json_batch.c: times as DATETIME(3) text, nulls, render)
 * and the capped count's bound (db_util.c zq_db_count_limit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json_batch.h"
#include "timeutil.h"

static void batch_time_is_datetime3_text(void **state)
{
	char buf[40];

	(void)state;
	batch_sql_time(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01 00:00:00.000");
	batch_sql_time(1700000000123LL, buf, sizeof(buf));
	assert_string_equal(buf, "2023-11-14 22:13:20.123");
}

static void batch_row_renders_values_and_nulls(void **state)
{
	cJSON *arr = cJSON_CreateArray(), *o = cJSON_CreateObject();
	char *s;

	(void)state;
	batch_put_num(o, "k", 42);
	batch_put_time(o, "t", 0);
	batch_put_time(o, "n", ZQ_TIME_NONE);
	batch_put_num_or_null(o, "p", 7, 0);
	batch_put_num_or_null(o, "q", 7, 1);
	batch_put_str(o, "r", "a\"b");
	batch_put_str(o, "x", NULL);
	cJSON_AddItemToArray(arr, o);
	s = batch_render(arr);
	assert_string_equal(s, "[{\"k\":42,\"t\":\"1970-01-01 00:00:00.000\",\"n\":null,\"p\":7,"
			       "\"q\":null,\"r\":\"a\\\"b\",\"x\":null}]");
	free(s);
}

static void count_limit_is_the_cap_or_one_past_the_page(void **state)
{
	(void)state;
	assert_int_equal(zq_db_count_limit(0, 50), ZQ_DB_COUNT_CAP);
	assert_int_equal(zq_db_count_limit(949, 50), ZQ_DB_COUNT_CAP);
	assert_int_equal(zq_db_count_limit(950, 50), ZQ_DB_COUNT_CAP + 1);
	assert_int_equal(zq_db_count_limit(5000, 100), 5101);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(batch_time_is_datetime3_text),
		cmocka_unit_test(batch_row_renders_values_and_nulls),
		cmocka_unit_test(count_limit_is_the_cap_or_one_past_the_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
