/* h_tasks.c - task CRUD and the enable / disable / pause / resume actions.
 *
 * Every write runs in one transaction with its audit row (and, for
 * workflows, the derived workflow_nodes rows), so a failure never leaves a
 * half-written task. next_run_at follows the data contract: computed with
 * zq_task_first_run when the schedule, enabled or paused change, NULL when
 * the task is not due, and version is bumped by every UPDATE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar_store.h"
#include "handlers.h"
#include "jsonin.h"
#include "log.h"
#include "mem.h"
#include "task_input.h"
#include "task_store.h"
#include "taskcfg.h"
#include "timeutil.h"
#include "user_store.h"
#include "views.h"
#include "wakeup.h"
#include "wf_check.h"

#define USED_BY_MAX 20

/* ---- shared -------------------------------------------------------------------- */

/* Respond with the task as stored now. */
static int respond_task(zq_ctx *c, int64_t id, int status)
{
	task_store_row row;
	int rc = task_store_get_row(c->db, id, &row, &c->err);

	if (rc == 0) {
		api_status(c, status);
		view_task(&c->w, &row, c->who.role >= ZQ_ROLE_ADMIN);
	}
	task_store_row_release(&row);
	return rc;
}

/* next_run_at for the task's current state (NULL when not due). A one-off
 * that already fired is not due again. cal: the task's calendar or NULL. */
static int compute_next(zq_task *t, const zq_calendar *cal, zq_err *err)
{
	int rc = zq_task_first_run(t, zq_wall_ms(), cal, &t->next_run_at_ms, err);

	if (rc == 0 && t->run_at_ms != ZQ_TIME_NONE && t->last_fire_at_ms != ZQ_TIME_NONE &&
	    t->last_fire_at_ms >= t->run_at_ms)
		t->next_run_at_ms = ZQ_TIME_NONE;
	return rc;
}

/* The task's calendar into cal (initialised here): the one its body named
 * (calendar_id -1) or the stored one; t gets its id and name. A name that
 * is no calendar is a bad field. */
static int load_calendar(zq_ctx *c, zq_task *t, zq_calendar *cal)
{
	int rc;

	zq_cal_init(cal);
	if (!t->calendar_id)
		return 0;
	rc = calendar_store_load(c->db, t->calendar_id > 0 ? t->calendar_id : 0,
				 t->calendar_id > 0 ? NULL : t->calendar, cal, &c->err);
	if (rc == ZQ_ENOTFOUND)
		return zq_errf(&c->err, ZQ_EINVAL, "calendar: no calendar named '%.64s'",
			       t->calendar);
	if (rc < 0)
		return rc;
	t->calendar_id = cal->id;
	zq_strlcpy(t->calendar, cal->name, sizeof(t->calendar));
	return 0;
}

/* Inside the transaction that writes the task: its calendar stays (a
 * delete of the calendar waits for this transaction, then sees the task). */
static int lock_calendar(zq_ctx *c, const zq_task *t)
{
	int rc;

	if (t->calendar_id <= 0)
		return 0;
	rc = calendar_store_lock_shared(c->db, t->calendar_id, &c->err);
	if (rc == ZQ_ENOTFOUND)
		return zq_errf(&c->err, ZQ_EINVAL, "calendar: no calendar named '%.64s'",
			       t->calendar);
	return rc;
}

/* Validate the whole task, including the database half for workflows. */
static int check_task(zq_ctx *c, const zq_task *t, const zq_calendar *cal, zq_workflow *wf)
{
	zq_wf_errors errs;
	int rc;

	if ((rc = task_input_check_cal(t, t->calendar_id ? cal : NULL, wf, &c->err)) < 0 ||
	    t->type != ZQ_TASK_WORKFLOW)
		return rc;
	zq_wf_errors_init(&errs);
	if ((rc = wf_check_db(c->db, t->id, wf, "config", &errs, &c->err)) == 0 && errs.n)
		rc = zq_wf_errors_to_err(&errs, &c->err);
	zq_wf_errors_release(&errs);
	return rc;
}

/* workflow_nodes follow the config of a workflow; other types have none. */
static int sync_nodes(zq_ctx *c, const zq_task *t, const zq_workflow *wf)
{
	char *ids = t->type == ZQ_TASK_WORKFLOW ? wf_check_ids_json(wf) : zq_strdup("[]");
	int rc = task_store_set_nodes(c->db, t->id, ids, &c->err);

	free(ids);
	return rc;
}

/* Env values "***" in a config the client sent keep the stored ones (a
 * form shows them masked and sends them back); stored is NULL on create,
 * where "***" has nothing to stand for. */
static int unmask_config(zq_ctx *c, zq_task *t, const char *stored)
{
	cJSON *cfg, *old;
	char *text;
	int rc;

	if (!t->config || !strstr(t->config, "\"" TASKCFG_MASK "\"") ||
	    !(cfg = cJSON_Parse(t->config)))
		return 0;
	old = stored ? cJSON_Parse(stored) : NULL;
	if ((rc = taskcfg_unmask(cfg, old, "config", &c->err)) == 0) {
		text = cJSON_PrintUnformatted(cfg);
		zq_task_set_config(t, text);
		cJSON_free(text);
	}
	cJSON_Delete(cfg);
	cJSON_Delete(old);
	return rc;
}

static int need_body(zq_ctx *c)
{
	if (!c->body)
		return zq_errf(&c->err, ZQ_EINVAL, "body: required (a JSON object)");
	if (!cJSON_IsObject(c->body))
		return zq_errf(&c->err, ZQ_EINVAL, "body: must be a JSON object");
	return 0;
}

/* ---- list / get ---------------------------------------------------------------- */

static int list_filter(zq_ctx *c, task_store_filter *f)
{
	const zq_query *q = &c->req->query;
	const char *s;
	int rc, b;

	memset(f, 0, sizeof(*f));
	f->type = f->enabled = -1;
	if ((rc = api_paging(c, 100, 1000, &f->skip, &f->limit)) < 0)
		return rc;
	if ((s = zq_query_get(q, "task_type")) && *s && (f->type = zq_task_type_parse(s)) < 0)
		return zq_errf(&c->err, ZQ_EINVAL, "task_type: must be manual_task, common_task, "
			       "workflow or example_task");
	if (zq_query_get(q, "enabled") && *zq_query_get(q, "enabled")) {
		if ((rc = zq_query_bool(q, "enabled", 0, &b, &c->err)) < 0)
			return rc;
		f->enabled = b;
	}
	if ((rc = zq_query_str(q, "name", 128 * 4, &f->name, &c->err)) < 0 ||
	    (rc = zq_query_str(q, "status", 16, &f->status, &c->err)) < 0)
		return rc;
	if (f->status && !task_store_status_valid(f->status))
		return zq_errf(&c->err, ZQ_EINVAL, "status: must be disabled, paused, running, "
			       "failed, success or pending");
	return zq_query_bool(q, "include_subtasks", 0, &f->include_subtasks, &c->err);
}

int h_tasks_list(zq_ctx *c)
{
	task_store_filter f;
	task_store_row *rows = NULL;
	int64_t total = 0;
	int n = 0, rc, capped = 0;

	if ((rc = list_filter(c, &f)) < 0)
		return rc;
	if ((rc = task_store_list(c->db, &f, &rows, &n, &total, &capped, &c->err)) < 0)
		return rc;
	api_page_begin(c, "tasks");
	for (int i = 0; i < n; i++)
		view_task(&c->w, &rows[i], c->who.role >= ZQ_ROLE_ADMIN);
	api_page_end_capped(c, total, capped, f.skip, f.limit);
	task_store_rows_free(rows, n);
	return 0;
}

int h_task_get(zq_ctx *c)
{
	if (!c->task) /* not read with the token */
		return respond_task(c, c->p[0], 200);
	if (!c->task_found)
		return zq_errf(&c->err, ZQ_ENOTFOUND, "task %lld not found", (long long)c->p[0]);
	view_task(&c->w, c->task, c->who.role >= ZQ_ROLE_ADMIN);
	return 0;
}

/* ---- create ----------------------------------------------------------------------- */

struct create {
	zq_task t;
	zq_workflow wf;
	zq_calendar cal;
};

static int create_tx(zq_ctx *c, void *arg)
{
	struct create *cr = arg;
	int rc;

	if ((rc = lock_calendar(c, &cr->t)) < 0 ||
	    (rc = task_store_insert(c->db, &cr->t, &c->err)) < 0)
		return rc;
	if (cr->t.type == ZQ_TASK_WORKFLOW && (rc = sync_nodes(c, &cr->t, &cr->wf)) < 0)
		return rc;
	return api_audit(c, "create", "task", cr->t.id, cr->t.id, zq_task_type_name(cr->t.type));
}

static int create_prepare(zq_ctx *c, struct create *cr)
{
	unsigned mask;
	int rc;

	zq_task_init(&cr->t);
	cr->t.type = -1;
	zq_strlcpy(cr->t.timezone, c->api->cfg->timezone, sizeof(cr->t.timezone));
	zq_strlcpy(cr->t.created_by, c->who.actor, sizeof(cr->t.created_by));
	if ((rc = need_body(c)) < 0 ||
	    (rc = task_input_apply(&cr->t, c->body, 1, &mask, &c->err)) < 0)
		return rc;
	if (!cr->t.config && cr->t.type == ZQ_TASK_EXAMPLE)
		zq_task_set_config(&cr->t, "{}");
	if ((rc = unmask_config(c, &cr->t, NULL)) < 0)
		return rc;
	if ((rc = load_calendar(c, &cr->t, &cr->cal)) < 0 ||
	    (rc = check_task(c, &cr->t, &cr->cal, &cr->wf)) < 0)
		return rc;
	return compute_next(&cr->t, cr->t.calendar_id ? &cr->cal : NULL, &c->err);
}

int h_task_create(zq_ctx *c)
{
	struct create cr;
	int rc;

	zq_workflow_init(&cr.wf);
	zq_cal_init(&cr.cal);
	if ((rc = create_prepare(c, &cr)) == 0 && (rc = api_tx(c, create_tx, &cr)) == 0) {
		zq_info("TASK CREATE id=%lld type=%s by=%s", (long long)cr.t.id,
			zq_task_type_name(cr.t.type), c->who.actor);
		zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
		rc = respond_task(c, cr.t.id, 201);
	}
	zq_workflow_release(&cr.wf);
	zq_cal_release(&cr.cal);
	zq_task_release(&cr.t);
	return rc;
}

/* ---- update ----------------------------------------------------------------------- */

#define SCHEDULE_BITS (TI_TYPE | TI_SCHEDULE | TI_TIMEZONE | TI_ENABLED | TI_PAUSED | TI_CALENDAR)

static int update_tx(zq_ctx *c, void *arg)
{
	int64_t id = *(int64_t *)arg;
	zq_workflow wf;
	zq_calendar cal;
	unsigned mask;
	char fields[256], *stored = NULL;
	zq_task t;
	int rc, was_workflow;

	zq_task_init(&t);
	zq_workflow_init(&wf);
	zq_cal_init(&cal);
	if ((rc = task_store_get_for_update(c->db, id, &t, &c->err)) < 0)
		goto out;
	was_workflow = t.type == ZQ_TASK_WORKFLOW;
	stored = t.config ? zq_strdup(t.config) : NULL;
	if ((rc = task_input_apply(&t, c->body, 0, &mask, &c->err)) < 0 ||
	    ((mask & TI_CONFIG) && (rc = unmask_config(c, &t, stored)) < 0) ||
	    (rc = load_calendar(c, &t, &cal)) < 0 || (rc = lock_calendar(c, &t)) < 0 ||
	    (rc = check_task(c, &t, &cal, &wf)) < 0)
		goto out;
	if ((mask & SCHEDULE_BITS) &&
	    (rc = compute_next(&t, t.calendar_id ? &cal : NULL, &c->err)) < 0)
		goto out;
	if ((rc = task_store_update(c->db, &t, &c->err)) < 0)
		goto out;
	if ((t.type == ZQ_TASK_WORKFLOW && (mask & (TI_CONFIG | TI_TYPE))) || was_workflow)
		if ((rc = sync_nodes(c, &t, &wf)) < 0)
			goto out;
	task_input_mask_names(mask, fields, sizeof(fields));
	rc = api_audit(c, "update", "task", id, id, fields);
out:
	free(stored);
	zq_workflow_release(&wf);
	zq_cal_release(&cal);
	zq_task_release(&t);
	return rc;
}

int h_task_update(zq_ctx *c)
{
	int64_t id = c->p[0];
	int rc;

	if ((rc = need_body(c)) < 0)
		return rc;
	if (!c->body->child)
		return zq_errf(&c->err, ZQ_EINVAL, "body: no fields to update");
	if ((rc = api_tx(c, update_tx, &id)) < 0)
		return rc;
	zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	return respond_task(c, id, 200);
}

/* ---- delete ----------------------------------------------------------------------- */

struct del {
	int64_t id;
	int64_t users[USED_BY_MAX];
	char names[USED_BY_MAX][ZQ_TASK_NAME_BYTES];
	int nusers;
};

static int delete_tx(zq_ctx *c, void *arg)
{
	struct del *d = arg;
	zq_task t;
	int rc;

	zq_task_init(&t);
	if ((rc = task_store_get_for_update(c->db, d->id, &t, &c->err)) < 0)
		goto out;
	if ((rc = task_store_used_by(c->db, d->id, d->users, d->names, USED_BY_MAX, &d->nusers,
				     &c->err)) < 0)
		goto out;
	if (d->nusers) {
		rc = zq_errf(&c->err, ZQ_ECONFLICT, "task %lld is used by %s%d workflow%s; remove "
			     "it from them first", (long long)d->id,
			     d->nusers == USED_BY_MAX ? "at least " : "", d->nusers,
			     d->nusers == 1 ? "" : "s");
		goto out;
	}
	if ((rc = task_store_delete(c->db, d->id, &c->err)) == 0)
		rc = api_audit(c, "delete", "task", d->id, d->id, t.name);
out:
	zq_task_release(&t);
	return rc;
}

static void respond_used_by(zq_ctx *c, const struct del *d)
{
	api_status(c, 409);
	jw_obj_begin(&c->w);
	jw_kstr(&c->w, "detail", c->err.msg);
	jw_key(&c->w, "workflows");
	jw_arr_begin(&c->w);
	for (int i = 0; i < d->nusers; i++) {
		jw_obj_begin(&c->w);
		jw_kint(&c->w, "id", d->users[i]);
		jw_kstr(&c->w, "name", d->names[i]);
		jw_obj_end(&c->w);
	}
	jw_arr_end(&c->w);
	jw_obj_end(&c->w);
}

int h_task_delete(zq_ctx *c)
{
	struct del *d = zq_calloc(1, sizeof(*d));
	int rc;

	d->id = c->p[0];
	rc = api_tx(c, delete_tx, d);
	if (rc == ZQ_ECONFLICT && d->nusers) {
		respond_used_by(c, d);
		rc = 0;
	} else if (rc == 0) {
		zq_info("TASK DELETE id=%lld by=%s", (long long)d->id, c->who.actor);
		jw_obj_begin(&c->w);
		jw_kbool(&c->w, "deleted", 1);
		jw_kint(&c->w, "id", d->id);
		jw_obj_end(&c->w);
	}
	free(d);
	return rc;
}

/* ---- enable / disable / pause / resume --------------------------------------------- */

enum { ACT_ENABLE, ACT_DISABLE, ACT_PAUSE, ACT_RESUME };
static const char *const act_names[] = {"enable", "disable", "pause", "resume"};

struct act {
	int64_t id;
	int what;
	int changed;
};

static int action_tx(zq_ctx *c, void *arg)
{
	struct act *a = arg;
	zq_calendar cal;
	zq_task t;
	int rc, *field, want;

	zq_task_init(&t);
	zq_cal_init(&cal);
	if ((rc = task_store_get_for_update(c->db, a->id, &t, &c->err)) < 0)
		goto out;
	field = a->what == ACT_ENABLE || a->what == ACT_DISABLE ? &t.enabled : &t.paused;
	want = a->what == ACT_ENABLE || a->what == ACT_PAUSE;
	if (*field == want)
		goto out; /* already so: nothing changes, nothing to audit */
	*field = want;
	a->changed = 1;
	if ((rc = load_calendar(c, &t, &cal)) < 0 ||
	    (rc = compute_next(&t, t.calendar_id ? &cal : NULL, &c->err)) < 0 ||
	    (rc = task_store_update(c->db, &t, &c->err)) < 0)
		goto out;
	rc = api_audit(c, act_names[a->what], "task", a->id, a->id, NULL);
out:
	zq_cal_release(&cal);
	zq_task_release(&t);
	return rc;
}

static int task_action(zq_ctx *c, int what)
{
	struct act a = {c->p[0], what, 0};
	int rc = api_tx(c, action_tx, &a);

	if (rc < 0)
		return rc;
	if (a.changed) {
		zq_info("TASK %s id=%lld by=%s", act_names[what], (long long)a.id, c->who.actor);
		zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	}
	return respond_task(c, a.id, 200);
}

int h_task_enable(zq_ctx *c)
{
	return task_action(c, ACT_ENABLE);
}

int h_task_disable(zq_ctx *c)
{
	return task_action(c, ACT_DISABLE);
}

int h_task_pause(zq_ctx *c)
{
	return task_action(c, ACT_PAUSE);
}

int h_task_resume(zq_ctx *c)
{
	return task_action(c, ACT_RESUME);
}
