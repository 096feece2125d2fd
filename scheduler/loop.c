/* loop.c - the scheduler loop (see loop.h): the tick, sleeping, draining,
 * start-up and stop, and SIGHUP. Its state is in loop_priv.h; the settling
 * queue is in settle.c, the duties around the tick (lease, heartbeat,
 * reaping, cancels, clock, start-up run state check) in duties.c.
 *
 * Transactions per execution: a scheduled run is fired and claimed in one
 * tick transaction (shared by every execution of that tick), may write
 * throttled progress from its worker, and is settled in a later tick
 * transaction (again shared). At load a tick settles and claims dozens of
 * executions at once: tests/bench/bench_scheduler.py measures well under
 * 0.1 COMMIT per execution for 10,000 due trivial tasks.
 *
 * What each wake-up does:
 *   duties      whichever of heartbeat, reap, cancel is due (duties.c)
 *   tick        settle, reap*, cancel*, claim and fire, workflows, in one
 *               transaction (tick_tx.h) committed with run state and stats
 *   run state   a step of the start-up check, if not done (duties.c)
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
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "backfill.h"
#include "command.h"
#include "example.h"
#include "exec_store.h"
#include "log.h"
#include "loop_priv.h"
#include "mem.h"
#include "sched_metrics.h"
#include "migrate.h"
#include "node_store.h"
#include "proc.h"
#include "task.h"
#include "timeutil.h"
#include "wakeup.h"
#include "wf_engine.h"

#define TICK_RETRIES 3               /* deadlock / lock wait: run the tick again */
#define BUSY_RETRY_MS 10             /* due work locked by another daemon: look again soon */
#define WORKER_STACK (256 << 10)
#define HEARTBEAT_RETRY_MS 250      /* lease not held: renew before a tick, at most this often */
#define EXIT_WAIT_MS 10000           /* after the grace period, how long to wait for the DB */

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
	t->set.output_flush_ms = c->sched_output_flush_ms;
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
	retention_set(L->ret, L->t.history_days, nc.sched_retention_duty);
	zq_log_set_level(nc.log_level);
	reload_run_as(&nc);
	if (nc.sched_threads != c->sched_threads || strcmp(nc.sched_wakeup_dir, c->sched_wakeup_dir) ||
	    strcmp(nc.db_host, c->db_host) || strcmp(nc.db_socket, c->db_socket) ||
	    strcmp(nc.db_name, c->db_name) || strcmp(nc.db_user, c->db_user) ||
	    strcmp(nc.db_password, c->db_password) || nc.db_port != c->db_port ||
	    strcmp(nc.sched_node_name, c->sched_node_name))
		zq_warn("SIGHUP: scheduler.threads, scheduler.wakeup_dir, scheduler.node_name "
			"and db.* take effect only after a restart");
	zq_info("SIGHUP: configuration reloaded: log.level=%s poll_ms=%d heartbeat_s=%d lease_s=%d "
		"batch=%d progress_ms=%d kill_grace_s=%d shutdown_grace_s=%d output_tail=%d "
		"history_days=%d",
		zq_log_level_name(nc.log_level), nc.sched_poll_ms, nc.sched_heartbeat_s,
		nc.sched_lease_s, nc.sched_batch, nc.sched_progress_ms, nc.sched_kill_grace_s,
		nc.sched_shutdown_grace_s, nc.sched_output_tail, nc.sched_history_days);
}

/* ---- workers -------------------------------------------------------------------------- */

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
	metrics_started(r->job.scheduled_ms, r->job.start_ms);
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
	settle_done_push(L, r);
}

static void worker_end(void *ctx, void *state)
{
	(void)ctx;
	zq_db_free(state);
	zq_db_thread_end();
}

/* Hand claimed runs to the workers (after the claim committed). */
void loop_dispatch(loop *L, run *r)
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
 * L->sq.runs) that were all short and every run in flight is young
 * (AHEAD_MAX). */
static int claim_room(const loop *L, int64_t mono, int nsettle)
{
	int room = L->threads - L->ninflight - L->ndoubt, ahead = 0;

	for (int i = 0; i < nsettle; i++) {
		const run *r = L->sq.runs[i];
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

/* Everything that happens in the tick's transaction. */
static int tick_body(loop *L, struct tick *k, zq_err *err)
{
	int rc, nended;

	if (k->reap && (rc = duties_reap_on_host(L, err)) < 0)
		return rc;
	if (k->reap && (rc = claim_stale(&k->c, L->t.lease_s, L->t.batch, err)) < 0)
		return rc;
	if (L->cancel_due && (rc = claim_cancelled(&k->c, L->t.batch, err)) < 0)
		return rc;
	/* settle first: its retry inserts never wait while this tick holds task locks */
	if ((rc = settle_tick(L, k, err)) < 0)
		return rc;
	nended = k->c.nended;
	/* backfill dates ended by what settled, new ones started before the claim */
	if (L->backfill_due && !L->draining) {
		int started = 0;
		if ((rc = backfill_tick(&L->tx, &started, err)) < 0)
			return rc;
		k->backfilled = 1;
	}
	if (!L->draining) {
		/* claim, then fire: the runs the room has left start at once (claim.h) */
		if ((rc = claim_fire(&k->c, k->claim_limit, L->jump_ms, L->t.batch, &k->fired,
				     err)) < 0)
			return rc;
	}
	/* claimed but ended at once (cancelled, workflow) */
	if ((rc = settle_claimed_ended(L, k, nended, err)) < 0)
		return rc;
	/* workflow runs: the ones this tick touched at once, others' every poll */
	k->wf_due += k->c.nworkflows;
	if (!L->draining && (k->wf_due || L->cancel_due || zq_mono_ms() >= L->next.wf_poll)) {
		k->wf_polled = 1;
		if ((rc = wf_advance(&L->tx, WF_ADVANCE_MAX, L->cancel_due, &k->wf_more, err)) < 0)
			return rc;
	}
	return 0;
}

/* After commit (which logged): free settled runs, post claimed ones. */
static void tick_committed(loop *L, struct tick *k)
{
	settle_committed(L, k);
	metrics_committed(&k->fired, k->c.nrun);
	L->claimed += (uint64_t)k->c.nrun;
	L->more = k->fired.full || L->sq.n > 0 || k->wf_more ||
		  (k->claim_limit > 0 && k->c.nrun == k->claim_limit);
	if (L->more || k->nsettle || k->c.nrun)
		retention_loop_busy(L->ret);
	if (k->wf_polled)
		L->next.wf_poll = zq_mono_ms() + L->t.poll_ms;
	for (int i = 0; i < k->c.nrun; i++)
		loop_dispatch(L, k->c.to_run[i]);
	k->c.nrun = 0;  /* posted: no longer ours to free */
	if (k->reap)
		L->reap_due = 0;
	if (k->backfilled)
		L->backfill_due = 0;
	L->cancel_due = 0;
	L->commits++;
}

/* A COMMIT that got no answer (connection lost) may have been applied:
 * the runs it claimed wait, not running, until a heartbeat finds out
 * whether their rows are running on this node (check_rows, duties.c). */
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
	int rc;

	memset(&k, 0, sizeof(k));
	k.nsettle = settle_take(L);
	/* lease before work: nothing is claimed or reaped on a lease that may
	 * run out before the next heartbeat renews it */
	if (loop_lease_held(L, mono)) {
		k.claim_limit = claim_room(L, mono, k.nsettle);
		k.reap = L->reap_due && mono >= L->lease.reap_after;
	}
	k.c = (claim_ctx){.tx = &L->tx, .node_id = L->node_id, .set = L->t.set,
			  .lease_until = &L->lease.until};
	if ((rc = tick_tx_begin(&L->tx, now_ms, err)) == 0 && (rc = tick_body(L, &k, err)) == 0)
		rc = tick_tx_commit(&L->tx, err);
	if (rc < 0) {
		tick_tx_rollback(&L->tx);
		metrics_rolled_back();
		if (L->tx.commit_sent && rc == ZQ_EDBDOWN)
			claims_in_doubt(L, &k);
		L->more = 0;
	} else {
		tick_committed(L, &k);
	}
	claim_release(&k.c);
	free(k.lost);
	return rc;
}

static void tick(loop *L)
{
	zq_err err = ZQ_ERR_INIT;
	int rc;

	int64_t t0 = zq_mono_ms();

	settle_collect_done(L);
	/* lease before work: after an outage (a failed tick or heartbeat) the
	 * node row and every execution this daemon holds are renewed before
	 * the tick may claim or reap anything */
	if (!loop_lease_held(L, zq_mono_ms()) &&
	    zq_mono_ms() - L->lease.hb_attempt >= HEARTBEAT_RETRY_MS)
		duties_heartbeat(L);
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
		L->lease.renew_due = 1;  /* whatever failed: renew before the next claim */
	if (rc < 0 && rc != ZQ_EDBDOWN) {
		zq_error("tick: %s", err.msg);
		if (rc != ZQ_EBUSY && L->sq.n)
			settle_isolated(L);
	} else if (rc < 0) {
		zq_debug("tick: %s", err.msg);
	}
	metrics_tick(rc, zq_mono_ms() - t0, L->ninflight, L->threads, L->sq.n);
	if (rc == 0)
		metrics_backlog(L->db, zq_mono_ms());  /* every METRICS_BACKLOG_MS, when served */
}

/* ---- shutdown --------------------------------------------------------------------------- */

static void start_draining(loop *L)
{
	L->draining = 1;
	retention_request_stop(L->ret);  /* after the batch under way; joined in loop_free */
	alert_thread_request_stop(L->alerts);  /* after the delivery under way; joined in loop_free */
	L->drain_deadline = zq_mono_ms() + L->t.shutdown_grace_ms;
	L->next.heartbeat = 0;
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
	if (!L->ninflight && !L->sq.n)
		return 1;
	if (!L->ninflight && mono >= L->drain_deadline + L->t.set.kill_grace_ms + EXIT_WAIT_MS) {
		zq_error("STOP: %d finished execution(s) could not be recorded (database unreachable); "
			 "they will be reaped as lost", L->sq.n);
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

	if (L->more || (L->rs.after >= 0 && mono >= L->rs.retry_at))
		return 0;
	if (L->rs.after >= 0)
		t = min64(t, L->rs.retry_at - mono);
	if (!L->draining && exec_store_next_due(L->db, &task, &pending, &err) == 0) {
		if (task != ZQ_TIME_NONE)
			t = min64(t, task > now ? task - now : BUSY_RETRY_MS);
		if (pending != ZQ_TIME_NONE && claim_room(L, mono, 0) > 0 && loop_lease_held(L, mono))
			t = min64(t, pending > now ? pending - now : BUSY_RETRY_MS);
	}
	t = min64(t, L->next.heartbeat - mono);
	if (!L->draining)
		t = min64(t, min64(L->next.reap - mono, L->next.cancel - mono));
	if (L->draining && !L->stop_sent && L->ninflight)
		t = min64(t, L->drain_deadline - mono);
	if (L->draining && L->sq.n)
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
	struct pollfd fds[2] = {{L->sq.done_fd, POLLIN, 0}, {L->wake_fd, POLLIN, 0}};
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	sigset_t open_mask;

	if ((*L->sig.term && !L->draining) || *L->sig.hup)
		return;  /* a signal came while we were busy: handle it first */
	sigemptyset(&open_mask);
	if (ppoll(fds, L->wake_fd >= 0 ? 2 : 1, &ts, &open_mask) <= 0)
		return;
	if (fds[0].revents)
		drain_fd(L->sq.done_fd);
	if (L->wake_fd >= 0 && fds[1].revents && zq_wakeup_drain(L->wake_fd) > 0)
		L->woken = 1;
}

/* ---- life ------------------------------------------------------------------------------------- */

int loop_register_node(loop *L, zq_err *err)
{
	char host[256] = "localhost", name[320];
	const char *own = L->cfg->sched_node_name;

	gethostname(host, sizeof(host) - 1);
	snprintf(name, sizeof(name), "%s:%d", host, (int)getpid());
	return node_store_register(L->db, own[0] ? own : name, host, (int)getpid(), ZQ_VERSION,
				   L->threads, &L->node_id, err);
}

static int start_node(loop *L, zq_err *err)
{
	const zq_config *c = L->cfg;
	int rc;

	if ((rc = zq_db_connect_wait(L->db, c->db_startup_wait, err)) < 0 ||
	    (rc = zq_check_server(L->db, err)) < 0 || (rc = zq_check_schema(L->db, err)) < 0)
		return rc;
	/* After an upgrade the previous release's daemons may have written
	 * executions without refreshing task_run_state (README "Upgrades"):
	 * checked between the ticks from now on (duties_reconcile_step), so
	 * that a million tasks do not hold back the first fires. */
	L->rs.after = 0;
	L->rs.t0 = zq_mono_ms();
	return loop_register_node(L, err);
}

/* The alert thread (alerts.enabled), its sender named as the node. */
static int start_alerts(loop *L, zq_err *err)
{
	char host[256] = "localhost", name[320];
	const char *own = L->cfg->sched_node_name;

	gethostname(host, sizeof(host) - 1);
	snprintf(name, sizeof(name), "%s:%d", host, (int)getpid());
	L->alerts = alert_thread_start(L->cfg, own[0] ? own : name, err);
	return L->alerts || !L->cfg->alerts_enabled ? 0 : err->code;
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
	L->wake_fd = L->sq.done_fd = -1;
	L->jump_ms = ZQ_TIME_NONE;
	pthread_mutex_init(&L->sq.done_mu, NULL);
	L->inflight = zq_calloc((size_t)L->threads + AHEAD_MAX, sizeof(run *));
	L->inflight_at = zq_calloc((size_t)L->threads + AHEAD_MAX, sizeof(int64_t));
	L->doubt = zq_calloc((size_t)L->threads + AHEAD_MAX, sizeof(run *));
	L->db = zq_db_new(cfg);
	tick_tx_init(&L->tx, L->db);
	if (start_node(L, err) < 0)
		goto fail;
	if ((L->sq.done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		zq_errf(err, ZQ_EIO, "eventfd: %s", strerror(errno));
		goto fail;
	}
	L->wake_fd = zq_wakeup_listen(cfg->sched_wakeup_dir, L->wake_path, sizeof(L->wake_path));
	atomic_store(&L->lease.until, zq_mono_ms() + loop_lease_abort_ms(&L->t));
	log_supervision();
	if (!(L->ret = retention_start(cfg, L->t.history_days, err)))
		goto fail;
	if (start_alerts(L, err) < 0)
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
		duties_run(L);
		tick(L);
		duties_reconcile_step(L);
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
	alert_thread_stop(L->alerts);
	pool_free(L->pool);  /* workers are idle by now (drained) */
	settle_collect_done(L);
	for (int i = 0; i < L->sq.n; i++)
		run_free(L->sq.runs[i]);
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
	if (L->sq.done_fd >= 0)
		close(L->sq.done_fd);
	zq_db_free(L->db);
	pthread_mutex_destroy(&L->sq.done_mu);
	tick_tx_release(&L->tx);
	free(L->inflight);
	free(L->inflight_at);
	free(L->doubt);
	free(L->sq.runs);
	free(L);
}
