/* taskcfg.c - a task's config: the JSON shape every config and body must
 * have, the keys each task type reads with their defaults and ranges, and
 * the override merge and env masking (see taskcfg.h). The parameters a
 * config declares are taskcfg_param.c's. */
#include "taskcfg.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonin.h"
#include "mem.h"
#include "task.h"
#include "taskcfg_int.h"
#include "utf8.h"

#define WORK_DIR_MAX 4096
#define ENV_NAME_MAX 128
#define ENV_VALUE_MAX 32768
#define MESSAGE_MAX 1024

/* ---- JSON shape ------------------------------------------------------------------- */

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The key of obj given twice, or NULL. */
static const char *duplicate_key(const cJSON *obj)
{
	const char **keys, *dup = NULL;
	size_t n = 0, i = 0;

	for (const cJSON *a = obj->child; a; a = a->next)
		n++;
	if (n < 2)
		return NULL;
	if (n <= 16) {
		for (const cJSON *a = obj->child; a && !dup; a = a->next)
			for (const cJSON *b = obj->child; b != a && !dup; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					dup = a->string;
		return dup;
	}
	keys = zq_calloc(n, sizeof(*keys));
	for (const cJSON *a = obj->child; a; a = a->next)
		keys[i++] = a->string;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 1; i < n && !dup; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			dup = keys[i];
	free(keys);
	return dup;
}

static int check_node(const cJSON *v, int depth, int max, char *path, size_t len, zq_err *err)
{
	const char *dup;
	size_t i = 0;

	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return 0;
	if (depth > max)
		return zq_errf(err, ZQ_EINVAL, "%s: nested deeper than %d levels", path, max);
	if (cJSON_IsObject(v) && (dup = duplicate_key(v)) != NULL)
		return zq_errf(err, ZQ_EINVAL, "%s: key '%.64s' given twice", path, dup);
	for (const cJSON *c = v->child; c; c = c->next, i++) {
		if (cJSON_IsObject(v))
			snprintf(path + len, PATH_MAX_BYTES - len, ".%.40s", c->string);
		else
			snprintf(path + len, PATH_MAX_BYTES - len, "[%zu]", i);
		if (check_node(c, depth + 1, max, path, strlen(path), err) < 0)
			return ZQ_EINVAL;
		path[len] = '\0';
	}
	return 0;
}

int taskcfg_json_check(const cJSON *v, int max_depth, const char *what, zq_err *err)
{
	char path[PATH_MAX_BYTES];

	snprintf(path, sizeof(path), "%s", what);
	return check_node(v, 1, max_depth, path, strlen(path), err);
}

int taskcfg_json_parse(const char *text, const char *what, cJSON **out, zq_err *err)
{
	*out = text ? cJSON_Parse(text) : NULL;
	if (!*out)
		return zq_errf(err, ZQ_EINVAL, "%s: not valid JSON", what);
	if (taskcfg_json_check(*out, TASKCFG_JSON_DEPTH_MAX, what, err) < 0) {
		cJSON_Delete(*out);
		*out = NULL;
		return ZQ_EINVAL;
	}
	return 0;
}

/* ---- the config ----------------------------------------------------------------------- */

void taskcfg_init(taskcfg *c)
{
	memset(c, 0, sizeof(*c));
	c->task_type = -1;
	c->run_as = "";
	c->retry_backoff = 1.0;
	c->duration_s = 3;
	c->success_rate = 1.0;
	c->steps = 5;
	c->message = "example task finished";
}

void taskcfg_release(taskcfg *c)
{
	for (int i = 0; i < c->nparams; i++)
		if (c->params[i].has_re)
			regfree(&c->params[i].re);
	cJSON_Delete(c->root);
	taskcfg_init(c);
}

static int valid_run_as(const char *s)
{
	size_t n = strlen(s);
	int digits = 1;

	if (n == 0)
		return 1;
	if (n > 32)
		return 0;
	for (const char *p = s; *p; p++)
		digits &= isdigit((unsigned char)*p) != 0;
	if (digits)
		return n <= 10 && strtoull(s, NULL, 10) < 4294967295ULL;
	if (!(*s == '_' || (*s >= 'a' && *s <= 'z')))
		return 0;
	for (const char *p = s; *p; p++)
		if (!(*p == '_' || *p == '-' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

static int parse_env(taskcfg *c, const cJSON *env, zq_err *err)
{
	char f[PATH_MAX_BYTES];
	const char *s;
	int n = 0;

	if (!cJSON_IsObject(env))
		return zq_errf(err, ZQ_EINVAL, "config.env: must be an object {NAME: value}");
	for (const cJSON *e = env->child; e; e = e->next, n++) {
		const char *k = e->string;
		int ok = *k && (isalpha((unsigned char)*k) || *k == '_') && strlen(k) <= ENV_NAME_MAX;
		for (const char *p = k; ok && *p; p++)
			ok = isalnum((unsigned char)*p) || *p == '_';
		if (n >= TASKCFG_ENV_MAX)
			return zq_errf(err, ZQ_EINVAL, "config.env: at most %d variables", TASKCFG_ENV_MAX);
		if (!ok)
			return zq_errf(err, ZQ_EINVAL, "config.env: bad variable name '%.64s'", k);
		snprintf(f, sizeof(f), "config.env.%.64s", k);
		if (cJSON_IsString(e) ? jin_string(e, f, 0, ENV_VALUE_MAX, 1, &s, err) < 0 :
		    !cJSON_IsBool(e) && !(cJSON_IsNumber(e) && isfinite(e->valuedouble)))
			return err->code ? ZQ_EINVAL : zq_errf(err, ZQ_EINVAL, "%s: must be a string, "
							      "number or bool", f);
	}
	c->env = env;
	return 0;
}

static int parse_command(taskcfg *c, zq_err *err)
{
	const cJSON *v = taskcfg_member(c->root, "command");

	if (!v)
		return zq_errf(err, ZQ_EINVAL, "config.command: required (the command line to run)");
	if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > TASKCFG_COMMAND_MAX)
		return zq_errf(err, ZQ_EINVAL, "config.command: must be a non-empty string of at "
			       "most %d bytes", TASKCFG_COMMAND_MAX);
	c->command = v->valuestring;
	if ((v = taskcfg_member(c->root, "work_dir")) &&
	    jin_string(v, "config.work_dir", 1, WORK_DIR_MAX, 0, &c->work_dir, err) < 0)
		return ZQ_EINVAL;
	if ((v = taskcfg_member(c->root, "env")) && parse_env(c, v, err) < 0)
		return ZQ_EINVAL;
	if ((v = taskcfg_member(c->root, "run_as"))) {
		if (!cJSON_IsString(v) || !valid_run_as(v->valuestring))
			return zq_errf(err, ZQ_EINVAL, "config.run_as: must be \"\", a user name "
				       "([a-z_][a-z0-9_-]*, at most 32) or a numeric uid");
		c->run_as = v->valuestring;
	}
	return 0;
}

static int parse_example(taskcfg *c, zq_err *err)
{
	const cJSON *v;
	int64_t n;

	if ((v = taskcfg_member(c->root, "duration_seconds")) &&
	    jin_number(v, "config.duration_seconds", 0, 86400, &c->duration_s, err) < 0)
		return ZQ_EINVAL;
	if ((v = taskcfg_member(c->root, "steps"))) {
		if (jin_int(v, "config.steps", 1, 1000, &n, err) < 0)
			return ZQ_EINVAL;
		c->steps = (int)n;
	}
	if ((v = taskcfg_member(c->root, "success_rate")) &&
	    jin_number(v, "config.success_rate", 0, 1, &c->success_rate, err) < 0)
		return ZQ_EINVAL;
	if ((v = taskcfg_member(c->root, "message")) &&
	    jin_string(v, "config.message", 0, MESSAGE_MAX, 1, &c->message, err) < 0)
		return ZQ_EINVAL;
	return 0;
}

static int parse_common(taskcfg *c, zq_err *err)
{
	const cJSON *v;
	int64_t n;

	if ((v = taskcfg_member(c->root, "retry_backoff")) &&
	    jin_number(v, "config.retry_backoff", 1, 100, &c->retry_backoff, err) < 0)
		return ZQ_EINVAL;
	if ((v = taskcfg_member(c->root, "timeout_seconds"))) {
		if (jin_int(v, "config.timeout_seconds", 1, 604800, &n, err) < 0)
			return ZQ_EINVAL;
		c->timeout_s = (int)n;
	}
	if ((v = taskcfg_member(c->root, "retry_max_interval"))) {
		if (jin_int(v, "config.retry_max_interval", 1, 365 * 86400, &n, err) < 0)
			return ZQ_EINVAL;
		c->retry_max_interval_s = (int)n;
	}
	return 0;
}

int taskcfg_parse(taskcfg *c, int task_type, const cJSON *config, zq_err *err)
{
	taskcfg_release(c);
	c->task_type = task_type;
	if (!cJSON_IsObject(config))
		return zq_errf(err, ZQ_EINVAL, "config: must be a JSON object");
	if (taskcfg_json_check(config, TASKCFG_JSON_DEPTH_MAX, "config", err) < 0)
		return ZQ_EINVAL;
	c->root = cJSON_Duplicate(config, 1);
	if (parse_common(c, err) < 0)
		return ZQ_EINVAL;
	switch (task_type) {
	case ZQ_TASK_MANUAL:
	case ZQ_TASK_COMMON:
		if (parse_command(c, err) < 0)
			return ZQ_EINVAL;
		break;
	case ZQ_TASK_EXAMPLE:
		if (parse_example(c, err) < 0)
			return ZQ_EINVAL;
		break;
	case ZQ_TASK_WORKFLOW:
		break;
	default:
		return zq_errf(err, ZQ_EINVAL, "task_type: unknown");
	}
	return taskcfg_parse_params(c, err);
}

/* ---- overrides and secrets ------------------------------------------------------------ */

int taskcfg_merge(const cJSON *base, const cJSON *override, cJSON **out, zq_err *err)
{
	cJSON *m;

	*out = NULL;
	if (!cJSON_IsObject(override))
		return zq_errf(err, ZQ_EINVAL, "override: must be an object of config keys");
	m = cJSON_IsObject(base) ? cJSON_Duplicate(base, 1) : cJSON_CreateObject();
	for (const cJSON *o = override->child; o; o = o->next) {
		cJSON *copy = cJSON_Duplicate(o, 1);
		if (cJSON_GetObjectItemCaseSensitive(m, o->string))  /* in place: keys keep their order */
			cJSON_ReplaceItemInObjectCaseSensitive(m, o->string, copy);
		else
			cJSON_AddItemToObject(m, o->string, copy);
	}
	if (taskcfg_unmask(m, base, "override", err) < 0) {
		cJSON_Delete(m);
		return ZQ_EINVAL;
	}
	*out = m;
	return 0;
}

cJSON *taskcfg_masked(const cJSON *config)
{
	cJSON *copy = cJSON_Duplicate(config, 1);
	cJSON *env = cJSON_GetObjectItemCaseSensitive(copy, "env"), *masked;

	if (!cJSON_IsObject(env))
		return copy;
	masked = cJSON_CreateObject();
	for (const cJSON *e = env->child; e; e = e->next)
		cJSON_AddStringToObject(masked, e->string, TASKCFG_MASK);
	cJSON_ReplaceItemInObjectCaseSensitive(copy, "env", masked);
	return copy;
}

int taskcfg_unmask(cJSON *config, const cJSON *stored, const char *prefix, zq_err *err)
{
	cJSON *env = cJSON_GetObjectItemCaseSensitive(config, "env");
	const cJSON *old = stored ? cJSON_GetObjectItemCaseSensitive(stored, "env") : NULL;

	if (!cJSON_IsObject(env))
		return 0;
	for (cJSON *e = env->child, *next; e; e = next) {
		const cJSON *was;
		next = e->next;
		if (!cJSON_IsString(e) || strcmp(e->valuestring, TASKCFG_MASK) != 0)
			continue;
		was = cJSON_IsObject(old) ? cJSON_GetObjectItemCaseSensitive(old, e->string) : NULL;
		if (!was)
			return zq_errf(err, ZQ_EINVAL, "%s.env.%.64s: \"" TASKCFG_MASK "\" keeps the "
				       "stored value, and this variable has none: send its value",
				       prefix, e->string);
		cJSON_ReplaceItemViaPointer(env, e, cJSON_Duplicate(was, 1));
	}
	return 0;
}

char *taskcfg_audit_text(const cJSON *override, size_t max_bytes)
{
	cJSON *m = taskcfg_masked(override);
	char *text = cJSON_PrintUnformatted(m), *out;
	size_t n = text ? strlen(text) : 0;

	cJSON_Delete(m);
	if (n < max_bytes || max_bytes < 8) {
		out = zq_strdup(text ? text : "");
	} else {
		size_t cut = zq_utf8_cut(text, n, max_bytes - 4);
		out = zq_malloc(cut + 4);
		memcpy(out, text, cut);
		memcpy(out + cut, "...", 4);
	}
	cJSON_free(text);
	return out;
}

void taskcfg_json_hooks(void)
{
	cJSON_Hooks hooks = {zq_malloc, free};

	cJSON_InitHooks(&hooks);
}
