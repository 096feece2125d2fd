/* h_alerts.c - alerts (list, acknowledge, silence) and the outbox of alert
 * events (list, one): viewers read, operators acknowledge and silence
 * (routes.c). Pages are newest first by id: limit (1-500, default 50) and
 * before_id, the page's next_before_id (null on the last page). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_store.h"
#include "handlers.h"
#include "jsonin.h"
#include "log.h"
#include "timeutil.h"

/* ---- alerts ---------------------------------------------------------------------- */

static void view_alert(zq_jw *w, const alert_row *r)
{
	jw_obj_begin(w);
	jw_kint(w, "id", r->id);
	jw_kint(w, "rule_id", r->rule_id);
	jw_kstr(w, "kind", r->kind);
	jw_kint_or_null(w, "task_id", r->task_id, 0);
	jw_kstr(w, "task_name", r->task_id && r->task_name[0] ? r->task_name : NULL);
	jw_kstr(w, "slot", r->slot);
	jw_kstr(w, "state", r->state);
	jw_kint_or_null(w, "execution_id", r->execution_id, 0);
	jw_kstr(w, "summary", r->summary);
	jw_ktime(w, "opened_at", r->opened_ms);
	jw_ktime(w, "last_sent_at", r->last_sent_ms);
	jw_kstr(w, "acked_by", r->acked_ms != ZQ_TIME_NONE ? r->acked_by : NULL);
	jw_ktime(w, "acked_at", r->acked_ms);
	jw_ktime(w, "silenced_until", r->silenced_ms);
	jw_ktime(w, "closed_at", r->closed_ms);
	jw_kstr(w, "closed_reason", r->closed_reason[0] ? r->closed_reason : NULL);
	jw_obj_end(w);
}

static int respond_alert(zq_ctx *c, int64_t id)
{
	alert_row r;
	int rc = alert_store_alert_get(c->db, id, &r, &c->err);

	if (rc == 0)
		view_alert(&c->w, &r);
	free(r.summary);
	return rc;
}

static int page_params(zq_ctx *c, int64_t *limit, int64_t *before_id)
{
	int rc = zq_query_int(&c->req->query, "limit", ALERT_PAGE_DEFAULT, 1, ALERT_PAGE_MAX,
			      limit, &c->err);

	return rc < 0 ? rc : zq_query_int(&c->req->query, "before_id", 0, 1, INT64_MAX,
					  before_id, &c->err);
}

static void page_end(zq_ctx *c, int64_t next)
{
	jw_arr_end(&c->w);
	jw_kint_or_null(&c->w, "next_before_id", next, 0);
	jw_obj_end(&c->w);
}

int h_alerts_list(zq_ctx *c)
{
	const zq_query *q = &c->req->query;
	alert_filter f;
	alert_row *rows = NULL;
	const char *state = zq_query_get(q, "state");
	int64_t next = 0;
	int n = 0, rc;

	memset(&f, 0, sizeof(f));
	if (state && *state && strcmp(state, "all") != 0) {
		if (strcmp(state, "open") != 0 && strcmp(state, "closed") != 0)
			return zq_errf(&c->err, ZQ_EINVAL, "state: must be open, closed or all");
		f.state = state;
	}
	if ((rc = page_params(c, &f.limit, &f.before_id)) < 0 ||
	    (rc = zq_query_int(q, "task_id", 0, 1, INT64_MAX, &f.task_id, &c->err)) < 0 ||
	    (rc = alert_store_alerts_list(c->db, &f, &rows, &n, &next, &c->err)) < 0)
		return rc;
	jw_obj_begin(&c->w);
	jw_key(&c->w, "items");
	jw_arr_begin(&c->w);
	for (int i = 0; i < n; i++)
		view_alert(&c->w, &rows[i]);
	page_end(c, next);
	alert_rows_free(rows, n);
	return 0;
}

struct act {
	int64_t id;
	int silence;
	int64_t until_ms;
};

static int act_tx(zq_ctx *c, void *arg)
{
	struct act *a = arg;
	char detail[64] = "";
	alert_row r;
	int rc;

	if ((rc = alert_store_alert_get(c->db, a->id, &r, &c->err)) < 0)
		return rc;
	free(r.summary);
	if (a->silence) {
		rc = alert_store_alert_silence(c->db, a->id, a->until_ms, &c->err);
		zq_time_format_iso(a->until_ms, detail, sizeof(detail));
	} else {
		rc = alert_store_alert_ack(c->db, a->id, c->who.actor, &c->err);
	}
	if (rc < 0)
		return rc;
	return api_audit(c, a->silence ? "alert_silence" : "alert_ack", "alert", a->id, r.task_id,
			 detail[0] ? detail : NULL);
}

int h_alert_ack(zq_ctx *c)
{
	struct act a = {c->p[0], 0, ZQ_TIME_NONE};
	int rc;

	if ((rc = api_tx(c, act_tx, &a)) < 0)
		return rc;
	zq_info("ALERT ACK id=%lld by=%s", (long long)a.id, c->who.actor);
	return respond_alert(c, a.id);
}

int h_alert_silence(zq_ctx *c)
{
	static const char *const fields[] = {"until", NULL};
	struct act a = {c->p[0], 1, ZQ_TIME_NONE};
	const cJSON *v;
	int rc;

	if (!c->body || !cJSON_IsObject(c->body))
		return zq_errf(&c->err, ZQ_EINVAL, "body: required, e.g. {\"until\": "
			       "\"2026-12-02T00:00:00Z\"} (null ends the silence)");
	if ((rc = jin_check_fields(c->body, "body.", fields, NULL, &c->err)) < 0)
		return rc;
	if (!(v = jin_get(c->body, "until")))
		return zq_errf(&c->err, ZQ_EINVAL, "body.until: required (a time, or null)");
	if (!cJSON_IsNull(v) && jin_time(v, "body.until", &a.until_ms, &c->err) < 0)
		return ZQ_EINVAL;
	if ((rc = api_tx(c, act_tx, &a)) < 0)
		return rc;
	zq_info("ALERT SILENCE id=%lld by=%s", (long long)a.id, c->who.actor);
	return respond_alert(c, a.id);
}

/* ---- events ------------------------------------------------------------------------ */

static void view_event(zq_jw *w, const alert_event_row *r)
{
	jw_obj_begin(w);
	jw_kint(w, "id", r->id);
	jw_kint_or_null(w, "alert_id", r->alert_id, 0);
	jw_kint(w, "channel_id", r->channel_id);
	jw_kstr(w, "channel_name", r->channel_name[0] ? r->channel_name : NULL);
	jw_kstr(w, "channel_kind", r->channel_kind[0] ? r->channel_kind : NULL);
	jw_kint_or_null(w, "rule_id", r->rule_id, 0);
	jw_kint_or_null(w, "task_id", r->task_id, 0);
	jw_kint_or_null(w, "execution_id", r->execution_id, 0);
	jw_kstr(w, "event", r->event);
	jw_kbool(w, "repeat", r->repeat);
	jw_kstr(w, "status", r->status);
	jw_kint(w, "attempts", r->attempts);
	jw_ktime(w, "next_at", r->next_ms);
	jw_kint_or_null(w, "last_code", r->last_code, -1);
	jw_kstr(w, "last_error", r->last_error);
	jw_kint_or_null(w, "latency_ms", r->latency_ms, -1);
	jw_ktime(w, "created_at", r->created_ms);
	jw_ktime(w, "sent_at", r->sent_ms);
	jw_key(w, "facts");
	if (r->facts)
		jw_json(w, r->facts, strlen(r->facts));
	else
		jw_null(w);
	jw_obj_end(w);
}

static int event_filter(zq_ctx *c, alert_event_filter *f)
{
	static const char *const statuses[] = {"pending", "sending", "sent", "failed", "silenced",
					       NULL};
	const zq_query *q = &c->req->query;
	const char *s = zq_query_get(q, "status");
	int rc, ok = 0;

	memset(f, 0, sizeof(*f));
	if (s && *s) {
		for (int i = 0; statuses[i]; i++)
			ok |= strcmp(s, statuses[i]) == 0;
		if (!ok)
			return zq_errf(&c->err, ZQ_EINVAL, "status: must be pending, sending, sent, "
				       "failed or silenced");
		f->status = s;
	}
	if ((rc = page_params(c, &f->limit, &f->before_id)) < 0 ||
	    (rc = zq_query_int(q, "channel_id", 0, 1, INT64_MAX, &f->channel_id, &c->err)) < 0 ||
	    (rc = zq_query_int(q, "task_id", 0, 1, INT64_MAX, &f->task_id, &c->err)) < 0)
		return rc;
	return zq_query_int(q, "alert_id", 0, 1, INT64_MAX, &f->alert_id, &c->err);
}

int h_alert_events_list(zq_ctx *c)
{
	alert_event_filter f;
	alert_event_row *rows = NULL;
	int64_t next = 0;
	int n = 0, rc;

	if ((rc = event_filter(c, &f)) < 0 ||
	    (rc = alert_store_events_list(c->db, &f, &rows, &n, &next, &c->err)) < 0)
		return rc;
	jw_obj_begin(&c->w);
	jw_key(&c->w, "items");
	jw_arr_begin(&c->w);
	for (int i = 0; i < n; i++)
		view_event(&c->w, &rows[i]);
	page_end(c, next);
	alert_event_rows_free(rows, n);
	return 0;
}

int h_alert_event_get(zq_ctx *c)
{
	alert_event_row r;
	int rc = alert_store_event_get(c->db, c->p[0], &r, &c->err);

	if (rc == 0)
		view_event(&c->w, &r);
	free(r.last_error);
	free(r.facts);
	return rc;
}
