/* loop.c - the scheduler loop (see loop.h).
 *
 * Transactions per execution: a scheduled run is fired and claimed in one
 * tick transaction (shared by every execution of that tick), may write
 * throttled progress from its worker, and is settled in a later tick
 * transaction (again shared). At load a tick settles and claims dozens of
 * executions at once: tests/bench/bench_scheduler.py measures well under
 * 0.1 COMMIT per execution for 10,000 due trivial tasks.
 *
 * Duties and their periods (each on its own period, like redis' serverCron):
 *   tick        every wake-up: settle, reap*, cancel*, fire, claim, stats
 *   heartbeat   scheduler.heartbeat_s: node row + running executions; a
 *               run whose row is gone (reaped elsewhere, task deleted) stops
 *   reap        scheduler.heartbeat_s: mark silent nodes lost; the tick
 *               then fails their executions "scheduler node lost"
 *   cancel      on a wake-up datagram and every poll interval (running);
 *               pending executions cancelled in advance: every 5 s
 *   retention   on a thread and connection of its own (retention.h); the
 *               loop passes it history_days on SIGHUP and marks busy ticks
 *   workflows   in the tick, when it settled a child or claimed a workflow
 *               (at once), on cancels, and every poll interval (wf_engine.h)
 * Clock: wall time comes from zq_wall_ms() (injectable); sleeping and
 * periods use the monotonic clock. A forward wall-clock jump is detected by
 * comparing the two and makes the fires it skipped merge into one run per
 * task (fire.h); a backward jump only delays fires, never the loop, whose
 * sleep is capped by the poll interval. */
#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "claim.h"
#include "command.h"
#include "db.h"
#include "example.h"
#include "exec_store.h"
#include "fire_decide.h"
#include "fire.h"
#include "log.h"
#include "mem.h"
#include "migrate.h"
#include "node_store.h"
#include "pool.h"
#include "proc.h"
#include "retention.h"
#include "run.h"
#include "run_state_store.h"
#include "settle.h"
#include "stats_store.h"
#include "task.h"
#include "timeutil.h"
#include "wakeup.h"
#include "wf_engine.h"

#define SETTLE_MAX 256               /* runs settled per tick */
#define SETTLE_BYTES (2 << 20)       /* ... and about this much result/output text */
#define TICK_RETRIES 3               /* deadlock / lock wait: run the tick again */
#define JUMP_TOLERANCE_MS 2000
#define PENDING_CANCEL_PERIOD_MS 5000
#define BUSY_RETRY_MS 10             /* due work locked by another daemon: look again soon */
#define WORKER_STACK (256 << 10)
#define HEARTBEAT_RETRY_MS 250      /* lease not held: renew before a tick, at most this often */
#define EXIT_WAIT_MS 10000           /* after the grace period, how long to wait for the DB */
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
	int done_fd;                 /* eventfd: a worker finished a run */
	pthread_mutex_t done_mu;
	run *done_head, *done_tail;  /* finished runs not yet taken by the loop */
	run **inflight;              /* runs posted to workers (threads + AHEAD_MAX slots) */
	int64_t *inflight_at;        /* monotonic ms each was posted */
	int ninflight;
	run **settling;              /* finished runs waiting for their final commit */
	int nsettling, settling_cap;
	_Atomic int64_t lease_until; /* monotonic ms: workers stop their runs after this */
	int64_t prev_wall, prev_mono, jump_ms;
	int64_t next_heartbeat, next_reap, next_cancel;
	retention *ret;              /* history retention thread (retention.h) */
	int reap_due, cancel_due, woken;
	int draining, stop_sent;
	int64_t drain_deadline;
	int more;                    /* the last tick left work: do not sleep */
	int lease_warned;
	int renew_due;               /* a heartbeat or tick failed: renew the lease before claiming */
	int64_t reap_after;          /* monotonic ms: no reaping before (peers reconnecting) */
	run **doubt;                 /* claimed by a tick whose COMMIT got no answer (as inflight) */
	int ndoubt;
	int64_t hb_attempt;          /* monotonic ms of the last heartbeat attempt */
	int tick_failed;             /* the last tick failed: do not retry at once */
	int64_t next_pending_cancel;
	int64_t next_wf_poll;        /* monotonic ms: look for due workflow runs (wf_engine.h) */
	int64_t rs_after;            /* start-up run state check: done up to this task id, -1 = done */
	int64_t rs_t0, rs_retry_at;  /* monotonic ms: it began; its next step after a failure */
	int rs_refreshed;
	stats_batch stats;
	run_state_ids touched;       /* tasks whose executions the open transaction changed */
	zq_buf events;
	uint64_t ticks, commits, claimed, settled;
};

/* ---- configuration ------------------------------------------------------------------ */

static void tunables_from(struct tunables *t, const zq_config *c)
{
	t->poll_ms = c->sched_poll_ms;
	t->heartbeat_ms = c->sched_heartbeat_s * 1000;
	t->lease_s = c->sched_lease_s;
	t->batch = c->sched_batch;
	t->shutdown_grace_ms = c->sched_shutdown_grace_s * 1000;
	t->history_days = c->sched_history_days;
	t->set.progress_ms = c->sched_progress_ms;
	t->set.kill_grace_ms = c->sched_kill_grace_s * 1000;
	t->set.output_tail = c->sched_output_tail;
}

/* Workers stop their children this long after the last renewed lease:
 * early enough that KILL lands before another daemon may reap the run. */
static int64_t lease_abort_ms(const struct tunables *t)
{
	int64_t lease = (int64_t)t->lease_s * 1000, at = lease - t->set.kill_grace_ms - 1000;

	return at < lease / 2 ? lease / 2 : at;
}

/* A claim needs this much lease left: the run must live until the next
 * heartbeat renews it (half the abort time if heartbeat_s is close to it). */
static int64_t lease_needed_ms(const struct tunables *t)
{
	int64_t half = lease_abort_ms(t) / 2;

	return t->heartbeat_ms < half ? t->heartbeat_ms : half;
}

static int lease_held(loop *L, int64_t mono)
{
	return !L->renew_due && atomic_load(&L->lease_until) - mono >= lease_needed_ms(&L->t);
}

/* SIGHUP: a run_as policy that does not resolve keeps the one in force. */
static void reload_run_as(const zq_config *nc)
{
	zq_err err = ZQ_ERR_INIT;
	proc_run_as *ra = proc_run_as_new(nc, &err);
	char who[1024];

	if (!ra) {
		zq_error("SIGHUP: run_as not changed: %s", err.msg);
		return;
	}
	proc_run_as_describe(ra, who, sizeof(who));
	if (proc_run_as_is_root(ra))
		zq_warn("SIGHUP: RUN_AS %s", who);
	else
		zq_info("SIGHUP: RUN_AS %s", who);
	proc_run_as_install(ra);
}

static void reload(loop *L)
{
	zq_config nc;
	zq_err err = ZQ_ERR_INIT;
	const zq_config *c = L->cfg;

	if (zq_config_load(&nc, c->path[0] ? c->path : NULL, &err) < 0) {
		zq_error("SIGHUP: configuration not reloaded: %s", err.msg);
		return;
	}
	tunables_from(&L->t, &nc);
	retention_set_days(L->ret, L->t.history_days);
	zq_log_set_level(nc.log_level);
	reload_run_as(&nc);
	if (nc.sched_threads != c->sched_threads || strcmp(nc.sched_wakeup_dir, c->sched_wakeup_dir) ||
	    strcmp(nc.db_host, c->db_host) || strcmp(nc.db_socket, c->db_socket) ||
	    strcmp(nc.db_name, c->db_name) || strcmp(nc.db_user, c->db_user) ||
	    strcmp(nc.db_password, c->db_password) || nc.db_port != c->db_port ||
	    strcmp(nc.sched_node_name, c->sched_node_name) ||
	    nc.sched_retention_duty != c->sched_retention_duty)
		zq_warn("SIGHUP: scheduler.threads, scheduler.wakeup_dir, scheduler.node_name, "
			"scheduler.retention_duty and db.* take effect only after a restart");
	zq_info("SIGHUP: configuration reloaded: log.level=%s poll_ms=%d heartbeat_s=%d lease_s=%d "
		"batch=%d progress_ms=%d kill_grace_s=%d shutdown_grace_s=%d output_tail=%d "
		"history_days=%d",
		zq_log_level_name(nc.log_level), nc.sched_poll_ms, nc.sched_heartbeat_s,
		nc.sched_lease_s, nc.sched_batch, nc.sched_progress_ms, nc.sched_kill_grace_s,
		nc.sched_shutdown_grace_s, nc.sched_output_tail, nc.sched_history_days);
}

/* ---- workers -------------------------------------------------------------------------- */

static void done_push(loop *L, run *r)
{
	uint64_t one = 1;

	r->next = NULL;
	pthread_mutex_lock(&L->done_mu);
	if (L->done_tail)
		L->done_tail->next = r;
	else
		L->done_head = r;
	L->done_tail = r;
	pthread_mutex_unlock(&L->done_mu);
	if (write(L->done_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		zq_warn("done queue: eventfd write: %s", strerror(errno));
}

static void *worker_init(void *ctx, int index)
{
	loop *L = ctx;

	(void)index;
	zq_db_thread_init();
	return zq_db_new(L->cfg);
}

static void worker_run(void *ctx, void *state, void *job)
{
	loop *L = ctx;
	run *r = job;
	int stop;

	r->db = state;
	run_started(r);
	zq_info("START exec=%lld task=%lld type=%s trigger=%s retry=%d timeout_s=%d",
		(long long)r->job.id, (long long)r->job.task_id, zq_task_type_name(r->job.task_type),
		zq_trigger_name(r->job.trigger), r->job.retry_count, r->timeout_s);
	if ((stop = atomic_load(&r->stop)) != RUN_STOP_NONE)
		run_end_stopped(r, stop, NULL);  /* stopped while it waited in the queue */
	else if (r->job.task_type == ZQ_TASK_EXAMPLE)
		example_run(r);
	else
		command_run(r);
	r->db = NULL;
	done_push(L, r);
}

static void worker_end(void *ctx, void *state)
{
	(void)ctx;
	zq_db_free(state);
	zq_db_thread_end();
}

static void settle_later(loop *L, run *r)
{
	if (L->nsettling == L->settling_cap) {
		L->settling_cap = L->settling_cap ? L->settling_cap * 2 : 64;
		L->settling = zq_realloc(L->settling, (size_t)L->settling_cap * sizeof(run *));
	}
	L->settling[L->nsettling++] = r;
}

/* Move finished runs from the workers' queue to the settle list. */
static void collect_done(loop *L)
{
	run *r, *next;

	pthread_mutex_lock(&L->done_mu);
	r = L->done_head;
	L->done_head = L->done_tail = NULL;
	pthread_mutex_unlock(&L->done_mu);
	for (; r; r = next) {
		next = r->next;
		for (int i = 0; i < L->ninflight; i++)
			if (L->inflight[i] == r) {
				L->inflight[i] = L->inflight[--L->ninflight];
				L->inflight_at[i] = L->inflight_at[L->ninflight];
				break;
			}
		settle_later(L, r);
	}
}

/* Hand claimed runs to the workers (after the claim committed). */
static void dispatch(loop *L, run *r)
{
	r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	L->inflight_at[L->ninflight] = zq_mono_ms();
	L->inflight[L->ninflight++] = r;
	if (pool_post(L->pool, r) == 0)
		return;
	/* cannot happen (claims never exceed the queue); never strand the row */
	L->ninflight--;
	run_end(r, ZQ_EXEC_FAILED, 1, "internal: no worker free for a claimed execution", NULL);
	settle_later(L, r);
}

/* How many executions a tick may claim now: the free workers, plus the
 * claim-ahead allowance when the tick settles nsettle runs (the first of
 * L->settling) that were all short and every run in flight is young
 * (AHEAD_MAX). */
static int claim_room(const loop *L, int64_t mono, int nsettle)
{
	int room = L->threads - L->ninflight - L->ndoubt, ahead = 0;

	for (int i = 0; i < nsettle; i++) {
		const run *r = L->settling[i];
		if (r->duration_ms >= AHEAD_SHORT_MS) {
			ahead = 0;
			break;
		}
		ahead |= r->duration_ms >= 0;  /* it ran */
	}
	for (int i = 0; ahead && i < L->ninflight; i++)
		ahead = mono - L->inflight_at[i] < AHEAD_SHORT_MS;
	if (ahead)
		room += L->t.batch < AHEAD_MAX ? L->t.batch : AHEAD_MAX;
	return room < 0 ? 0 : room;
}

/* ---- the tick --------------------------------------------------------------------------- */

/* How many finished runs this tick settles (bounded in count and bytes). */
static int settle_take(const loop *L)
{
	size_t bytes = 0;
	int n = 0;

	while (n < L->nsettling && n < SETTLE_MAX && bytes < SETTLE_BYTES) {
		const run *r = L->settling[n++];
		bytes += (r->result ? strlen(r->result) : 0) + r->out_len + r->err_len + 512;
		bytes += (size_t)r->nsteps * 300;
	}
	return n;
}

struct tick {
	int64_t now_ms;
	int nsettle;                 /* L->settling[0..nsettle) settled by this tick */
	int *lost;                   /* per settled run: settled elsewhere */
	claim_ctx c;
	firing_result fired;
	int claim_limit;             /* 0 also when the lease is not held (lease_held) */
	int reap;                    /* reap stale executions this tick */
	int wf_due;                  /* workflow runs this tick started or queued */
	int wf_polled, wf_more;      /* wf_advance ran; it left due runs */
};

/* Queue the workflow runs of settled children (wf_engine.h). */
static int wf_settled(loop *L, struct tick *k, run **runs, int n, const int *lost, zq_err *err)
{
	int queued = 0, rc = wf_children_settled(L->db, runs, n, lost, k->now_ms, &queued, err);

	k->wf_due += queued;
	return rc;
}

static int settle_all(loop *L, struct tick *k, zq_err *err)
{
	int n = k->nsettle + k->c.nended, rc;
	run **all = zq_calloc((size_t)n + 1, sizeof(run *));

	for (int i = 0; i < k->nsettle; i++)
		all[i] = L->settling[i];
	for (int i = 0; i < k->c.nended; i++)
		all[k->nsettle + i] = k->c.ended[i];
	k->lost = zq_calloc((size_t)n + 1, sizeof(int));
	rc = n ? settle_runs(L->db, L->node_id, all, n, k->lost, &L->stats, &L->touched, &L->events,
			     err) : 0;
	if (rc == 0 && n)
		rc = wf_settled(L, k, all, n, k->lost, err);
	free(all);
	return rc;
}

/* Before reaping (same transaction): stale executions whose processes ran
 * on this host, since its last boot. What is left of them is KILLed; those
 * still alive after a short wait keep their lease (exec_store_hold), so
 * they are reaped, and retried, only once nothing of them is left: a retry
 * never runs beside its original on one host. Elsewhere the lease is the
 * proof (the other host's shims end their runs when their daemon dies). */
#define REAP_KILL_WAIT_MS 300

static int reap_on_host(loop *L, zq_err *err)
{
	int limit = L->t.batch, n = 0, nheld = 0, rc = 0;
	int64_t *ids = zq_calloc((size_t)limit + 1, sizeof(int64_t));
	int64_t *held = zq_calloc((size_t)limit + 1, sizeof(int64_t));
	exec_process *procs = zq_calloc((size_t)limit + 1, sizeof(exec_process));
	char(*cgroups)[512] = zq_calloc((size_t)limit + 1, sizeof(*cgroups));
	int *alive = zq_calloc((size_t)limit + 1, sizeof(int));
	char host[256], boot[64];
	int64_t until;
	int left = 0;

	if (proc_host_id(host, sizeof(host), boot, sizeof(boot)) < 0 ||
	    (rc = exec_store_stale_on_host(L->db, L->t.lease_s, limit, host, ids, procs, cgroups, &n,
					   err)) < 0) {
		rc = rc < 0 ? rc : 0;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		proc_trace t = {procs[i].pid, procs[i].start, procs[i].pgid, procs[i].cgroup};
		if (strcmp(procs[i].boot, boot) != 0)
			continue;  /* rebooted since: nothing of it is left */
		if ((alive[i] = proc_trace_kill(&t)) > 0) {
			left++;
			zq_warn("REAP exec=%lld: %d of its processes still alive on this host (shim pid "
				"%d, process group %d): KILLed before it is reaped", (long long)ids[i],
				alive[i], procs[i].pid, procs[i].pgid);
		}
	}
	until = zq_mono_ms() + REAP_KILL_WAIT_MS;
	while (left && zq_mono_ms() < until) {
		struct timespec ts = {0, 10 * 1000000};
		nanosleep(&ts, NULL);
		left = 0;
		for (int i = 0; i < n; i++) {
			proc_trace t = {procs[i].pid, procs[i].start, procs[i].pgid, procs[i].cgroup};
			if (alive[i] && (alive[i] = proc_trace_kill(&t)) > 0)
				left++;
		}
	}
	for (int i = 0; i < n; i++)
		if (alive[i]) {
			held[nheld++] = ids[i];
			zq_warn("REAP exec=%lld: its processes on this host are not gone yet: not reaped "
				"(nor retried) until they are", (long long)ids[i]);
		}
	rc = exec_store_hold(L->db, held, nheld, err);
out:
	free(ids);
	free(held);
	free(procs);
	free(cgroups);
	free(alive);
	return rc;
}

/* Everything that happens in the tick's transaction. */
static int tick_body(loop *L, struct tick *k, zq_err *err)
{
	int rc, nended;

	if (k->reap && (rc = reap_on_host(L, err)) < 0)
		return rc;
	if (k->reap && (rc = claim_stale(&k->c, L->t.lease_s, L->t.batch, err)) < 0)
		return rc;
	if (L->cancel_due && (rc = claim_cancelled(&k->c, L->t.batch, err)) < 0)
		return rc;
	/* settle first: its retry inserts never wait while this tick holds task locks */
	if ((rc = settle_all(L, k, err)) < 0)
		return rc;
	nended = k->c.nended;
	if (!L->draining) {
		if ((rc = firing_run(L->db, k->now_ms, L->jump_ms, L->t.batch, &L->stats, &L->touched,
				     &L->events, &k->fired, err)) < 0)
			return rc;
		if (k->claim_limit > 0 && (rc = claim_pending(&k->c, k->claim_limit, err)) < 0)
			return rc;
	}
	if (k->c.nended > nended) {  /* claimed but ended at once (cancelled, workflow) */
		run **all = k->c.ended + nended;
		int n = k->c.nended - nended, *lost = zq_calloc((size_t)n, sizeof(int));
		rc = settle_runs(L->db, L->node_id, all, n, lost, &L->stats, &L->touched, &L->events,
				 err);
		if (rc == 0)
			rc = wf_settled(L, k, all, n, lost, err);
		free(lost);
		if (rc < 0)
			return rc;
	}
	/* workflow runs: the ones this tick touched at once, others' every poll */
	k->wf_due += k->c.nworkflows;
	if (!L->draining && (k->wf_due || L->cancel_due || zq_mono_ms() >= L->next_wf_poll)) {
		k->wf_polled = 1;
		if ((rc = wf_advance(L->db, k->now_ms, WF_ADVANCE_MAX, L->cancel_due, &L->stats,
				     &L->touched, &L->events, &k->wf_more, err)) < 0)
			return rc;
	}
	/* last: after every write to executions (run_state_store.h) */
	if ((rc = run_state_store_refresh(L->db, &L->touched, err)) < 0)
		return rc;
	return stats_store_upsert(L->db, &L->stats, err);
}

static void print_events(loop *L)
{
	zq_log_lines(ZQ_LOG_INFO, L->events.data);  /* a few writes a tick, not one a line */
}

/* After commit: log, free settled runs, post claimed ones. */
static void tick_committed(loop *L, struct tick *k)
{
	for (int i = 0; i < k->nsettle; i++)
		if (k->lost[i])
			zq_warn("REAP exec=%lld task=%lld: outcome dropped, the row is no longer running "
				"on this node (reaped elsewhere after a lost lease, or deleted with its task)",
				(long long)L->settling[i]->job.id, (long long)L->settling[i]->job.task_id);
	print_events(L);
	for (int i = 0; i < k->nsettle; i++)
		run_free(L->settling[i]);
	if (k->nsettle) {
		memmove(L->settling, L->settling + k->nsettle,
			(size_t)(L->nsettling - k->nsettle) * sizeof(run *));
		L->nsettling -= k->nsettle;
	}
	L->settled += (uint64_t)k->nsettle;
	L->claimed += (uint64_t)k->c.nrun;
	L->more = k->fired.full || L->nsettling > 0 || k->wf_more ||
		  (k->claim_limit > 0 && k->c.nrun == k->claim_limit);
	if (L->more || k->nsettle || k->c.nrun)
		retention_loop_busy(L->ret);
	if (k->wf_polled)
		L->next_wf_poll = zq_mono_ms() + L->t.poll_ms;
	for (int i = 0; i < k->c.nrun; i++)
		dispatch(L, k->c.to_run[i]);
	k->c.nrun = 0;  /* posted: no longer ours to free */
	if (k->reap)
		L->reap_due = 0;
	L->cancel_due = 0;
	L->commits++;
}

/* A COMMIT that got no answer (connection lost) may have been applied:
 * the runs it claimed wait, not running, until a heartbeat finds out
 * whether their rows are running on this node (check_rows). */
static void claims_in_doubt(loop *L, struct tick *k)
{
	for (int i = 0; i < k->c.nrun; i++) {
		zq_warn("CLAIM exec=%lld task=%lld: the commit got no answer (database unreachable); "
			"it runs if the claim was recorded", (long long)k->c.to_run[i]->job.id,
			(long long)k->c.to_run[i]->job.task_id);
		L->doubt[L->ndoubt++] = k->c.to_run[i];
	}
	k->c.nrun = 0;
}

static int tick_once(loop *L, int64_t now_ms, zq_err *err)
{
	struct tick k;
	int64_t mono = zq_mono_ms();
	int rc, committing = 0;

	memset(&k, 0, sizeof(k));
	k.now_ms = now_ms;
	k.nsettle = settle_take(L);
	/* lease before work: nothing is claimed or reaped on a lease that may
	 * run out before the next heartbeat renews it */
	if (lease_held(L, mono)) {
		k.claim_limit = claim_room(L, mono, k.nsettle);
		k.reap = L->reap_due && mono >= L->reap_after;
	}
	k.c = (claim_ctx){.db = L->db, .node_id = L->node_id, .now_ms = now_ms, .set = L->t.set,
			  .lease_until = &L->lease_until, .events = &L->events, .touched = &L->touched};
	stats_batch_reset(&L->stats);
	run_state_ids_reset(&L->touched);
	zq_buf_reset(&L->events);
	if ((rc = zq_db_begin(L->db, err)) == 0 && (rc = tick_body(L, &k, err)) == 0) {
		committing = 1;
		rc = zq_db_commit(L->db, err);
	}
	if (rc < 0) {
		zq_db_rollback(L->db);
		if (committing && rc == ZQ_EDBDOWN)
			claims_in_doubt(L, &k);
		L->more = 0;
	} else {
		tick_committed(L, &k);
	}
	claim_release(&k.c);
	free(k.lost);
	return rc;
}

/* Settle one run in its own transaction. */
static int settle_one(loop *L, run *r, zq_err *err)
{
	int lost = 0, queued = 0, rc;

	stats_batch_reset(&L->stats);
	run_state_ids_reset(&L->touched);
	zq_buf_reset(&L->events);
	if ((rc = zq_db_begin(L->db, err)) == 0 &&
	    (rc = settle_runs(L->db, L->node_id, &r, 1, &lost, &L->stats, &L->touched, &L->events,
			      err)) == 0 &&
	    (rc = wf_children_settled(L->db, &r, 1, &lost, zq_wall_ms(), &queued, err)) == 0 &&
	    (rc = run_state_store_refresh(L->db, &L->touched, err)) == 0 &&
	    (rc = stats_store_upsert(L->db, &L->stats, err)) == 0)
		rc = zq_db_commit(L->db, err);
	if (rc < 0)
		zq_db_rollback(L->db);
	else
		print_events(L);
	return rc;
}

/* A tick failed for a reason other than a lock conflict or an outage: one
 * finished run may be what the database refuses. Settle them one by one so
 * one bad outcome cannot block the daemon; a run whose outcome is refused
 * is recorded as a plain failure, or, if even that fails, dropped (its row
 * is then reaped as lost, so it never stays running). */
static void settle_isolated(loop *L)
{
	zq_err err = ZQ_ERR_INIT;
	char msg[ZQ_ERR_MSG_MAX + 64];

	while (L->nsettling) {
		run *r = L->settling[0];
		if (settle_one(L, r, &err) < 0 && err.code != ZQ_EDBDOWN) {
			zq_error("FAIL exec=%lld: outcome refused by the database: %s", (long long)r->job.id,
				 err.msg);
			snprintf(msg, sizeof(msg), "could not record the outcome: %s", err.msg);
			for (int i = 0; i < r->nsteps; i++)
				free(r->steps[i].message);
			r->nsteps = 0;
			r->has_output = 0;
			free(r->message);
			r->message = NULL;
			run_end(r, ZQ_EXEC_FAILED, 0, msg, NULL);
			if (settle_one(L, r, &err) < 0)
				zq_error("FAIL exec=%lld: dropped, it will be reaped: %s", (long long)r->job.id,
					 err.msg);
		} else if (err.code == ZQ_EDBDOWN) {
			return;  /* try again later */
		}
		run_free(r);
		memmove(L->settling, L->settling + 1, (size_t)(--L->nsettling) * sizeof(run *));
		zq_err_clear(&err);
	}
}

static void heartbeat(loop *L);

static void tick(loop *L)
{
	zq_err err = ZQ_ERR_INIT;
	int rc;

	collect_done(L);
	/* lease before work: after an outage (a failed tick or heartbeat) the
	 * node row and every execution this daemon holds are renewed before
	 * the tick may claim or reap anything */
	if (!lease_held(L, zq_mono_ms()) && zq_mono_ms() - L->hb_attempt >= HEARTBEAT_RETRY_MS)
		heartbeat(L);
	L->ticks++;
	L->tick_failed = 0;
	for (int attempt = 0; attempt < TICK_RETRIES; attempt++) {
		if ((rc = tick_once(L, zq_wall_ms(), &err)) != ZQ_EBUSY)
			break;
		zq_debug("tick: %s; running it again", err.msg);
	}
	if (rc < 0)
		L->tick_failed = 1;
	if (rc < 0)
		L->renew_due = 1;  /* whatever failed: renew before the next claim */
	if (rc < 0 && rc != ZQ_EDBDOWN) {
		zq_error("tick: %s", err.msg);
		if (rc != ZQ_EBUSY && L->nsettling)
			settle_isolated(L);
	} else if (rc < 0) {
		zq_debug("tick: %s", err.msg);
	}
}

/* ---- duties around the tick ------------------------------------------------------------ */

/* Which of ids[0..n) are running on this node: *alive (n slots) gets them.
 * Then runs whose row is no longer running here (reaped by another daemon
 * after a lost lease, or deleted with its task) are stopped, their outcome
 * has no home; and claims in doubt are resolved: a row running here was
 * claimed (it goes to a worker), any other was not (the run is dropped). */
static int check_rows(loop *L, const int64_t *ids, int n, zq_err *err)
{
	int64_t *alive = zq_calloc((size_t)n + 1, sizeof(int64_t));
	int nalive = 0, rc, ndoubt = L->ndoubt;

	if ((rc = exec_store_still_running(L->db, L->node_id, ids, n, alive, &nalive, err)) < 0) {
		free(alive);
		return rc;
	}
	for (int i = 0; i < L->ninflight; i++) {
		run *r = L->inflight[i];
		int found = 0;
		for (int j = 0; j < nalive && !found; j++)
			found = alive[j] == r->job.id;
		if (!found && !atomic_load(&r->stop)) {
			zq_warn("exec=%lld task=%lld is no longer running on this node (reaped "
				"elsewhere or deleted): stopping it", (long long)r->job.id,
				(long long)r->job.task_id);
			run_request_stop(r, RUN_STOP_ORPHANED);
		}
	}
	L->ndoubt = 0;
	for (int i = 0; i < ndoubt; i++) {
		run *r = L->doubt[i];
		int found = 0;
		for (int j = 0; j < nalive && !found; j++)
			found = alive[j] == r->job.id;
		zq_warn("CLAIM exec=%lld task=%lld: the claim was %s", (long long)r->job.id,
			(long long)r->job.task_id, found ? "recorded: it runs" : "not recorded: dropped");
		if (found)
			dispatch(L, r);
		else
			run_free(r);
	}
	free(alive);
	return 0;
}

/* The node row is gone (purged after the node was lost for days, or
 * deleted by hand): everything this daemon holds was reaped long ago. Stop
 * the copies, and register again as a new node. */
static int rejoin(loop *L, zq_err *err)
{
	char host[256] = "localhost", name[320];
	int64_t old = L->node_id;
	int rc;

	gethostname(host, sizeof(host) - 1);
	snprintf(name, sizeof(name), "%s:%d", host, (int)getpid());
	for (int i = 0; i < L->ninflight; i++)
		run_request_stop(L->inflight[i], RUN_STOP_ORPHANED);
	rc = node_store_register(L->db, L->cfg->sched_node_name[0] ? L->cfg->sched_node_name : name,
				 host, (int)getpid(), ZQ_VERSION, L->threads, &L->node_id, err);
	if (rc == 0)
		zq_warn("START node=%lld: the row of node %lld is gone; registered again, %d running "
			"execution(s) stopped", (long long)L->node_id, (long long)old, L->ninflight);
	return rc < 0 ? rc : ZQ_ENOTFOUND;  /* renewed nothing: the lease is renewed next time */
}

/* Renew the lease: the node row, and heartbeat_at of every execution this
 * daemon holds (running, finished but not yet settled, claims in doubt),
 * so neither a peer nor this daemon reaps them while it catches up after
 * an outage. The lease is counted from before the statements were sent.
 * A lease that ran out before it could be renewed means a peer may have
 * reaped these runs: the copies still running are stopped at once. */
static void heartbeat(loop *L)
{
	zq_err err = ZQ_ERR_INIT;
	int n = L->ninflight + L->nsettling + L->ndoubt, k = 0;
	int64_t *ids = zq_calloc((size_t)n + 1, sizeof(int64_t));
	const char *state = L->draining ? "stopping" : "running";
	int64_t start = zq_mono_ms(), until = atomic_load(&L->lease_until);
	int rc = 0, renewed = 0, was_down = L->renew_due;

	for (int i = 0; i < L->ninflight; i++)
		ids[k++] = L->inflight[i]->job.id;
	for (int i = 0; i < L->nsettling; i++)
		ids[k++] = L->settling[i]->job.id;
	for (int i = 0; i < L->ndoubt; i++)
		ids[k++] = L->doubt[i]->job.id;
	L->hb_attempt = start;
	L->next_heartbeat = start + L->t.heartbeat_ms;
	/* not held back by the reconnect backoff: the lease is at stake */
	if (!zq_db_is_up(L->db))
		rc = zq_db_connect(L->db, &err);
	if (rc == 0)
		/* busy workers: runs claimed ahead wait in the queue, not on a worker */
		rc = node_store_heartbeat(L->db, L->node_id, state, L->threads,
					  L->ninflight < L->threads ? L->ninflight : L->threads, &err);
	if (rc == ZQ_ENOTFOUND)
		rc = rejoin(L, &err);
	if (rc == 0)
		rc = exec_store_heartbeat(L->db, L->node_id, ids, n, &renewed, &err);
	/* claims in doubt are resolved here even when every row was renewed
	 * (their commit was applied: they run); skipping them then left them
	 * waiting for ever, 'running' with a live lease */
	if (rc == 0 && (renewed < n || L->ndoubt))
		rc = check_rows(L, ids, n, &err);
	free(ids);
	if (rc < 0) {
		L->renew_due = 1;
		zq_debug("heartbeat: %s", err.msg);
		if (start >= until && !L->lease_warned) {
			zq_warn("heartbeat: lease not renewed for %lld ms: running executions stop (%s)",
				(long long)lease_abort_ms(&L->t), err.msg);
			L->lease_warned = 1;
		}
		return;
	}
	if (start >= until) {
		int stopped = 0;
		for (int i = 0; i < L->ninflight; i++)
			if (!atomic_load(&L->inflight[i]->stop)) {
				run_request_stop(L->inflight[i], RUN_STOP_LEASE);
				stopped++;
			}
		zq_warn("lease renewed %lld ms after it ran out: a peer may have reaped this node's "
			"executions; %d still running stopped now, outcomes of rows reaped meanwhile "
			"are dropped", (long long)(start - until), stopped);
	}
	if (was_down) {
		/* peers cut off by the same outage reconnect within a heartbeat or
		 * two: give them the time to renew before reaping their runs */
		L->reap_after = start + 2 * (int64_t)L->t.heartbeat_ms;
		zq_info("lease renewed after an outage: %d running, %d to settle; claims resume",
			L->ninflight, L->nsettling);
	}
	L->renew_due = 0;
	L->lease_warned = 0;
	atomic_store(&L->lease_until, start + lease_abort_ms(&L->t));
}

static void mark_lost_nodes(loop *L, int64_t mono)
{
	zq_err err = ZQ_ERR_INIT;
	int n = 0;

	L->next_reap = mono + L->t.heartbeat_ms;
	L->reap_due = 1;
	if (node_store_mark_lost(L->db, L->t.lease_s, &n, &err) < 0)
		zq_debug("reap: %s", err.msg);
	else if (n)
		zq_warn("REAP %d scheduler node(s) silent for more than %d s marked lost", n,
			L->t.lease_s);
}

static void pass_cancels(loop *L, int64_t mono)
{
	zq_err err = ZQ_ERR_INIT;
	int64_t ids[256];
	int n = 0;

	L->next_cancel = mono + L->t.poll_ms;
	if (L->woken || mono >= L->next_pending_cancel) {
		/* the tick also ends pending executions that were cancelled */
		L->cancel_due = 1;
		L->next_pending_cancel = mono + PENDING_CANCEL_PERIOD_MS;
	}
	if (!L->ninflight)
		return;
	if (exec_store_cancelled_running(L->db, L->node_id, ids, 256, &n, &err) < 0) {
		zq_debug("cancel: %s", err.msg);
		return;
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < L->ninflight; j++)
			if (L->inflight[j]->job.id == ids[i] && !atomic_load(&L->inflight[j]->stop)) {
				zq_info("exec=%lld task=%lld cancel requested: stopping it", (long long)ids[i],
					(long long)L->inflight[j]->job.task_id);
				run_request_stop(L->inflight[j], RUN_STOP_CANCEL);
			}
}

static void check_clock(loop *L, int64_t wall, int64_t mono)
{
	int64_t d = L->prev_mono ? fire_clock_jump(L->prev_wall, L->prev_mono, wall, mono,
						   JUMP_TOLERANCE_MS)
				 : 0;

	if (d > 0) {
		L->jump_ms = wall;
		zq_warn("clock jumped forward by %lld ms: fires it skipped run once per task", (long long)d);
	} else if (d < 0) {
		zq_warn("clock jumped back by %lld ms: fires wait until the clock reaches their time",
			(long long)-d);
	}
	L->prev_wall = wall;
	L->prev_mono = mono;
}

static void duties(loop *L)
{
	int64_t mono = zq_mono_ms();

	check_clock(L, zq_wall_ms(), mono);
	if (mono >= L->next_heartbeat)
		heartbeat(L);
	if (!L->draining && mono >= L->next_reap) {
		if (mono >= L->reap_after && lease_held(L, zq_mono_ms()))
			mark_lost_nodes(L, mono);
		else  /* not on a lease in doubt, nor while peers reconnect */
			L->next_reap = L->reap_after > mono ? L->reap_after : mono + L->t.heartbeat_ms;
	}
	if (L->woken || mono >= L->next_cancel)
		pass_cancels(L, mono);
	L->woken = 0;
}

/* The start-up run state check, a span of task ids at a time (about
 * 8 us a task: ~16 ms a step) between ticks; the tasks it refreshes are
 * locked as any refresh locks them, so it may run beside this daemon's
 * and its peers' ticks. Its line says when it is done. */
#define RECONCILE_SPAN 2000

static void reconcile_step(loop *L)
{
	zq_err err = ZQ_ERR_INIT;
	int rc;

	if (L->rs_after < 0 || zq_mono_ms() < L->rs_retry_at)
		return;
	rc = run_state_store_reconcile_step(L->db, &L->rs_after, RECONCILE_SPAN, &L->rs_refreshed,
					    &err);
	if (rc < 0) {
		zq_debug("run state check at start: %s; again in %d ms", err.msg, L->t.poll_ms);
		L->rs_retry_at = zq_mono_ms() + L->t.poll_ms;
	} else if (rc == 1) {
		zq_info("run state: %d task%s refreshed at start in %lld ms", L->rs_refreshed,
			L->rs_refreshed == 1 ? "" : "s", (long long)(zq_mono_ms() - L->rs_t0));
		L->rs_after = -1;
	}
}

/* ---- shutdown --------------------------------------------------------------------------- */

static void start_draining(loop *L)
{
	L->draining = 1;
	retention_request_stop(L->ret);  /* after the batch under way; joined in loop_free */
	L->drain_deadline = zq_mono_ms() + L->t.shutdown_grace_ms;
	L->next_heartbeat = 0;
	zq_info("STOP requested: no more claims; %d running execution(s) may finish within %d s",
		L->ninflight, L->t.shutdown_grace_ms / 1000);
}

/* 1 when the loop may exit. */
static int drained(loop *L)
{
	int64_t mono = zq_mono_ms();

	if (L->ninflight && mono >= L->drain_deadline && !L->stop_sent) {
		zq_warn("STOP grace period over: stopping %d running execution(s)", L->ninflight);
		for (int i = 0; i < L->ninflight; i++)
			run_request_stop(L->inflight[i], RUN_STOP_SHUTDOWN);
		L->stop_sent = 1;
	}
	if (!L->ninflight && !L->nsettling)
		return 1;
	if (!L->ninflight && mono >= L->drain_deadline + L->t.set.kill_grace_ms + EXIT_WAIT_MS) {
		zq_error("STOP: %d finished execution(s) could not be recorded (database unreachable); "
			 "they will be reaped as lost", L->nsettling);
		return 1;
	}
	return 0;
}

/* ---- sleeping ------------------------------------------------------------------------------- */

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* How long to sleep: until the next due fire or pending execution, the
 * next duty, or the poll interval, whichever comes first. */
static int64_t sleep_ms(loop *L)
{
	int64_t now = zq_wall_ms(), mono = zq_mono_ms(), t = L->t.poll_ms, task = ZQ_TIME_NONE,
		pending = ZQ_TIME_NONE;
	zq_err err = ZQ_ERR_INIT;

	if (L->more || (L->rs_after >= 0 && mono >= L->rs_retry_at))
		return 0;
	if (L->rs_after >= 0)
		t = min64(t, L->rs_retry_at - mono);
	if (!L->draining && exec_store_next_due(L->db, &task, &pending, &err) == 0) {
		if (task != ZQ_TIME_NONE)
			t = min64(t, task > now ? task - now : BUSY_RETRY_MS);
		if (pending != ZQ_TIME_NONE && claim_room(L, mono, 0) > 0 && lease_held(L, mono))
			t = min64(t, pending > now ? pending - now : BUSY_RETRY_MS);
	}
	t = min64(t, L->next_heartbeat - mono);
	if (!L->draining)
		t = min64(t, min64(L->next_reap - mono, L->next_cancel - mono));
	if (L->draining && !L->stop_sent && L->ninflight)
		t = min64(t, L->drain_deadline - mono);
	if (L->draining && L->nsettling)
		t = min64(t, 200);
	if (L->tick_failed && t < min64(L->t.poll_ms, 1000))
		t = min64(L->t.poll_ms, 1000);  /* an error repeats: do not spin on it */
	return t < 0 ? 0 : t;
}

static void drain_fd(int fd)
{
	uint64_t v;

	if (fd >= 0 && read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		zq_debug("eventfd read: %s", strerror(errno));
}

static void wait_for_work(loop *L, int64_t ms)
{
	struct pollfd fds[2] = {{L->done_fd, POLLIN, 0}, {L->wake_fd, POLLIN, 0}};
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	sigset_t open_mask;

	if ((*L->sig.term && !L->draining) || *L->sig.hup)
		return;  /* a signal came while we were busy: handle it first */
	sigemptyset(&open_mask);
	if (ppoll(fds, L->wake_fd >= 0 ? 2 : 1, &ts, &open_mask) <= 0)
		return;
	if (fds[0].revents)
		drain_fd(L->done_fd);
	if (L->wake_fd >= 0 && fds[1].revents && zq_wakeup_drain(L->wake_fd) > 0)
		L->woken = 1;
}

/* ---- life ------------------------------------------------------------------------------------- */

static int start_node(loop *L, zq_err *err)
{
	char host[256] = "localhost", name[320];
	const zq_config *c = L->cfg;
	int rc;

	gethostname(host, sizeof(host) - 1);
	snprintf(name, sizeof(name), "%s:%d", host, (int)getpid());

	if ((rc = zq_db_connect_wait(L->db, c->db_startup_wait, err)) < 0 ||
	    (rc = zq_check_server(L->db, err)) < 0 || (rc = zq_check_schema(L->db, err)) < 0)
		return rc;
	/* After an upgrade the previous release's daemons may have written
	 * executions without refreshing task_run_state (README "Upgrades"):
	 * checked between the ticks from now on (reconcile_step), so that a
	 * million tasks do not hold back the first fires. */
	L->rs_after = 0;
	L->rs_t0 = zq_mono_ms();
	return node_store_register(L->db, c->sched_node_name[0] ? c->sched_node_name : name, host,
				   (int)getpid(), ZQ_VERSION, L->threads, &L->node_id, err);
}

/* How commands are supervised (proc.h), said once at start-up. */
static void log_supervision(void)
{
	char why[1024];

	if (proc_supervise_init(why, sizeof(why)))
		zq_info("SUPERVISE shim+cgroup: every command under a shim of its own, in its own "
			"cgroup %s, killed with cgroup.kill", why);
	else
		zq_info("SUPERVISE shim (process group): cgroup v2 not writable: %s; every command "
			"under a shim of its own that kills its process group and adopted orphans", why);
}

loop *loop_new(const zq_config *cfg, const loop_signals *sig, zq_err *err)
{
	loop *L = zq_calloc(1, sizeof(*L));
	pool_ops ops = {worker_init, worker_run, worker_end};

	L->cfg = cfg;
	L->sig = *sig;
	tunables_from(&L->t, cfg);
	L->threads = cfg->sched_threads;
	L->wake_fd = L->done_fd = -1;
	L->jump_ms = ZQ_TIME_NONE;
	pthread_mutex_init(&L->done_mu, NULL);
	stats_batch_init(&L->stats);
	run_state_ids_init(&L->touched);
	zq_buf_init(&L->events, 1 << 20);
	L->inflight = zq_calloc((size_t)L->threads + AHEAD_MAX, sizeof(run *));
	L->inflight_at = zq_calloc((size_t)L->threads + AHEAD_MAX, sizeof(int64_t));
	L->doubt = zq_calloc((size_t)L->threads + AHEAD_MAX, sizeof(run *));
	L->db = zq_db_new(cfg);
	if (start_node(L, err) < 0)
		goto fail;
	if ((L->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		zq_errf(err, ZQ_EIO, "eventfd: %s", strerror(errno));
		goto fail;
	}
	L->wake_fd = zq_wakeup_listen(cfg->sched_wakeup_dir, L->wake_path, sizeof(L->wake_path));
	atomic_store(&L->lease_until, zq_mono_ms() + lease_abort_ms(&L->t));
	log_supervision();
	if (!(L->ret = retention_start(cfg, L->t.history_days, err)))
		goto fail;
	if (!(L->pool = pool_new(L->threads, L->threads + AHEAD_MAX, &ops, L, WORKER_STACK, err)))
		goto fail;
	return L;
fail:
	loop_free(L);
	return NULL;
}

int loop_run(loop *L)
{
	zq_info("START node=%lld threads=%d poll_ms=%d heartbeat_s=%d lease_s=%d wakeup=%s",
		(long long)L->node_id, L->threads, L->t.poll_ms, L->t.heartbeat_ms / 1000, L->t.lease_s,
		L->wake_fd >= 0 ? L->wake_path : "off (polling)");
	L->reap_due = L->cancel_due = 1;  /* adopt what a crashed predecessor left, once stale */
	for (;;) {
		if (*L->sig.hup) {
			*L->sig.hup = 0;
			reload(L);
		}
		if (*L->sig.term && !L->draining)
			start_draining(L);
		if (L->draining && drained(L))
			break;
		duties(L);
		tick(L);
		reconcile_step(L);
		wait_for_work(L, sleep_ms(L));
	}
	return 0;
}

void loop_free(loop *L)
{
	zq_err err = ZQ_ERR_INIT;

	if (!L)
		return;
	retention_stop(L->ret);
	pool_free(L->pool);  /* workers are idle by now (drained) */
	collect_done(L);
	for (int i = 0; i < L->nsettling; i++)
		run_free(L->settling[i]);
	for (int i = 0; i < L->ndoubt; i++)
		run_free(L->doubt[i]);
	if (L->node_id && node_store_heartbeat(L->db, L->node_id, "stopped", L->threads, 0, &err) == 0)
		zq_info("STOP node=%lld ticks=%llu commits=%llu claimed=%llu settled=%llu",
			(long long)L->node_id, (unsigned long long)L->ticks,
			(unsigned long long)L->commits, (unsigned long long)L->claimed,
			(unsigned long long)L->settled);
	if (L->wake_fd >= 0) {
		close(L->wake_fd);
		unlink(L->wake_path);
	}
	if (L->done_fd >= 0)
		close(L->done_fd);
	zq_db_free(L->db);
	pthread_mutex_destroy(&L->done_mu);
	stats_batch_release(&L->stats);
	run_state_ids_release(&L->touched);
	zq_buf_release(&L->events);
	free(L->inflight);
	free(L->inflight_at);
	free(L->doubt);
	free(L->settling);
	free(L);
}
