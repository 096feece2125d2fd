/* test_run.c - what a claimed execution will do: config_override merged
 * over the task config and checked by the API's rules (db/core/taskcfg.c), the timeout that applies (the smaller one), and
 * the retry policy with backoff and cap; progress kept in memory for the
 * throttled writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "run.h"
#include "settle.h"
#include "task.h"

static const run_settings set = {250, 5000, 65536, 0};

static run *make(const char *config, const char *override, int timeout_s)
{
	exec_job j;

	memset(&j, 0, sizeof(j));
	j.id = 7;
	j.task_id = 3;
	j.task_type = ZQ_TASK_EXAMPLE;
	j.task_config = zq_strdup(config);
	j.config_override = override ? zq_strdup(override) : NULL;
	j.timeout_s = timeout_s;
	j.max_retries = 3;
	j.retry_interval_s = 10;
	return run_new(&j, &set, NULL);
}

static void override_replaces_top_level_members(void **state)
{
	run *r = make("{\"command\": \"a\", \"env\": {\"X\": \"1\"}, \"keep\": 1}",
		      "{\"command\": \"b\", \"env\": {\"Y\": \"2\"}, \"new\": true}", 0);
	const cJSON *env;

	(void)state;
	assert_non_null(r->config);
	assert_string_equal(cJSON_GetObjectItem(r->config, "command")->valuestring, "b");
	env = cJSON_GetObjectItem(r->config, "env");
	assert_null(cJSON_GetObjectItem(env, "X"));  /* shallow: env replaced whole */
	assert_string_equal(cJSON_GetObjectItem(env, "Y")->valuestring, "2");
	assert_int_equal(cJSON_GetObjectItem(r->config, "keep")->valueint, 1);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r->config, "new")));
	run_free(r);
}

static void bad_config_is_reported_not_run(void **state)
{
	run *r = make("[1, 2]", NULL, 0);

	(void)state;
	assert_null(r->config);
	assert_string_equal(r->config_error, "config: not a JSON object");
	run_free(r);
	r = make("{}", "\"x\"", 0);
	assert_null(r->config);
	assert_string_equal(r->config_error, "config_override: not a JSON object");
	run_free(r);
}

static void the_smaller_timeout_wins(void **state)
{
	run *r;

	(void)state;
	r = make("{\"timeout_seconds\": 30}", NULL, 0);
	assert_int_equal(r->timeout_s, 30);
	run_free(r);
	r = make("{\"timeout_seconds\": 30}", NULL, 10);
	assert_int_equal(r->timeout_s, 10);
	run_free(r);
	r = make("{}", "{\"timeout_seconds\": 5}", 10);
	assert_int_equal(r->timeout_s, 5);
	run_free(r);
	/* a value the API would refuse does not run (it used to be ignored) */
	r = make("{\"timeout_seconds\": \"x\"}", NULL, 0);
	assert_int_equal(r->timeout_s, 0);
	assert_null(r->config);
	assert_string_equal(r->config_error, "config.timeout_seconds: must be an integer 1-604800");
	run_free(r);
}

static void retry_delay_backs_off_and_caps(void **state)
{
	(void)state;
	assert_true(settle_retry_delay_ms(10, 1.0, 0, 0) == 10000);
	assert_true(settle_retry_delay_ms(10, 1.0, 0, 5) == 10000);
	assert_true(settle_retry_delay_ms(10, 2.0, 0, 0) == 10000);
	assert_true(settle_retry_delay_ms(10, 2.0, 0, 3) == 80000);
	assert_true(settle_retry_delay_ms(10, 2.0, 60, 3) == 60000);
	assert_true(settle_retry_delay_ms(0, 2.0, 0, 3) == 0);
	assert_true(settle_retry_delay_ms(10, 10.0, 0, 900) == 30LL * 86400 * 1000);
}

static void retry_policy_comes_from_the_config(void **state)
{
	run *r = make("{\"retry_backoff\": 3, \"retry_max_interval\": 100}", NULL, 0);

	(void)state;
	assert_true(r->retry_backoff == 3.0);
	assert_int_equal(r->retry_max_interval_s, 100);
	run_free(r);
	r = make("{\"retry_backoff\": 0.5}", NULL, 0);
	assert_true(r->retry_backoff == 1.0);
	assert_string_equal(r->config_error, "config.retry_backoff: must be a number 1-100");
	run_free(r);
}

static void only_retryable_failures_with_retries_left_retry(void **state)
{
	run *r = make("{}", NULL, 0);

	(void)state;
	run_end(r, ZQ_EXEC_FAILED, 1, "exit code 1", NULL);
	assert_true(settle_should_retry(r));
	r->job.retry_count = 3;
	assert_false(settle_should_retry(r));
	r->job.retry_count = 0;
	run_end(r, ZQ_EXEC_TERMINATED, 0, "cancelled", NULL);
	assert_false(settle_should_retry(r));
	run_end(r, ZQ_EXEC_FAILED, 0, "config: bad", NULL);
	assert_false(settle_should_retry(r));
	run_end(r, ZQ_EXEC_SUCCESS, 0, NULL, NULL);
	assert_false(settle_should_retry(r));
	run_free(r);
}

static void steps_are_bounded_and_updated_in_place(void **state)
{
	run *r = make("{}", NULL, 0);

	(void)state;
	run_step_set(r, 1, EXEC_STEP_RUNNING, "one", 3);
	run_step_set(r, 1, EXEC_STEP_COMPLETED, NULL, 0);
	run_step_set(r, 2, EXEC_STEP_RUNNING, "two", 3);
	run_step_set(r, RUN_STEPS_MAX + 1, EXEC_STEP_RUNNING, "too far", 7);
	run_step_set(r, 0, EXEC_STEP_RUNNING, "zero", 4);
	assert_int_equal(r->nsteps, 2);
	assert_int_equal(r->steps[0].status, EXEC_STEP_COMPLETED);
	assert_string_equal(r->steps[0].message, "one");  /* no message keeps the one it had */
	run_progress(r, 150, 2, 4, "half \xFF", 6);
	assert_int_equal(r->percent, 100);
	assert_string_equal(r->message, "half \xEF\xBF\xBD");
	assert_true(r->dirty);
	run_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(override_replaces_top_level_members),
		cmocka_unit_test(bad_config_is_reported_not_run),
		cmocka_unit_test(the_smaller_timeout_wins),
		cmocka_unit_test(retry_delay_backs_off_and_caps),
		cmocka_unit_test(retry_policy_comes_from_the_config),
		cmocka_unit_test(only_retryable_failures_with_retries_left_retry),
		cmocka_unit_test(steps_are_bounded_and_updated_in_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
