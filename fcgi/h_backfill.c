/* h_backfill.c - backfills (README "Calendars and business dates",
 * Backfill): start one over [from, to] of a task (or list its dates: a dry
 * run), a task's backfills, one backfill with its dates, cancel one.
 * Operators start and cancel, viewers read (routes.c).
 *
 * The dates are planned when the backfill is created, in the transaction
 * that writes it (backfill_store.h: the modes, the 409 of an identical
 * running request); zq-scheduler's backfill round runs them
 * (scheduler/backfill.h). Workflows are backfilled like any task: each date
 * is a pending run of the workflow, as a manual trigger's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backfill_store.h"
#include "calendar_store.h"
#include "handlers.h"
#include "jsonin.h"
#include "log.h"
#include "mem.h"
#include "task.h"
#include "task_store.h"
#include "timeutil.h"
#include "wakeup.h"

#define LIST_MAX 500

static void jw_kday(zq_jw *w, const char *k, int32_t day)
{
	char d[11];

	zq_day_format(day, d);
	jw_kstr(w, k, d);
}

static void view_backfill(zq_jw *w, const backfill_row *r)
{
	jw_kint(w, "id", r->id);
	jw_kint(w, "task_id", r->task_id);
	jw_kday(w, "from", r->from);
	jw_kday(w, "to", r->to);
	jw_kstr(w, "mode", backfill_mode_name(r->mode));
	jw_kint(w, "concurrency", r->concurrency);
	jw_kstr(w, "status", backfill_status_name(r->status));
	jw_kint(w, "total", r->total);
	jw_kint(w, "done", r->done);
	jw_kint(w, "failed", r->failed);
	jw_kint(w, "running", r->running);
	jw_kstr(w, "created_by", r->created_by[0] ? r->created_by : NULL);
	jw_ktime(w, "created_at", r->created_ms);
	jw_ktime(w, "finished_at", r->finished_ms);
}

static void view_days(zq_jw *w, const int32_t *days, int n)
{
	jw_key(w, "dates");
	jw_arr_begin(w);
	for (int i = 0; i < n; i++) {
		char d[11];
		zq_day_format(days[i], d);
		jw_str(w, d);
	}
	jw_arr_end(w);
}

/* ---- the request -------------------------------------------------------------------- */

struct start {
	backfill_req q;
	int dry_run;
	zq_task t;
	zq_calendar cal;
	int has_cal;
	int32_t *dates;
	int n;
	int64_t id;
};

static int body_day(zq_ctx *c, const char *name, int32_t *day)
{
	const cJSON *v = jin_get(c->body, name);

	if (!v || cJSON_IsNull(v))
		return zq_errf(&c->err, ZQ_EINVAL, "body.%s: required (YYYY-MM-DD)", name);
	if (!cJSON_IsString(v) || zq_day_parse(v->valuestring, day) < 0)
		return zq_errf(&c->err, ZQ_EINVAL, "body.%s: must be a date YYYY-MM-DD", name);
	return 0;
}

static int parse_body(zq_ctx *c, struct start *s)
{
	static const char *const fields[] = {"from", "to", "mode", "concurrency", "dry_run", NULL};
	const cJSON *v;
	int64_t conc = 1;
	int rc;

	if (!cJSON_IsObject(c->body))
		return zq_errf(&c->err, ZQ_EINVAL, "body: must be a JSON object {\"from\": "
			       "\"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\", ...}");
	if ((rc = jin_check_fields(c->body, "body.", fields, NULL, &c->err)) < 0 ||
	    (rc = body_day(c, "from", &s->q.from)) < 0 || (rc = body_day(c, "to", &s->q.to)) < 0)
		return rc;
	if (s->q.to < s->q.from)
		return zq_errf(&c->err, ZQ_EINVAL, "body.to: must not be before from");
	if ((int64_t)s->q.to - s->q.from >= BACKFILL_DAYS_MAX)
		return zq_errf(&c->err, ZQ_EINVAL, "body.to: at most %d days from from (%d dates)",
			       BACKFILL_DAYS_MAX - 1, BACKFILL_DAYS_MAX);
	s->q.mode = BF_MODE_MISSING;
	v = jin_get(c->body, "mode");
	if (v && !cJSON_IsNull(v) &&
	    (!cJSON_IsString(v) || (s->q.mode = backfill_mode_parse(v->valuestring)) < 0))
		return zq_errf(&c->err, ZQ_EINVAL, "body.mode: must be missing, failed or all");
	v = jin_get(c->body, "concurrency");
	if (v && !cJSON_IsNull(v) &&
	    (rc = jin_int(v, "body.concurrency", 1, BACKFILL_CONCURRENCY_MAX, &conc, &c->err)) < 0)
		return rc;
	s->q.concurrency = (int)conc;
	v = jin_get(c->body, "dry_run");
	if (v && !cJSON_IsNull(v) && (rc = jin_bool(v, "body.dry_run", &s->dry_run, &c->err)) < 0)
		return rc;
	return 0;
}

/* The task and its calendar. */
static int load_task(zq_ctx *c, struct start *s)
{
	int rc;

	if ((rc = task_store_get(c->db, s->q.task_id, &s->t, &c->err)) < 0) {
		if (rc == ZQ_ENOTFOUND)
			zq_errf(&c->err, rc, "task %lld not found", (long long)s->q.task_id);
		return rc;
	}
	if (!s->dry_run && !s->t.enabled)
		return zq_errf(&c->err, ZQ_ECONFLICT, "task is disabled: enable it first");
	if (s->t.calendar_id <= 0)
		return 0;
	zq_cal_release(&s->cal);
	if ((rc = calendar_store_load(c->db, s->t.calendar_id, NULL, &s->cal, &c->err)) < 0)
		return rc;
	s->has_cal = 1;
	return 0;
}

static int plan(zq_ctx *c, struct start *s)
{
	int rc;

	free(s->dates);
	s->dates = NULL;
	s->n = 0;
	rc = backfill_store_plan(c->db, &s->q, s->has_cal ? &s->cal : NULL, &s->dates, &s->n,
				 &c->err);
	if (rc == ZQ_EINVAL)
		zq_err_prefix(&c->err, "body.");
	return rc;
}

static int start_tx(zq_ctx *c, void *arg)
{
	struct start *s = arg;
	char detail[160], f[11], t[11];
	int rc;

	if ((rc = plan(c, s)) < 0 ||
	    (rc = backfill_store_create(c->db, &s->q, s->dates, s->n, &s->id, &c->err)) < 0)
		return rc;
	zq_day_format(s->q.from, f);
	zq_day_format(s->q.to, t);
	snprintf(detail, sizeof(detail), "%s..%s mode %s concurrency %d: %d dates", f, t,
		 backfill_mode_name(s->q.mode), s->q.concurrency, s->n);
	return api_audit(c, "backfill", "backfill", s->id, s->q.task_id, detail);
}

static int respond_created(zq_ctx *c, struct start *s)
{
	backfill_row r;
	int rc = backfill_store_get(c->db, s->id, &r, &c->err);

	if (rc < 0)
		return rc;
	api_status(c, 201);
	jw_obj_begin(&c->w);
	view_backfill(&c->w, &r);
	view_days(&c->w, s->dates, s->n);  /* "total" (the view's) is their number */
	jw_obj_end(&c->w);
	return 0;
}

int h_task_backfill(zq_ctx *c)
{
	struct start s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.q.task_id = c->p[0];
	s.q.actor = c->who.actor;
	zq_task_init(&s.t);
	zq_cal_init(&s.cal);
	if ((rc = parse_body(c, &s)) < 0 || (rc = load_task(c, &s)) < 0)
		goto out;
	if (s.dry_run) {
		if ((rc = plan(c, &s)) == 0) {
			jw_obj_begin(&c->w);
			jw_kint(&c->w, "task_id", s.q.task_id);
			jw_kstr(&c->w, "calendar", s.has_cal ? s.cal.name : NULL);
			jw_kstr(&c->w, "mode", backfill_mode_name(s.q.mode));
			view_days(&c->w, s.dates, s.n);
			jw_kint(&c->w, "total", s.n);
			jw_obj_end(&c->w);
		}
		goto out;
	}
	if ((rc = api_tx(c, start_tx, &s)) < 0)
		goto out;
	zq_info("BACKFILL backfill=%lld task=%lld dates=%d concurrency=%d mode=%s by=%s",
		(long long)s.id, (long long)s.q.task_id, s.n, s.q.concurrency,
		backfill_mode_name(s.q.mode), c->who.actor);
	zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	rc = respond_created(c, &s);
out:
	free(s.dates);
	zq_cal_release(&s.cal);
	zq_task_release(&s.t);
	return rc;
}

/* ---- reads -------------------------------------------------------------------------- */

int h_task_backfills(zq_ctx *c)
{
	backfill_row *rows = NULL;
	int64_t limit = 100;
	int n = 0, rc;

	if ((rc = zq_query_int(&c->req->query, "limit", 100, 1, LIST_MAX, &limit, &c->err)) < 0 ||
	    (rc = backfill_store_list(c->db, c->p[0], (int)limit, &rows, &n, &c->err)) < 0 ||
	    (!n && (rc = task_store_exists(c->db, c->p[0], &c->err)) < 0)) {
		free(rows);
		return rc;
	}
	jw_obj_begin(&c->w);
	jw_key(&c->w, "items");
	jw_arr_begin(&c->w);
	for (int i = 0; i < n; i++) {
		jw_obj_begin(&c->w);
		view_backfill(&c->w, &rows[i]);
		jw_obj_end(&c->w);
	}
	jw_arr_end(&c->w);
	jw_kint(&c->w, "total", n);
	jw_obj_end(&c->w);
	free(rows);
	return 0;
}

static void view_dates(zq_jw *w, const backfill_date *d, int n)
{
	jw_key(w, "dates");
	jw_arr_begin(w);
	for (int i = 0; i < n; i++) {
		jw_obj_begin(w);
		jw_kday(w, "date", d[i].day);
		jw_kstr(w, "state", backfill_date_state_name(d[i].state));
		jw_kint_or_null(w, "execution_id", d[i].exec_id, 0);
		jw_kstr(w, "status", d[i].status >= 0 ? zq_exec_status_name(d[i].status) : NULL);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static int respond_backfill(zq_ctx *c, int64_t id, int cancelled_dates, int cancelled_runs)
{
	backfill_date *dates = NULL;
	backfill_row r;
	int n = 0, rc;

	if ((rc = backfill_store_get(c->db, id, &r, &c->err)) < 0 ||
	    (rc = backfill_store_dates(c->db, &r, &dates, &n, &c->err)) < 0)
		return rc;
	jw_obj_begin(&c->w);
	view_backfill(&c->w, &r);
	if (cancelled_dates >= 0) {
		jw_kint(&c->w, "cancelled_dates", cancelled_dates);
		jw_kint(&c->w, "cancelled_runs", cancelled_runs);
	}
	view_dates(&c->w, dates, n);
	jw_obj_end(&c->w);
	free(dates);
	return 0;
}

int h_backfill_get(zq_ctx *c)
{
	return respond_backfill(c, c->p[0], -1, -1);
}

/* ---- cancel ------------------------------------------------------------------------- */

struct cancel {
	int64_t id;
	int dates, runs;
};

static int cancel_tx(zq_ctx *c, void *arg)
{
	struct cancel *k = arg;
	backfill_row r;
	char detail[96];
	int rc;

	if ((rc = backfill_store_get(c->db, k->id, &r, &c->err)) < 0 ||
	    (rc = backfill_store_cancel(c->db, k->id, &k->dates, &k->runs, &c->err)) < 0)
		return rc;
	snprintf(detail, sizeof(detail), "%d planned dates cancelled, %d runs asked to stop",
		 k->dates, k->runs);
	return api_audit(c, "backfill_cancel", "backfill", k->id, r.task_id, detail);
}

int h_backfill_cancel(zq_ctx *c)
{
	struct cancel k = {c->p[0], 0, 0};
	int rc;

	if ((rc = api_tx(c, cancel_tx, &k)) < 0)
		return rc;
	zq_info("BACKFILL CANCEL backfill=%lld dates=%d runs=%d by=%s", (long long)k.id, k.dates,
		k.runs, c->who.actor);
	zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	return respond_backfill(c, k.id, k.dates, k.runs);
}
