/* h_alert_channels.c - alert channels: list, create, get, update, delete,
 * send a test (admin only: routes.c).
 *
 * Secrets (a robot's URL, a signing secret, an SMTP password) are
 * write-only: alert_chan_check() splits a body's config into the public
 * part and the secrets, every response shows alert_chan_masked() ("***"
 * for each set secret), a PUT that sends "***" keeps the stored value, and
 * neither the audit rows nor the log lines carry any value of a config.
 * The name, kind, enabled and lang checks are db/jobs/alert_check.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_chan.h"
#include "alert_check.h"
#include "alert_store.h"
#include "handlers.h"
#include "jsonin.h"
#include "log.h"
#include "mem.h"

#define USED_MAX 50

static const char *const chan_fields[] = {"name", "kind", "enabled", "lang", "config", NULL};
static const char *const chan_readonly[] = {"id", "created_by", "created_at", "updated_at",
					    NULL};

static void view_channel(zq_jw *w, const alert_channel_row *r)
{
	int k = alert_chan_kind_parse(r->kind);
	cJSON *pub = r->config ? cJSON_Parse(r->config) : NULL;
	cJSON *sec = r->secrets ? cJSON_Parse(r->secrets) : NULL;
	cJSON *masked = k >= 0 ? alert_chan_masked((alert_chan_kind)k, pub, sec)
			       : cJSON_CreateObject();
	char *text = cJSON_PrintUnformatted(masked);

	jw_obj_begin(w);
	jw_kint(w, "id", r->id);
	jw_kstr(w, "name", r->name);
	jw_kstr(w, "kind", r->kind);
	jw_kbool(w, "enabled", r->enabled);
	jw_kstr(w, "lang", r->lang);
	jw_key(w, "config");
	jw_json(w, text, strlen(text));
	jw_kstr(w, "created_by", r->created_by[0] ? r->created_by : NULL);
	jw_ktime(w, "created_at", r->created_ms);
	jw_ktime(w, "updated_at", r->updated_ms);
	jw_obj_end(w);
	cJSON_free(text);
	cJSON_Delete(masked);
	cJSON_Delete(pub);
	cJSON_Delete(sec);  /* its strings are freed, not wiped: cJSON owns them */
}

static int respond_channel(zq_ctx *c, int64_t id, int status)
{
	alert_channel_row r;
	int rc = alert_store_channel_get(c->db, id, 0, &r, &c->err);

	if (rc == 0) {
		api_status(c, status);
		view_channel(&c->w, &r);
	}
	alert_channel_row_release(&r);
	return rc;
}

int h_alert_channels_list(zq_ctx *c)
{
	alert_channel_row *rows = NULL;
	int n = 0, rc;

	if ((rc = alert_store_channels_list(c->db, &rows, &n, &c->err)) < 0)
		return rc;
	jw_obj_begin(&c->w);
	jw_key(&c->w, "items");
	jw_arr_begin(&c->w);
	for (int i = 0; i < n; i++)
		view_channel(&c->w, &rows[i]);
	jw_arr_end(&c->w);
	jw_obj_end(&c->w);
	alert_channel_rows_free(rows, n);
	return 0;
}

int h_alert_channel_get(zq_ctx *c)
{
	return respond_channel(c, c->p[0], 200);
}

/* ---- create / update ------------------------------------------------------------ */

static int need_object(zq_ctx *c)
{
	return api_body_object(c, chan_fields, chan_readonly);
}

/* Check the body's config against r->kind (stored secrets keep "***"
 * values) and put the public part and the secrets into r. */
static int apply_config(zq_ctx *c, alert_channel_row *r, const cJSON *config)
{
	cJSON *stored = r->secrets ? cJSON_Parse(r->secrets) : NULL;
	cJSON *pub = NULL, *sec = NULL;
	int rc;

	rc = alert_chan_check((alert_chan_kind)alert_chan_kind_parse(r->kind), config, stored,
			      c->api->alerts_allow, c->api->cfg->alerts_deny_private, &pub, &sec,
			      &c->err);
	cJSON_Delete(stored);
	if (rc < 0)
		return zq_err_prefix(&c->err, "body.");
	alert_channel_row_release(r);
	r->config = cJSON_PrintUnformatted(pub);
	r->secrets = sec && sec->child ? cJSON_PrintUnformatted(sec) : NULL;
	cJSON_Delete(pub);
	cJSON_Delete(sec);
	return 0;
}

static int create_tx(zq_ctx *c, void *arg)
{
	alert_channel_row *r = arg;
	char detail[600];
	int rc;

	if ((rc = alert_store_channel_insert(c->db, r, &r->id, &c->err)) < 0)
		return rc;
	snprintf(detail, sizeof(detail), "%s (%s)", r->name, r->kind);
	return api_audit(c, "alert_channel_create", "alert_channel", r->id, 0, detail);
}

int h_alert_channel_create(zq_ctx *c)
{
	alert_channel_row r;
	const cJSON *config;
	int rc, changed;

	memset(&r, 0, sizeof(r));
	r.enabled = 1;
	zq_strlcpy(r.lang, "en", sizeof(r.lang));
	zq_strlcpy(r.created_by, c->who.actor, sizeof(r.created_by));
	if ((rc = need_object(c)) < 0 ||
	    (rc = alert_check_channel(c->body, "body.", 1, &r, &changed, &c->err)) < 0)
		goto out;
	if (!(config = jin_get(c->body, "config"))) {
		rc = zq_errf(&c->err, ZQ_EINVAL, "body.config: required (an object)");
		goto out;
	}
	if ((rc = apply_config(c, &r, config)) < 0 || (rc = api_tx(c, create_tx, &r)) < 0)
		goto out;
	zq_info("ALERT CHANNEL CREATE id=%lld kind=%s by=%s", (long long)r.id, r.kind,
		c->who.actor);
	rc = respond_channel(c, r.id, 201);
out:
	alert_channel_row_release(&r);
	return rc;
}

static void field_names(const cJSON *body, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (const cJSON *m = body->child; m && len + 1 < n; m = m->next)
		len += (size_t)snprintf(out + len, n - len, "%s%s", len ? "," : "", m->string);
}

static int update_tx(zq_ctx *c, void *arg)
{
	int64_t id = *(int64_t *)arg;
	const cJSON *config = jin_get(c->body, "config");
	alert_channel_row r;
	char fields[200];
	int rc, changed;

	if ((rc = alert_store_channel_get(c->db, id, 1, &r, &c->err)) < 0 ||
	    (rc = alert_check_channel(c->body, "body.", 0, &r, &changed, &c->err)) < 0)
		goto out;
	if (changed && !config) {
		rc = zq_errf(&c->err, ZQ_EINVAL, "body.config: required when the kind changes");
		goto out;
	}
	if (changed) {  /* another kind's secrets stand for nothing here */
		free(r.secrets);
		r.secrets = NULL;
	}
	if (config && (rc = apply_config(c, &r, config)) < 0)
		goto out;
	if ((rc = alert_store_channel_update(c->db, &r, &c->err)) < 0)
		goto out;
	field_names(c->body, fields, sizeof(fields));
	rc = api_audit(c, "alert_channel_update", "alert_channel", id, 0, fields);
out:
	alert_channel_row_release(&r);
	return rc;
}

int h_alert_channel_update(zq_ctx *c)
{
	int64_t id = c->p[0];
	int rc;

	if ((rc = need_object(c)) < 0)
		return rc;
	if (!c->body->child)
		return zq_errf(&c->err, ZQ_EINVAL, "body: no fields to update");
	if ((rc = api_tx(c, update_tx, &id)) < 0)
		return rc;
	zq_info("ALERT CHANNEL UPDATE id=%lld by=%s", (long long)id, c->who.actor);
	return respond_channel(c, id, 200);
}

/* ---- delete / test --------------------------------------------------------------- */

struct del {
	int64_t id;
	int force;
	int64_t rules[USED_MAX];
	int nrules;
};

/* "alert channel 3 is used by 2 rules (4, 9); ..." */
static int used_error(zq_ctx *c, const struct del *d)
{
	char ids[USED_MAX * 21];
	size_t len = 0;

	ids[0] = '\0';
	for (int i = 0; i < d->nrules && len + 22 < sizeof(ids); i++)
		len += (size_t)snprintf(ids + len, sizeof(ids) - len, "%s%lld", i ? ", " : "",
					(long long)d->rules[i]);
	return zq_errf(&c->err, ZQ_ECONFLICT, "alert channel %lld is used by %s%d rule%s (%s); "
		       "remove it from them first, or delete with ?force=true", (long long)d->id,
		       d->nrules == USED_MAX ? "at least " : "", d->nrules,
		       d->nrules == 1 ? "" : "s", ids);
}

static int delete_tx(zq_ctx *c, void *arg)
{
	struct del *d = arg;
	alert_channel_row r;
	char detail[700];
	int rc;

	if ((rc = alert_store_channel_get(c->db, d->id, 1, &r, &c->err)) < 0 ||
	    (rc = alert_store_channel_rules(c->db, d->id, d->rules, USED_MAX, &d->nrules,
					    &c->err)) < 0)
		goto out;
	if (d->nrules && !d->force) {
		rc = used_error(c, d);
		goto out;
	}
	if ((rc = alert_store_channel_delete(c->db, d->id, &c->err)) < 0)
		goto out;
	snprintf(detail, sizeof(detail), "%s (%s)%s", r.name, r.kind,
		 d->nrules ? ", forced: removed from its rules" : "");
	rc = api_audit(c, "alert_channel_delete", "alert_channel", d->id, 0, detail);
out:
	alert_channel_row_release(&r);
	return rc;
}

static void respond_used(zq_ctx *c, const struct del *d)
{
	api_status(c, 409);
	jw_obj_begin(&c->w);
	jw_kstr(&c->w, "detail", c->err.msg);
	jw_key(&c->w, "rules");
	jw_arr_begin(&c->w);
	for (int i = 0; i < d->nrules; i++)
		jw_int(&c->w, d->rules[i]);
	jw_arr_end(&c->w);
	jw_obj_end(&c->w);
}

int h_alert_channel_delete(zq_ctx *c)
{
	struct del d;
	int rc;

	memset(&d, 0, sizeof(d));
	d.id = c->p[0];
	if ((rc = zq_query_bool(&c->req->query, "force", 0, &d.force, &c->err)) < 0)
		return rc;
	rc = api_tx(c, delete_tx, &d);
	if (rc == ZQ_ECONFLICT && d.nrules) {
		respond_used(c, &d);
		return 0;
	}
	if (rc < 0)
		return rc;
	zq_info("ALERT CHANNEL DELETE id=%lld by=%s%s", (long long)d.id, c->who.actor,
		d.nrules ? " (forced)" : "");
	api_status(c, 204);
	return 0;
}

struct test {
	int64_t id;
	int64_t event_id;
};

static int test_tx(zq_ctx *c, void *arg)
{
	struct test *t = arg;
	char detail[200];
	int rc = alert_store_channel_exists(c->db, t->id, &c->err);

	if (rc == 0)
		rc = zq_errf(&c->err, ZQ_ENOTFOUND, "alert channel %lld not found", (long long)t->id);
	if (rc < 0)
		return rc;
	snprintf(detail, sizeof(detail), "a test message sent by %s", c->who.actor);
	if ((rc = alert_store_event_test(c->db, t->id, detail, &t->event_id, &c->err)) < 0)
		return rc;
	return api_audit(c, "alert_channel_test", "alert_channel", t->id, 0, NULL);
}

int h_alert_channel_test(zq_ctx *c)
{
	struct test t = {c->p[0], 0};
	int rc;

	if ((rc = api_tx(c, test_tx, &t)) < 0)
		return rc;
	api_status(c, 202);
	jw_obj_begin(&c->w);
	jw_kint(&c->w, "event_id", t.event_id);
	jw_obj_end(&c->w);
	return 0;
}
