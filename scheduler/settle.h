/* settle.h - write the end of runs, inside the loop's transaction
 * (tick_tx.h): final status, result, progress, remaining step rows, output,
 * the retry that a failure earns, and the daily stats (added to the
 * transaction's batch, which tick_tx_commit upserts last). The loop's
 * queue of runs waiting to be settled is in settle.c too (loop_priv.h).
 *
 * A run that a worker ran (run->owned) is only settled if its row is still
 * running on this node: another daemon may have reaped it while this one
 * was cut off from the database. Those runs are marked lost and their
 * outcome dropped (logged). Runs the loop made itself (reaped, cancelled
 * while pending, claimed workflows) are already locked by the caller. */
#ifndef ZQ_SCHED_SETTLE_H
#define ZQ_SCHED_SETTLE_H

#include <stdint.h>

#include "run.h"
#include "tick_tx.h"

/* Settle runs[0..n) in tx's open transaction. lost[i] is set for runs
 * that were settled elsewhere. Their stats go to tx->stats, the tasks of
 * the settled runs to tx->touched, log lines (DONE / FAIL / RETRY) to
 * tx->events, for tick_tx_commit. */
int settle_runs(tick_tx *tx, int64_t node_id, run **runs, int n, int *lost, zq_err *err);

/* Delay before retry number retry_count + 1: interval_s * backoff ^
 * retry_count, capped at max_s (0 = no cap) and at 30 days. */
int64_t settle_retry_delay_ms(int interval_s, double backoff, int max_s, int retry_count);

/* Whether a run's outcome earns a retry. */
int settle_should_retry(const run *r);

#endif
