/* h_versions.c - a task's versions (list, one, diff), the restore of a
 * version, and deleted tasks (list, restore with their id).
 *
 * Versions are task_versions rows (db/store/version_store.h) written by
 * db/jobs/task_write.c with every change; their definitions are stored
 * with env values masked ("***"), so every role that reads tasks may read
 * them. A restore writes through task_write like any edit, in one
 * transaction, and is itself a new version (action restore). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "jsonin.h"
#include "log.h"
#include "mem.h"
#include "task_def.h"
#include "task_http.h"
#include "task_store.h"
#include "version_store.h"
#include "wakeup.h"

/* A cJSON value as the JSON writer's next value. */
static void put_json(zq_ctx *c, const cJSON *v)
{
	char *text = cJSON_PrintUnformatted(v);

	if (text)
		jw_json(&c->w, text, strlen(text));
	else
		jw_null(&c->w);
	cJSON_free(text);
}

static void put_meta(zq_ctx *c, const version_row *r)
{
	jw_kint(&c->w, "version", r->version);
	jw_kstr(&c->w, "action", r->action);
	jw_kstr(&c->w, "actor", r->actor[0] ? r->actor : NULL);
	jw_ktime(&c->w, "at", r->at_ms);
	jw_kstr(&c->w, "comment", r->comment);
}

/* ---- list -------------------------------------------------------------------------- */

/* The paths in which r differs from older (NULL: the first version, []). */
static void put_changes(zq_ctx *c, const version_row *r, const version_row *older)
{
	cJSON *a = older ? cJSON_Parse(older->definition ? older->definition : "") : NULL;
	cJSON *b = older ? cJSON_Parse(r->definition ? r->definition : "") : NULL;
	cJSON *diff = a && b ? task_def_diff(a, b) : NULL;
	const cJSON *d;

	jw_key(&c->w, "changes");
	jw_arr_begin(&c->w);
	cJSON_ArrayForEach(d, diff)
		jw_str(&c->w, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "path")));
	jw_arr_end(&c->w);
	cJSON_Delete(diff);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

int h_task_versions(zq_ctx *c)
{
	version_row *rows = NULL;
	int64_t skip, limit, total = 0;
	int n = 0, more = 0, rc;

	if ((rc = api_paging(c, 50, 500, &skip, &limit)) < 0 ||
	    (rc = version_store_list(c->db, c->p[0], skip, limit, &rows, &n, &more, &total,
				     &c->err)) < 0)
		goto out;
	if (total == 0 && (rc = task_store_exists(c->db, c->p[0], &c->err)) < 0)
		goto out;
	api_page_begin(c, "items");
	for (int i = 0; i < n; i++) {
		jw_obj_begin(&c->w);
		put_meta(c, &rows[i]);
		jw_kstr(&c->w, "name", rows[i].name);
		jw_kstr(&c->w, "task_type", rows[i].task_type);
		put_changes(c, &rows[i], i + 1 < n + more ? &rows[i + 1] : NULL);
		jw_obj_end(&c->w);
	}
	api_page_end(c, total, skip, limit);
out:
	version_store_rows_free(rows, n + more);
	return rc;
}

/* ---- one, diff ---------------------------------------------------------------------- */

int h_task_version_get(zq_ctx *c)
{
	version_row r;
	int rc = version_store_get(c->db, c->p[0], (int)c->p[1], &r, &c->err);

	if (rc == 0) {
		jw_obj_begin(&c->w);
		jw_kint(&c->w, "task_id", r.task_id);
		put_meta(c, &r);
		jw_kstr(&c->w, "name", r.name);
		jw_kstr(&c->w, "task_type", r.task_type);
		jw_key(&c->w, "definition");
		jw_json(&c->w, r.definition, strlen(r.definition));
		jw_obj_end(&c->w);
	}
	version_row_release(&r);
	return rc;
}

/* Version v's definition, or the latest one when v is 0 (*got: its number). */
static int load_def(zq_ctx *c, int64_t id, int v, int *got, cJSON **def)
{
	version_row r;
	int rc = v ? version_store_get(c->db, id, v, &r, &c->err)
		   : version_store_latest(c->db, id, &r, &c->err);

	*def = NULL;
	if (rc == 0 && !(*def = cJSON_Parse(r.definition ? r.definition : "")))
		rc = zq_errf(&c->err, ZQ_EINTERNAL, "task %lld version %d: bad definition",
			     (long long)id, r.version);
	*got = r.version;
	version_row_release(&r);
	return rc;
}

int h_task_version_diff(zq_ctx *c)
{
	cJSON *a = NULL, *b = NULL, *diff;
	int64_t to;
	int rc, va, vb;

	if ((rc = zq_query_int(&c->req->query, "to", 0, 1, 2000000000, &to, &c->err)) < 0 ||
	    (rc = load_def(c, c->p[0], (int)c->p[1], &va, &a)) < 0 ||
	    (rc = load_def(c, c->p[0], (int)to, &vb, &b)) < 0)
		goto out;
	diff = task_def_diff(a, b);
	jw_obj_begin(&c->w);
	jw_kint(&c->w, "task_id", c->p[0]);
	jw_kint(&c->w, "from", va);
	jw_kint(&c->w, "to", vb);
	jw_key(&c->w, "changes");
	put_json(c, diff);
	jw_obj_end(&c->w);
	cJSON_Delete(diff);
out:
	cJSON_Delete(a);
	cJSON_Delete(b);
	return rc;
}

/* ---- restore a version ---------------------------------------------------------------- */

struct restore {
	task_writer w;
	int64_t id;
	int version;
	int if_match;
	cJSON *def;
	cJSON *cleared;
};

/* The optional body {"comment"} of a restore: it wins over the header. */
static int restore_begin(zq_ctx *c, struct restore *r)
{
	static const char *const fields[] = {"comment", NULL};
	const cJSON *comment;
	int rc;

	memset(r, 0, sizeof(*r));
	r->id = c->p[0];
	if ((rc = task_http_writer(c, &r->w)) < 0 || (rc = task_http_if_match(c, &r->if_match)) < 0)
		return rc;
	r->w.action = "restore";
	if (!c->body || cJSON_IsNull(c->body))
		return 0;
	if ((rc = api_body_object(c, fields, NULL)) < 0)
		return rc;
	comment = cJSON_GetObjectItemCaseSensitive(c->body, "comment");
	if (comment && !cJSON_IsNull(comment)) {
		if (!cJSON_IsString(comment))
			return zq_errf(&c->err, ZQ_EINVAL, "body.comment: must be a string");
		if ((rc = task_http_check_comment(c, "body.comment", comment->valuestring)) < 0)
			return rc;
		r->w.comment = *comment->valuestring ? comment->valuestring : NULL;
	}
	return 0;
}

/* "***" env values the task has no stored value for any more become ""
 * (listed in secrets_cleared); the others keep the stored secret. */
static int restore_version_tx(zq_ctx *c, void *arg)
{
	struct restore *r = arg;
	cJSON *body = cJSON_Duplicate(r->def, 1);
	zq_task cur;
	int rc;

	zq_task_init(&cur);
	cJSON_Delete(r->cleared);
	r->cleared = cJSON_CreateArray();
	if ((rc = task_store_get(c->db, r->id, &cur, &c->err)) == 0) {
		task_write_clear_masked(body, cur.config, r->cleared);
		rc = task_write_update(&r->w, r->id, body, r->if_match);
	}
	zq_task_release(&cur);
	cJSON_Delete(body);
	return rc;
}

/* The task answer with "secrets_cleared" added as its last member. */
static int respond_with_cleared(zq_ctx *c, const struct restore *r, int status)
{
	zq_buf *b = &c->resp->body;
	int rc = task_http_respond(c, r->id, status);
	char *text;

	if (rc < 0 || !b->len || b->data[b->len - 1] != '}')
		return rc;
	text = cJSON_PrintUnformatted(r->cleared);
	b->len--;
	b->data[b->len] = '\0';
	zq_buf_printf(b, ",\"secrets_cleared\":%s}", text ? text : "[]");
	cJSON_free(text);
	return 0;
}

int h_task_version_restore(zq_ctx *c)
{
	struct restore r;
	int rc, got;

	if ((rc = restore_begin(c, &r)) < 0 ||
	    (rc = load_def(c, c->p[0], (int)c->p[1], &got, &r.def)) < 0)
		goto out;
	if ((rc = task_store_exists(c->db, r.id, &c->err)) == ZQ_ENOTFOUND) {
		rc = zq_errf(&c->err, ZQ_ENOTFOUND, "task %lld is deleted: restore it with POST "
			     "/api/v1/scheduler/tasks/%lld/restore", (long long)r.id,
			     (long long)r.id);
		goto out;
	}
	if (rc < 0)
		goto out;
	if ((rc = api_tx(c, restore_version_tx, &r)) < 0) {
		rc = task_http_failed(c, r.id, rc);
		goto out;
	}
	zq_info("TASK RESTORE id=%lld version=%d by=%s", (long long)r.id, got, c->who.actor);
	zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	rc = respond_with_cleared(c, &r, 200);
out:
	cJSON_Delete(r.def);
	cJSON_Delete(r.cleared);
	return rc;
}

/* ---- deleted tasks ------------------------------------------------------------------- */

int h_tasks_deleted(zq_ctx *c)
{
	version_row *rows = NULL;
	int64_t skip, limit, total = 0;
	int n = 0, rc;

	if ((rc = api_paging(c, 50, 500, &skip, &limit)) < 0 ||
	    (rc = version_store_deleted(c->db, skip, limit, &rows, &n, &total, &c->err)) < 0)
		goto out;
	api_page_begin(c, "items");
	for (int i = 0; i < n; i++) {
		jw_obj_begin(&c->w);
		jw_kint(&c->w, "id", rows[i].task_id);
		jw_kstr(&c->w, "name", rows[i].name);
		jw_kstr(&c->w, "task_type", rows[i].task_type);
		jw_ktime(&c->w, "deleted_at", rows[i].at_ms);
		jw_kstr(&c->w, "deleted_by", rows[i].actor[0] ? rows[i].actor : NULL);
		jw_kint(&c->w, "version", rows[i].version);
		jw_obj_end(&c->w);
	}
	api_page_end(c, total, skip, limit);
out:
	version_store_rows_free(rows, n);
	return rc;
}

static int undelete_tx(zq_ctx *c, void *arg)
{
	struct restore *r = arg;

	(void)c;
	cJSON_Delete(r->cleared);
	r->cleared = cJSON_CreateArray();
	return task_write_undelete(&r->w, r->id, r->def, r->cleared);
}

/* The deleted task's last definition (404 when it has none, 409 when the
 * task is there). */
static int deleted_def(zq_ctx *c, struct restore *r)
{
	version_row v;
	int rc;

	if ((rc = task_store_exists(c->db, r->id, &c->err)) == 0)
		return zq_errf(&c->err, ZQ_ECONFLICT, "task %lld exists", (long long)r->id);
	if (rc != ZQ_ENOTFOUND)
		return rc;
	if ((rc = version_store_latest(c->db, r->id, &v, &c->err)) == ZQ_ENOTFOUND)
		rc = zq_errf(&c->err, ZQ_ENOTFOUND, "task %lld not found (no versions)",
			     (long long)r->id);
	if (rc == 0 && !(r->def = cJSON_Parse(v.definition ? v.definition : "")))
		rc = zq_errf(&c->err, ZQ_EINTERNAL, "task %lld: bad definition", (long long)r->id);
	version_row_release(&v);
	return rc;
}

int h_task_undelete(zq_ctx *c)
{
	struct restore r;
	int rc;

	if ((rc = restore_begin(c, &r)) < 0 || (rc = deleted_def(c, &r)) < 0 ||
	    (rc = api_tx(c, undelete_tx, &r)) < 0)
		goto out;
	zq_info("TASK UNDELETE id=%lld by=%s", (long long)r.id, c->who.actor);
	zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	rc = respond_with_cleared(c, &r, 201);
out:
	cJSON_Delete(r.def);
	cJSON_Delete(r.cleared);
	return rc;
}
