/* task_write.h - the one way a task is written: the API's create / update /
 * delete / actions, a restore and an import all go through here, so they
 * are checked by the same rules (task_input.h, wf_check.h, the calendar)
 * and each writes, next to the change, its audit row and its task_versions
 * row (version_store.h; definition = task_def_json(t, 1)).
 *
 * Every function runs inside the caller's transaction (zq_db_begin ..
 * commit, e.g. fcgi's api_tx) and leaves the commit or rollback to it: an
 * error means "roll back", never a half-written task. next_run_at is
 * recomputed (zq_task_first_run) when the schedule, type, zone, calendar,
 * enabled or paused change, and is NULL when the task is not due.
 *
 * if_match: the task's version the caller last saw (0 = no check); a
 * different stored version is ZQ_ESTALE "task 5 is at version 4, not 3
 * (If-Match)". */
#ifndef ZQ_TASK_WRITE_H
#define ZQ_TASK_WRITE_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "db.h"
#include "wf_graph.h"

typedef struct task_writer {
	zq_db *db;
	const char *actor;        /* audit/version actor: user, "token:NAME", "import:FILE" */
	const char *client_addr;  /* NULL = none */
	const char *comment;      /* version comment, NULL = none */
	const char *default_tz;   /* a created task's zone when the body has none */
	const char *action;       /* version action override (NULL = the natural one; "import" for the importer, "restore") */
	zq_wf_errors *wf_errs;    /* workflow problems land here (may be NULL) */
	zq_err *err;
} task_writer;

/* Create a task from an API body (task_input.h; job_id optional). *id
 * receives its id. ZQ_EINVAL naming the field, ZQ_ECONFLICT on a taken
 * name or job_id. An env value "***" has nothing to stand for: ZQ_EINVAL. */
int task_write_create(task_writer *w, const cJSON *body, int64_t *id);

/* Apply body to task id (the API's PUT: fields left out stay). A job_id
 * equal to the stored one is ignored, a different one is a 400 naming
 * job_id. Env values "***" keep the stored ones. ZQ_ENOTFOUND, ZQ_ESTALE. */
int task_write_update(task_writer *w, int64_t id, const cJSON *body, int if_match /* 0 = none */);

/* Delete task id (executions, steps, output and stats cascade; the
 * versions stay, the last one with action 'delete'). ZQ_ECONFLICT when
 * workflows use it (the caller can list them with task_store_used_by). */
int task_write_delete(task_writer *w, int64_t id, int if_match);

/* what: enable | disable | pause | resume. *changed (may be NULL) is 0 when
 * the task already was so: then nothing is written. */
int task_write_action(task_writer *w, int64_t id, const char *what, int *changed);
/* The same with an If-Match version (0 = none). */
int task_write_action_if(task_writer *w, int64_t id, const char *what, int *changed,
			 int if_match);

/* Re-create deleted task id from def, the definition of its last version
 * (task_def_json's shape), with its id and the next version number (action
 * w->action or "restore"). Masked env values ("***") have no stored secret
 * left: they come back as "" (task_write_clear_masked with no stored
 * config, into cleared: a JSON array, may be NULL). ZQ_ECONFLICT when the task exists
 * or its name or job_id is taken. */
int task_write_undelete(task_writer *w, int64_t id, const cJSON *def, cJSON *cleared);

/* Env values "***" of def (a definition or body) that stored_config (the
 * task's config as stored, NULL = none) has no value for become "", their
 * paths ("config.env.KEY") added to cleared (may be NULL). The rest keep
 * "***", which the writes replace by the stored value. */
void task_write_clear_masked(cJSON *def, const char *stored_config, cJSON *cleared);

/* zq-db migrate: a 'baseline' version (actor "zq-db migrate") for every
 * task that has none, with its current version number; each in its own
 * transaction (not in a caller's). Idempotent. *written: how many. */
int task_write_baseline(zq_db *db, int *written, zq_err *err);

#endif
