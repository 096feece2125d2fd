/* fire.h - the fire duty of a tick: lock due tasks (SKIP LOCKED, so
 * several daemons split them), decide what their fires become (fire_decide.h),
 * insert the executions (pending, or running on this node at once for the
 * runs the tick's claim has room for: claim.h) and skipped ones, and advance
 * next_run_at, all in the caller's transaction. The unique key (task_id,
 * fire_key) makes a slot one execution whatever happens. */
#ifndef ZQ_SCHED_FIRE_H
#define ZQ_SCHED_FIRE_H

#include <stdint.h>

#include "tick_tx.h"

#include "calendar.h"
#include "exec_store.h"
#include "sched_metrics.h"

#define FIRE_REASON_MAX 400

typedef struct fire_result {
	int tasks;       /* due tasks handled */
	int runs;        /* executions to run inserted, pending or running */
	int skipped;     /* skipped rows inserted */
	int full;        /* the batch was full: more may be due */
	int pending;     /* of runs, inserted pending */
	exec_fire_row *started;  /* of runs, inserted running (fire_insert) */
	int nstarted;
	int skip_by[METRICS_SKIP_COUNT];  /* skipped rows by reason (sched_metrics.h) */
} fire_result;

/* One tick's fires between fire_prepare and fire_insert. */
typedef struct fire_batch {
	exec_due_task *due;
	int ndue, batch;
	exec_fire_row *rows;         /* at most FIRE_RUNS_MAX + 2 per task */
	char (*reasons)[FIRE_REASON_MAX];  /* at most 2 skipped rows per task */
	int nrows, nreasons;
	exec_advance *adv;
	int nadv;
	const zq_calendar **cals;    /* due[i]'s calendar (tx->cals), NULL = none */
	int *start;                  /* rows that may start at once (not workflows), */
	int nstart;                  /* by scheduled time (then row order) */
} fire_batch;

/* Lock up to batch due tasks at tx->now_ms, in tx's transaction, and plan
 * their fires (FIRE lines go to tx->events). jump_ms: wall instant of the
 * last forward clock jump (ZQ_TIME_NONE if none). b is the caller's to
 * fire_batch_release, whatever the outcome. */
int fire_prepare(tick_tx *tx, int64_t jump_ms, int batch, fire_batch *b, zq_err *err);
/* Scheduled time of the nth run (from 0) that may start at once, in time
 * order; ZQ_TIME_NONE if there are not that many. */
int64_t fire_start_ms(const fire_batch *b, int nth);
/* Insert b's rows and advance its tasks: the first take runs that may
 * start (fire_start_ms order) running on node_id, started at tx->now_ms
 * (res->started, res->nstarted; the caller frees started), the others
 * pending, and the skipped rows. Skipped rows are counted in tx->stats; the
 * tasks that got rows are added to tx->touched. */
int fire_insert(tick_tx *tx, fire_batch *b, int take, int64_t node_id, fire_result *res,
		zq_err *err);
void fire_batch_release(fire_batch *b);

/* fire_prepare and fire_insert with nothing started at once. */
int fire_run(tick_tx *tx, int64_t jump_ms, int batch, fire_result *res, zq_err *err);

#endif
