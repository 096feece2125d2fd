/* taskcfg.h - a task's config, one place for its rules: the keys each task
 * type reads, their defaults and ranges, the parameters a task declares,
 * the check of a trigger's parameter values and the merge of an admin's
 * one-off override. zq-api validates with it (create, update, trigger) and
 * zq-scheduler runs from it, so what was accepted is exactly what runs.
 * taskcfg.c owns the config keys, overrides and masking; taskcfg_param.c
 * the parameter declarations and a run's values.
 *
 * Pure: no database, no clock. Messages name the field at fault
 * ("config.params.ts_code.pattern: ...", "params.start_date: ...").
 *
 * Config keys (manual_task / common_task):
 *   command            string, 1-65536 bytes, required
 *   work_dir           string, 1-4096 characters, or null
 *   env                {NAME: string | number | bool}, at most 200
 *   run_as             "" (the daemon's user) or a user name / numeric uid
 *   params             parameter declarations (below)
 * example_task: duration_seconds 0-86400 (3), steps 1-1000 (5),
 *   success_rate 0-1 (1.0), message (<= 1024 chars, "example task
 *   finished"), params. Every type: timeout_seconds 1-604800 or null,
 *   retry_backoff 1-100 (1.0), retry_max_interval 1-31536000 seconds or
 *   null (no cap). Other keys are kept and ignored. Workflow configs are
 *   db/core/wf_graph.c's; here only the JSON shape and those keys are checked.
 *   An absent key and a JSON null are the same: the default.
 *
 * Parameters: "params": {NAME: SPEC}, NAME ^[a-z][a-z0-9_]{0,31}$, at most
 * 32; SPEC {"type": string|int|bool|date|enum, "description", "default",
 * "required" (default: no default given), "pattern" (string: POSIX ERE,
 * anchored by the author), "max_length" (string: 1-4096, 256), "min" /
 * "max" (int), "values" (enum: 1-100 strings)}. A run's resolved values
 * reach a command only as environment variables ZQ_PARAM_<NAME upper>. */
#ifndef ZQ_TASKCFG_H
#define ZQ_TASKCFG_H

#include <cjson/cJSON.h>
#include <regex.h>
#include <stdint.h>

#include "err.h"

#define TASKCFG_JSON_DEPTH_MAX 30   /* nesting of any JSON the API accepts */
#define TASKCFG_PARAMS_MAX 32
#define TASKCFG_PARAM_NAME_MAX 32
#define TASKCFG_COMMAND_MAX 65536
#define TASKCFG_ENV_MAX 200
#define TASKCFG_MASK "***"          /* what non-admins see for an env value */

enum taskcfg_ptype {
	TASKCFG_P_STRING = 0,
	TASKCFG_P_INT,
	TASKCFG_P_BOOL,
	TASKCFG_P_DATE,
	TASKCFG_P_ENUM,
};

typedef struct taskcfg_param {
	char name[TASKCFG_PARAM_NAME_MAX + 1];
	int type;                   /* enum taskcfg_ptype */
	int required;
	const cJSON *dflt;          /* NULL = no default (points into the config) */
	const char *pattern;        /* string: NULL = any (points into the config) */
	int has_re;
	regex_t re;
	int max_length;             /* string, characters */
	int64_t min, max;           /* int (INT64 limits when not given) */
	const cJSON *values;        /* enum: array of strings */
} taskcfg_param;

typedef struct taskcfg {
	int task_type;              /* enum zq_task_type */
	cJSON *root;                /* the config as parsed (owned) */
	/* command tasks */
	const char *command;        /* NULL for other types */
	const char *work_dir;       /* NULL = the daemon's directory */
	const cJSON *env;           /* object, NULL = none */
	const char *run_as;         /* "" = the daemon's user */
	/* example tasks */
	double duration_s, success_rate;
	int steps;
	const char *message;
	/* every type */
	int timeout_s;              /* 0 = none */
	double retry_backoff;       /* >= 1 */
	int retry_max_interval_s;   /* 0 = no cap */
	taskcfg_param params[TASKCFG_PARAMS_MAX];
	int nparams;
} taskcfg;

void taskcfg_init(taskcfg *c);
void taskcfg_release(taskcfg *c);

/* Check config (a JSON object) for task type (enum zq_task_type) and fill
 * c with its values and the defaults. c keeps a copy of config. */
int taskcfg_parse(taskcfg *c, int task_type, const cJSON *config, zq_err *err);

/* Parse JSON text as taskcfg_json_check would accept it; *out owned. */
int taskcfg_json_parse(const char *text, const char *what, cJSON **out, zq_err *err);

/* No object of v has a key twice, and v is nested at most max_depth
 * arrays / objects deep ({} is 1). what names v in messages ("body"). */
int taskcfg_json_check(const cJSON *v, int max_depth, const char *what, zq_err *err);

/* base with override's top-level members replacing its own (a new object
 * in *out). override must be an object; env values TASKCFG_MASK in it
 * stand for base's value (taskcfg_unmask). */
int taskcfg_merge(const cJSON *base, const cJSON *override, cJSON **out, zq_err *err);

/* The values of a run: given (an object or NULL) checked against c's
 * declarations, defaults filled in. *out is an object NAME -> value
 * (string, integer number or bool), or NULL when c declares no params and
 * none were given. Unknown names, missing required ones and bad values
 * fail naming "params.NAME". */
int taskcfg_resolve_params(const taskcfg *c, const cJSON *given, cJSON **out, zq_err *err);

/* "ZQ_PARAM_" + NAME upper-cased (out: at least 48 bytes). */
void taskcfg_param_env_name(const char *name, char *out, size_t outsz);
/* A resolved value as the environment carries it: strings as they are,
 * bools "true" / "false", integers in decimal. Heap string. */
char *taskcfg_param_env_value(const cJSON *v);

/* A copy of config with every env value replaced by TASKCFG_MASK. */
cJSON *taskcfg_masked(const cJSON *config);
/* Env values of config equal to TASKCFG_MASK take stored's value for the
 * same name (stored may be NULL); one without a stored value fails naming
 * "<prefix>.env.NAME". */
int taskcfg_unmask(cJSON *config, const cJSON *stored, const char *prefix, zq_err *err);

/* Audit text of an override: its JSON with env values masked, cut to
 * max_bytes (with "..."). Heap string. */
char *taskcfg_audit_text(const cJSON *override, size_t max_bytes);

/* Give cJSON the project's aborting allocator (call once, first thing). */
void taskcfg_json_hooks(void);

#endif
