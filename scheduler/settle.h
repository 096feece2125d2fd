/* settle.h - write the end of runs, inside the loop's transaction: final
 * status, result, progress, remaining step rows, output, the retry that a
 * failure earns, and the daily stats (added to the caller's batch, which it
 * upserts last).
 *
 * A run that a worker ran (run->owned) is only settled if its row is still
 * running on this node: another daemon may have reaped it while this one
 * was cut off from the database. Those runs are marked lost and their
 * outcome dropped (logged). Runs the loop made itself (reaped, cancelled
 * while pending, claimed workflows) are already locked by the caller. */
#ifndef ZQ_SCHED_SETTLE_H
#define ZQ_SCHED_SETTLE_H

#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "run.h"
#include "run_state_store.h"
#include "stats_store.h"

/* Settle runs[0..n) in the open transaction. lost[i] is set for runs that
 * were settled elsewhere. The tasks of the settled runs are added to
 * touched (the caller refreshes their run state before it commits). Log
 * lines (DONE / FAIL / RETRY) are appended to events, one per line, for the
 * caller to print once it has committed. */
int settle_runs(zq_db *db, int64_t node_id, run **runs, int n, int *lost, stats_batch *stats,
		run_state_ids *touched, zq_buf *events, zq_err *err);

/* Delay before retry number retry_count + 1: interval_s * backoff ^
 * retry_count, capped at max_s (0 = no cap) and at 30 days. */
int64_t settle_retry_delay_ms(int interval_s, double backoff, int max_s, int retry_count);

/* Whether a run's outcome earns a retry. */
int settle_should_retry(const run *r);

#endif
