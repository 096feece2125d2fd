/* task.h - the task and execution vocabulary shared by zq-api, zq-scheduler
 * and zq-db: a task row as a plain struct, and the enumerations with their
 * wire / column names. */
#ifndef ZQ_TASK_H
#define ZQ_TASK_H

#include <stdint.h>

#include "calendar.h"
#include "err.h"

enum zq_task_type {
	ZQ_TASK_MANUAL = 0,   /* "manual_task": never fires by itself */
	ZQ_TASK_COMMON,       /* "common_task": cron / interval / one-off, runs a command */
	ZQ_TASK_WORKFLOW,     /* "workflow": runs other tasks as a DAG */
	ZQ_TASK_EXAMPLE,      /* "example_task": simulated work with progress */
	ZQ_TASK_TYPE_COUNT
};

enum zq_exec_status {
	ZQ_EXEC_PENDING = 0,
	ZQ_EXEC_RUNNING,
	ZQ_EXEC_SUCCESS,
	ZQ_EXEC_FAILED,
	ZQ_EXEC_COMPLETED,    /* workflow with on_failure=continue that had failures */
	ZQ_EXEC_TERMINATED,   /* cancelled */
	ZQ_EXEC_SKIPPED,      /* misfire, max_instances, or a failed dependency */
	ZQ_EXEC_STATUS_COUNT
};

enum zq_trigger {
	ZQ_TRIGGER_SCHEDULE = 0,
	ZQ_TRIGGER_MANUAL,
	ZQ_TRIGGER_RETRY,
	ZQ_TRIGGER_WORKFLOW,
	ZQ_TRIGGER_BACKFILL,   /* a date of a backfill (backfill_store.h) */
	ZQ_TRIGGER_COUNT
};

/* name <-> enum; parse returns -1 for an unknown name. */
const char *zq_task_type_name(int type);
int zq_task_type_parse(const char *s);
const char *zq_exec_status_name(int status);
int zq_exec_status_parse(const char *s);
const char *zq_trigger_name(int trigger);
int zq_trigger_parse(const char *s);
/* 1 for statuses an execution never leaves (success, failed, ...). */
int zq_exec_status_is_final(int status);

#define ZQ_TASK_NAME_MAX 128      /* characters */
#define ZQ_TASK_NAME_BYTES 513    /* 128 utf8mb4 characters + NUL */

typedef struct zq_task {
	int64_t id;
	char name[ZQ_TASK_NAME_BYTES];
	char job_id[65];
	int type;                      /* enum zq_task_type */
	char cron_expression[256];     /* "" = none */
	int64_t interval_seconds;      /* 0 = none */
	int64_t start_at_ms;           /* ZQ_TIME_NONE = none */
	int64_t run_at_ms;             /* ZQ_TIME_NONE = none */
	char timezone[65];
	int enabled, paused;
	char *description;             /* heap or NULL */
	char *config;                  /* heap JSON object text, never NULL once loaded */
	int max_retries;
	int retry_interval;            /* seconds */
	int timeout_seconds;           /* 0 = no limit */
	int max_instances;
	int misfire_grace_seconds;
	int coalesce;
	int64_t next_run_at_ms;        /* ZQ_TIME_NONE = not due */
	int64_t last_fire_at_ms;
	int version;
	char created_by[65];
	int64_t created_at_ms, updated_at_ms;
	int64_t calendar_id;           /* 0 = none */
	char calendar[65];             /* its name, "" = none */
	int calendar_rule;             /* ZQ_CAL_RULE_*: NONE without a calendar */
} zq_task;

/* Defaults for a new task (enabled, UTC, max_instances 1, ...). */
void zq_task_init(zq_task *t);
/* Free description and config; the struct may be re-initialised. */
void zq_task_release(zq_task *t);
/* Replace the heap strings (copies; NULL clears). */
void zq_task_set_config(zq_task *t, const char *json);
void zq_task_set_description(zq_task *t, const char *s);

/* The first fire time for a task that is (re-)enabled or created at now_ms:
 * ZQ_TIME_NONE when the task is not due to fire at all (disabled, paused,
 * manual, one-off already past, past the calendar's coverage). Fails
 * (naming the field) on a bad cron expression, time zone or interval, or a
 * calendar / calendar_rule that does not fit. cal is the task's calendar
 * (t->calendar_id), NULL = none; t->calendar_rule is its rule. */
int zq_task_first_run(const zq_task *t, int64_t now_ms, const zq_calendar *cal, int64_t *next_ms,
		      zq_err *err);

#endif
