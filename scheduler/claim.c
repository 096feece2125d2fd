/* claim.c - claim, reap and pending-cancel in the loop's transaction (see
 * claim.h). */
#include "claim.h"

#include <stdlib.h>
#include <string.h>

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
		*runs = zq_calloc((size_t)*got + 1, sizeof(run *));
		for (int i = 0; i < *got; i++) {
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

static int mark_running(claim_ctx *c, int first, zq_err *err)
{
	int n = c->nrun - first, rc;
	int64_t *ids = zq_calloc((size_t)n + 1, sizeof(int64_t));

	for (int i = 0; i < n; i++)
		ids[i] = c->to_run[first + i]->job.id;
	rc = n ? exec_store_mark_running(c->tx->db, ids, n, c->node_id, c->tx->now_ms, err) : 0;
	free(ids);
	for (int i = first; rc == 0 && i < c->nrun; i++) {
		run *r = c->to_run[i];
		r->job.status = ZQ_EXEC_RUNNING;
		r->job.start_ms = c->tx->now_ms;
		r->job.node_id = c->node_id;
		r->owned = 1;
		zq_buf_printf(&c->tx->events,
			      "CLAIM exec=%lld task=%lld trigger=%s retry=%d late_ms=%lld\n",
			      (long long)r->job.id, (long long)r->job.task_id,
			      zq_trigger_name(r->job.trigger), r->job.retry_count,
			      (long long)(c->tx->now_ms - r->job.scheduled_ms));
	}
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

int claim_pending(claim_ctx *c, int limit, zq_err *err)
{
	int64_t *ids = zq_calloc((size_t)limit + 1, sizeof(int64_t));
	int *cancel = zq_calloc((size_t)limit + 1, sizeof(int));
	int n = 0, got = 0, first = c->nrun, rc;
	run **runs = NULL;

	rc = exec_store_claim_ids(c->tx->db, c->tx->now_ms, limit, ids, cancel, &n, err);
	if (rc < 0 || !n)
		goto out;
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
	free(ids);
	free(cancel);
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
