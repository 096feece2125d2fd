/* h_workflow.c - a workflow's nodes (with their tasks and their state in the
 * latest run) and the validate endpoint (structure + database checks,
 * nothing saved). */
#include <stdlib.h>
#include <string.h>

#include "exec_api.h"
#include "handlers.h"
#include "mem.h"
#include "task.h"
#include "task_store.h"
#include "views.h"
#include "wf_check.h"
#include "wf_graph.h"

#define CHILDREN_MAX 2000

static void view_errors(zq_jw *w, const zq_wf_errors *errs)
{
	jw_kbool(w, "valid", errs->n == 0);
	jw_key(w, "errors");
	jw_arr_begin(w);
	for (int i = 0; i < errs->n; i++)
		jw_str(w, errs->msg[i]);
	if (errs->more)
		jw_str(w, "(more errors not shown)");
	jw_arr_end(w);
}

static void view_order(zq_jw *w, const zq_workflow *wf)
{
	jw_key(w, "order");
	if (!wf->order) {
		jw_null(w);
		return;
	}
	jw_arr_begin(w);
	for (int i = 0; i < wf->n; i++)
		jw_int(w, wf->nodes[wf->order[i]].task_id);
	jw_arr_end(w);
}

static int order_pos(const zq_workflow *wf, int idx)
{
	for (int i = 0; wf->order && i < wf->n; i++)
		if (wf->order[i] == idx)
			return i;
	return -1;
}

/* The child execution of this run for a node's task (the newest, if it
 * ran more than once), or NULL. */
static const hist_child *child_for(const hist_child *ch, int n, int64_t task_id)
{
	const hist_child *found = NULL;

	for (int i = 0; i < n; i++)
		if (ch[i].task_id == task_id)
			found = &ch[i];
	return found;
}

static void view_node(zq_jw *w, const zq_workflow *wf, int i, const task_store_ref *ref,
		      const hist_child *run)
{
	const zq_wf_node *nd = &wf->nodes[i];

	jw_obj_begin(w);
	jw_kint(w, "task_id", nd->task_id);
	jw_kstr(w, "name", nd->name ? nd->name : (ref && ref->exists ? ref->name : NULL));
	jw_kbool(w, "exists", ref && ref->exists);
	jw_kstr(w, "task_name", ref && ref->exists ? ref->name : NULL);
	jw_kstr(w, "task_type", ref && ref->exists ? zq_task_type_name(ref->type) : NULL);
	jw_key(w, "enabled");
	if (ref && ref->exists)
		jw_bool(w, ref->enabled);
	else
		jw_null(w);
	jw_key(w, "dependencies");
	jw_arr_begin(w);
	for (int k = 0; k < nd->ndeps; k++)
		jw_int(w, nd->deps[k]);
	jw_arr_end(w);
	jw_kint(w, "position", i);
	jw_kint_or_null(w, "order", order_pos(wf, i), -1);
	jw_kstr(w, "status", run && run->status >= 0 ? zq_exec_status_name(run->status) : NULL);
	jw_kint_or_null(w, "execution_id", run ? run->id : 0, 0);
	jw_obj_end(w);
}

struct wf_view {
	task_store_row row;
	zq_workflow wf;
	zq_wf_errors errs;
	task_store_ref *refs;
	int nrefs;
	hist_child *children;
	int nchildren;
	int64_t run_id;
	int run_status;
};

static int wf_load(zq_ctx *c, struct wf_view *v)
{
	char *ids;
	int rc;

	if ((rc = task_store_get_row(c->db, c->p[0], &v->row, &c->err)) < 0)
		return rc;
	if (v->row.t.type != ZQ_TASK_WORKFLOW)
		return zq_errf(&c->err, ZQ_ENOTFOUND, "task %lld is not a workflow",
			       (long long)c->p[0]);
	zq_workflow_parse(&v->wf, v->row.t.config, "config", &v->errs);
	v->refs = zq_calloc((size_t)v->wf.n + 1, sizeof(task_store_ref));
	ids = wf_check_ids_json(&v->wf);
	rc = task_store_refs(c->db, ids, v->refs, v->wf.n, &v->nrefs, &c->err);
	free(ids);
	if (rc < 0 || (rc = history_store_latest(c->db, v->row.t.id, &v->run_id, &v->run_status,
						 &c->err)) < 0 || !v->run_id)
		return rc;
	v->children = zq_calloc(CHILDREN_MAX, sizeof(hist_child));
	return history_store_children(c->db, v->run_id, v->children, CHILDREN_MAX, &v->nchildren,
				      &c->err);
}

static void wf_render(zq_ctx *c, struct wf_view *v)
{
	zq_jw *w = &c->w;

	jw_obj_begin(w);
	jw_kint(w, "workflow_id", v->row.t.id);
	jw_kstr(w, "name", v->row.t.name);
	jw_kstr(w, "workflow_type", zq_wf_type_name(v->wf.type));
	jw_kstr(w, "on_failure", zq_wf_on_failure_name(v->wf.on_failure));
	jw_key(w, "nodes");
	jw_arr_begin(w);
	for (int i = 0; i < v->wf.n; i++)
		view_node(w, &v->wf, i, i < v->nrefs ? &v->refs[i] : NULL,
			  v->run_id ? child_for(v->children, v->nchildren, v->wf.nodes[i].task_id)
				    : NULL);
	jw_arr_end(w);
	view_order(w, &v->wf);
	jw_key(w, "latest_execution");
	if (v->run_id) {
		jw_obj_begin(w);
		jw_kint(w, "id", v->run_id);
		jw_kstr(w, "status", v->run_status >= 0 ? zq_exec_status_name(v->run_status) : NULL);
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
	view_errors(w, &v->errs);
	jw_obj_end(w);
}

int h_workflow_get(zq_ctx *c)
{
	struct wf_view v;
	int rc;

	memset(&v, 0, sizeof(v));
	zq_workflow_init(&v.wf);
	zq_wf_errors_init(&v.errs);
	if ((rc = wf_load(c, &v)) == 0)
		wf_render(c, &v);
	task_store_row_release(&v.row);
	zq_workflow_release(&v.wf);
	zq_wf_errors_release(&v.errs);
	free(v.refs);
	free(v.children);
	return rc;
}

/* The body is the workflow config itself (as in the seed), or
 * {"config": {...}} as a task body would carry it. */
static const cJSON *config_of(const cJSON *body)
{
	const cJSON *inner = cJSON_GetObjectItemCaseSensitive(body, "config");

	if (inner && cJSON_IsObject(inner) && !cJSON_GetObjectItemCaseSensitive(body, "tasks"))
		return inner;
	return body;
}

static int all_ids_valid(const zq_workflow *wf)
{
	for (int i = 0; i < wf->n; i++)
		if (wf->nodes[i].task_id <= 0)
			return 0;
	return wf->n > 0;
}

int h_workflow_validate(zq_ctx *c)
{
	int64_t id = c->p[0];
	zq_wf_errors errs;
	zq_workflow wf;
	int rc;

	if (!c->body)
		return zq_errf(&c->err, ZQ_EINVAL, "body: required (the workflow config)");
	if (id && (rc = task_store_exists(c->db, id, &c->err)) < 0)
		return rc;
	zq_workflow_init(&wf);
	zq_wf_errors_init(&errs);
	zq_workflow_from_json(&wf, config_of(c->body), "", &errs);
	rc = all_ids_valid(&wf) ? wf_check_db(c->db, id, &wf, "", &errs, &c->err) : 0;
	if (rc == 0) {
		jw_obj_begin(&c->w);
		view_errors(&c->w, &errs);
		jw_kstr(&c->w, "workflow_type", zq_wf_type_name(wf.type));
		jw_kstr(&c->w, "on_failure", zq_wf_on_failure_name(wf.on_failure));
		if (errs.n) {
			jw_knull(&c->w, "order");
		} else {
			view_order(&c->w, &wf);
		}
		jw_obj_end(&c->w);
	}
	zq_workflow_release(&wf);
	zq_wf_errors_release(&errs);
	return rc;
}
