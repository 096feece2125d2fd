/* router.h - a table of routes: method + path pattern -> handler, with the
 * least role allowed to call it. The table (routes.c) is the one place that
 * says who may do what; the dispatcher (api.c) enforces it.
 *
 * Patterns are paths below /api/v1 made of literal segments and integer
 * parameters written {name}: "/scheduler/tasks/{id}/executions/{eid}". A
 * parameter segment matches 1-18 decimal digits only, so
 * /scheduler/tasks/abc is a 404, never a handler call with a bad id. */
#ifndef ZQ_ROUTER_H
#define ZQ_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#define ZQ_ROUTE_MAX_PARAMS 4

/* Who may call a route (the caller's role must be >= min_role). */
enum zq_route_access {
	ZQ_ACCESS_PUBLIC = -1, /* no token needed */
	ZQ_ACCESS_VIEWER = 0,  /* = ZQ_ROLE_VIEWER: any valid token */
	ZQ_ACCESS_OPERATOR = 1,
	ZQ_ACCESS_ADMIN = 2,
};

/* Route flags */
#define ZQ_ROUTE_BODY 0x01  /* takes a JSON body (Content-Type checked when a body is sent) */
#define ZQ_ROUTE_FORM 0x02  /* also accepts application/x-www-form-urlencoded */
/* The {id} task is read in the same statement as the token (one round trip
 * for the hottest read); the handler uses it only after the usual checks. */
#define ZQ_ROUTE_TASK_WITH_TOKEN 0x04
/* The first parameter may also be a name (1-64 of letters, digits, . _ -,
 * not all digits): it is then 0 and the handler reads the name from the
 * path (calendars: /scheduler/calendars/SSE). */
#define ZQ_ROUTE_NAME 0x08

struct zq_ctx;
typedef int (*zq_handler)(struct zq_ctx *c);

typedef struct zq_route {
	const char *method;
	const char *pattern;
	int min_role;        /* enum zq_route_access */
	int flags;
	zq_handler fn;
	const char *summary; /* one line, for --routes */
} zq_route;

typedef struct zq_route_match {
	int index;                            /* into the table, -1 when none */
	int64_t params[ZQ_ROUTE_MAX_PARAMS];  /* in pattern order */
	int nparams;
	char allow[128];                      /* methods of the path, for 405 */
} zq_route_match;

/* Match method + path (already stripped of the /api/v1 prefix; a single
 * trailing slash is ignored). HEAD matches GET routes. Returns 0 with
 * m->index set, ZQ_ENOTFOUND when no pattern matches the path, or
 * ZQ_EUNSUPPORTED when the path matches but not the method (m->allow lists
 * the methods that do, e.g. "GET, PUT, DELETE"). */
int zq_router_match(const zq_route *routes, int n, const char *method, const char *path,
		    zq_route_match *m);

/* Check a table: every pattern well formed, no duplicate method+pattern.
 * Returns 0 or -1 with a message in msg. */
int zq_router_check(const zq_route *routes, int n, char *msg, size_t msgsz);

/* "public" | "viewer" | "operator" | "admin" */
const char *zq_route_access_name(int min_role);

#endif
