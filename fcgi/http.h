/* http.h - the HTTP request and response as zq-api's handlers see them,
 * independent of FastCGI (server.c fills them from libfcgi; unit tests and
 * the fuzzer fill them directly).
 *
 * Query strings and form bodies are decoded into key/value pairs with
 * zq_query_parse; typed getters turn a bad value into ZQ_EINVAL with a
 * message naming the parameter ("limit: must be an integer 1-1000"). */
#ifndef ZQ_HTTP_H
#define ZQ_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define ZQ_QUERY_MAX 64            /* parameters per query string or form */
#define ZQ_HTTP_PATH_MAX 2048

typedef struct zq_kv {
	char *key;
	char *val;
} zq_kv;

/* Decoded key/value pairs; owns one heap block. */
typedef struct zq_query {
	zq_kv kv[ZQ_QUERY_MAX];
	int n;
	char *store;
} zq_query;

typedef struct zq_http_req {
	const char *method;          /* "GET", ... (never NULL) */
	const char *path;            /* decoded, normalised path (nginx $uri) */
	const char *query_string;    /* raw, "" when none */
	const char *content_type;    /* "" when none */
	const char *authorization;   /* "" when none */
	const char *if_match;        /* If-Match, NULL or "" when none */
	const char *change_comment;  /* X-Zq-Change-Comment, NULL or "" when none */
	const char *remote_addr;     /* "" when unknown */
	int64_t content_length;      /* -1 when absent */
	const char *body;            /* NUL-terminated copy of the body ("" when none) */
	size_t body_len;
	int body_too_big;            /* content_length passed api.max_body: body not read */
	zq_query query;              /* parsed query_string */
} zq_http_req;

typedef struct zq_http_resp {
	int status;
	const char *content_type;    /* default application/json */
	char headers[512];           /* extra "Name: value\r\n" lines */
	zq_buf body;
} zq_http_resp;

/* Parse s (application/x-www-form-urlencoded: '&' pairs, '+' is space,
 * %XX escapes) into q. Keys without '=' get "". Errors (q left empty):
 * ZQ_EINVAL naming `what` for a bad escape, an encoded NUL, invalid UTF-8
 * or more than ZQ_QUERY_MAX pairs. Free with zq_query_release. */
int zq_query_parse(zq_query *q, const char *s, size_t n, const char *what, zq_err *err);
void zq_query_release(zq_query *q);
/* First value of key, or NULL. */
const char *zq_query_get(const zq_query *q, const char *key);
/* Integer in [min, max]; def when absent. */
int zq_query_int(const zq_query *q, const char *key, int64_t def, int64_t min, int64_t max,
		 int64_t *out, zq_err *err);
/* true/false/1/0; def when absent. */
int zq_query_bool(const zq_query *q, const char *key, int def, int *out, zq_err *err);
/* ISO-8601 instant, ZQ_TIME_NONE when absent. */
int zq_query_time(const zq_query *q, const char *key, int64_t *out, zq_err *err);
/* String of at most maxlen bytes, NULL when absent (or empty). */
int zq_query_str(const zq_query *q, const char *key, size_t maxlen, const char **out,
		 zq_err *err);

/* Media type of a Content-Type header, lower-cased, without parameters:
 * "application/json; charset=utf-8" -> "application/json". */
void zq_http_media_type(const char *content_type, char *out, size_t outsz);

/* "Bearer <token>" -> token (scheme case-insensitive); NULL otherwise. */
const char *zq_http_bearer(const char *authorization);

/* Reason phrase for a status code ("Not Found"). */
const char *zq_http_reason(int status);

void zq_http_resp_init(zq_http_resp *r);
void zq_http_resp_release(zq_http_resp *r);
/* Add one extra header line (dropped if it does not fit). */
void zq_http_resp_header(zq_http_resp *r, const char *name, const char *value);
/* Replace the body with {"detail": msg} and set status. */
void zq_http_resp_error(zq_http_resp *r, int status, const char *msg);
/* Status line + headers in CGI form ("Status: 200 OK\r\n...\r\n\r\n"). */
void zq_http_resp_head(const zq_http_resp *r, zq_buf *out);

/* HTTP status for a ZQ_E* code (0 -> 200). */
int zq_http_status_for(int code);

/* ---- the client's address (api.trusted_proxies) ----------------------------
 * zq-api's FastCGI peer is nginx. Only a trusted peer's REMOTE_ADDR (nginx's
 * $remote_addr: a FastCGI parameter, which no HTTP client can set; request
 * headers such as X-Real-IP or X-Forwarded-For arrive as HTTP_* parameters
 * and are never read) names the client; from any other peer the client is
 * the peer itself. The list is comma- or space-separated: IPv4 / IPv6
 * addresses, CIDR networks ("10.0.0.0/8", "fd00::/8"), "loopback"
 * (127.0.0.0/8 and ::1) and "unix" (unix-socket peers, i.e. a local nginx);
 * "" trusts no peer. */
#define ZQ_PROXIES_MAX 32
#define ZQ_ADDR_MAX 64             /* an address as text, with NUL */

typedef struct zq_proxies {
	int n;
	int unix_ok;
	struct zq_proxy_net {
		int v6;
		unsigned char addr[16];
		int bits;
	} net[ZQ_PROXIES_MAX];
} zq_proxies;

/* ZQ_EINVAL naming the bad entry. */
int zq_proxies_parse(zq_proxies *p, const char *spec, zq_err *err);
/* Is the peer (a getpeername result; len 0 = unknown) trusted? */
int zq_proxies_trust(const zq_proxies *p, const void *peer, size_t len);
/* The client address into out (ZQ_ADDR_MAX, canonical text, "" when
 * unknown): remote_addr when the peer is trusted and it is an IP address,
 * else the peer's own IP address. */
void zq_client_addr(const zq_proxies *p, const void *peer, size_t len, const char *remote_addr,
		    char out[ZQ_ADDR_MAX]);

#endif
