/* test_task_def.c - a task's definition as JSON (key order, nulls, masked
 * env values), the round trip definition -> task_input_apply -> the same
 * definition (create and update, which is what a restore does), and the
 * field-level diff with its dotted paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "mem.h"
#include "task.h"
#include "task_def.h"
#include "task_input.h"
#include "timeutil.h"

static const char *const KEYS[] = {
	"name", "job_id", "task_type", "cron_expression", "interval_seconds", "start_at", "run_at",
	"timezone", "enabled", "paused", "description", "config", "max_retries", "retry_interval",
	"timeout_seconds", "max_instances", "misfire_grace_seconds", "coalesce", "calendar",
	"calendar_rule", NULL};

/* A task from a create body (the API's rules), with timezone UTC. */
static void from_body(zq_task *t, const char *body)
{
	zq_err err = ZQ_ERR_INIT;
	cJSON *j = cJSON_Parse(body);
	unsigned mask;

	assert_non_null(j);
	zq_task_init(t);
	t->type = -1;
	zq_strlcpy(t->timezone, "UTC", sizeof(t->timezone));
	if (task_input_apply(t, j, 1, &mask, &err) < 0 || task_input_check(t, NULL, &err) < 0)
		fail_msg("body %s: %s", body, err.msg);
	cJSON_Delete(j);
}

static char *print(const cJSON *j)
{
	return cJSON_PrintUnformatted(j);
}

static void keys_in_order_with_nulls(void **state)
{
	zq_task t;
	cJSON *d;
	const cJSON *k;
	int i = 0;

	(void)state;
	from_body(&t, "{\"name\":\"n1\",\"job_id\":\"job-1\",\"task_type\":\"common_task\","
		      "\"cron_expression\":\"0 3 * * *\",\"config\":{\"command\":\"run\","
		      "\"env\":{\"API_KEY\":\"s3cret\",\"MODE\":\"x\"}}}");
	d = task_def_json(&t, 0);
	assert_non_null(d);
	cJSON_ArrayForEach(k, d) {
		assert_non_null(KEYS[i]);
		assert_string_equal(k->string, KEYS[i]);
		i++;
	}
	assert_null(KEYS[i]);
	assert_string_equal(cJSON_GetObjectItem(d, "job_id")->valuestring, "job-1");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(d, "interval_seconds")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(d, "start_at")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(d, "timeout_seconds")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(d, "calendar")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(d, "calendar_rule")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(d, "description")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(d, "enabled")));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "config"),
								    "env"), "API_KEY")->valuestring,
			    "s3cret");
	cJSON_Delete(d);
	/* masked: every env value, nothing else */
	d = task_def_json(&t, 1);
	char *text = print(cJSON_GetObjectItem(d, "config"));
	assert_string_equal(text, "{\"command\":\"run\",\"env\":{\"API_KEY\":\"***\",\"MODE\":\"***\"}}");
	free(text);
	cJSON_Delete(d);
	zq_task_release(&t);
}

/* def minus job_id applied to `onto` (a create when onto is NULL) gives a
 * task whose definition is def again (job_id aside). */
static void round_trip(const char *body, const char *onto)
{
	zq_err err = ZQ_ERR_INIT;
	zq_task a, b;
	cJSON *da, *db, *in;
	unsigned mask;
	char *ta, *tb;

	from_body(&a, body);
	da = task_def_json(&a, 0);
	in = cJSON_Duplicate(da, 1);
	cJSON_DeleteItemFromObject(in, "job_id");
	if (onto) {
		from_body(&b, onto);
	} else {
		zq_task_init(&b);
		b.type = -1;
		zq_strlcpy(b.timezone, "Asia/Shanghai", sizeof(b.timezone));
	}
	if (task_input_apply(&b, in, !onto, &mask, &err) < 0 || task_input_check(&b, NULL, &err) < 0)
		fail_msg("apply of %s: %s", body, err.msg);
	zq_strlcpy(b.job_id, a.job_id, sizeof(b.job_id));
	db = task_def_json(&b, 0);
	ta = print(da);
	tb = print(db);
	if (strcmp(ta, tb) != 0)
		fail_msg("round trip differs:\n  %s\n  %s", ta, tb);
	free(ta);
	free(tb);
	cJSON_Delete(da);
	cJSON_Delete(db);
	cJSON_Delete(in);
	zq_task_release(&a);
	zq_task_release(&b);
}

static void definitions_round_trip(void **state)
{
	static const char *const bodies[] = {
		"{\"name\":\"c\",\"task_type\":\"common_task\",\"cron_expression\":\"*/5 9-15 * * 1-5\","
		"\"timezone\":\"America/New_York\",\"description\":\"d\",\"config\":{\"command\":\"x\","
		"\"env\":{\"A\":\"1\"}},\"max_retries\":2,\"retry_interval\":30,\"timeout_seconds\":60,"
		"\"max_instances\":3,\"misfire_grace_seconds\":10,\"coalesce\":false,\"paused\":true}",
		"{\"name\":\"i\",\"task_type\":\"example_task\",\"interval_seconds\":90,"
		"\"start_at\":\"2030-01-02T03:04:05.678Z\",\"enabled\":false,\"config\":"
		"{\"duration_seconds\":1,\"steps\":2,\"success_rate\":1}}",
		"{\"name\":\"o\",\"task_type\":\"common_task\",\"run_at\":\"2031-05-06T07:08:09Z\","
		"\"config\":{\"command\":\"once\"}}",
		"{\"name\":\"m\",\"task_type\":\"manual_task\",\"config\":{\"command\":\"true\"}}",
		NULL};
	const char *other = "{\"name\":\"other\",\"task_type\":\"common_task\",\"interval_seconds\":"
			    "5,\"description\":\"zzz\",\"timeout_seconds\":9,\"config\":{\"command\":"
			    "\"y\",\"env\":{\"B\":\"2\"}}}";

	(void)state;
	for (int i = 0; bodies[i]; i++) {
		round_trip(bodies[i], NULL);   /* a create (an import's new task) */
		round_trip(bodies[i], other);  /* an update (a restore) */
	}
}

static cJSON *parse(const char *s)
{
	cJSON *j = cJSON_Parse(s);

	assert_non_null(j);
	return j;
}

static void expect_diff(const char *a, const char *b, const char *want)
{
	cJSON *ja = parse(a), *jb = parse(b), *d = task_def_diff(ja, jb);
	char *got = print(d);

	if (strcmp(got, want) != 0)
		fail_msg("diff of %s and %s:\n got  %s\n want %s", a, b, got, want);
	free(got);
	cJSON_Delete(d);
	cJSON_Delete(ja);
	cJSON_Delete(jb);
}

static void diffs(void **state)
{
	(void)state;
	expect_diff("{\"a\":1,\"b\":\"x\"}", "{\"a\":1,\"b\":\"x\"}", "[]");
	expect_diff("{\"a\":1,\"b\":null}", "{\"a\":2}",
		    "[{\"path\":\"a\",\"from\":1,\"to\":2}]");
	/* objects key by key with dotted paths; one-sided keys against null */
	expect_diff("{\"config\":{\"command\":\"x\",\"env\":{\"K\":\"1\",\"GONE\":\"2\"}}}",
		    "{\"config\":{\"command\":\"y\",\"env\":{\"K\":\"1\",\"NEW\":\"3\"}}}",
		    "[{\"path\":\"config.command\",\"from\":\"x\",\"to\":\"y\"},"
		    "{\"path\":\"config.env.GONE\",\"from\":\"2\",\"to\":null},"
		    "{\"path\":\"config.env.NEW\",\"from\":null,\"to\":\"3\"}]");
	/* arrays whole; an object against a scalar whole */
	expect_diff("{\"config\":{\"nodes\":[1,2]}}", "{\"config\":{\"nodes\":[2,1]}}",
		    "[{\"path\":\"config.nodes\",\"from\":[1,2],\"to\":[2,1]}]");
	expect_diff("{\"config\":{\"x\":{\"y\":1}}}", "{\"config\":{\"x\":5}}",
		    "[{\"path\":\"config.x\",\"from\":{\"y\":1},\"to\":5}]");
	expect_diff("{\"config\":null}", "{\"config\":{\"a\":true}}",
		    "[{\"path\":\"config\",\"from\":null,\"to\":{\"a\":true}}]");
	/* b's extra keys after a's, in b's order; false is not null */
	expect_diff("{\"a\":1}", "{\"a\":1,\"z\":false,\"y\":0}",
		    "[{\"path\":\"z\",\"from\":null,\"to\":false},{\"path\":\"y\",\"from\":null,"
		    "\"to\":0}]");
}

static void diff_of_two_definitions(void **state)
{
	zq_task a, b;
	cJSON *da, *db, *d;
	char paths[256];

	(void)state;
	from_body(&a, "{\"name\":\"t\",\"job_id\":\"j\",\"task_type\":\"common_task\","
		      "\"cron_expression\":\"0 1 * * *\",\"config\":{\"command\":\"a\","
		      "\"env\":{\"S\":\"one\"}}}");
	from_body(&b, "{\"name\":\"t\",\"job_id\":\"j\",\"task_type\":\"common_task\","
		      "\"interval_seconds\":60,\"config\":{\"command\":\"a\",\"env\":{\"S\":\"two\"}}}");
	da = task_def_json(&a, 1);
	db = task_def_json(&b, 1);
	d = task_def_diff(da, db);
	task_def_diff_paths(d, paths, sizeof(paths));
	/* a secret's change is invisible when masked on both sides */
	assert_string_equal(paths, "cron_expression,interval_seconds");
	cJSON_Delete(d);
	cJSON_Delete(da);
	cJSON_Delete(db);
	da = task_def_json(&a, 0);
	db = task_def_json(&b, 0);
	d = task_def_diff(da, db);
	task_def_diff_paths(d, paths, sizeof(paths));
	assert_string_equal(paths, "cron_expression,interval_seconds,config.env.S");
	/* cut with "..." when it does not fit */
	task_def_diff_paths(d, paths, 24);
	assert_string_equal(paths, "cron_expression,...");
	task_def_diff_paths(d, paths, 8);
	assert_string_equal(paths, "...");
	cJSON_Delete(d);
	cJSON_Delete(da);
	cJSON_Delete(db);
	zq_task_release(&a);
	zq_task_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_in_order_with_nulls),
		cmocka_unit_test(definitions_round_trip),
		cmocka_unit_test(diffs),
		cmocka_unit_test(diff_of_two_definitions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
