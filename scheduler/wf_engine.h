/* wf_engine.h - the workflow engine (README "Workflows").
 *
 * A workflow run is a parent execution (task_type workflow) plus one child
 * execution per node (trigger 'workflow', parent_execution_id set). The
 * parent never holds a worker: its state is in the database (workflow_runs:
 * the plan it started with, its deadline and when to look at it next; the
 * nodes' states are those of their latest child executions), and the loop
 * advances it, in the tick's transaction, on whichever daemon gets there
 * first. Children are ordinary executions: claimed, run, retried, cancelled
 * and reaped like any other. The hooks, all inside the tick's transaction
 * (tick_tx.h: its db, now_ms, and where stats, touched tasks and log lines
 * go):
 *
 *   wf_claimed()          a pending workflow execution was claimed: check
 *                         its plan and start the run (or fail it at once)
 *   wf_children_settled() settled children queue their runs
 *   wf_advance()          lock due runs (SKIP LOCKED), start children whose
 *                         dependencies finished, record skipped nodes, pass
 *                         cancels and timeouts on, end runs
 *
 * Restart safety: every decision is taken and written in one transaction
 * while the run's workflow_runs row is locked, and starting a node is an
 * insert the unique key (parent_execution_id, task_id, retry_count) makes
 * idempotent: a crash, kill -9 or a second daemon can delay a run, never
 * start a node twice or lose the run. Runs are re-examined every
 * WF_RECHECK_MS in any case. */
#ifndef ZQ_SCHED_WF_ENGINE_H
#define ZQ_SCHED_WF_ENGINE_H

#include <stdint.h>

#include "run.h"
#include "tick_tx.h"

#define WF_RECHECK_MS 30000   /* a run nobody queued is looked at again after this */
#define WF_NEST_MAX 8         /* workflows inside workflows, at most this deep */
#define WF_ADVANCE_MAX 32     /* runs advanced per tick (more: the loop ticks again) */

/* Take over the claimed workflow execution r (locked, pending). Returns 1
 * when r has been ended (a plan that is invalid, names missing or disabled
 * tasks, or nests too deep: settle it in this transaction), 0 when the run
 * started (the caller frees r: the engine goes on from the database), or a
 * ZQ_E* code. */
int wf_claimed(tick_tx *tx, run *r, zq_err *err);

/* runs[0..n) were just settled (lost[i]: dropped, not settled): queue the
 * runs the children among them belong to. *queued receives how many runs
 * were queued. 0 or a ZQ_E* code. */
int wf_children_settled(tick_tx *tx, run *const *runs, int n, const int *lost, int *queued,
			zq_err *err);

/* Advance up to limit due runs, and with cancels set also runs whose
 * cancel was requested. Ended runs and skipped nodes are added to
 * tx->stats; the tasks of started, skipped and ended executions to
 * tx->touched; log lines to tx->events. *more is set when due runs were
 * left for the next tick. 0 or a ZQ_E* code. */
int wf_advance(tick_tx *tx, int limit, int cancels, int *more, zq_err *err);

#endif
