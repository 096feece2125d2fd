/* task_def.h - a task's definition as data: one JSON object with every
 * user-settable field, in a fixed key order, in the shape the API's task
 * body takes (fcgi's POST / PUT, db/jobs/task_input.h). It is what a
 * version stores (task_versions.definition), what a diff compares and what
 * a setup document (export / import) carries per task.
 *
 * Keys, in this order: name, job_id, task_type, cron_expression,
 * interval_seconds, start_at, run_at, timezone, enabled, paused,
 * description, config, max_retries, retry_interval, timeout_seconds,
 * max_instances, misfire_grace_seconds, coalesce, calendar, calendar_rule.
 * Absent values are null (a schedule the task does not use, no timeout, no
 * calendar); times are ISO-8601 UTC with milliseconds; config is the
 * object itself (not its text). Applying a definition minus job_id to a
 * fresh task with task_input_apply reproduces the task. */
#ifndef ZQ_TASK_DEF_H
#define ZQ_TASK_DEF_H

#include <cjson/cJSON.h>

#include "task.h"

/* The definition of t (a new object; cJSON_Delete it). mask: every value
 * of config.env as "***" (TASKCFG_MASK), as versions and exports store
 * them. NULL only when t->config is not a JSON object. */
cJSON *task_def_json(const zq_task *t, int mask);

/* The fields in which b differs from a, in key order: a new JSON array of
 * {"path": "cron_expression", "from": <a's value or null>, "to": <b's>}.
 * Objects (config and what it holds) are compared key by key with dotted
 * paths ("config.env.API_KEY", "config.command"; a key present on one
 * side only has null on the other); arrays and scalars are compared whole.
 * Keys of b that a lacks come after a's, in b's order. [] when equal. */
cJSON *task_def_diff(const cJSON *a, const cJSON *b);

/* The paths of a diff as one comma-separated line ("cron_expression,
 * config.command") into out (truncated with "..." past outsz). */
void task_def_diff_paths(const cJSON *diff, char *out, size_t outsz);

#endif
