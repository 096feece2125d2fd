/* h_exec.c - manual trigger, execution history and cancel.
 *
 * The API's only writes to task_executions (data contract): a pending
 * manual execution, and cancel_requested = 1. Both then wake the schedulers
 * (best effort; they poll anyway). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "history_store.h"
#include "jsonin.h"
#include "log.h"
#include "mem.h"
#include "run_state_store.h"
#include "task.h"
#include "task_input.h"
#include "task_store.h"
#include "timeutil.h"
#include "views.h"
#include "wakeup.h"

#define STEPS_MAX 1000
#define CHILDREN_MAX 500

static int task_exists(zq_ctx *c, int64_t id)
{
	int64_t x;
	/* PRIMARY KEY */
	int rc = zq_db_query_i64(c->db, "SELECT id FROM scheduled_tasks WHERE id = ?", id, &x,
				 &c->err);

	if (rc == ZQ_ENOTFOUND)
		return zq_errf(&c->err, rc, "task %lld not found", (long long)id);
	return rc;
}

/* ---- trigger ------------------------------------------------------------------------ */

/* The body, when given, is an object of config overrides for this run:
 * merged (one level) over the task's config, the result must still be a
 * valid config for the task's type. */
static int check_override(zq_ctx *c, const zq_task *t, char **override)
{
	cJSON *merged;
	int rc;

	*override = NULL;
	if (!c->body || cJSON_IsNull(c->body))
		return 0;
	if (!cJSON_IsObject(c->body))
		return zq_errf(&c->err, ZQ_EINVAL, "body: must be a JSON object of config overrides");
	if (!c->body->child)
		return 0;
	if (t->type == ZQ_TASK_WORKFLOW)
		return zq_errf(&c->err, ZQ_EINVAL, "body: config overrides are not supported for "
			       "workflow tasks");
	if (!(merged = cJSON_Parse(t->config ? t->config : "{}")))
		merged = cJSON_CreateObject();
	for (const cJSON *o = c->body->child; o; o = o->next) {
		cJSON_DeleteItemFromObjectCaseSensitive(merged, o->string);
		cJSON_AddItemToObject(merged, o->string, cJSON_Duplicate(o, 1));
	}
	rc = task_config_check(t->type, merged, NULL, &c->err);
	cJSON_Delete(merged);
	if (rc == 0)
		*override = cJSON_PrintUnformatted(c->body);
	return rc;
}

struct trigger {
	int64_t task_id;
	const char *override;
	int64_t exec_id;
};

/* The execution, its audit row and the task's run state (last: its lock is
 * the one the scheduler's ticks wait for) in one transaction. */
static int trigger_tx(zq_ctx *c, void *arg)
{
	struct trigger *tr = arg;
	run_state_ids touched;
	int rc = history_store_trigger(c->db, tr->task_id, tr->override, c->who.actor,
				       &tr->exec_id, &c->err);

	if (rc == 0)
		rc = api_audit(c, "trigger", "execution", tr->exec_id, tr->task_id,
			       tr->override ? "with config overrides" : NULL);
	if (rc < 0)
		return rc;
	run_state_ids_init(&touched);
	run_state_ids_add(&touched, tr->task_id);
	rc = run_state_store_refresh(c->db, &touched, &c->err);
	run_state_ids_release(&touched);
	return rc;
}

int h_task_trigger(zq_ctx *c)
{
	struct trigger tr = {c->p[0], NULL, 0};
	char *override = NULL;
	zq_task t;
	int rc;

	zq_task_init(&t);
	if ((rc = task_store_get(c->db, tr.task_id, &t, &c->err)) < 0) {
		if (rc == ZQ_ENOTFOUND)
			zq_errf(&c->err, rc, "task %lld not found", (long long)tr.task_id);
		goto out;
	}
	if ((rc = check_override(c, &t, &override)) < 0)
		goto out;
	tr.override = override;
	if ((rc = api_tx(c, trigger_tx, &tr)) < 0)
		goto out;
	zq_info("TRIGGER task=%lld execution=%lld by=%s", (long long)tr.task_id,
		(long long)tr.exec_id, c->who.actor);
	zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	jw_obj_begin(&c->w);
	jw_kint(&c->w, "execution_id", tr.exec_id);
	jw_kint(&c->w, "task_id", tr.task_id);
	jw_kstr(&c->w, "status", "pending");
	jw_kstr(&c->w, "message", "task triggered");
	jw_obj_end(&c->w);
out:
	if (override)
		cJSON_free(override);
	zq_task_release(&t);
	return rc;
}

/* ---- history ------------------------------------------------------------------------ */

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
	return zq_query_int(q, "before_id", 0, 1, INT64_MAX, &f->before_id, &c->err);
}

int h_executions_list(zq_ctx *c)
{
	hist_filter f;
	hist_exec *rows = NULL;
	int64_t total = 0;
	int n = 0, capped = 0, rc;

	if ((rc = list_filter(c, &f)) < 0 || (rc = task_exists(c, f.task_id)) < 0)
		return rc;
	if ((rc = history_store_list(c->db, &f, &rows, &n, &total, &capped, &c->err)) < 0)
		return rc;
	api_page_begin(c, "executions");
	for (int i = 0; i < n; i++)
		view_execution(&c->w, &rows[i], NULL, 0);
	jw_arr_end(&c->w);
	jw_kint(&c->w, "total", total);
	jw_kbool(&c->w, "total_capped", capped);
	jw_kint(&c->w, "skip", f.skip);
	jw_kint(&c->w, "limit", f.limit);
	jw_obj_end(&c->w);
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
	view_execution_fields(&c->w, &e, steps, nsteps);
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
