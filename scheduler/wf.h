/* wf.h - where the workflow engine plugs into the loop (a later issue).
 *
 * A workflow run is a parent execution (task_type workflow) plus child
 * executions (trigger 'workflow', parent_execution_id set). The parent never
 * holds a worker: the loop advances it from database state. The hooks:
 *
 *   wf_claimed()     a pending parent was claimed in the tick's transaction:
 *                    today it is ended 'skipped' (never run as a command);
 *                    the engine will mark it running and insert the first
 *                    children as pending executions instead.
 *   wf_child_ended() settle saw a child reach a final status (same
 *                    transaction): the engine will queue its parent.
 *   wf_advance()     a per-tick duty: the engine will lock queued / running
 *                    parents (SKIP LOCKED), start children whose
 *                    dependencies finished, and end parents (success,
 *                    failed, completed).
 * Children are ordinary pending executions: claimed, run, retried and
 * reaped like any other. */
#ifndef ZQ_SCHED_WF_H
#define ZQ_SCHED_WF_H

#include "buf.h"
#include "db.h"
#include "run.h"

/* Take over a claimed workflow execution. Returns 1 when r has been ended
 * (to settle in this transaction), 0 when the engine keeps it. */
int wf_claimed(zq_db *db, run *r, zq_buf *events);
/* A child execution (r->job.parent_id != 0) is being settled. */
void wf_child_ended(const run *r);
/* Advance running workflows; 0 or a ZQ_E* code. */
int wf_advance(zq_db *db, int64_t now_ms, zq_buf *events, zq_err *err);

#endif
