/* api.c - the request pipeline: route, authenticate, authorise, parse,
 * handle, map errors, count. The role check happens here, once, from the
 * route table - handlers never check roles. */
#include "api.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit_store.h"
#include "auth.h"
#include "jsonin.h"
#include "log.h"
#include "timeutil.h"
#include "user_store.h"

#define API_PREFIX "/api/v1"
#define HASH_WAIT_S 30

void zq_api_init(zq_api *api, const zq_config *cfg)
{
	memset(api, 0, sizeof(*api));
	api->cfg = cfg;
	api->routes = zq_api_routes(&api->nroutes);
	api->metrics = zq_metrics_new(api->nroutes);
	sem_init(&api->hash_slots, 0, (unsigned)cfg->api_hash_concurrency);
}

int zq_api_alerts_init(zq_api *api, zq_err *err)
{
	netaddr_list_free(api->alerts_allow);
	api->alerts_allow = netaddr_list_parse(api->cfg->alerts_allow, err);
	return api->alerts_allow ? 0 : ZQ_EINVAL;
}

void zq_api_release(zq_api *api)
{
	netaddr_list_free(api->alerts_allow);
	api->alerts_allow = NULL;
	zq_metrics_free(api->metrics);
	sem_destroy(&api->hash_slots);
}

void api_status(zq_ctx *c, int status)
{
	c->resp->status = status;
}

int api_audit(zq_ctx *c, const char *action, const char *target_type, int64_t target_id,
	      int64_t task_id, const char *detail)
{
	zq_audit a = {c->who.authenticated ? c->who.actor : NULL, action, target_type, target_id,
		      task_id, detail, c->req->remote_addr};

	return audit_store_add(c->db, &a, &c->err);
}

int api_body_object(zq_ctx *c, const char *const *fields, const char *const *readonly)
{
	if (!c->body)
		return zq_errf(&c->err, ZQ_EINVAL, "body: required (a JSON object)");
	if (!cJSON_IsObject(c->body))
		return zq_errf(&c->err, ZQ_EINVAL, "body: must be a JSON object");
	return jin_check_fields(c->body, "body.", fields, readonly, &c->err);
}

int api_tx(zq_ctx *c, int (*fn)(zq_ctx *c, void *arg), void *arg)
{
	int rc = 0;

	for (int attempt = 0; attempt < 4; attempt++) {
		zq_err_clear(&c->err);
		if ((rc = zq_db_begin(c->db, &c->err)) < 0)
			return rc;
		if ((rc = fn(c, arg)) == 0)
			rc = zq_db_commit(c->db, &c->err);
		if (rc < 0)
			zq_db_rollback(c->db);
		if (rc != ZQ_EBUSY)
			break;
	}
	return rc;
}

int api_paging(zq_ctx *c, int64_t def, int64_t max_limit, int64_t *skip, int64_t *limit)
{
	int rc;

	if ((rc = zq_query_int(&c->req->query, "skip", 0, 0, 1000000000, skip, &c->err)) < 0)
		return rc;
	return zq_query_int(&c->req->query, "limit", def, 1, max_limit, limit, &c->err);
}

void api_page_begin(zq_ctx *c, const char *items)
{
	jw_obj_begin(&c->w);
	jw_key(&c->w, items);
	jw_arr_begin(&c->w);
}

void api_page_end(zq_ctx *c, int64_t total, int64_t skip, int64_t limit)
{
	jw_arr_end(&c->w);
	jw_kint(&c->w, "total", total);
	jw_kint(&c->w, "skip", skip);
	jw_kint(&c->w, "limit", limit);
	jw_obj_end(&c->w);
}

void api_page_end_capped(zq_ctx *c, int64_t total, int capped, int64_t skip, int64_t limit)
{
	jw_arr_end(&c->w);
	jw_kint(&c->w, "total", total);
	jw_kbool(&c->w, "total_capped", capped);
	jw_kint(&c->w, "skip", skip);
	jw_kint(&c->w, "limit", limit);
	jw_obj_end(&c->w);
}

int api_hash_acquire(zq_ctx *c)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += HASH_WAIT_S;
	while (sem_timedwait(&c->api->hash_slots, &ts) < 0) {
		if (errno != EINTR)
			return zq_errf(&c->err, ZQ_EBUSY, "too many password checks at once; "
				       "try again");
	}
	return 0;
}

void api_hash_release(zq_ctx *c)
{
	sem_post(&c->api->hash_slots);
}

/* ---- the pipeline -------------------------------------------------------------- */

static int route(zq_ctx *c, const char *path)
{
	zq_route_match m;
	int rc;

	if (strncmp(path, API_PREFIX, strlen(API_PREFIX)) != 0 ||
	    (path[strlen(API_PREFIX)] != '/' && path[strlen(API_PREFIX)] != '\0'))
		return zq_errf(&c->err, ZQ_ENOTFOUND, "not found: %.200s", path);
	path += strlen(API_PREFIX);
	rc = zq_router_match(c->api->routes, c->api->nroutes, c->req->method, *path ? path : "/",
			     &m);
	if (rc == ZQ_EUNSUPPORTED) {
		zq_http_resp_header(c->resp, "Allow", m.allow);
		return zq_errf(&c->err, rc, "method %.16s not allowed here; allowed: %s",
			       c->req->method, m.allow);
	}
	if (rc < 0)
		return zq_errf(&c->err, rc, "not found: %.200s", c->req->path);
	c->route_index = m.index;
	memcpy(c->p, m.params, sizeof(c->p));
	return 0;
}

/* The body of a route that takes one: JSON (or a form where allowed). An
 * empty body is "no body" (c->body stays NULL). */
static int parse_body(zq_ctx *c, const zq_route *r)
{
	char media[64];

	if (c->req->body_too_big)
		return zq_errf(&c->err, ZQ_ETOOBIG, "body: larger than %d bytes",
			       c->api->cfg->api_max_body);
	if (!(r->flags & ZQ_ROUTE_BODY) || c->req->body_len == 0)
		return 0;
	zq_http_media_type(c->req->content_type, media, sizeof(media));
	if ((r->flags & ZQ_ROUTE_FORM) && strcmp(media, "application/x-www-form-urlencoded") == 0) {
		c->is_form = 1;
		return zq_query_parse(&c->form, c->req->body, c->req->body_len, "body", &c->err);
	}
	if (strcmp(media, "application/json") != 0)
		return zq_errf(&c->err, ZQ_EINVAL, "Content-Type: must be application/json%s, got "
			       "'%.60s'", (r->flags & ZQ_ROUTE_FORM)
			       ? " or application/x-www-form-urlencoded" : "",
			       *c->req->content_type ? c->req->content_type : "none");
	return jin_parse(c->req->body, c->req->body_len, &c->body, &c->err);
}

static int authorise(zq_ctx *c, const zq_route *r)
{
	int rc;

	if (r->min_role == ZQ_ACCESS_PUBLIC)
		return 0;
	if ((rc = auth_request(c)) < 0) {
		if (rc == ZQ_EAUTH)
			zq_http_resp_header(c->resp, "WWW-Authenticate", "Bearer");
		return rc;
	}
	if (c->who.role < r->min_role)
		return zq_errf(&c->err, ZQ_EPERM, "this needs the %s role; you are %s",
			       zq_route_access_name(r->min_role), zq_role_name(c->who.role));
	return 0;
}

static int run(zq_ctx *c)
{
	const zq_route *r;
	int rc;

	if ((rc = route(c, c->req->path)) < 0)
		return rc;
	r = &c->api->routes[c->route_index];
	if ((rc = zq_query_parse(&c->req->query, c->req->query_string,
				 strlen(c->req->query_string), "query", &c->err)) < 0)
		return rc;
	if ((rc = authorise(c, r)) < 0 || (rc = parse_body(c, r)) < 0)
		return rc;
	return r->fn(c);
}

/* Error -> status and {"detail"}; server-side failures are logged here,
 * once, and their text (SQL, internals) never reaches the client. */
static void fail(zq_ctx *c, int rc)
{
	int status = zq_http_status_for(rc);
	const char *detail = c->err.msg[0] ? c->err.msg : zq_strerror(rc);

	if (rc == ZQ_EDB || rc == ZQ_EDBDOWN || rc == ZQ_EBUSY)
		zq_metrics_db_error(c->api->metrics);
	if (status >= 500) {
		zq_error("%s %s -> %d: %s", c->req->method, c->req->path, status, detail);
		if (rc == ZQ_EDBDOWN)
			detail = "database unavailable; try again shortly";
		else if (rc != ZQ_EBUSY)
			detail = "internal error";
	}
	if (status == 503)
		zq_http_resp_header(c->resp, "Retry-After", "1");
	zq_http_resp_error(c->resp, status, detail);
}

void zq_api_handle(zq_api *api, zq_db *db, zq_http_req *req, zq_http_resp *resp)
{
	int64_t t0 = zq_mono_us();
	zq_ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.api = api;
	c.db = db;
	c.req = req;
	c.resp = resp;
	c.route_index = -1;
	jw_init(&c.w, &resp->body);
	zq_metrics_in_flight(api->metrics, 1);
	rc = run(&c);
	if (rc == 0 && c.w.err)
		rc = zq_errf(&c.err, ZQ_EINTERNAL, "response too large");
	if (rc < 0) {
		if (zq_db_in_transaction(db))
			zq_db_rollback(db);
		fail(&c, rc);
	}
	cJSON_Delete(c.body);
	if (c.task) {
		task_store_row_release(c.task);
		free(c.task);
	}
	zq_query_release(&c.form);
	zq_query_release(&req->query);
	zq_metrics_observe(api->metrics, c.route_index, resp->status, zq_mono_us() - t0);
	zq_metrics_in_flight(api->metrics, -1);
}
