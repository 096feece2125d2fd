/* jsonin.h - reading JSON input (cJSON) with errors that name the field:
 * request bodies in zq-api, and a task's config and parameter values in
 * taskcfg (the one copy of these typed getters). Pure.
 *
 * Every getter takes the field's display name ("config.tasks[2].task_id")
 * and fails with ZQ_EINVAL and a message such as
 * "max_retries: must be an integer 0-100". Bodies are valid UTF-8
 * (jin_parse rejects those that are not); jin_string checks again. */
#ifndef ZQ_JSONIN_H
#define ZQ_JSONIN_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Parse a request body: valid UTF-8, no \u0000, well-formed JSON with
 * nothing after it, no object with a key given twice and at most
 * TASKCFG_JSON_DEPTH_MAX (30) levels of arrays / objects ("body.config:
 * key 'command' given twice", "body: nested deeper than 30 levels").
 * *out is owned by the caller (cJSON_Delete). */
int jin_parse(const char *body, size_t len, cJSON **out, zq_err *err);

/* Every member of obj must be named in allowed; names in readonly give
 * "<name>: read-only field", others "<name>: unknown field"; a name given
 * twice fails too. prefix ("" or "config.") is put before names. */
int jin_check_fields(const cJSON *obj, const char *prefix, const char *const *allowed,
		     const char *const *readonly, zq_err *err);

int jin_int(const cJSON *v, const char *field, int64_t min, int64_t max, int64_t *out,
	    zq_err *err);
int jin_number(const cJSON *v, const char *field, double min, double max, double *out,
	       zq_err *err);
int jin_bool(const cJSON *v, const char *field, int *out, zq_err *err);
/* A string of min_chars..max_chars characters (code points) that contains
 * no control characters unless allow_ctl. */
int jin_string(const cJSON *v, const char *field, size_t min_chars, size_t max_chars,
	       int allow_ctl, const char **out, zq_err *err);
/* ISO-8601 string -> ms. */
int jin_time(const cJSON *v, const char *field, int64_t *out, zq_err *err);

/* Member of obj by exact name, NULL when absent (cJSON's own lookup is
 * case-insensitive). */
const cJSON *jin_get(const cJSON *obj, const char *name);

#endif
