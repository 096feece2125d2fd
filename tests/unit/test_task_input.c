/* test_task_input.c - task bodies: writable vs read-only vs unknown
 * fields, schedule rules per type, ranges, config per type, and the
 * "schedule in a body replaces the schedule" rule of partial updates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "task.h"
#include "task_input.h"
#include "timeutil.h"

/* Apply body to a fresh create-task and check it; returns the rc of the
 * first step that failed, with its message in err. */
static int create(const char *body, zq_task *t, zq_err *err)
{
	cJSON *j = cJSON_Parse(body);
	unsigned mask;
	int rc;

	assert_non_null(j);
	zq_task_init(t);
	t->type = -1;
	rc = task_input_apply(t, j, 1, &mask, err);
	cJSON_Delete(j);
	if (rc == 0 && !t->config && t->type == ZQ_TASK_EXAMPLE)
		zq_task_set_config(t, "{}");
	return rc < 0 ? rc : task_input_check(t, NULL, err);
}

static void expect_error(const char *body, const char *msg)
{
	zq_err err = ZQ_ERR_INIT;
	zq_task t;

	assert_int_equal(create(body, &t, &err), ZQ_EINVAL);
	if (!strstr(err.msg, msg))
		fail_msg("body %s: got '%s', want '%s'", body, err.msg, msg);
	zq_task_release(&t);
}

static void seed_bodies_are_accepted(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	zq_task t;

	(void)state;
	assert_int_equal(create("{\"name\":\"API\xE5\xAE\x9E\xE6\x97\xB6\",\"task_type\":\"example_task\","
				"\"interval_seconds\":60,\"config\":{\"duration_seconds\":30,\"steps\":30,"
				"\"success_rate\":1.0,\"message\":\"done\"},\"enabled\":true}", &t, &err), 0);
	assert_int_equal(t.type, ZQ_TASK_EXAMPLE);
	assert_int_equal(t.interval_seconds, 60);
	assert_non_null(strstr(t.config, "\"steps\":30"));
	zq_task_release(&t);
	assert_int_equal(create("{\"name\":\"m\",\"task_type\":\"manual_task\",\"config\":"
				"{\"command\":\"echo hi\"}}", &t, &err), 0);
	zq_task_release(&t);
	assert_int_equal(create("{\"name\":\"c\",\"task_type\":\"common_task\",\"cron_expression\":"
				"\"0 18 * * *\",\"timezone\":\"UTC\",\"config\":{\"command\":\"true\","
				"\"env\":{\"A_1\":\"x\"},\"work_dir\":\"/tmp\",\"timeout_seconds\":5},"
				"\"max_retries\":3,\"retry_interval\":10,\"description\":null}", &t, &err), 0);
	zq_task_release(&t);
	assert_int_equal(create("{\"name\":\"w\",\"task_type\":\"workflow\",\"cron_expression\":"
				"\"0 1 * * *\",\"config\":{\"workflow_type\":\"serial\",\"tasks\":["
				"{\"task_id\":1,\"name\":\"a\",\"dependencies\":[]},{\"task_id\":2,\"name\":\"b\","
				"\"dependencies\":[1]}],\"on_failure\":\"stop\"},\"enabled\":true}", &t, &err),
			 0);
	zq_task_release(&t);
}

static void read_only_and_unknown_fields(void **state)
{
	(void)state;
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"interval_seconds\":5,\"id\":9}",
		     "id: read-only field");
	expect_error("{\"name\":\"x\",\"next_run_time\":\"2026-01-01T00:00:00Z\"}",
		     "next_run_time: read-only field");
	expect_error("{\"name\":\"x\",\"created_at\":\"2026-01-01T00:00:00Z\"}",
		     "created_at: read-only field");
	expect_error("{\"name\":\"x\",\"is_admin\":true}", "is_admin: unknown field");
	expect_error("{\"name\":\"x\",\"name\":\"y\"}", "name: given twice");
}

static void names_and_types(void **state)
{
	char long_name[600];

	(void)state;
	expect_error("{\"task_type\":\"example_task\",\"interval_seconds\":5}", "name: required");
	expect_error("{\"name\":\"\",\"task_type\":\"example_task\"}", "name: must be 1-128 characters");
	memset(long_name, 0, sizeof(long_name));
	strcpy(long_name, "{\"name\":\"");
	for (int i = 0; i < 129; i++)
		strcat(long_name, "a");
	strcat(long_name, "\"}");
	expect_error(long_name, "name: must be 1-128 characters");
	expect_error("{\"name\":\"a\\nb\"}", "name: control characters");
	expect_error("{\"name\":\"x\"}", "task_type: required");
	expect_error("{\"name\":\"x\",\"task_type\":\"shell\"}", "task_type: must be manual_task");
	expect_error("{\"name\":7}", "name: must be a string");
}

static void schedule_rules(void **state)
{
	(void)state;
	expect_error("{\"name\":\"x\",\"task_type\":\"manual_task\",\"cron_expression\":\"* * * * *\","
		     "\"config\":{\"command\":\"true\"}}", "cron_expression: a manual_task never fires");
	expect_error("{\"name\":\"x\",\"task_type\":\"manual_task\",\"interval_seconds\":5,"
		     "\"config\":{\"command\":\"true\"}}", "interval_seconds: a manual_task");
	expect_error("{\"name\":\"x\",\"task_type\":\"common_task\",\"config\":{\"command\":\"true\"}}",
		     "schedule: common_task needs one of");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"interval_seconds\":5,"
		     "\"cron_expression\":\"* * * * *\"}", "schedule: set only one");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"interval_seconds\":0}",
		     "interval_seconds: must be an integer 1-");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"interval_seconds\":1.5}",
		     "interval_seconds: must be an integer");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"cron_expression\":\"61 * * * *\"}",
		     "cron_expression: minute field");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"cron_expression\":\"0 0 30 2 *\"}",
		     "cron_expression:");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"cron_expression\":\"* * * * *\","
		     "\"timezone\":\"Mars/Base\"}", "timezone:");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"run_at\":\"tomorrow\"}",
		     "run_at: must be an ISO-8601 time");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"cron_expression\":\"* * * * *\","
		     "\"start_at\":\"2026-01-01T00:00:00Z\"}", "start_at: only applies to interval");
}

static void ranges(void **state)
{
	(void)state;
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"interval_seconds\":5,"
		     "\"max_retries\":101}", "max_retries: must be an integer 0-100");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"interval_seconds\":5,"
		     "\"max_retries\":-1}", "max_retries: must be an integer 0-100");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"interval_seconds\":5,"
		     "\"retry_interval\":0}", "retry_interval: must be an integer 1-86400");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"interval_seconds\":5,"
		     "\"timeout_seconds\":0}", "timeout_seconds: must be an integer 1-604800");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"interval_seconds\":5,"
		     "\"enabled\":\"yes\"}", "enabled: must be true or false");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"interval_seconds\":5,"
		     "\"max_instances\":0}", "max_instances: must be an integer 1-100");
}

static void configs_per_type(void **state)
{
	(void)state;
	expect_error("{\"name\":\"x\",\"task_type\":\"common_task\",\"interval_seconds\":5}",
		     "config: required for common_task");
	expect_error("{\"name\":\"x\",\"task_type\":\"common_task\",\"interval_seconds\":5,"
		     "\"config\":{}}", "config.command: required");
	expect_error("{\"name\":\"x\",\"task_type\":\"common_task\",\"interval_seconds\":5,"
		     "\"config\":{\"command\":\"\"}}", "config.command: must be a non-empty string");
	expect_error("{\"name\":\"x\",\"task_type\":\"common_task\",\"interval_seconds\":5,"
		     "\"config\":{\"command\":[\"ls\"]}}", "config.command: must be a non-empty string");
	expect_error("{\"name\":\"x\",\"task_type\":\"common_task\",\"interval_seconds\":5,"
		     "\"config\":{\"command\":\"ls\",\"env\":{\"1BAD\":\"x\"}}}", "config.env: bad variable");
	expect_error("{\"name\":\"x\",\"task_type\":\"common_task\",\"interval_seconds\":5,"
		     "\"config\":{\"command\":\"ls\",\"env\":{\"A\":[1]}}}",
		     "config.env.A: must be a string, number or bool");
	expect_error("{\"name\":\"x\",\"task_type\":\"common_task\",\"interval_seconds\":5,"
		     "\"config\":\"ls\"}", "config: must be a JSON object");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"interval_seconds\":5,"
		     "\"config\":{\"success_rate\":1.5}}", "config.success_rate: must be a number 0-1");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"interval_seconds\":5,"
		     "\"config\":{\"steps\":0}}", "config.steps: must be an integer 1-1000");
	expect_error("{\"name\":\"x\",\"task_type\":\"example_task\",\"interval_seconds\":5,"
		     "\"config\":{\"duration_seconds\":-1}}", "config.duration_seconds");
	expect_error("{\"name\":\"x\",\"task_type\":\"workflow\",\"interval_seconds\":5,"
		     "\"config\":{\"workflow_type\":\"serial\",\"tasks\":[{\"task_id\":1,"
		     "\"dependencies\":[1]}]}}", "config.tasks[0].dependencies: task 1 depends on itself");
	expect_error("{\"name\":\"x\",\"task_type\":\"workflow\",\"interval_seconds\":5,"
		     "\"config\":{\"workflow_type\":\"serial\",\"tasks\":[{\"task_id\":1,"
		     "\"dependencies\":[2]},{\"task_id\":2,\"dependencies\":[1]}]}}",
		     "cycle: 1 \xE2\x86\x92 2 \xE2\x86\x92 1");
}

static void update_replaces_the_schedule(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	unsigned mask;
	zq_task t;
	cJSON *j;

	(void)state;
	zq_task_init(&t);
	t.type = ZQ_TASK_COMMON;
	strcpy(t.name, "old");
	strcpy(t.cron_expression, "0 18 * * *");
	zq_task_set_config(&t, "{\"command\":\"true\"}");
	j = cJSON_Parse("{\"interval_seconds\":60}");
	assert_int_equal(task_input_apply(&t, j, 0, &mask, &err), 0);
	assert_int_equal(t.cron_expression[0], 0);
	assert_int_equal(t.interval_seconds, 60);
	assert_true(mask & TI_SCHEDULE);
	assert_int_equal(task_input_check(&t, NULL, &err), 0);
	cJSON_Delete(j);
	/* other fields leave the schedule alone */
	j = cJSON_Parse("{\"description\":\"d\",\"max_retries\":2}");
	assert_int_equal(task_input_apply(&t, j, 0, &mask, &err), 0);
	assert_int_equal(t.interval_seconds, 60);
	assert_false(mask & TI_SCHEDULE);
	assert_true(mask & TI_DESCRIPTION);
	cJSON_Delete(j);
	/* job_id can only be set on create */
	j = cJSON_Parse("{\"job_id\":\"x\"}");
	assert_int_equal(task_input_apply(&t, j, 0, &mask, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "job_id: read-only field");
	cJSON_Delete(j);
	zq_task_release(&t);
}

static void mask_names(void **state)
{
	char out[128];

	(void)state;
	task_input_mask_names(TI_NAME | TI_SCHEDULE | TI_CONFIG, out, sizeof(out));
	assert_string_equal(out, "name, schedule, config");
	task_input_mask_names(0, out, sizeof(out));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seed_bodies_are_accepted),
		cmocka_unit_test(read_only_and_unknown_fields),
		cmocka_unit_test(names_and_types),
		cmocka_unit_test(schedule_rules),
		cmocka_unit_test(ranges),
		cmocka_unit_test(configs_per_type),
		cmocka_unit_test(update_replaces_the_schedule),
		cmocka_unit_test(mask_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
