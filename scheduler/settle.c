/* settle.c - final rows for ended runs (see settle.h). Every statement is a
 * batch over all the runs of one tick: the steady state costs a handful of
 * round trips per tick, not per execution. */
#include "settle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "task.h"
#include "timeutil.h"

#define RETRY_DELAY_MAX_MS (30LL * 86400 * 1000)

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
	x->trigger = ZQ_TRIGGER_RETRY;
	x->retry_count = r->job.retry_count + 1;
	x->not_before_ms = r->end_ms + delay;
	x->config_override = r->job.config_override;
	x->params = r->job.params;
	x->created_by = r->job.created_by;
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

int settle_runs(zq_db *db, int64_t node_id, run **runs, int n, int *lost, stats_batch *stats,
		run_state_ids *touched, zq_buf *events, zq_err *err)
{
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
		stats_batch_add(stats, runs[i]->job.task_id, runs[i]->status, runs[i]->end_ms,
				runs[i]->duration_ms);
		run_state_ids_add(touched, runs[i]->job.task_id);  /* the run, and its retry */
		log_event(events, runs[i], retry);
	}
	nsteps = count_steps(runs, n, lost);
	steps = zq_calloc((size_t)nsteps + 1, sizeof(*steps));
	fill_steps(runs, n, lost, steps);
	if ((nfinal && (rc = exec_store_finish(db, finals, nfinal, err)) < 0) ||
	    (nsteps && (rc = exec_store_put_steps(db, steps, nsteps, err)) < 0) ||
	    (rc = put_outputs(db, runs, n, lost, err)) < 0 ||
	    (nretry && (rc = exec_store_insert_retries(db, retries, nretry, err)) < 0))
		goto out;
	rc = 0;
out:
	free(finals);
	free(retries);
	free(steps);
	return rc;
}
