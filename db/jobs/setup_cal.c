/* setup_cal.c - the calendars of a setup document: checked by the API's
 * rules (cal_check.h, which fcgi/cal_input.c uses too), compared with the
 * target's and written with an audit row, in the import's transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal_check.h"
#include "jsonin.h"
#include "mem.h"
#include "setup_int.h"
#include "task_def.h"
#include "timeutil.h"

static const char *const cal_keys[] = {"name", "description", "timezone", "weekend",
				       "covered_from", "covered_until", "days", NULL};

static const char *item_name(const cJSON *it)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");

	return cJSON_IsString(n) ? n->valuestring : NULL;
}

/* Is name given by an earlier item of list (before stop)? */
static int given_before(const cJSON *list, const cJSON *stop, const char *name)
{
	for (const cJSON *it = list->child; it && it != stop; it = it->next)
		if (item_name(it) && strcmp(item_name(it), name) == 0)
			return 1;
	return 0;
}

static int named_in(const cJSON *list, const char *name)
{
	return list && given_before(list, NULL, name);
}

/* ---- calendars ------------------------------------------------------------------------- */

static int cal_days(setup_ctx *c, const cJSON *v, zq_calendar *cal)
{
	static const char *const day_keys[] = {"day", "kind", NULL};
	int i = 0;
	char f[48];

	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > CALENDAR_DAYS_MAX)
		return zq_errf(&c->err, ZQ_EINVAL, "days: must be a list of at most %d {day, kind}",
			       CALENDAR_DAYS_MAX);
	cal->nholidays = cal->nworkdays = 0;
	for (const cJSON *e = v->child; e; e = e->next, i++) {
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(e, "kind");
		int32_t day;
		snprintf(f, sizeof(f), "days[%d].", i);
		if (!cJSON_IsObject(e))
			return zq_errf(&c->err, ZQ_EINVAL, "days[%d]: must be {day, kind}", i);
		if (jin_check_fields(e, f, day_keys, NULL, &c->err) < 0)
			return ZQ_EINVAL;
		snprintf(f, sizeof(f), "days[%d].day", i);
		if (cal_check_day(cJSON_GetObjectItemCaseSensitive(e, "day"), f, 0, &day, &c->err) < 0)
			return ZQ_EINVAL;
		if (!cJSON_IsString(k) || (strcmp(k->valuestring, "holiday") != 0 &&
					   strcmp(k->valuestring, "workday") != 0))
			return zq_errf(&c->err, ZQ_EINVAL, "days[%d].kind: must be holiday or workday", i);
		zq_cal_add(cal, day, k->valuestring[0] == 'h' ? ZQ_CAL_HOLIDAY : ZQ_CAL_WORKDAY);
	}
	return 0;
}

/* The item applied to r (the stored calendar or a new one): the API's checks. */
static int cal_apply(setup_ctx *c, const cJSON *it, calendar_row *r)
{
	const cJSON *v;

	if (cal_check_fields(it, "", 1, r, &c->err) < 0)
		return ZQ_EINVAL;
	if (jin_get(it, "description") && r->description && !*r->description) {  /* "" is none */
		free(r->description);
		r->description = NULL;
	}
	if ((v = jin_get(it, "days")) && cal_days(c, v, &r->cal) < 0)
		return ZQ_EINVAL;
	if (cal_check_finish(r, "", "days", &c->err) < 0)
		return ZQ_EINVAL;
	r->nholidays = (int64_t)r->cal.nholidays;
	r->nworkdays = (int64_t)r->cal.nworkdays;
	return 0;
}

static int cal_write(setup_ctx *c, calendar_row *r, int exists, int days)
{
	int rc;

	if (!exists) {
		zq_strlcpy(r->created_by, c->o->actor, sizeof(r->created_by));
		if ((rc = calendar_store_insert(c->db, r, &c->err)) < 0)
			return rc;
		return setup_audit(c, "calendar_create", "calendar", r->cal.id, 0, r->cal.name);
	}
	if ((rc = calendar_store_update(c->db, r, days, &c->err)) < 0)
		return rc;
	r->cal.version++;
	if ((rc = calendar_store_recompute_tasks(c->db, &r->cal, zq_wall_ms(), &c->err)) < 0)
		return rc;
	return setup_audit(c, "calendar_update", "calendar", r->cal.id, 0, r->cal.name);
}

static int import_calendar(setup_ctx *c, const cJSON *list, const cJSON *it, const char *base)
{
	const char *name = item_name(it);
	cJSON *before = NULL, *after;
	calendar_row r;
	int rc = 0, exists;

	if (setup_check_keys(c, it, base, cal_keys) < 0)
		return 0;
	if (name && given_before(list, it, name)) {
		setup_errorf(c, base, "name: '%.64s' is given twice", name);
		return 0;
	}
	rc = name ? calendar_store_get(c->db, 0, name, CAL_FOR_UPDATE, &r, &c->err) : ZQ_ENOTFOUND;
	if (rc < 0 && rc != ZQ_ENOTFOUND)
		return setup_fail(c, base, rc);
	if ((exists = rc == 0))
		before = setup_calendar_doc(&r);
	else
		calendar_row_init(&r);
	zq_err_clear(&c->err);
	if ((rc = cal_apply(c, it, &r)) < 0) {
		rc = setup_fail(c, base, rc);
	} else {
		after = setup_calendar_doc(&r);
		if (setup_plan_diff(c, "calendar", r.cal.name, before, after, NULL) &&
		    (rc = cal_write(c, &r, exists, jin_get(it, "days") != NULL)) < 0)
			rc = setup_fail(c, base, rc);
		cJSON_Delete(after);
	}
	cJSON_Delete(before);
	calendar_row_release(&r);
	return rc;
}

int setup_import_calendars(setup_ctx *c, const cJSON *list)
{
	char base[40];
	int i = 0, rc;

	if (setup_list_ok(c, list, "calendars") < 0 || !list)
		return 0;
	for (const cJSON *it = list->child; it; it = it->next, i++) {
		snprintf(base, sizeof(base), "calendars[%d]", i);
		if ((rc = import_calendar(c, list, it, base)) < 0)
			return rc;
	}
	return 0;
}

int setup_prune_calendars(setup_ctx *c, const cJSON *list)
{
	calendar_row *rows = NULL;
	int64_t users[CALENDAR_USED_MAX];
	int n = 0, nu, rc;

	if ((rc = calendar_store_list(c->db, &rows, &n, &c->err)) < 0)
		return setup_fail(c, "calendars", rc);
	for (int i = 0; i < n && rc == 0; i++) {
		if (named_in(list, rows[i].cal.name))
			continue;
		if ((rc = calendar_store_users(c->db, rows[i].cal.id, users, &nu, &c->err)) < 0)
			break;
		if (nu) {
			setup_errorf(c, "calendars", "calendar '%s' is not in the document, but %d "
				     "task(s) that stay use it", rows[i].cal.name, nu);
			continue;
		}
		if ((rc = calendar_store_delete(c->db, rows[i].cal.id, &c->err)) == 0 &&
		    (rc = setup_audit(c, "calendar_delete", "calendar", rows[i].cal.id, 0,
				rows[i].cal.name)) == 0)
			setup_plan_add(c, "calendar", rows[i].cal.name, "delete", NULL);
	}
	calendar_rows_free(rows, n);
	return rc < 0 ? setup_fail(c, "calendars", rc) : 0;
}
