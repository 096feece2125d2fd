/* test_setup_doc.c - the pure parts of setup documents: YAML or JSON by
 * sniffing, the document forms (workflow nodes by name, a calendar's days,
 * a rule's channels sorted by name) and the text, and that the differ sees
 * exactly the field an edit changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "setup_doc.h"
#include "setup_int.h"
#include "task_def.h"

static void parse_sniffs_yaml_or_json(void **state)
{
	const char *y = "zq_setup: 1\ntasks: []\n", *j = " \n{\"zq_setup\": 1, \"tasks\": []}";
	zq_err err = ZQ_ERR_INIT;
	cJSON *a, *b;

	(void)state;
	assert_int_equal(setup_doc_parse(y, strlen(y), -1, &a, &err), 0);
	assert_int_equal(setup_doc_parse(j, strlen(j), -1, &b, &err), 0);
	assert_true(cJSON_Compare(a, b, 1));
	cJSON_Delete(a);
	cJSON_Delete(b);
	assert_int_equal(setup_doc_parse("{\"a\":1,\"a\":2}", 13, 0, &a, &err), ZQ_EINVAL);
	assert_non_null(strstr(err.msg, "document: "));
	assert_null(a);
	assert_int_equal(setup_doc_parse("a: [", 4, 1, &a, &err), ZQ_EINVAL);
}

static void workflow_nodes_by_name(void **state)
{
	cJSON *cfg = cJSON_Parse("{\"workflow_type\":\"serial\",\"tasks\":[{\"task_id\":3,"
				 "\"name\":\"x\"},{\"task_id\":5,\"dependencies\":[3,9]}],"
				 "\"on_failure\":\"stop\"}");
	setup_refs r;
	cJSON *out;
	char *text;

	(void)state;
	memset(&r, 0, sizeof(r));
	setup_refs_add(&r, 3, "extract", 1);
	setup_refs_add(&r, 5, "load", 1);
	out = setup_wf_names(cfg, &r);
	text = cJSON_PrintUnformatted(out);
	assert_string_equal(text, "{\"workflow_type\":\"serial\",\"tasks\":[{\"task\":\"extract\","
			    "\"name\":\"x\"},{\"task\":\"load\",\"dependencies\":[\"extract\",9]}],"
			    "\"on_failure\":\"stop\"}");
	cJSON_free(text);
	assert_string_equal(setup_refs_by_name(&r, "load")->name, "load");
	assert_null(setup_refs_by_id(&r, 9));
	cJSON_Delete(out);
	cJSON_Delete(cfg);
	setup_refs_release(&r);
}

static void calendar_and_rule_forms(void **state)
{
	calendar_row c;
	alert_rule_row rule;
	setup_refs ch;
	zq_err err = ZQ_ERR_INIT;
	int32_t d;
	cJSON *o;
	char *text;

	(void)state;
	calendar_row_init(&c);
	strcpy(c.cal.name, "XSHG");
	zq_day_parse("2026-10-10", &d);
	zq_cal_add(&c.cal, d, ZQ_CAL_WORKDAY);
	zq_day_parse("2026-10-01", &d);
	zq_cal_add(&c.cal, d, ZQ_CAL_HOLIDAY);
	assert_int_equal(zq_cal_finish(&c.cal, &err), 0);
	o = setup_calendar_doc(&c);
	text = cJSON_PrintUnformatted(o);
	assert_string_equal(text, "{\"name\":\"XSHG\",\"description\":null,\"timezone\":\"UTC\","
			    "\"weekend\":[6,7],\"covered_from\":null,\"covered_until\":null,"
			    "\"days\":[{\"day\":\"2026-10-01\",\"kind\":\"holiday\"},"
			    "{\"day\":\"2026-10-10\",\"kind\":\"workday\"}]}");
	cJSON_free(text);
	cJSON_Delete(o);
	calendar_row_release(&c);

	memset(&rule, 0, sizeof(rule));
	memset(&ch, 0, sizeof(ch));
	setup_refs_add(&ch, 1, "zeta", 0);
	setup_refs_add(&ch, 2, "alpha", 0);
	strcpy(rule.kind, "on_failure");
	rule.channels[0] = 1;
	rule.channels[1] = 2;
	rule.nchannels = 2;
	o = setup_rule_doc(&rule, &ch);
	text = cJSON_PrintUnformatted(o);
	assert_string_equal(text, "{\"task\":null,\"kind\":\"on_failure\",\"enabled\":false,"
			    "\"params\":{},\"repeat_every\":0,\"channels\":[\"alpha\",\"zeta\"]}");
	cJSON_free(text);
	cJSON_Delete(o);
	setup_refs_release(&ch);
}

static void text_and_diff(void **state)
{
	cJSON *a = cJSON_Parse("{\"zq_setup\":1,\"tasks\":[]}");
	cJSON *x = cJSON_Parse("{\"name\":\"t\",\"interval_seconds\":600,\"config\":{\"a\":1}}");
	cJSON *y = cJSON_Parse("{\"name\":\"t\",\"interval_seconds\":900,\"config\":{\"a\":1}}");
	char *j = setup_doc_text(a, 0), *yml = setup_doc_text(a, 1), *d;
	cJSON *diff = task_def_diff(x, y);

	(void)state;
	assert_int_equal(j[strlen(j) - 1], '\n');
	assert_string_equal(yml, "zq_setup: 1\ntasks: []\n");
	d = cJSON_PrintUnformatted(diff);
	assert_string_equal(d, "[{\"path\":\"interval_seconds\",\"from\":600,\"to\":900}]");
	cJSON_free(d);
	free(j);
	free(yml);
	cJSON_Delete(diff);
	cJSON_Delete(a);
	cJSON_Delete(x);
	cJSON_Delete(y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_sniffs_yaml_or_json),
		cmocka_unit_test(workflow_nodes_by_name),
		cmocka_unit_test(calendar_and_rule_forms),
		cmocka_unit_test(text_and_diff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
