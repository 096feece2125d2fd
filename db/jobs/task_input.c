/* task_input.c - the table of writable task fields and the whole-task
 * checks. Each field has one setter; the table is the only list of what a
 * client may write. */
#include "task_input.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonin.h"
#include "mem.h"
#include "calendar.h"
#include "schedule.h"
#include "taskcfg.h"
#include "timeutil.h"

#define DESCRIPTION_MAX 10000

typedef int (*setter)(zq_task *t, const cJSON *v, const char *name, zq_err *err);

struct field {
	const char *name;
	setter set;
	unsigned mask;
	int create_only;
};

static int set_name(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	const char *s;
	int rc = jin_string(v, f, 1, ZQ_TASK_NAME_MAX, 0, &s, err);

	if (rc == 0)
		zq_strlcpy(t->name, s, sizeof(t->name));
	return rc;
}

static int set_job_id(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	const char *s;
	int rc = jin_string(v, f, 1, 64, 0, &s, err);

	if (rc < 0)
		return rc;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._:-", *p))
			return zq_errf(err, ZQ_EINVAL, "%s: only letters, digits and . _ : - are allowed",
				       f);
	zq_strlcpy(t->job_id, s, sizeof(t->job_id));
	return 0;
}

static int set_type(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	int type = cJSON_IsString(v) ? zq_task_type_parse(v->valuestring) : -1;

	if (type < 0)
		return zq_errf(err, ZQ_EINVAL,
			       "%s: must be manual_task, common_task, workflow or example_task", f);
	t->type = type;
	return 0;
}

static int set_cron(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	const char *s;
	int rc;

	t->cron_expression[0] = '\0';
	if (cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring))
		return 0;
	if ((rc = jin_string(v, f, 1, sizeof(t->cron_expression) - 1, 0, &s, err)) < 0)
		return rc;
	zq_strlcpy(t->cron_expression, s, sizeof(t->cron_expression));
	return 0;
}

static int set_interval(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	t->interval_seconds = 0;
	if (cJSON_IsNull(v))
		return 0;
	return jin_int(v, f, 1, 2147483647, &t->interval_seconds, err);
}

static int set_time_or_null(int64_t *dst, const cJSON *v, const char *f, zq_err *err)
{
	*dst = ZQ_TIME_NONE;
	if (cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring))
		return 0;
	return jin_time(v, f, dst, err);
}

static int set_run_at(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	return set_time_or_null(&t->run_at_ms, v, f, err);
}

static int set_start_at(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	return set_time_or_null(&t->start_at_ms, v, f, err);
}

static int set_timezone(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	const char *s;
	int rc = jin_string(v, f, 1, sizeof(t->timezone) - 1, 0, &s, err);

	if (rc == 0)
		zq_strlcpy(t->timezone, s, sizeof(t->timezone));
	return rc;
}

static int set_enabled(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	return jin_bool(v, f, &t->enabled, err);
}

static int set_paused(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	return jin_bool(v, f, &t->paused, err);
}

static int set_coalesce(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	return jin_bool(v, f, &t->coalesce, err);
}

static int set_description(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	const char *s;
	int rc;

	if (cJSON_IsNull(v)) {
		zq_task_set_description(t, NULL);
		return 0;
	}
	if ((rc = jin_string(v, f, 0, DESCRIPTION_MAX, 1, &s, err)) == 0)
		zq_task_set_description(t, s);
	return rc;
}

static int set_config(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	char *text;

	if (!cJSON_IsObject(v))
		return zq_errf(err, ZQ_EINVAL, "%s: must be a JSON object", f);
	text = cJSON_PrintUnformatted(v);
	zq_task_set_config(t, text);
	cJSON_free(text);
	return 0;
}

static int set_int_field(int *dst, const cJSON *v, const char *f, int64_t lo, int64_t hi,
			 zq_err *err)
{
	int64_t n;
	int rc = jin_int(v, f, lo, hi, &n, err);

	if (rc == 0)
		*dst = (int)n;
	return rc;
}

static int set_max_retries(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	return set_int_field(&t->max_retries, v, f, 0, 100, err);
}

static int set_retry_interval(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	return set_int_field(&t->retry_interval, v, f, 1, 86400, err);
}

static int set_timeout(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	t->timeout_seconds = 0;
	if (cJSON_IsNull(v))
		return 0;
	return set_int_field(&t->timeout_seconds, v, f, 1, 604800, err);
}

static int set_max_instances(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	return set_int_field(&t->max_instances, v, f, 1, 100, err);
}

static int set_misfire(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	return set_int_field(&t->misfire_grace_seconds, v, f, 0, 604800, err);
}

/* A calendar by name: resolved to its id by the caller (calendar_id -1
 * until then); null or "" clears it and its rule. */
static int set_calendar(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	const char *s;
	int rc;

	t->calendar[0] = '\0';
	t->calendar_id = 0;
	if (cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring))
		return 0;
	if ((rc = jin_string(v, f, 1, 64, 0, &s, err)) < 0)
		return rc;
	zq_strlcpy(t->calendar, s, sizeof(t->calendar));
	t->calendar_id = -1;
	return 0;
}

static int set_calendar_rule(zq_task *t, const cJSON *v, const char *f, zq_err *err)
{
	int rule = ZQ_CAL_RULE_NONE;

	if (!cJSON_IsNull(v) && (!cJSON_IsString(v) || (rule = zq_cal_rule_parse(v->valuestring)) <= 0))
		return zq_errf(err, ZQ_EINVAL, "%s: must be only, next or previous (or null)", f);
	t->calendar_rule = rule;
	return 0;
}

static const struct field fields[] = {
	{"name", set_name, TI_NAME, 0},
	{"job_id", set_job_id, TI_JOB_ID, 1},
	{"task_type", set_type, TI_TYPE, 0},
	{"cron_expression", set_cron, TI_SCHEDULE, 0},
	{"interval_seconds", set_interval, TI_SCHEDULE, 0},
	{"run_at", set_run_at, TI_SCHEDULE, 0},
	{"start_at", set_start_at, TI_SCHEDULE, 0},
	{"timezone", set_timezone, TI_TIMEZONE, 0},
	{"enabled", set_enabled, TI_ENABLED, 0},
	{"paused", set_paused, TI_PAUSED, 0},
	{"description", set_description, TI_DESCRIPTION, 0},
	{"config", set_config, TI_CONFIG, 0},
	{"max_retries", set_max_retries, TI_RETRY, 0},
	{"retry_interval", set_retry_interval, TI_RETRY, 0},
	{"timeout_seconds", set_timeout, TI_LIMITS, 0},
	{"max_instances", set_max_instances, TI_LIMITS, 0},
	{"misfire_grace_seconds", set_misfire, TI_LIMITS, 0},
	{"coalesce", set_coalesce, TI_LIMITS, 0},
	{"calendar", set_calendar, TI_CALENDAR, 0},
	{"calendar_rule", set_calendar_rule, TI_CALENDAR, 0},
};
#define NFIELDS ((int)(sizeof(fields) / sizeof(fields[0])))

/* What a task response carries that a client may not write. */
static const char *const readonly_fields[] = {
	"id", "job_id", "next_run_time", "next_run_at", "last_fire_at", "last_fire_time",
	"version", "created_by", "created_at", "updated_at", "latest_execution_id",
	"latest_execution_time", "latest_execution_status", "schedule_status", "node_count",
	"config_json", NULL};

static const struct field *find_field(const char *name, int is_create)
{
	for (int i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].name, name) == 0 && (is_create || !fields[i].create_only))
			return &fields[i];
	return NULL;
}

static int names_schedule(const cJSON *body)
{
	return jin_get(body, "cron_expression") || jin_get(body, "interval_seconds") ||
	       jin_get(body, "run_at");
}

/* The rule follows the calendar: only by default, none without one. */
static int apply_calendar_rule(zq_task *t, const cJSON *body)
{
	const cJSON *rule = jin_get(body, "calendar_rule");

	if (t->calendar_id == 0 && (!rule || cJSON_IsNull(rule)))
		t->calendar_rule = ZQ_CAL_RULE_NONE;
	else if (t->calendar_id != 0 && t->calendar_rule == ZQ_CAL_RULE_NONE)
		t->calendar_rule = ZQ_CAL_RULE_ONLY;
	return 0;
}

int task_input_apply(zq_task *t, const cJSON *body, int is_create, unsigned *mask, zq_err *err)
{
	int rc;

	*mask = 0;
	if (!cJSON_IsObject(body))
		return zq_errf(err, ZQ_EINVAL, "body: must be a JSON object");
	for (const cJSON *a = body->child; a; a = a->next) {
		const char *k = a->string ? a->string : "";
		if (!find_field(k, is_create)) {
			int ro = 0;
			for (const char *const *r = readonly_fields; *r; r++)
				ro |= strcmp(*r, k) == 0;
			return zq_errf(err, ZQ_EINVAL, "%.100s: %s", k,
				       ro ? "read-only field" : "unknown field");
		}
		for (const cJSON *b = body->child; b != a; b = b->next)
			if (strcmp(b->string, k) == 0)
				return zq_errf(err, ZQ_EINVAL, "%.100s: given twice", k);
	}
	if (names_schedule(body)) {
		/* the body's schedule replaces the stored one */
		t->cron_expression[0] = '\0';
		t->interval_seconds = 0;
		t->run_at_ms = ZQ_TIME_NONE;
		t->start_at_ms = ZQ_TIME_NONE;
	}
	for (const cJSON *a = body->child; a; a = a->next) {
		const struct field *f = find_field(a->string, is_create);
		if ((rc = f->set(t, a, f->name, err)) < 0)
			return rc;
		*mask |= f->mask;
	}
	return apply_calendar_rule(t, body);
}

/* A stand-in for a calendar a pure check does not have: no exceptions,
 * covering every day. */
static void any_calendar(zq_calendar *cal, const char *name)
{
	zq_err e;

	zq_cal_init(cal);
	zq_strlcpy(cal->name, name, sizeof(cal->name));
	cal->covered_from = 0;
	cal->covered_until = (int32_t)zq_days_from_civil(9999, 12, 31);
	zq_cal_finish(cal, &e);
}

static int check_schedule(const zq_task *t, const zq_calendar *cal, zq_err *err)
{
	int n = (t->cron_expression[0] != 0) + (t->interval_seconds > 0) +
		(t->run_at_ms != ZQ_TIME_NONE);
	zq_schedule s;

	if (t->type == ZQ_TASK_MANUAL && n > 0)
		return zq_errf(err, ZQ_EINVAL, "%s: a manual_task never fires by itself; "
			       "remove the schedule",
			       t->cron_expression[0] ? "cron_expression"
			       : t->interval_seconds ? "interval_seconds" : "run_at");
	if (t->type != ZQ_TASK_MANUAL && n == 0)
		return zq_errf(err, ZQ_EINVAL, "schedule: %s needs one of cron_expression, "
			       "interval_seconds or run_at", zq_task_type_name(t->type));
	if (n > 1)
		return zq_errf(err, ZQ_EINVAL, "schedule: set only one of cron_expression, "
			       "interval_seconds and run_at");
	if (t->start_at_ms != ZQ_TIME_NONE && t->interval_seconds <= 0)
		return zq_errf(err, ZQ_EINVAL, "start_at: only applies to interval_seconds");
	if (t->calendar_id == 0 && t->calendar_rule != ZQ_CAL_RULE_NONE)
		return zq_errf(err, ZQ_EINVAL, "calendar_rule: needs a calendar");
	if (zq_schedule_init_cal(&s, t->cron_expression[0] ? t->cron_expression : NULL,
				 t->interval_seconds, t->start_at_ms, t->run_at_ms, t->timezone,
				 t->calendar_id ? cal : NULL,
				 t->calendar_id ? t->calendar_rule : ZQ_CAL_RULE_NONE, err) < 0) {
		err->code = ZQ_EINVAL; /* an unknown zone is a bad field, not a 404 */
		return ZQ_EINVAL;
	}
	return 0;
}

int task_config_check(int type, const cJSON *config, zq_workflow *wf, zq_err *err)
{
	zq_workflow local;
	zq_wf_errors errs;
	taskcfg tc;
	int rc;

	/* one set of rules for the API and the scheduler (db/core/taskcfg.c) */
	taskcfg_init(&tc);
	rc = taskcfg_parse(&tc, type, config, err);
	taskcfg_release(&tc);
	if (rc < 0)
		return rc;
	switch (type) {
	case ZQ_TASK_MANUAL:
	case ZQ_TASK_COMMON:
	case ZQ_TASK_EXAMPLE:
		return 0;
	case ZQ_TASK_WORKFLOW:
		zq_workflow_init(&local);
		zq_wf_errors_init(&errs);
		if ((rc = zq_workflow_from_json(wf ? wf : &local, config, "config", &errs)) < 0)
			zq_wf_errors_to_err(&errs, err);
		zq_wf_errors_release(&errs);
		zq_workflow_release(&local);
		return rc;
	default:
		return zq_errf(err, ZQ_EINVAL, "task_type: unknown");  /* taskcfg said so first */
	}
}

/* A task that fires by itself starts runs with no values given: each
 * required parameter needs a default. */
static int check_fire_params(int type, const cJSON *config, zq_err *err)
{
	taskcfg tc;
	int rc = 0;

	taskcfg_init(&tc);
	if (taskcfg_parse(&tc, type, config, err) == 0)
		for (int i = 0; i < tc.nparams && rc == 0; i++)
			if (tc.params[i].required && !tc.params[i].dflt)
				rc = zq_errf(err, ZQ_EINVAL, "config.params.%s.default: required: a %s "
					     "fires with no values given (or make it a manual_task)",
					     tc.params[i].name, zq_task_type_name(type));
	taskcfg_release(&tc);
	return rc;
}

int task_input_check(const zq_task *t, zq_workflow *wf, zq_err *err)
{
	return task_input_check_cal(t, NULL, wf, err);
}

int task_input_check_cal(const zq_task *t, const zq_calendar *cal, zq_workflow *wf, zq_err *err)
{
	zq_calendar any;
	cJSON *config;
	int rc;

	if (!t->name[0])
		return zq_errf(err, ZQ_EINVAL, "name: required");
	if (t->type < 0 || t->type >= ZQ_TASK_TYPE_COUNT)
		return zq_errf(err, ZQ_EINVAL, "task_type: required (manual_task, common_task, "
			       "workflow or example_task)");
	if (t->calendar_id && !cal) {
		any_calendar(&any, t->calendar);
		rc = check_schedule(t, &any, err);
		zq_cal_release(&any);
	} else {
		rc = check_schedule(t, cal, err);
	}
	if (rc < 0)
		return rc;
	if (!t->config || !(config = cJSON_Parse(t->config)))
		return zq_errf(err, ZQ_EINVAL, "config: required for %s", zq_task_type_name(t->type));
	if ((rc = task_config_check(t->type, config, wf, err)) == 0 && t->type != ZQ_TASK_MANUAL)
		rc = check_fire_params(t->type, config, err);
	cJSON_Delete(config);
	return rc;
}

void task_input_mask_names(unsigned mask, char *out, size_t outsz)
{
	static const char *const names[] = {"name", "job_id", "task_type", "schedule",
					    "timezone", "enabled", "paused", "description",
					    "config", "retries", "limits", "calendar"};
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (mask & (1u << i)) {
			int n = snprintf(out + used, outsz - used, "%s%s", used ? ", " : "", names[i]);
			if (n < 0 || (size_t)n >= outsz - used)
				break;
			used += (size_t)n;
		}
}
