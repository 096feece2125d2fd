/* task_write.c - task writes with their audit and version rows. */
#include "task_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_store.h"
#include "calendar_store.h"
#include "mem.h"
#include "task_def.h"
#include "task_input.h"
#include "task_store.h"
#include "taskcfg.h"
#include "timeutil.h"
#include "version_store.h"
#include "wf_check.h"

#define USED_BY_MAX 20
#define SCHEDULE_BITS (TI_TYPE | TI_SCHEDULE | TI_TIMEZONE | TI_ENABLED | TI_PAUSED | TI_CALENDAR)

/* ---- shared -------------------------------------------------------------------- */

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

/* The task's calendar into cal (initialised by the caller): the one its
 * body named (calendar_id -1) or the stored one; t gets its id and name. A
 * name that is no calendar is a bad field. */
static int load_calendar(task_writer *w, zq_task *t, zq_calendar *cal)
{
	int rc;

	if (!t->calendar_id)
		return 0;
	zq_cal_release(cal);
	rc = calendar_store_load(w->db, t->calendar_id > 0 ? t->calendar_id : 0,
				 t->calendar_id > 0 ? NULL : t->calendar, cal, w->err);
	if (rc == ZQ_ENOTFOUND)
		return zq_errf(w->err, ZQ_EINVAL, "calendar: no calendar named '%.64s'",
			       t->calendar);
	if (rc < 0)
		return rc;
	t->calendar_id = cal->id;
	zq_strlcpy(t->calendar, cal->name, sizeof(t->calendar));
	return 0;
}

/* The task's calendar stays while this transaction writes the task (a
 * delete of the calendar waits for it, then sees the task). */
static int lock_calendar(task_writer *w, const zq_task *t)
{
	int rc;

	if (t->calendar_id <= 0)
		return 0;
	rc = calendar_store_lock_shared(w->db, t->calendar_id, w->err);
	if (rc == ZQ_ENOTFOUND)
		return zq_errf(w->err, ZQ_EINVAL, "calendar: no calendar named '%.64s'",
			       t->calendar);
	return rc;
}

/* Validate the whole task, including the database half for workflows. */
static int check_task(task_writer *w, const zq_task *t, const zq_calendar *cal, zq_workflow *wf)
{
	zq_wf_errors local, *errs = w->wf_errs ? w->wf_errs : &local;
	int rc;

	if ((rc = task_input_check_cal(t, t->calendar_id ? cal : NULL, wf, w->err)) < 0 ||
	    t->type != ZQ_TASK_WORKFLOW)
		return rc;
	if (errs == &local)
		zq_wf_errors_init(&local);
	if ((rc = wf_check_db(w->db, t->id, wf, "config", errs, w->err)) == 0 && errs->n)
		rc = zq_wf_errors_to_err(errs, w->err);
	if (errs == &local)
		zq_wf_errors_release(&local);
	return rc;
}

/* workflow_nodes follow the config of a workflow; other types have none. */
static int sync_nodes(task_writer *w, const zq_task *t, const zq_workflow *wf)
{
	char *ids = t->type == ZQ_TASK_WORKFLOW ? wf_check_ids_json(wf) : zq_strdup("[]");
	int rc = task_store_set_nodes(w->db, t->id, ids, w->err);

	free(ids);
	return rc;
}

/* Env values "***" in a config the client sent keep the stored ones (a
 * form shows them masked and sends them back); stored is NULL on create,
 * where "***" has nothing to stand for. */
static int unmask_config(task_writer *w, zq_task *t, const char *stored)
{
	cJSON *cfg, *old;
	char *text;
	int rc;

	if (!t->config || !strstr(t->config, "\"" TASKCFG_MASK "\"") ||
	    !(cfg = cJSON_Parse(t->config)))
		return 0;
	old = stored ? cJSON_Parse(stored) : NULL;
	if ((rc = taskcfg_unmask(cfg, old, "config", w->err)) == 0) {
		text = cJSON_PrintUnformatted(cfg);
		zq_task_set_config(t, text);
		cJSON_free(text);
	}
	cJSON_Delete(cfg);
	cJSON_Delete(old);
	return rc;
}

static int audit(task_writer *w, const char *action, int64_t id, const char *detail)
{
	zq_audit a = {w->actor && *w->actor ? w->actor : NULL, action, "task", id, id, detail,
		      w->client_addr};

	return audit_store_add(w->db, &a, w->err);
}

/* The task_versions row of t as it now is (secrets masked). */
static int write_version(task_writer *w, const zq_task *t, int version, const char *natural)
{
	cJSON *def = task_def_json(t, 1);
	version_row v;
	int rc;

	if (!def)
		return zq_errf(w->err, ZQ_EINTERNAL, "task %lld: config is not a JSON object",
			       (long long)t->id);
	memset(&v, 0, sizeof(v));
	v.task_id = t->id;
	v.version = version;
	zq_strlcpy(v.action, w->action ? w->action : natural, sizeof(v.action));
	zq_strlcpy(v.name, t->name, sizeof(v.name));
	zq_strlcpy(v.task_type, zq_task_type_name(t->type), sizeof(v.task_type));
	v.definition = cJSON_PrintUnformatted(def);
	zq_strlcpy(v.actor, w->actor ? w->actor : "", sizeof(v.actor));
	v.comment = (char *)w->comment;
	zq_strlcpy(v.client_addr, w->client_addr ? w->client_addr : "", sizeof(v.client_addr));
	rc = version_store_insert(w->db, &v, w->err);
	cJSON_free(v.definition);
	cJSON_Delete(def);
	return rc;
}

static int check_version(task_writer *w, const zq_task *t, int if_match)
{
	if (if_match && t->version != if_match)
		return zq_errf(w->err, ZQ_ESTALE, "task %lld is at version %d, not %d (If-Match)",
			       (long long)t->id, t->version, if_match);
	return 0;
}

/* The audit detail of a restore or import names what it was. */
static void detail_of(const task_writer *w, const char *what, char *out, size_t n)
{
	if (w->action)
		snprintf(out, n, "%s: %s", w->action, what ? what : "");
	else
		snprintf(out, n, "%s", what ? what : "");
}

/* ---- create ----------------------------------------------------------------------- */

/* Check and insert a task from body into t; as_id > 0 gives it that id and
 * version as_version (a deleted task restored). */
static int create_in(task_writer *w, const cJSON *body, zq_task *t, int64_t as_id,
		     int as_version)
{
	zq_workflow wf;
	zq_calendar cal;
	unsigned mask;
	int rc;

	zq_workflow_init(&wf);
	zq_cal_init(&cal);
	t->type = -1;
	zq_strlcpy(t->timezone, w->default_tz ? w->default_tz : "UTC", sizeof(t->timezone));
	zq_strlcpy(t->created_by, w->actor ? w->actor : "", sizeof(t->created_by));
	if ((rc = task_input_apply(t, body, 1, &mask, w->err)) < 0)
		goto out;
	if (!t->config && t->type == ZQ_TASK_EXAMPLE)
		zq_task_set_config(t, "{}");
	if ((rc = unmask_config(w, t, NULL)) < 0 || (rc = load_calendar(w, t, &cal)) < 0 ||
	    (rc = check_task(w, t, &cal, &wf)) < 0 ||
	    (rc = compute_next(t, t->calendar_id ? &cal : NULL, w->err)) < 0 ||
	    (rc = lock_calendar(w, t)) < 0 || (rc = task_store_insert(w->db, t, w->err)) < 0)
		goto out;
	t->version = 1;
	if (as_id > 0) {
		if ((rc = version_store_reinstate(w->db, t->id, as_id, as_version, w->err)) < 0)
			goto out;
		t->id = as_id;
		t->version = as_version;
	}
	if (t->type == ZQ_TASK_WORKFLOW)
		rc = sync_nodes(w, t, &wf);
out:
	zq_workflow_release(&wf);
	zq_cal_release(&cal);
	return rc;
}

int task_write_create(task_writer *w, const cJSON *body, int64_t *id)
{
	char detail[64];
	zq_task t;
	int rc;

	zq_task_init(&t);
	if ((rc = create_in(w, body, &t, 0, 0)) == 0) {
		detail_of(w, zq_task_type_name(t.type), detail, sizeof(detail));
		if ((rc = audit(w, "create", t.id, detail)) == 0)
			rc = write_version(w, &t, t.version, "create");
	}
	if (rc == 0 && id)
		*id = t.id;
	zq_task_release(&t);
	return rc;
}

void task_write_clear_masked(cJSON *def, const char *stored_config, cJSON *cleared)
{
	cJSON *env = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(def, "config"), "env");
	cJSON *old = stored_config ? cJSON_Parse(stored_config) : NULL;
	const cJSON *old_env = cJSON_GetObjectItemCaseSensitive(old, "env"), *e;
	char path[300];

	cJSON_ArrayForEach(e, env) {
		if (!cJSON_IsString(e) || strcmp(e->valuestring, TASKCFG_MASK) != 0 ||
		    (cJSON_IsObject(old_env) && cJSON_GetObjectItemCaseSensitive(old_env, e->string)))
			continue;
		cJSON_SetValuestring((cJSON *)e, "");
		snprintf(path, sizeof(path), "config.env.%.256s", e->string);
		if (cleared)
			cJSON_AddItemToArray(cleared, cJSON_CreateString(path));
	}
	cJSON_Delete(old);
}

int task_write_undelete(task_writer *w, int64_t id, const cJSON *def, cJSON *cleared)
{
	const char *action = w->action;
	cJSON *body;
	zq_task t;
	int rc, version;

	if ((rc = task_store_exists(w->db, id, w->err)) == 0)
		return zq_errf(w->err, ZQ_ECONFLICT, "task %lld exists", (long long)id);
	if (rc != ZQ_ENOTFOUND || (rc = version_store_next(w->db, id, &version, w->err)) < 0)
		return rc;
	zq_err_clear(w->err);
	body = cJSON_Duplicate(def, 1);
	task_write_clear_masked(body, NULL, cleared);
	if (!w->action)
		w->action = "restore";
	zq_task_init(&t);
	if ((rc = create_in(w, body, &t, id, version)) == 0 &&
	    (rc = audit(w, "create", id, "restore of a deleted task")) == 0)
		rc = write_version(w, &t, version, "restore");
	w->action = action;
	zq_task_release(&t);
	cJSON_Delete(body);
	return rc;
}

/* ---- update ----------------------------------------------------------------------- */

/* body without a job_id equal to t's (NULL: body as it is). */
static cJSON *without_job_id(const zq_task *t, const cJSON *body)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(body, "job_id");
	cJSON *copy;

	if (!cJSON_IsString(j) || strcmp(j->valuestring, t->job_id) != 0)
		return NULL;
	copy = cJSON_Duplicate(body, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "job_id");
	return copy;
}

/* Apply body to the locked row t, check it and write it. */
static int update_in(task_writer *w, zq_task *t, const cJSON *body, unsigned *mask)
{
	int was_workflow = t->type == ZQ_TASK_WORKFLOW;
	char *stored = t->config ? zq_strdup(t->config) : NULL;
	zq_workflow wf;
	zq_calendar cal;
	int rc;

	zq_workflow_init(&wf);
	zq_cal_init(&cal);
	if ((rc = task_input_apply(t, body, 0, mask, w->err)) < 0 ||
	    ((*mask & TI_CONFIG) && (rc = unmask_config(w, t, stored)) < 0) ||
	    (rc = load_calendar(w, t, &cal)) < 0 || (rc = lock_calendar(w, t)) < 0 ||
	    (rc = check_task(w, t, &cal, &wf)) < 0)
		goto out;
	if ((*mask & SCHEDULE_BITS) &&
	    (rc = compute_next(t, t->calendar_id ? &cal : NULL, w->err)) < 0)
		goto out;
	if ((rc = task_store_update(w->db, t, w->err)) < 0)
		goto out;
	if ((t->type == ZQ_TASK_WORKFLOW && (*mask & (TI_CONFIG | TI_TYPE))) || was_workflow)
		rc = sync_nodes(w, t, &wf);
out:
	free(stored);
	zq_workflow_release(&wf);
	zq_cal_release(&cal);
	return rc;
}

int task_write_update(task_writer *w, int64_t id, const cJSON *body, int if_match)
{
	char fields[256], detail[300];
	cJSON *own = NULL;
	unsigned mask = 0;
	zq_task t;
	int rc;

	zq_task_init(&t);
	if ((rc = task_store_get_for_update(w->db, id, &t, w->err)) < 0 ||
	    (rc = check_version(w, &t, if_match)) < 0)
		goto out;
	if ((own = without_job_id(&t, body)))
		body = own;
	if ((rc = update_in(w, &t, body, &mask)) < 0)
		goto out;
	task_input_mask_names(mask, fields, sizeof(fields));
	detail_of(w, fields, detail, sizeof(detail));
	if ((rc = audit(w, "update", id, detail)) == 0)
		rc = write_version(w, &t, t.version + 1, "update");
out:
	cJSON_Delete(own);
	zq_task_release(&t);
	return rc;
}

/* ---- delete ----------------------------------------------------------------------- */

static int used_by(task_writer *w, int64_t id)
{
	int64_t ids[USED_BY_MAX];
	char (*names)[ZQ_TASK_NAME_BYTES] = zq_calloc(USED_BY_MAX, ZQ_TASK_NAME_BYTES);
	int rc, n = 0;

	rc = task_store_used_by(w->db, id, ids, names, USED_BY_MAX, &n, w->err);
	free(names);
	if (rc == 0 && n)
		rc = zq_errf(w->err, ZQ_ECONFLICT, "task %lld is used by %s%d workflow%s; remove "
			     "it from them first", (long long)id, n == USED_BY_MAX ? "at least " : "",
			     n, n == 1 ? "" : "s");
	return rc;
}

int task_write_delete(task_writer *w, int64_t id, int if_match)
{
	zq_calendar cal;
	zq_task t;
	int rc;

	zq_task_init(&t);
	zq_cal_init(&cal);
	if ((rc = task_store_get_for_update(w->db, id, &t, w->err)) < 0 ||
	    (rc = check_version(w, &t, if_match)) < 0 || (rc = used_by(w, id)) < 0)
		goto out;
	/* the calendar's name for the definition; a calendar gone is no reason to keep it */
	if (t.calendar_id > 0 && load_calendar(w, &t, &cal) < 0)
		zq_err_clear(w->err);
	if ((rc = write_version(w, &t, t.version + 1, "delete")) < 0 ||
	    (rc = task_store_delete(w->db, id, w->err)) < 0)
		goto out;
	rc = audit(w, "delete", id, t.name);
out:
	zq_cal_release(&cal);
	zq_task_release(&t);
	return rc;
}

/* ---- enable / disable / pause / resume --------------------------------------------- */

static const char *const act_names[] = {"enable", "disable", "pause", "resume", NULL};

static int act_index(const char *what)
{
	for (int i = 0; what && act_names[i]; i++)
		if (strcmp(what, act_names[i]) == 0)
			return i;
	return -1;
}

int task_write_action_if(task_writer *w, int64_t id, const char *what, int *changed,
			 int if_match)
{
	int a = act_index(what), rc, *field, want;
	zq_calendar cal;
	zq_task t;

	if (changed)
		*changed = 0;
	if (a < 0)
		return zq_errf(w->err, ZQ_EINVAL, "action: must be enable, disable, pause or resume");
	zq_task_init(&t);
	zq_cal_init(&cal);
	if ((rc = task_store_get_for_update(w->db, id, &t, w->err)) < 0 ||
	    (rc = check_version(w, &t, if_match)) < 0)
		goto out;
	field = a <= 1 ? &t.enabled : &t.paused;
	want = a == 0 || a == 2;
	if (*field == want)
		goto out; /* already so: nothing changes, nothing to audit */
	*field = want;
	if ((rc = load_calendar(w, &t, &cal)) < 0 ||
	    (rc = compute_next(&t, t.calendar_id ? &cal : NULL, w->err)) < 0 ||
	    (rc = task_store_update(w->db, &t, w->err)) < 0 ||
	    (rc = audit(w, act_names[a], id, w->action)) < 0 ||
	    (rc = write_version(w, &t, t.version + 1, act_names[a])) < 0)
		goto out;
	if (changed)
		*changed = 1;
out:
	zq_cal_release(&cal);
	zq_task_release(&t);
	return rc;
}

int task_write_action(task_writer *w, int64_t id, const char *what, int *changed)
{
	return task_write_action_if(w, id, what, changed, 0);
}

/* ---- baseline ------------------------------------------------------------------------ */

/* The baseline of task id unless it got a version meanwhile (locked). */
static int baseline_one(task_writer *w, int64_t id, int *written)
{
	version_row v;
	zq_calendar cal;
	zq_task t;
	int rc;

	zq_task_init(&t);
	zq_cal_init(&cal);
	if ((rc = task_store_get_for_update(w->db, id, &t, w->err)) < 0)
		goto out;
	rc = version_store_latest(w->db, id, &v, w->err);
	version_row_release(&v);
	if (rc != ZQ_ENOTFOUND)
		goto out; /* 0: written meanwhile by a write of the task */
	zq_err_clear(w->err);
	if (t.calendar_id > 0 && load_calendar(w, &t, &cal) < 0)
		zq_err_clear(w->err);
	if ((rc = write_version(w, &t, t.version, "baseline")) == 0)
		(*written)++;
out:
	if (rc == ZQ_ENOTFOUND) /* the task went away */
		rc = 0;
	zq_cal_release(&cal);
	zq_task_release(&t);
	return rc;
}

int task_write_baseline(zq_db *db, int *written, zq_err *err)
{
	task_writer w = {db, "zq-db migrate", NULL, NULL, NULL, NULL, NULL, err};
	int64_t ids[100];
	int n = 0, rc;

	*written = 0;
	do {
		if ((rc = version_store_unversioned(db, ids, 100, &n, err)) < 0)
			return rc;
		for (int i = 0; i < n; i++) {
			if ((rc = zq_db_begin(db, err)) < 0)
				return rc;
			if ((rc = baseline_one(&w, ids[i], written)) == 0)
				rc = zq_db_commit(db, err);
			if (rc < 0) {
				zq_db_rollback(db);
				return rc;
			}
		}
	} while (n == 100);
	return 0;
}
