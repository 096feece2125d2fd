/* alert_chan.c - channel kinds, the check of a channel's config, the split
 * into config + secrets and the masked view (alert_chan.h). */
#include "alert_chan.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jsonin.h"
#include "mem.h"
#include "netaddr.h"

#define URL_MAX 2048
#define SECRET_MAX 512
#define ADDR_MAX 254
#define RCPT_MAX 32
#define HDR_MAX 16

static const char *const kind_names[AC_KIND_COUNT] = {
	"webhook", "dingtalk", "wecom", "feishu", "slack", "email",
};

int alert_chan_kind_parse(const char *s)
{
	for (int k = 0; s && k < AC_KIND_COUNT; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return k;
	return -1;
}

const char *alert_chan_kind_name(alert_chan_kind k)
{
	return (unsigned)k < AC_KIND_COUNT ? kind_names[k] : "unknown";
}

static int is_robot(alert_chan_kind k)
{
	return k == AC_DINGTALK || k == AC_WECOM || k == AC_FEISHU || k == AC_SLACK;
}

/* ---- URLs ---------------------------------------------------------------- */

typedef struct {
	char scheme[8];
	char host[256];   /* as written; v6 literals keep their brackets */
} url_parts;

/* Split "scheme://host[:port][/...]" enough to check it. Returns a reason
 * or NULL. */
static const char *url_split(const char *u, url_parts *p)
{
	size_t n = strlen(u), i;

	if (n > URL_MAX)
		return "must be at most 2048 characters";
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f)
			return "must be printable ASCII without spaces (percent-encode the rest)";
	const char *sep = strstr(u, "://");
	if (!sep || sep == u || (size_t)(sep - u) >= sizeof(p->scheme))
		return "must be an absolute URL (scheme://host/...)";
	for (i = 0; u + i < sep; i++)
		p->scheme[i] = (char)(u[i] | 0x20);
	p->scheme[i] = '\0';
	const char *a = sep + 3;
	size_t alen = strcspn(a, "/?#");
	if (memchr(a, '@', alen))
		return "must not carry a user name or password";
	const char *port = NULL;
	size_t hlen;
	if (a[0] == '[') {
		const char *close = memchr(a, ']', alen);
		if (!close)
			return "has an unterminated [IPv6] host";
		hlen = (size_t)(close - a) + 1;
		if (hlen <= 2)
			return "has no host";
		if (hlen < alen && a[hlen] != ':')
			return "has a bad host";
	} else {
		hlen = strcspn(a, ":/?#");
	}
	if (hlen == 0)
		return "has no host";
	if (hlen >= sizeof(p->host))
		return "has a host name longer than 255 characters";
	if (hlen < alen)
		port = a + hlen + 1;
	for (i = a[0] == '['; i < hlen - (a[0] == '['); i++)
		if (!strchr(a[0] == '[' ? "0123456789abcdefABCDEF:."
				       : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_",
			    a[i]))
			return "has a bad host";
	memcpy(p->host, a, hlen);
	p->host[hlen] = '\0';
	if (port) {
		size_t plen = (size_t)(a + alen - port);
		long v = 0;
		if (plen == 0 || plen > 5)
			return "has a bad port";
		for (i = 0; i < plen; i++) {
			if (port[i] < '0' || port[i] > '9')
				return "has a bad port";
			v = v * 10 + (port[i] - '0');
		}
		if (v < 1 || v > 65535)
			return "has a bad port";
	}
	return NULL;
}

/* 1 when host is a literal IP in the allow list. */
static int literal_allowed(const char *host, const netaddr_list *allow)
{
	char buf[64];
	struct sockaddr_in v4 = {0};
	struct sockaddr_in6 v6 = {0};

	if (host[0] == '[') {
		size_t n = strlen(host);
		if (n < 3 || n - 2 >= sizeof(buf))
			return 0;
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		v6.sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, buf, &v6.sin6_addr) != 1)
			return 0;
		return netaddr_list_contains(allow, (const struct sockaddr *)&v6);
	}
	v4.sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &v4.sin_addr) != 1)
		return 0;
	return netaddr_list_contains(allow, (const struct sockaddr *)&v4);
}

/* The check of one URL field. schemes: "http", "https", "smtp", "smtps". */
static int url_check(const char *field, const char *u, const char *s1, const char *s2,
		     int need_https, const netaddr_list *allow, int deny_private, zq_err *err)
{
	url_parts p;
	const char *why = url_split(u, &p);

	if (why)
		return zq_errf(err, ZQ_EINVAL, "%s: %s", field, why);
	if (strcmp(p.scheme, s1) != 0 && strcmp(p.scheme, s2) != 0)
		return zq_errf(err, ZQ_EINVAL, "%s: must be an %s:// or %s:// URL", field, s1, s2);
	if (need_https && strcmp(p.scheme, "https") != 0 && !literal_allowed(p.host, allow))
		return zq_errf(err, ZQ_EINVAL,
			       "%s: must be an https URL (http only to an IP in alerts.allow)", field);
	why = netaddr_literal_refuse(p.host, allow, deny_private);
	if (why)
		return zq_errf(err, ZQ_EINVAL,
			       "%s: %s is %s: refused by alerts.deny_private (allow it with alerts.allow)",
			       field, p.host, why);
	return 0;
}

/* ---- e-mail addresses ------------------------------------------------------ */

/* Plain local@domain: printable ASCII, no specials, a dotted domain. */
static const char *addr_why(const char *a)
{
	size_t n = strlen(a);
	const char *at = strchr(a, '@');

	if (n == 0 || n > ADDR_MAX)
		return "must be an address of 1-254 characters";
	if (!at || strchr(at + 1, '@') || at == a || at - a > 64)
		return "must be an address local@domain";
	for (const char *c = a; c < at; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f ||
		    strchr("<>()[]\\,;:\"", *c))
			return "must be an address local@domain (no spaces, quotes or <>()[],;:)";
	const char *d = at + 1;
	if (!*d || *d == '.' || *d == '-' || d[strlen(d) - 1] == '.' || strstr(d, ".."))
		return "must be an address local@domain (a bad domain)";
	for (; *d; d++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", *d))
			return "must be an address local@domain (a bad domain)";
	return NULL;
}

static int addr_check(const cJSON *v, const char *field, zq_err *err)
{
	const char *s, *why;

	if (jin_string(v, field, 1, ADDR_MAX, 0, &s, err) < 0)
		return ZQ_EINVAL;
	why = addr_why(s);
	return why ? zq_errf(err, ZQ_EINVAL, "%s: %s", field, why) : 0;
}

/* ---- secrets ------------------------------------------------------------- */

/* The value of secret key name: the body's, or the stored one for "***".
 * *out NULL when absent, null or "" (no secret). */
static int secret_take(const cJSON *config, const cJSON *stored, const char *name,
		       size_t max, const char **out, zq_err *err)
{
	const cJSON *v = jin_get(config, name);
	char field[64];
	const char *s;

	*out = NULL;
	snprintf(field, sizeof(field), "config.%s", name);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (jin_string(v, field, 0, max, 0, &s, err) < 0)
		return ZQ_EINVAL;
	if (strcmp(s, "***") == 0) {
		const cJSON *sv = stored ? jin_get(stored, name) : NULL;
		if (!cJSON_IsString(sv) || !sv->valuestring[0])
			return zq_errf(err, ZQ_EINVAL,
				       "%s: \"***\" keeps the stored value, and there is none: send the value",
				       field);
		s = sv->valuestring;
	}
	*out = s[0] ? s : NULL;
	return 0;
}

/* ---- webhook headers -------------------------------------------------------- */

static int is_tchar(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *hdr_name_why(const char *k)
{
	static const char *const reserved[] = {"Content-Type", "Content-Length", "Host",
					       "Transfer-Encoding", "Connection", NULL};
	size_t n = strlen(k);

	if (n == 0 || n > 64)
		return "must be a header name of 1-64 characters";
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)k[i]))
			return "must be a header name (letters, digits, !#$%&'*+-.^_`|~)";
	for (int i = 0; reserved[i]; i++)
		if (strcasecmp(k, reserved[i]) == 0)
			return "is set by zq: not allowed";
	if (strncasecmp(k, "X-Zq-", 5) == 0)
		return "X-Zq-* headers are zq's: not allowed";
	return NULL;
}

/* A webhook's own headers: names are public, values are secrets (an
 * Authorization header is where a receiver's token goes), kept in
 * secrets.headers; "***" for a value keeps the stored value of that name. */
static int header_value(const cJSON *a, const char *field, const cJSON *stored, const char **s,
			zq_err *err)
{
	/* jin_string refuses every control character: CR/LF injection too */
	if (jin_string(a, field, 0, 1024, 0, s, err) < 0)
		return ZQ_EINVAL;
	if (strcmp(*s, "***") == 0) {
		const cJSON *sv = cJSON_IsObject(stored) ? jin_get(stored, a->string) : NULL;
		if (!cJSON_IsString(sv))
			return zq_errf(err, ZQ_EINVAL,
				       "%s: \"***\" keeps the stored value, and there is none: send the value",
				       field);
		*s = sv->valuestring;
	}
	return 0;
}

static int headers_check(const cJSON *h, const cJSON *stored, cJSON *sec, zq_err *err)
{
	char field[128];
	const char *s, *why;
	int n = 0;

	if (!h || cJSON_IsNull(h))
		return 0;
	if (!cJSON_IsObject(h))
		return zq_errf(err, ZQ_EINVAL, "config.headers: must be an object of strings");
	cJSON *out = cJSON_AddObjectToObject(sec, "headers");
	for (const cJSON *a = h->child; a; a = a->next) {
		const char *k = a->string ? a->string : "";
		if (++n > HDR_MAX)
			return zq_errf(err, ZQ_EINVAL, "config.headers: at most %d headers", HDR_MAX);
		snprintf(field, sizeof(field), "config.headers.%.64s", k);
		why = hdr_name_why(k);
		if (why)
			return zq_errf(err, ZQ_EINVAL, "%s: %s", field, why);
		for (const cJSON *b = h->child; b != a; b = b->next)
			if (strcasecmp(b->string, k) == 0)
				return zq_errf(err, ZQ_EINVAL, "%s: given twice", field);
		if (header_value(a, field, stored ? jin_get(stored, "headers") : NULL, &s, err) < 0)
			return ZQ_EINVAL;
		cJSON_AddStringToObject(out, k, s);
	}
	return 0;
}

/* ---- per kind --------------------------------------------------------------- */

static const char *const keys_webhook[] = {"url", "secret", "headers", NULL};
/* robots: "url_host" is what responses add; a body that sends it back is fine */
static const char *const keys_signed[] = {"url", "secret", "url_host", NULL};
static const char *const keys_url[] = {"url", "url_host", NULL};
static const char *const keys_email[] = {"smtp_url", "tls", "username", "password", "from",
					 "to", NULL};

typedef struct {
	const cJSON *config, *stored;
	const netaddr_list *allow;
	int deny_private;
	cJSON *pub, *sec;
} chk;

static int url_field(chk *c, alert_chan_kind k, zq_err *err)
{
	const char *u;

	if (!is_robot(k)) {
		const cJSON *v = jin_get(c->config, "url");
		if (!v)
			return zq_errf(err, ZQ_EINVAL, "config.url: required");
		if (jin_string(v, "config.url", 1, URL_MAX, 0, &u, err) < 0)
			return ZQ_EINVAL;
		if (url_check("config.url", u, "http", "https", 0, c->allow, c->deny_private, err))
			return ZQ_EINVAL;
		cJSON_AddStringToObject(c->pub, "url", u);
		return 0;
	}
	if (secret_take(c->config, c->stored, "url", URL_MAX, &u, err) < 0)
		return ZQ_EINVAL;
	if (!u)
		return zq_errf(err, ZQ_EINVAL, "config.url: required");
	if (url_check("config.url", u, "http", "https", 1, c->allow, c->deny_private, err))
		return ZQ_EINVAL;
	cJSON_AddStringToObject(c->sec, "url", u);
	return 0;
}

static int secret_field(chk *c, const char *name, zq_err *err)
{
	const char *s;

	if (secret_take(c->config, c->stored, name, SECRET_MAX, &s, err) < 0)
		return ZQ_EINVAL;
	if (s)
		cJSON_AddStringToObject(c->sec, name, s);
	return 0;
}

static int email_tls(chk *c, const char *url, zq_err *err)
{
	int smtps = strncasecmp(url, "smtps:", 6) == 0;
	const cJSON *v = jin_get(c->config, "tls");
	const char *t = smtps ? "tls" : "starttls";

	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsString(v) || (strcmp(v->valuestring, "starttls") != 0 &&
					   strcmp(v->valuestring, "tls") != 0 &&
					   strcmp(v->valuestring, "none") != 0))
			return zq_errf(err, ZQ_EINVAL,
				       "config.tls: must be \"starttls\", \"tls\" or \"none\"");
		t = v->valuestring;
	}
	if (smtps && strcmp(t, "tls") != 0)
		return zq_errf(err, ZQ_EINVAL,
			       "config.tls: smtps:// is TLS from the start: must be \"tls\"");
	if (!smtps && strcmp(t, "tls") == 0)
		return zq_errf(err, ZQ_EINVAL,
			       "config.tls: \"tls\" needs an smtps:// URL (smtp:// is \"starttls\" or \"none\")");
	cJSON_AddStringToObject(c->pub, "tls", t);
	return 0;
}

static int email_to(chk *c, zq_err *err)
{
	const cJSON *to = jin_get(c->config, "to");
	char field[32];
	int n = 0;

	if (!cJSON_IsArray(to) || !to->child)
		return zq_errf(err, ZQ_EINVAL, "config.to: must be a non-empty array of addresses");
	cJSON *out = cJSON_AddArrayToObject(c->pub, "to");
	for (const cJSON *a = to->child; a; a = a->next) {
		snprintf(field, sizeof(field), "config.to[%d]", n);
		if (++n > RCPT_MAX)
			return zq_errf(err, ZQ_EINVAL, "config.to: at most %d addresses", RCPT_MAX);
		if (addr_check(a, field, err) < 0)
			return ZQ_EINVAL;
		cJSON_AddItemToArray(out, cJSON_CreateString(a->valuestring));
	}
	return 0;
}

static int email_check(chk *c, zq_err *err)
{
	const cJSON *v = jin_get(c->config, "smtp_url");
	const char *u, *s;

	if (!v)
		return zq_errf(err, ZQ_EINVAL, "config.smtp_url: required");
	if (jin_string(v, "config.smtp_url", 1, URL_MAX, 0, &u, err) < 0 ||
	    url_check("config.smtp_url", u, "smtp", "smtps", 0, c->allow, c->deny_private, err))
		return ZQ_EINVAL;
	cJSON_AddStringToObject(c->pub, "smtp_url", u);
	if (email_tls(c, u, err) < 0)
		return ZQ_EINVAL;
	v = jin_get(c->config, "username");
	if (v && !cJSON_IsNull(v)) {
		if (jin_string(v, "config.username", 0, 256, 0, &s, err) < 0)
			return ZQ_EINVAL;
		if (s[0])
			cJSON_AddStringToObject(c->pub, "username", s);
	}
	if (secret_field(c, "password", err) < 0)
		return ZQ_EINVAL;
	v = jin_get(c->config, "from");
	if (!v)
		return zq_errf(err, ZQ_EINVAL, "config.from: required");
	if (addr_check(v, "config.from", err) < 0)
		return ZQ_EINVAL;
	cJSON_AddStringToObject(c->pub, "from", v->valuestring);
	return email_to(c, err);
}

static int kind_check(alert_chan_kind k, chk *c, zq_err *err)
{
	static const char *const *const keys[AC_KIND_COUNT] = {
		keys_webhook, keys_signed, keys_url, keys_signed, keys_url, keys_email,
	};

	if (jin_check_fields(c->config, "config.", keys[k], NULL, err) < 0)
		return ZQ_EINVAL;
	if (k == AC_EMAIL)
		return email_check(c, err);
	if (url_field(c, k, err) < 0)
		return ZQ_EINVAL;
	if ((k == AC_WEBHOOK || k == AC_DINGTALK || k == AC_FEISHU) &&
	    secret_field(c, "secret", err) < 0)
		return ZQ_EINVAL;
	if (k == AC_WEBHOOK)
		return headers_check(jin_get(c->config, "headers"), c->stored, c->sec, err);
	return 0;
}

int alert_chan_check(alert_chan_kind k, const cJSON *config, const cJSON *stored_secrets,
		     const netaddr_list *allow, int deny_private, cJSON **pub, cJSON **secrets,
		     zq_err *err)
{
	chk c = {config, stored_secrets, allow, deny_private, NULL, NULL};
	int rc;

	*pub = *secrets = NULL;
	if ((unsigned)k >= AC_KIND_COUNT)
		return zq_errf(err, ZQ_EINVAL, "kind: unknown channel kind");
	if (!cJSON_IsObject(config))
		return zq_errf(err, ZQ_EINVAL, "config: must be an object");
	if (!cJSON_IsObject(stored_secrets))
		c.stored = NULL;
	c.pub = cJSON_CreateObject();
	c.sec = cJSON_CreateObject();
	rc = kind_check(k, &c, err);
	if (rc < 0) {
		cJSON_Delete(c.pub);
		cJSON_Delete(c.sec);
		return ZQ_EINVAL;
	}
	*pub = c.pub;
	*secrets = c.sec;
	return 0;
}

cJSON *alert_chan_masked(alert_chan_kind k, const cJSON *pub, const cJSON *secrets)
{
	static const char *const names[] = {"url", "secret", "password", NULL};
	cJSON *m = cJSON_IsObject(pub) ? cJSON_Duplicate(pub, 1) : cJSON_CreateObject();

	for (int i = 0; names[i]; i++) {
		const cJSON *v = cJSON_IsObject(secrets) ? jin_get(secrets, names[i]) : NULL;
		if (!cJSON_IsString(v) || !v->valuestring[0])
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(m, names[i]);
		cJSON_AddStringToObject(m, names[i], "***");
		url_parts p;
		if (i == 0 && is_robot(k) && !url_split(v->valuestring, &p))
			cJSON_AddStringToObject(m, "url_host", p.host);
	}
	const cJSON *h = cJSON_IsObject(secrets) ? jin_get(secrets, "headers") : NULL;
	if (cJSON_IsObject(h) && h->child) {   /* the names, each value "***" */
		cJSON *o = cJSON_AddObjectToObject(m, "headers");
		for (const cJSON *a = h->child; a; a = a->next)
			cJSON_AddStringToObject(o, a->string, "***");
	}
	return m;
}
