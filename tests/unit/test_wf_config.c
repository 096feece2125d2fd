/* test_wf_config.c - workflow config cases test_workflow.c leaves out, seen
 * from the engine's side: ids that are not integers, bad member types,
 * a diamond's order, several cycles at once, a self-dependency reported
 * once, and the plan the engine stores (a manual trigger's override merged
 * over the config) parsing back to the same order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workflow.h"

static int check(const char *json, zq_workflow *wf, zq_wf_errors *errs)
{
	zq_workflow_init(wf);
	zq_wf_errors_init(errs);
	return zq_workflow_parse(wf, json, "config", errs);
}

static int has_error(const zq_wf_errors *e, const char *text)
{
	for (int i = 0; i < e->n; i++)
		if (strstr(e->msg[i], text))
			return 1;
	return 0;
}

static void done(zq_workflow *wf, zq_wf_errors *errs)
{
	zq_workflow_release(wf);
	zq_wf_errors_release(errs);
}

static void ids_must_be_positive_integers(void **state)
{
	static const char *bad[] = {"1.5", "0", "-3", "true", "\"12\"", "null", "1e300", "{}"};
	zq_workflow wf;
	zq_wf_errors e;
	char json[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json), "{\"workflow_type\":\"serial\",\"tasks\":[{\"task_id\":%s}]}",
			 bad[i]);
		assert_int_equal(check(json, &wf, &e), ZQ_EINVAL);
		assert_true(has_error(&e, "config.tasks[0].task_id: must be a positive integer"));
		done(&wf, &e);
		snprintf(json, sizeof(json), "{\"workflow_type\":\"serial\",\"tasks\":[{\"task_id\":1},"
			 "{\"task_id\":2,\"dependencies\":[%s]}]}", bad[i]);
		assert_int_equal(check(json, &wf, &e), ZQ_EINVAL);
		assert_true(has_error(&e, "config.tasks[1].dependencies[0]: must be a positive integer"));
		done(&wf, &e);
	}
	/* 12.0 is the integer 12 */
	assert_int_equal(check("{\"workflow_type\":\"serial\",\"tasks\":[{\"task_id\":12.0}]}", &wf, &e),
			 0);
	assert_int_equal(wf.nodes[0].task_id, 12);
	done(&wf, &e);
}

static void member_types_are_checked(void **state)
{
	zq_workflow wf;
	zq_wf_errors e;

	(void)state;
	assert_int_equal(check("{\"workflow_type\":1,\"on_failure\":true,\"tasks\":{}}", &wf, &e),
			 ZQ_EINVAL);
	assert_true(has_error(&e, "config.workflow_type: must be serial or parallel"));
	assert_true(has_error(&e, "config.on_failure: must be stop or continue"));
	assert_true(has_error(&e, "config.tasks: required, a non-empty list"));
	done(&wf, &e);
	assert_int_equal(check("{\"workflow_type\":\"serial\",\"tasks\":[{\"task_id\":1,\"name\":7}]}",
			       &wf, &e), ZQ_EINVAL);
	assert_true(has_error(&e, "config.tasks[0].name: must be a string"));
	done(&wf, &e);
}

static void diamond_orders_by_dependencies_then_list(void **state)
{
	zq_workflow wf;
	zq_wf_errors e;

	(void)state;
	/* listed: join, right, left, root; right and left need root, join needs both */
	assert_int_equal(check("{\"workflow_type\":\"parallel\",\"tasks\":["
			       "{\"task_id\":4,\"dependencies\":[2,3]},{\"task_id\":3,\"dependencies\":[1]},"
			       "{\"task_id\":2,\"dependencies\":[1]},{\"task_id\":1}]}", &wf, &e), 0);
	assert_int_equal(wf.nodes[wf.order[0]].task_id, 1);
	assert_int_equal(wf.nodes[wf.order[1]].task_id, 3);  /* listed before 2 */
	assert_int_equal(wf.nodes[wf.order[2]].task_id, 2);
	assert_int_equal(wf.nodes[wf.order[3]].task_id, 4);
	assert_int_equal(wf.nodes[0].dep_idx[0], 2);         /* resolved to node indexes */
	assert_int_equal(wf.nodes[0].dep_idx[1], 1);
	done(&wf, &e);
}

static void every_cycle_is_named_and_self_dependency_once(void **state)
{
	zq_workflow wf;
	zq_wf_errors e;

	(void)state;
	assert_int_equal(check("{\"workflow_type\":\"serial\",\"tasks\":["
			       "{\"task_id\":1,\"dependencies\":[2]},{\"task_id\":2,\"dependencies\":[1]},"
			       "{\"task_id\":5,\"dependencies\":[6]},{\"task_id\":6,\"dependencies\":[7]},"
			       "{\"task_id\":7,\"dependencies\":[5]},{\"task_id\":9}]}", &wf, &e), ZQ_EINVAL);
	assert_true(has_error(&e, "cycle: 1 \xE2\x86\x92 2 \xE2\x86\x92 1"));
	assert_true(has_error(&e, "cycle: 5 \xE2\x86\x92 6 \xE2\x86\x92 7 \xE2\x86\x92 5"));
	assert_int_equal(e.n, 2);
	assert_null(wf.order);
	done(&wf, &e);
	assert_int_equal(check("{\"workflow_type\":\"serial\",\"tasks\":["
			       "{\"task_id\":4,\"dependencies\":[4]}]}", &wf, &e), ZQ_EINVAL);
	assert_int_equal(e.n, 1);
	assert_true(has_error(&e, "config.tasks[0].dependencies: task 4 depends on itself"));
	done(&wf, &e);
}

static void the_stored_plan_parses_back_the_same(void **state)
{
	const char *cfg = "{\"workflow_type\":\"parallel\",\"on_failure\":\"continue\",\"tasks\":["
			  "{\"task_id\":30,\"name\":\"\xE6\x8A\xBD\xE5\x8F\x96\",\"dependencies\":[10]},"
			  "{\"task_id\":10,\"dependencies\":[]},{\"task_id\":20,\"dependencies\":null}]}";
	zq_workflow a, b;
	zq_wf_errors e;
	cJSON *j;
	char *plan;

	(void)state;
	assert_int_equal(check(cfg, &a, &e), 0);
	zq_wf_errors_release(&e);
	j = cJSON_Parse(cfg);
	plan = cJSON_PrintUnformatted(j);
	assert_int_equal(check(plan, &b, &e), 0);
	assert_int_equal(a.n, b.n);
	for (int i = 0; i < a.n; i++)
		assert_int_equal(a.nodes[a.order[i]].task_id, b.nodes[b.order[i]].task_id);
	assert_string_equal(b.nodes[0].name, "\xE6\x8A\xBD\xE5\x8F\x96");
	assert_int_equal(b.on_failure, ZQ_WF_CONTINUE);
	done(&b, &e);
	zq_workflow_release(&a);
	cJSON_Delete(j);
	free(plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids_must_be_positive_integers),
		cmocka_unit_test(member_types_are_checked),
		cmocka_unit_test(diamond_orders_by_dependencies_then_list),
		cmocka_unit_test(every_cycle_is_named_and_self_dependency_once),
		cmocka_unit_test(the_stored_plan_parses_back_the_same),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
