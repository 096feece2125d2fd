/* tick_tx.h - the loop's transaction object: one open transaction on the
 * loop's connection plus what its writes accumulate for the end: the daily
 * stats of executions that ended (stats_store.h), the tasks whose
 * executions changed (run_state_store.h), and the log lines that describe
 * them. The fire, claim, settle and workflow steps of a tick take it as
 * their one argument for all of that; tick_tx_commit is the one way such
 * a transaction ends well: run state refreshed, stats upserted, COMMIT,
 * and only then the lines printed. A rollback prints nothing. */
#ifndef ZQ_SCHED_TICK_TX_H
#define ZQ_SCHED_TICK_TX_H

#include <stdint.h>

#include "buf.h"
#include "cal_cache.h"
#include "db.h"
#include "err.h"
#include "run_state_store.h"
#include "stats_store.h"

typedef struct tick_tx {
	zq_db *db;
	int64_t now_ms;              /* wall ms the transaction acts at */
	stats_batch stats;           /* daily stats of what ended */
	run_state_ids touched;       /* tasks whose executions changed */
	zq_buf events;               /* INFO lines (FIRE, CLAIM, DONE...), one per line */
	zq_buf warns;                /* WARN lines, printed before events */
	int commit_sent;             /* COMMIT was sent: if it failed it may still be applied */
	cal_cache cals;              /* the loop's calendars (cal_cache.h): fires and claims */
} tick_tx;

void tick_tx_init(tick_tx *tx, zq_db *db);
void tick_tx_release(tick_tx *tx);
/* Empty the accumulators, set now_ms, BEGIN. 0 or a ZQ_E* code. */
int tick_tx_begin(tick_tx *tx, int64_t now_ms, zq_err *err);
/* After the transaction's last write to executions: refresh the run state
 * of the touched tasks, upsert the stats, COMMIT; on success print the
 * warnings, then the events. On failure nothing is printed and the caller
 * rolls back (tick_tx_rollback); commit_sent tells whether the failure was
 * the COMMIT itself. 0 or a ZQ_E* code. */
int tick_tx_commit(tick_tx *tx, zq_err *err);
void tick_tx_rollback(tick_tx *tx);

#endif
