/* test_workflow.c - workflow config rules: fields, duplicates, self and
 * unknown dependencies, cycles named by DFS, the 500-node cap, and the
 * topological order with ties broken by list order; and the cases the
 * engine cares about (see the section before main). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "wf_graph.h"

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

static void seed_example_is_valid_and_ordered(void **state)
{
	zq_workflow wf;
	zq_wf_errors e;

	(void)state;
	assert_int_equal(check("{\"workflow_type\":\"parallel\",\"tasks\":["
			       "{\"task_id\":1,\"name\":\"t1\",\"dependencies\":[]},"
			       "{\"task_id\":2,\"name\":\"t2\",\"dependencies\":[]},"
			       "{\"task_id\":3,\"name\":\"t3\",\"dependencies\":[1,2]},"
			       "{\"task_id\":4,\"name\":\"t4\",\"dependencies\":[3]}],"
			       "\"on_failure\":\"stop\"}", &wf, &e), 0);
	assert_int_equal(e.n, 0);
	assert_int_equal(wf.type, ZQ_WF_PARALLEL);
	assert_int_equal(wf.on_failure, ZQ_WF_STOP);
	assert_int_equal(wf.n, 4);
	assert_string_equal(wf.nodes[2].name, "t3");
	assert_int_equal(wf.nodes[2].ndeps, 2);
	for (int i = 0; i < 4; i++)
		assert_int_equal(wf.order[i], i);
	done(&wf, &e);
}

static void ties_follow_list_order(void **state)
{
	zq_workflow wf;
	zq_wf_errors e;

	(void)state;
	/* 10 depends on 30 (listed later); 20 and 40 free; 40 after 20 by list */
	assert_int_equal(check("{\"workflow_type\":\"serial\",\"tasks\":["
			       "{\"task_id\":10,\"dependencies\":[30]},{\"task_id\":20},"
			       "{\"task_id\":30},{\"task_id\":40,\"dependencies\":[10]}]}", &wf, &e), 0);
	/* ready at start: 20 and 30; 20 is listed first */
	assert_int_equal(wf.nodes[wf.order[0]].task_id, 20);
	assert_int_equal(wf.nodes[wf.order[1]].task_id, 30);
	assert_int_equal(wf.nodes[wf.order[2]].task_id, 10);
	assert_int_equal(wf.nodes[wf.order[3]].task_id, 40);
	assert_int_equal(wf.on_failure, ZQ_WF_STOP); /* default */
	done(&wf, &e);
}

static void cycle_is_named(void **state)
{
	zq_workflow wf;
	zq_wf_errors e;

	(void)state;
	assert_int_equal(check("{\"workflow_type\":\"serial\",\"tasks\":["
			       "{\"task_id\":3,\"dependencies\":[5]},{\"task_id\":5,\"dependencies\":[3]}]}",
			       &wf, &e), ZQ_EINVAL);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0], "cycle: 3 \xE2\x86\x92 5 \xE2\x86\x92 3");
	assert_null(wf.order);
	done(&wf, &e);
	assert_int_equal(check("{\"workflow_type\":\"serial\",\"tasks\":["
			       "{\"task_id\":1},{\"task_id\":2,\"dependencies\":[4]},"
			       "{\"task_id\":3,\"dependencies\":[2]},{\"task_id\":4,\"dependencies\":[3,1]}]}",
			       &wf, &e), ZQ_EINVAL);
	assert_true(has_error(&e, "cycle: 2 \xE2\x86\x92 4 \xE2\x86\x92 3 \xE2\x86\x92 2"));
	done(&wf, &e);
}

static void structural_errors_are_all_reported(void **state)
{
	zq_workflow wf;
	zq_wf_errors e;

	(void)state;
	assert_int_equal(check("{\"workflow_type\":\"zigzag\",\"on_failure\":\"panic\",\"extra\":1,"
			       "\"tasks\":[{\"task_id\":1,\"dependencies\":[1]},"
			       "{\"task_id\":2,\"dependencies\":[9,9]},{\"task_id\":1},"
			       "{\"task_id\":\"x\",\"nam\":\"typo\"},{\"task_id\":4,\"dependencies\":7},"
			       "{\"task_id\":5,\"name\":\"\"},7]}", &wf, &e), ZQ_EINVAL);
	assert_true(has_error(&e, "config.workflow_type: must be serial or parallel"));
	assert_true(has_error(&e, "config.on_failure: must be stop or continue"));
	assert_true(has_error(&e, "config.extra: unknown field"));
	assert_true(has_error(&e, "config.tasks[0].dependencies: task 1 depends on itself"));
	assert_true(has_error(&e, "config.tasks[1].dependencies[1]: task 9 is listed twice"));
	assert_true(has_error(&e, "config.tasks[1].dependencies: task 9 is not in this workflow"));
	assert_true(has_error(&e, "config.tasks[2].task_id: task 1 is listed twice (also tasks[0])"));
	assert_true(has_error(&e, "config.tasks[3].task_id: must be a positive integer"));
	assert_true(has_error(&e, "config.tasks[3].nam: unknown field"));
	assert_true(has_error(&e, "config.tasks[4].dependencies: must be a list of task ids"));
	assert_true(has_error(&e, "config.tasks[5].name: must be a string of 1-128 characters"));
	assert_true(has_error(&e, "config.tasks[6]: must be an object"));
	done(&wf, &e);
}

static void required_members(void **state)
{
	zq_workflow wf;
	zq_wf_errors e;

	(void)state;
	assert_int_equal(check("{}", &wf, &e), ZQ_EINVAL);
	assert_true(has_error(&e, "config.workflow_type: required"));
	assert_true(has_error(&e, "config.tasks: required"));
	done(&wf, &e);
	assert_int_equal(check("{\"workflow_type\":\"serial\",\"tasks\":[]}", &wf, &e), ZQ_EINVAL);
	assert_true(has_error(&e, "config.tasks: required, a non-empty list"));
	done(&wf, &e);
	assert_int_equal(check("[1]", &wf, &e), ZQ_EINVAL);
	assert_true(has_error(&e, "config: must be an object"));
	done(&wf, &e);
	assert_int_equal(check("{nope", &wf, &e), ZQ_EINVAL);
	assert_true(has_error(&e, "config: not valid JSON"));
	done(&wf, &e);
	assert_int_equal(check("{\"workflow_type\":\"serial\",\"tasks\":[{\"name\":\"x\"}]}", &wf, &e),
			 ZQ_EINVAL);
	assert_true(has_error(&e, "config.tasks[0].task_id: required"));
	done(&wf, &e);
}

static char *chain(int n)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);

	zq_buf_puts(&b, "{\"workflow_type\":\"serial\",\"tasks\":[");
	for (int i = 1; i <= n; i++) {
		zq_buf_printf(&b, "%s{\"task_id\":%d,\"dependencies\":[", i > 1 ? "," : "", i);
		if (i < n)
			zq_buf_printf(&b, "%d", i + 1); /* reverse chain: deepest DFS */
		zq_buf_puts(&b, "]}");
	}
	zq_buf_puts(&b, "]}");
	return zq_buf_detach(&b, NULL);
}

static void node_cap_and_long_chain(void **state)
{
	zq_workflow wf;
	zq_wf_errors e;
	char *json = chain(ZQ_WF_MAX_NODES);

	(void)state;
	assert_int_equal(check(json, &wf, &e), 0);
	assert_int_equal(wf.nodes[wf.order[0]].task_id, ZQ_WF_MAX_NODES);
	assert_int_equal(wf.nodes[wf.order[ZQ_WF_MAX_NODES - 1]].task_id, 1);
	done(&wf, &e);
	free(json);
	json = chain(ZQ_WF_MAX_NODES + 1);
	assert_int_equal(check(json, &wf, &e), ZQ_EINVAL);
	assert_true(has_error(&e, "config.tasks: at most 500 tasks, got 501"));
	done(&wf, &e);
	free(json);
}

static void errors_join_into_one_detail(void **state)
{
	zq_workflow wf;
	zq_wf_errors e;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	check("{\"workflow_type\":\"x\",\"tasks\":[{\"task_id\":1,\"dependencies\":[2]}]}", &wf, &e);
	assert_int_equal(zq_wf_errors_to_err(&e, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "config.workflow_type: must be serial or parallel; "
				     "config.tasks[0].dependencies: task 2 is not in this workflow");
	done(&wf, &e);
	/* many errors are capped, not unbounded */
	zq_wf_errors_init(&e);
	for (int i = 0; i < 200; i++)
		zq_wf_errors_add(&e, "error %d", i);
	assert_int_equal(e.n, ZQ_WF_MAX_ERRORS);
	assert_true(e.more);
	zq_wf_errors_release(&e);
}

static void find_and_names(void **state)
{
	zq_workflow wf;
	zq_wf_errors e;

	(void)state;
	check("{\"workflow_type\":\"parallel\",\"on_failure\":\"continue\",\"tasks\":[{\"task_id\":8},"
	      "{\"task_id\":9}]}", &wf, &e);
	assert_int_equal(zq_workflow_find(&wf, 9), 1);
	assert_int_equal(zq_workflow_find(&wf, 7), -1);
	assert_string_equal(zq_wf_type_name(wf.type), "parallel");
	assert_string_equal(zq_wf_on_failure_name(wf.on_failure), "continue");
	done(&wf, &e);
}

/* ---- from the engine's side: ids that are not integers, bad member types, a
 * diamond's order, several cycles at once, a self-dependency reported once,
 * and the plan the engine stores parsing back to the same order ---- */

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
		cmocka_unit_test(seed_example_is_valid_and_ordered),
		cmocka_unit_test(ties_follow_list_order),
		cmocka_unit_test(cycle_is_named),
		cmocka_unit_test(structural_errors_are_all_reported),
		cmocka_unit_test(required_members),
		cmocka_unit_test(node_cap_and_long_chain),
		cmocka_unit_test(errors_join_into_one_detail),
		cmocka_unit_test(find_and_names),
		cmocka_unit_test(ids_must_be_positive_integers),
		cmocka_unit_test(member_types_are_checked),
		cmocka_unit_test(diamond_orders_by_dependencies_then_list),
		cmocka_unit_test(every_cycle_is_named_and_self_dependency_once),
		cmocka_unit_test(the_stored_plan_parses_back_the_same),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
