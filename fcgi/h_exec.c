/* h_exec.c - manual trigger, execution history and cancel.
 *
 * The API's only writes to task_executions (data contract): a pending
 * manual execution, and cancel_requested = 1. Both then wake the schedulers
 * (best effort; they poll anyway). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "calendar.h"
#include "calendar_store.h"
#include "exec_api.h"
#include "handlers.h"
#include "jsonin.h"
#include "log.h"
#include "mem.h"
#include "output_store.h"
#include "run_state_store.h"
#include "task.h"
#include "task_input.h"
#include "task_store.h"
#include "taskcfg.h"
#include "timeutil.h"
#include "tz.h"
#include "user_store.h"
#include "views.h"
#include "wakeup.h"

#define STEPS_MAX 1000
#define CHILDREN_MAX 500

/* ---- trigger ------------------------------------------------------------------------ */

/* The body is optional (none and {} run the task as it is configured):
 * {"params": {NAME: value}} for the parameters the task declares (checked
 * against their declarations, defaults filled in, stored with the
 * execution; the scheduler passes them as ZQ_PARAM_<NAME> environment
 * variables, never as command text), and for admins also
 * {"override": {config keys}}, a one-off config change for this run,
 * checked by the same rules as a saved config and audited with its values
 * (env values masked). {"business_date": "YYYY-MM-DD"} is the run's
 * business date (trigger_day: a business day its calendar covers; default
 * today in the task's zone, or the previous business day). Any other member
 * is a 400 and nothing runs: an
 * operator choosing command, env or work_dir would run anything as the
 * daemon's user. */
struct trigger {
	int64_t task_id;
	char *override;          /* JSON text to store, env values unmasked; or NULL */
	char *params;            /* resolved parameter values, JSON text; or NULL */
	char *audit;             /* audit detail, or NULL */
	int64_t exec_id;
	int32_t business_day;    /* the run's business_date */
};

static void trigger_release(struct trigger *tr)
{
	cJSON_free(tr->override);
	cJSON_free(tr->params);
	free(tr->audit);
}

static int check_trigger_keys(zq_ctx *c, const cJSON *body, int admin)
{
	for (const cJSON *a = body->child; a; a = a->next) {
		const char *k = a->string;
		if (strcmp(k, "params") == 0 || strcmp(k, "business_date") == 0 ||
		    (admin && strcmp(k, "override") == 0))
			continue;
		if (strcmp(k, "override") == 0)
			return zq_errf(&c->err, ZQ_EINVAL, "trigger: 'override' is for admins; an "
				       "operator passes the parameters the task declares in "
				       "{\"params\": {...}}");
		if (admin)
			return zq_errf(&c->err, ZQ_EINVAL, "trigger: '%.64s' is not a trigger field; "
				       "for a one-off config change send {\"override\": {\"%.64s\": ...}}",
				       k, k);
		return zq_errf(&c->err, ZQ_EINVAL, "trigger: '%.64s' cannot be set by an operator; "
			       "declare a parameter", k);
	}
	return 0;
}

static int empty_object(const cJSON *v)
{
	return !v || cJSON_IsNull(v) || (cJSON_IsObject(v) && !v->child);
}

/* "override {...}; params {...}" (env values masked), or NULL. */
static char *trigger_audit(const cJSON *over, const cJSON *params)
{
	char *o = over ? taskcfg_audit_text(over, 2000) : NULL;
	char *p = params ? taskcfg_audit_text(params, 2000) : NULL;
	zq_buf b;

	if (!o && !p)
		return NULL;
	zq_buf_init(&b, ZQ_BUF_NOCAP);
	if (o)
		zq_buf_printf(&b, "override %s", o);
	if (p)
		zq_buf_printf(&b, "%sparams %s", o ? "; " : "", p);
	free(o);
	free(p);
	return zq_buf_detach(&b, NULL);
}

/* Today in the task's zone. */
static int32_t task_today(const zq_task *t)
{
	const zq_tz *tz = zq_tz_get(t->timezone[0] ? t->timezone : "UTC", NULL);
	int64_t ms = zq_wall_ms(), off = tz ? zq_tz_offset_at(tz, ms) : 0;
	int64_t local = ms + off * 1000;

	return (int32_t)((local >= 0 ? local : local - 86399999) / 86400000);
}

/* The run's business date: body.business_date (a business day the task's
 * calendar covers), else today in the task's zone if a business day, else
 * the previous business day; without a calendar any date, default today. */
static int trigger_day(zq_ctx *c, const zq_task *t, const cJSON *body, int32_t *day)
{
	const cJSON *v = body ? jin_get(body, "business_date") : NULL;
	zq_calendar cal;
	char d[11], lim[11];
	int given = v && !cJSON_IsNull(v), before, rc;

	*day = task_today(t);
	if (given && (!cJSON_IsString(v) || zq_day_parse(v->valuestring, day) < 0))
		return zq_errf(&c->err, ZQ_EINVAL, "body.business_date: must be a date YYYY-MM-DD");
	if (!t->calendar_id)
		return 0;
	if ((rc = calendar_store_load(c->db, t->calendar_id, NULL, &cal, &c->err)) < 0)
		goto out;
	before = *day < cal.covered_from;
	zq_day_format(before ? cal.covered_from : cal.covered_until, lim);
	zq_day_format(*day, d);
	if (!zq_cal_covers(&cal, *day))
		rc = zq_errf(&c->err, ZQ_EINVAL, "body.business_date: calendar %s has no data %s %s",
			     cal.name, before ? "before" : "after", lim);
	else if (given && !zq_cal_is_business(&cal, *day))
		rc = zq_errf(&c->err, ZQ_EINVAL, "body.business_date: %s is not a business day of "
			     "calendar %s", d, cal.name);
	else if (!zq_cal_is_business(&cal, *day) && (*day = zq_cal_prev(&cal, *day)) == ZQ_CAL_NO_DAY)
		rc = zq_errf(&c->err, ZQ_EINVAL, "body.business_date: calendar %s has no business "
			     "day on or before %s", cal.name, d);
out:
	zq_cal_release(&cal);
	return rc;
}

static int prepare_trigger(zq_ctx *c, const zq_task *t, struct trigger *tr)
{
	const cJSON *body = cJSON_IsNull(c->body) ? NULL : c->body, *over = NULL, *given = NULL;
	cJSON *base = NULL, *merged = NULL, *resolved = NULL, *stored = NULL;
	int admin = c->who.role >= ZQ_ROLE_ADMIN, rc;
	taskcfg tc;

	if (body && !cJSON_IsObject(body))
		return zq_errf(&c->err, ZQ_EINVAL, "body: must be a JSON object {\"params\": {...}}");
	if (body && (rc = check_trigger_keys(c, body, admin)) < 0)
		return rc;
	if ((rc = trigger_day(c, t, body, &tr->business_day)) < 0)
		return rc;
	if (body && !empty_object(jin_get(body, "override")))
		over = jin_get(body, "override");
	if (body && !cJSON_IsNull(jin_get(body, "params")))
		given = jin_get(body, "params");
	if (t->type == ZQ_TASK_WORKFLOW) {
		if (over)
			return zq_errf(&c->err, ZQ_EINVAL, "override: not supported for workflow tasks");
		if (!empty_object(given))
			return zq_errf(&c->err, ZQ_EINVAL, "params: a workflow takes no parameters");
		return 0;
	}
	if (!(base = cJSON_Parse(t->config ? t->config : "{}")))
		base = cJSON_CreateObject();
	taskcfg_init(&tc);
	if (over) {
		if ((rc = taskcfg_merge(base, over, &merged, &c->err)) < 0)
			goto out;
		stored = cJSON_Duplicate(over, 1);
		if ((rc = taskcfg_unmask(stored, base, "override", &c->err)) < 0)
			goto out;
	}
	if ((rc = taskcfg_parse(&tc, t->type, merged ? merged : base, &c->err)) < 0 ||
	    (rc = taskcfg_resolve_params(&tc, given, &resolved, &c->err)) < 0)
		goto out;
	tr->override = stored ? cJSON_PrintUnformatted(stored) : NULL;
	tr->params = resolved ? cJSON_PrintUnformatted(resolved) : NULL;
	tr->audit = trigger_audit(over, resolved);
out:
	taskcfg_release(&tc);
	cJSON_Delete(resolved);
	cJSON_Delete(stored);
	cJSON_Delete(merged);
	cJSON_Delete(base);
	return rc;
}

/* The execution, its audit row and the task's run state (last: its lock is
 * the one the scheduler's ticks wait for) in one transaction. */
static int trigger_tx(zq_ctx *c, void *arg)
{
	struct trigger *tr = arg;
	int rc = history_store_trigger(c->db, tr->task_id, tr->override, tr->params, c->who.actor,
				       tr->business_day, &tr->exec_id, &c->err);

	if (rc == 0)
		rc = api_audit(c, "trigger", "execution", tr->exec_id, tr->task_id, tr->audit);
	if (rc < 0)
		return rc;
	return run_state_store_refresh_one(c->db, tr->task_id, &c->err);
}

int h_task_trigger(zq_ctx *c)
{
	struct trigger tr = {c->p[0], NULL, NULL, NULL, 0, ZQ_CAL_NO_DAY};
	zq_task t;
	int rc;

	zq_task_init(&t);
	if ((rc = task_store_get(c->db, tr.task_id, &t, &c->err)) < 0) {
		if (rc == ZQ_ENOTFOUND)
			zq_errf(&c->err, rc, "task %lld not found", (long long)tr.task_id);
		goto out;
	}
	if (!t.enabled) {
		/* what an operator who disabled a task means: it does not run */
		rc = zq_errf(&c->err, ZQ_ECONFLICT, "task is disabled: enable it first");
		goto out;
	}
	if ((rc = prepare_trigger(c, &t, &tr)) < 0)
		goto out;
	if ((rc = api_tx(c, trigger_tx, &tr)) < 0)
		goto out;
	/* values stay out of the log (env may hold secrets; the audit row has them masked) */
	zq_info("TRIGGER task=%lld execution=%lld by=%s%s%s", (long long)tr.task_id,
		(long long)tr.exec_id, c->who.actor, tr.override ? " override" : "",
		tr.params ? " params" : "");
	zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	jw_obj_begin(&c->w);
	jw_kint(&c->w, "execution_id", tr.exec_id);
	jw_kint(&c->w, "task_id", tr.task_id);
	jw_kstr(&c->w, "status", "pending");
	jw_kstr(&c->w, "message", "task triggered");
	{
		char d[11];
		zq_day_format(tr.business_day, d);
		jw_kstr(&c->w, "business_date", d);
	}
	jw_key(&c->w, "params");
	if (tr.params)
		jw_json(&c->w, tr.params, strlen(tr.params));
	else
		jw_null(&c->w);
	jw_obj_end(&c->w);
out:
	trigger_release(&tr);
	zq_task_release(&t);
	return rc;
}

/* ---- history ------------------------------------------------------------------------ */

/* business_date (one day), business_date_from, business_date_to (inclusive). */
static int biz_filter(zq_ctx *c, hist_filter *f)
{
	static const char *const keys[] = {"business_date", "business_date_from", "business_date_to"};
	int32_t day[3];

	for (int i = 0; i < 3; i++) {
		const char *s = zq_query_get(&c->req->query, keys[i]);
		day[i] = ZQ_CAL_NO_DAY;
		if (s && *s && zq_day_parse(s, &day[i]) < 0)
			return zq_errf(&c->err, ZQ_EINVAL, "%s: must be a date YYYY-MM-DD", keys[i]);
	}
	f->biz_from = day[0] != ZQ_CAL_NO_DAY ? day[0] : day[1];
	f->biz_to = day[0] != ZQ_CAL_NO_DAY ? day[0] : day[2];
	if (day[0] != ZQ_CAL_NO_DAY && (day[1] != ZQ_CAL_NO_DAY || day[2] != ZQ_CAL_NO_DAY))
		return zq_errf(&c->err, ZQ_EINVAL, "business_date: give either business_date or "
			       "business_date_from / business_date_to");
	if (f->biz_from != ZQ_CAL_NO_DAY && f->biz_to != ZQ_CAL_NO_DAY && f->biz_from > f->biz_to)
		return zq_errf(&c->err, ZQ_EINVAL, "business_date_to: must not be before "
			       "business_date_from");
	return 0;
}

static int list_filter(zq_ctx *c, hist_filter *f)
{
	const zq_query *q = &c->req->query;
	const char *s;
	int rc;

	memset(f, 0, sizeof(*f));
	f->task_id = c->p[0];
	f->status = -1;
	if ((rc = api_paging(c, 100, 1000, &f->skip, &f->limit)) < 0)
		return rc;
	if ((s = zq_query_get(q, "status")) && *s && (f->status = zq_exec_status_parse(s)) < 0)
		return zq_errf(&c->err, ZQ_EINVAL, "status: must be pending, running, success, "
			       "failed, completed, terminated or skipped");
	if ((rc = zq_query_time(q, "start_time_from", &f->from_ms, &c->err)) < 0 ||
	    (rc = zq_query_time(q, "start_time_to", &f->to_ms, &c->err)) < 0)
		return rc;
	if ((rc = biz_filter(c, f)) < 0)
		return rc;
	return zq_query_int(q, "before_id", 0, 1, INT64_MAX, &f->before_id, &c->err);
}

int h_executions_list(zq_ctx *c)
{
	hist_filter f;
	hist_exec *rows = NULL;
	int64_t total = 0;
	int n = 0, capped = 0, rc;

	/* rows of the task prove it exists (foreign key); no rows: 404 or empty */
	if ((rc = list_filter(c, &f)) < 0 ||
	    (rc = history_store_list(c->db, &f, &rows, &n, &total, &capped, &c->err)) < 0 ||
	    (!n && (rc = task_store_exists(c->db, f.task_id, &c->err)) < 0)) {
		hist_execs_free(rows, n);
		return rc;
	}
	api_page_begin(c, "executions");
	for (int i = 0; i < n; i++)
		view_execution(&c->w, &rows[i], NULL, 0, c->who.role >= ZQ_ROLE_ADMIN);
	api_page_end_capped(c, total, capped, f.skip, f.limit);
	hist_execs_free(rows, n);
	return 0;
}

static void view_output(zq_jw *w, const hist_output *o)
{
	jw_key(w, "output");
	if (!o->found) {
		jw_null(w);
		return;
	}
	jw_obj_begin(w);
	jw_key(w, "stdout");
	jw_strn(w, o->stdout_tail ? o->stdout_tail : "", o->stdout_len);
	jw_key(w, "stderr");
	jw_strn(w, o->stderr_tail ? o->stderr_tail : "", o->stderr_len);
	jw_kint(w, "stdout_bytes", o->stdout_bytes);
	jw_kint(w, "stderr_bytes", o->stderr_bytes);
	jw_kbool(w, "stdout_truncated", o->stdout_bytes > (int64_t)o->stdout_len);
	jw_kbool(w, "stderr_truncated", o->stderr_bytes > (int64_t)o->stderr_len);
	jw_key(w, "exit_code");
	if (o->has_exit_code)
		jw_int(w, o->exit_code);
	else
		jw_null(w);
	jw_key(w, "term_signal");
	if (o->has_term_signal)
		jw_int(w, o->term_signal);
	else
		jw_null(w);
	jw_obj_end(w);
}

static void view_children(zq_jw *w, const hist_child *ch, int n)
{
	jw_key(w, "children");
	jw_arr_begin(w);
	for (int i = 0; i < n; i++) {
		jw_obj_begin(w);
		jw_kint(w, "id", ch[i].id);
		jw_kint(w, "task_id", ch[i].task_id);
		jw_kstr(w, "status", ch[i].status >= 0 ? zq_exec_status_name(ch[i].status) : "unknown");
		jw_ktime(w, "start_time", ch[i].start_ms);
		jw_ktime(w, "end_time", ch[i].end_ms);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

int h_execution_get(zq_ctx *c)
{
	hist_child *children = zq_calloc(CHILDREN_MAX, sizeof(hist_child));
	hist_step *steps = NULL;
	hist_output out;
	hist_exec e;
	int nsteps = 0, nchildren = 0, rc;

	memset(&out, 0, sizeof(out));
	if ((rc = history_store_get(c->db, c->p[0], c->p[1], &e, &c->err)) < 0)
		goto done;
	if ((rc = history_store_steps(c->db, e.id, STEPS_MAX, &steps, &nsteps, &c->err)) < 0 ||
	    (rc = history_store_output(c->db, e.id, &out, &c->err)) < 0 ||
	    (rc = history_store_children(c->db, e.id, children, CHILDREN_MAX, &nchildren,
					 &c->err)) < 0)
		goto out;
	jw_obj_begin(&c->w);
	view_execution_fields(&c->w, &e, steps, nsteps, c->who.role >= ZQ_ROLE_ADMIN);
	view_output(&c->w, &out);
	view_children(&c->w, children, nchildren);
	jw_obj_end(&c->w);
out:
	hist_exec_release(&e);
done:
	hist_steps_free(steps, nsteps);
	hist_output_release(&out);
	free(children);
	return rc;
}

/* ---- cancel --------------------------------------------------------------------------- */

struct cancel {
	int64_t task_id, exec_id;
	int status;
};

static int cancel_tx(zq_ctx *c, void *arg)
{
	struct cancel *k = arg;
	int rc = history_store_cancel(c->db, k->task_id, k->exec_id, &k->status, &c->err);

	if (rc == 0)
		rc = api_audit(c, "cancel", "execution", k->exec_id, k->task_id, NULL);
	return rc;
}

int h_execution_cancel(zq_ctx *c)
{
	struct cancel k = {c->p[0], c->p[1], -1};
	int rc = api_tx(c, cancel_tx, &k);

	if (rc < 0)
		return rc;
	zq_info("CANCEL task=%lld execution=%lld by=%s", (long long)k.task_id,
		(long long)k.exec_id, c->who.actor);
	zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	api_status(c, 202);
	jw_obj_begin(&c->w);
	jw_kint(&c->w, "execution_id", k.exec_id);
	jw_kint(&c->w, "task_id", k.task_id);
	jw_kstr(&c->w, "status", zq_exec_status_name(k.status));
	jw_kbool(&c->w, "cancel_requested", 1);
	jw_obj_end(&c->w);
	return 0;
}
