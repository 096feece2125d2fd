/* task_input.h - a task create / update body -> a checked zq_task.
 *
 * Writable fields: name, job_id (create only), task_type, cron_expression,
 * interval_seconds, start_at, run_at, timezone, enabled, paused,
 * description, config, max_retries, retry_interval, timeout_seconds,
 * max_instances, misfire_grace_seconds, coalesce, calendar (a calendar's
 * name, or null: calendar_id is -1 until the caller resolves it),
 * calendar_rule (only | next | previous; only by default with a calendar,
 * a 400 without one). Anything else is a 400:
 * read-only fields (id, next_run_time, created_at, ...) say so, unknown
 * ones too - nothing is silently dropped or stored.
 *
 * Schedule: a body that names any of cron_expression, interval_seconds and
 * run_at replaces the whole schedule (the ones it leaves out become null),
 * so switching a task from cron to interval is {"interval_seconds": 60}.
 * manual_task takes none of them; the other types exactly one.
 *
 * Pure (no database): task_input_check validates the whole task after the
 * body was applied, including cron, time zone and the config for its type.
 * Workflow references (tasks exist, enabled) are checked by the caller. */
#ifndef ZQ_TASK_INPUT_H
#define ZQ_TASK_INPUT_H

#include <cjson/cJSON.h>

#include "calendar.h"
#include "err.h"
#include "task.h"
#include "wf_graph.h"

/* Field mask bits: which fields a body set. */
enum {
	TI_NAME = 1u << 0,
	TI_JOB_ID = 1u << 1,
	TI_TYPE = 1u << 2,
	TI_SCHEDULE = 1u << 3,   /* cron_expression / interval_seconds / run_at / start_at */
	TI_TIMEZONE = 1u << 4,
	TI_ENABLED = 1u << 5,
	TI_PAUSED = 1u << 6,
	TI_DESCRIPTION = 1u << 7,
	TI_CONFIG = 1u << 8,
	TI_RETRY = 1u << 9,      /* max_retries / retry_interval */
	TI_LIMITS = 1u << 10,    /* timeout, max_instances, misfire grace, coalesce */
	TI_CALENDAR = 1u << 11,  /* calendar / calendar_rule */
};

/* Apply the members of body (a JSON object) to t. For a create, t comes
 * from zq_task_init with the default timezone set; for an update, t is the
 * stored row. *mask receives the TI_* bits set. ZQ_EINVAL naming the field
 * on any bad member; t may then be partly changed (discard it). */
int task_input_apply(zq_task *t, const cJSON *body, int is_create, unsigned *mask, zq_err *err);

/* Check the whole task: schedule vs type, cron / interval / run_at / zone,
 * and the config for the type. For a workflow, wf (may be NULL) receives
 * the parsed workflow. */
int task_input_check(const zq_task *t, zq_workflow *wf, zq_err *err);
/* The same with the task's calendar (loaded by the caller; NULL with a
 * calendar set checks against a calendar without exceptions). */
int task_input_check_cal(const zq_task *t, const zq_calendar *cal, zq_workflow *wf, zq_err *err);

/* Check a config object for a task type (prefix "config" in messages). */
int task_config_check(int type, const cJSON *config, zq_workflow *wf, zq_err *err);

/* Comma-separated names of the fields in mask ("name, schedule") for the
 * audit log (names only: values may hold secrets). */
void task_input_mask_names(unsigned mask, char *out, size_t outsz);

#endif
