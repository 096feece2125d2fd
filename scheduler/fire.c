/* fire.c - fire due tasks (see fire.h). */
#include "fire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_store.h"
#include "fire_decide.h"
#include "mem.h"
#include "schedule.h"
#include "task.h"
#include "timeutil.h"

#define REASON_MAX 400

/* Rows for one tick: at most FIRE_RUNS_MAX + 2 per task. */
struct batch {
	exec_fire_row *rows;
	char (*reasons)[REASON_MAX];  /* at most 2 skipped rows per task */
	int nrows, nreasons;
	exec_advance *adv;
	int nadv;
};

static void add_row(struct batch *b, int64_t task_id, int64_t ms, const char *reason)
{
	exec_fire_row *r = &b->rows[b->nrows];

	r->task_id = task_id;
	r->scheduled_ms = ms;
	r->skipped = reason != NULL;
	r->reason = NULL;
	if (reason) {
		zq_strlcpy(b->reasons[b->nreasons], reason, REASON_MAX);
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

static void add_skips(struct batch *b, const exec_due_task *t, const fire_plan *p)
{
	char what[160], reason[REASON_MAX];

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
		add_row(b, t->id, p->missed.first_ms, reason);
	}
	if (p->over.count) {
		describe(what, sizeof(what), &p->over);
		snprintf(reason, sizeof(reason), "max_instances (%d) reached: %s skipped",
			 t->max_instances, what);
		add_row(b, t->id, p->over.first_ms, reason);
	}
}

/* A row that must not fire (disabled, paused, manual) or whose schedule
 * no longer parses: clear next_run_at, and say why for a bad schedule. */
static int refuse(struct batch *b, const exec_due_task *t, zq_buf *events)
{
	zq_schedule s;
	zq_err err = ZQ_ERR_INIT;
	char reason[REASON_MAX];
	const char *why = !t->enabled ? "disabled" : t->paused ? "paused"
			  : t->type == ZQ_TASK_MANUAL ? "a manual_task" : NULL;

	if (!why && zq_schedule_init(&s, t->cron[0] ? t->cron : NULL, t->interval_s, t->start_at_ms,
				     t->run_at_ms, t->tz, &err) == 0)
		return 0;
	b->adv[b->nadv++] = (exec_advance){t->id, ZQ_TIME_NONE, ZQ_TIME_NONE};
	if (why) {
		zq_buf_printf(events, "FIRE task=%lld not fired: task is %s; next_run_at cleared\n",
			      (long long)t->id, why);
		return 1;
	}
	snprintf(reason, sizeof(reason), "schedule: %.300s; task no longer fires", err.msg);
	add_row(b, t->id, t->next_run_ms, reason);
	zq_buf_printf(events, "FIRE task=%lld not fired: %s\n", (long long)t->id, reason);
	return 1;
}

static void plan_task(struct batch *b, const exec_due_task *t, int64_t now_ms, int64_t jump_ms,
		      zq_buf *events)
{
	zq_schedule s;
	fire_plan p;
	fire_input in;
	char sched[32], next[32];

	if (refuse(b, t, events))
		return;
	zq_schedule_init(&s, t->cron[0] ? t->cron : NULL, t->interval_s, t->start_at_ms,
			 t->run_at_ms, t->tz, NULL);
	in = (fire_input){&s, t->next_run_ms, now_ms, (int64_t)t->grace_s * 1000, t->coalesce,
			  t->max_instances - t->active, jump_ms};
	fire_plan_make(&in, &p);
	for (int i = 0; i < p.nrun; i++)
		add_row(b, t->id, p.run_ms[i], NULL);
	add_skips(b, t, &p);
	b->adv[b->nadv++] = (exec_advance){t->id, p.next_ms, p.last_fire_ms};
	zq_buf_printf(events,
		      "FIRE task=%lld scheduled=%s late_ms=%lld runs=%d coalesced=%lld "
		      "skipped=%lld next=%s\n",
		      (long long)t->id, zq_time_format_iso(p.last_fire_ms, sched, sizeof(sched)),
		      (long long)(now_ms - p.last_fire_ms), p.nrun, (long long)p.coalesced,
		      (long long)(p.missed.count + p.over.count),
		      p.next_ms == ZQ_TIME_NONE ? "none" : zq_time_format_iso(p.next_ms, next, sizeof(next)));
}

static void count_rows(const struct batch *b, tick_tx *tx, fire_result *res)
{
	for (int i = 0; i < b->nrows; i++) {
		run_state_ids_add_unfinished(&tx->touched, b->rows[i].task_id);  /* pending or skipped */
		if (b->rows[i].skipped) {
			res->skipped++;
			stats_batch_add(&tx->stats, b->rows[i].task_id, ZQ_EXEC_SKIPPED, tx->now_ms, -1);
		} else {
			res->runs++;
		}
	}
}

int fire_run(tick_tx *tx, int64_t jump_ms, int batch, fire_result *res, zq_err *err)
{
	zq_db *db = tx->db;
	int64_t now_ms = tx->now_ms;
	exec_due_task *due = zq_calloc((size_t)batch, sizeof(*due));
	struct batch b = {0};
	int n = 0, rc;

	memset(res, 0, sizeof(*res));
	if ((rc = exec_store_due_tasks(db, now_ms, batch, due, &n, err)) < 0 || n == 0)
		goto out;
	if ((rc = exec_store_count_active(db, now_ms, due, n, err)) < 0)
		goto out;
	b.rows = zq_calloc((size_t)n * (FIRE_RUNS_MAX + 2), sizeof(*b.rows));
	b.reasons = zq_calloc((size_t)n * 2, sizeof(*b.reasons));
	b.adv = zq_calloc((size_t)n, sizeof(*b.adv));
	for (int i = 0; i < n; i++)
		plan_task(&b, &due[i], now_ms, jump_ms, &tx->events);
	if ((b.nrows && (rc = exec_store_insert_fires(db, b.rows, b.nrows, now_ms, err)) < 0) ||
	    (rc = exec_store_advance(db, b.adv, b.nadv, err)) < 0)
		goto out;
	count_rows(&b, tx, res);
	res->tasks = n;
	res->full = n == batch;
out:
	free(due);
	free(b.rows);
	free(b.reasons);
	free(b.adv);
	return rc;
}
