/* h_calendars.c - business calendars: list, create, get, update, delete
 * (admin writes, viewer reads: routes.c). {id} may be the calendar's name.
 *
 * Every change runs in one transaction with the calendar row locked: the
 * row and its days written, version + 1, the next_run_at of every enabled
 * task that follows the calendar recomputed from now, the audit row
 * (cal_input_save). A delete locks the row too and answers 409 naming the
 * tasks that use it (a task that starts using it locks the row in share
 * mode, so the check cannot race a create). Days: h_calendar_days.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal_input.h"
#include "handlers.h"
#include "log.h"
#include "mem.h"
#include "wakeup.h"

static int respond_calendar(zq_ctx *c, int64_t id, int status)
{
	calendar_row r;
	int rc = calendar_store_get(c->db, id, NULL, 0, &r, &c->err);

	if (rc == 0) {
		api_status(c, status);
		view_calendar(&c->w, &r, 1);
	}
	calendar_row_release(&r);
	return rc;
}

int h_calendars_list(zq_ctx *c)
{
	calendar_row *rows = NULL;
	int n = 0, rc;

	if ((rc = calendar_store_list(c->db, &rows, &n, &c->err)) < 0)
		return rc;
	jw_obj_begin(&c->w);
	jw_key(&c->w, "items");
	jw_arr_begin(&c->w);
	for (int i = 0; i < n; i++)
		view_calendar(&c->w, &rows[i], 0);
	jw_arr_end(&c->w);
	jw_kint(&c->w, "total", n);
	jw_obj_end(&c->w);
	calendar_rows_free(rows, n);
	return 0;
}

int h_calendar_get(zq_ctx *c)
{
	calendar_row r;
	char name[65];
	int64_t id;
	int rc;

	cal_input_ref(c, &id, name);
	if ((rc = calendar_store_get(c->db, id, name, 0, &r, &c->err)) == 0)
		view_calendar(&c->w, &r, 1);
	calendar_row_release(&r);
	return rc;
}

/* ---- create / update ---------------------------------------------------------------- */

static int create_tx(zq_ctx *c, void *arg)
{
	calendar_row *r = arg;
	int rc;

	if ((rc = calendar_store_insert(c->db, r, &c->err)) < 0)
		return rc;
	return api_audit(c, "calendar_create", "calendar", r->cal.id, 0, r->cal.name);
}

int h_calendar_create(zq_ctx *c)
{
	calendar_row r;
	int rc, days;

	calendar_row_init(&r);
	zq_strlcpy(r.timezone, c->api->cfg->timezone, sizeof(r.timezone));
	zq_strlcpy(r.created_by, c->who.actor, sizeof(r.created_by));
	if ((rc = cal_input_apply(c, &r, 1, &days)) == 0 && (rc = api_tx(c, create_tx, &r)) == 0) {
		zq_info("CALENDAR CREATE id=%lld name=%s days=%zu by=%s", (long long)r.cal.id,
			r.cal.name, r.cal.nholidays + r.cal.nworkdays, c->who.actor);
		rc = respond_calendar(c, r.cal.id, 201);
	}
	calendar_row_release(&r);
	return rc;
}

struct upd {
	int64_t id;
	char name[65];
};

static int update_tx(zq_ctx *c, void *arg)
{
	struct upd *u = arg;
	calendar_row r;
	char fields[200];
	size_t len = 0;
	int rc, days;

	if ((rc = calendar_store_get(c->db, u->id, u->name, CAL_FOR_UPDATE, &r, &c->err)) < 0 ||
	    (rc = cal_input_apply(c, &r, 0, &days)) < 0)
		goto out;
	fields[0] = '\0';
	for (const cJSON *m = c->body->child; m && len + 1 < sizeof(fields); m = m->next)
		len += (size_t)snprintf(fields + len, sizeof(fields) - len, "%s%s", len ? "," : "",
					m->string);
	u->id = r.cal.id;
	rc = cal_input_save(c, &r, days, "calendar_update", fields);
out:
	calendar_row_release(&r);
	return rc;
}

int h_calendar_update(zq_ctx *c)
{
	struct upd u;
	int rc;

	cal_input_ref(c, &u.id, u.name);
	if (!c->body || !cJSON_IsObject(c->body))
		return zq_errf(&c->err, ZQ_EINVAL, "body: required (a JSON object)");
	if (!c->body->child)
		return zq_errf(&c->err, ZQ_EINVAL, "body: no fields to update");
	if ((rc = api_tx(c, update_tx, &u)) < 0)
		return rc;
	zq_info("CALENDAR UPDATE id=%lld by=%s", (long long)u.id, c->who.actor);
	zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	return respond_calendar(c, u.id, 200);
}

/* ---- delete --------------------------------------------------------------------------- */

struct del {
	int64_t id;
	char name[65];
	int64_t tasks[CALENDAR_USED_MAX];
	int ntasks;
};

/* "calendar SSE is used by tasks: 3, 7" */
static int used_error(zq_ctx *c, const struct del *d)
{
	char ids[CALENDAR_USED_MAX * 21];
	size_t len = 0;

	ids[0] = '\0';
	for (int i = 0; i < d->ntasks && len + 22 < sizeof(ids); i++)
		len += (size_t)snprintf(ids + len, sizeof(ids) - len, "%s%lld", i ? ", " : "",
					(long long)d->tasks[i]);
	return zq_errf(&c->err, ZQ_ECONFLICT, "calendar %s is used by tasks: %s%s; remove it "
		       "from them first", d->name, ids,
		       d->ntasks == CALENDAR_USED_MAX ? ", ..." : "");
}

static int delete_tx(zq_ctx *c, void *arg)
{
	struct del *d = arg;
	calendar_row r;
	int rc;

	if ((rc = calendar_store_get(c->db, d->id, d->name, CAL_FOR_UPDATE, &r, &c->err)) < 0)
		goto out;
	d->id = r.cal.id;
	zq_strlcpy(d->name, r.cal.name, sizeof(d->name));
	if ((rc = calendar_store_users(c->db, d->id, d->tasks, &d->ntasks, &c->err)) < 0)
		goto out;
	if (d->ntasks) {
		rc = used_error(c, d);
		goto out;
	}
	if ((rc = calendar_store_delete(c->db, d->id, &c->err)) == 0)
		rc = api_audit(c, "calendar_delete", "calendar", d->id, 0, r.cal.name);
out:
	calendar_row_release(&r);
	return rc;
}

int h_calendar_delete(zq_ctx *c)
{
	struct del d;
	int rc;

	memset(&d, 0, sizeof(d));
	cal_input_ref(c, &d.id, d.name);
	rc = api_tx(c, delete_tx, &d);
	if (rc == ZQ_ECONFLICT && d.ntasks) {
		api_status(c, 409);
		jw_obj_begin(&c->w);
		jw_kstr(&c->w, "detail", c->err.msg);
		jw_key(&c->w, "tasks");
		jw_arr_begin(&c->w);
		for (int i = 0; i < d.ntasks; i++)
			jw_int(&c->w, d.tasks[i]);
		jw_arr_end(&c->w);
		jw_obj_end(&c->w);
		return 0;
	}
	if (rc < 0)
		return rc;
	zq_info("CALENDAR DELETE id=%lld name=%s by=%s", (long long)d.id, d.name, c->who.actor);
	api_status(c, 204);
	return 0;
}
