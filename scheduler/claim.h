/* claim.h - taking executions, in the loop's transaction (tick_tx.h): pending ones to
 * run (claim), running ones whose node stopped heartbeating (reap), and
 * pending ones cancelled before they started. Each yields runs, either to
 * post to a worker (to_run, already marked running on this node) or ended
 * on the spot (ended, to settle in the same transaction). */
#ifndef ZQ_SCHED_CLAIM_H
#define ZQ_SCHED_CLAIM_H

#include <stdint.h>

#include "run.h"
#include "tick_tx.h"

typedef struct claim_ctx {
	tick_tx *tx;                 /* the transaction: CLAIM / REAP lines, touched tasks */
	int64_t node_id;
	run_settings set;
	const _Atomic int64_t *lease_until;
	run **to_run;                /* growable; the caller frees what it does not post */
	int nrun;
	size_t run_cap;
	run **ended;
	int nended;
	size_t ended_cap;
	int nworkflows;              /* workflow runs started (wf_engine.h), to advance this tick */
} claim_ctx;

/* Claim up to limit pending executions whose time has come. */
int claim_pending(claim_ctx *c, int limit, zq_err *err);
/* Reap up to limit running executions with a heartbeat older than lease_s:
 * failed "scheduler node lost", retried per policy when settled. */
int claim_stale(claim_ctx *c, int lease_s, int limit, zq_err *err);
/* End up to limit pending executions whose cancel was requested. */
int claim_cancelled(claim_ctx *c, int limit, zq_err *err);
/* Free every run in to_run and ended, and the arrays. */
void claim_release(claim_ctx *c);

#endif
