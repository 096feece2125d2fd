/* api.h - zq-api's request pipeline and what handlers see.
 *
 * zq_api_handle() runs one request: route match (404 / 405 with Allow),
 * query parsing, authentication and the route's role (401 / 403), body
 * size, media type and JSON parsing (413 / 400), then the handler, then the
 * error mapping ({"detail": ...}) and the metrics. Handlers return 0 after
 * writing their response with the context's JSON writer, or a negative
 * ZQ_E* code with c->err naming the field at fault; they never write error
 * bodies themselves.
 *
 * Threads: a zq_api is shared and read-only after zq_api_init (the metrics
 * use atomics, the hash limiter a semaphore); a zq_ctx lives on one worker
 * thread for one request, with that thread's DB connection. */
#ifndef ZQ_API_H
#define ZQ_API_H

#include <cjson/cJSON.h>
#include <semaphore.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "jsonw.h"
#include "metrics.h"
#include "netaddr.h"
#include "router.h"
#include "task_store.h"

typedef struct zq_api {
	const zq_config *cfg;
	const zq_route *routes;
	int nroutes;
	zq_metrics *metrics;
	sem_t hash_slots;        /* api.hash_concurrency argon2id computations at once */
	const char *openapi;     /* the contract, served at /openapi.json */
	size_t openapi_len;
	netaddr_list *alerts_allow; /* alerts.allow, parsed once (zq_api_alerts_init); NULL = empty */
} zq_api;

/* Who is calling (filled by authentication). */
typedef struct zq_principal {
	int authenticated;
	int role;                /* enum zq_role */
	int64_t token_id;
	int64_t user_id;         /* 0 for tokens without a user */
	char kind[16];           /* session | api */
	char token_name[129];
	char username[257];
	char actor[140];         /* for the audit log: username, or "token:NAME" */
	int64_t expires_ms;
} zq_principal;

typedef struct zq_ctx {
	zq_api *api;
	zq_db *db;
	zq_http_req *req;
	zq_http_resp *resp;
	int route_index;
	int64_t p[ZQ_ROUTE_MAX_PARAMS];  /* path parameters in pattern order */
	zq_principal who;
	cJSON *body;             /* parsed JSON body, NULL when none was sent */
	zq_query form;           /* parsed form body (is_form) */
	int is_form;
	task_store_row *task;     /* read with the token (ZQ_ROUTE_TASK_WITH_TOKEN), or NULL */
	int task_found;
	zq_err err;
	zq_jw w;                 /* writes c->resp->body */
} zq_ctx;

/* Set up api (routes from routes.c, metrics, hash limiter). */
void zq_api_init(zq_api *api, const zq_config *cfg);
void zq_api_release(zq_api *api);
/* Parse alerts.allow for the alert channel checks (start-up; ZQ_EINVAL +
 * err "alerts.allow: 'x' is not an IP or CIDR"). */
int zq_api_alerts_init(zq_api *api, zq_err *err);

/* Handle one request; resp is filled (status, headers, body). */
void zq_api_handle(zq_api *api, zq_db *db, zq_http_req *req, zq_http_resp *resp);

/* ---- helpers for handlers ---------------------------------------------------- */

/* Set the status of a JSON response (the body is written with c->w). */
void api_status(zq_ctx *c, int status);
/* Write an audit row (inside the handler's transaction if one is open).
 * target_type/detail may be NULL, ids 0. */
int api_audit(zq_ctx *c, const char *action, const char *target_type, int64_t target_id,
	      int64_t task_id, const char *detail);
/* Run fn in a transaction: commit when it returns 0, roll back otherwise;
 * a deadlock or lock wait timeout (ZQ_EBUSY) is retried up to 3 times. fn
 * must not write the response before the commit succeeded, so it writes
 * into scratch state the caller renders after. */
int api_tx(zq_ctx *c, int (*fn)(zq_ctx *c, void *arg), void *arg);
/* The request body as a JSON object whose keys are among fields (NULL-ended)
 * and none of readonly (may be NULL): 0, or ZQ_EINVAL with "body: required
 * (a JSON object)", "body: must be a JSON object", "body.x: unknown field". */
int api_body_object(zq_ctx *c, const char *const *fields, const char *const *readonly);
/* Pagination parameters: skip (0..) and limit (1..max_limit, default def). */
int api_paging(zq_ctx *c, int64_t def, int64_t max_limit, int64_t *skip, int64_t *limit);
/* Begin / end {"<items>": [...], "total": N, "skip": S, "limit": L} */
void api_page_begin(zq_ctx *c, const char *items);
void api_page_end(zq_ctx *c, int64_t total, int64_t skip, int64_t limit);
/* the same for a list whose count stops at a bound: "total_capped" says
 * whether total is that bound rather than the exact count */
void api_page_end_capped(zq_ctx *c, int64_t total, int capped, int64_t skip, int64_t limit);

/* Bounded argon2id: take / give back a hashing slot (waits up to 30 s;
 * ZQ_EBUSY when none frees up). */
int api_hash_acquire(zq_ctx *c);
void api_hash_release(zq_ctx *c);

/* The route table (routes.c). */
const zq_route *zq_api_routes(int *n);

#endif
