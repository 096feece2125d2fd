/* test_taskcfg.c - the task config module: defaults and ranges per type,
 * the JSON shape every body must have (no key twice, at most 30 levels),
 * parameter declarations and the check of each type's values, the
 * resolution of a trigger's values (defaults, unknown, required), their
 * environment form, the override merge and the env masking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "task.h"
#include "taskcfg.h"

/* Parse text as a config of type; returns the rc, err holds the message. */
static int parse(taskcfg *c, int type, const char *text, zq_err *err)
{
	cJSON *o = cJSON_Parse(text);
	int rc;

	assert_non_null(o);
	*err = (zq_err)ZQ_ERR_INIT;
	rc = taskcfg_parse(c, type, o, err);
	cJSON_Delete(o);
	return rc;
}

static void expect_ok(int type, const char *text)
{
	taskcfg c;
	zq_err err;

	taskcfg_init(&c);
	if (parse(&c, type, text, &err) < 0)
		fail_msg("%s: %s", text, err.msg);
	taskcfg_release(&c);
}

/* The message must start with want. */
static void expect_error(int type, const char *text, const char *want)
{
	taskcfg c;
	zq_err err;

	taskcfg_init(&c);
	if (parse(&c, type, text, &err) == 0)
		fail_msg("%s: accepted", text);
	taskcfg_release(&c);
	assert_int_equal(err.code, ZQ_EINVAL);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("%s: got \"%s\", want \"%s...\"", text, err.msg, want);
}

/* ---- defaults and ranges ------------------------------------------------------------ */

static void command_defaults(void **state)
{
	taskcfg c;
	zq_err err;

	(void)state;
	taskcfg_init(&c);
	assert_int_equal(parse(&c, ZQ_TASK_COMMON, "{\"command\": \"echo hi\"}", &err), 0);
	assert_string_equal(c.command, "echo hi");
	assert_null(c.work_dir);
	assert_null(c.env);
	assert_int_equal(c.timeout_s, 0);
	assert_string_equal(c.run_as, "");
	assert_true(c.retry_backoff == 1.0);
	assert_int_equal(c.retry_max_interval_s, 0);
	assert_int_equal(c.nparams, 0);
	/* null is the default too */
	assert_int_equal(parse(&c, ZQ_TASK_MANUAL, "{\"command\": \"x\", \"work_dir\": null, "
			       "\"timeout_seconds\": null, \"env\": {\"A\": \"1\", \"N\": 5, \"B\": true}, "
			       "\"run_as\": \"zq-run\", \"retry_backoff\": 2.5, "
			       "\"retry_max_interval\": 600, \"other\": [1]}", &err), 0);
	assert_null(c.work_dir);
	assert_string_equal(cJSON_GetObjectItem(c.env, "A")->valuestring, "1");
	assert_string_equal(c.run_as, "zq-run");
	assert_true(c.retry_backoff == 2.5);
	assert_int_equal(c.retry_max_interval_s, 600);
	taskcfg_release(&c);
}

static void example_defaults(void **state)
{
	taskcfg c;
	zq_err err;

	(void)state;
	taskcfg_init(&c);
	assert_int_equal(parse(&c, ZQ_TASK_EXAMPLE, "{}", &err), 0);
	assert_true(c.duration_s == 3 && c.success_rate == 1.0);
	assert_int_equal(c.steps, 5);
	assert_string_equal(c.message, "example task finished");
	assert_null(c.command);
	assert_int_equal(parse(&c, ZQ_TASK_EXAMPLE, "{\"duration_seconds\": 0.5, \"steps\": 1000, "
			       "\"success_rate\": 0, \"message\": \"m\", \"timeout_seconds\": 9}", &err), 0);
	assert_true(c.duration_s == 0.5 && c.success_rate == 0);
	assert_int_equal(c.steps, 1000);
	assert_int_equal(c.timeout_s, 9);
	assert_string_equal(c.message, "m");
	taskcfg_release(&c);
}

static void ranges(void **state)
{
	(void)state;
	expect_error(ZQ_TASK_COMMON, "{}", "config.command: required");
	expect_error(ZQ_TASK_COMMON, "{\"command\": \"\"}", "config.command: must be a non-empty");
	expect_error(ZQ_TASK_COMMON, "{\"command\": 1}", "config.command: must be a non-empty");
	expect_error(ZQ_TASK_COMMON, "{\"command\": \"x\", \"timeout_seconds\": 0}",
		     "config.timeout_seconds: must be an integer 1-604800");
	expect_error(ZQ_TASK_COMMON, "{\"command\": \"x\", \"timeout_seconds\": 604801}",
		     "config.timeout_seconds");
	expect_error(ZQ_TASK_COMMON, "{\"command\": \"x\", \"work_dir\": \"/a\\nb\"}",
		     "config.work_dir: control characters");
	expect_error(ZQ_TASK_COMMON, "{\"command\": \"x\", \"work_dir\": \"\"}", "config.work_dir");
	expect_error(ZQ_TASK_COMMON, "{\"command\": \"x\", \"env\": [1]}", "config.env: must be an object");
	expect_error(ZQ_TASK_COMMON, "{\"command\": \"x\", \"env\": {\"1A\": \"x\"}}",
		     "config.env: bad variable name '1A'");
	expect_error(ZQ_TASK_COMMON, "{\"command\": \"x\", \"env\": {\"A=B\": \"x\"}}",
		     "config.env: bad variable name");
	expect_error(ZQ_TASK_COMMON, "{\"command\": \"x\", \"env\": {\"A\": {}}}",
		     "config.env.A: must be a string, number or bool");
	expect_error(ZQ_TASK_COMMON, "{\"command\": \"x\", \"run_as\": \"Root!\"}", "config.run_as");
	expect_error(ZQ_TASK_COMMON, "{\"command\": \"x\", \"run_as\": \"99999999999\"}",
		     "config.run_as");
	expect_error(ZQ_TASK_COMMON, "{\"command\": \"x\", \"run_as\": 0}", "config.run_as");
	expect_ok(ZQ_TASK_COMMON, "{\"command\": \"x\", \"run_as\": \"1000\"}");
	expect_ok(ZQ_TASK_COMMON, "{\"command\": \"x\", \"run_as\": \"\"}");
	expect_error(ZQ_TASK_COMMON, "{\"command\": \"x\", \"retry_backoff\": 0.5}",
		     "config.retry_backoff: must be a number 1-100");
	expect_error(ZQ_TASK_COMMON, "{\"command\": \"x\", \"retry_max_interval\": 0}",
		     "config.retry_max_interval");
	expect_error(ZQ_TASK_EXAMPLE, "{\"steps\": 0}", "config.steps: must be an integer 1-1000");
	expect_error(ZQ_TASK_EXAMPLE, "{\"steps\": 2.5}", "config.steps");
	expect_error(ZQ_TASK_EXAMPLE, "{\"success_rate\": 1.5}", "config.success_rate: must be a number 0-1");
	expect_error(ZQ_TASK_EXAMPLE, "{\"duration_seconds\": -1}", "config.duration_seconds");
	expect_error(ZQ_TASK_EXAMPLE, "{\"duration_seconds\": 86401}", "config.duration_seconds");
	expect_error(ZQ_TASK_EXAMPLE, "{\"message\": 3}", "config.message: must be a string");
	expect_error(ZQ_TASK_WORKFLOW, "{\"params\": {}}", "config.params: a workflow takes no");
	expect_ok(ZQ_TASK_WORKFLOW, "{\"workflow_type\": \"serial\", \"tasks\": []}");
	expect_error(ZQ_TASK_TYPE_COUNT, "{}", "task_type: unknown");
}

static void config_must_be_an_object(void **state)
{
	taskcfg c;
	zq_err err = ZQ_ERR_INIT;
	cJSON *a = cJSON_CreateArray();

	(void)state;
	taskcfg_init(&c);
	assert_int_equal(taskcfg_parse(&c, ZQ_TASK_EXAMPLE, a, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "config: must be a JSON object");
	taskcfg_release(&c);
	cJSON_Delete(a);
}

/* ---- JSON shape ------------------------------------------------------------------------ */

static void check_text(const char *text, const char *want)
{
	cJSON *o = cJSON_Parse(text);
	zq_err err = ZQ_ERR_INIT;
	int rc;

	assert_non_null(o);
	rc = taskcfg_json_check(o, TASKCFG_JSON_DEPTH_MAX, "body", &err);
	cJSON_Delete(o);
	if (!want) {
		if (rc < 0)
			fail_msg("%s: %s", text, err.msg);
		return;
	}
	if (rc == 0)
		fail_msg("%s: accepted", text);
	assert_string_equal(err.msg, want);
}

static char *nested(int depth)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);

	for (int i = 1; i < depth; i++)
		zq_buf_puts(&b, i % 2 ? "{\"a\": " : "[");
	zq_buf_puts(&b, depth % 2 ? "{}" : "[]");
	for (int i = depth - 1; i >= 1; i--)
		zq_buf_puts(&b, i % 2 ? "}" : "]");
	return zq_buf_detach(&b, NULL);
}

static void duplicate_keys_at_every_depth(void **state)
{
	zq_buf many = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	char *text;

	(void)state;
	check_text("{\"command\": \"echo FIRST\", \"command\": \"echo SECOND\"}",
		   "body: key 'command' given twice");
	check_text("{\"config\": {\"env\": {\"A\": 1, \"B\": 2, \"A\": 3}}}",
		   "body.config.env: key 'A' given twice");
	check_text("{\"tasks\": [{\"id\": 1}, {\"id\": 2, \"id\": 3}]}",
		   "body.tasks[1]: key 'id' given twice");
	check_text("{\"a\": {\"x\": 1}, \"b\": {\"x\": 1}, \"A\": 1}", NULL);  /* case matters */
	/* a big object takes the sorted path */
	zq_buf_puts(&many, "{");
	for (int i = 0; i < 500; i++)
		zq_buf_printf(&many, "\"k%d\": %d, ", i, i);
	zq_buf_puts(&many, "\"k250\": 0}");
	text = zq_buf_detach(&many, NULL);
	check_text(text, "body: key 'k250' given twice");
	free(text);
}

static void depth_is_at_most_30(void **state)
{
	char *ok = nested(30), *deep = nested(31), want[200] = "body";

	(void)state;
	for (int i = 0; i < 15; i++)
		strcat(want, ".a[0]");
	strcat(want, ": nested deeper than 30 levels");
	check_text(ok, NULL);
	check_text(deep, want);
	check_text("[1, \"x\", {\"a\": []}]", NULL);
	free(ok);
	free(deep);
}

static void json_parse_refuses_what_check_does(void **state)
{
	cJSON *o;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	assert_int_equal(taskcfg_json_parse("{\"a\": 1, \"a\": 2}", "config", &o, &err), ZQ_EINVAL);
	assert_null(o);
	assert_string_equal(err.msg, "config: key 'a' given twice");
	assert_int_equal(taskcfg_json_parse("{\"a\"", "params", &o, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "params: not valid JSON");
	assert_int_equal(taskcfg_json_parse("{\"a\": [1]}", "config", &o, &err), 0);
	cJSON_Delete(o);
}

/* ---- parameter declarations ------------------------------------------------------------ */

#define CMD_WITH(params) "{\"command\": \"x\", \"params\": " params "}"

static void declarations(void **state)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	char *text;
	taskcfg c;
	zq_err err;

	(void)state;
	expect_error(ZQ_TASK_COMMON, CMD_WITH("[]"), "config.params: must be an object");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"Ts\": {\"type\": \"string\"}}"),
		     "config.params.Ts: a parameter name");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"1x\": {\"type\": \"string\"}}"), "config.params.1x:");
	expect_error(ZQ_TASK_COMMON,
		     CMD_WITH("{\"a23456789012345678901234567890123\": {\"type\": \"bool\"}}"),
		     "config.params.a23456789012345678901234567890123: a parameter name");
	expect_ok(ZQ_TASK_COMMON, CMD_WITH("{\"a2345678901234567890123456789012\": {\"type\": \"bool\"}}"));
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": \"string\"}"), "config.params.x: must be an object");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {}}"), "config.params.x.type: must be string, int");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"float\"}}"), "config.params.x.type:");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"string\", \"secret\": 1}}"),
		     "config.params.x.secret: unknown field");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"bool\", \"pattern\": \"^a$\"}}"),
		     "config.params.x.pattern: only for string parameters");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"string\", \"min\": 1}}"),
		     "config.params.x.min: only for int parameters");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"int\", \"values\": [\"a\"]}}"),
		     "config.params.x.values: only for enum parameters");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"string\", \"pattern\": \"([\"}}"),
		     "config.params.x.pattern: not a POSIX extended regular expression");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"string\", \"max_length\": 0}}"),
		     "config.params.x.max_length: must be an integer 1-4096");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"int\", \"min\": 2, \"max\": 1}}"),
		     "config.params.x.max: must not be below min");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"int\", \"min\": 1.5}}"),
		     "config.params.x.min: must be an integer");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"enum\"}}"),
		     "config.params.x.values: required for an enum");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"enum\", \"values\": []}}"),
		     "config.params.x.values: must be a non-empty list");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"enum\", \"values\": [\"a\", \"a\"]}}"),
		     "config.params.x.values[1]: 'a' is listed twice");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"enum\", \"values\": [\"\"]}}"),
		     "config.params.x.values[0]: must be 1-256 characters");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"bool\", \"required\": \"yes\"}}"),
		     "config.params.x.required: must be true or false");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"string\", \"description\": 1}}"),
		     "config.params.x.description: must be a string");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"date\", \"default\": \"2025-02-30\"}}"),
		     "config.params.x.default: must be a calendar date");
	expect_error(ZQ_TASK_COMMON, CMD_WITH("{\"x\": {\"type\": \"int\", \"max\": 3, \"default\": 4}}"),
		     "config.params.x.default: must be an integer");
	expect_error(ZQ_TASK_EXAMPLE, "{\"params\": {\"x\": {\"type\": \"bool\", \"default\": 1}}}",
		     "config.params.x.default: must be true or false");
	/* 32 parameters, not 33 */
	zq_buf_puts(&b, "{\"command\": \"x\", \"params\": {");
	for (int i = 0; i < 33; i++)
		zq_buf_printf(&b, "%s\"p%d\": {\"type\": \"bool\", \"default\": false}", i ? ", " : "", i);
	zq_buf_puts(&b, "}}");
	text = zq_buf_detach(&b, NULL);
	expect_error(ZQ_TASK_COMMON, text, "config.params: at most 32 parameters");
	strcpy(strstr(text, ", \"p32\""), "}}");
	taskcfg_init(&c);
	assert_int_equal(parse(&c, ZQ_TASK_COMMON, text, &err), 0);
	assert_int_equal(c.nparams, 32);
	taskcfg_release(&c);
	free(text);
}

static void required_follows_the_default(void **state)
{
	taskcfg c;
	zq_err err;

	(void)state;
	taskcfg_init(&c);
	assert_int_equal(parse(&c, ZQ_TASK_MANUAL, CMD_WITH("{\"a\": {\"type\": \"string\"}, "
			       "\"b\": {\"type\": \"string\", \"default\": \"x\"}, "
			       "\"c\": {\"type\": \"string\", \"required\": false}, "
			       "\"d\": {\"type\": \"int\", \"default\": 1, \"required\": true}}"), &err), 0);
	assert_int_equal(c.nparams, 4);
	assert_true(c.params[0].required && !c.params[0].dflt);
	assert_true(!c.params[1].required && c.params[1].dflt);
	assert_false(c.params[2].required);
	assert_true(c.params[3].required);
	assert_int_equal(c.params[0].max_length, 256);
	taskcfg_release(&c);
}

/* ---- values ---------------------------------------------------------------------------- */

static const char *const TYPES = CMD_WITH(
	"{\"code\": {\"type\": \"string\", \"pattern\": \"^[0-9]{6}\\\\.(SZ|SH)$\"}, "
	"\"day\": {\"type\": \"date\", \"default\": \"2025-01-01\"}, "
	"\"n\": {\"type\": \"int\", \"min\": -5, \"max\": 10, \"default\": 3}, "
	"\"full\": {\"type\": \"bool\", \"default\": false}, "
	"\"mode\": {\"type\": \"enum\", \"values\": [\"incr\", \"all\"], \"default\": \"incr\"}, "
	"\"note\": {\"type\": \"string\", \"max_length\": 5, \"required\": false}}");

/* Resolve given (JSON text or NULL) against TYPES; returns the printed
 * result, or NULL with the message in err. */
static char *resolve(const char *given, zq_err *err)
{
	cJSON *g = given ? cJSON_Parse(given) : NULL, *out = NULL;
	char *text = NULL;
	taskcfg c;

	taskcfg_init(&c);
	assert_int_equal(parse(&c, ZQ_TASK_MANUAL, TYPES, err), 0);
	if (given)
		assert_non_null(g);
	if (taskcfg_resolve_params(&c, g, &out, err) == 0) {
		assert_non_null(out);
		text = cJSON_PrintUnformatted(out);
	} else {
		assert_null(out);
	}
	cJSON_Delete(out);
	cJSON_Delete(g);
	taskcfg_release(&c);
	return text;
}

static void expect_value_error(const char *given, const char *want)
{
	zq_err err;
	char *got = resolve(given, &err);
	const char *shown = given ? given : "(none)";  /* never a NULL for %s */

	if (got)
		fail_msg("%s: accepted as %s", shown, got);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("%s: got \"%s\", want \"%s...\"", shown, err.msg, want);
}

static void expect_resolved(const char *given, const char *want)
{
	zq_err err;
	char *got = resolve(given, &err);

	if (!got)
		fail_msg("%s: %s", given ? given : "(none)", err.msg);
	assert_string_equal(got, want);
	cJSON_free(got);
}

static void each_type_is_checked(void **state)
{
	(void)state;
	expect_value_error("{\"code\": \"000001.SZ; id\"}", "params.code: does not match the pattern");
	expect_value_error("{\"code\": \"00001.SZ\"}", "params.code: does not match");
	expect_value_error("{\"code\": 1}", "params.code: must be a string");
	expect_value_error("{\"code\": \"000001.SZ\", \"note\": \"123456\"}",
			   "params.note: must be 0-5 characters");
	expect_value_error("{\"code\": \"000001.SZ\", \"note\": \"a\\nb\"}",
			   "params.note: control characters are not allowed");
	expect_value_error("{\"code\": \"000001.SZ\", \"day\": \"2025-02-30\"}",
			   "params.day: must be a calendar date YYYY-MM-DD");
	expect_value_error("{\"code\": \"000001.SZ\", \"day\": \"2023-02-29\"}", "params.day:");
	expect_value_error("{\"code\": \"000001.SZ\", \"day\": \"1900-02-29\"}", "params.day:");
	expect_value_error("{\"code\": \"000001.SZ\", \"day\": \"2025-04-31\"}", "params.day:");
	expect_value_error("{\"code\": \"000001.SZ\", \"day\": \"2025-1-01\"}", "params.day:");
	expect_value_error("{\"code\": \"000001.SZ\", \"day\": \"0000-01-01\"}", "params.day:");
	expect_value_error("{\"code\": \"000001.SZ\", \"day\": \"20250101\"}", "params.day:");
	expect_value_error("{\"code\": \"000001.SZ\", \"n\": 11}", "params.n: must be an integer -5-10");
	expect_value_error("{\"code\": \"000001.SZ\", \"n\": -6}", "params.n:");
	expect_value_error("{\"code\": \"000001.SZ\", \"n\": 1.5}", "params.n:");
	expect_value_error("{\"code\": \"000001.SZ\", \"n\": \"3\"}", "params.n:");
	expect_value_error("{\"code\": \"000001.SZ\", \"full\": 1}", "params.full: must be true or false");
	expect_value_error("{\"code\": \"000001.SZ\", \"mode\": \"drop\"}",
			   "params.mode: must be one of incr, all");
	expect_resolved("{\"code\": \"600000.SH\", \"day\": \"2024-02-29\", \"n\": -5, \"full\": true, "
			"\"mode\": \"all\", \"note\": \"\"}",
			"{\"code\":\"600000.SH\",\"day\":\"2024-02-29\",\"n\":-5,\"full\":true,"
			"\"mode\":\"all\",\"note\":\"\"}");
	/* a year divisible by 400 is a leap year (100 alone is not: 1900 above) */
	expect_resolved("{\"code\": \"600000.SH\", \"day\": \"2000-02-29\"}",
			"{\"code\":\"600000.SH\",\"day\":\"2000-02-29\",\"n\":3,"
			"\"full\":false,\"mode\":\"incr\"}");
}

static void resolution_fills_defaults_and_refuses_the_rest(void **state)
{
	taskcfg c;
	zq_err err;
	cJSON *g, *out;

	(void)state;
	/* defaults filled in, declaration order; an optional one without default is left out */
	expect_resolved("{\"code\": \"000001.SZ\"}", "{\"code\":\"000001.SZ\",\"day\":\"2025-01-01\","
			"\"n\":3,\"full\":false,\"mode\":\"incr\"}");
	expect_resolved("{\"code\": \"000001.SZ\", \"n\": null}", "{\"code\":\"000001.SZ\","
			"\"day\":\"2025-01-01\",\"n\":3,\"full\":false,\"mode\":\"incr\"}");
	expect_value_error(NULL, "params.code: required (string)");
	expect_value_error("{}", "params.code: required");
	expect_value_error("{\"code\": \"000001.SZ\", \"cmd\": \"id\"}",
			   "params.cmd: unknown parameter (this task declares: code, day, n, full, mode, "
			   "note)");
	expect_value_error("[1]", "params: must be an object");
	/* a task without params: nothing, or nothing given */
	taskcfg_init(&c);
	assert_int_equal(parse(&c, ZQ_TASK_MANUAL, "{\"command\": \"x\"}", &err), 0);
	assert_int_equal(taskcfg_resolve_params(&c, NULL, &out, &err), 0);
	assert_null(out);
	g = cJSON_Parse("{}");
	assert_int_equal(taskcfg_resolve_params(&c, g, &out, &err), 0);
	assert_null(out);
	cJSON_Delete(g);
	g = cJSON_Parse("{\"x\": 1}");
	assert_int_equal(taskcfg_resolve_params(&c, g, &out, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "params.x: unknown parameter (this task declares none)");
	cJSON_Delete(g);
	taskcfg_release(&c);
}

static void environment_form(void **state)
{
	char name[64], *v;
	cJSON *o = cJSON_Parse("{\"s\": \"$(id); x\", \"t\": true, \"f\": false, \"n\": -42, "
			       "\"big\": 9007199254740991}");

	(void)state;
	taskcfg_param_env_name("ts_code", name, sizeof(name));
	assert_string_equal(name, "ZQ_PARAM_TS_CODE");
	taskcfg_param_env_name("a1_b", name, sizeof(name));
	assert_string_equal(name, "ZQ_PARAM_A1_B");
	taskcfg_param_env_name("abcdef", name, 12);
	assert_string_equal(name, "ZQ_PARAM_AB");
	v = taskcfg_param_env_value(cJSON_GetObjectItem(o, "s"));
	assert_string_equal(v, "$(id); x");
	free(v);
	v = taskcfg_param_env_value(cJSON_GetObjectItem(o, "t"));
	assert_string_equal(v, "true");
	free(v);
	v = taskcfg_param_env_value(cJSON_GetObjectItem(o, "f"));
	assert_string_equal(v, "false");
	free(v);
	v = taskcfg_param_env_value(cJSON_GetObjectItem(o, "n"));
	assert_string_equal(v, "-42");
	free(v);
	v = taskcfg_param_env_value(cJSON_GetObjectItem(o, "big"));
	assert_string_equal(v, "9007199254740991");
	free(v);
	cJSON_Delete(o);
}

/* ---- override merge and secrets -------------------------------------------------------- */

static char *print_free(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	return s;
}

static void merge_is_one_level_and_leaves_the_base(void **state)
{
	cJSON *base = cJSON_Parse("{\"command\": \"a\", \"env\": {\"X\": \"1\", \"K\": \"s3\"}, "
				  "\"keep\": 1}");
	cJSON *over = cJSON_Parse("{\"command\": \"b\", \"env\": {\"K\": \"***\", \"Y\": \"2\"}, "
				  "\"new\": true}");
	cJSON *bad = cJSON_Parse("{\"env\": {\"Z\": \"***\"}}"), *m = NULL, *arr = cJSON_CreateArray();
	zq_err err = ZQ_ERR_INIT;
	char *s;

	(void)state;
	assert_int_equal(taskcfg_merge(base, over, &m, &err), 0);
	s = print_free(m);
	/* env is replaced whole (X gone), "***" keeps the base's value of K */
	assert_string_equal(s, "{\"command\":\"b\",\"env\":{\"K\":\"s3\",\"Y\":\"2\"},\"keep\":1,"
			    "\"new\":true}");
	cJSON_free(s);
	s = cJSON_PrintUnformatted(base);
	assert_string_equal(s, "{\"command\":\"a\",\"env\":{\"X\":\"1\",\"K\":\"s3\"},\"keep\":1}");
	cJSON_free(s);
	assert_int_equal(taskcfg_merge(base, bad, &m, &err), ZQ_EINVAL);
	assert_null(m);
	assert_true(strncmp(err.msg, "override.env.Z: \"***\" keeps the stored value", 44) == 0);
	assert_int_equal(taskcfg_merge(base, arr, &m, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "override: must be an object of config keys");
	assert_int_equal(taskcfg_merge(NULL, over, &m, &err), ZQ_EINVAL);  /* nothing to keep */
	cJSON_Delete(base);
	cJSON_Delete(over);
	cJSON_Delete(bad);
	cJSON_Delete(arr);
}

static void env_values_are_masked_and_restored(void **state)
{
	cJSON *cfg = cJSON_Parse("{\"command\": \"x\", \"env\": {\"API_KEY\": \"sk-1\", \"N\": 5}, "
				 "\"params\": {\"env\": {\"type\": \"string\"}}}");
	cJSON *sent = cJSON_Parse("{\"command\": \"y\", \"env\": {\"API_KEY\": \"***\", \"N\": \"***\", "
				  "\"NEW\": \"v\"}}");
	zq_err err = ZQ_ERR_INIT;
	char *s;

	(void)state;
	s = print_free(taskcfg_masked(cfg));
	assert_string_equal(s, "{\"command\":\"x\",\"env\":{\"API_KEY\":\"***\",\"N\":\"***\"},"
			    "\"params\":{\"env\":{\"type\":\"string\"}}}");
	cJSON_free(s);
	assert_int_equal(taskcfg_unmask(sent, cfg, "config", &err), 0);
	s = cJSON_PrintUnformatted(sent);
	assert_string_equal(s, "{\"command\":\"y\",\"env\":{\"API_KEY\":\"sk-1\",\"N\":5,\"NEW\":\"v\"}}");
	cJSON_free(s);
	cJSON_Delete(sent);
	sent = cJSON_Parse("{\"env\": {\"GONE\": \"***\"}}");
	assert_int_equal(taskcfg_unmask(sent, cfg, "config", &err), ZQ_EINVAL);
	assert_true(strncmp(err.msg, "config.env.GONE:", 16) == 0);
	assert_int_equal(taskcfg_unmask(sent, NULL, "config", &err), ZQ_EINVAL);
	cJSON_Delete(sent);
	cJSON_Delete(cfg);
}

static void audit_text_masks_and_cuts(void **state)
{
	cJSON *o = cJSON_Parse("{\"command\": \"echo \\u00e9\\u00e9\\u00e9\\u00e9\", "
			       "\"env\": {\"PASS\": \"hunter2\"}}");
	char *s;

	(void)state;
	s = taskcfg_audit_text(o, 1000);
	assert_string_equal(s, "{\"command\":\"echo \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\","
			    "\"env\":{\"PASS\":\"***\"}}");
	free(s);
	/* cut inside the second é: backs up to a character boundary */
	s = taskcfg_audit_text(o, 24);
	assert_string_equal(s, "{\"command\":\"echo \xc3\xa9...");
	free(s);
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(command_defaults),
		cmocka_unit_test(example_defaults),
		cmocka_unit_test(ranges),
		cmocka_unit_test(config_must_be_an_object),
		cmocka_unit_test(duplicate_keys_at_every_depth),
		cmocka_unit_test(depth_is_at_most_30),
		cmocka_unit_test(json_parse_refuses_what_check_does),
		cmocka_unit_test(declarations),
		cmocka_unit_test(required_follows_the_default),
		cmocka_unit_test(each_type_is_checked),
		cmocka_unit_test(resolution_fills_defaults_and_refuses_the_rest),
		cmocka_unit_test(environment_form),
		cmocka_unit_test(merge_is_one_level_and_leaves_the_base),
		cmocka_unit_test(env_values_are_masked_and_restored),
		cmocka_unit_test(audit_text_masks_and_cuts),
	};

	taskcfg_json_hooks();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
