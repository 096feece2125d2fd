/* deliver.c - one delivery attempt with libcurl behind the SSRF guard
 * (deliver.h). A fresh easy handle per attempt: nothing (DNS cache,
 * connections, pinned addresses) carries over from one channel to the
 * next. */
#include "deliver.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mem.h"
#include "timeutil.h"

#define REPLY_MAX (64 * 1024)
#define RESOLVE_MAX 1024

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void deliver_global_init(void)
{
	pthread_once(&curl_once, curl_init_once);
}

/* What one attempt carries through curl's callbacks. */
typedef struct attempt {
	const deliver_opts *o;
	char *reply;                 /* REPLY_MAX + 1 */
	size_t len;
	int capped;
	const char *up;              /* email upload */
	size_t up_len, up_off;
	char refused[200];           /* set by the socket check */
} attempt;

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
	attempt *a = ud;
	size_t got = size * n, room = REPLY_MAX - a->len;

	if (got > room) {
		memcpy(a->reply + a->len, p, room);
		a->len += room;
		a->capped = 1;
		return 0;  /* stop reading: judged on what was read */
	}
	memcpy(a->reply + a->len, p, got);
	a->len += got;
	return got;
}

static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
	attempt *a = ud;
	size_t want = size * n, left = a->up_len - a->up_off;

	if (want > left)
		want = left;
	memcpy(p, a->up + a->up_off, want);
	a->up_off += want;
	return want;
}

static void addr_text(const struct sockaddr *sa, char *out, size_t n)
{
	const void *p = sa->sa_family == AF_INET6 ?
		(const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr :
		(const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;

	if (!inet_ntop(sa->sa_family, p, out, (socklen_t)n))
		snprintf(out, n, "?");
}

/* Every socket curl opens is checked once more (the pinned addresses were
 * checked already: this catches anything that was not pinned). */
static curl_socket_t on_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *sa)
{
	attempt *a = ud;
	const char *why;
	char ip[INET6_ADDRSTRLEN];

	(void)purpose;
	if ((why = netaddr_refuse(&sa->addr, a->o->allow, a->o->deny_private))) {
		addr_text(&sa->addr, ip, sizeof(ip));
		snprintf(a->refused, sizeof(a->refused), "refused: %s is %s (alerts.deny_private)",
			 ip, why);
		return CURL_SOCKET_BAD;
	}
	return socket(sa->family, sa->socktype, sa->protocol);
}

/* Resolve host:port and judge every address; *pin gets the
 * "host:port:a1,a2" CURLOPT_RESOLVE line (NULL for a literal IP, which
 * curl does not look up). */
static int resolve_checked(const char *host, const char *port, const deliver_opts *o,
			   char **pin, deliver_result *r, zq_err *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	unsigned char tmp[16];
	char ip[INET6_ADDRSTRLEN], line[RESOLVE_MAX];
	int literal = inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1,
	    rc, len;

	*pin = NULL;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		return zq_errf(err, ZQ_EIO, "resolve %s: %s", host, gai_strerror(rc));
	len = snprintf(line, sizeof(line), "%s:%s:", host, port);
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		const char *why = netaddr_refuse(ai->ai_addr, o->allow, o->deny_private);

		addr_text(ai->ai_addr, ip, sizeof(ip));
		if (why) {
			r->refused = 1;
			if (literal)
				zq_errf(err, ZQ_EPERM, "refused: %s is %s (alerts.deny_private)", ip, why);
			else
				zq_errf(err, ZQ_EPERM, "refused: %s resolves to %s, %s (alerts.deny_private)",
					host, ip, why);
			freeaddrinfo(res);
			return err->code;
		}
		if (len < (int)sizeof(line) - 48)
			len += snprintf(line + len, sizeof(line) - (size_t)len,
					ai->ai_family == AF_INET6 ? "%s[%s]" : "%s%s",
					ai == res ? "" : ",", ip);
	}
	freeaddrinfo(res);
	if (!literal)
		*pin = zq_strdup(line);
	return 0;
}

/* s is one of the comma-separated names in list */
static int in_list(const char *list, const char *s)
{
	size_t n = strlen(s);

	for (const char *p = list; *p; p += strcspn(p, ","), p += *p == ',')
		if (strncmp(p, s, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Parse url: scheme one of schemes ("http,https"), no user info; host
 * (brackets stripped) into r->host, the port (or the scheme's) into port. */
static int parse_url(const char *url, const char *schemes, deliver_result *r, char port[8],
		     char *scheme, size_t sn, zq_err *err)
{
	CURLU *u = curl_url();
	char *s = NULL, *h = NULL, *p = NULL, *user = NULL;
	int rc = ZQ_EINVAL;
	size_t hl;

	if (!u)
		return zq_errf(err, ZQ_EINTERNAL, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		zq_errf(err, ZQ_EINVAL, "refused: not a valid URL");
		goto out;
	}
	snprintf(scheme, sn, "%s", s);
	if (!in_list(schemes, s)) {
		zq_errf(err, ZQ_EINVAL, "refused: scheme %s (only %s)", s, schemes);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		zq_errf(err, ZQ_EINVAL, "refused: user info in the URL");
		goto out;
	}
	hl = strlen(h);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']')
		snprintf(r->host, sizeof(r->host), "%.*s", (int)(hl - 2), h + 1);
	else
		snprintf(r->host, sizeof(r->host), "%s", h);
	snprintf(port, 8, "%s", p);
	rc = 0;
out:
	curl_free(s);
	curl_free(h);
	curl_free(p);
	curl_free(user);
	curl_url_cleanup(u);
	if (rc < 0)
		r->refused = 1;
	return rc;
}

/* The options every attempt has. */
static void set_common(CURL *c, const char *url, const char *protocols, attempt *a,
		       struct curl_slist *resolve)
{
	const deliver_opts *o = a->o;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(o->timeout_s > 0 ? o->timeout_s : 10));
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file && *o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (resolve)
		curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_socket);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, a);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "zq-alerts/1");
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Email: the envelope, the upload, STARTTLS per config.tls, AUTH. */
static struct curl_slist *set_smtp(CURL *c, const alert_chan_view *ch, const alert_msg *m,
				   const char *scheme, attempt *a)
{
	const char *tls = json_str(ch->pub, "tls"), *user = json_str(ch->pub, "username"),
		   *pw = json_str(ch->secrets, "password");
	struct curl_slist *rcpt = NULL;
	long ssl = CURLUSESSL_ALL;

	if (strcmp(scheme, "smtps") != 0 && tls && strcmp(tls, "none") == 0)
		ssl = CURLUSESSL_NONE;
	curl_easy_setopt(c, CURLOPT_USE_SSL, ssl);
	for (int i = 0; i < m->nrcpt; i++)
		rcpt = curl_slist_append(rcpt, m->rcpt[i]);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, m->mail_from ? m->mail_from : "");
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	if (user && *user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, pw ? pw : "");
	}
	a->up = m->body;
	a->up_len = m->body_len;
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, a);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)m->body_len);
	return rcpt;
}

static struct curl_slist *set_http(CURL *c, const alert_msg *m)
{
	struct curl_slist *h = NULL;

	for (int i = 0; i < m->nheaders; i++)
		h = curl_slist_append(h, m->headers[i]);
	h = curl_slist_append(h, "Expect:");  /* no 100-continue round trip */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, m->body ? m->body : "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)m->body_len);
	return h;
}

/* The attempt's verdict from curl's result and the reply. */
static int judge(const alert_chan_view *ch, CURLcode cc, attempt *a, const char *errbuf,
		 deliver_result *r, zq_err *err)
{
	if (a->refused[0]) {
		r->refused = 1;
		return zq_errf(err, ZQ_EPERM, "%s", a->refused);
	}
	if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && a->capped)) {
		if (ch->kind == AC_EMAIL && r->code > 0)
			return zq_errf(err, ZQ_EIO, "SMTP %ld: %s", r->code,
				       *errbuf ? errbuf : curl_easy_strerror(cc));
		return zq_errf(err, ZQ_EIO, "%s", *errbuf ? errbuf : curl_easy_strerror(cc));
	}
	if (ch->kind == AC_EMAIL)
		return 0;
	if (r->code >= 300 && r->code < 400) {
		r->refused = 1;
		return zq_errf(err, ZQ_EPERM, "refused: HTTP %ld redirect (redirects are not followed)",
			       r->code);
	}
	a->reply[a->len] = '\0';
	return alert_msg_judge(ch->kind, r->code, a->reply, a->len, err) == 0 ? 0 :
		(err->code ? err->code : zq_errf(err, ZQ_EIO, "HTTP %ld", r->code));
}

static int perform(CURL *c, const alert_chan_view *ch, const alert_msg *m, const char *scheme,
		   attempt *a, deliver_result *r, zq_err *err)
{
	struct curl_slist *list;
	char errbuf[CURL_ERROR_SIZE] = "";
	int64_t t0;
	CURLcode cc;
	int rc;

	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	list = ch->kind == AC_EMAIL ? set_smtp(c, ch, m, scheme, a) : set_http(c, m);
	t0 = zq_mono_ms();
	cc = curl_easy_perform(c);
	r->latency_ms = zq_mono_ms() - t0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->code);
	rc = judge(ch, cc, a, errbuf, r, err);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(list);
	return rc;
}

int deliver_send(const alert_chan_view *ch, const alert_msg *m, const deliver_opts *o,
		 deliver_result *r, zq_err *err)
{
	const char *protos = ch->kind == AC_EMAIL ? "smtp,smtps" : "http,https";
	attempt a = {.o = o};
	struct curl_slist *resolve = NULL;
	char port[8], scheme[16], *pin = NULL;
	CURL *c;
	int rc;

	memset(r, 0, sizeof(*r));
	r->latency_ms = -1;
	deliver_global_init();
	if (!m->url) {
		zq_errf(err, ZQ_EINVAL, "no URL");
		return -1;
	}
	if (parse_url(m->url, protos, r, port, scheme, sizeof(scheme), err) < 0 ||
	    resolve_checked(r->host, port, o, &pin, r, err) < 0)
		return -1;
	if (!(c = curl_easy_init())) {
		free(pin);
		zq_errf(err, ZQ_EINTERNAL, "curl_easy_init failed");
		return -1;
	}
	if (pin)
		resolve = curl_slist_append(NULL, pin);
	a.reply = zq_malloc(REPLY_MAX + 1);
	set_common(c, m->url, protos, &a, resolve);
	rc = perform(c, ch, m, scheme, &a, r, err);
	curl_easy_cleanup(c);
	curl_slist_free_all(resolve);
	free(pin);
	free(a.reply);
	return rc < 0 ? -1 : 0;
}
