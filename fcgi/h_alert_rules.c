/* h_alert_rules.c - alert rules: list, create, get, update, delete (admin
 * writes, viewers read: routes.c).
 *
 * A rule and its channel list are written in one transaction with the
 * audit row. Params are checked and normalised by alert_rule_params_parse
 * / alert_rule_params_json (db/core/alert_rule.h): what is stored and shown
 * is the normalised form, defaults filled in. The field checks are
 * db/jobs/alert_check.c's (the setup importer's too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_check.h"
#include "alert_rule.h"
#include "alert_store.h"
#include "handlers.h"
#include "jsonin.h"
#include "log.h"
#include "mem.h"
#include "task_store.h"
#include "timeutil.h"

static const char *const rule_fields[] = {"task_id", "kind", "enabled", "params", "channels",
					  "repeat_every", "silenced_until", NULL};
static const char *const rule_readonly[] = {"id", "task_name", "created_by", "created_at",
					    "updated_at", "applies", NULL};

/* applies: -1 = leave it out, else the "applies" member (applies_to lists). */
static void view_rule(zq_jw *w, const alert_rule_row *r, int applies)
{
	jw_obj_begin(w);
	jw_kint(w, "id", r->id);
	jw_kint_or_null(w, "task_id", r->task_id, 0);
	jw_kstr(w, "task_name", r->task_id && r->task_name[0] ? r->task_name : NULL);
	jw_kstr(w, "kind", r->kind);
	jw_kbool(w, "enabled", r->enabled);
	jw_key(w, "params");
	if (r->params)
		jw_json(w, r->params, strlen(r->params));
	else
		jw_raw(w, "{}", 2);
	jw_key(w, "channels");
	jw_arr_begin(w);
	for (int i = 0; i < r->nchannels; i++)
		jw_int(w, r->channels[i]);
	jw_arr_end(w);
	jw_kint(w, "repeat_every", r->repeat_every);
	jw_ktime(w, "silenced_until", r->silenced_ms);
	if (applies >= 0)
		jw_kbool(w, "applies", applies);
	jw_kstr(w, "created_by", r->created_by[0] ? r->created_by : NULL);
	jw_ktime(w, "created_at", r->created_ms);
	jw_ktime(w, "updated_at", r->updated_ms);
	jw_obj_end(w);
}

static int respond_rule(zq_ctx *c, int64_t id, int status)
{
	alert_rule_row r;
	int rc = alert_store_rule_get(c->db, id, 0, &r, &c->err);

	if (rc == 0) {
		api_status(c, status);
		view_rule(&c->w, &r, -1);
	}
	alert_rule_row_release(&r);
	return rc;
}

/* For applies_to: a global rule applies unless the task has its own rule
 * of that kind (enabled or not: an own disabled rule switches the default
 * off); the task's own rules apply when enabled. */
static int rule_applies(const alert_rule_row *rows, int n, int i)
{
	if (!rows[i].enabled)
		return 0;
	if (rows[i].task_id)
		return 1;
	for (int j = 0; j < n; j++)
		if (rows[j].task_id && strcmp(rows[j].kind, rows[i].kind) == 0)
			return 0;
	return 1;
}

int h_alert_rules_list(zq_ctx *c)
{
	const zq_query *q = &c->req->query;
	int64_t task_id, applies_to;
	alert_rule_row *rows = NULL;
	int n = 0, global, rc;

	if ((rc = zq_query_int(q, "task_id", 0, 1, INT64_MAX, &task_id, &c->err)) < 0 ||
	    (rc = zq_query_int(q, "applies_to", 0, 1, INT64_MAX, &applies_to, &c->err)) < 0 ||
	    (rc = zq_query_bool(q, "global", 0, &global, &c->err)) < 0)
		return rc;
	if (applies_to && (task_id || global))
		return zq_errf(&c->err, ZQ_EINVAL, "applies_to: not with task_id or global");
	if (applies_to)
		rc = alert_store_rules_list(c->db, applies_to, 1, &rows, &n, &c->err);
	else
		rc = alert_store_rules_list(c->db, task_id, global, &rows, &n, &c->err);
	if (rc < 0)
		return rc;
	jw_obj_begin(&c->w);
	jw_key(&c->w, "items");
	jw_arr_begin(&c->w);
	for (int i = 0; i < n; i++)
		view_rule(&c->w, &rows[i], applies_to ? rule_applies(rows, n, i) : -1);
	jw_arr_end(&c->w);
	jw_obj_end(&c->w);
	alert_rule_rows_free(rows, n);
	return 0;
}

int h_alert_rule_get(zq_ctx *c)
{
	return respond_rule(c, c->p[0], 200);
}

/* ---- input ------------------------------------------------------------------------ */

static int need_object(zq_ctx *c)
{
	return api_body_object(c, rule_fields, rule_readonly);
}

static int channel_id(const cJSON *e, const char *field, void *arg, int64_t *id, zq_err *err)
{
	(void)arg;
	return jin_int(e, field, 1, INT64_MAX, id, err);
}

static int get_channels(zq_ctx *c, const cJSON *v, alert_rule_row *r)
{
	return alert_check_rule_channels(v, "body.", "channel ids", channel_id, NULL, r, &c->err);
}

static int get_task_and_time(zq_ctx *c, alert_rule_row *r)
{
	const cJSON *v;

	if ((v = jin_get(c->body, "task_id"))) {
		if (cJSON_IsNull(v))
			r->task_id = 0;
		else if (jin_int(v, "body.task_id", 1, INT64_MAX, &r->task_id, &c->err) < 0)
			return ZQ_EINVAL;
	}
	if ((v = jin_get(c->body, "silenced_until"))) {
		if (cJSON_IsNull(v))
			r->silenced_ms = ZQ_TIME_NONE;
		else if (jin_time(v, "body.silenced_until", &r->silenced_ms, &c->err) < 0)
			return ZQ_EINVAL;
	}
	return alert_check_rule_opts(c->body, "body.", r, &c->err);
}

/* The kind and its params: checked and normalised into r->params. stored
 * are the rule's params as stored (NULL on create, or when the kind
 * changes: another kind's params mean nothing). */
static int get_kind_params(zq_ctx *c, alert_rule_row *r, const cJSON *stored)
{
	return alert_check_rule_kind(c->body, "body.", "task_id", stored, r, &c->err);
}

/* What only the database can say: the task and the channels exist (the
 * channels are locked in share mode until the commit). */
static int check_refs(zq_ctx *c, const alert_rule_row *r)
{
	int rc;

	if (r->task_id && (rc = task_store_exists(c->db, r->task_id, &c->err)) < 0)
		return rc == ZQ_ENOTFOUND
			? zq_errf(&c->err, ZQ_EINVAL, "body.task_id: task %lld does not exist",
				  (long long)r->task_id) : rc;
	for (int i = 0; i < r->nchannels; i++) {
		if ((rc = alert_store_channel_exists(c->db, r->channels[i], &c->err)) < 0)
			return rc;
		if (rc == 0)
			return zq_errf(&c->err, ZQ_EINVAL, "body.channels[%d]: channel %lld does "
				       "not exist", i, (long long)r->channels[i]);
	}
	return 0;
}

/* ---- create / update / delete ------------------------------------------------------ */

static int create_tx(zq_ctx *c, void *arg)
{
	alert_rule_row *r = arg;
	int rc;

	if ((rc = check_refs(c, r)) < 0 || (rc = alert_store_rule_insert(c->db, r, &c->err)) < 0)
		return rc;
	return api_audit(c, "alert_rule_create", "alert_rule", r->id, r->task_id, r->kind);
}

int h_alert_rule_create(zq_ctx *c)
{
	alert_rule_row r;
	const cJSON *v;
	int rc;

	memset(&r, 0, sizeof(r));
	r.enabled = 1;
	r.silenced_ms = ZQ_TIME_NONE;
	zq_strlcpy(r.created_by, c->who.actor, sizeof(r.created_by));
	if ((rc = need_object(c)) < 0 || (rc = get_task_and_time(c, &r)) < 0 ||
	    (rc = get_kind_params(c, &r, NULL)) < 0)
		goto out;
	if (!(v = jin_get(c->body, "channels"))) {
		rc = zq_errf(&c->err, ZQ_EINVAL, "body.channels: required (channel ids)");
		goto out;
	}
	if ((rc = get_channels(c, v, &r)) < 0 || (rc = api_tx(c, create_tx, &r)) < 0)
		goto out;
	zq_info("ALERT RULE CREATE id=%lld kind=%s task=%lld by=%s", (long long)r.id, r.kind,
		(long long)r.task_id, c->who.actor);
	rc = respond_rule(c, r.id, 201);
out:
	alert_rule_row_release(&r);
	return rc;
}

static int update_tx(zq_ctx *c, void *arg)
{
	int64_t id = *(int64_t *)arg;
	const cJSON *kind = jin_get(c->body, "kind"), *ch = jin_get(c->body, "channels");
	cJSON *stored = NULL;
	alert_rule_row r;
	int rc;

	if ((rc = alert_store_rule_get(c->db, id, 1, &r, &c->err)) < 0)
		goto out;
	if (!(kind && cJSON_IsString(kind) && strcmp(kind->valuestring, r.kind) != 0))
		stored = r.params ? cJSON_Parse(r.params) : NULL;
	if ((rc = get_task_and_time(c, &r)) < 0 || (rc = get_kind_params(c, &r, stored)) < 0 ||
	    (ch && (rc = get_channels(c, ch, &r)) < 0) || (rc = check_refs(c, &r)) < 0 ||
	    (rc = alert_store_rule_update(c->db, &r, &c->err)) < 0)
		goto out;
	rc = api_audit(c, "alert_rule_update", "alert_rule", id, r.task_id, r.kind);
out:
	cJSON_Delete(stored);
	alert_rule_row_release(&r);
	return rc;
}

int h_alert_rule_update(zq_ctx *c)
{
	int64_t id = c->p[0];
	int rc;

	if ((rc = need_object(c)) < 0)
		return rc;
	if (!c->body->child)
		return zq_errf(&c->err, ZQ_EINVAL, "body: no fields to update");
	if ((rc = api_tx(c, update_tx, &id)) < 0)
		return rc;
	zq_info("ALERT RULE UPDATE id=%lld by=%s", (long long)id, c->who.actor);
	return respond_rule(c, id, 200);
}

static int delete_tx(zq_ctx *c, void *arg)
{
	int64_t id = *(int64_t *)arg;
	alert_rule_row r;
	int rc;

	if ((rc = alert_store_rule_get(c->db, id, 1, &r, &c->err)) == 0 &&
	    (rc = alert_store_rule_delete(c->db, id, &c->err)) == 0)
		rc = api_audit(c, "alert_rule_delete", "alert_rule", id, r.task_id, r.kind);
	alert_rule_row_release(&r);
	return rc;
}

int h_alert_rule_delete(zq_ctx *c)
{
	int64_t id = c->p[0];
	int rc;

	if ((rc = api_tx(c, delete_tx, &id)) < 0)
		return rc;
	zq_info("ALERT RULE DELETE id=%lld by=%s", (long long)id, c->who.actor);
	api_status(c, 204);
	return 0;
}
