/* test_fire_decide.c - what a due task's fires become: runs for fires within the
 * grace, a coalesced run or one skipped row for fires late beyond it,
 * skipped rows for max_instances, at most one run after a
 * clock jump; bounded work after a long outage; next_run_at on the grid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fire_decide.h"
#include "schedule.h"
#include "timeutil.h"

#define NOW INT64_C(1800000000000) /* 2027-01-15T08:00:00Z, a multiple of 10 s */

static zq_schedule interval(int64_t seconds)
{
	zq_schedule s;
	zq_err err = ZQ_ERR_INIT;

	assert_int_equal(zq_schedule_init(&s, NULL, seconds, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", &err), 0);
	return s;
}

static fire_plan plan(const zq_schedule *s, int64_t next, int grace_s, int coalesce, int free_slots,
		      int64_t jump)
{
	fire_input in = {s, next, NOW, (int64_t)grace_s * 1000, coalesce, free_slots, jump};
	fire_plan p;

	fire_plan_make(&in, &p);
	return p;
}

static void an_on_time_fire_runs_once_and_advances(void **state)
{
	zq_schedule s = interval(10);
	fire_plan p = plan(&s, NOW - 100, 60, 1, 1, ZQ_TIME_NONE);

	(void)state;
	assert_int_equal(p.nrun, 1);
	assert_true(p.run_ms[0] == NOW - 100);
	assert_true(p.last_fire_ms == NOW - 100);
	assert_true(p.next_ms == NOW - 100 + 10000);
	assert_int_equal(p.missed.count, 0);
	assert_int_equal(p.over.count, 0);
	assert_int_equal(p.coalesced, 0);
}

/* The misfire rule, coalesce on/off x within/beyond the grace: fires within
 * the grace each run whatever coalesce says; fires late beyond it are merged
 * into one run (coalesce on) or one skipped row (off). */
static void within_the_grace_every_fire_runs_with_or_without_coalesce(void **state)
{
	zq_schedule s = interval(10);

	(void)state;
	for (int coalesce = 0; coalesce <= 1; coalesce++) {
		/* -45 -35 -25 -15 -5, all within 60 s */
		fire_plan p = plan(&s, NOW - 45000, 60, coalesce, 5, ZQ_TIME_NONE);

		assert_int_equal(p.nrun, 5);
		for (int i = 0; i < 5; i++)
			assert_true(p.run_ms[i] == NOW - 45000 + i * 10000);
		assert_int_equal(p.coalesced, 0);
		assert_int_equal(p.missed.count, 0);
		assert_int_equal(p.over.count, 0);
		assert_true(p.last_fire_ms == NOW - 5000 && p.next_ms == NOW + 5000);
	}
}

static void beyond_the_grace_coalesce_makes_one_run_at_the_latest(void **state)
{
	zq_schedule s = interval(10);
	fire_plan p = plan(&s, NOW - 45000, 2, 1, 5, ZQ_TIME_NONE);

	(void)state;
	/* all five more than 2 s late */
	assert_int_equal(p.nrun, 1);
	assert_true(p.run_ms[0] == NOW - 5000);
	assert_int_equal(p.coalesced, 4);
	assert_int_equal(p.missed.count, 0);
	assert_int_equal(p.over.count, 0);
	assert_true(p.next_ms == NOW + 5000);
}

static void beyond_the_grace_without_coalesce_is_one_skipped_row(void **state)
{
	zq_schedule s = interval(10);
	fire_plan p = plan(&s, NOW - 45000, 2, 0, 5, ZQ_TIME_NONE);

	(void)state;
	assert_int_equal(p.nrun, 0);
	assert_int_equal(p.missed.count, 5);
	assert_true(p.missed.first_ms == NOW - 45000 && p.missed.last_ms == NOW - 5000);
	assert_int_equal(p.missed_reason, FIRE_SKIP_MISFIRE);
	assert_int_equal(p.coalesced, 0);
	assert_int_equal(p.over.count, 0);
	assert_true(p.next_ms == NOW + 5000);
}

static void a_mixed_outage_merges_the_late_fires_into_the_first_on_time_run(void **state)
{
	zq_schedule s = interval(10);
	fire_plan p = plan(&s, NOW - 45000, 20, 1, 5, ZQ_TIME_NONE);

	(void)state;
	/* -45 -35 -25 are beyond 20 s: merged into the run of -15; -5 runs too */
	assert_int_equal(p.nrun, 2);
	assert_true(p.run_ms[0] == NOW - 15000 && p.run_ms[1] == NOW - 5000);
	assert_int_equal(p.coalesced, 3);
	assert_int_equal(p.missed.count, 0);
	assert_int_equal(p.over.count, 0);
	assert_true(p.next_ms == NOW + 5000);
}

static void a_mixed_outage_with_one_instance_skips_the_newer_on_time_fires(void **state)
{
	zq_schedule s = interval(10);
	fire_plan p = plan(&s, NOW - 45000, 20, 1, 1, ZQ_TIME_NONE);

	(void)state;
	assert_int_equal(p.nrun, 1);
	assert_true(p.run_ms[0] == NOW - 15000);
	assert_int_equal(p.coalesced, 3);
	assert_int_equal(p.over.count, 1);
	assert_true(p.over.first_ms == NOW - 5000);
	assert_int_equal(p.missed.count, 0);
}

static void no_free_instance_skips_late_and_on_time_fires_alike(void **state)
{
	zq_schedule s = interval(10);
	fire_plan p = plan(&s, NOW - 45000, 20, 1, 0, ZQ_TIME_NONE);

	(void)state;
	assert_int_equal(p.nrun, 0);
	assert_int_equal(p.coalesced, 0);
	assert_int_equal(p.missed.count, 0);
	assert_int_equal(p.over.count, 5);
	assert_true(p.over.first_ms == NOW - 45000 && p.over.last_ms == NOW - 5000);
	p = plan(&s, NOW - 45000, 2, 1, 0, ZQ_TIME_NONE);  /* all late */
	assert_int_equal(p.nrun, 0);
	assert_int_equal(p.over.count, 5);
}

static void a_long_outage_coalesced_runs_the_grace_window(void **state)
{
	zq_schedule s = interval(1);
	int64_t start = NOW - 10LL * 86400 * 1000 - 500;
	fire_plan p = plan(&s, start, 60, 1, 100, ZQ_TIME_NONE);

	(void)state;
	/* the late days are merged into the first fire of the last minute */
	assert_true(p.coalesced >= FIRE_ENUM_MAX);
	assert_int_equal(p.missed.count, 0);
	assert_int_equal(p.nrun, FIRE_RUNS_MAX);
	assert_true(p.run_ms[0] >= NOW - 60000 && p.run_ms[0] < NOW - 59000);
	assert_true(p.over.count >= 60 - FIRE_RUNS_MAX - 1);  /* the per-tick run cap */
	assert_true(p.next_ms > NOW && p.next_ms <= NOW + 1000);
	/* no fire within the grace: one run at the latest late fire */
	p = plan(&s, start, 0, 1, 100, ZQ_TIME_NONE);
	assert_int_equal(p.nrun, 1);
	assert_true(p.run_ms[0] == NOW - 500);
	assert_true(p.last_fire_ms == NOW - 500);
	assert_true(p.coalesced >= FIRE_ENUM_MAX);
	assert_true(p.next_ms == NOW + 500);
}

static void without_coalesce_late_fires_are_one_skipped_row(void **state)
{
	zq_schedule s = interval(10);
	fire_plan p = plan(&s, NOW - 45000, 20, 0, 5, ZQ_TIME_NONE);

	(void)state;
	/* -45, -35, -25 are more than 20 s late; -15 and -5 run */
	assert_int_equal(p.missed.count, 3);
	assert_true(p.missed.first_ms == NOW - 45000 && p.missed.last_ms == NOW - 25000);
	assert_int_equal(p.missed_reason, FIRE_SKIP_MISFIRE);
	assert_int_equal(p.nrun, 2);
	assert_true(p.run_ms[0] == NOW - 15000 && p.run_ms[1] == NOW - 5000);
	assert_int_equal(p.over.count, 0);
}

static void fires_beyond_max_instances_are_one_skipped_row(void **state)
{
	zq_schedule s = interval(10);
	fire_plan p = plan(&s, NOW - 45000, 60, 0, 2, ZQ_TIME_NONE);

	(void)state;
	assert_int_equal(p.nrun, 2);
	assert_int_equal(p.over.count, 3);
	assert_true(p.over.first_ms == NOW - 25000 && p.over.last_ms == NOW - 5000);
	/* distinct fire keys: no skipped row shares a slot with a run */
	assert_true(p.over.first_ms != p.run_ms[0] && p.over.first_ms != p.run_ms[1]);
}

static void no_free_instance_skips_even_a_coalesced_run(void **state)
{
	zq_schedule s = interval(10);
	fire_plan p = plan(&s, NOW - 15000, 10, 1, 0, ZQ_TIME_NONE);

	(void)state;
	assert_int_equal(p.nrun, 0);
	assert_int_equal(p.over.count, 2);
	assert_true(p.next_ms == NOW + 5000);
}

static void a_one_off_fires_once_then_never(void **state)
{
	zq_schedule s;
	zq_err err = ZQ_ERR_INIT;
	fire_plan p;

	(void)state;
	assert_int_equal(zq_schedule_init(&s, NULL, 0, ZQ_TIME_NONE, NOW - 3600000, "UTC", &err), 0);
	p = plan(&s, NOW - 3600000, 60, 1, 1, ZQ_TIME_NONE);
	assert_int_equal(p.nrun, 1);
	assert_true(p.next_ms == ZQ_TIME_NONE);
	p = plan(&s, NOW - 3600000, 60, 0, 1, ZQ_TIME_NONE);
	assert_int_equal(p.nrun, 0);
	assert_int_equal(p.missed.count, 1);
	assert_true(p.next_ms == ZQ_TIME_NONE);
}

static void a_long_outage_costs_bounded_work_and_keeps_the_grid(void **state)
{
	zq_schedule s = interval(1);
	int64_t start = NOW - 10LL * 86400 * 1000 - 500;
	fire_plan p = plan(&s, start, 60, 0, 1, ZQ_TIME_NONE);

	(void)state;
	assert_true(p.missed.more);
	assert_true(p.missed.count >= FIRE_ENUM_MAX);
	assert_true(p.missed.first_ms == start);
	assert_int_equal(p.nrun, 1);
	assert_true(p.run_ms[0] >= NOW - 60000);
	assert_true(p.over.count >= 58 && p.over.count <= 61);
	assert_true(p.next_ms > NOW && p.next_ms <= NOW + 1000);
	assert_int_equal((p.next_ms - start) % 1000, 0);
}

static void a_clock_jump_fires_at_most_once(void **state)
{
	zq_schedule s = interval(10);
	fire_plan p = plan(&s, NOW - 30000, 60, 0, 5, NOW - 1000);

	(void)state;
	assert_int_equal(p.nrun, 1);
	assert_true(p.run_ms[0] == NOW);
	assert_int_equal(p.missed.count, 3);
	assert_int_equal(p.missed_reason, FIRE_SKIP_JUMP);
	/* fires after the jump are ordinary again */
	p = plan(&s, NOW - 30000, 60, 0, 5, NOW - 40000);
	assert_int_equal(p.nrun, 4);
}

static void six_field_cron_fires_on_its_seconds(void **state)
{
	zq_schedule s;
	zq_err err = ZQ_ERR_INIT;
	fire_plan p;

	(void)state;
	assert_int_equal(zq_schedule_init(&s, "*/2 * * * * *", 0, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", &err), 0);
	p = plan(&s, NOW - 2000, 1, 1, 1, ZQ_TIME_NONE);  /* NOW - 2 s is late */
	assert_int_equal(p.nrun, 1);
	assert_true(p.run_ms[0] == NOW);
	assert_int_equal(p.coalesced, 1);
	p = plan(&s, NOW - 2000, 60, 1, 2, ZQ_TIME_NONE);  /* both within the grace */
	assert_int_equal(p.nrun, 2);
	assert_true(p.run_ms[0] == NOW - 2000 && p.run_ms[1] == NOW);
	assert_true(p.next_ms == NOW + 2000);
}

static void not_yet_due_is_left_alone(void **state)
{
	zq_schedule s = interval(10);
	fire_plan p = plan(&s, NOW + 1, 60, 1, 1, ZQ_TIME_NONE);

	(void)state;
	assert_int_equal(p.nrun, 0);
	assert_true(p.next_ms == NOW + 1);
}

static void clock_jumps_are_told_from_drift(void **state)
{
	(void)state;
	assert_true(fire_clock_jump(1000, 50, 2000, 1050, 2000) == 0);
	assert_true(fire_clock_jump(1000, 50, 3600000, 1050, 2000) > 0);
	assert_true(fire_clock_jump(3600000, 50, 1000, 1050, 2000) < 0);
	assert_true(fire_clock_jump(1000, 50, 4000, 1050, 2000) == 0);  /* 2.0 s: within */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_on_time_fire_runs_once_and_advances),
		cmocka_unit_test(within_the_grace_every_fire_runs_with_or_without_coalesce),
		cmocka_unit_test(beyond_the_grace_coalesce_makes_one_run_at_the_latest),
		cmocka_unit_test(beyond_the_grace_without_coalesce_is_one_skipped_row),
		cmocka_unit_test(a_mixed_outage_merges_the_late_fires_into_the_first_on_time_run),
		cmocka_unit_test(a_mixed_outage_with_one_instance_skips_the_newer_on_time_fires),
		cmocka_unit_test(no_free_instance_skips_late_and_on_time_fires_alike),
		cmocka_unit_test(a_long_outage_coalesced_runs_the_grace_window),
		cmocka_unit_test(without_coalesce_late_fires_are_one_skipped_row),
		cmocka_unit_test(fires_beyond_max_instances_are_one_skipped_row),
		cmocka_unit_test(no_free_instance_skips_even_a_coalesced_run),
		cmocka_unit_test(a_one_off_fires_once_then_never),
		cmocka_unit_test(a_long_outage_costs_bounded_work_and_keeps_the_grid),
		cmocka_unit_test(a_clock_jump_fires_at_most_once),
		cmocka_unit_test(six_field_cron_fires_on_its_seconds),
		cmocka_unit_test(not_yet_due_is_left_alone),
		cmocka_unit_test(clock_jumps_are_told_from_drift),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
