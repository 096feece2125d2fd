/* task_def.c - a task's definition as JSON, and the differences of two. */
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "task_def.h"
#include "taskcfg.h"
#include "timeutil.h"

static void add_str_or_null(cJSON *o, const char *k, const char *s)
{
	if (s && *s)
		cJSON_AddStringToObject(o, k, s);
	else
		cJSON_AddNullToObject(o, k);
}

static void add_int_or_null(cJSON *o, const char *k, int64_t v, int64_t none)
{
	if (v == none)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, (double)v);
}

static void add_time(cJSON *o, const char *k, int64_t ms)
{
	char iso[40];

	if (ms == ZQ_TIME_NONE)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddStringToObject(o, k, zq_time_format_iso(ms, iso, sizeof(iso)));
}

static cJSON *config_of(const zq_task *t, int mask)
{
	cJSON *cfg = cJSON_Parse(t->config ? t->config : "{}"), *m;

	if (!cJSON_IsObject(cfg)) {
		cJSON_Delete(cfg);
		return NULL;
	}
	if (!mask)
		return cfg;
	m = taskcfg_masked(cfg);
	cJSON_Delete(cfg);
	return m;
}

cJSON *task_def_json(const zq_task *t, int mask)
{
	cJSON *o, *cfg = config_of(t, mask);

	if (!cfg)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", t->name);
	add_str_or_null(o, "job_id", t->job_id);
	cJSON_AddStringToObject(o, "task_type", zq_task_type_name(t->type));
	add_str_or_null(o, "cron_expression", t->cron_expression);
	add_int_or_null(o, "interval_seconds", t->interval_seconds, 0);
	add_time(o, "start_at", t->start_at_ms);
	add_time(o, "run_at", t->run_at_ms);
	cJSON_AddStringToObject(o, "timezone", t->timezone);
	cJSON_AddBoolToObject(o, "enabled", t->enabled);
	cJSON_AddBoolToObject(o, "paused", t->paused);
	add_str_or_null(o, "description", t->description);
	cJSON_AddItemToObject(o, "config", cfg);
	cJSON_AddNumberToObject(o, "max_retries", t->max_retries);
	cJSON_AddNumberToObject(o, "retry_interval", t->retry_interval);
	add_int_or_null(o, "timeout_seconds", t->timeout_seconds, 0);
	cJSON_AddNumberToObject(o, "max_instances", t->max_instances);
	cJSON_AddNumberToObject(o, "misfire_grace_seconds", t->misfire_grace_seconds);
	cJSON_AddBoolToObject(o, "coalesce", t->coalesce);
	add_str_or_null(o, "calendar", t->calendar_id ? t->calendar : NULL);
	add_str_or_null(o, "calendar_rule",
			t->calendar_id ? zq_cal_rule_name(t->calendar_rule) : NULL);
	return o;
}

/* ---- diff ------------------------------------------------------------------------- */

static void add_change(cJSON *out, const char *path, const cJSON *from, const cJSON *to)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "path", path);
	cJSON_AddItemToObject(c, "from", from ? cJSON_Duplicate(from, 1) : cJSON_CreateNull());
	cJSON_AddItemToObject(c, "to", to ? cJSON_Duplicate(to, 1) : cJSON_CreateNull());
	cJSON_AddItemToArray(out, c);
}

static void diff_value(cJSON *out, const char *path, const cJSON *a, const cJSON *b);

static void child_path(char *dst, size_t n, const char *path, const char *key)
{
	snprintf(dst, n, "%s%s%s", path, *path ? "." : "", key);
}

static void diff_object(cJSON *out, const char *path, const cJSON *a, const cJSON *b)
{
	char sub[512];
	const cJSON *x;

	cJSON_ArrayForEach(x, a) {
		child_path(sub, sizeof(sub), path, x->string);
		diff_value(out, sub, x, cJSON_GetObjectItemCaseSensitive(b, x->string));
	}
	cJSON_ArrayForEach(x, b) {
		if (cJSON_GetObjectItemCaseSensitive(a, x->string))
			continue;
		child_path(sub, sizeof(sub), path, x->string);
		diff_value(out, sub, NULL, x);
	}
}

static void diff_value(cJSON *out, const char *path, const cJSON *a, const cJSON *b)
{
	int a_null = !a || cJSON_IsNull(a), b_null = !b || cJSON_IsNull(b);

	if (a_null && b_null)
		return;
	if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
		diff_object(out, path, a, b);
		return;
	}
	if (a_null || b_null || !cJSON_Compare(a, b, 1))
		add_change(out, path, a_null ? NULL : a, b_null ? NULL : b);
}

cJSON *task_def_diff(const cJSON *a, const cJSON *b)
{
	cJSON *out = cJSON_CreateArray();

	diff_object(out, "", a, b);
	return out;
}

void task_def_diff_paths(const cJSON *diff, char *out, size_t outsz)
{
	const cJSON *c;
	size_t len = 0;

	if (!outsz)
		return;
	out[0] = '\0';
	cJSON_ArrayForEach(c, diff) {
		const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "path"));

		if (!p)
			continue;
		if (len + strlen(p) + 5 > outsz) {
			snprintf(out + len, outsz - len, "%s", len ? ",..." : "...");
			return;
		}
		len += (size_t)snprintf(out + len, outsz - len, "%s%s", len ? "," : "", p);
	}
}
