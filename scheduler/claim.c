/* claim.c - claim, reap and pending-cancel in the loop's transaction (see
 * claim.h). */
#include "claim.h"

#include <stdlib.h>
#include <string.h>

#include "cal_cache.h"
#include "exec_store.h"
#include "log.h"
#include "mem.h"
#include "task.h"
#include "timeutil.h"
#include "wf_engine.h"

static void push(run ***arr, int *n, size_t *cap, run *r)
{
	*arr = zq_grow(*arr, cap, (size_t)*n + 1, sizeof(**arr));
	(*arr)[(*n)++] = r;
}

static void push_ended(claim_ctx *c, run *r)
{
	r->owned = 0;  /* the row is locked by this transaction */
	push(&c->ended, &c->nended, &c->ended_cap, r);
}

/* Load the executions behind ids as runs; *runs is the caller's to free. */
static int load_runs(claim_ctx *c, const int64_t *ids, int n, run ***runs, int *got, zq_err *err)
{
	exec_job *jobs = zq_calloc((size_t)n, sizeof(*jobs));
	int rc;

	*runs = NULL;
	*got = 0;
	if ((rc = exec_store_load_jobs(c->tx->db, ids, n, jobs, got, err)) == 0) {
		int64_t mono = zq_mono_ms();
		*runs = zq_calloc((size_t)*got + 1, sizeof(run *));
		for (int i = 0; i < *got; i++) {
			cal_cache_fill_job(&c->tx->cals, c->tx->db, &jobs[i], mono);
			/* every execution loaded here changes status in this transaction:
			 * to running here; one that ends is settled, which adds it in full */
			run_state_ids_add_unfinished(&c->tx->touched, jobs[i].task_id);
			(*runs)[i] = run_new(&jobs[i], &c->set, c->lease_until);
		}
	}
	for (int i = 0; i < n; i++)
		exec_job_release(&jobs[i]);
	free(jobs);
	return rc;
}

static void end_cancelled(claim_ctx *c, run *r)
{
	run_end(r, ZQ_EXEC_TERMINATED, 0, "cancelled before it started", NULL);
	zq_buf_printf(&c->tx->events, "CLAIM exec=%lld task=%lld cancelled before it started\n",
		      (long long)r->job.id, (long long)r->job.task_id);
	push_ended(c, r);
}

/* r's row is running on this node since now: it is the daemon's to run. */
static void claimed(claim_ctx *c, run *r)
{
	r->job.status = ZQ_EXEC_RUNNING;
	r->job.start_ms = c->tx->now_ms;
	r->job.node_id = c->node_id;
	r->owned = 1;
	zq_buf_printf(&c->tx->events, "CLAIM exec=%lld task=%lld trigger=%s retry=%d late_ms=%lld\n",
		      (long long)r->job.id, (long long)r->job.task_id,
		      zq_trigger_name(r->job.trigger), r->job.retry_count,
		      (long long)(c->tx->now_ms - r->job.scheduled_ms));
}

static int mark_running(claim_ctx *c, int first, zq_err *err)
{
	int n = c->nrun - first, rc;
	int64_t *ids = zq_calloc((size_t)n + 1, sizeof(int64_t));

	for (int i = 0; i < n; i++)
		ids[i] = c->to_run[first + i]->job.id;
	rc = n ? exec_store_mark_running(c->tx->db, ids, n, c->node_id, c->tx->now_ms, err) : 0;
	free(ids);
	for (int i = first; rc == 0 && i < c->nrun; i++)
		claimed(c, c->to_run[i]);
	return rc;
}

/* A workflow never goes to a worker: the engine starts it (and the run is
 * freed: its state is in the database) or ends it at once. */
static int take_workflow(claim_ctx *c, run *r, zq_err *err)
{
	int rc = wf_claimed(c->tx, r, err);

	if (rc == 1) {
		push_ended(c, r);
		return 0;
	}
	run_free(r);
	if (rc == 0)
		c->nworkflows++;
	return rc;
}

/* The pending executions ids[0..n), locked by this transaction: runs to
 * post (marked running), cancelled ones ended, workflows started. */
static int claim_locked(claim_ctx *c, const int64_t *ids, int n, zq_err *err)
{
	int got = 0, first = c->nrun, rc;
	run **runs = NULL;

	if (n == 0)
		return 0;
	if ((rc = load_runs(c, ids, n, &runs, &got, err)) < 0)
		goto out;
	for (int i = 0; i < got; i++) {
		run *r = runs[i];
		runs[i] = NULL;
		if (r->job.cancel_requested)
			end_cancelled(c, r);
		else if (r->job.task_type != ZQ_TASK_WORKFLOW)
			push(&c->to_run, &c->nrun, &c->run_cap, r);
		else if ((rc = take_workflow(c, r, err)) < 0)
			goto out;
	}
	rc = mark_running(c, first, err);
out:
	for (int i = 0; runs && i < got; i++)
		run_free(runs[i]);  /* not taken: the transaction rolls back */
	free(runs);
	return rc;
}

int claim_pending(claim_ctx *c, int limit, zq_err *err)
{
	int64_t *ids = zq_calloc((size_t)limit + 1, sizeof(int64_t));
	int n = 0, rc;

	rc = exec_store_claim_ids(c->tx->db, c->tx->now_ms, limit, ids, NULL, &n, err);
	if (rc == 0)
		rc = claim_locked(c, ids, n, err);
	free(ids);
	return rc;
}

/* The fires fire_insert inserted running on this node: runs to post. */
static int take_started(claim_ctx *c, const exec_fire_row *rows, int n, zq_err *err)
{
	exec_job *jobs = zq_calloc((size_t)n, sizeof(*jobs));
	int got = 0, rc;

	int64_t mono = zq_mono_ms();

	rc = exec_store_load_fired(c->tx->db, rows, n, jobs, &got, err);
	for (int i = 0; rc == 0 && i < got; i++) {
		run *r;
		cal_cache_fill_job(&c->tx->cals, c->tx->db, &jobs[i], mono);
		r = run_new(&jobs[i], &c->set, c->lease_until);
		run_state_ids_add_unfinished(&c->tx->touched, r->job.task_id);
		push(&c->to_run, &c->nrun, &c->run_cap, r);
		claimed(c, r);
	}
	for (int i = 0; i < n; i++)
		exec_job_release(&jobs[i]);
	free(jobs);
	return rc;
}

/* Of the room (limit), the pending executions older than this tick's
 * fires: claimed, *took of them; *take gets how many of the fires fit in
 * the rest (fire_start_ms order). Both go by time, as when claim_pending
 * took the fires pending with the others by not_before (a fire's is its
 * scheduled time): a pending one before any fire it is older than, a fire
 * before a pending one no older than it. None newer than the limit-th fire
 * can fit, so the SELECT stops there; the few it locks that lose to an
 * older fire stay pending for the next tick. */
static int claim_older(claim_ctx *c, const fire_batch *b, int limit, int *took, int *take,
		       zq_err *err)
{
	int64_t *ids = zq_calloc((size_t)limit + 1, sizeof(int64_t));
	int64_t *nb = zq_calloc((size_t)limit + 1, sizeof(int64_t));
	int64_t bound = fire_start_ms(b, limit - 1), upto = c->tx->now_ms;
	int n = 0, older = 0, rc;

	if (bound != ZQ_TIME_NONE && bound - 1 < upto)
		upto = bound - 1;  /* DATETIME(3): not_before < bound */
	rc = exec_store_claim_ids(c->tx->db, upto, limit, ids, nb, &n, err);
	*take = 0;
	while (rc == 0 && older + *take < limit) {
		int64_t f = fire_start_ms(b, *take);
		if (older < n && (f == ZQ_TIME_NONE || nb[older] < f))
			older++;
		else if (f != ZQ_TIME_NONE)
			(*take)++;
		else
			break;
	}
	if (rc == 0)
		rc = claim_locked(c, ids, older, err);
	*took = older;
	free(ids);
	free(nb);
	return rc;
}

int claim_fire(claim_ctx *c, int limit, int64_t jump_ms, int batch, fire_result *res,
	       zq_err *err)
{
	fire_batch b;
	int took = 0, take = 0, rc, room;

	memset(res, 0, sizeof(*res));
	if ((rc = fire_prepare(c->tx, jump_ms, batch, &b, err)) < 0)
		goto out;
	if (limit > 0 && (rc = claim_older(c, &b, limit, &took, &take, err)) < 0)
		goto out;
	room = limit - took;
	if ((rc = fire_insert(c->tx, &b, take, c->node_id, res, err)) < 0)
		goto out;
	if (res->nstarted && (rc = take_started(c, res->started, res->nstarted, err)) < 0)
		goto out;
	/* runs inserted pending (workflows) while room is left: as before */
	room -= res->nstarted;
	if (res->pending && room > 0)
		rc = claim_pending(c, room, err);
out:
	free(res->started);
	res->started = NULL;
	fire_batch_release(&b);
	return rc;
}

int claim_stale(claim_ctx *c, int lease_s, int limit, zq_err *err)
{
	int64_t *ids = zq_calloc((size_t)limit + 1, sizeof(int64_t));
	int n = 0, got = 0, rc;
	run **runs = NULL;

	if ((rc = exec_store_stale(c->tx->db, lease_s, limit, ids, &n, err)) < 0 || !n)
		goto out;
	if ((rc = load_runs(c, ids, n, &runs, &got, err)) < 0)
		goto out;
	for (int i = 0; i < got; i++) {
		run *r = runs[i];
		run_end(r, ZQ_EXEC_FAILED, 1, "scheduler node lost", NULL);
		if (r->job.start_ms != ZQ_TIME_NONE)
			r->duration_ms = r->end_ms - r->job.start_ms;
		zq_buf_printf(&c->tx->events,
			      "REAP exec=%lld task=%lld node=%lld: no heartbeat for more than %d s\n",
			      (long long)r->job.id, (long long)r->job.task_id, (long long)r->job.node_id,
			      lease_s);
		push_ended(c, r);
	}
out:
	free(runs);
	free(ids);
	return rc;
}

int claim_cancelled(claim_ctx *c, int limit, zq_err *err)
{
	int64_t *ids = zq_calloc((size_t)limit + 1, sizeof(int64_t));
	int n = 0, got = 0, rc;
	run **runs = NULL;

	if ((rc = exec_store_pending_cancelled(c->tx->db, limit, ids, &n, err)) < 0 || !n)
		goto out;
	if ((rc = load_runs(c, ids, n, &runs, &got, err)) < 0)
		goto out;
	for (int i = 0; i < got; i++)
		end_cancelled(c, runs[i]);
out:
	free(runs);
	free(ids);
	return rc;
}

void claim_release(claim_ctx *c)
{
	for (int i = 0; i < c->nrun; i++)
		run_free(c->to_run[i]);
	for (int i = 0; i < c->nended; i++)
		run_free(c->ended[i]);
	free(c->to_run);
	free(c->ended);
	c->to_run = c->ended = NULL;
	c->nrun = c->run_cap = c->nended = c->ended_cap = 0;
}
