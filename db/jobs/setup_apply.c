/* setup_apply.c - import a setup document (setup_doc.h): the document's
 * shape, the transaction, and its tasks (workflows after their nodes,
 * written by task_write_* with action "import"). Calendars, channels and
 * rules are setup_cal.c's. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_store.h"
#include "jsonin.h"
#include "mem.h"
#include "setup_int.h"
#include "task_def.h"
#include "task_input.h"
#include "task_write.h"

static const char *const top_keys[] = {"zq_setup", "calendars", "alert_channels",
				       "alert_rules", "tasks", NULL};

/* ---- errors and the plan ---------------------------------------------------------------- */

/* The field a message starts with ("cron_expression: ..."), its length. */
static size_t field_len(const char *msg)
{
	size_t n = strcspn(msg, ": ");

	if (n == 0 || strncmp(msg + n, ": ", 2) != 0)
		return 0;
	return strspn(msg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.[]-")
	       >= n ? n : 0;
}

void setup_error(setup_ctx *c, const char *base, const char *msg)
{
	cJSON *e = cJSON_CreateObject();
	size_t n = field_len(msg);
	char path[700];

	if (n && strncmp(msg, "body.", 5) == 0)
		msg += 5, n -= 5;
	if (n)
		snprintf(path, sizeof(path), "%s%s%.*s", base, *base ? "." : "", (int)n, msg);
	else
		snprintf(path, sizeof(path), "%s", *base ? base : "document");
	cJSON_AddStringToObject(e, "path", path);
	cJSON_AddStringToObject(e, "detail", n ? msg + n + 2 : msg);
	cJSON_AddItemToArray(c->errors, e);
}

void setup_errorf(setup_ctx *c, const char *path, const char *fmt, ...)
{
	cJSON *e = cJSON_CreateObject();
	char msg[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(e, "path", *path ? path : "document");
	cJSON_AddStringToObject(e, "detail", msg);
	cJSON_AddItemToArray(c->errors, e);
}

int setup_fail(setup_ctx *c, const char *base, int rc)
{
	if (rc == ZQ_EINVAL || rc == ZQ_ECONFLICT || rc == ZQ_ENOTFOUND || rc == ZQ_ESTALE ||
	    rc == ZQ_ETOOBIG) {
		setup_error(c, base, c->err.msg);
		zq_err_clear(&c->err);
		return 0;
	}
	c->fatal = 1;
	return rc;
}

void setup_plan_add(setup_ctx *c, const char *kind, const char *name, const char *action,
		    cJSON *changes)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "kind", kind);
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddStringToObject(p, "action", action);
	cJSON_AddItemToObject(p, "changes", changes ? changes : cJSON_CreateArray());
	cJSON_AddItemToArray(c->plan, p);
}

int setup_check_keys(setup_ctx *c, const cJSON *obj, const char *path,
		     const char *const *allowed)
{
	int bad = 0;

	for (const cJSON *m = obj->child; m; m = m->next) {
		int ok = 0;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, m->string) == 0;
		if (!ok) {
			char p[600];
			snprintf(p, sizeof(p), "%s%s%.100s", path, *path ? "." : "", m->string);
			setup_errorf(c, p, "unknown key");
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

int setup_list_ok(setup_ctx *c, const cJSON *list, const char *key)
{
	int i = 0, bad = 0;

	if (!list)
		return 0;
	if (!cJSON_IsArray(list)) {
		setup_errorf(c, key, "must be a list");
		return -1;
	}
	for (const cJSON *it = list->child; it; it = it->next, i++)
		if (!cJSON_IsObject(it)) {
			char p[60];
			snprintf(p, sizeof(p), "%s[%d]", key, i);
			setup_errorf(c, p, "must be a mapping");
			bad = 1;
		}
	return bad ? -1 : 0;
}

int setup_audit(setup_ctx *c, const char *action, const char *type, int64_t id,
		int64_t task_id, const char *name)
{
	char detail[600];
	zq_audit a = {c->o->actor, action, type, id, task_id, detail, c->o->client_addr};

	snprintf(detail, sizeof(detail), "import: %.500s", name);
	return audit_store_add(c->db, &a, &c->err);
}

int setup_plan_diff(setup_ctx *c, const char *kind, const char *name, const cJSON *before,
		    const cJSON *after, cJSON *extra)
{
	cJSON *diff;

	if (!before) {
		cJSON_Delete(extra);
		setup_plan_add(c, kind, name, "create", NULL);
		return 1;
	}
	diff = task_def_diff(before, after);
	if (extra)
		cJSON_AddItemToArray(diff, extra);
	setup_plan_add(c, kind, name, diff->child ? "update" : "unchanged", diff);
	return cJSON_GetArraySize(diff) > 0;
}

/* ---- workflow nodes: names -> ids ---------------------------------------------------------- */

/* A task reference of a node ("task" or a dependency): a name the document
 * or the database has. *id 0 when it is not there yet. */
static int node_ref(setup_ctx *c, const cJSON *v, const char *path, int64_t *id)
{
	const setup_ref *r;

	*id = 0;
	if (cJSON_IsNumber(v)) {
		setup_errorf(c, path, "a task's name, not an id: a setup document names tasks");
		return -1;
	}
	if (!cJSON_IsString(v) || !v->valuestring[0]) {
		setup_errorf(c, path, "must be a task's name");
		return -1;
	}
	if (!(r = setup_refs_by_name(&c->tasks, v->valuestring))) {
		setup_errorf(c, path, "task '%.200s' is neither in the document nor in the database",
			     v->valuestring);
		return -1;
	}
	*id = r->id;
	return 0;
}

static int node_ids(setup_ctx *c, const cJSON *node, const char *path, cJSON *out, int *ready)
{
	char p[600];
	int64_t id;
	int bad = 0, i = 0;

	for (const cJSON *m = node->child; m; m = m->next) {
		if (snprintf(p, sizeof(p), "%s.%s", path, m->string) >= (int)sizeof(p))
			p[sizeof(p) - 1] = '\0'; /* a path past 600 bytes is cut */
		if (strcmp(m->string, "task_id") == 0) {
			setup_errorf(c, p, "a setup document names a node's task (task: NAME), not its id");
			bad = 1;
		} else if (strcmp(m->string, "task") == 0) {
			bad |= node_ref(c, m, p, &id) < 0;
			*ready &= id > 0;
			cJSON_AddNumberToObject(out, "task_id", (double)id);
		} else if (strcmp(m->string, "dependencies") == 0 && cJSON_IsArray(m)) {
			cJSON *deps = cJSON_AddArrayToObject(out, "dependencies");
			i = 0;
			for (const cJSON *d = m->child; d; d = d->next, i++) {
				if (snprintf(p, sizeof(p), "%s.dependencies[%d]", path, i) >=
				    (int)sizeof(p))
					p[sizeof(p) - 1] = '\0';
				bad |= node_ref(c, d, p, &id) < 0;
				*ready &= id > 0;
				cJSON_AddItemToArray(deps, cJSON_CreateNumber((double)id));
			}
		} else {
			cJSON_AddItemToObject(out, m->string, cJSON_Duplicate(m, 1));
		}
	}
	return bad ? -1 : 0;
}

/* The body's workflow config with ids (replaced in body). *ready is 0 when
 * a node's task is still to be created. -1 when a reference is bad. */
static int wf_body(setup_ctx *c, cJSON *body, const char *base, int *ready)
{
	cJSON *cfg = cJSON_GetObjectItemCaseSensitive(body, "config"), *out, *nodes;
	int bad = 0, i = 0;
	char p[600];

	*ready = 1;
	if (!cJSON_IsObject(cfg))
		return 0;   /* task_input says what is wrong */
	out = cJSON_CreateObject();
	for (const cJSON *m = cfg->child; m; m = m->next) {
		if (strcmp(m->string, "tasks") != 0 || !cJSON_IsArray(m)) {
			cJSON_AddItemToObject(out, m->string, cJSON_Duplicate(m, 1));
			continue;
		}
		nodes = cJSON_AddArrayToObject(out, "tasks");
		for (const cJSON *n = m->child; n; n = n->next, i++) {
			cJSON *o = cJSON_CreateObject();
			snprintf(p, sizeof(p), "%s.config.tasks[%d]", base, i);
			if (cJSON_IsObject(n))
				bad |= node_ids(c, n, p, o, ready) < 0;
			cJSON_AddItemToArray(nodes, o);
		}
	}
	cJSON_ReplaceItemInObjectCaseSensitive(body, "config", out);
	return bad ? -1 : 0;
}

/* ---- tasks ----------------------------------------------------------------------------------- */

struct tasks {
	const cJSON **item;
	int n;
	char *done;
	zq_task *stored;         /* the target's tasks before the import */
	size_t nstored;
};

static const zq_task *stored_by_name(const struct tasks *ts, const char *name)
{
	for (size_t i = 0; i < ts->nstored; i++)
		if (strcmp(ts->stored[i].name, name) == 0)
			return &ts->stored[i];
	return NULL;
}

static void writer_of(setup_ctx *c, task_writer *w, zq_wf_errors *we)
{
	memset(w, 0, sizeof(*w));
	w->db = c->db;
	w->actor = c->o->actor;
	w->client_addr = c->o->client_addr;
	w->default_tz = c->o->default_tz;
	w->action = "import";
	w->wf_errs = we;
	w->err = &c->err;
}

/* Does the digit run at p stand for a task id ("task 12", "workflow 12",
 * the list of "these tasks do not exist: 12, 15")? */
static int id_at(const char *msg, const char *p)
{
	static const char *const before[] = {"task ", "workflow ", NULL};
	size_t off = (size_t)(p - msg);

	for (int i = 0; before[i]; i++)
		if (off >= strlen(before[i]) && strncmp(p - strlen(before[i]), before[i],
							strlen(before[i])) == 0)
			return 1;
	return strncmp(msg, "these tasks", 11) == 0 && off >= 2 &&
	       (strncmp(p - 2, ": ", 2) == 0 || strncmp(p - 2, ", ", 2) == 0);
}

/* A workflow message with the task ids the document never saw as names. */
static void with_names(const setup_ctx *c, const char *msg, char *out, size_t n)
{
	size_t len = 0;

	for (const char *p = msg; *p && len + 1 < n;) {
		size_t d = strspn(p, "0123456789");
		const setup_ref *r = d && (p == msg || p[-1] < '0' || p[-1] > '9') && id_at(msg, p)
			? setup_refs_by_id(&c->tasks, strtoll(p, NULL, 10)) : NULL;
		if (r) {
			len += (size_t)snprintf(out + len, n - len, "'%s'", r->name);
			p += d;
		} else {
			out[len++] = *p++;
		}
		if (len >= n)
			len = n - 1;
	}
	out[len] = '\0';
}

/* A write's failure: the workflow's problems one by one, else the message. */
static int write_failed(setup_ctx *c, const char *base, int rc, const zq_wf_errors *we)
{
	char msg[ZQ_ERR_MSG_MAX + 200];

	if (rc != ZQ_EINVAL || !we->n)
		return setup_fail(c, base, rc);
	for (int i = 0; i < we->n; i++) {
		with_names(c, we->msg[i], msg, sizeof(msg));
		setup_error(c, base, msg);
	}
	zq_err_clear(&c->err);
	return 0;
}

/* What the stored task t would be with body applied (document form). */
static cJSON *after_update(setup_ctx *c, const zq_task *t, const cJSON *body, const char *base)
{
	zq_task copy = *t;
	unsigned mask;
	cJSON *after = NULL;

	copy.config = t->config ? zq_strdup(t->config) : NULL;
	copy.description = t->description ? zq_strdup(t->description) : NULL;
	if (task_input_apply(&copy, body, 0, &mask, &c->err) < 0)
		setup_fail(c, base, ZQ_EINVAL);
	else if (!(after = setup_task_doc(&copy, &c->tasks)))
		setup_errorf(c, base, "config: must be an object");
	zq_task_release(&copy);
	return after;
}

static int update_task(setup_ctx *c, const zq_task *t, cJSON *body, const char *base)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(body, "job_id");
	cJSON *before, *after, *diff;
	zq_wf_errors we;
	task_writer w;
	int rc = 0;

	if (j && !cJSON_IsNull(j) && !(cJSON_IsString(j) && strcmp(j->valuestring, t->job_id) == 0)) {
		setup_errorf(c, base, "job_id: the target's task '%.200s' has job_id '%s'; an "
			     "import does not change it", t->name, t->job_id);
		return 0;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(body, "job_id");
	before = setup_task_doc(t, &c->tasks);
	if (!(after = after_update(c, t, body, base))) {
		cJSON_Delete(before);
		return 0;
	}
	diff = task_def_diff(before, after);
	cJSON_Delete(before);
	cJSON_Delete(after);
	if (!diff->child) {
		setup_plan_add(c, "task", t->name, "unchanged", diff);
		return 0;
	}
	zq_wf_errors_init(&we);
	writer_of(c, &w, &we);
	if ((rc = task_write_update(&w, t->id, body, 0)) < 0)
		rc = write_failed(c, base, rc, &we);
	else
		setup_plan_add(c, "task", t->name, "update", cJSON_Duplicate(diff, 1));
	zq_wf_errors_release(&we);
	cJSON_Delete(diff);
	return rc;
}

static int create_task(setup_ctx *c, const cJSON *body, const char *name, const char *base)
{
	zq_wf_errors we;
	task_writer w;
	int64_t id = 0;
	int rc;

	zq_wf_errors_init(&we);
	writer_of(c, &w, &we);
	if ((rc = task_write_create(&w, body, &id)) < 0) {
		rc = write_failed(c, base, rc, &we);
	} else {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(body, "task_type");
		setup_ref *r = setup_refs_by_name(&c->tasks, name);
		if (r)
			r->id = id;
		if (r && cJSON_IsString(type))
			r->type = zq_task_type_parse(type->valuestring);
		setup_plan_add(c, "task", name, "create", NULL);
	}
	zq_wf_errors_release(&we);
	return rc;
}

static int is_workflow(const cJSON *item, const zq_task *stored)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(item, "task_type");

	if (cJSON_IsString(type))
		return strcmp(type->valuestring, "workflow") == 0;
	return stored && stored->type == ZQ_TASK_WORKFLOW;
}

/* One task item: 1 when written or found bad, 0 when it must wait for its
 * nodes (last_pass: write it anyway, its references say what is missing). */
static int import_task(setup_ctx *c, struct tasks *ts, int i, int last_pass)
{
	const cJSON *item = ts->item[i];
	const char *name = cJSON_GetObjectItemCaseSensitive(item, "name")->valuestring;
	const zq_task *t = stored_by_name(ts, name);
	const cJSON *cal = cJSON_GetObjectItemCaseSensitive(item, "calendar");
	cJSON *body = cJSON_Duplicate(item, 1);
	char base[40];
	int ready = 1, bad = 0;

	snprintf(base, sizeof(base), "tasks[%d]", i);
	if (cJSON_IsNumber(cal)) {
		char p[60];
		snprintf(p, sizeof(p), "%s.calendar", base);
		setup_errorf(c, p, "a calendar's name, not an id");
		bad = 1;
	}
	if (is_workflow(item, t))
		bad |= wf_body(c, body, base, &ready) < 0;
	if (!ready && !bad && !last_pass) {
		cJSON_Delete(body);
		return 0;
	}
	if (!bad && !(ready == 0 && last_pass)) {
		if (t)
			update_task(c, t, body, base);
		else
			create_task(c, body, name, base);
	} else if (!bad) {
		setup_errorf(c, base, "config.tasks: the workflow's tasks form a cycle, or one of "
			     "them has errors");
	}
	cJSON_Delete(body);
	return 1;
}

/* The list's shape: objects with a name, each name once. */
static int task_list(setup_ctx *c, const cJSON *list, struct tasks *ts)
{
	int i = 0;

	if (!list)
		return 0;
	if (!cJSON_IsArray(list)) {
		setup_errorf(c, "tasks", "must be a list");
		return -1;
	}
	ts->item = zq_calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(*ts->item));
	for (const cJSON *it = list->child; it; it = it->next, i++) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
		char p[60];
		setup_ref *r;
		snprintf(p, sizeof(p), "tasks[%d]%s", i, cJSON_IsObject(it) ? ".name" : "");
		if (!cJSON_IsObject(it) || !cJSON_IsString(name) || !name->valuestring[0]) {
			setup_errorf(c, p, cJSON_IsObject(it) ? "required (a string)" : "must be an object");
			continue;
		}
		if ((r = setup_refs_by_name(&c->tasks, name->valuestring)) && r->in_doc) {
			setup_errorf(c, p, "'%.200s' is given twice", name->valuestring);
			continue;
		}
		if (!r)
			setup_refs_add(&c->tasks, 0, name->valuestring, -1);
		setup_refs_by_name(&c->tasks, name->valuestring)->in_doc = 1;
		ts->item[ts->n++] = it;
	}
	return 0;
}

static int import_tasks(setup_ctx *c, struct tasks *ts)
{
	int left = ts->n, pass = 0;

	ts->done = zq_calloc((size_t)ts->n + 1, 1);
	while (left > 0 && !c->fatal) {
		int progress = 0;
		for (int i = 0; i < ts->n && !c->fatal; i++) {
			if (ts->done[i] || !import_task(c, ts, i, pass > ts->n))
				continue;
			ts->done[i] = 1;
			left--;
			progress = 1;
		}
		pass = progress ? pass + 1 : ts->n + 1;
	}
	return c->fatal ? ZQ_EDB : 0;
}

/* Delete the target's tasks the document does not name: workflows first. */
static int prune_tasks(setup_ctx *c, const struct tasks *ts)
{
	zq_task *t = ts->stored;

	for (int wf = 1; wf >= 0; wf--)
		for (size_t i = 0; i < ts->nstored && !c->fatal; i++) {
			const setup_ref *r = setup_refs_by_name(&c->tasks, t[i].name);
			task_writer w;
			int rc;
			if ((t[i].type == ZQ_TASK_WORKFLOW) != wf || (r && r->in_doc))
				continue;
			writer_of(c, &w, NULL);
			w.action = NULL;   /* a 'delete' version: GET /tasks/deleted lists it */
			if ((rc = task_write_delete(&w, t[i].id, 0)) < 0)
				setup_fail(c, "tasks", rc);
			else
				setup_plan_add(c, "task", t[i].name, "delete", NULL);
		}
	return c->fatal ? ZQ_EDB : 0;
}

/* ---- the document ------------------------------------------------------------------------------ */

static int check_top(setup_ctx *c, const cJSON *doc)
{
	const cJSON *v;

	if (!cJSON_IsObject(doc)) {
		setup_errorf(c, "document", "must be a mapping with zq_setup: %d", SETUP_VERSION);
		return -1;
	}
	v = jin_get(doc, "zq_setup");
	if (!v)
		setup_errorf(c, "zq_setup", "required (%d)", SETUP_VERSION);
	else if (!cJSON_IsNumber(v) || v->valuedouble != SETUP_VERSION)
		setup_errorf(c, "zq_setup", "version %g is not supported (%d is)",
			     cJSON_IsNumber(v) ? v->valuedouble : 0.0, SETUP_VERSION);
	setup_check_keys(c, doc, "", top_keys);
	return 0;
}

static int run(setup_ctx *c, const cJSON *doc, struct tasks *ts)
{
	int rc;

	if ((rc = setup_load_tasks(c->db, &ts->stored, &ts->nstored, &c->err)) < 0)
		return rc;
	for (size_t i = 0; i < ts->nstored; i++)
		setup_refs_add(&c->tasks, ts->stored[i].id, ts->stored[i].name, ts->stored[i].type);
	if ((rc = task_list(c, jin_get(doc, "tasks"), ts)) < 0)
		return 0;
	if ((rc = setup_import_calendars(c, jin_get(doc, "calendars"))) < 0 ||
	    (rc = setup_import_channels(c, jin_get(doc, "alert_channels"))) < 0 ||
	    (rc = import_tasks(c, ts)) < 0 ||
	    (rc = setup_import_rules(c, jin_get(doc, "alert_rules"))) < 0)
		return rc;
	if (!c->o->prune || c->errors->child)
		return 0;
	/* a kind the document does not list is not the document's to prune */
	if ((jin_get(doc, "alert_rules") &&
	     (rc = setup_prune_rules(c, jin_get(doc, "alert_rules"))) < 0) ||
	    (jin_get(doc, "tasks") && (rc = prune_tasks(c, ts)) < 0) ||
	    (jin_get(doc, "alert_channels") &&
	     (rc = setup_prune_channels(c, jin_get(doc, "alert_channels"))) < 0))
		return rc;
	return jin_get(doc, "calendars") ? setup_prune_calendars(c, jin_get(doc, "calendars")) : 0;
}

int setup_import(zq_db *db, const setup_opts *o, const cJSON *doc, cJSON **plan,
		 cJSON **errors, zq_err *err)
{
	setup_ctx c;
	struct tasks ts;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	memset(&ts, 0, sizeof(ts));
	c.db = db;
	c.o = o;
	c.plan = cJSON_CreateArray();
	c.errors = cJSON_CreateArray();
	check_top(&c, doc);
	if (!c.errors->child && (rc = zq_db_begin(db, &c.err)) == 0) {
		rc = run(&c, doc, &ts);
		if (rc < 0 || c.errors->child || o->dry_run)
			zq_db_rollback(db);
		else
			rc = zq_db_commit(db, &c.err);
	}
	if (rc < 0)
		*err = c.err;
	else if (c.errors->child)
		rc = zq_errf(err, ZQ_EINVAL, "%d errors", cJSON_GetArraySize(c.errors));
	*plan = c.plan;
	*errors = c.errors;
	setup_refs_release(&c.tasks);
	setup_refs_release(&c.channels);
	setup_tasks_free(ts.stored, ts.nstored);
	free(ts.item);
	free(ts.done);
	return rc;
}
