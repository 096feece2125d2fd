/* test_sched_metrics.c - the scheduler's Prometheus text (scheduler/sched_metrics.h):
 * every family has HELP and TYPE, histogram buckets are cumulative and end
 * with +Inf = _count, skip reasons are classified, labels stay bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sched_metrics.h"

static metrics m;

static char *render(void)
{
	zq_buf b = ZQ_BUF_INIT(1 << 20);

	assert_int_equal(metrics_render(&m, &b), 0);
	return zq_buf_detach(&b, NULL);
}

static void counters_and_labels(void **state)
{
	char *s;

	(void)state;
	metrics_init(&m);
	metrics_count(&m.fires, 3);
	metrics_count(&m.outcomes[ZQ_TASK_EXAMPLE][ZQ_EXEC_FAILED], 2);
	metrics_count(&m.skipped[METRICS_SKIP_MISFIRE], 1);
	s = render();
	assert_non_null(strstr(s, "# HELP zq_scheduler_fires_total "));
	assert_non_null(strstr(s, "# TYPE zq_scheduler_fires_total counter\nzq_scheduler_fires_total 3\n"));
	assert_non_null(strstr(s, "zq_scheduler_outcomes_total{type=\"example_task\",status=\"failed\"} 2\n"));
	assert_non_null(strstr(s, "zq_scheduler_outcomes_total{type=\"common_task\",status=\"success\"} 0\n"));
	assert_null(strstr(s, "status=\"pending\""));  /* final statuses only */
	assert_non_null(strstr(s, "zq_scheduler_skipped_total{reason=\"misfire\"} 1\n"));
	assert_non_null(strstr(s, "# TYPE zq_scheduler_workers_busy gauge\n"));
	free(s);
}

static void histograms_are_cumulative(void **state)
{
	char *s;

	(void)state;
	metrics_init(&m);
	metrics_hist_observe(&m.lateness, 0);      /* le 0.01 */
	metrics_hist_observe(&m.lateness, 10);     /* le 0.01: bounds are inclusive */
	metrics_hist_observe(&m.lateness, 700);    /* le 1 */
	metrics_hist_observe(&m.lateness, 9999999); /* +Inf only */
	metrics_hist_observe(&m.lateness, -5);     /* clock skew: counted as 0 */
	s = render();
	assert_non_null(strstr(s, "# TYPE zq_scheduler_fire_lateness_seconds histogram\n"));
	assert_non_null(strstr(s, "zq_scheduler_fire_lateness_seconds_bucket{le=\"0.01\"} 3\n"));
	assert_non_null(strstr(s, "zq_scheduler_fire_lateness_seconds_bucket{le=\"0.5\"} 3\n"));
	assert_non_null(strstr(s, "zq_scheduler_fire_lateness_seconds_bucket{le=\"1\"} 4\n"));
	assert_non_null(strstr(s, "zq_scheduler_fire_lateness_seconds_bucket{le=\"1800\"} 4\n"));
	assert_non_null(strstr(s, "zq_scheduler_fire_lateness_seconds_bucket{le=\"+Inf\"} 5\n"));
	assert_non_null(strstr(s, "zq_scheduler_fire_lateness_seconds_sum 10000.709\n"));
	assert_non_null(strstr(s, "zq_scheduler_fire_lateness_seconds_count 5\n"));
	assert_non_null(strstr(s, "zq_scheduler_tick_duration_seconds_count 0\n"));
	free(s);
}

static void skip_reasons(void **state)
{
	(void)state;
	assert_int_equal(metrics_skip_reason("misfire: the fire at ..."), METRICS_SKIP_MISFIRE);
	assert_int_equal(metrics_skip_reason("max_instances (1) reached: x"),
			 METRICS_SKIP_MAX_INSTANCES);
	assert_int_equal(metrics_skip_reason("clock jump: 3 fires"), METRICS_SKIP_CLOCK_JUMP);
	assert_int_equal(metrics_skip_reason("calendar: not a business day"), METRICS_SKIP_OTHER);
	assert_int_equal(metrics_skip_reason(NULL), METRICS_SKIP_OTHER);
}

static void task_labels_are_bounded_and_escaped(void **state)
{
	char *s;

	(void)state;
	metrics_init(&m);
	metrics_task_labels(&m, 2);
	metrics_outcome(&m, 1, "a\"b\\c\nd", ZQ_TASK_COMMON, ZQ_EXEC_SUCCESS);
	metrics_outcome(&m, 1, "a\"b\\c\nd", ZQ_TASK_COMMON, ZQ_EXEC_SUCCESS);
	metrics_outcome(&m, 2, "two", ZQ_TASK_COMMON, ZQ_EXEC_FAILED);
	metrics_outcome(&m, 3, "three", ZQ_TASK_COMMON, ZQ_EXEC_FAILED);  /* past the bound */
	metrics_outcome(&m, 4, "four", ZQ_TASK_EXAMPLE, ZQ_EXEC_SUCCESS);
	s = render();
	assert_non_null(strstr(s, "zq_scheduler_outcomes_total{task=\"a\\\"b\\\\c\\nd\","
				  "type=\"common_task\",status=\"success\"} 2\n"));
	assert_non_null(strstr(s, "zq_scheduler_outcomes_total{task=\"two\",type=\"common_task\","
				  "status=\"failed\"} 1\n"));
	assert_null(strstr(s, "three"));
	assert_non_null(strstr(s, "zq_scheduler_outcomes_total{task=\"other\",type=\"common_task\","
				  "status=\"failed\"} 1\n"));
	assert_non_null(strstr(s, "zq_scheduler_outcomes_total{task=\"other\",type=\"example_task\","
				  "status=\"success\"} 1\n"));
	assert_null(strstr(s, "zq_scheduler_outcomes_total{type="));  /* every series has the label */
	free(s);
	metrics_task_labels(&m, 0);
	s = render();
	assert_non_null(strstr(s, "zq_scheduler_outcomes_total{type=\"common_task\",status=\"failed\"} 2\n"));
	assert_null(strstr(s, "task=\""));
	free(s);
}

static void a_small_cap_is_an_error(void **state)
{
	zq_buf b = ZQ_BUF_INIT(100);

	(void)state;
	metrics_init(&m);
	assert_int_equal(metrics_render(&m, &b), ZQ_ETOOBIG);
	zq_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counters_and_labels),
		cmocka_unit_test(histograms_are_cumulative),
		cmocka_unit_test(skip_reasons),
		cmocka_unit_test(task_labels_are_bounded_and_escaped),
		cmocka_unit_test(a_small_cap_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
