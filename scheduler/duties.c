/* duties.c - the loop's periodic duties around the tick (loop_priv.h),
 * each on its own period, like redis' serverCron:
 *   heartbeat   scheduler.heartbeat_s: node row + running executions; a
 *               run whose row is gone (reaped elsewhere, task deleted) stops
 *               (the lease: workers stop their runs once it runs out)
 *   reap        scheduler.heartbeat_s: mark silent nodes lost; the tick
 *               then fails their executions "scheduler node lost", after
 *               killing what is left of those that ran on this host
 *   cancel      on a wake-up datagram and every poll interval (running);
 *               pending executions cancelled in advance: every 5 s
 *   clock       every wake-up: a forward wall-clock jump makes the fires
 *               it skipped merge into one run per task (fire.h)
 *   run state   after start-up, the check of task_run_state, a span of
 *               tasks at a time between ticks (run_state_store.h)
 *   backfill    every poll interval: the tick's backfill round ends,
 *               starts and finishes backfill dates (backfill.h)
 * Retention has a thread of its own (retention.h); workflows are advanced
 * in the tick (loop.c). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec_store.h"
#include "fire_decide.h"
#include "log.h"
#include "loop_priv.h"
#include "mem.h"
#include "node_store.h"
#include "proc.h"
#include "run_state_store.h"
#include "timeutil.h"

#define JUMP_TOLERANCE_MS 2000
#define PENDING_CANCEL_PERIOD_MS 5000

/* ---- the lease ---------------------------------------------------------------------- */

/* Workers stop their children this long after the last renewed lease:
 * early enough that KILL lands before another daemon may reap the run. */
int64_t loop_lease_abort_ms(const struct tunables *t)
{
	int64_t lease = (int64_t)t->lease_s * 1000, at = lease - t->set.kill_grace_ms - 1000;

	return at < lease / 2 ? lease / 2 : at;
}

/* A claim needs this much lease left: the run must live until the next
 * heartbeat renews it (half the abort time if heartbeat_s is close to it). */
static int64_t lease_needed_ms(const struct tunables *t)
{
	int64_t half = loop_lease_abort_ms(t) / 2;

	return t->heartbeat_ms < half ? t->heartbeat_ms : half;
}

int loop_lease_held(loop *L, int64_t mono)
{
	return !L->lease.renew_due && atomic_load(&L->lease.until) - mono >= lease_needed_ms(&L->t);
}

/* ---- reaping ------------------------------------------------------------------------ */

/* Before reaping (same transaction): stale executions whose processes ran
 * on this host, since its last boot. What is left of them is KILLed; those
 * still alive after a short wait keep their lease (exec_store_hold), so
 * they are reaped, and retried, only once nothing of them is left: a retry
 * never runs beside its original on one host. Elsewhere the lease is the
 * proof (the other host's shims end their runs when their daemon dies). */
#define REAP_KILL_WAIT_MS 300

int duties_reap_on_host(loop *L, zq_err *err)
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

/* ---- heartbeat and the other periodic duties ----------------------------------------- */

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
			loop_dispatch(L, r);
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
	int64_t old = L->node_id;
	int rc;

	for (int i = 0; i < L->ninflight; i++)
		run_request_stop(L->inflight[i], RUN_STOP_ORPHANED);
	rc = loop_register_node(L, err);
	if (rc == 0)
		zq_warn("START node=%lld: the row of node %lld is gone; registered again, %d running "
			"execution(s) stopped", (long long)L->node_id, (long long)old, L->ninflight);
	return rc < 0 ? rc : ZQ_ENOTFOUND;  /* renewed nothing: the lease is renewed next time */
}

/* The ids of every execution this daemon holds: running, finished but not
 * yet settled, claims in doubt. *n gets how many; free() the array. */
static int64_t *held_ids(const loop *L, int *n)
{
	int64_t *ids;
	int k = 0;

	*n = L->ninflight + L->sq.n + L->ndoubt;
	ids = zq_calloc((size_t)*n + 1, sizeof(int64_t));
	for (int i = 0; i < L->ninflight; i++)
		ids[k++] = L->inflight[i]->job.id;
	for (int i = 0; i < L->sq.n; i++)
		ids[k++] = L->sq.runs[i]->job.id;
	for (int i = 0; i < L->ndoubt; i++)
		ids[k++] = L->doubt[i]->job.id;
	return ids;
}

/* The heartbeat's statements got through at start (monotonic ms); the
 * lease had run out at until. */
static void lease_renewed(loop *L, int64_t start, int64_t until, int was_down)
{
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
		L->lease.reap_after = start + 2 * (int64_t)L->t.heartbeat_ms;
		zq_info("lease renewed after an outage: %d running, %d to settle; claims resume",
			L->ninflight, L->sq.n);
	}
	L->lease.renew_due = 0;
	L->lease.warned = 0;
	atomic_store(&L->lease.until, start + loop_lease_abort_ms(&L->t));
}

/* Renew the lease: the node row, and heartbeat_at of every execution this
 * daemon holds (running, finished but not yet settled, claims in doubt),
 * so neither a peer nor this daemon reaps them while it catches up after
 * an outage. The lease is counted from before the statements were sent.
 * A lease that ran out before it could be renewed means a peer may have
 * reaped these runs: the copies still running are stopped at once. */
void duties_heartbeat(loop *L)
{
	zq_err err = ZQ_ERR_INIT;
	int n, rc = 0, renewed = 0, was_down = L->lease.renew_due;
	int64_t *ids = held_ids(L, &n);
	const char *state = L->draining ? "stopping" : "running";
	int64_t start = zq_mono_ms(), until = atomic_load(&L->lease.until);

	L->lease.hb_attempt = start;
	L->next.heartbeat = start + L->t.heartbeat_ms;
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
		L->lease.renew_due = 1;
		zq_debug("heartbeat: %s", err.msg);
		if (start >= until && !L->lease.warned) {
			zq_warn("heartbeat: lease not renewed for %lld ms: running executions stop (%s)",
				(long long)loop_lease_abort_ms(&L->t), err.msg);
			L->lease.warned = 1;
		}
		return;
	}
	lease_renewed(L, start, until, was_down);
}

static void mark_lost_nodes(loop *L, int64_t mono)
{
	zq_err err = ZQ_ERR_INIT;
	int n = 0;

	L->next.reap = mono + L->t.heartbeat_ms;
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

	L->next.cancel = mono + L->t.poll_ms;
	if (L->woken || mono >= L->next.pending_cancel) {
		/* the tick also ends pending executions that were cancelled */
		L->cancel_due = 1;
		L->next.pending_cancel = mono + PENDING_CANCEL_PERIOD_MS;
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

void duties_run(loop *L)
{
	int64_t mono = zq_mono_ms();

	check_clock(L, zq_wall_ms(), mono);
	if (mono >= L->next.heartbeat)
		duties_heartbeat(L);
	if (!L->draining && mono >= L->next.reap) {
		if (mono >= L->lease.reap_after && loop_lease_held(L, zq_mono_ms()))
			mark_lost_nodes(L, mono);
		else  /* not on a lease in doubt, nor while peers reconnect */
			L->next.reap = L->lease.reap_after > mono ? L->lease.reap_after
								  : mono + L->t.heartbeat_ms;
	}
	if (L->woken || mono >= L->next.cancel)
		pass_cancels(L, mono);
	if (!L->draining && mono >= L->next.backfill) {
		L->backfill_due = 1;
		L->next.backfill = mono + L->t.poll_ms;
	}
	L->woken = 0;
}

/* The start-up run state check, a span of task ids at a time (about
 * 8 us a task: ~16 ms a step) between ticks; the tasks it refreshes are
 * locked as any refresh locks them, so it may run beside this daemon's
 * and its peers' ticks. Its line says when it is done. */
#define RECONCILE_SPAN 2000

void duties_reconcile_step(loop *L)
{
	zq_err err = ZQ_ERR_INIT;
	int rc;

	if (L->rs.after < 0 || zq_mono_ms() < L->rs.retry_at)
		return;
	rc = run_state_store_reconcile_step(L->db, &L->rs.after, RECONCILE_SPAN, &L->rs.refreshed,
					    &err);
	if (rc < 0) {
		zq_debug("run state check at start: %s; again in %d ms", err.msg, L->t.poll_ms);
		L->rs.retry_at = zq_mono_ms() + L->t.poll_ms;
	} else if (rc == 1) {
		zq_info("run state: %d task%s refreshed at start in %lld ms", L->rs.refreshed,
			L->rs.refreshed == 1 ? "" : "s", (long long)(zq_mono_ms() - L->rs.t0));
		L->rs.after = -1;
	}
}
