/* jsonin.c - typed, field-named access to parsed JSON input (see jsonin.h). */
#include "jsonin.h"

#include <math.h>
#include <string.h>

#include "taskcfg.h"
#include "timeutil.h"
#include "utf8.h"

/* A JSON "\u0000" escape (not itself escaped) would end a C string early
 * inside cJSON and silently truncate the value. */
static int has_nul_escape(const char *s, size_t n)
{
	for (size_t i = 0; i + 6 <= n; i++) {
		size_t bs = 0;
		if (s[i] != '\\' || s[i + 1] != 'u' || memcmp(s + i + 2, "0000", 4) != 0)
			continue;
		while (bs < i && s[i - 1 - bs] == '\\')
			bs++;
		if (bs % 2 == 0)
			return 1;
	}
	return 0;
}

int jin_parse(const char *body, size_t len, cJSON **out, zq_err *err)
{
	const char *end = NULL;

	*out = NULL;
	if (zq_utf8_check(body, len, NULL) < 0)
		return zq_errf(err, ZQ_EINVAL, "body: not valid UTF-8");
	if (memchr(body, '\0', len) || has_nul_escape(body, len))
		return zq_errf(err, ZQ_EINVAL, "body: NUL characters are not allowed");
	*out = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (!*out) {
		long off = end && end >= body ? (long)(end - body) : 0;
		return zq_errf(err, ZQ_EINVAL, "body: malformed JSON near byte %ld", off);
	}
	while (end && end < body + len && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
		end++;
	if (end && end < body + len) {
		cJSON_Delete(*out);
		*out = NULL;
		return zq_errf(err, ZQ_EINVAL, "body: unexpected data after the JSON value at byte %ld",
			       (long)(end - body));
	}
	/* a key given twice would be read one way here and another by a browser's
	 * JSON.parse (cJSON takes the first, JSON.parse the last); MariaDB's JSON
	 * functions stop at 32 levels */
	if (taskcfg_json_check(*out, TASKCFG_JSON_DEPTH_MAX, "body", err) < 0) {
		cJSON_Delete(*out);
		*out = NULL;
		return ZQ_EINVAL;
	}
	return 0;
}

static int in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

int jin_check_fields(const cJSON *obj, const char *prefix, const char *const *allowed,
		     const char *const *readonly, zq_err *err)
{
	for (const cJSON *a = obj->child; a; a = a->next) {
		const char *k = a->string ? a->string : "";
		if (!in_list(allowed, k)) {
			const char *why = in_list(readonly, k) ? "read-only field" : "unknown field";
			return zq_errf(err, ZQ_EINVAL, "%s%.100s: %s", prefix, k, why);
		}
		for (const cJSON *b = obj->child; b != a; b = b->next)
			if (b->string && strcmp(b->string, k) == 0)
				return zq_errf(err, ZQ_EINVAL, "%s%.100s: given twice", prefix, k);
	}
	return 0;
}

const cJSON *jin_get(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

int jin_int(const cJSON *v, const char *field, int64_t min, int64_t max, int64_t *out,
	    zq_err *err)
{
	double d;

	if (!cJSON_IsNumber(v) || !isfinite(d = v->valuedouble) || floor(d) != d ||
	    d < (double)min || d > (double)max)
		return zq_errf(err, ZQ_EINVAL, "%s: must be an integer %lld-%lld", field,
			       (long long)min, (long long)max);
	*out = (int64_t)d;
	return 0;
}

int jin_number(const cJSON *v, const char *field, double min, double max, double *out,
	       zq_err *err)
{
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < min ||
	    v->valuedouble > max)
		return zq_errf(err, ZQ_EINVAL, "%s: must be a number %g-%g", field, min, max);
	*out = v->valuedouble;
	return 0;
}

int jin_bool(const cJSON *v, const char *field, int *out, zq_err *err)
{
	if (!cJSON_IsBool(v))
		return zq_errf(err, ZQ_EINVAL, "%s: must be true or false", field);
	*out = cJSON_IsTrue(v);
	return 0;
}

int jin_string(const cJSON *v, const char *field, size_t min_chars, size_t max_chars,
	       int allow_ctl, const char **out, zq_err *err)
{
	size_t n;

	if (!cJSON_IsString(v) || !v->valuestring)
		return zq_errf(err, ZQ_EINVAL, "%s: must be a string", field);
	if (zq_utf8_check(v->valuestring, strlen(v->valuestring), &n) < 0)
		return zq_errf(err, ZQ_EINVAL, "%s: not valid UTF-8", field);
	if (n < min_chars || n > max_chars) {
		if (min_chars == max_chars)
			return zq_errf(err, ZQ_EINVAL, "%s: must be %zu characters", field, min_chars);
		return zq_errf(err, ZQ_EINVAL, "%s: must be %zu-%zu characters", field, min_chars,
			       max_chars);
	}
	if (!allow_ctl)
		for (const unsigned char *p = (const unsigned char *)v->valuestring; *p; p++)
			if (*p < 0x20 || *p == 0x7F)
				return zq_errf(err, ZQ_EINVAL,
					       "%s: control characters are not allowed", field);
	*out = v->valuestring;
	return 0;
}

int jin_time(const cJSON *v, const char *field, int64_t *out, zq_err *err)
{
	if (!cJSON_IsString(v) || zq_time_parse_iso(v->valuestring, out) < 0)
		return zq_errf(err, ZQ_EINVAL,
			       "%s: must be an ISO-8601 time such as 2026-01-20T10:00:00Z", field);
	return 0;
}
