/* fire.c - fire due tasks (see fire.h). */
#include "fire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_detect.h"
#include "cal_cache.h"
#include "exec_store.h"
#include "fire_decide.h"
#include "mem.h"
#include "schedule.h"
#include "task.h"
#include "timeutil.h"

/* A row of task t's slot at ms (a fire of s): its fire key is the slot,
 * its business date the fire's local date in the task's zone. */
static void add_row(fire_batch *b, const exec_due_task *t, const zq_schedule *s, int64_t ms,
		    const char *reason)
{
	exec_fire_row *r = &b->rows[b->nrows];

	r->task_id = t->id;
	r->scheduled_ms = ms;
	r->key_ms = s ? zq_schedule_slot(s, ms) : ms;
	r->business_day = s ? zq_schedule_local_day(s, ms) : ZQ_CAL_NO_DAY;
	r->skipped = reason != NULL;
	r->reason = NULL;
	if (reason) {
		zq_strlcpy(b->reasons[b->nreasons], reason, FIRE_REASON_MAX);
		r->reason = b->reasons[b->nreasons++];
	}
	b->nrows++;
}

static void describe(char *buf, size_t n, const fire_range *r)
{
	char a[32], z[32];

	zq_time_format_iso(r->first_ms, a, sizeof(a));
	zq_time_format_iso(r->last_ms, z, sizeof(z));
	if (r->more)
		snprintf(buf, n, "at least %lld fires from %s", (long long)r->count, a);
	else if (r->count == 1)
		snprintf(buf, n, "the fire at %s", a);
	else
		snprintf(buf, n, "%lld fires from %s to %s", (long long)r->count, a, z);
}

static void add_skips(fire_batch *b, const exec_due_task *t, const zq_schedule *s,
		      const fire_plan *p)
{
	char what[160], reason[FIRE_REASON_MAX];

	if (p->missed.count) {
		describe(what, sizeof(what), &p->missed);
		if (p->missed_reason == FIRE_SKIP_JUMP)
			snprintf(reason, sizeof(reason),
				 "clock jump: %s merged into one run (the wall clock jumped forward)",
				 what);
		else
			snprintf(reason, sizeof(reason),
				 "misfire: %s missed by more than misfire_grace_seconds (%d s); not run",
				 what, t->grace_s);
		add_row(b, t, s, p->missed.first_ms, reason);
	}
	if (p->over.count) {
		describe(what, sizeof(what), &p->over);
		snprintf(reason, sizeof(reason), "max_instances (%d) reached: %s skipped",
			 t->max_instances, what);
		add_row(b, t, s, p->over.first_ms, reason);
	}
}

/* Task t's schedule, with its calendar (cal: b->cals[i], NULL = none). */
static int task_schedule(const exec_due_task *t, const zq_calendar *cal, zq_schedule *s,
			 zq_err *err)
{
	if (t->calendar_id && !cal)
		return zq_errf(err, ZQ_ENOTFOUND, "calendar: calendar %lld not found",
			       (long long)t->calendar_id);
	return zq_schedule_init_cal(s, t->cron[0] ? t->cron : NULL, t->interval_s, t->start_at_ms,
				    t->run_at_ms, t->tz, cal, cal ? t->calendar_rule : ZQ_CAL_RULE_NONE,
				    err);
}

/* A row that must not fire (disabled, paused, manual) or whose schedule
 * no longer parses: clear next_run_at, and say why for a bad schedule. */
static int refuse(fire_batch *b, const exec_due_task *t, const zq_calendar *cal, zq_schedule *s,
		  zq_buf *events)
{
	zq_err err = ZQ_ERR_INIT;
	char reason[FIRE_REASON_MAX];
	const char *why = !t->enabled ? "disabled" : t->paused ? "paused"
			  : t->type == ZQ_TASK_MANUAL ? "a manual_task" : NULL;

	if (!why && task_schedule(t, cal, s, &err) == 0)
		return 0;
	b->adv[b->nadv++] = (exec_advance){t->id, ZQ_TIME_NONE, ZQ_TIME_NONE};
	if (why) {
		zq_buf_printf(events, "FIRE task=%lld not fired: task is %s; next_run_at cleared\n",
			      (long long)t->id, why);
		return 1;
	}
	snprintf(reason, sizeof(reason), "schedule: %.300s; task no longer fires", err.msg);
	add_row(b, t, NULL, t->next_run_ms, reason);
	zq_buf_printf(events, "FIRE task=%lld not fired: %s\n", (long long)t->id, reason);
	return 1;
}

/* The schedule stops at its calendar's coverage: say so once (next_run_at
 * goes NULL, so the task is not due again until its calendar changes). */
static void coverage_stop(tick_tx *tx, const exec_due_task *t, const zq_schedule *s)
{
	char why[160];

	if (s->cal && zq_schedule_stop_reason(s, tx->now_ms, why, sizeof(why)))
		zq_buf_printf(&tx->warns, "task %lld (%s): %s: not scheduled further\n",
			      (long long)t->id, t->name, why);
}

static void plan_task(fire_batch *b, const exec_due_task *t, const zq_calendar *cal, tick_tx *tx,
		      int64_t jump_ms)
{
	zq_schedule s;
	fire_plan p;
	fire_input in;
	char sched[32], next[32];

	if (refuse(b, t, cal, &s, &tx->events))
		return;
	in = (fire_input){&s, t->next_run_ms, tx->now_ms, (int64_t)t->grace_s * 1000, t->coalesce,
			  t->max_instances - t->active, jump_ms};
	fire_plan_make(&in, &p);
	for (int i = 0; i < p.nrun; i++) {
		if (t->type != ZQ_TASK_WORKFLOW)  /* the workflow engine starts those */
			b->start[b->nstart++] = b->nrows;
		add_row(b, t, &s, p.run_ms[i], NULL);
	}
	add_skips(b, t, &s, &p);
	b->adv[b->nadv++] = (exec_advance){t->id, p.next_ms, p.last_fire_ms};
	if (p.next_ms == ZQ_TIME_NONE)
		coverage_stop(tx, t, &s);
	zq_buf_printf(&tx->events,
		      "FIRE task=%lld scheduled=%s late_ms=%lld runs=%d coalesced=%lld "
		      "skipped=%lld next=%s\n",
		      (long long)t->id, zq_time_format_iso(p.last_fire_ms, sched, sizeof(sched)),
		      (long long)(tx->now_ms - p.last_fire_ms), p.nrun, (long long)p.coalesced,
		      (long long)(p.missed.count + p.over.count),
		      p.next_ms == ZQ_TIME_NONE ? "none" : zq_time_format_iso(p.next_ms, next, sizeof(next)));
}

/* The calendars of the due tasks (b->cals[i], NULL = none or gone), their
 * versions checked once for the batch. */
static int load_cals(tick_tx *tx, fire_batch *b, zq_err *err)
{
	int64_t mono = zq_mono_ms();
	int any = 0, rc;

	b->cals = zq_calloc((size_t)b->ndue + 1, sizeof(*b->cals));
	for (int i = 0; i < b->ndue; i++)
		any |= b->due[i].calendar_id != 0;
	if (!any)
		return 0;
	if ((rc = cal_cache_check(&tx->cals, tx->db, mono, err)) < 0)
		return rc;
	for (int i = 0; i < b->ndue; i++) {
		if (!b->due[i].calendar_id)
			continue;
		rc = cal_cache_get(&tx->cals, tx->db, b->due[i].calendar_id, mono, &b->cals[i], err);
		if (rc == ZQ_ENOTFOUND)
			zq_err_clear(err);  /* refused with its reason */
		else if (rc < 0)
			return rc;
	}
	return 0;
}

static void count_rows(const fire_batch *b, tick_tx *tx, fire_result *res)
{
	for (int i = 0; i < b->nrows; i++) {
		/* pending, running or skipped: none finished */
		run_state_ids_add_unfinished(&tx->touched, b->rows[i].task_id);
		if (b->rows[i].skipped) {
			res->skipped++;
			res->skip_by[metrics_skip_reason(b->rows[i].reason)]++;
			stats_batch_add(&tx->stats, b->rows[i].task_id, ZQ_EXEC_SKIPPED, tx->now_ms, -1);
		} else {
			res->runs++;
		}
	}
	res->pending = res->runs - res->nstarted;
}

struct start_key {
	int64_t ms;
	int row;
};

static int by_time(const void *a, const void *b)
{
	const struct start_key *x = a, *y = b;

	if (x->ms != y->ms)
		return x->ms < y->ms ? -1 : 1;
	return x->row - y->row;
}

/* The rows that may start, by scheduled time, then row order. */
static void sort_start(fire_batch *b)
{
	struct start_key *k = zq_calloc((size_t)b->nstart + 1, sizeof(*k));

	for (int i = 0; i < b->nstart; i++)
		k[i] = (struct start_key){b->rows[b->start[i]].scheduled_ms, b->start[i]};
	qsort(k, (size_t)b->nstart, sizeof(*k), by_time);
	for (int i = 0; i < b->nstart; i++)
		b->start[i] = k[i].row;
	free(k);
}

int fire_prepare(tick_tx *tx, int64_t jump_ms, int batch, fire_batch *b, zq_err *err)
{
	int rc;

	memset(b, 0, sizeof(*b));
	b->batch = batch;
	b->due = zq_calloc((size_t)batch, sizeof(*b->due));
	if ((rc = exec_store_due_tasks(tx->db, tx->now_ms, batch, b->due, &b->ndue, err)) < 0 ||
	    b->ndue == 0)
		return rc;
	if ((rc = exec_store_count_active(tx->db, tx->now_ms, b->due, b->ndue, err)) < 0)
		return rc;
	b->rows = zq_calloc((size_t)b->ndue * (FIRE_RUNS_MAX + 2), sizeof(*b->rows));
	b->start = zq_calloc((size_t)b->ndue * (FIRE_RUNS_MAX + 2), sizeof(*b->start));
	b->reasons = zq_calloc((size_t)b->ndue * 2, sizeof(*b->reasons));
	b->adv = zq_calloc((size_t)b->ndue, sizeof(*b->adv));
	if ((rc = load_cals(tx, b, err)) < 0)
		return rc;
	for (int i = 0; i < b->ndue; i++)
		plan_task(b, &b->due[i], b->cals[i], tx, jump_ms);
	sort_start(b);
	return 0;
}

int64_t fire_start_ms(const fire_batch *b, int nth)
{
	return nth >= 0 && nth < b->nstart ? b->rows[b->start[nth]].scheduled_ms : ZQ_TIME_NONE;
}

/* Insert the rows: the first take that may start running on node_id (into
 * res->started), the others as they are. The running ones go first, so a
 * task's rows keep their order (its runs by slot, then its skipped rows).
 * Should a slot already have its row (the running insert then refuses the
 * whole batch and inserts nothing), every row goes in as before: pending,
 * that slot left alone. */
static int insert_rows(tick_tx *tx, const fire_batch *b, int take, int64_t node_id,
		       fire_result *res, zq_err *err)
{
	exec_fire_row *rest = zq_calloc((size_t)b->nrows + 1, sizeof(*rest));
	char *started = zq_calloc((size_t)b->nrows + 1, 1);
	int nrest = 0, rc = 0;

	take = take < b->nstart ? take : b->nstart;
	res->started = zq_calloc((size_t)take + 1, sizeof(*res->started));
	for (int i = 0; i < take; i++) {
		started[b->start[i]] = 1;
		res->started[res->nstarted++] = b->rows[b->start[i]];
	}
	if (res->nstarted) {
		rc = exec_store_insert_running(tx->db, res->started, res->nstarted, node_id,
					       tx->now_ms, err);
		if (rc == ZQ_ECONFLICT) {
			zq_err_clear(err);
			memset(started, 0, (size_t)b->nrows);
			res->nstarted = 0;
			rc = 0;
		}
	}
	for (int i = 0; i < b->nrows; i++)
		if (!started[i])
			rest[nrest++] = b->rows[i];
	if (rc == 0 && nrest)
		rc = exec_store_insert_fires(tx->db, rest, nrest, tx->now_ms, err);
	free(rest);
	free(started);
	return rc;
}

int fire_insert(tick_tx *tx, fire_batch *b, int take, int64_t node_id, fire_result *res,
		zq_err *err)
{
	int rc;

	memset(res, 0, sizeof(*res));
	if (b->ndue == 0)
		return 0;
	if ((b->nrows && (rc = insert_rows(tx, b, take, node_id, res, err)) < 0) ||
	    (rc = alert_detect_skipped(tx->db, b->rows, b->nrows, err)) < 0 ||
	    (rc = exec_store_advance(tx->db, b->adv, b->nadv, err)) < 0)
		return rc;
	count_rows(b, tx, res);
	res->tasks = b->ndue;
	res->full = b->ndue == b->batch;
	return 0;
}

void fire_batch_release(fire_batch *b)
{
	free(b->due);
	free(b->rows);
	free(b->start);
	free(b->reasons);
	free(b->adv);
	free(b->cals);
	memset(b, 0, sizeof(*b));
}

int fire_run(tick_tx *tx, int64_t jump_ms, int batch, fire_result *res, zq_err *err)
{
	fire_batch b;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = fire_prepare(tx, jump_ms, batch, &b, err)) == 0)
		rc = fire_insert(tx, &b, 0, 0, res, err);
	fire_batch_release(&b);
	free(res->started);
	res->started = NULL;
	return rc;
}
