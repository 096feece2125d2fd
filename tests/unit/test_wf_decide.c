/* test_wf_decide.c - the workflow engine's decision: serial one at a time
 * in topological order, parallel starts every ready node, joins wait for
 * every dependency, stop / continue with skipped dependants named by their
 * failed dependency, cancel and timeout, how runs end and what the parent's
 * progress message says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "task.h"
#include "wf_decide.h"
#include "wf_graph.h"

#define MAXN 16

struct fx {
	zq_workflow wf;
	wf_node_run nodes[MAXN];
	wf_decision d;
	int decided;
};

static void load(struct fx *f, const char *json)
{
	zq_wf_errors e;

	memset(f, 0, sizeof(*f));
	zq_workflow_init(&f->wf);
	zq_wf_errors_init(&e);
	assert_int_equal(zq_workflow_parse(&f->wf, json, "config", &e), 0);
	zq_wf_errors_release(&e);
	assert_true(f->wf.n <= MAXN);
	for (int i = 0; i < f->wf.n; i++)
		f->nodes[i].name = f->wf.nodes[i].name;
}

static void decide(struct fx *f, int halt)
{
	if (f->decided)
		wf_decision_release(&f->d);
	wf_decide(&f->wf, f->nodes, halt, 30, &f->d);
	f->decided = 1;
}

static void done(struct fx *f)
{
	if (f->decided)
		wf_decision_release(&f->d);
	zq_workflow_release(&f->wf);
}

/* Node index of task id. */
static int at(const struct fx *f, int64_t id)
{
	int i = zq_workflow_find(&f->wf, id);

	assert_true(i >= 0);
	return i;
}

static void set(struct fx *f, int64_t id, int state, const char *error)
{
	f->nodes[at(f, id)].state = state;
	f->nodes[at(f, id)].error = error;
}

/* The task ids the decision starts, as "1,2,3". */
static const char *started(const struct fx *f)
{
	static char buf[256];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < f->d.nstart; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%lld", i ? "," : "",
				      (long long)f->wf.nodes[f->d.start[i]].task_id);
	return buf;
}

static const char *CHAIN = "{\"workflow_type\":\"serial\",\"tasks\":["
			   "{\"task_id\":3,\"name\":\"load\",\"dependencies\":[2]},"
			   "{\"task_id\":1,\"name\":\"extract\"},"
			   "{\"task_id\":2,\"name\":\"transform\",\"dependencies\":[1]}]}";

static void serial_runs_one_node_at_a_time_in_order(void **state)
{
	struct fx f;

	(void)state;
	load(&f, CHAIN);
	decide(&f, WF_GO);
	assert_string_equal(started(&f), "1");
	assert_int_equal(f.d.final_status, -1);
	assert_string_equal(f.d.message, "running extract; 0/3 nodes finished");
	assert_int_equal(f.nodes[at(&f, 1)].state, WF_NODE_ACTIVE);  /* updated in place */
	decide(&f, WF_GO);                                          /* still running: nothing */
	assert_int_equal(f.d.nstart, 0);
	assert_int_equal(f.d.cancel, WF_CANCEL_NONE);
	set(&f, 1, WF_NODE_OK, NULL);
	decide(&f, WF_GO);
	assert_string_equal(started(&f), "2");
	set(&f, 2, WF_NODE_OK, NULL);
	decide(&f, WF_GO);
	assert_string_equal(started(&f), "3");
	set(&f, 3, WF_NODE_OK, NULL);
	decide(&f, WF_GO);
	assert_int_equal(f.d.nstart, 0);
	assert_int_equal(f.d.final_status, ZQ_EXEC_SUCCESS);
	assert_null(f.d.error);
	assert_string_equal(f.d.message, "succeeded; 3/3 nodes finished");
	assert_int_equal(f.d.finished, 3);
	done(&f);
}

static void serial_ties_follow_list_order(void **state)
{
	struct fx f;
	const char *want[] = {"20", "30", "10", "40"};

	(void)state;
	/* free at the start: 20, 30 (listed in that order); 10 needs 30; 40 needs 10 */
	load(&f, "{\"workflow_type\":\"serial\",\"tasks\":[{\"task_id\":10,\"dependencies\":[30]},"
		 "{\"task_id\":20},{\"task_id\":30},{\"task_id\":40,\"dependencies\":[10]}]}");
	for (int k = 0; k < 4; k++) {
		decide(&f, WF_GO);
		assert_string_equal(started(&f), want[k]);
		f.nodes[f.d.start[0]].state = WF_NODE_OK;
	}
	decide(&f, WF_GO);
	assert_int_equal(f.d.final_status, ZQ_EXEC_SUCCESS);
	done(&f);
}

static const char *DIAMOND = "{\"workflow_type\":\"parallel\",\"tasks\":["
			     "{\"task_id\":1,\"name\":\"a\"},{\"task_id\":2,\"name\":\"b\"},"
			     "{\"task_id\":3,\"name\":\"join\",\"dependencies\":[1,2]},"
			     "{\"task_id\":4,\"dependencies\":[3]},{\"task_id\":5}]}";

static void parallel_starts_every_ready_node_and_joins_wait_for_all(void **state)
{
	struct fx f;

	(void)state;
	load(&f, DIAMOND);
	decide(&f, WF_GO);
	assert_string_equal(started(&f), "1,2,5");
	assert_string_equal(f.d.message, "running a, b, task 5; 0/5 nodes finished");
	set(&f, 1, WF_NODE_OK, NULL);
	decide(&f, WF_GO);
	assert_int_equal(f.d.nstart, 0);        /* the join still waits for b */
	set(&f, 2, WF_NODE_OK, NULL);
	decide(&f, WF_GO);
	assert_string_equal(started(&f), "3");
	set(&f, 3, WF_NODE_OK, NULL);
	set(&f, 5, WF_NODE_OK, NULL);
	decide(&f, WF_GO);
	assert_string_equal(started(&f), "4");
	assert_int_equal(f.d.finished, 4);
	assert_int_equal(f.d.active, 1);
	done(&f);
}

static const char *MIXED_STOP = "{\"workflow_type\":\"parallel\",\"on_failure\":\"stop\","
				"\"tasks\":[{\"task_id\":1,\"name\":\"bad\"},{\"task_id\":2,\"name\":\"slow\"},"
				"{\"task_id\":3,\"dependencies\":[2]}]}";

static void stop_lets_running_nodes_finish_then_fails(void **state)
{
	struct fx f;

	(void)state;
	load(&f, MIXED_STOP);
	set(&f, 1, WF_NODE_FAILED, "exit code 3");
	set(&f, 2, WF_NODE_ACTIVE, NULL);
	decide(&f, WF_GO);
	assert_int_equal(f.d.nstart, 0);
	assert_int_equal(f.d.cancel, WF_CANCEL_PENDING);  /* pending ones never start */
	assert_int_equal(f.d.final_status, -1);
	assert_string_equal(f.d.message,
			    "stopping after a failure, waiting for slow; 1/3 nodes finished");
	set(&f, 2, WF_NODE_OK, NULL);                      /* 3 could start now: it must not */
	decide(&f, WF_GO);
	assert_int_equal(f.d.nstart, 0);
	assert_int_equal(f.d.final_status, ZQ_EXEC_FAILED);
	assert_string_equal(f.d.error, "task 1 (bad) failed: exit code 3");
	assert_string_equal(f.d.message, "failed; 2/3 nodes finished");
	done(&f);
}

static void stop_names_the_root_failure_not_a_cancelled_node(void **state)
{
	struct fx f;

	(void)state;
	load(&f, "{\"workflow_type\":\"parallel\",\"tasks\":[{\"task_id\":7},{\"task_id\":8},"
		 "{\"task_id\":9}]}");
	set(&f, 7, WF_NODE_FAILED, "cancelled before it started");
	f.nodes[at(&f, 7)].cancelled = 1;
	set(&f, 8, WF_NODE_FAILED, "killed by signal 9");
	set(&f, 9, WF_NODE_OK, NULL);
	decide(&f, WF_GO);
	assert_int_equal(f.d.final_status, ZQ_EXEC_FAILED);
	assert_string_equal(f.d.error, "task 8 failed: killed by signal 9 (and 1 more failed)");
	done(&f);
}

static void continue_skips_dependants_and_runs_the_rest(void **state)
{
	struct fx f;

	(void)state;
	load(&f, "{\"workflow_type\":\"parallel\",\"on_failure\":\"continue\",\"tasks\":["
		 "{\"task_id\":1,\"name\":\"bad\"},{\"task_id\":2},"
		 "{\"task_id\":3,\"dependencies\":[1]},{\"task_id\":4,\"dependencies\":[3]},"
		 "{\"task_id\":5,\"dependencies\":[2]},{\"task_id\":6,\"dependencies\":[4,5]}]}");
	set(&f, 1, WF_NODE_FAILED, "exit code 2");
	set(&f, 2, WF_NODE_OK, NULL);
	decide(&f, WF_GO);
	assert_string_equal(started(&f), "5");
	assert_int_equal(f.d.nskip, 3);                    /* 3, then 4 and 6 in the same pass */
	assert_int_equal(f.wf.nodes[f.d.skip[0]].task_id, 3);
	assert_string_equal(f.d.skip_reason[0], "dependency 1 failed");
	assert_int_equal(f.wf.nodes[f.d.skip[1]].task_id, 4);
	assert_string_equal(f.d.skip_reason[1], "dependency 3 was skipped");
	assert_int_equal(f.wf.nodes[f.d.skip[2]].task_id, 6);
	assert_string_equal(f.d.skip_reason[2], "dependency 4 was skipped");
	assert_int_equal(f.nodes[at(&f, 4)].state, WF_NODE_SKIPPED);
	assert_int_equal(f.d.final_status, -1);
	set(&f, 5, WF_NODE_OK, NULL);
	decide(&f, WF_GO);
	assert_int_equal(f.d.nskip, 0);
	assert_int_equal(f.d.final_status, ZQ_EXEC_COMPLETED);
	assert_string_equal(f.d.error,
			    "1 of 6 nodes failed, 3 skipped; first: task 1 (bad) failed: exit code 2");
	assert_string_equal(f.d.message, "completed with failures; 6/6 nodes finished");
	done(&f);
}

static void serial_continue_goes_on_with_independent_nodes(void **state)
{
	struct fx f;

	(void)state;
	load(&f, "{\"workflow_type\":\"serial\",\"on_failure\":\"continue\",\"tasks\":["
		 "{\"task_id\":1},{\"task_id\":2,\"dependencies\":[1]},{\"task_id\":3}]}");
	decide(&f, WF_GO);
	assert_string_equal(started(&f), "1");
	set(&f, 1, WF_NODE_FAILED, NULL);
	decide(&f, WF_GO);
	assert_int_equal(f.d.nskip, 1);
	assert_string_equal(started(&f), "3");
	set(&f, 3, WF_NODE_OK, NULL);
	decide(&f, WF_GO);
	assert_int_equal(f.d.final_status, ZQ_EXEC_COMPLETED);
	assert_string_equal(f.d.error, "1 of 3 nodes failed, 1 skipped; first: task 1 failed");
	done(&f);
}

static void cancel_and_timeout_stop_children_then_end(void **state)
{
	struct fx f;

	(void)state;
	load(&f, DIAMOND);
	set(&f, 1, WF_NODE_ACTIVE, NULL);
	set(&f, 2, WF_NODE_OK, NULL);
	decide(&f, WF_HALT_CANCEL);
	assert_int_equal(f.d.nstart, 0);                   /* 5 is ready: it does not start */
	assert_int_equal(f.d.cancel, WF_CANCEL_ALL);
	assert_int_equal(f.d.final_status, -1);
	assert_string_equal(f.d.message, "cancelling, waiting for a; 1/5 nodes finished");
	set(&f, 1, WF_NODE_FAILED, "cancelled");
	decide(&f, WF_HALT_CANCEL);
	assert_int_equal(f.d.final_status, ZQ_EXEC_TERMINATED);
	assert_string_equal(f.d.error, "cancelled");
	assert_string_equal(f.d.message, "cancelled; 2/5 nodes finished");
	decide(&f, WF_HALT_TIMEOUT);
	assert_int_equal(f.d.final_status, ZQ_EXEC_FAILED);
	assert_string_equal(f.d.error, "timed out after 30 s");
	done(&f);
}

static void child_status_maps_to_node_state(void **state)
{
	(void)state;
	assert_int_equal(wf_node_state_of(ZQ_EXEC_PENDING), WF_NODE_ACTIVE);  /* a retry waiting */
	assert_int_equal(wf_node_state_of(ZQ_EXEC_RUNNING), WF_NODE_ACTIVE);
	assert_int_equal(wf_node_state_of(ZQ_EXEC_SUCCESS), WF_NODE_OK);
	assert_int_equal(wf_node_state_of(ZQ_EXEC_FAILED), WF_NODE_FAILED);
	assert_int_equal(wf_node_state_of(ZQ_EXEC_TERMINATED), WF_NODE_FAILED);
	assert_int_equal(wf_node_state_of(ZQ_EXEC_COMPLETED), WF_NODE_FAILED);  /* nested, partial */
	assert_int_equal(wf_node_state_of(ZQ_EXEC_SKIPPED), WF_NODE_SKIPPED);
}

static void long_messages_stay_within_the_column(void **state)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	char name[200];
	struct fx f;
	int chars = 0;

	(void)state;
	/* 16 parallel nodes with 120-character names (3 bytes each) */
	memset(name, 0, sizeof(name));
	for (int i = 0; i < 40; i++)
		strcat(name, "\xE5\x90\x8D");  /* U+540D */
	zq_buf_puts(&b, "{\"workflow_type\":\"parallel\",\"tasks\":[");
	for (int i = 1; i <= MAXN; i++)
		zq_buf_printf(&b, "%s{\"task_id\":%d,\"name\":\"%s%s%s\"}", i > 1 ? "," : "", i, name,
			      name, name);
	zq_buf_puts(&b, "]}");
	load(&f, b.data);
	decide(&f, WF_GO);
	assert_int_equal(f.d.nstart, MAXN);
	for (const char *p = f.d.message; *p; p++)
		chars += ((unsigned char)*p & 0xC0) != 0x80;
	assert_true(chars <= 1000);
	assert_non_null(strstr(f.d.message, " more; 0/16 nodes finished"));
	done(&f);
	zq_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(serial_runs_one_node_at_a_time_in_order),
		cmocka_unit_test(serial_ties_follow_list_order),
		cmocka_unit_test(parallel_starts_every_ready_node_and_joins_wait_for_all),
		cmocka_unit_test(stop_lets_running_nodes_finish_then_fails),
		cmocka_unit_test(stop_names_the_root_failure_not_a_cancelled_node),
		cmocka_unit_test(continue_skips_dependants_and_runs_the_rest),
		cmocka_unit_test(serial_continue_goes_on_with_independent_nodes),
		cmocka_unit_test(cancel_and_timeout_stop_children_then_end),
		cmocka_unit_test(child_status_maps_to_node_state),
		cmocka_unit_test(long_messages_stay_within_the_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
