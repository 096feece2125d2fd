/* claim.h - taking executions, in the loop's transaction (tick_tx.h): pending ones to
 * run (claim) and the tick's fires with them (claim_fire), running ones
 * whose node stopped heartbeating (reap), and pending ones cancelled
 * before they started. Each yields runs, either to
 * post to a worker (to_run, already marked running on this node) or ended
 * on the spot (ended, to settle in the same transaction). */
#ifndef ZQ_SCHED_CLAIM_H
#define ZQ_SCHED_CLAIM_H

#include <stdint.h>

#include "fire.h"
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
/* The fire and claim of a tick (fire.h): fire up to batch due tasks and
 * claim up to limit executions among the pending ones and these fires,
 * oldest first (not_before; a fire's is its scheduled time; on a tie the
 * fire first). The fires that fit are inserted running on this node at
 * once: one write instead of a pending insert and its claim. If runs were
 * inserted pending (workflows) while room is left, that is claimed as
 * before. FIRE lines precede CLAIM lines in the events. limit 0: fire only. */
int claim_fire(claim_ctx *c, int limit, int64_t jump_ms, int batch, fire_result *res,
	       zq_err *err);
/* Reap up to limit running executions with a heartbeat older than lease_s:
 * failed "scheduler node lost", retried per policy when settled. */
int claim_stale(claim_ctx *c, int lease_s, int limit, zq_err *err);
/* End up to limit pending executions whose cancel was requested. */
int claim_cancelled(claim_ctx *c, int limit, zq_err *err);
/* Free every run in to_run and ended, and the arrays. */
void claim_release(claim_ctx *c);

#endif
