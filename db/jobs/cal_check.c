/* cal_check.c - the checks of a calendar's fields (cal_check.h). */
#include "cal_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonin.h"
#include "mem.h"
#include "timeutil.h"
#include "tz.h"

static int check_name(const cJSON *v, const char *pfx, char out[65], zq_err *err)
{
	const char *s;
	char f[64];
	int digits = 1;

	snprintf(f, sizeof(f), "%sname", pfx);
	if (jin_string(v, f, 1, 64, 0, &s, err) < 0)
		return ZQ_EINVAL;
	for (const char *p = s; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-", *p)))
			return zq_errf(err, ZQ_EINVAL, "%s: only letters, digits and "
				       ". _ - are allowed (it is used in paths)", f);
		digits &= *p >= '0' && *p <= '9';
	}
	if (digits)
		return zq_errf(err, ZQ_EINVAL, "%s: must not be all digits (that is an id)", f);
	zq_strlcpy(out, s, 65);
	return 0;
}

static int check_weekend(const cJSON *v, const char *pfx, unsigned char *mask, zq_err *err)
{
	int i = 0;

	if (!cJSON_IsArray(v))
		return zq_errf(err, ZQ_EINVAL, "%sweekend: must be an array of ISO weekdays "
			       "(1 = Monday .. 7 = Sunday), e.g. [6, 7]", pfx);
	*mask = 0;
	for (const cJSON *d = v->child; d; d = d->next, i++) {
		char f[64];
		int64_t n;
		snprintf(f, sizeof(f), "%sweekend[%d]", pfx, i);
		if (jin_int(d, f, 1, 7, &n, err) < 0)
			return ZQ_EINVAL;
		if (*mask & (1u << n))
			return zq_errf(err, ZQ_EINVAL, "%s: %d given twice", f, (int)n);
		*mask |= (unsigned char)(1u << n);
	}
	return 0;
}

int cal_check_day(const cJSON *v, const char *field, int null_ok, int32_t *day, zq_err *err)
{
	if (cJSON_IsNull(v) && null_ok) {
		*day = ZQ_CAL_NO_DAY;
		return 0;
	}
	if (!cJSON_IsString(v))
		return zq_errf(err, ZQ_EINVAL, "%s: must be a date (YYYY-MM-DD)%s", field,
			       null_ok ? " or null" : "");
	if (zq_day_parse(v->valuestring, day) < 0)
		return zq_errf(err, ZQ_EINVAL, "%s: '%.40s' is not a date", field, v->valuestring);
	return 0;
}

int cal_check_day_list(const cJSON *obj, const char *pfx, const char *key, int kind,
		       zq_calendar *cal, zq_err *err)
{
	const cJSON *v = jin_get(obj, key), *d;
	int i = 0;

	if (!v)
		return 0;
	if (!cJSON_IsArray(v))
		return zq_errf(err, ZQ_EINVAL, "%s%s: must be an array of dates (YYYY-MM-DD)",
			       pfx, key);
	if (cJSON_GetArraySize(v) > CALENDAR_DAYS_MAX)
		return zq_errf(err, ZQ_EINVAL, "%s%s: at most %d days", pfx, key,
			       CALENDAR_DAYS_MAX);
	if (kind == ZQ_CAL_HOLIDAY)
		cal->nholidays = 0;
	else
		cal->nworkdays = 0;
	for (d = v->child; d; d = d->next, i++) {
		char f[64];
		int32_t day;
		snprintf(f, sizeof(f), "%s%s[%d]", pfx, key, i);
		if (cJSON_IsNull(d))
			return zq_errf(err, ZQ_EINVAL, "%s: must be a date (YYYY-MM-DD)", f);
		if (cal_check_day(d, f, 1, &day, err) < 0)
			return ZQ_EINVAL;
		zq_cal_add(cal, day, kind);
	}
	return 0;
}

static int check_text(const cJSON *obj, const char *pfx, calendar_row *r, zq_err *err)
{
	const cJSON *v;
	const char *s;
	char f[64];
	zq_err e;

	if ((v = jin_get(obj, "description"))) {
		snprintf(f, sizeof(f), "%sdescription", pfx);
		if (cJSON_IsNull(v))
			s = NULL;
		else if (jin_string(v, f, 0, 10000, 1, &s, err) < 0)
			return ZQ_EINVAL;
		free(r->description);
		r->description = s ? zq_strdup(s) : NULL;
	}
	if ((v = jin_get(obj, "timezone"))) {
		snprintf(f, sizeof(f), "%stimezone", pfx);
		if (jin_string(v, f, 1, 64, 0, &s, err) < 0)
			return ZQ_EINVAL;
		if (!zq_tz_get(s, &e))
			return zq_errf(err, ZQ_EINVAL, "%s: unknown time zone '%.64s'", f, s);
		zq_strlcpy(r->timezone, s, sizeof(r->timezone));
	}
	return 0;
}

int cal_check_fields(const cJSON *obj, const char *pfx, int create, calendar_row *r,
		     zq_err *err)
{
	const cJSON *v;
	char f[64];

	if ((v = jin_get(obj, "name")) || create) {
		if (!v)
			return zq_errf(err, ZQ_EINVAL, "%sname: required", pfx);
		if (check_name(v, pfx, r->cal.name, err) < 0)
			return ZQ_EINVAL;
	}
	if (check_text(obj, pfx, r, err) < 0)
		return ZQ_EINVAL;
	if ((v = jin_get(obj, "weekend")) && check_weekend(v, pfx, &r->cal.weekend, err) < 0)
		return ZQ_EINVAL;
	snprintf(f, sizeof(f), "%scovered_from", pfx);
	if ((v = jin_get(obj, "covered_from")) && cal_check_day(v, f, 1, &r->set_from, err) < 0)
		return ZQ_EINVAL;
	snprintf(f, sizeof(f), "%scovered_until", pfx);
	if ((v = jin_get(obj, "covered_until")) && cal_check_day(v, f, 1, &r->set_until, err) < 0)
		return ZQ_EINVAL;
	return 0;
}

int cal_check_finish(calendar_row *r, const char *pfx, const char *days_key, zq_err *err)
{
	char a[11], b[11];

	r->cal.covered_from = r->set_from;
	r->cal.covered_until = r->set_until;
	if (zq_cal_finish(&r->cal, err) < 0) {
		if (err->msg[0] >= '0' && err->msg[0] <= '9')  /* "2026-10-01: both ..." */
			return zq_err_prefix(err, "%s%s: ", pfx, days_key);
		return zq_err_prefix(err, "%s", pfx);
	}
	if (r->cal.nholidays + r->cal.nworkdays > CALENDAR_DAYS_MAX)
		return zq_errf(err, ZQ_EINVAL, "%sholidays: at most %d days in all (holidays "
			       "and workdays), got %zu", pfx, CALENDAR_DAYS_MAX,
			       r->cal.nholidays + r->cal.nworkdays);
	if (r->cal.covered_from > r->cal.covered_until) {
		zq_day_format(r->cal.covered_from, a);
		zq_day_format(r->cal.covered_until, b);
		return zq_errf(err, ZQ_EINVAL, "%scovered_until: %s is before covered_from %s",
			       pfx, b, a);
	}
	return 0;
}
