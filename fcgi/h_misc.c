/* h_misc.c - health, metrics, the OpenAPI document, statistics, cron
 * preview (h_preview.c), scheduler nodes and the audit log. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_outbox.h"
#include "audit_store.h"
#include "handlers.h"
#include "node_store.h"
#include "stats_store.h"
#include "task.h"
#include "task_store.h"
#include "timeutil.h"

#define DAY_MS INT64_C(86400000)

/* ---- health / metrics / openapi ---------------------------------------------------- */

int h_health(zq_ctx *c)
{
	zq_err e = ZQ_ERR_INIT;
	int up = zq_db_ping(c->db, &e) == 0;

	api_status(c, up ? 200 : 503);
	if (!up)
		zq_http_resp_header(c->resp, "Retry-After", "1");
	jw_obj_begin(&c->w);
	jw_kstr(&c->w, "status", up ? "ok" : "unavailable");
	jw_kstr(&c->w, "db", up ? "ok" : "down");
	jw_kstr(&c->w, "version", ZQ_VERSION);
	if (!up)
		jw_kstr(&c->w, "detail", "database unavailable");
	jw_obj_end(&c->w);
	return 0;
}

int h_metrics(zq_ctx *c)
{
	alert_outbox_stats as;
	zq_err e = ZQ_ERR_INIT;

	c->resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	zq_metrics_render(c->api->metrics, c->api->routes, c->api->nroutes, &c->resp->body);
	/* the database's figures; without the database, the process counters alone */
	if (alert_outbox_stats_get(c->db, &as, &e) == 0 &&
	    zq_metrics_render_db(c->api->metrics, c->db, c->api->cfg->sched_lease_s, &c->resp->body,
				 &e) == 0)
		zq_metrics_render_alerts(&as, &c->resp->body);
	else
		zq_metrics_db_error(c->api->metrics);
	return 0;
}

int h_openapi(zq_ctx *c)
{
	if (!c->api->openapi)
		return zq_errf(&c->err, ZQ_ENOTFOUND, "no OpenAPI document built in");
	jw_raw(&c->w, c->api->openapi, c->api->openapi_len);
	return 0;
}

/* ---- stats ----------------------------------------------------------------------------- */

static double round2(double v)
{
	return round(v * 100.0) / 100.0;
}

static double avg_seconds(int64_t total_ms, int64_t runs)
{
	return runs > 0 ? round((double)total_ms / (double)runs) / 1000.0 : 0.0;
}

static void view_totals(zq_jw *w, int64_t task_id, const hist_stats *s)
{
	jw_kint_or_null(w, "task_id", task_id, 0);
	jw_kint(w, "total_executions", s->runs + s->pending + s->running);
	jw_kint(w, "success_count", s->successes);
	jw_kint(w, "failed_count", s->failures);
	jw_kint(w, "running_count", s->running);
	jw_kint(w, "pending_count", s->pending);
	jw_kint(w, "terminated_count", s->terminations);
	jw_kint(w, "skipped_count", s->skipped);
	jw_kint(w, "finished_count", s->runs);
	jw_kdouble(w, "success_rate",
		   s->runs > 0 ? round2(100.0 * (double)s->successes / (double)s->runs) : 0.0);
	jw_kdouble(w, "avg_duration_seconds", avg_seconds(s->total_duration_ms, s->runs));
	jw_kdouble(w, "max_duration_seconds", (double)s->max_duration_ms / 1000.0);
	jw_kint_or_null(w, "latest_execution_id", s->latest_id, 0);
	jw_ktime(w, "latest_execution_time", s->latest_time_ms);
	jw_kstr(w, "latest_execution_status",
		s->latest_status >= 0 ? zq_exec_status_name(s->latest_status) : NULL);
}

static void view_day(zq_jw *w, int64_t day_ms, const hist_day *d)
{
	char iso[32];

	zq_time_format_iso(day_ms, iso, sizeof(iso));
	iso[10] = '\0';
	jw_obj_begin(w);
	jw_kstr(w, "day", iso);
	jw_kint(w, "runs", d ? d->runs : 0);
	jw_kint(w, "successes", d ? d->successes : 0);
	jw_kint(w, "failures", d ? d->failures : 0);
	jw_kint(w, "terminations", d ? d->terminations : 0);
	jw_kint(w, "skipped", d ? d->skipped : 0);
	jw_kdouble(w, "avg_duration_seconds", d ? avg_seconds(d->total_duration_ms, d->runs) : 0.0);
	jw_kdouble(w, "max_duration_seconds", d ? (double)d->max_duration_ms / 1000.0 : 0.0);
	jw_obj_end(w);
}

/* One entry per UTC day, oldest first, zero where there was nothing. */
static void view_daily(zq_jw *w, int64_t first_ms, int days, const hist_day *rows, int n)
{
	int k = 0;

	jw_key(w, "daily");
	jw_arr_begin(w);
	for (int i = 0; i < days; i++) {
		int64_t day = first_ms + (int64_t)i * DAY_MS;
		while (k < n && rows[k].day_ms < day)
			k++;
		view_day(w, day, k < n && rows[k].day_ms == day ? &rows[k] : NULL);
	}
	jw_arr_end(w);
}

int h_stats(zq_ctx *c)
{
	int64_t task_id, days, first;
	hist_day *rows = NULL;
	hist_stats s;
	int n = 0, rc;

	if ((rc = zq_query_int(&c->req->query, "task_id", 0, 1, INT64_MAX, &task_id, &c->err)) < 0 ||
	    (rc = zq_query_int(&c->req->query, "days", 30, 0, 366, &days, &c->err)) < 0)
		return rc;
	first = (zq_wall_ms() / DAY_MS - (days > 0 ? days - 1 : 0)) * DAY_MS;
	if ((rc = history_store_stats(c->db, task_id, days ? first : ZQ_TIME_NONE, &s, &rows, &n,
				      &c->err)) < 0)
		goto out;
	/* a task with rollups or executions exists (foreign keys); else ask */
	if (task_id && !s.runs && !s.skipped && !s.latest_id &&
	    (rc = task_store_exists(c->db, task_id, &c->err)) < 0) {
		if (rc == ZQ_ENOTFOUND)
			rc = zq_errf(&c->err, rc, "task_id: task %lld not found", (long long)task_id);
		goto out;
	}
	jw_obj_begin(&c->w);
	view_totals(&c->w, task_id, &s);
	jw_kint(&c->w, "days", days);
	view_daily(&c->w, first, (int)days, rows, n);
	jw_obj_end(&c->w);
out:
	free(rows);
	return rc;
}

/* ---- nodes ------------------------------------------------------------------------------- */

int h_nodes(zq_ctx *c)
{
	int64_t lease_ms = (int64_t)c->api->cfg->sched_lease_s * 1000;
	hist_node *rows = NULL;
	int n = 0, all, rc;

	if ((rc = zq_query_bool(&c->req->query, "all", 0, &all, &c->err)) < 0 ||
	    (rc = history_store_nodes(c->db, all, &rows, &n, &c->err)) < 0)
		return rc;
	jw_obj_begin(&c->w);
	jw_key(&c->w, "nodes");
	jw_arr_begin(&c->w);
	for (int i = 0; i < n; i++) {
		const hist_node *d = &rows[i];
		jw_obj_begin(&c->w);
		jw_kint(&c->w, "id", d->id);
		jw_kstr(&c->w, "name", d->name);
		jw_kstr(&c->w, "host", d->host);
		jw_kint(&c->w, "pid", d->pid);
		jw_kstr(&c->w, "version", d->version);
		jw_kstr(&c->w, "state", d->state);
		jw_kbool(&c->w, "alive", strcmp(d->state, "running") == 0 &&
					      d->heartbeat_age_ms <= lease_ms);
		jw_kint(&c->w, "threads", d->threads);
		jw_kint(&c->w, "busy", d->busy);
		jw_kint(&c->w, "running_executions", d->running);
		jw_ktime(&c->w, "started_at", d->started_ms);
		jw_ktime(&c->w, "heartbeat_at", d->heartbeat_ms);
		jw_kdouble(&c->w, "heartbeat_age_seconds", (double)d->heartbeat_age_ms / 1000.0);
		jw_ktime(&c->w, "stopped_at", d->stopped_ms);
		jw_obj_end(&c->w);
	}
	jw_arr_end(&c->w);
	jw_kint(&c->w, "total", n);
	jw_obj_end(&c->w);
	free(rows);
	return 0;
}

/* ---- audit ------------------------------------------------------------------------------- */

static int audit_filter(zq_ctx *c, audit_store_filter *f)
{
	const zq_query *q = &c->req->query;
	int rc;

	memset(f, 0, sizeof(*f));
	if ((rc = api_paging(c, 50, 1000, &f->skip, &f->limit)) < 0 ||
	    (rc = zq_query_int(q, "task_id", 0, 1, INT64_MAX, &f->task_id, &c->err)) < 0 ||
	    (rc = zq_query_str(q, "actor", 140, &f->actor, &c->err)) < 0 ||
	    (rc = zq_query_str(q, "action", 32, &f->action, &c->err)) < 0 ||
	    (rc = zq_query_time(q, "from", &f->from_ms, &c->err)) < 0)
		return rc;
	return zq_query_time(q, "to", &f->to_ms, &c->err);
}

int h_audit(zq_ctx *c)
{
	audit_store_filter f;
	audit_store_row *rows = NULL;
	int64_t total = 0;
	int n = 0, capped = 0, rc;

	if ((rc = audit_filter(c, &f)) < 0 ||
	    (rc = audit_store_list(c->db, &f, &rows, &n, &total, &capped, &c->err)) < 0)
		return rc;
	api_page_begin(c, "entries");
	for (int i = 0; i < n; i++) {
		const audit_store_row *r = &rows[i];
		jw_obj_begin(&c->w);
		jw_kint(&c->w, "id", r->id);
		jw_ktime(&c->w, "at", r->at_ms);
		jw_kstr(&c->w, "actor", r->actor[0] ? r->actor : NULL);
		jw_kstr(&c->w, "action", r->action);
		jw_kstr(&c->w, "target_type", r->target_type[0] ? r->target_type : NULL);
		jw_kint_or_null(&c->w, "target_id", r->target_id, 0);
		jw_kint_or_null(&c->w, "task_id", r->task_id, 0);
		jw_kstr(&c->w, "detail", r->detail);
		jw_kstr(&c->w, "client_addr", r->client_addr[0] ? r->client_addr : NULL);
		jw_obj_end(&c->w);
	}
	api_page_end_capped(c, total, capped, f.skip, f.limit);
	audit_store_rows_free(rows, n);
	return 0;
}
