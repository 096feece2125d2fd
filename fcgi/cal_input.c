/* cal_input.c - calendar bodies (the field checks are db/jobs/cal_check.c's),
 * the calendar's JSON shape and the shared change transaction (cal_input.h). */
#include "cal_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal_check.h"
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

int cal_input_finish(zq_ctx *c, calendar_row *r)
{
	return cal_check_finish(r, "body.", "workdays", &c->err);
}

int cal_input_apply(zq_ctx *c, calendar_row *r, int create, int *days)
{
	int rc;

	*days = 0;
	if ((rc = api_body_object(c, cal_fields, cal_readonly)) < 0)
		return rc;
	if ((rc = cal_check_fields(c->body, "body.", create, r, &c->err)) < 0 ||
	    (rc = cal_check_day_list(c->body, "body.", "holidays", ZQ_CAL_HOLIDAY, &r->cal,
				     &c->err)) < 0 ||
	    (rc = cal_check_day_list(c->body, "body.", "workdays", ZQ_CAL_WORKDAY, &r->cal,
				     &c->err)) < 0)
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
