/* retention.h - history retention on a thread and a database connection of
 * its own: executions older than scheduler.history_days (finished ones
 * only: pending and running rows stay whatever their age), with their
 * steps, output and workflow run rows; scheduler_nodes rows stopped or
 * lost for a week; and alert events that are done and closed alerts older
 * than history_days (db/store/alert_outbox.h).
 *
 * A pass runs at start, every minute, and at once when a SIGHUP changes
 * history_days or retention_duty; it finds the highest execution id
 * created before the cutoff and walks the ids up to it in chunks of
 * RETENTION_CHUNK (retention_store.h), each chunk one short transaction
 * that deletes by primary-key ranges and refreshes task_run_state of the
 * tasks whose newest or newest finished execution went (run_state_store.h).
 * Between chunks it sleeps so that it works scheduler.retention_duty
 * percent of the time (when contended), and at least a little while the
 * loop is busy. One daemon's retention runs a pass at a time (a session
 * lock); the loop never waits for it. */
#ifndef ZQ_SCHED_RETENTION_H
#define ZQ_SCHED_RETENTION_H

#include "config.h"
#include "err.h"

typedef struct retention retention;

/* Start the thread (it connects on its first pass). cfg must outlive it.
 * NULL + err when the thread cannot be created. */
retention *retention_start(const zq_config *cfg, int history_days, zq_err *err);
/* scheduler.history_days and scheduler.retention_duty after a SIGHUP: a
 * change of either (history_days not 0) starts a pass at once; a pass under
 * way restarts with the new cutoff, or goes on at the new duty. */
void retention_set(retention *R, int history_days, int duty);
/* The loop had work in its last tick: batches are spaced for a while. */
void retention_loop_busy(retention *R);
/* Ask the thread to stop after the batch under way, without waiting. */
void retention_request_stop(retention *R);
/* Stop the thread (a batch under way completes) and free. NULL is ok. */
void retention_stop(retention *R);

#endif
