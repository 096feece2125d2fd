/* test_field_checks.c - db/jobs/cal_check.c and alert_check.c, the checks
 * the API and the setup importer share: the same rule under either prefix
 * ("body." for the API, "" for the importer), the API's texts exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alert_check.h"
#include "cal_check.h"
#include "jsonin.h"

/* obj's calendar fields under pfx: rc and the message. */
static int cal_fields(const char *json, const char *pfx, int create, zq_err *err)
{
	cJSON *obj = cJSON_Parse(json);
	calendar_row r;
	int rc;

	calendar_row_init(&r);
	zq_err_clear(err);
	rc = cal_check_fields(obj, pfx, create, &r, err);
	if (rc == 0)
		rc = cal_check_day_list(obj, pfx, "holidays", ZQ_CAL_HOLIDAY, &r.cal, err);
	if (rc == 0)
		rc = cal_check_day_list(obj, pfx, "workdays", ZQ_CAL_WORKDAY, &r.cal, err);
	if (rc == 0)
		rc = cal_check_finish(&r, pfx, "workdays", err);
	calendar_row_release(&r);
	cJSON_Delete(obj);
	return rc;
}

static void calendar_errors_name_the_field(void **state)
{
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	assert_int_equal(cal_fields("{\"name\":\"a b\"}", "body.", 1, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "body.name: only letters, digits and . _ - are allowed "
			    "(it is used in paths)");
	assert_int_equal(cal_fields("{\"name\":\"a b\"}", "", 1, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "name: only letters, digits and . _ - are allowed "
			    "(it is used in paths)");
	assert_int_equal(cal_fields("{}", "", 1, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "name: required");
	assert_int_equal(cal_fields("{}", "body.", 0, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "body.covered_until: required when the calendar lists no days");
	assert_int_equal(cal_fields("{}", "", 0, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "covered_until: required when the calendar lists no days");
	assert_int_equal(cal_fields("{\"name\":\"123\"}", "body.", 1, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "body.name: must not be all digits (that is an id)");
	assert_int_equal(cal_fields("{\"weekend\":[6,6]}", "", 0, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "weekend[1]: 6 given twice");
	assert_int_equal(cal_fields("{\"covered_from\":\"2026-02-30\"}", "body.", 0, &err),
			 ZQ_EINVAL);
	assert_string_equal(err.msg, "body.covered_from: '2026-02-30' is not a date");
	assert_int_equal(cal_fields("{\"holidays\":[\"2026-01-01\",null]}", "body.", 0, &err),
			 ZQ_EINVAL);
	assert_string_equal(err.msg, "body.holidays[1]: must be a date (YYYY-MM-DD)");
	assert_int_equal(cal_fields("{\"holidays\":[\"2026-10-01\"],\"workdays\":[\"2026-10-01\"]}",
				    "body.", 0, &err), ZQ_EINVAL);
	assert_non_null(strstr(err.msg, "body.workdays: 2026-10-01: both"));
	assert_int_equal(cal_fields("{\"covered_from\":\"2026-02-01\",\"covered_until\":"
				    "\"2026-01-01\"}", "", 0, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "covered_until: 2026-01-01 is before covered_from 2026-02-01");
}

static void channel_errors_name_the_field(void **state)
{
	cJSON *obj = cJSON_Parse("{\"name\":\"ops\",\"kind\":\"fax\"}");
	alert_channel_row r;
	zq_err err = ZQ_ERR_INIT;
	int changed;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(alert_check_channel(obj, "body.", 1, &r, &changed, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "body.kind: must be one of webhook, dingtalk, wecom, "
			    "feishu, slack, email");
	cJSON_Delete(obj);
	obj = cJSON_Parse("{\"kind\":\"slack\",\"lang\":\"fr\"}");
	assert_int_equal(alert_check_channel(obj, "", 0, &r, NULL, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "lang: must be en or zh");
	assert_string_equal(r.kind, "slack");
	cJSON_Delete(obj);
	obj = cJSON_Parse("{\"kind\":\"email\"}");
	assert_int_equal(alert_check_channel(obj, "", 1, &r, NULL, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "name: required");
	cJSON_Delete(obj);
}

static int by_name(const cJSON *e, const char *field, void *arg, int64_t *id, zq_err *err)
{
	(void)arg;
	if (!cJSON_IsString(e))
		return zq_errf(err, ZQ_EINVAL, "%s: a name", field);
	*id = (int64_t)strlen(e->valuestring);  /* "ab" and "cd" are the same channel */
	return 0;
}

static void rule_errors_name_the_field(void **state)
{
	cJSON *obj = cJSON_Parse("{\"kind\":\"scheduler_down\",\"repeat_every\":-1,"
				 "\"channels\":[\"ab\",\"cd\"]}");
	alert_rule_row r;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(alert_check_rule_opts(obj, "body.", &r, &err), ZQ_EINVAL);
	assert_non_null(strstr(err.msg, "body.repeat_every: "));
	r.task_id = 7;
	assert_int_equal(alert_check_rule_kind(obj, "body.", "task_id", NULL, &r, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "body.task_id: a scheduler_down rule is global "
			    "(task_id must be null)");
	assert_int_equal(alert_check_rule_kind(obj, "", "task", NULL, &r, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "task: a scheduler_down rule is global (task must be null)");
	assert_int_equal(alert_check_rule_channels(jin_get(obj, "channels"), "", "channel names",
						   by_name, NULL, &r, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "channels[1]: channel 'cd' given twice");
	assert_int_equal(alert_check_rule_channels(jin_get(obj, "kind"), "body.", "channel ids",
						   by_name, NULL, &r, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "body.channels: must be a non-empty array of channel ids");
	free(r.params);
	cJSON_Delete(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(calendar_errors_name_the_field),
		cmocka_unit_test(channel_errors_name_the_field),
		cmocka_unit_test(rule_errors_name_the_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
