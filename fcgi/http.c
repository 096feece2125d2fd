/* http.c - query strings, form bodies, headers and response framing. */
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "jsonw.h"
#include "mem.h"
#include "timeutil.h"
#include "utf8.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode s[0..n) in place into dst (dst may equal s); returns the decoded
 * length or -1 on a bad or NUL escape. */
static long url_decode(char *dst, const char *s, size_t n)
{
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			dst[j++] = ' ';
		} else if (s[i] == '%') {
			int hi, lo;
			if (i + 2 >= n || (hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0 || (hi == 0 && lo == 0))
				return -1;
			dst[j++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			dst[j++] = s[i];
		}
	}
	dst[j] = '\0';
	return (long)j;
}

void zq_query_release(zq_query *q)
{
	free(q->store);
	q->store = NULL;
	q->n = 0;
}

static int bad(zq_query *q, zq_err *err, const char *what, const char *why)
{
	zq_query_release(q);
	return zq_errf(err, ZQ_EINVAL, "%s: %s", what, why);
}

int zq_query_parse(zq_query *q, const char *s, size_t n, const char *what, zq_err *err)
{
	char *p, *end;

	q->n = 0;
	q->store = zq_strndup(s ? s : "", s ? n : 0);
	p = q->store;
	end = p + strlen(p);
	while (p < end) {
		char *amp = memchr(p, '&', (size_t)(end - p)), *eq;
		char *stop = amp ? amp : end;
		long klen, vlen;
		*stop = '\0';
		if (stop == p) {
			p = stop + 1;
			continue;
		}
		if (q->n == ZQ_QUERY_MAX)
			return bad(q, err, what, "too many parameters");
		eq = strchr(p, '=');
		if (eq)
			*eq = '\0';
		klen = url_decode(p, p, strlen(p));
		vlen = eq ? url_decode(eq + 1, eq + 1, strlen(eq + 1)) : 0;
		if (klen < 0 || vlen < 0)
			return bad(q, err, what, "bad percent-encoding");
		if (zq_utf8_check(p, (size_t)klen, NULL) < 0 ||
		    (eq && zq_utf8_check(eq + 1, (size_t)vlen, NULL) < 0))
			return bad(q, err, what, "not valid UTF-8");
		q->kv[q->n].key = p;
		q->kv[q->n].val = eq ? eq + 1 : stop; /* stop points at a NUL */
		q->n++;
		p = stop + 1;
	}
	return 0;
}

const char *zq_query_get(const zq_query *q, const char *key)
{
	for (int i = 0; i < q->n; i++)
		if (strcmp(q->kv[i].key, key) == 0)
			return q->kv[i].val;
	return NULL;
}

int zq_query_int(const zq_query *q, const char *key, int64_t def, int64_t min, int64_t max,
		 int64_t *out, zq_err *err)
{
	const char *v = zq_query_get(q, key);
	char *end;
	long long n;

	if (!v || !*v) {
		*out = def;
		return 0;
	}
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || *end || !isdigit((unsigned char)v[v[0] == '-']) || n < min || n > max)
		return zq_errf(err, ZQ_EINVAL, "%s: must be an integer %lld-%lld", key,
			       (long long)min, (long long)max);
	*out = n;
	return 0;
}

int zq_query_bool(const zq_query *q, const char *key, int def, int *out, zq_err *err)
{
	const char *v = zq_query_get(q, key);

	if (!v || !*v)
		*out = def;
	else if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = 1;
	else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = 0;
	else
		return zq_errf(err, ZQ_EINVAL, "%s: must be true or false", key);
	return 0;
}

int zq_query_time(const zq_query *q, const char *key, int64_t *out, zq_err *err)
{
	const char *v = zq_query_get(q, key);

	*out = ZQ_TIME_NONE;
	if (!v || !*v)
		return 0;
	if (zq_time_parse_iso(v, out) < 0) {
		*out = ZQ_TIME_NONE;
		return zq_errf(err, ZQ_EINVAL,
			       "%s: must be an ISO-8601 time such as 2026-01-20T10:00:00Z", key);
	}
	return 0;
}

int zq_query_str(const zq_query *q, const char *key, size_t maxlen, const char **out,
		 zq_err *err)
{
	const char *v = zq_query_get(q, key);

	*out = NULL;
	if (!v || !*v)
		return 0;
	if (strlen(v) > maxlen)
		return zq_errf(err, ZQ_EINVAL, "%s: longer than %zu bytes", key, maxlen);
	*out = v;
	return 0;
}

void zq_http_media_type(const char *ct, char *out, size_t outsz)
{
	size_t j = 0;

	if (!outsz)
		return;
	while (ct && (*ct == ' ' || *ct == '\t'))
		ct++;
	for (; ct && *ct && *ct != ';' && *ct != ' ' && *ct != '\t' && j + 1 < outsz; ct++)
		out[j++] = (char)tolower((unsigned char)*ct);
	out[j] = '\0';
}

const char *zq_http_bearer(const char *auth)
{
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return NULL;
	auth += 7;
	while (*auth == ' ')
		auth++;
	return *auth ? auth : NULL;
}

const char *zq_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

int zq_http_status_for(int code)
{
	switch (code) {
	case 0: return 200;
	case ZQ_EINVAL: return 400;
	case ZQ_EAUTH: return 401;
	case ZQ_EPERM: return 403;
	case ZQ_ENOTFOUND: return 404;
	case ZQ_EUNSUPPORTED: return 405;
	case ZQ_ECONFLICT: return 409;
	case ZQ_ESTALE: return 412;
	case ZQ_ETOOBIG: return 413;
	case ZQ_ERATE: return 429;
	case ZQ_EDBDOWN:
	case ZQ_EBUSY:
	case ZQ_ETIMEDOUT: return 503;
	default: return 500;
	}
}

void zq_http_resp_init(zq_http_resp *r)
{
	r->status = 200;
	r->content_type = "application/json";
	r->headers[0] = '\0';
	zq_buf_init(&r->body, (size_t)64 << 20);
}

void zq_http_resp_release(zq_http_resp *r)
{
	zq_buf_release(&r->body);
}

void zq_http_resp_header(zq_http_resp *r, const char *name, const char *value)
{
	size_t used = strlen(r->headers);
	int n = snprintf(r->headers + used, sizeof(r->headers) - used, "%s: %s\r\n", name, value);

	if (n < 0 || (size_t)n >= sizeof(r->headers) - used)
		r->headers[used] = '\0';
}

void zq_http_resp_error(zq_http_resp *r, int status, const char *msg)
{
	r->status = status;
	r->content_type = "application/json";
	zq_buf_reset(&r->body);
	zq_buf_puts(&r->body, "{\"detail\":\"");
	jw_escape(&r->body, msg, strlen(msg));
	zq_buf_puts(&r->body, "\"}");
}

void zq_http_resp_head(const zq_http_resp *r, zq_buf *out)
{
	zq_buf_printf(out, "Status: %d %s\r\n", r->status, zq_http_reason(r->status));
	if (r->status != 204) {
		zq_buf_printf(out, "Content-Type: %s\r\n", r->content_type);
		zq_buf_printf(out, "Content-Length: %zu\r\n", r->body.len);
	}
	zq_buf_puts(out, "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n");
	zq_buf_puts(out, r->headers);
	zq_buf_puts(out, "\r\n");
}

/* ---- the client's address ---------------------------------------------------------- */

static int proxy_add(zq_proxies *p, int v6, const unsigned char *addr, int bits, zq_err *err)
{
	struct zq_proxy_net *net;

	if (p->n >= ZQ_PROXIES_MAX)
		return zq_errf(err, ZQ_EINVAL, "api.trusted_proxies: more than %d networks",
			       ZQ_PROXIES_MAX);
	net = &p->net[p->n++];
	net->v6 = v6;
	net->bits = bits;
	memset(net->addr, 0, sizeof(net->addr));
	memcpy(net->addr, addr, v6 ? 16 : 4);
	/* keep only the network part, so matching is a prefix compare */
	for (int i = bits; i < (v6 ? 128 : 32); i++)
		net->addr[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
	return 0;
}

static int proxy_entry(zq_proxies *p, const char *tok, zq_err *err)
{
	static const unsigned char lo4[4] = {127, 0, 0, 0};
	static const unsigned char lo6[16] = {[15] = 1};
	unsigned char addr[16];
	char host[ZQ_ADDR_MAX], *slash, *end;
	int v6, bits, rc;
	long b;

	if (strcmp(tok, "unix") == 0) {
		p->unix_ok = 1;
		return 0;
	}
	if (strcmp(tok, "loopback") == 0) {
		if ((rc = proxy_add(p, 0, lo4, 8, err)) < 0)
			return rc;
		return proxy_add(p, 1, lo6, 128, err);
	}
	if (strlen(tok) >= sizeof(host))
		goto bad;
	strcpy(host, tok);
	if ((slash = strchr(host, '/')))
		*slash++ = '\0';
	if (inet_pton(AF_INET, host, addr) == 1)
		v6 = 0;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		v6 = 1;
	else
		goto bad;
	bits = v6 ? 128 : 32;
	if (slash) {
		errno = 0;
		b = strtol(slash, &end, 10);
		if (!*slash || *end || errno || b < 0 || b > bits)
			goto bad;
		bits = (int)b;
	}
	return proxy_add(p, v6, addr, bits, err);
bad:
	return zq_errf(err, ZQ_EINVAL, "api.trusted_proxies: '%.80s' is not an IP address, a "
		       "CIDR network, 'loopback' or 'unix'", tok);
}

int zq_proxies_parse(zq_proxies *p, const char *spec, zq_err *err)
{
	char tok[ZQ_ADDR_MAX + 8];
	int rc;

	memset(p, 0, sizeof(*p));
	while (*spec) {
		size_t n = strcspn(spec, ", \t");

		if (n >= sizeof(tok))
			return zq_errf(err, ZQ_EINVAL, "api.trusted_proxies: '%.*s...' is too long",
				       40, spec);
		if (n) {
			memcpy(tok, spec, n);
			tok[n] = '\0';
			if ((rc = proxy_entry(p, tok, err)) < 0)
				return rc;
		}
		spec += n;
		spec += strspn(spec, ", \t");
	}
	return 0;
}

/* The peer as an IP address (v4-mapped IPv6 as IPv4); -1 when it is not one. */
static int peer_ip(const void *peer, size_t len, unsigned char addr[16], int *v6)
{
	const struct sockaddr *sa = peer;

	if (!peer || len < sizeof(sa_family_t))
		return -1;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memcpy(addr, &((const struct sockaddr_in *)peer)->sin_addr, 4);
		*v6 = 0;
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)peer)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(addr, a->s6_addr + 12, 4);
			*v6 = 0;
		} else {
			memcpy(addr, a->s6_addr, 16);
			*v6 = 1;
		}
		return 0;
	}
	return -1;
}

static int net_match(const struct zq_proxy_net *net, const unsigned char *addr, int v6)
{
	int whole = net->bits / 8, rest = net->bits % 8;

	if (net->v6 != v6 || memcmp(net->addr, addr, (size_t)whole) != 0)
		return 0;
	return rest == 0 || ((addr[whole] ^ net->addr[whole]) & (0xFF00 >> rest) & 0xFF) == 0;
}

int zq_proxies_trust(const zq_proxies *p, const void *peer, size_t len)
{
	unsigned char addr[16];
	int v6;

	if (peer && len >= sizeof(sa_family_t) && ((const struct sockaddr *)peer)->sa_family == AF_UNIX)
		return p->unix_ok;
	if (peer_ip(peer, len, addr, &v6) < 0)
		return 0;
	for (int i = 0; i < p->n; i++)
		if (net_match(&p->net[i], addr, v6))
			return 1;
	return 0;
}

/* Canonical text of an IP address; -1 when s is not one. */
static int canonical_ip(const char *s, char out[ZQ_ADDR_MAX])
{
	unsigned char a[16];

	if (inet_pton(AF_INET, s, a) == 1)
		return inet_ntop(AF_INET, a, out, ZQ_ADDR_MAX) ? 0 : -1;
	if (inet_pton(AF_INET6, s, a) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)a))
		return inet_ntop(AF_INET, a + 12, out, ZQ_ADDR_MAX) ? 0 : -1;
	return inet_ntop(AF_INET6, a, out, ZQ_ADDR_MAX) ? 0 : -1;
}

void zq_client_addr(const zq_proxies *p, const void *peer, size_t len, const char *remote_addr,
		    char out[ZQ_ADDR_MAX])
{
	unsigned char addr[16];
	int v6;

	out[0] = '\0';
	if (zq_proxies_trust(p, peer, len) && remote_addr && canonical_ip(remote_addr, out) == 0)
		return;
	if (peer_ip(peer, len, addr, &v6) == 0 && !inet_ntop(v6 ? AF_INET6 : AF_INET, addr, out,
							     ZQ_ADDR_MAX))
		out[0] = '\0';
}
