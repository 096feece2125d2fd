/* fire_decide.h - the one place that decides what a due task's fires become:
 * runs, a coalesced run, or skipped rows (misfires, max_instances, clock
 * jumps). Pure: no DB, no clock; unit-tested in tests/unit/test_fire_decide.c.
 *
 * Given the task's next_run_at (<= now), every fire from there up to now is
 * considered (as cronie's cron.c does):
 *   - fires within the grace (now - fire <= grace) each run, whatever
 *     coalesce says;
 *   - fires late beyond the grace: coalesce on, they are merged into one
 *     run: the first on-time fire's run when there is one, else a run at
 *     the latest late fire; coalesce off, they are one skipped row
 *     summarising them;
 *   - a fire that would exceed max_instances is skipped (one row for all;
 *     the runs take the free instances oldest first);
 *   - fires the wall clock jumped over (<= jump_ms) are merged into one run
 *     whatever coalesce says, so a jump forward fires at most once a task.
 * The number of rows per task per tick is bounded (FIRE_RUNS_MAX runs, two
 * summary rows), and so is the work: at most FIRE_ENUM_MAX fires are
 * enumerated one by one; beyond that the misfired stretch is skipped in one
 * step and its count reported as a lower bound. */
#ifndef ZQ_SCHED_FIRE_DECIDE_H
#define ZQ_SCHED_FIRE_DECIDE_H

#include <stdint.h>

#include "schedule.h"

#define FIRE_RUNS_MAX 16
#define FIRE_ENUM_MAX 1000

typedef struct fire_range {
	int64_t first_ms, last_ms;  /* ZQ_TIME_NONE when empty */
	int64_t count;              /* fires in the range */
	int more;                   /* count is a lower bound */
} fire_range;

typedef struct fire_input {
	const zq_schedule *s;
	int64_t next_run_ms;        /* the task's next_run_at */
	int64_t now_ms;
	int64_t grace_ms;           /* misfire_grace_seconds * 1000 */
	int coalesce;
	int free_slots;             /* max_instances - active executions */
	int64_t jump_ms;            /* wall instant of the last forward clock jump, or ZQ_TIME_NONE */
} fire_input;

enum fire_skip_reason { FIRE_SKIP_MISFIRE = 0, FIRE_SKIP_JUMP };

typedef struct fire_plan {
	int64_t run_ms[FIRE_RUNS_MAX];  /* scheduled times that run now, ascending */
	int nrun;
	int64_t coalesced;          /* late fires merged into run_ms[0] besides its own (0 if none) */
	fire_range missed;          /* skipped as misfired (or jumped over) */
	int missed_reason;          /* enum fire_skip_reason */
	fire_range over;            /* skipped: max_instances reached */
	int64_t last_fire_ms;       /* latest fire considered: the new last_fire_at */
	int64_t next_ms;            /* the new next_run_at; ZQ_TIME_NONE = no more fires */
} fire_plan;

void fire_plan_make(const fire_input *in, fire_plan *p);

/* Forward (> 0) or backward (< 0) wall-clock jump between two ticks: how
 * much more the wall clock moved than the monotonic clock, or 0 when within
 * tolerance_ms. */
int64_t fire_clock_jump(int64_t prev_wall_ms, int64_t prev_mono_ms, int64_t wall_ms,
			int64_t mono_ms, int64_t tolerance_ms);

#endif
