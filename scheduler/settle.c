/* settle.c - settling ended runs: the final rows (see settle.h), and the
 * loop's settling queue (loop_priv.h) that holds finished runs from the
 * worker that hands one over to the tick that commits its end. Every
 * statement is a batch over all the runs of one tick: the steady state
 * costs a handful of round trips per tick, not per execution. */
#include "settle.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert_detect.h"
#include "log.h"
#include "loop_priv.h"
#include "mem.h"
#include "sched_metrics.h"
#include "task.h"
#include "timeutil.h"
#include "wf_engine.h"

#define RETRY_DELAY_MAX_MS (30LL * 86400 * 1000)
#define SETTLE_MAX 256               /* runs settled per tick */
#define SETTLE_BYTES (2 << 20)       /* ... and about this much result/output text */

int64_t settle_retry_delay_ms(int interval_s, double backoff, int max_s, int retry_count)
{
	double d = (interval_s > 0 ? interval_s : 0) * 1000.0;

	if (backoff > 1.0 && retry_count > 0)
		d *= pow(backoff, retry_count > 1000 ? 1000 : retry_count);
	if (max_s > 0 && d > max_s * 1000.0)
		d = max_s * 1000.0;
	if (!(d < (double)RETRY_DELAY_MAX_MS))
		d = (double)RETRY_DELAY_MAX_MS;
	return (int64_t)d;
}

int settle_should_retry(const run *r)
{
	return r->status == ZQ_EXEC_FAILED && r->retryable && r->job.retry_count < r->job.max_retries;
}

/* Which owned runs are still ours: lock them; the rest are lost. */
static int check_owned(zq_db *db, int64_t node_id, run **runs, int n, int *lost, zq_err *err)
{
	int64_t *ids = zq_calloc((size_t)n + 1, sizeof(int64_t)), *owned;
	int k = 0, nowned = 0, rc = 0;

	for (int i = 0; i < n; i++) {
		lost[i] = 0;
		if (runs[i]->owned)
			ids[k++] = runs[i]->job.id;
	}
	owned = zq_calloc((size_t)k + 1, sizeof(int64_t));
	if (k && (rc = exec_store_lock_owned(db, node_id, ids, k, owned, &nowned, err)) < 0)
		goto out;
	for (int i = 0; i < n; i++) {
		int found = !runs[i]->owned;
		for (int j = 0; j < nowned && !found; j++)
			found = owned[j] == runs[i]->job.id;
		lost[i] = !found;
	}
out:
	free(ids);
	free(owned);
	return rc;
}

static void fill_final(const run *r, exec_final *f)
{
	f->id = r->job.id;
	f->status = r->status;
	f->end_ms = r->end_ms;
	f->duration_ms = r->duration_ms;
	f->result = r->result;
	f->error = r->error;
	f->percent = r->percent;
	f->current = r->current;
	f->total = r->total;
	f->message = r->message;
}

static void fill_retry(const run *r, exec_retry *x)
{
	int64_t delay = settle_retry_delay_ms(r->job.retry_interval_s, r->retry_backoff,
					      r->retry_max_interval_s, r->job.retry_count);

	x->task_id = r->job.task_id;
	x->parent_id = r->job.parent_id;
	x->from_id = r->job.id;
	x->trigger = ZQ_TRIGGER_RETRY;
	x->retry_count = r->job.retry_count + 1;
	x->not_before_ms = r->end_ms + delay;
	x->config_override = r->job.config_override;
	x->params = r->job.params;
	x->created_by = r->job.created_by;
	x->business_day = r->job.business_day;  /* a retry runs for the same business date */
}

static void log_event(zq_buf *ev, const run *r, int retried)
{
	char ts[32];

	if (r->status == ZQ_EXEC_FAILED)
		zq_buf_printf(ev, "FAIL exec=%lld task=%lld retry=%d duration_ms=%lld error=\"%.200s\"\n",
			      (long long)r->job.id, (long long)r->job.task_id, r->job.retry_count,
			      (long long)r->duration_ms, r->error ? r->error : "");
	else
		zq_buf_printf(ev, "DONE exec=%lld task=%lld status=%s duration_ms=%lld%s%.200s\n",
			      (long long)r->job.id, (long long)r->job.task_id,
			      zq_exec_status_name(r->status), (long long)r->duration_ms,
			      r->error ? " reason=" : "", r->error ? r->error : "");
	if (retried)
		zq_buf_printf(ev, "RETRY exec=%lld task=%lld retry=%d/%d not_before=%s\n",
			      (long long)r->job.id, (long long)r->job.task_id, r->job.retry_count + 1,
			      r->job.max_retries,
			      zq_time_format_iso(r->end_ms + settle_retry_delay_ms(
						     r->job.retry_interval_s, r->retry_backoff,
						     r->retry_max_interval_s, r->job.retry_count),
						 ts, sizeof(ts)));
}

/* What the alert rules need of the settled runs (alert_detect.h). */
static int detect_alerts(zq_db *db, run **runs, int n, const int *lost, zq_err *err)
{
	alert_settled *a = zq_calloc((size_t)n + 1, sizeof(*a));
	int k = 0, rc;

	for (int i = 0; i < n; i++) {
		const run *r = runs[i];
		if (lost[i])
			continue;
		a[k++] = (alert_settled){r->job.id, r->job.task_id, r->status, !settle_should_retry(r),
					 r->status == ZQ_EXEC_FAILED && r->error &&
						 strncmp(r->error, "timed out after", 15) == 0};
	}
	rc = alert_detect_settle(db, a, k, err);
	free(a);
	return rc;
}

static int count_steps(run **runs, int n, const int *lost)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		if (!lost[i])
			k += runs[i]->nsteps;
	return k;
}

static void fill_steps(run **runs, int n, const int *lost, exec_step *steps)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		for (int s = 0; !lost[i] && s < runs[i]->nsteps; s++) {
			steps[k].exec_id = runs[i]->job.id;
			steps[k].step = runs[i]->steps[s].step;
			steps[k].status = runs[i]->steps[s].status;
			steps[k].message = runs[i]->steps[s].message;
			steps[k++].at_ms = runs[i]->steps[s].at_ms;
		}
}

static int put_outputs(zq_db *db, run **runs, int n, const int *lost, zq_err *err)
{
	int rc = 0;

	for (int i = 0; i < n && rc == 0; i++) {
		const run *r = runs[i];
		exec_output o = {r->job.id, r->out_text, r->err_text, r->out_len, r->err_len,
				 r->out_bytes, r->err_bytes, r->exit_code, r->term_signal};
		if (!lost[i] && r->has_output)
			rc = exec_store_put_output(db, &o, err);
	}
	return rc;
}

int settle_runs(tick_tx *tx, int64_t node_id, run **runs, int n, int *lost, zq_err *err)
{
	zq_db *db = tx->db;
	exec_final *finals = zq_calloc((size_t)n + 1, sizeof(*finals));
	exec_retry *retries = zq_calloc((size_t)n + 1, sizeof(*retries));
	int nsteps, nfinal = 0, nretry = 0, rc;
	exec_step *steps = NULL;

	if ((rc = check_owned(db, node_id, runs, n, lost, err)) < 0)
		goto out;
	for (int i = 0; i < n; i++) {
		int retry;
		if (lost[i])
			continue;
		fill_final(runs[i], &finals[nfinal++]);
		if ((retry = settle_should_retry(runs[i])) != 0)
			fill_retry(runs[i], &retries[nretry++]);
		stats_batch_add(&tx->stats, runs[i]->job.task_id, runs[i]->status, runs[i]->end_ms,
				runs[i]->duration_ms);
		run_state_ids_add(&tx->touched, runs[i]->job.task_id);  /* the run, and its retry */
		log_event(&tx->events, runs[i], retry);
	}
	nsteps = count_steps(runs, n, lost);
	steps = zq_calloc((size_t)nsteps + 1, sizeof(*steps));
	fill_steps(runs, n, lost, steps);
	if ((nfinal && (rc = exec_store_finish(db, finals, nfinal, err)) < 0) ||
	    (nsteps && (rc = exec_store_put_steps(db, steps, nsteps, err)) < 0) ||
	    (rc = put_outputs(db, runs, n, lost, err)) < 0 ||
	    (nretry && (rc = exec_store_insert_retries(db, retries, nretry, err)) < 0) ||
	    (rc = detect_alerts(db, runs, n, lost, err)) < 0)
		goto out;
	rc = 0;
out:
	free(finals);
	free(retries);
	free(steps);
	return rc;
}

/* ---- the loop's settling queue ------------------------------------------------------ */

void settle_done_push(loop *L, run *r)
{
	uint64_t one = 1;

	r->next = NULL;
	pthread_mutex_lock(&L->sq.done_mu);
	if (L->sq.done_tail)
		L->sq.done_tail->next = r;
	else
		L->sq.done_head = r;
	L->sq.done_tail = r;
	pthread_mutex_unlock(&L->sq.done_mu);
	if (write(L->sq.done_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		zq_warn("done queue: eventfd write: %s", strerror(errno));
}

void settle_later(loop *L, run *r)
{
	L->sq.runs = zq_grow(L->sq.runs, &L->sq.cap, (size_t)L->sq.n + 1, sizeof(*L->sq.runs));
	L->sq.runs[L->sq.n++] = r;
}

void settle_collect_done(loop *L)
{
	run *r, *next;

	pthread_mutex_lock(&L->sq.done_mu);
	r = L->sq.done_head;
	L->sq.done_head = L->sq.done_tail = NULL;
	pthread_mutex_unlock(&L->sq.done_mu);
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

int settle_take(const loop *L)
{
	size_t bytes = 0;
	int n = 0;

	while (n < L->sq.n && n < SETTLE_MAX && bytes < SETTLE_BYTES) {
		const run *r = L->sq.runs[n++];
		bytes += (r->result ? strlen(r->result) : 0) + r->out_len + r->err_len + 512;
		bytes += (size_t)r->nsteps * 300;
	}
	return n;
}

/* Queue the workflow runs of settled children (wf_engine.h). */
static int wf_settled(loop *L, struct tick *k, run **runs, int n, const int *lost, zq_err *err)
{
	int queued = 0, rc = wf_children_settled(&L->tx, runs, n, lost, &queued, err);

	k->wf_due += queued;
	return rc;
}

/* Runs this node ran whose outcome is dropped: said once the tick commits. */
static void warn_lost(loop *L, const struct tick *k)
{
	for (int i = 0; i < k->nsettle; i++)
		if (k->lost[i])
			zq_buf_printf(&L->tx.warns, "REAP exec=%lld task=%lld: outcome dropped, the row "
				      "is no longer running on this node (reaped elsewhere after a lost "
				      "lease, or deleted with its task)\n",
				      (long long)L->sq.runs[i]->job.id,
				      (long long)L->sq.runs[i]->job.task_id);
}

int settle_tick(loop *L, struct tick *k, zq_err *err)
{
	int n = k->nsettle + k->c.nended, rc;
	run **all = zq_calloc((size_t)n + 1, sizeof(run *));

	for (int i = 0; i < k->nsettle; i++)
		all[i] = L->sq.runs[i];
	for (int i = 0; i < k->c.nended; i++)
		all[k->nsettle + i] = k->c.ended[i];
	k->lost = zq_calloc((size_t)n + 1, sizeof(int));
	rc = n ? settle_runs(&L->tx, L->node_id, all, n, k->lost, err) : 0;
	if (rc == 0 && n)
		rc = wf_settled(L, k, all, n, k->lost, err);
	if (rc == 0)
		warn_lost(L, k);
	free(all);
	return rc;
}

int settle_claimed_ended(loop *L, struct tick *k, int from, zq_err *err)
{
	run **all = k->c.ended + from;
	int n = k->c.nended - from, *lost, rc;

	if (n <= 0)
		return 0;
	lost = zq_calloc((size_t)n, sizeof(int));
	rc = settle_runs(&L->tx, L->node_id, all, n, lost, err);
	if (rc == 0)
		rc = wf_settled(L, k, all, n, lost, err);
	free(lost);
	return rc;
}

void settle_committed(loop *L, const struct tick *k)
{
	for (int i = 0; i < k->nsettle + k->c.nended; i++) {
		const run *r = i < k->nsettle ? L->sq.runs[i] : k->c.ended[i - k->nsettle];
		if (i >= k->nsettle || !k->lost[i])
			metrics_settled(r->job.task_id, r->job.task_name, r->job.task_type, r->status,
					settle_should_retry(r), r->duration_ms);
	}
	for (int i = 0; i < k->nsettle; i++)
		run_free(L->sq.runs[i]);
	if (k->nsettle) {
		memmove(L->sq.runs, L->sq.runs + k->nsettle,
			(size_t)(L->sq.n - k->nsettle) * sizeof(run *));
		L->sq.n -= k->nsettle;
	}
	L->settled += (uint64_t)k->nsettle;
}

/* Settle one run in its own transaction (counted once it commits). */
static int settle_one(loop *L, run *r, zq_err *err)
{
	int lost = 0, queued = 0, rc;

	if ((rc = tick_tx_begin(&L->tx, zq_wall_ms(), err)) == 0 &&
	    (rc = settle_runs(&L->tx, L->node_id, &r, 1, &lost, err)) == 0 &&
	    (rc = wf_children_settled(&L->tx, &r, 1, &lost, &queued, err)) == 0)
		rc = tick_tx_commit(&L->tx, err);
	if (rc < 0)
		tick_tx_rollback(&L->tx);
	else if (!lost)
		metrics_settled(r->job.task_id, r->job.task_name, r->job.task_type, r->status,
				settle_should_retry(r), r->duration_ms);
	return rc;
}

/* A tick failed for a reason other than a lock conflict or an outage: one
 * finished run may be what the database refuses. Settle them one by one so
 * one bad outcome cannot block the daemon; a run whose outcome is refused
 * is recorded as a plain failure, or, if even that fails, dropped (its row
 * is then reaped as lost, so it never stays running). */
void settle_isolated(loop *L)
{
	zq_err err = ZQ_ERR_INIT;
	char msg[ZQ_ERR_MSG_MAX + 64];

	while (L->sq.n) {
		run *r = L->sq.runs[0];
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
		memmove(L->sq.runs, L->sq.runs + 1, (size_t)(--L->sq.n) * sizeof(run *));
		zq_err_clear(&err);
	}
}
