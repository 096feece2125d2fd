/* cal_input.c - calendar bodies, the calendar's JSON shape and the shared
 * change transaction (cal_input.h). */
#include "cal_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonin.h"
#include "mem.h"
#include "timeutil.h"
#include "tz.h"

static const char *const cal_fields[] = {"name", "description", "timezone", "weekend",
					 "covered_from", "covered_until", "holidays",
					 "workdays", NULL};
static const char *const cal_readonly[] = {"id", "version", "tasks", "created_by",
					   "created_at", "updated_at", "holiday_count",
					   "workday_count", NULL};

static int check_name(zq_ctx *c, const cJSON *v, char out[65])
{
	const char *s;
	int digits = 1;

	if (jin_string(v, "body.name", 1, 64, 0, &s, &c->err) < 0)
		return ZQ_EINVAL;
	for (const char *p = s; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-", *p)))
			return zq_errf(&c->err, ZQ_EINVAL, "body.name: only letters, digits and "
				       ". _ - are allowed (it is used in paths)");
		digits &= *p >= '0' && *p <= '9';
	}
	if (digits)
		return zq_errf(&c->err, ZQ_EINVAL, "body.name: must not be all digits (that is an id)");
	zq_strlcpy(out, s, 65);
	return 0;
}

static int check_weekend(zq_ctx *c, const cJSON *v, unsigned char *mask)
{
	int i = 0;

	if (!cJSON_IsArray(v))
		return zq_errf(&c->err, ZQ_EINVAL, "body.weekend: must be an array of ISO weekdays "
			       "(1 = Monday .. 7 = Sunday), e.g. [6, 7]");
	*mask = 0;
	for (const cJSON *d = v->child; d; d = d->next, i++) {
		char f[32];
		int64_t n;
		snprintf(f, sizeof(f), "body.weekend[%d]", i);
		if (jin_int(d, f, 1, 7, &n, &c->err) < 0)
			return ZQ_EINVAL;
		if (*mask & (1u << n))
			return zq_errf(&c->err, ZQ_EINVAL, "%s: %d given twice", f, (int)n);
		*mask |= (unsigned char)(1u << n);
	}
	return 0;
}

static int check_day(zq_ctx *c, const cJSON *v, const char *f, int32_t *day)
{
	if (cJSON_IsNull(v)) {
		*day = ZQ_CAL_NO_DAY;
		return 0;
	}
	if (!cJSON_IsString(v))
		return zq_errf(&c->err, ZQ_EINVAL, "%s: must be a date (YYYY-MM-DD) or null", f);
	if (zq_day_parse(v->valuestring, day) < 0)
		return zq_errf(&c->err, ZQ_EINVAL, "%s: '%.40s' is not a date", f, v->valuestring);
	return 0;
}

/* A day list replaces r's days of that kind. */
static int apply_days(zq_ctx *c, calendar_row *r, const char *key, int kind)
{
	const cJSON *v = jin_get(c->body, key), *d;
	zq_calendar *cal = &r->cal;
	int i = 0;

	if (!v)
		return 0;
	if (!cJSON_IsArray(v))
		return zq_errf(&c->err, ZQ_EINVAL, "body.%s: must be an array of dates (YYYY-MM-DD)",
			       key);
	if (cJSON_GetArraySize(v) > CALENDAR_DAYS_MAX)
		return zq_errf(&c->err, ZQ_EINVAL, "body.%s: at most %d days", key,
			       CALENDAR_DAYS_MAX);
	if (kind == ZQ_CAL_HOLIDAY)
		cal->nholidays = 0;
	else
		cal->nworkdays = 0;
	for (d = v->child; d; d = d->next, i++) {
		char f[48];
		int32_t day;
		snprintf(f, sizeof(f), "body.%s[%d]", key, i);
		if (cJSON_IsNull(d))
			return zq_errf(&c->err, ZQ_EINVAL, "%s: must be a date (YYYY-MM-DD)", f);
		if (check_day(c, d, f, &day) < 0)
			return ZQ_EINVAL;
		zq_cal_add(cal, day, kind);
	}
	return 0;
}

int cal_input_finish(zq_ctx *c, calendar_row *r)
{
	char a[11], b[11];

	r->cal.covered_from = r->set_from;
	r->cal.covered_until = r->set_until;
	if (zq_cal_finish(&r->cal, &c->err) < 0) {
		if (c->err.msg[0] >= '0' && c->err.msg[0] <= '9')  /* "2026-10-01: both ..." */
			return zq_err_prefix(&c->err, "body.workdays: ");
		return zq_err_prefix(&c->err, "body.");
	}
	if (r->cal.nholidays + r->cal.nworkdays > CALENDAR_DAYS_MAX)
		return zq_errf(&c->err, ZQ_EINVAL, "body.holidays: at most %d days in all (holidays "
			       "and workdays), got %zu", CALENDAR_DAYS_MAX,
			       r->cal.nholidays + r->cal.nworkdays);
	if (r->cal.covered_from > r->cal.covered_until) {
		zq_day_format(r->cal.covered_from, a);
		zq_day_format(r->cal.covered_until, b);
		return zq_errf(&c->err, ZQ_EINVAL, "body.covered_until: %s is before covered_from %s",
			       b, a);
	}
	return 0;
}

static int apply_text(zq_ctx *c, calendar_row *r)
{
	const cJSON *v;
	const char *s;
	zq_err e;

	if ((v = jin_get(c->body, "description"))) {
		if (cJSON_IsNull(v))
			s = NULL;
		else if (jin_string(v, "body.description", 0, 10000, 1, &s, &c->err) < 0)
			return ZQ_EINVAL;
		free(r->description);
		r->description = s ? zq_strdup(s) : NULL;
	}
	if ((v = jin_get(c->body, "timezone"))) {
		if (jin_string(v, "body.timezone", 1, 64, 0, &s, &c->err) < 0)
			return ZQ_EINVAL;
		if (!zq_tz_get(s, &e))
			return zq_errf(&c->err, ZQ_EINVAL, "body.timezone: unknown time zone '%.64s'", s);
		zq_strlcpy(r->timezone, s, sizeof(r->timezone));
	}
	return 0;
}

int cal_input_apply(zq_ctx *c, calendar_row *r, int create, int *days)
{
	const cJSON *v;
	int rc;

	*days = 0;
	if ((rc = api_body_object(c, cal_fields, cal_readonly)) < 0)
		return rc;
	if ((v = jin_get(c->body, "name")) || create) {
		if (!v)
			return zq_errf(&c->err, ZQ_EINVAL, "body.name: required");
		if (check_name(c, v, r->cal.name) < 0)
			return ZQ_EINVAL;
	}
	if ((rc = apply_text(c, r)) < 0)
		return rc;
	if ((v = jin_get(c->body, "weekend")) && check_weekend(c, v, &r->cal.weekend) < 0)
		return ZQ_EINVAL;
	if ((v = jin_get(c->body, "covered_from")) &&
	    check_day(c, v, "body.covered_from", &r->set_from) < 0)
		return ZQ_EINVAL;
	if ((v = jin_get(c->body, "covered_until")) &&
	    check_day(c, v, "body.covered_until", &r->set_until) < 0)
		return ZQ_EINVAL;
	if ((rc = apply_days(c, r, "holidays", ZQ_CAL_HOLIDAY)) < 0 ||
	    (rc = apply_days(c, r, "workdays", ZQ_CAL_WORKDAY)) < 0)
		return rc;
	*days = jin_get(c->body, "holidays") || jin_get(c->body, "workdays");
	return cal_input_finish(c, r);
}

void cal_input_ref(zq_ctx *c, int64_t *id, char name[65])
{
	const char *p = strstr(c->req->path, "/calendars/");
	size_t n = 0;

	*id = c->p[0];
	name[0] = '\0';
	if (*id > 0 || !p)
		return;
	p += strlen("/calendars/");
	while (p[n] && p[n] != '/' && n < 64)
		n++;
	memcpy(name, p, n);
	name[n] = '\0';
}

static void kday(zq_jw *w, const char *k, int32_t day)
{
	char s[11];

	jw_key(w, k);
	if (day == ZQ_CAL_NO_DAY) {
		jw_null(w);
		return;
	}
	zq_day_format(day, s);
	jw_str(w, s);
}

static void days_array(zq_jw *w, const char *k, const int32_t *v, size_t n)
{
	char s[11];

	jw_key(w, k);
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		zq_day_format(v[i], s);
		jw_str(w, s);
	}
	jw_arr_end(w);
}

void view_calendar(zq_jw *w, const calendar_row *r, int days)
{
	jw_obj_begin(w);
	jw_kint(w, "id", r->cal.id);
	jw_kstr(w, "name", r->cal.name);
	jw_kstr(w, "description", r->description);
	jw_kstr(w, "timezone", r->timezone);
	jw_key(w, "weekend");
	jw_arr_begin(w);
	for (int d = 1; d <= 7; d++)
		if (r->cal.weekend & (1u << d))
			jw_int(w, d);
	jw_arr_end(w);
	kday(w, "covered_from", r->cal.covered_from);
	kday(w, "covered_until", r->cal.covered_until);
	jw_kint(w, "version", r->cal.version);
	jw_kint(w, "holiday_count", r->nholidays);
	jw_kint(w, "workday_count", r->nworkdays);
	if (days) {
		days_array(w, "holidays", r->cal.holidays, r->cal.nholidays);
		days_array(w, "workdays", r->cal.workdays, r->cal.nworkdays);
	}
	jw_kint(w, "tasks", r->tasks);
	jw_kstr(w, "created_by", r->created_by[0] ? r->created_by : NULL);
	jw_ktime(w, "created_at", r->created_ms);
	jw_ktime(w, "updated_at", r->updated_ms);
	jw_obj_end(w);
}

int cal_input_save(zq_ctx *c, calendar_row *r, int days, const char *action, const char *detail)
{
	int rc;

	r->nholidays = (int64_t)r->cal.nholidays;
	r->nworkdays = (int64_t)r->cal.nworkdays;
	if ((rc = calendar_store_update(c->db, r, days, &c->err)) < 0)
		return rc;
	r->cal.version++;  /* what the tasks' schedules see is this version */
	if ((rc = calendar_store_recompute_tasks(c->db, &r->cal, zq_wall_ms(), &c->err)) < 0)
		return rc;
	return api_audit(c, action, "calendar", r->cal.id, 0, detail ? detail : r->cal.name);
}
