/* run_state_store.h - task_run_state: each task's execution state as the
 * API shows it (its newest execution with status and time, whether one is
 * pending or running, the newest finished status), stored next to
 * task_executions so that reading a task or a page of tasks is a
 * primary-key join rather than dives into each task's history.
 *
 * The state is never incremented. run_state_store_refresh recomputes it
 * from task_executions for a set of tasks; every transaction that inserts
 * executions, changes their status or deletes them calls it for the tasks
 * it touched, after its last such write and before it commits. Callers
 * collect the task ids in a run_state_ids set as they go (duplicates and
 * ids of tasks deleted meanwhile are fine; a superset is fine). */
#ifndef ZQ_RUN_STATE_STORE_H
#define ZQ_RUN_STATE_STORE_H

#include <stdint.h>

#include "db.h"

/* A growable set of task ids (kept as a list; refresh sorts and dedups).
 * fin: the ids added by run_state_ids_add (an execution of the task may
 * have got or lost a finished status); the others were only added by
 * run_state_ids_add_unfinished. */
typedef struct run_state_ids {
	int64_t *ids;
	int n;
	size_t cap;
	int64_t *fin;
	int nfin;
	size_t capfin;
} run_state_ids;

void run_state_ids_init(run_state_ids *s);
void run_state_ids_release(run_state_ids *s);
void run_state_ids_reset(run_state_ids *s);
/* Ids <= 0 are ignored. */
void run_state_ids_add(run_state_ids *s, int64_t task_id);
/* The same, for a write that gives no execution of the task a finished
 * status (success, failed, completed, terminated), takes none away and
 * deletes none: inserting pending or skipped executions, pending ->
 * running. The refresh then keeps the stored newest finished status
 * instead of searching the task's history for it, unless another write
 * in the transaction added the task with run_state_ids_add. Exact by the
 * same argument as the refresh (see the .c). */
void run_state_ids_add_unfinished(run_state_ids *s, int64_t task_id);

/* Recompute and store the state of the tasks in s, inside the caller's
 * transaction (s is sorted and deduplicated in place; it stays the
 * caller's). Locks the tasks' task_run_state rows in ascending task id
 * order, then recomputes them in a second statement, which therefore sees
 * every transaction that refreshed the same tasks before it (see the .c).
 * Tasks that no longer exist are skipped. 0 or a ZQ_E* code (ZQ_EBUSY:
 * deadlock, retry the transaction). */
int run_state_store_refresh(zq_db *db, run_state_ids *s, zq_err *err);
/* The same for one task whose executions may have got or lost a finished
 * status (run_state_ids_add): for a transaction that touched only it. */
int run_state_store_refresh_one(zq_db *db, int64_t task_id, zq_err *err);

/* Find the tasks whose stored state may disagree with their executions (no
 * row or another newest execution than the stored one, or an active count
 * above zero: a run it counts may have ended) and refresh them, in short
 * transactions of its own. For a daemon starting after an upgrade: binaries
 * of the release before task_run_state kept writing executions, without
 * refreshing, until they were restarted. *refreshed (may be NULL) gets how
 * many tasks were refreshed. 0 or a ZQ_E* code. */
int run_state_store_reconcile(zq_db *db, int *refreshed, zq_err *err);

/* One step of the same over the task ids (*after, *after + span] (fewer
 * when it finds 500 suspects first), so that a daemon can reconcile between
 * its ticks: *after moves on, *refreshed (may be NULL) grows. 1 when no
 * task id above *after is left (at that moment), 0 when there is more, or
 * a ZQ_E* code (*after unchanged: repeat it). */
int run_state_store_reconcile_step(zq_db *db, int64_t *after, int span, int *refreshed,
				   zq_err *err);

#endif
