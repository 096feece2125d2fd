/* taskcfg_param.c - the parameters a task's config declares ("params":
 * names, types, defaults, patterns, ranges, enum values) and the check of
 * a run's values against them, down to the environment variables that
 * carry them (see taskcfg.h). */
#include "taskcfg.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonin.h"
#include "mem.h"
#include "task.h"
#include "taskcfg_int.h"
#include "timeutil.h"

#define DESCRIPTION_MAX 1000
#define PATTERN_MAX 512
#define STRING_MAX_LENGTH 4096
#define STRING_DEFAULT_LENGTH 256
#define ENUM_VALUES_MAX 100
#define ENUM_VALUE_MAX 256
#define JSON_INT_MAX 9007199254740991LL  /* 2^53 - 1: exact in a JSON number */

/* ---- dates -------------------------------------------------------------------------- */

static int is_date(const char *s)
{
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= zq_days_in_month(y, m);
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
		if (jin_string(v, f, 0, (size_t)p->max_length, 0, &s, err) < 0)
			return ZQ_EINVAL;
		if (p->has_re && regexec(&p->re, s, 0, NULL, 0) != 0)
			return zq_errf(err, ZQ_EINVAL, "%s: does not match the pattern %.200s", f,
				       p->pattern);
		return 0;
	case TASKCFG_P_INT:
		return jin_int(v, f, p->min, p->max, &n, err);
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
		if (jin_string(e, g, 1, ENUM_VALUE_MAX, 0, &s, err) < 0)
			return ZQ_EINVAL;
		for (const cJSON *b = v->child; b != e; b = b->next)
			if (strcmp(b->valuestring, s) == 0)
				return zq_errf(err, ZQ_EINVAL, "%s: '%.64s' is listed twice", g, s);
	}
	p->values = v;
	return 0;
}

/* Every field of spec known, and meant for p's type. */
static int check_spec_fields(const taskcfg_param *p, const cJSON *spec, const char *f,
			     zq_err *err)
{
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
	return 0;
}

/* A string parameter's "pattern" (v), compiled into p; g names it. */
static int parse_pattern(taskcfg_param *p, const cJSON *v, const char *g, zq_err *err)
{
	const char *s;
	char why[128];
	int rc;

	if (jin_string(v, g, 1, PATTERN_MAX, 0, &s, err) < 0)
		return ZQ_EINVAL;
	if ((rc = regcomp(&p->re, s, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, NULL, why, sizeof(why));
		return zq_errf(err, ZQ_EINVAL, "%s: not a POSIX extended regular expression (%s)", g,
			       why);
	}
	p->has_re = 1;
	p->pattern = s;
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
	if (!(v = taskcfg_member(spec, "type")) || !cJSON_IsString(v) ||
	    (p->type = ptype_parse(v->valuestring)) < 0)
		return zq_errf(err, ZQ_EINVAL, "%s.type: must be string, int, bool, date or enum", f);
	if (check_spec_fields(p, spec, f, err) < 0)
		return ZQ_EINVAL;
	snprintf(g, sizeof(g), "%s.description", f);
	if ((v = taskcfg_member(spec, "description")) && jin_string(v, g, 0, DESCRIPTION_MAX, 1, &s, err) < 0)
		return ZQ_EINVAL;
	snprintf(g, sizeof(g), "%s.max_length", f);
	if ((v = taskcfg_member(spec, "max_length"))) {
		if (jin_int(v, g, 1, STRING_MAX_LENGTH, &n, err) < 0)
			return ZQ_EINVAL;
		p->max_length = (int)n;
	}
	snprintf(g, sizeof(g), "%s.min", f);
	if ((v = taskcfg_member(spec, "min")) && jin_int(v, g, -JSON_INT_MAX, JSON_INT_MAX, &p->min, err) < 0)
		return ZQ_EINVAL;
	snprintf(g, sizeof(g), "%s.max", f);
	if ((v = taskcfg_member(spec, "max")) && jin_int(v, g, -JSON_INT_MAX, JSON_INT_MAX, &p->max, err) < 0)
		return ZQ_EINVAL;
	if (p->min > p->max)
		return zq_errf(err, ZQ_EINVAL, "%s.max: must not be below min", f);
	if (p->type == TASKCFG_P_ENUM && parse_enum_values(p, taskcfg_member(spec, "values"), f, err) < 0)
		return ZQ_EINVAL;
	snprintf(g, sizeof(g), "%s.pattern", f);
	if ((v = taskcfg_member(spec, "pattern")) && parse_pattern(p, v, g, err) < 0)
		return ZQ_EINVAL;
	snprintf(g, sizeof(g), "%s.default", f);
	if ((v = taskcfg_member(spec, "default"))) {
		if (check_value(p, v, g, err) < 0)
			return ZQ_EINVAL;
		p->dflt = v;
	}
	p->required = !p->dflt;
	snprintf(g, sizeof(g), "%s.required", f);
	if ((v = taskcfg_member(spec, "required"))) {
		if (!cJSON_IsBool(v))
			return zq_errf(err, ZQ_EINVAL, "%s: must be true or false", g);
		p->required = cJSON_IsTrue(v);
	}
	return 0;
}

int taskcfg_parse_params(taskcfg *c, zq_err *err)
{
	const cJSON *ps = taskcfg_member(c->root, "params");
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
		const cJSON *v = given ? taskcfg_member(given, p->name) : NULL;
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
