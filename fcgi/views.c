/* views.c - JSON shapes of tasks and executions. */
#include "views.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "calendar.h"
#include "task.h"
#include "taskcfg.h"
#include "timeutil.h"

static void kstr_or_null(zq_jw *w, const char *k, const char *s)
{
	jw_key(w, k);
	if (s && *s)
		jw_str(w, s);
	else
		jw_null(w);
}

static void kraw_object(zq_jw *w, const char *k, const char *json)
{
	jw_key(w, k);
	if (json && *json)
		jw_json(w, json, strlen(json));
	else
		jw_null(w);
}

/* A config object; for non-admins with each env value as "***" (env is
 * where API keys go: write-only below admin). */
static void kconfig(zq_jw *w, const char *k, const char *json, int reveal)
{
	cJSON *o, *m;
	char *text;

	if (reveal || !json || !strstr(json, "\"env\"") || !(o = cJSON_Parse(json))) {
		kraw_object(w, k, json);
		return;
	}
	m = taskcfg_masked(o);
	text = cJSON_PrintUnformatted(m);
	kraw_object(w, k, text);
	cJSON_free(text);
	cJSON_Delete(m);
	cJSON_Delete(o);
}

static void view_task_fields(zq_jw *w, const zq_task *t, int reveal)
{
	jw_kint(w, "id", t->id);
	jw_kstr(w, "name", t->name);
	jw_kstr(w, "job_id", t->job_id);
	jw_kstr(w, "task_type", zq_task_type_name(t->type));
	kstr_or_null(w, "cron_expression", t->cron_expression);
	jw_kint_or_null(w, "interval_seconds", t->interval_seconds, 0);
	jw_ktime(w, "start_at", t->start_at_ms);
	jw_ktime(w, "run_at", t->run_at_ms);
	jw_kstr(w, "timezone", t->timezone);
	jw_kbool(w, "enabled", t->enabled);
	jw_kbool(w, "paused", t->paused);
	jw_kstr(w, "description", t->description);
	kconfig(w, "config", t->config ? t->config : "{}", reveal);
	jw_kint(w, "max_retries", t->max_retries);
	jw_kint(w, "retry_interval", t->retry_interval);
	jw_kint_or_null(w, "timeout_seconds", t->timeout_seconds, 0);
	jw_kint(w, "max_instances", t->max_instances);
	jw_kint(w, "misfire_grace_seconds", t->misfire_grace_seconds);
	jw_kbool(w, "coalesce", t->coalesce);
	kstr_or_null(w, "calendar", t->calendar_id ? t->calendar : NULL);
	kstr_or_null(w, "calendar_rule", t->calendar_id ? zq_cal_rule_name(t->calendar_rule) : NULL);
	jw_ktime(w, "next_run_time", t->next_run_at_ms);
	jw_ktime(w, "last_fire_at", t->last_fire_at_ms);
	jw_kint(w, "version", t->version);
	kstr_or_null(w, "created_by", t->created_by);
	jw_ktime(w, "created_at", t->created_at_ms);
	jw_ktime(w, "updated_at", t->updated_at_ms);
}

void view_task(zq_jw *w, const task_store_row *r, int reveal)
{
	jw_obj_begin(w);
	view_task_fields(w, &r->t, reveal);
	jw_kint_or_null(w, "latest_execution_id", r->latest_id, 0);
	jw_ktime(w, "latest_execution_time", r->latest_time_ms);
	kstr_or_null(w, "latest_execution_status",
		     r->latest_status >= 0 ? zq_exec_status_name(r->latest_status) : NULL);
	jw_kstr(w, "schedule_status", task_store_schedule_status(r));
	jw_key(w, "node_count");
	if (r->t.type == ZQ_TASK_WORKFLOW)
		jw_int(w, r->node_count);
	else
		jw_null(w);
	jw_obj_end(w);
}

static double seconds(int64_t ms)
{
	return round((double)ms) / 1000.0;
}

static void add_int_if(cJSON *o, const char *k, int v)
{
	if (v >= 0 && !cJSON_GetObjectItemCaseSensitive(o, k))
		cJSON_AddNumberToObject(o, k, v);
}

void view_exec_result(zq_jw *w, const hist_exec *e, const hist_step *steps, int nsteps)
{
	cJSON *o = e->result ? cJSON_Parse(e->result) : NULL;
	char *text;

	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		o = cJSON_CreateObject();
	}
	/* the live progress columns fill what the summary does not say */
	add_int_if(o, "current_step", e->current_step);
	add_int_if(o, "total_steps", e->total_steps);
	add_int_if(o, "progress_percent", e->progress_percent);
	if (e->progress_message && !cJSON_GetObjectItemCaseSensitive(o, "message"))
		cJSON_AddStringToObject(o, "message", e->progress_message);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "status");
	cJSON_AddStringToObject(o, "status", zq_exec_status_name(e->status));
	if (steps) {
		cJSON *arr = cJSON_CreateArray();
		for (int i = 0; i < nsteps; i++) {
			cJSON *s = cJSON_CreateObject();
			cJSON_AddNumberToObject(s, "step", steps[i].step);
			cJSON_AddStringToObject(s, "status", steps[i].status);
			if (steps[i].message)
				cJSON_AddStringToObject(s, "message", steps[i].message);
			else
				cJSON_AddNullToObject(s, "message");
			cJSON_AddItemToArray(arr, s);
		}
		cJSON_DeleteItemFromObjectCaseSensitive(o, "steps");
		cJSON_AddItemToObject(o, "steps", arr);
	}
	text = cJSON_PrintUnformatted(o);
	jw_json(w, text, strlen(text));
	cJSON_free(text);
	cJSON_Delete(o);
}

/* A calendar.h day number as "YYYY-MM-DD", null for ZQ_CAL_NO_DAY. */
static void kexec_day(zq_jw *w, const char *k, int32_t day)
{
	char d[11];

	jw_key(w, k);
	if (day == ZQ_CAL_NO_DAY) {
		jw_null(w);
		return;
	}
	zq_day_format(day, d);
	jw_str(w, d);
}

void view_execution_fields(zq_jw *w, const hist_exec *e, const hist_step *steps, int nsteps,
			   int reveal)
{
	jw_kint(w, "id", e->id);
	jw_kint(w, "task_id", e->task_id);
	jw_kint_or_null(w, "parent_execution_id", e->parent_id, 0);
	jw_kstr(w, "trigger", e->trigger >= 0 ? zq_trigger_name(e->trigger) : "unknown");
	jw_kstr(w, "status", e->status >= 0 ? zq_exec_status_name(e->status) : "unknown");
	jw_ktime(w, "scheduled_time", e->scheduled_ms);
	kexec_day(w, "business_date", e->business_day);
	jw_ktime(w, "not_before", e->not_before_ms);
	jw_ktime(w, "start_time", e->start_ms);
	jw_ktime(w, "end_time", e->end_ms);
	jw_key(w, "duration_seconds");
	if (e->duration_ms >= 0)
		jw_double(w, seconds(e->duration_ms));
	else
		jw_null(w);
	jw_kint(w, "retry_count", e->retry_count);
	jw_kint_or_null(w, "progress_percent", e->progress_percent, -1);
	jw_kint_or_null(w, "current_step", e->current_step, -1);
	jw_kint_or_null(w, "total_steps", e->total_steps, -1);
	jw_kstr(w, "progress_message", e->progress_message);
	jw_key(w, "result");
	view_exec_result(w, e, steps, nsteps);
	jw_kstr(w, "error_message", e->error_message);
	kconfig(w, "config_override", e->config_override, reveal);
	kraw_object(w, "params", e->params);
	jw_kint_or_null(w, "node_id", e->node_id, 0);
	jw_ktime(w, "heartbeat_at", e->heartbeat_ms);
	jw_kbool(w, "cancel_requested", e->cancel_requested);
	kstr_or_null(w, "created_by", e->created_by);
	jw_ktime(w, "created_at", e->created_ms);
	jw_ktime(w, "updated_at", e->updated_ms);
}

void view_execution(zq_jw *w, const hist_exec *e, const hist_step *steps, int nsteps,
		    int reveal)
{
	jw_obj_begin(w);
	view_execution_fields(w, e, steps, nsteps, reveal);
	jw_obj_end(w);
}
