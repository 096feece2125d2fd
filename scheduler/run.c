/* run.c - a claimed execution: config merge, stop control, throttled
 * progress (see run.h). */
#include "run.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "task.h"
#include "text.h"
#include "timeutil.h"

/* ---- creation ------------------------------------------------------------ */

static void config_failed(run *r, const char *msg)
{
	free(r->config_error);
	r->config_error = zq_strdup(msg);
	taskcfg_release(&r->cfg);
	r->config = NULL;
}

/* The task config with config_override's top-level members replacing its
 * own, checked for the task's type; then the run's parameter values. */
static void load_config(run *r)
{
	zq_err err = ZQ_ERR_INIT;
	cJSON *base = NULL, *over = NULL, *merged = NULL, *given = NULL;

	if (taskcfg_json_parse(r->job.task_config ? r->job.task_config : "{}", "config", &base,
			       &err) < 0 || !cJSON_IsObject(base)) {
		config_failed(r, err.code ? err.msg : "config: not a JSON object");
		goto out;
	}
	if (r->job.config_override) {
		if (taskcfg_json_parse(r->job.config_override, "config_override", &over, &err) < 0 ||
		    !cJSON_IsObject(over)) {
			config_failed(r, err.code ? err.msg : "config_override: not a JSON object");
			goto out;
		}
		if (taskcfg_merge(base, over, &merged, &err) < 0) {
			config_failed(r, err.msg);
			goto out;
		}
	}
	if (r->job.params && taskcfg_json_parse(r->job.params, "params", &given, &err) < 0) {
		config_failed(r, err.msg);
		goto out;
	}
	if (taskcfg_parse(&r->cfg, r->job.task_type, merged ? merged : base, &err) < 0 ||
	    taskcfg_resolve_params(&r->cfg, given, &r->params, &err) < 0) {
		config_failed(r, err.msg);
		goto out;
	}
	r->config = r->cfg.root;
out:
	cJSON_Delete(base);
	cJSON_Delete(over);
	cJSON_Delete(merged);
	cJSON_Delete(given);
}

/* The policy of a valid config (the defaults otherwise: the run fails
 * before it could time out or back off). */
static void read_policy(run *r)
{
	r->timeout_s = r->job.timeout_s > 0 ? r->job.timeout_s : 0;
	if (r->cfg.timeout_s > 0 && (r->timeout_s == 0 || r->cfg.timeout_s < r->timeout_s))
		r->timeout_s = r->cfg.timeout_s;
	r->retry_backoff = r->cfg.retry_backoff;
	r->retry_max_interval_s = r->cfg.retry_max_interval_s;
}

run *run_new(exec_job *job, const run_settings *set, const _Atomic int64_t *lease_until)
{
	run *r = zq_calloc(1, sizeof(*r));

	r->job = *job;
	memset(job, 0, sizeof(*job));
	r->set = *set;
	r->lease_until = lease_until;
	atomic_init(&r->stop, RUN_STOP_NONE);
	r->wake_fd = -1;
	r->percent = r->current = r->total = -1;
	r->status = ZQ_EXEC_RUNNING;
	r->duration_ms = -1;
	r->exit_code = -1;
	r->end_ms = ZQ_TIME_NONE;
	taskcfg_init(&r->cfg);
	load_config(r);
	read_policy(r);
	return r;
}

static void steps_clear(run *r)
{
	for (int i = 0; i < r->nsteps; i++)
		free(r->steps[i].message);
	r->nsteps = 0;
}

void run_free(run *r)
{
	if (!r)
		return;
	exec_job_release(&r->job);
	taskcfg_release(&r->cfg);
	cJSON_Delete(r->params);
	free(r->config_error);
	if (r->wake_fd >= 0)
		close(r->wake_fd);
	free(r->message);
	steps_clear(r);
	free(r->steps);
	free(r->error);
	free(r->result);
	free(r->out_text);
	free(r->err_text);
	free(r);
}

/* ---- control --------------------------------------------------------------- */

void run_request_stop(run *r, int reason)
{
	int none = RUN_STOP_NONE;
	uint64_t one = 1;

	if (atomic_compare_exchange_strong(&r->stop, &none, reason) && r->wake_fd >= 0 &&
	    write(r->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		zq_debug("run %lld: wake: %s", (long long)r->job.id, strerror(errno));
}

int run_check_stop(run *r)
{
	int s = atomic_load(&r->stop);
	int64_t now;

	if (s)
		return s;
	now = zq_mono_ms();
	if (r->deadline_mono && now >= r->deadline_mono)
		run_request_stop(r, RUN_STOP_TIMEOUT);
	else if (r->lease_until && now >= atomic_load(r->lease_until))
		run_request_stop(r, RUN_STOP_LEASE);
	return atomic_load(&r->stop);
}

int64_t run_poll_ms(run *r, int64_t want_ms)
{
	int64_t now = zq_mono_ms(), ms = want_ms, lease;

	if (!atomic_load(&r->stop)) {  /* once stopping, these deadlines are spent */
		if (r->deadline_mono && r->deadline_mono - now < ms)
			ms = r->deadline_mono - now;
		if (r->lease_until && (lease = atomic_load(r->lease_until)) - now < ms)
			ms = lease - now;
	}
	if ((r->dirty || r->nsteps) && r->set.progress_ms < ms)
		ms = r->set.progress_ms;
	return ms < 0 ? 0 : ms;
}

int run_sleep(run *r, int64_t ms)
{
	int64_t end = zq_mono_ms() + ms, now;
	struct pollfd p = {r->wake_fd, POLLIN, 0};
	uint64_t v;
	int s;

	while (!(s = run_check_stop(r)) && (now = zq_mono_ms()) < end) {
		int64_t wait = run_poll_ms(r, end - now);
		if (r->wake_fd >= 0 && poll(&p, 1, (int)wait) > 0 && read(r->wake_fd, &v, sizeof(v)) < 0)
			zq_debug("run %lld: wake read: %s", (long long)r->job.id, strerror(errno));
		else if (r->wake_fd < 0 && wait > 0)
			poll(NULL, 0, (int)wait);
		run_flush(r);
	}
	return s;
}

/* ---- progress -------------------------------------------------------------- */

void run_progress(run *r, int percent, int current, int total, const char *msg, size_t len)
{
	if (percent >= 0 && percent != r->percent) {
		r->percent = percent > 100 ? 100 : percent;
		r->dirty = 1;
	}
	if (current >= 0 && current != r->current) {
		r->current = current;
		r->dirty = 1;
	}
	if (total >= 0 && total != r->total) {
		r->total = total;
		r->dirty = 1;
	}
	if (msg) {
		free(r->message);
		r->message = text_clean(msg, len, RUN_MSG_MAX, NULL);
		r->dirty = 1;
	}
}

void run_step_set(run *r, int step, int status, const char *msg, size_t len)
{
	run_step *s = NULL;

	if (step < 1 || step > RUN_STEPS_MAX)
		return;
	for (int i = r->nsteps - 1; i >= 0 && !s; i--)
		if (r->steps[i].step == step)
			s = &r->steps[i];
	if (!s) {
		r->steps = zq_grow(r->steps, &r->steps_cap, (size_t)r->nsteps + 1, sizeof(*r->steps));
		s = &r->steps[r->nsteps++];
		s->step = step;
		s->message = NULL;
	}
	if (msg) {  /* no message: keep the one the step has (also in the table: COALESCE) */
		free(s->message);
		s->message = text_clean(msg, len, RUN_STEP_MSG_MAX, NULL);
	}
	s->status = status;
	s->at_ms = zq_wall_ms();
}

static int write_steps(run *r, zq_err *err)
{
	exec_step *rows;
	int rc;

	if (!r->nsteps)
		return 0;
	rows = zq_calloc((size_t)r->nsteps, sizeof(*rows));
	for (int i = 0; i < r->nsteps; i++) {
		rows[i].exec_id = r->job.id;
		rows[i].step = r->steps[i].step;
		rows[i].status = r->steps[i].status;
		rows[i].message = r->steps[i].message;
		rows[i].at_ms = r->steps[i].at_ms;
	}
	rc = exec_store_put_steps(r->db, rows, r->nsteps, err);
	free(rows);
	if (rc == 0)
		steps_clear(r);
	return rc;
}

void run_flush(run *r)
{
	int64_t now = zq_mono_ms();
	zq_err err = ZQ_ERR_INIT;

	if ((!r->dirty && !r->nsteps) || !r->db || now - r->start_mono < r->set.progress_ms ||
	    now - r->last_write_mono < r->set.progress_ms)
		return;
	r->last_write_mono = now;
	if (r->dirty && exec_store_progress(r->db, r->job.id, r->percent, r->current, r->total,
					    r->message, &err) < 0) {
		zq_debug("PROGRESS exec=%lld not written: %s", (long long)r->job.id, err.msg);
		return;
	}
	r->dirty = 0;
	if (write_steps(r, &err) < 0) {
		zq_debug("PROGRESS exec=%lld steps not written: %s", (long long)r->job.id, err.msg);
		return;
	}
	zq_debug("PROGRESS exec=%lld percent=%d step=%d/%d", (long long)r->job.id, r->percent,
		 r->current, r->total);
}

/* ---- outcome ------------------------------------------------------------------ */

void run_started(run *r)
{
	r->start_mono = zq_mono_ms();
	r->last_write_mono = r->start_mono;
	r->deadline_mono = r->timeout_s ? r->start_mono + (int64_t)r->timeout_s * 1000 : 0;
}

void run_end(run *r, int status, int retryable, const char *error, const char *result)
{
	r->status = status;
	r->retryable = retryable;
	free(r->error);
	r->error = error ? text_clean(error, strlen(error), RUN_ERROR_MAX, NULL) : NULL;
	free(r->result);
	r->result = result ? zq_strdup(result) : NULL;
	r->end_ms = zq_wall_ms();
	if (r->start_mono)
		r->duration_ms = zq_mono_ms() - r->start_mono;
}

void run_end_stopped(run *r, int reason, const char *result)
{
	char msg[160];

	switch (reason) {
	case RUN_STOP_CANCEL:
		run_end(r, ZQ_EXEC_TERMINATED, 0, "cancelled", result);
		return;
	case RUN_STOP_TIMEOUT:
		snprintf(msg, sizeof(msg), "timed out after %d s", r->timeout_s);
		run_end(r, ZQ_EXEC_FAILED, 1, msg, result);
		return;
	case RUN_STOP_LEASE:
		run_end(r, ZQ_EXEC_FAILED, 1,
			"scheduler node lost: could not renew its lease (database unreachable), run stopped",
			result);
		return;
	case RUN_STOP_ORPHANED:
		run_end(r, ZQ_EXEC_FAILED, 0, "stopped: the execution is no longer running on this node",
			result);
		return;
	default:
		run_end(r, ZQ_EXEC_FAILED, 1, "scheduler shutting down: run stopped after the grace period",
			result);
	}
}
