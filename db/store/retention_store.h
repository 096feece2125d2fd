/* retention_store.h - the SQL of history retention (scheduler/retention.c):
 * finished executions created before a cutoff, with their steps, output
 * and workflow run rows, deleted in chunks that walk the primary key.
 *
 * Execution ids are handed out in time order, so a pass finds the highest
 * id created before the cutoff once (retention_store_bound) and walks the
 * ids up to it in chunks (retention_store_chunk), skipping newer rows. A chunk is read without
 * locks and deleted by primary-key ranges, children first: the rows it
 * deletes are finished (a final status never changes again), so nothing
 * else writes or locks them, and a chunk never waits for the loop, its
 * workers or the API. What stays, whatever its age: pending and running
 * executions, the workflow parents of pending or running children, and
 * the children of pending or running workflows. task_stats_daily is not
 * touched: the daily statistics outlive the executions they count. */
#ifndef ZQ_RETENTION_STORE_H
#define ZQ_RETENTION_STORE_H

#include <stdint.h>

#include "db.h"
#include "run_state_store.h"

/* The pass's upper bound: the highest id of the executions created before
 * before_ms (a range of ix_exec_created, index only), 0 when none. */
int retention_store_bound(zq_db *db, int64_t before_ms, int64_t *hi, zq_err *err);

/* One chunk, in the caller's transaction: the next `limit` executions
 * with ids in (*after, hi], the deletable ones among them (finished,
 * created before before_ms, kept by no rule above) deleted with their
 * children. *after moves to the last id read (the walk is done when it
 * reaches hi or no row is left: *read < limit). *deleted receives how
 * many executions went. The tasks whose task_run_state may have changed
 * (their newest execution or newest finished one went) are added to
 * touched: the caller refreshes them (run_state_store_refresh) before it
 * commits. 0 or a ZQ_E* code. */
int retention_store_chunk(zq_db *db, int64_t before_ms, int64_t *after, int64_t hi, int limit,
			  int *read, int *deleted, run_state_ids *touched, zq_err *err);

/* Only one daemon's retention runs a pass at a time (two would delete the
 * same rows and wait for each other's locks): a session lock, taken
 * without waiting. *got = 1 when this connection holds it now. It also
 * sets the session's innodb_lock_wait_timeout to 2 s: a chunk that meets a
 * row lock fails soon (ZQ_EBUSY) instead of holding a stopping daemon. */
int retention_store_lock(zq_db *db, int *got, zq_err *err);
void retention_store_unlock(zq_db *db);

#endif
