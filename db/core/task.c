/* task.c - names of the task enumerations; task struct lifecycle; first
 * fire time (the one place that turns a task row into a schedule). */
#include "task.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "schedule.h"
#include "timeutil.h"

static const char *const type_names[] = {"manual_task", "common_task", "workflow", "example_task"};
static const char *const status_names[] = {"pending",   "running",    "success", "failed",
					   "completed", "terminated", "skipped"};
static const char *const trigger_names[] = {"schedule", "manual", "retry", "workflow",
					    "backfill"};

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *zq_task_type_name(int t)
{
	return t >= 0 && t < ZQ_TASK_TYPE_COUNT ? type_names[t] : "unknown";
}

int zq_task_type_parse(const char *s)
{
	return lookup(type_names, ZQ_TASK_TYPE_COUNT, s);
}

const char *zq_exec_status_name(int s)
{
	return s >= 0 && s < ZQ_EXEC_STATUS_COUNT ? status_names[s] : "unknown";
}

int zq_exec_status_parse(const char *s)
{
	return lookup(status_names, ZQ_EXEC_STATUS_COUNT, s);
}

const char *zq_trigger_name(int t)
{
	return t >= 0 && t < ZQ_TRIGGER_COUNT ? trigger_names[t] : "unknown";
}

int zq_trigger_parse(const char *s)
{
	return lookup(trigger_names, ZQ_TRIGGER_COUNT, s);
}

int zq_exec_status_is_final(int s)
{
	return s != ZQ_EXEC_PENDING && s != ZQ_EXEC_RUNNING;
}

void zq_task_init(zq_task *t)
{
	memset(t, 0, sizeof(*t));
	t->type = ZQ_TASK_COMMON;
	t->start_at_ms = ZQ_TIME_NONE;
	t->run_at_ms = ZQ_TIME_NONE;
	strcpy(t->timezone, "UTC");
	t->enabled = 1;
	t->retry_interval = 60;
	t->max_instances = 1;
	t->misfire_grace_seconds = 60;
	t->coalesce = 1;
	t->next_run_at_ms = ZQ_TIME_NONE;
	t->last_fire_at_ms = ZQ_TIME_NONE;
	t->created_at_ms = ZQ_TIME_NONE;
	t->updated_at_ms = ZQ_TIME_NONE;
	t->version = 1;
}

void zq_task_release(zq_task *t)
{
	free(t->description);
	free(t->config);
	t->description = NULL;
	t->config = NULL;
}

void zq_task_set_config(zq_task *t, const char *json)
{
	free(t->config);
	t->config = json ? zq_strdup(json) : NULL;
}

void zq_task_set_description(zq_task *t, const char *s)
{
	free(t->description);
	t->description = s ? zq_strdup(s) : NULL;
}

int zq_task_first_run(const zq_task *t, int64_t now_ms, const zq_calendar *cal, int64_t *next_ms,
		      zq_err *err)
{
	zq_schedule s;
	int rc;

	*next_ms = ZQ_TIME_NONE;
	rc = zq_schedule_init_cal(&s, t->cron_expression[0] ? t->cron_expression : NULL,
				  t->interval_seconds, t->start_at_ms, t->run_at_ms, t->timezone, cal,
				  cal ? t->calendar_rule : ZQ_CAL_RULE_NONE, err);
	if (rc < 0)
		return rc;
	if (!t->enabled || t->paused || t->type == ZQ_TASK_MANUAL)
		return 0;
	*next_ms = zq_schedule_first(&s, now_ms);
	return 0;
}
