/* fire.h - the fire duty of a tick: lock due tasks (SKIP LOCKED, so
 * several daemons split them), decide what their fires become (fire_decide.h),
 * insert the pending / skipped executions and advance next_run_at, all in
 * the caller's transaction. The unique key (task_id, fire_key) makes a slot
 * one execution whatever happens. */
#ifndef ZQ_SCHED_FIRING_H
#define ZQ_SCHED_FIRING_H

#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "run_state_store.h"
#include "stats_store.h"

typedef struct firing_result {
	int tasks;       /* due tasks handled */
	int runs;        /* pending executions inserted */
	int skipped;     /* skipped rows inserted */
	int full;        /* the batch was full: more may be due */
} firing_result;

/* Fire up to batch due tasks at now_ms. jump_ms: wall instant of the last
 * forward clock jump (ZQ_TIME_NONE if none). Skipped rows are counted in
 * stats; the tasks that got rows (pending or skipped) are added to
 * touched; FIRE lines are appended to events. */
int firing_run(zq_db *db, int64_t now_ms, int64_t jump_ms, int batch, stats_batch *stats,
	       run_state_ids *touched, zq_buf *events, firing_result *res, zq_err *err);

#endif
