/* loop_priv.h - the scheduler loop's state (loop.h), shared by the files
 * that make up the loop: loop.c (the tick, sleeping, draining, start and
 * stop, reload), settle.c (the queue of finished runs and their final
 * commit) and duties.c (the lease, heartbeat, reaping, cancels, clock and
 * start-up run state check). Only the loop thread touches it, but for the
 * done queue (its mutex) and the lease's end (atomic, read by workers). */
#ifndef ZQ_SCHED_LOOP_PRIV_H
#define ZQ_SCHED_LOOP_PRIV_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include "alert_thread.h"
#include "claim.h"
#include "db.h"
#include "fire.h"
#include "loop.h"
#include "pool.h"
#include "retention.h"
#include "run.h"
#include "tick_tx.h"

/* Claim ahead: while the workers turn over short runs, a tick claims up to
 * min(scheduler.batch, AHEAD_MAX) executions beyond the free workers; they
 * wait in the pool's queue (FIFO) for the next free worker. A tick is one
 * commit whatever it carries, so for short runs this is what throughput
 * grows with (32 workers: at most 32 executions a tick without it). Only
 * in a tick that settles runs which all ran shorter than AHEAD_SHORT_MS,
 * while no run in flight was handed over longer ago than that: an idle
 * daemon, or one whose runs are long, claims only what free workers start
 * at once, as before, and leaves the rest to its peers. */
#define AHEAD_MAX 256
#define AHEAD_SHORT_MS 20

/* What may change on SIGHUP. */
struct tunables {
	int poll_ms, heartbeat_ms, lease_s, batch, shutdown_grace_ms, history_days;
	run_settings set;
};

/* The lease on this node's executions, renewed by the heartbeat. */
struct lease {
	_Atomic int64_t until;       /* monotonic ms: workers stop their runs after this */
	int renew_due;               /* a heartbeat or tick failed: renew the lease before claiming */
	int warned;
	int64_t hb_attempt;          /* monotonic ms of the last heartbeat attempt */
	int64_t reap_after;          /* monotonic ms: no reaping before (peers reconnecting) */
};

/* Finished runs on their way to their final commit (settle.c). */
struct settle_queue {
	int done_fd;                 /* eventfd: a worker finished a run */
	pthread_mutex_t done_mu;
	run *done_head, *done_tail;  /* finished runs not yet taken by the loop */
	run **runs;                  /* taken, waiting for their final commit */
	int n;
	size_t cap;
};

/* When each periodic duty is due next (monotonic ms). */
struct duty_times {
	int64_t heartbeat, reap, cancel;
	int64_t pending_cancel;
	int64_t wf_poll;             /* look for due workflow runs (wf_engine.h) */
	int64_t backfill;            /* the backfill round (backfill.h) */
};

/* The start-up run state check (duties_reconcile_step). */
struct reconcile {
	int64_t after;               /* done up to this task id, -1 = done */
	int64_t t0, retry_at;        /* monotonic ms: it began; its next step after a failure */
	int refreshed;
};

struct loop {
	const zq_config *cfg;
	loop_signals sig;
	struct tunables t;
	zq_db *db;
	int64_t node_id;
	int threads;
	pool *pool;
	int wake_fd;                 /* wake-up datagram socket, -1 = polling only */
	char wake_path[PATH_MAX];
	struct settle_queue sq;
	run **inflight;              /* runs posted to workers (threads + AHEAD_MAX slots) */
	int64_t *inflight_at;        /* monotonic ms each was posted */
	int ninflight;
	run **doubt;                 /* claimed by a tick whose COMMIT got no answer (as inflight) */
	int ndoubt;
	struct lease lease;
	struct duty_times next;
	struct reconcile rs;
	int64_t prev_wall, prev_mono, jump_ms;
	retention *ret;              /* history retention thread (retention.h) */
	alert_thread *alerts;        /* the alert sweep and sender (alert_thread.h), NULL when off */
	int reap_due, cancel_due, woken;
	int backfill_due;            /* the next tick runs the backfill round */
	int draining, stop_sent;
	int64_t drain_deadline;
	int more;                    /* the last tick left work: do not sleep */
	int tick_failed;             /* the last tick failed: do not retry at once */
	tick_tx tx;                  /* the loop's transactions (tick_tx.h) */
	uint64_t ticks, commits, claimed, settled;
};

/* One tick's transaction: what it settles, claims and fires. */
struct tick {
	int nsettle;                 /* L->sq.runs[0..nsettle) settled by this tick */
	int *lost;                   /* per settled run: settled elsewhere */
	claim_ctx c;
	fire_result fired;
	int claim_limit;             /* 0 also when the lease is not held (loop_lease_held) */
	int reap;                    /* reap stale executions this tick */
	int wf_due;                  /* workflow runs this tick started or queued */
	int wf_polled, wf_more;      /* wf_advance ran; it left due runs */
	int backfilled;              /* the backfill round ran (1) */
};

/* loop.c: hand a claimed run to the workers (after its claim committed). */
void loop_dispatch(loop *L, run *r);
/* loop.c: register this daemon's node row (L->node_id gets its id). */
int loop_register_node(loop *L, zq_err *err);

/* settle.c: the settling queue. */
/* A worker's run is finished: queue it for the loop (any thread). */
void settle_done_push(loop *L, run *r);
/* Move finished runs from the workers' queue to the settle list. */
void settle_collect_done(loop *L);
/* Queue r for its final commit (the loop thread). */
void settle_later(loop *L, run *r);
/* How many queued runs the next tick settles (bounded in count and bytes). */
int settle_take(const loop *L);
/* In the tick's transaction: settle the first k->nsettle queued runs and
 * the runs the tick's reaps and cancels ended (k->c.ended). */
int settle_tick(loop *L, struct tick *k, zq_err *err);
/* The same for the runs ended from k->c.ended[from] on (claimed but ended
 * at once: cancelled, workflows that could not start). */
int settle_claimed_ended(loop *L, struct tick *k, int from, zq_err *err);
/* After the tick committed: free the runs it settled, dequeue them. */
void settle_committed(loop *L, const struct tick *k);
/* A tick failed, not on a lock conflict or outage: settle the queue one
 * run per transaction (settle.c). */
void settle_isolated(loop *L);

/* duties.c: the lease and the periodic duties around the tick. */
int64_t loop_lease_abort_ms(const struct tunables *t);
int loop_lease_held(loop *L, int64_t mono);
void duties_heartbeat(loop *L);
/* Heartbeat, reap, cancel and clock duties that are due. */
void duties_run(loop *L);
/* In the tick's transaction, before reaping (duties.c). */
int duties_reap_on_host(loop *L, zq_err *err);
/* One step of the start-up run state check, when one is due. */
void duties_reconcile_step(loop *L);

#endif
