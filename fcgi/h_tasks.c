/* h_tasks.c - task CRUD and the enable / disable / pause / resume actions.
 *
 * The writes are db/jobs/task_write.c's, each in one transaction (api_tx)
 * with its audit row, its task_versions row and, for workflows, the
 * derived workflow_nodes rows, so a failure never leaves a half-written
 * task. Write answers carry ETag: "<version>"; PUT, DELETE and the actions
 * honour If-Match (412 when stale); X-Zq-Change-Comment becomes the
 * version's comment (task_http.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "jsonin.h"
#include "log.h"
#include "mem.h"
#include "task_http.h"
#include "task_store.h"
#include "user_store.h"
#include "views.h"
#include "wakeup.h"

#define USED_BY_MAX 20

static int need_body(zq_ctx *c)
{
	if (!c->body)
		return zq_errf(&c->err, ZQ_EINVAL, "body: required (a JSON object)");
	if (!cJSON_IsObject(c->body))
		return zq_errf(&c->err, ZQ_EINVAL, "body: must be a JSON object");
	return 0;
}

/* One write: the writer, its target and what it reports. */
struct write {
	task_writer w;
	int64_t id;
	int if_match;
	const char *what;  /* an action's name */
	int changed;
};

static int write_begin(zq_ctx *c, struct write *x, int64_t id)
{
	int rc;

	memset(x, 0, sizeof(*x));
	if ((rc = task_http_writer(c, &x->w)) < 0)
		return rc;
	x->id = id;
	return id ? task_http_if_match(c, &x->if_match) : 0;
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
		return task_http_respond(c, c->p[0], 200);
	if (!c->task_found)
		return zq_errf(&c->err, ZQ_ENOTFOUND, "task %lld not found", (long long)c->p[0]);
	task_http_etag(c, c->task->t.version);
	view_task(&c->w, c->task, c->who.role >= ZQ_ROLE_ADMIN);
	return 0;
}

/* ---- create ----------------------------------------------------------------------- */

static int create_tx(zq_ctx *c, void *arg)
{
	struct write *x = arg;

	return task_write_create(&x->w, c->body, &x->id);
}

int h_task_create(zq_ctx *c)
{
	struct write x;
	int rc;

	if ((rc = need_body(c)) < 0 || (rc = write_begin(c, &x, 0)) < 0 ||
	    (rc = api_tx(c, create_tx, &x)) < 0)
		return rc;
	zq_info("TASK CREATE id=%lld by=%s", (long long)x.id, c->who.actor);
	zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	return task_http_respond(c, x.id, 201);
}

/* ---- update ----------------------------------------------------------------------- */

static int update_tx(zq_ctx *c, void *arg)
{
	struct write *x = arg;

	return task_write_update(&x->w, x->id, c->body, x->if_match);
}

int h_task_update(zq_ctx *c)
{
	struct write x;
	int rc;

	if ((rc = need_body(c)) < 0)
		return rc;
	if (!c->body->child)
		return zq_errf(&c->err, ZQ_EINVAL, "body: no fields to update");
	if ((rc = write_begin(c, &x, c->p[0])) < 0)
		return rc;
	if ((rc = api_tx(c, update_tx, &x)) < 0)
		return task_http_failed(c, x.id, rc);
	zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	return task_http_respond(c, x.id, 200);
}

/* ---- delete ----------------------------------------------------------------------- */

static int delete_tx(zq_ctx *c, void *arg)
{
	struct write *x = arg;

	(void)c;
	return task_write_delete(&x->w, x->id, x->if_match);
}

/* 409 {detail, workflows: [{id, name}]}: the workflows that use task id. */
static int respond_used_by(zq_ctx *c, int64_t id)
{
	int64_t users[USED_BY_MAX];
	char (*names)[ZQ_TASK_NAME_BYTES] = zq_calloc(USED_BY_MAX, ZQ_TASK_NAME_BYTES);
	char detail[ZQ_ERR_MSG_MAX];
	zq_err err = ZQ_ERR_INIT;
	int n = 0;

	zq_strlcpy(detail, c->err.msg, sizeof(detail));
	if (task_store_used_by(c->db, id, users, names, USED_BY_MAX, &n, &err) < 0)
		n = 0;
	api_status(c, 409);
	jw_obj_begin(&c->w);
	jw_kstr(&c->w, "detail", detail);
	jw_key(&c->w, "workflows");
	jw_arr_begin(&c->w);
	for (int i = 0; i < n; i++) {
		jw_obj_begin(&c->w);
		jw_kint(&c->w, "id", users[i]);
		jw_kstr(&c->w, "name", names[i]);
		jw_obj_end(&c->w);
	}
	jw_arr_end(&c->w);
	jw_obj_end(&c->w);
	free(names);
	return 0;
}

int h_task_delete(zq_ctx *c)
{
	struct write x;
	int rc;

	if ((rc = write_begin(c, &x, c->p[0])) < 0)
		return rc;
	if ((rc = api_tx(c, delete_tx, &x)) == ZQ_ECONFLICT)
		return respond_used_by(c, x.id);
	if (rc < 0)
		return task_http_failed(c, x.id, rc);
	zq_info("TASK DELETE id=%lld by=%s", (long long)x.id, c->who.actor);
	jw_obj_begin(&c->w);
	jw_kbool(&c->w, "deleted", 1);
	jw_kint(&c->w, "id", x.id);
	jw_obj_end(&c->w);
	return 0;
}

/* ---- enable / disable / pause / resume --------------------------------------------- */

static int action_tx(zq_ctx *c, void *arg)
{
	struct write *x = arg;

	(void)c;
	return task_write_action_if(&x->w, x->id, x->what, &x->changed, x->if_match);
}

static int task_action(zq_ctx *c, const char *what)
{
	struct write x;
	int rc;

	if ((rc = write_begin(c, &x, c->p[0])) < 0)
		return rc;
	x.what = what;
	if ((rc = api_tx(c, action_tx, &x)) < 0)
		return task_http_failed(c, x.id, rc);
	if (x.changed) {
		zq_info("TASK %s id=%lld by=%s", what, (long long)x.id, c->who.actor);
		zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	}
	return task_http_respond(c, x.id, 200);
}

int h_task_enable(zq_ctx *c)
{
	return task_action(c, "enable");
}

int h_task_disable(zq_ctx *c)
{
	return task_action(c, "disable");
}

int h_task_pause(zq_ctx *c)
{
	return task_action(c, "pause");
}

int h_task_resume(zq_ctx *c)
{
	return task_action(c, "resume");
}
