/* h_calendar_days.c - a calendar's days: add / remove (PATCH), the
 * business days of a range, and the CSV import (`date,kind` lines, body
 * text/csv or {"csv": "..."}; ?replace=true replaces every day). Each
 * change is the calendars' change transaction (cal_input_save). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cal_input.h"
#include "handlers.h"
#include "jsonin.h"
#include "log.h"
#include "mem.h"
#include "timeutil.h"
#include "wakeup.h"

#define RANGE_MAX 3660

struct change {
	int64_t id;
	char name[65];
	int replace;
	const char *csv;     /* import */
	size_t csv_len;
	const char *field;   /* "body" or "body.csv" */
	int added, removed;
	int32_t until;
};

/* ---- PATCH .../days -------------------------------------------------------------------- */

static int patch_add(zq_ctx *c, calendar_row *r, const cJSON *add, struct change *ch)
{
	int i = 0;

	if (!cJSON_IsArray(add))
		return zq_errf(&c->err, ZQ_EINVAL, "body.add: must be an array of {\"date\", \"kind\"}");
	for (const cJSON *a = add->child; a; a = a->next, i++) {
		const cJSON *d = jin_get(a, "date"), *k = jin_get(a, "kind");
		int32_t day;
		int kind;
		if (!cJSON_IsObject(a) || !cJSON_IsString(d))
			return zq_errf(&c->err, ZQ_EINVAL, "body.add[%d].date: required (YYYY-MM-DD)", i);
		if (zq_day_parse(d->valuestring, &day) < 0)
			return zq_errf(&c->err, ZQ_EINVAL, "body.add[%d].date: '%.40s' is not a date", i,
				       d->valuestring);
		kind = !k ? ZQ_CAL_HOLIDAY : !cJSON_IsString(k) ? -1
		       : strcmp(k->valuestring, "holiday") == 0 ? ZQ_CAL_HOLIDAY
		       : strcmp(k->valuestring, "workday") == 0 ? ZQ_CAL_WORKDAY : -1;
		if (kind < 0)
			return zq_errf(&c->err, ZQ_EINVAL, "body.add[%d].kind: must be holiday or workday",
				       i);
		calendar_drop_day(&r->cal, day);  /* a day added again takes the new kind */
		zq_cal_add(&r->cal, day, kind);
		ch->added++;
	}
	return 0;
}

static int patch_remove(zq_ctx *c, calendar_row *r, const cJSON *rm, struct change *ch)
{
	int i = 0;

	if (!cJSON_IsArray(rm))
		return zq_errf(&c->err, ZQ_EINVAL, "body.remove: must be an array of dates");
	for (const cJSON *d = rm->child; d; d = d->next, i++) {
		size_t before = r->cal.nholidays + r->cal.nworkdays;
		int32_t day;
		if (!cJSON_IsString(d) || zq_day_parse(d->valuestring, &day) < 0)
			return zq_errf(&c->err, ZQ_EINVAL, "body.remove[%d]: '%.40s' is not a date", i,
				       cJSON_IsString(d) ? d->valuestring : "?");
		calendar_drop_day(&r->cal, day);
		ch->removed += before != r->cal.nholidays + r->cal.nworkdays;
	}
	return 0;
}

static int patch_tx(zq_ctx *c, void *arg)
{
	static const char *const allowed[] = {"add", "remove", NULL};
	struct change *ch = arg;
	const cJSON *add = jin_get(c->body, "add"), *rm = jin_get(c->body, "remove");
	calendar_row r;
	char detail[120];
	int rc;

	ch->added = ch->removed = 0;
	if ((rc = jin_check_fields(c->body, "body.", allowed, NULL, &c->err)) < 0 ||
	    (rc = calendar_store_get(c->db, ch->id, ch->name, CAL_FOR_UPDATE, &r, &c->err)) < 0)
		goto out;
	ch->id = r.cal.id;
	if ((rm && (rc = patch_remove(c, &r, rm, ch)) < 0) ||
	    (add && (rc = patch_add(c, &r, add, ch)) < 0) || (rc = cal_input_finish(c, &r)) < 0)
		goto out;
	snprintf(detail, sizeof(detail), "days: %d added, %d removed", ch->added, ch->removed);
	rc = cal_input_save(c, &r, 1, "calendar_days", detail);
out:
	calendar_row_release(&r);
	return rc;
}

static int need_object(zq_ctx *c)
{
	if (!c->body || !cJSON_IsObject(c->body))
		return zq_errf(&c->err, ZQ_EINVAL, "body: required (a JSON object with add / remove)");
	return 0;
}

int h_calendar_days_patch(zq_ctx *c)
{
	struct change ch;
	int rc;

	memset(&ch, 0, sizeof(ch));
	cal_input_ref(c, &ch.id, ch.name);
	if ((rc = need_object(c)) < 0 || (rc = api_tx(c, patch_tx, &ch)) < 0)
		return rc;
	zq_info("CALENDAR DAYS id=%lld added=%d removed=%d by=%s", (long long)ch.id, ch.added,
		ch.removed, c->who.actor);
	zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	return h_calendar_get(c);
}

/* ---- GET .../days ---------------------------------------------------------------------- */

static int range_bound(zq_ctx *c, const char *key, int32_t *day)
{
	const char *s = zq_query_get(&c->req->query, key);

	if (!s || !*s)
		return zq_errf(&c->err, ZQ_EINVAL, "%s: required (YYYY-MM-DD)", key);
	if (zq_day_parse(s, day) < 0)
		return zq_errf(&c->err, ZQ_EINVAL, "%s: '%.40s' is not a date", key, s);
	return 0;
}

static int check_range(zq_ctx *c, const zq_calendar *cal, int32_t from, int32_t to)
{
	char a[11];

	if (to < from)
		return zq_errf(&c->err, ZQ_EINVAL, "to: before from");
	if (to - from > RANGE_MAX)
		return zq_errf(&c->err, ZQ_EINVAL, "to: at most %d days after from", RANGE_MAX);
	if (!zq_cal_covers(cal, from)) {
		zq_day_format(cal->covered_from, a);
		return zq_errf(&c->err, ZQ_EINVAL, "from: calendar %s has no data before %s",
			       cal->name, a);
	}
	if (!zq_cal_covers(cal, to)) {
		zq_day_format(cal->covered_until, a);
		return zq_errf(&c->err, ZQ_EINVAL, "to: calendar %s has no data after %s", cal->name,
			       a);
	}
	return 0;
}

static void range_list(zq_jw *w, const char *k, const int32_t *v, size_t n, int32_t from,
		       int32_t to)
{
	char s[11];

	jw_key(w, k);
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		if (v[i] >= from && v[i] <= to) {
			zq_day_format(v[i], s);
			jw_str(w, s);
		}
	jw_arr_end(w);
}

int h_calendar_days(zq_ctx *c)
{
	calendar_row r;
	int32_t from, to;
	char name[65], s[11];
	int64_t id;
	int rc;

	cal_input_ref(c, &id, name);
	if ((rc = range_bound(c, "from", &from)) < 0 || (rc = range_bound(c, "to", &to)) < 0)
		return rc;
	if ((rc = calendar_store_get(c->db, id, name, 0, &r, &c->err)) < 0 ||
	    (rc = check_range(c, &r.cal, from, to)) < 0)
		goto out;
	jw_obj_begin(&c->w);
	jw_kstr(&c->w, "calendar", r.cal.name);
	zq_day_format(from, s);
	jw_kstr(&c->w, "from", s);
	zq_day_format(to, s);
	jw_kstr(&c->w, "to", s);
	jw_key(&c->w, "business_days");
	jw_arr_begin(&c->w);
	for (int32_t d = from; d <= to; d++)
		if (zq_cal_is_business(&r.cal, d)) {
			zq_day_format(d, s);
			jw_str(&c->w, s);
		}
	jw_arr_end(&c->w);
	range_list(&c->w, "holidays", r.cal.holidays, r.cal.nholidays, from, to);
	range_list(&c->w, "workdays", r.cal.workdays, r.cal.nworkdays, from, to);
	jw_obj_end(&c->w);
out:
	calendar_row_release(&r);
	return rc;
}

/* ---- import --------------------------------------------------------------------------- */

static int import_tx(zq_ctx *c, void *arg)
{
	struct change *ch = arg;
	zq_calendar in;
	calendar_row r;
	char detail[120];
	int rc;

	ch->added = 0;
	zq_cal_init(&in);
	if ((rc = calendar_store_get(c->db, ch->id, ch->name, CAL_FOR_UPDATE, &r, &c->err)) < 0)
		goto out;
	ch->id = r.cal.id;
	if ((rc = zq_cal_parse_days(&in, ch->csv, ch->csv_len, &c->err)) < 0) {
		rc = zq_err_prefix(&c->err, "%s: ", ch->field);
		goto out;
	}
	if (in.nholidays + in.nworkdays > CALENDAR_DAYS_MAX) {
		rc = zq_errf(&c->err, ZQ_EINVAL, "%s: at most %d days", ch->field, CALENDAR_DAYS_MAX);
		goto out;
	}
	ch->added = calendar_row_merge(&r, &in, ch->replace);
	if ((rc = cal_input_finish(c, &r)) < 0)
		goto out;
	ch->until = r.cal.covered_until;
	snprintf(detail, sizeof(detail), "import: %d days%s", ch->added,
		 ch->replace ? " (replace)" : "");
	rc = cal_input_save(c, &r, 1, "calendar_import", detail);
out:
	zq_cal_release(&in);
	calendar_row_release(&r);
	return rc;
}

/* The CSV of the body: text/csv (or text/plain) as is, JSON {"csv": "..."}. */
static int import_body(zq_ctx *c, struct change *ch, cJSON **json)
{
	char media[64];
	const cJSON *v;

	*json = NULL;
	if (c->req->body_too_big)
		return zq_errf(&c->err, ZQ_ETOOBIG, "body: larger than %d bytes",
			       c->api->cfg->api_max_body);
	zq_http_media_type(c->req->content_type, media, sizeof(media));
	if (strcmp(media, "text/csv") == 0 || strcmp(media, "text/plain") == 0) {
		ch->csv = c->req->body;
		ch->csv_len = c->req->body_len;
		ch->field = "body";
		return 0;
	}
	if (strcmp(media, "application/json") != 0)
		return zq_errf(&c->err, ZQ_EINVAL, "Content-Type: must be text/csv or "
			       "application/json, got '%.60s'", c->req->content_type);
	if (jin_parse(c->req->body, c->req->body_len, json, &c->err) < 0)
		return ZQ_EINVAL;
	if (!cJSON_IsObject(*json) || !(v = jin_get(*json, "csv")) || !cJSON_IsString(v))
		return zq_errf(&c->err, ZQ_EINVAL, "body.csv: required (the date,kind lines)");
	ch->csv = v->valuestring;
	ch->csv_len = strlen(v->valuestring);
	ch->field = "body.csv";
	return 0;
}

int h_calendar_import(zq_ctx *c)
{
	struct change ch;
	cJSON *json = NULL;
	char s[11];
	int rc;

	memset(&ch, 0, sizeof(ch));
	cal_input_ref(c, &ch.id, ch.name);
	if ((rc = zq_query_bool(&c->req->query, "replace", 0, &ch.replace, &c->err)) < 0 ||
	    (rc = import_body(c, &ch, &json)) < 0 || (rc = api_tx(c, import_tx, &ch)) < 0)
		goto out;
	zq_info("CALENDAR IMPORT id=%lld days=%d%s by=%s", (long long)ch.id, ch.added,
		ch.replace ? " replace" : "", c->who.actor);
	zq_wakeup_notify(c->api->cfg->sched_wakeup_dir);
	jw_obj_begin(&c->w);
	jw_kint(&c->w, "id", ch.id);
	jw_kint(&c->w, "added", ch.added);
	zq_day_format(ch.until, s);
	jw_kstr(&c->w, "covered_until", s);
	jw_obj_end(&c->w);
out:
	cJSON_Delete(json);
	return rc;
}
