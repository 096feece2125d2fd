/* taskcfg.c - a task's config: rules, defaults, parameters, override
 * merge (see taskcfg.h). */
#include "taskcfg.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "task.h"

#define WORK_DIR_MAX 4096
#define ENV_NAME_MAX 128
#define ENV_VALUE_MAX 32768
#define MESSAGE_MAX 1024
#define DESCRIPTION_MAX 1000
#define PATTERN_MAX 512
#define STRING_MAX_LENGTH 4096
#define STRING_DEFAULT_LENGTH 256
#define ENUM_VALUES_MAX 100
#define ENUM_VALUE_MAX 256
#define JSON_INT_MAX 9007199254740991LL  /* 2^53 - 1: exact in a JSON number */
#define PATH_MAX_BYTES 160

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

/* ---- typed members ------------------------------------------------------------------ */

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static int has_ctl(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			return 1;
	return 0;
}

static int get_str(const cJSON *v, const char *f, size_t lo, size_t hi, int allow_ctl,
		   const char **out, zq_err *err)
{
	size_t n;

	if (!cJSON_IsString(v) || !v->valuestring)
		return zq_errf(err, ZQ_EINVAL, "%s: must be a string", f);
	n = utf8_chars(v->valuestring);
	if (n < lo || n > hi)
		return zq_errf(err, ZQ_EINVAL, "%s: must be %zu-%zu characters", f, lo, hi);
	if (!allow_ctl && has_ctl(v->valuestring))
		return zq_errf(err, ZQ_EINVAL, "%s: control characters are not allowed", f);
	*out = v->valuestring;
	return 0;
}

static int get_int(const cJSON *v, const char *f, int64_t lo, int64_t hi, int64_t *out,
		   zq_err *err)
{
	double d;

	if (!cJSON_IsNumber(v) || !isfinite(d = v->valuedouble) || floor(d) != d ||
	    d < (double)lo || d > (double)hi)
		return zq_errf(err, ZQ_EINVAL, "%s: must be an integer %lld-%lld", f, (long long)lo,
			       (long long)hi);
	*out = (int64_t)d;
	return 0;
}

static int get_num(const cJSON *v, const char *f, double lo, double hi, double *out, zq_err *err)
{
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo ||
	    v->valuedouble > hi)
		return zq_errf(err, ZQ_EINVAL, "%s: must be a number %g-%g", f, lo, hi);
	*out = v->valuedouble;
	return 0;
}

/* Member k of o, NULL when absent or JSON null (= not given). */
static const cJSON *member(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNull(v) ? NULL : v;
}

/* ---- dates -------------------------------------------------------------------------- */

static int is_date(const char *s)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, leap;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

/* ---- parameters --------------------------------------------------------------------- */

static const char *const ptype_names[] = {"string", "int", "bool", "date", "enum"};

static int ptype_parse(const char *s)
{
	for (int i = 0; i < (int)(sizeof(ptype_names) / sizeof(ptype_names[0])); i++)
		if (strcmp(ptype_names[i], s) == 0)
			return i;
	return -1;
}

static int valid_param_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > TASKCFG_PARAM_NAME_MAX || !(*s >= 'a' && *s <= 'z'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static void join_values(const cJSON *values, char *out, size_t outsz)
{
	size_t used = 0;

	out[0] = '\0';
	for (const cJSON *v = values ? values->child : NULL; v; v = v->next) {
		int n = snprintf(out + used, outsz - used, "%s%s", used ? ", " : "", v->valuestring);
		if (n < 0 || (size_t)n >= outsz - used) {
			if (outsz > 4)
				memcpy(out + outsz - 4, "...", 4);
			return;
		}
		used += (size_t)n;
	}
}

/* A value for p; f names it ("params.x", "config.params.x.default"). */
static int check_value(const taskcfg_param *p, const cJSON *v, const char *f, zq_err *err)
{
	const char *s;
	int64_t n;
	char list[256];

	switch (p->type) {
	case TASKCFG_P_STRING:
		if (get_str(v, f, 0, (size_t)p->max_length, 0, &s, err) < 0)
			return ZQ_EINVAL;
		if (p->has_re && regexec(&p->re, s, 0, NULL, 0) != 0)
			return zq_errf(err, ZQ_EINVAL, "%s: does not match the pattern %.200s", f,
				       p->pattern);
		return 0;
	case TASKCFG_P_INT:
		return get_int(v, f, p->min, p->max, &n, err);
	case TASKCFG_P_BOOL:
		if (!cJSON_IsBool(v))
			return zq_errf(err, ZQ_EINVAL, "%s: must be true or false", f);
		return 0;
	case TASKCFG_P_DATE:
		if (!cJSON_IsString(v) || !is_date(v->valuestring))
			return zq_errf(err, ZQ_EINVAL, "%s: must be a calendar date YYYY-MM-DD", f);
		return 0;
	default:
		if (cJSON_IsString(v))
			for (const cJSON *e = p->values->child; e; e = e->next)
				if (strcmp(e->valuestring, v->valuestring) == 0)
					return 0;
		join_values(p->values, list, sizeof(list));
		return zq_errf(err, ZQ_EINVAL, "%s: must be one of %s", f, list);
	}
}

static const char *const spec_fields[] = {"type", "description", "default", "required", "pattern",
					  "max_length", "min", "max", "values", NULL};

/* Which type a spec field belongs to (-1: every type). */
static int field_type(const char *k)
{
	if (strcmp(k, "pattern") == 0 || strcmp(k, "max_length") == 0)
		return TASKCFG_P_STRING;
	if (strcmp(k, "min") == 0 || strcmp(k, "max") == 0)
		return TASKCFG_P_INT;
	if (strcmp(k, "values") == 0)
		return TASKCFG_P_ENUM;
	return -1;
}

static int parse_enum_values(taskcfg_param *p, const cJSON *v, const char *f, zq_err *err)
{
	char g[PATH_MAX_BYTES + 24];   /* f plus ".values[N]" */
	int n = 0;
	const char *s;

	if (!v)
		return zq_errf(err, ZQ_EINVAL, "%s.values: required for an enum (a list of strings)", f);
	if (!cJSON_IsArray(v) || !v->child)
		return zq_errf(err, ZQ_EINVAL, "%s.values: must be a non-empty list of strings", f);
	for (const cJSON *e = v->child; e; e = e->next, n++) {
		snprintf(g, sizeof(g), "%s.values[%d]", f, n);
		if (n >= ENUM_VALUES_MAX)
			return zq_errf(err, ZQ_EINVAL, "%s.values: at most %d values", f,
				       ENUM_VALUES_MAX);
		if (get_str(e, g, 1, ENUM_VALUE_MAX, 0, &s, err) < 0)
			return ZQ_EINVAL;
		for (const cJSON *b = v->child; b != e; b = b->next)
			if (strcmp(b->valuestring, s) == 0)
				return zq_errf(err, ZQ_EINVAL, "%s: '%.64s' is listed twice", g, s);
	}
	p->values = v;
	return 0;
}

static int parse_spec(taskcfg_param *p, const char *name, const cJSON *spec, zq_err *err)
{
	char f[PATH_MAX_BYTES], g[2 * PATH_MAX_BYTES];
	const cJSON *v;
	const char *s;
	int64_t n;

	snprintf(f, sizeof(f), "config.params.%s", name);
	zq_strlcpy(p->name, name, sizeof(p->name));
	p->min = -JSON_INT_MAX;
	p->max = JSON_INT_MAX;
	p->max_length = STRING_DEFAULT_LENGTH;
	if (!cJSON_IsObject(spec))
		return zq_errf(err, ZQ_EINVAL, "%s: must be an object {\"type\": ...}", f);
	if (!(v = member(spec, "type")) || !cJSON_IsString(v) ||
	    (p->type = ptype_parse(v->valuestring)) < 0)
		return zq_errf(err, ZQ_EINVAL, "%s.type: must be string, int, bool, date or enum", f);
	for (const cJSON *a = spec->child; a; a = a->next) {
		int known = 0, t;
		for (const char *const *k = spec_fields; *k; k++)
			known |= strcmp(*k, a->string) == 0;
		if (!known)
			return zq_errf(err, ZQ_EINVAL, "%s.%.40s: unknown field", f, a->string);
		if ((t = field_type(a->string)) >= 0 && t != p->type)
			return zq_errf(err, ZQ_EINVAL, "%s.%s: only for %s parameters", f, a->string,
				       ptype_names[t]);
	}
	snprintf(g, sizeof(g), "%s.description", f);
	if ((v = member(spec, "description")) && get_str(v, g, 0, DESCRIPTION_MAX, 1, &s, err) < 0)
		return ZQ_EINVAL;
	snprintf(g, sizeof(g), "%s.max_length", f);
	if ((v = member(spec, "max_length"))) {
		if (get_int(v, g, 1, STRING_MAX_LENGTH, &n, err) < 0)
			return ZQ_EINVAL;
		p->max_length = (int)n;
	}
	snprintf(g, sizeof(g), "%s.min", f);
	if ((v = member(spec, "min")) && get_int(v, g, -JSON_INT_MAX, JSON_INT_MAX, &p->min, err) < 0)
		return ZQ_EINVAL;
	snprintf(g, sizeof(g), "%s.max", f);
	if ((v = member(spec, "max")) && get_int(v, g, -JSON_INT_MAX, JSON_INT_MAX, &p->max, err) < 0)
		return ZQ_EINVAL;
	if (p->min > p->max)
		return zq_errf(err, ZQ_EINVAL, "%s.max: must not be below min", f);
	if (p->type == TASKCFG_P_ENUM && parse_enum_values(p, member(spec, "values"), f, err) < 0)
		return ZQ_EINVAL;
	snprintf(g, sizeof(g), "%s.pattern", f);
	if ((v = member(spec, "pattern"))) {
		char why[128];
		int rc;
		if (get_str(v, g, 1, PATTERN_MAX, 0, &s, err) < 0)
			return ZQ_EINVAL;
		if ((rc = regcomp(&p->re, s, REG_EXTENDED | REG_NOSUB)) != 0) {
			regerror(rc, NULL, why, sizeof(why));
			return zq_errf(err, ZQ_EINVAL,
				       "%s: not a POSIX extended regular expression (%s)", g, why);
		}
		p->has_re = 1;
		p->pattern = s;
	}
	snprintf(g, sizeof(g), "%s.default", f);
	if ((v = member(spec, "default"))) {
		if (check_value(p, v, g, err) < 0)
			return ZQ_EINVAL;
		p->dflt = v;
	}
	p->required = !p->dflt;
	snprintf(g, sizeof(g), "%s.required", f);
	if ((v = member(spec, "required"))) {
		if (!cJSON_IsBool(v))
			return zq_errf(err, ZQ_EINVAL, "%s: must be true or false", g);
		p->required = cJSON_IsTrue(v);
	}
	return 0;
}

static int parse_params(taskcfg *c, zq_err *err)
{
	const cJSON *ps = member(c->root, "params");
	char f[PATH_MAX_BYTES];

	if (!ps)
		return 0;
	if (c->task_type == ZQ_TASK_WORKFLOW)
		return zq_errf(err, ZQ_EINVAL, "config.params: a workflow takes no parameters");
	if (!cJSON_IsObject(ps))
		return zq_errf(err, ZQ_EINVAL, "config.params: must be an object {NAME: {\"type\": ...}}");
	for (const cJSON *a = ps->child; a; a = a->next) {
		taskcfg_param *p;
		snprintf(f, sizeof(f), "config.params.%.40s", a->string);
		if (c->nparams == TASKCFG_PARAMS_MAX)
			return zq_errf(err, ZQ_EINVAL, "config.params: at most %d parameters",
				       TASKCFG_PARAMS_MAX);
		if (!valid_param_name(a->string))
			return zq_errf(err, ZQ_EINVAL, "%s: a parameter name is 1-%d of a-z, 0-9 and _, "
				       "starting with a letter", f, TASKCFG_PARAM_NAME_MAX);
		p = &c->params[c->nparams++];
		memset(p, 0, sizeof(*p));
		if (parse_spec(p, a->string, a, err) < 0)
			return ZQ_EINVAL;
	}
	return 0;
}

static const taskcfg_param *find_param(const taskcfg *c, const char *name)
{
	for (int i = 0; i < c->nparams; i++)
		if (strcmp(c->params[i].name, name) == 0)
			return &c->params[i];
	return NULL;
}

int taskcfg_resolve_params(const taskcfg *c, const cJSON *given, cJSON **out, zq_err *err)
{
	char f[PATH_MAX_BYTES], names[256];
	size_t used = 0;

	*out = NULL;
	if (cJSON_IsNull(given))
		given = NULL;
	if (given && !cJSON_IsObject(given))
		return zq_errf(err, ZQ_EINVAL, "params: must be an object {NAME: value}");
	names[0] = '\0';
	for (int i = 0; i < c->nparams && used < sizeof(names); i++) {
		int n = snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "",
				 c->params[i].name);
		used += n > 0 ? (size_t)n : 0;
	}
	for (const cJSON *a = given ? given->child : NULL; a; a = a->next)
		if (!find_param(c, a->string))
			return zq_errf(err, ZQ_EINVAL, "params.%.40s: unknown parameter (%s%s)", a->string,
				       c->nparams ? "this task declares: " : "this task declares none",
				       names);
	if (!c->nparams)
		return 0;
	*out = cJSON_CreateObject();
	for (int i = 0; i < c->nparams; i++) {
		const taskcfg_param *p = &c->params[i];
		const cJSON *v = given ? member(given, p->name) : NULL;
		snprintf(f, sizeof(f), "params.%s", p->name);
		if (!v)
			v = p->dflt;
		if (!v) {
			if (!p->required)
				continue;
			cJSON_Delete(*out);
			*out = NULL;
			return zq_errf(err, ZQ_EINVAL, "%s: required (%s)", f, ptype_names[p->type]);
		}
		if (check_value(p, v, f, err) < 0) {
			cJSON_Delete(*out);
			*out = NULL;
			return ZQ_EINVAL;
		}
		cJSON_AddItemToObject(*out, p->name, cJSON_Duplicate(v, 1));
	}
	return 0;
}

void taskcfg_param_env_name(const char *name, char *out, size_t outsz)
{
	size_t i = 0, n = strlen("ZQ_PARAM_");

	if (outsz <= n)
		return;
	memcpy(out, "ZQ_PARAM_", n);
	for (; name[i] && n + i + 1 < outsz; i++)
		out[n + i] = (char)toupper((unsigned char)name[i]);
	out[n + i] = '\0';
}

char *taskcfg_param_env_value(const cJSON *v)
{
	char num[32];

	if (cJSON_IsString(v))
		return zq_strdup(v->valuestring);
	if (cJSON_IsBool(v))
		return zq_strdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNumber(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)v->valuedouble);
		return zq_strdup(num);
	}
	return zq_strdup("");
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
		if (cJSON_IsString(e) ? get_str(e, f, 0, ENV_VALUE_MAX, 1, &s, err) < 0 :
		    !cJSON_IsBool(e) && !(cJSON_IsNumber(e) && isfinite(e->valuedouble)))
			return err->code ? ZQ_EINVAL : zq_errf(err, ZQ_EINVAL, "%s: must be a string, "
							      "number or bool", f);
	}
	c->env = env;
	return 0;
}

static int parse_command(taskcfg *c, zq_err *err)
{
	const cJSON *v = member(c->root, "command");

	if (!v)
		return zq_errf(err, ZQ_EINVAL, "config.command: required (the command line to run)");
	if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > TASKCFG_COMMAND_MAX)
		return zq_errf(err, ZQ_EINVAL, "config.command: must be a non-empty string of at "
			       "most %d bytes", TASKCFG_COMMAND_MAX);
	c->command = v->valuestring;
	if ((v = member(c->root, "work_dir")) &&
	    get_str(v, "config.work_dir", 1, WORK_DIR_MAX, 0, &c->work_dir, err) < 0)
		return ZQ_EINVAL;
	if ((v = member(c->root, "env")) && parse_env(c, v, err) < 0)
		return ZQ_EINVAL;
	if ((v = member(c->root, "run_as"))) {
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

	if ((v = member(c->root, "duration_seconds")) &&
	    get_num(v, "config.duration_seconds", 0, 86400, &c->duration_s, err) < 0)
		return ZQ_EINVAL;
	if ((v = member(c->root, "steps"))) {
		if (get_int(v, "config.steps", 1, 1000, &n, err) < 0)
			return ZQ_EINVAL;
		c->steps = (int)n;
	}
	if ((v = member(c->root, "success_rate")) &&
	    get_num(v, "config.success_rate", 0, 1, &c->success_rate, err) < 0)
		return ZQ_EINVAL;
	if ((v = member(c->root, "message")) &&
	    get_str(v, "config.message", 0, MESSAGE_MAX, 1, &c->message, err) < 0)
		return ZQ_EINVAL;
	return 0;
}

static int parse_common(taskcfg *c, zq_err *err)
{
	const cJSON *v;
	int64_t n;

	if ((v = member(c->root, "retry_backoff")) &&
	    get_num(v, "config.retry_backoff", 1, 100, &c->retry_backoff, err) < 0)
		return ZQ_EINVAL;
	if ((v = member(c->root, "timeout_seconds"))) {
		if (get_int(v, "config.timeout_seconds", 1, 604800, &n, err) < 0)
			return ZQ_EINVAL;
		c->timeout_s = (int)n;
	}
	if ((v = member(c->root, "retry_max_interval"))) {
		if (get_int(v, "config.retry_max_interval", 1, 365 * 86400, &n, err) < 0)
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
	return parse_params(c, err);
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
		size_t cut = max_bytes - 4;
		while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
			cut--;  /* never inside a UTF-8 sequence */
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
