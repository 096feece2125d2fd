/* fire.h - the fire duty of a tick: lock due tasks (SKIP LOCKED, so
 * several daemons split them), decide what their fires become (fire_decide.h),
 * insert the pending / skipped executions and advance next_run_at, all in
 * the caller's transaction. The unique key (task_id, fire_key) makes a slot
 * one execution whatever happens. */
#ifndef ZQ_SCHED_FIRE_H
#define ZQ_SCHED_FIRE_H

#include <stdint.h>

#include "tick_tx.h"

typedef struct fire_result {
	int tasks;       /* due tasks handled */
	int runs;        /* pending executions inserted */
	int skipped;     /* skipped rows inserted */
	int full;        /* the batch was full: more may be due */
} fire_result;

/* Fire up to batch due tasks at tx->now_ms, in tx's transaction. jump_ms:
 * wall instant of the last forward clock jump (ZQ_TIME_NONE if none).
 * Skipped rows are counted in tx->stats; the tasks that got rows (pending
 * or skipped) are added to tx->touched; FIRE lines go to tx->events. */
int fire_run(tick_tx *tx, int64_t jump_ms, int batch, fire_result *res, zq_err *err);

#endif
