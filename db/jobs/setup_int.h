/* setup_int.h - what the setup document files share (setup_doc.c: export
 * and the document form of each item; setup_apply.c: import and tasks;
 * setup_cal.c: calendars, alert channels and rules). */
#ifndef ZQ_SETUP_INT_H
#define ZQ_SETUP_INT_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "alert_store.h"
#include "calendar_store.h"
#include "db.h"
#include "setup_doc.h"
#include "task.h"

/* Names <-> ids of tasks (or channels, calendars). */
typedef struct setup_ref {
	int64_t id;
	char *name;
	int type;
	int in_doc;              /* the document names it */
} setup_ref;

typedef struct setup_refs {
	setup_ref *v;
	size_t n, cap;
} setup_refs;

void setup_refs_add(setup_refs *r, int64_t id, const char *name, int type);
setup_ref *setup_refs_by_id(const setup_refs *r, int64_t id);
setup_ref *setup_refs_by_name(const setup_refs *r, const char *name);
void setup_refs_release(setup_refs *r);

/* Every task of db in id order (zq_task_release each, free the array). */
int setup_load_tasks(zq_db *db, zq_task **out, size_t *n, zq_err *err);
void setup_tasks_free(zq_task *t, size_t n);

/* A workflow config with task ids -> the document's form (task names); a
 * new object. Ids without a name stay ids. */
cJSON *setup_wf_names(const cJSON *cfg, const setup_refs *tasks);
/* A task's definition as the document carries it. */
cJSON *setup_task_doc(const zq_task *t, const setup_refs *tasks);

/* The document form of a calendar (with its days), a channel (its public
 * config) and a rule (channel names sorted). */
cJSON *setup_calendar_doc(const calendar_row *r);
cJSON *setup_channel_doc(const alert_channel_row *r);
cJSON *setup_rule_doc(const alert_rule_row *r, const setup_refs *channels);

/* ---- import ---------------------------------------------------------------------- */

typedef struct setup_ctx {
	zq_db *db;
	const setup_opts *o;
	cJSON *plan, *errors;
	setup_refs tasks, channels;
	zq_err err;
	int fatal;               /* a database error: stop */
} setup_ctx;

/* Add {"path", "detail"}: path "tasks[3]" + the message's field when the
 * message starts with one ("cron_expression: bad" -> "tasks[3].cron_expression"). */
void setup_error(setup_ctx *c, const char *base, const char *msg);
void setup_errorf(setup_ctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An error of a write: a user's (4xx) is collected, a database error is fatal. */
int setup_fail(setup_ctx *c, const char *base, int rc);
void setup_plan_add(setup_ctx *c, const char *kind, const char *name, const char *action,
		    cJSON *changes /* taken; NULL = [] */);
/* Check obj's keys against allowed (path-bearing errors); 0 when all known. */
int setup_check_keys(setup_ctx *c, const cJSON *obj, const char *path,
		     const char *const *allowed);

/* A list of mappings (absent is fine); -1 with errors. */
int setup_list_ok(setup_ctx *c, const cJSON *list, const char *key);
/* The audit row of an item's change ("import: NAME"). */
int setup_audit(setup_ctx *c, const char *action, const char *type, int64_t id,
		int64_t task_id, const char *name);
/* The plan entry of an item from its before (NULL = new) and after forms,
 * extra (taken, may be NULL) added to the diff; 1 when it must be written. */
int setup_plan_diff(setup_ctx *c, const char *kind, const char *name, const cJSON *before,
		    const cJSON *after, cJSON *extra);

int setup_import_calendars(setup_ctx *c, const cJSON *list);
int setup_import_channels(setup_ctx *c, const cJSON *list);
int setup_import_rules(setup_ctx *c, const cJSON *list);
/* prune: what the lists do not name (rules first, calendars last). */
int setup_prune_rules(setup_ctx *c, const cJSON *list);
int setup_prune_channels(setup_ctx *c, const cJSON *list);
int setup_prune_calendars(setup_ctx *c, const cJSON *list);

#endif
