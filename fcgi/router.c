/* router.c - segment-by-segment matching of a path against route patterns.
 * The table is small (tens of routes): a linear scan is faster than any
 * index and keeps the table the single source of truth. */
#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define ZQ_SEG_MAX 16

/* Split path into segments (pointers into path, with lengths). A single
 * trailing slash is ignored; an empty segment elsewhere fails. Returns the
 * count or -1. */
static int split(const char *path, const char **seg, size_t *seglen)
{
	const char *p = path;
	int n = 0;

	if (*p != '/')
		return -1;
	while (*p == '/') {
		const char *start = ++p;
		while (*p && *p != '/')
			p++;
		if (p == start)
			return *p ? -1 : n; /* "//" fails; "/" at the end ends */
		if (n == ZQ_SEG_MAX)
			return -1;
		seg[n] = start;
		seglen[n++] = (size_t)(p - start);
	}
	return n;
}

static int is_param(const char *pat, size_t len)
{
	return len > 2 && pat[0] == '{' && pat[len - 1] == '}';
}

static int parse_id(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;

	if (len == 0 || len > 18)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* A name where a ZQ_ROUTE_NAME route's first parameter may be one: 1-64 of
 * letters, digits and . _ - (not all digits: that is an id). */
static int is_name(const char *s, size_t len)
{
	if (len == 0 || len > 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("._-", s[i])))
			return 0;
	return 1;
}

static int match_param(const char *s, size_t len, int by_name, int64_t *out)
{
	if (parse_id(s, len, out) == 0)
		return 0;
	if (by_name && is_name(s, len)) {
		*out = 0;
		return 0;
	}
	return -1;
}

/* Does the path's segment list match pattern? Fills params. */
static int match_pattern(const char *pattern, int flags, const char **seg, const size_t *seglen,
			 int nseg, int64_t *params, int *nparams)
{
	const char *p = pattern;
	int i = 0;

	*nparams = 0;
	while (*p == '/' && p[1]) {
		const char *start = ++p;
		size_t len;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - start);
		if (i >= nseg)
			return 0;
		if (is_param(start, len)) {
			if (*nparams == ZQ_ROUTE_MAX_PARAMS ||
			    match_param(seg[i], seglen[i], (flags & ZQ_ROUTE_NAME) && *nparams == 0,
					&params[*nparams]) < 0)
				return 0;
			(*nparams)++;
		} else if (len != seglen[i] || memcmp(start, seg[i], len) != 0) {
			return 0;
		}
		i++;
	}
	return i == nseg;
}

static void allow_add(char *allow, size_t sz, const char *method)
{
	size_t used = strlen(allow);

	if (strstr(allow, method))
		return;
	snprintf(allow + used, sz - used, "%s%s", used ? ", " : "", method);
}

int zq_router_match(const zq_route *routes, int n, const char *method, const char *path,
		    zq_route_match *m)
{
	const char *seg[ZQ_SEG_MAX], *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
	size_t seglen[ZQ_SEG_MAX];
	int nseg = split(path, seg, seglen), path_seen = 0;

	m->index = -1;
	m->nparams = 0;
	m->allow[0] = '\0';
	if (nseg < 0)
		return ZQ_ENOTFOUND;
	for (int i = 0; i < n; i++) {
		int64_t params[ZQ_ROUTE_MAX_PARAMS];
		int np;
		if (!match_pattern(routes[i].pattern, routes[i].flags, seg, seglen, nseg, params, &np))
			continue;
		path_seen = 1;
		allow_add(m->allow, sizeof(m->allow), routes[i].method);
		if (m->index < 0 && strcmp(routes[i].method, want) == 0) {
			m->index = i;
			m->nparams = np;
			memcpy(m->params, params, sizeof(params));
		}
	}
	if (m->index >= 0)
		return 0;
	return path_seen ? ZQ_EUNSUPPORTED : ZQ_ENOTFOUND;
}

int zq_router_check(const zq_route *routes, int n, char *msg, size_t msgsz)
{
	for (int i = 0; i < n; i++) {
		const char *p = routes[i].pattern;
		if (!p || p[0] != '/' || strstr(p, "//") || !routes[i].fn || !routes[i].method) {
			snprintf(msg, msgsz, "route %d: malformed", i);
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(routes[i].method, routes[j].method) == 0 &&
			    strcmp(routes[i].pattern, routes[j].pattern) == 0) {
				snprintf(msg, msgsz, "route %s %s: duplicate", routes[i].method, p);
				return -1;
			}
	}
	return 0;
}

const char *zq_route_access_name(int min_role)
{
	switch (min_role) {
	case ZQ_ACCESS_PUBLIC: return "public";
	case ZQ_ACCESS_VIEWER: return "viewer";
	case ZQ_ACCESS_OPERATOR: return "operator";
	case ZQ_ACCESS_ADMIN: return "admin";
	default: return "unknown";
	}
}
