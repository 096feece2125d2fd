/* h_preview.c - GET /scheduler/cron/preview: the next fire times of a cron
 * expression in a zone, with a calendar (calendar=NAME, calendar_rule=)
 * the same fires a task with them would have, and the slots of the plain
 * cron that did not fire or moved ("skipped": date, reason holiday |
 * weekend, moved_to), up to count of each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar_store.h"
#include "handlers.h"
#include "schedule.h"
#include "timeutil.h"

#define EXTRA_FIRES 40   /* fires past the shown ones, so a moved slot finds its fire */
#define SLOT_SCAN 20000  /* plain slots looked at, at most */

struct fire {
	int64_t at, slot;
};

static int rename_expr(zq_ctx *c, int rc)
{
	const char *p = "cron_expression: ";
	char msg[ZQ_ERR_MSG_MAX];

	if (rc == ZQ_ENOTFOUND)
		rc = ZQ_EINVAL;
	if (strncmp(c->err.msg, p, strlen(p)) == 0) {
		snprintf(msg, sizeof(msg), "expression: %s", c->err.msg + strlen(p));
		zq_errf(&c->err, rc, "%s", msg);
	}
	return rc;
}

static void skipped_one(zq_jw *w, const zq_schedule *plain, const zq_calendar *cal, int64_t slot,
			int64_t moved)
{
	int32_t day = zq_schedule_local_day(plain, slot);
	char s[11];

	jw_obj_begin(w);
	jw_ktime(w, "time", slot);
	zq_day_format(day, s);
	jw_kstr(w, "date", s);
	jw_kstr(w, "reason", zq_cal_day_kind(cal, day) == ZQ_CAL_HOLIDAY ? "holiday"
			    : zq_cal_covers(cal, day) ? "weekend" : "no data");
	jw_ktime(w, "moved_to", moved);
	jw_obj_end(w);
}

/* The plain cron's slots up to the last shown fire that are not fires. */
static void write_skipped(zq_jw *w, const zq_schedule *plain, const zq_calendar *cal,
			  const struct fire *f, int nf, int shown, int64_t from, int64_t count)
{
	int64_t end = shown > 0 ? f[shown - 1].at : ZQ_TIME_NONE, t = from;
	int n = 0;

	jw_key(w, "skipped");
	jw_arr_begin(w);
	for (int i = 0; i < SLOT_SCAN && n < count; i++) {
		int64_t moved = ZQ_TIME_NONE;
		int fired = 0;
		if ((t = zq_schedule_next(plain, t)) == ZQ_TIME_NONE ||
		    (end != ZQ_TIME_NONE && t > end && shown == (int)count))
			break;
		if (shown < (int)count && !zq_cal_covers(cal, zq_schedule_local_day(plain, t)))
			break;  /* past the coverage: "stopped" says so */
		for (int k = 0; k < nf && !fired; k++)
			if (f[k].slot == t) {
				fired = f[k].at == t;
				moved = f[k].at;
			}
		if (!fired) {
			skipped_one(w, plain, cal, t, moved);
			n++;
		}
	}
	jw_arr_end(w);
}

static int load_cal(zq_ctx *c, const char *name, const char *rule_s, zq_calendar *cal, int *rule)
{
	int rc;

	*rule = ZQ_CAL_RULE_NONE;
	if (rule_s && *rule_s && (*rule = zq_cal_rule_parse(rule_s)) <= 0)
		return zq_errf(&c->err, ZQ_EINVAL, "calendar_rule: must be only, next or previous");
	if (!name || !*name)
		return rule_s && *rule_s ? zq_errf(&c->err, ZQ_EINVAL, "calendar_rule: needs a "
						   "calendar") : 0;
	rc = calendar_store_load(c->db, 0, name, cal, &c->err);
	if (rc == ZQ_ENOTFOUND)
		return zq_errf(&c->err, ZQ_EINVAL, "calendar: no calendar named '%.64s'", name);
	if (*rule == ZQ_CAL_RULE_NONE)
		*rule = ZQ_CAL_RULE_ONLY;
	return rc;
}

struct preview {
	const char *expr, *tz, *cal_name;
	int64_t count;
	int rule;
	zq_calendar cal;
	zq_schedule s, plain;
	int have_plain;
};

static void write_preview(zq_ctx *c, struct preview *p)
{
	struct fire f[100 + EXTRA_FIRES];
	int64_t now = zq_wall_ms(), t = now;
	int nf = 0, shown;
	char why[160];

	jw_obj_begin(&c->w);
	jw_kstr(&c->w, "expression", p->expr);
	jw_kstr(&c->w, "timezone", p->tz);
	jw_key(&c->w, "next_run_times");
	jw_arr_begin(&c->w);
	while (nf < p->count + (p->cal_name ? EXTRA_FIRES : 0) &&
	       (t = zq_schedule_next(&p->s, t)) != ZQ_TIME_NONE) {
		f[nf].at = t;
		f[nf].slot = zq_schedule_slot(&p->s, t);
		if (nf++ < p->count)
			jw_time(&c->w, t);
	}
	jw_arr_end(&c->w);
	shown = nf < p->count ? nf : (int)p->count;
	if (p->cal_name) {
		jw_kstr(&c->w, "calendar", p->cal_name);
		jw_kstr(&c->w, "calendar_rule", zq_cal_rule_name(p->rule));
		if (p->have_plain)
			write_skipped(&c->w, &p->plain, &p->cal, f, nf, shown, now, p->count);
		jw_kstr(&c->w, "stopped", shown < p->count
			? zq_schedule_stop_reason(&p->s, shown ? f[shown - 1].at : now, why,
						  sizeof(why)) : NULL);
	}
	jw_obj_end(&c->w);
}

int h_cron_preview(zq_ctx *c)
{
	const zq_query *q = &c->req->query;
	const char *rule_s;
	struct preview p;
	zq_err e;
	int rc;

	memset(&p, 0, sizeof(p));
	zq_cal_init(&p.cal);
	if ((rc = zq_query_str(q, "expression", 1024, &p.expr, &c->err)) < 0 ||
	    (rc = zq_query_str(q, "timezone", 64, &p.tz, &c->err)) < 0 ||
	    (rc = zq_query_str(q, "calendar", 64, &p.cal_name, &c->err)) < 0 ||
	    (rc = zq_query_str(q, "calendar_rule", 16, &rule_s, &c->err)) < 0 ||
	    (rc = zq_query_int(q, "count", 5, 1, 100, &p.count, &c->err)) < 0)
		goto out;
	if (!p.expr) {
		rc = zq_errf(&c->err, ZQ_EINVAL, "expression: required, e.g. expression=0 18 * * *");
		goto out;
	}
	if (!p.tz)
		p.tz = c->api->cfg->timezone;
	if (p.cal_name && !*p.cal_name)
		p.cal_name = NULL;
	if ((rc = load_cal(c, p.cal_name, rule_s, &p.cal, &p.rule)) < 0)
		goto out;
	if ((rc = zq_schedule_init_cal(&p.s, p.expr, 0, ZQ_TIME_NONE, ZQ_TIME_NONE, p.tz,
				       p.cal_name ? &p.cal : NULL, p.rule, &c->err)) < 0) {
		rc = rename_expr(c, rc);
		goto out;
	}
	/* B-tokens have no plain slots: nothing is skipped */
	p.have_plain = p.cal_name && zq_schedule_init(&p.plain, p.expr, 0, ZQ_TIME_NONE,
						      ZQ_TIME_NONE, p.tz, &e) == 0;
	write_preview(c, &p);
out:
	zq_cal_release(&p.cal);
	return rc;
}
