/* backfill.h - the backfill engine (README "Calendars and business dates",
 * Backfill; the rows are db/store/backfill_store.h).
 *
 * A periodic duty of the loop (duties.c sets it due every poll interval;
 * the tick runs it in its transaction, after settling and before claiming,
 * so the runs it starts may be claimed by the same tick). For each backfill
 * with work, locked FOR UPDATE SKIP LOCKED (two daemons never both start
 * dates of one backfill): the started dates whose runs are all final
 * (retries included) end and count as done (failed when the newest run was
 * not a success); then, unless it was cancelled, its oldest planned dates
 * start, up to concurrency started at a time, each as a pending execution
 * (trigger backfill, its business_date and backfill_id, due now); a
 * backfill with no planned or started date left is finished. Restart
 * safe: every step is one transaction with the backfill's row locked. */
#ifndef ZQ_SCHED_BACKFILL_H
#define ZQ_SCHED_BACKFILL_H

#include "tick_tx.h"

#define BACKFILL_TICK_MAX 32   /* backfills handled per round (more: the next round) */

/* One round, in tx's open transaction. *started gets how many runs it
 * inserted (the tick may claim them at once). 0 or a ZQ_E* code. */
int backfill_tick(tick_tx *tx, int *started, zq_err *err);

#endif
