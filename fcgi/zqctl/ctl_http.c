/* ctl_http.c - zqctl's configuration (file, environment, --url), the plain
 * http:// guard, and one function for every request (libcurl). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "ctl.h"
#include "mem.h"

#define CTL_MAX_BODY (64u << 20)

char *ctl_conf_path(void)
{
	const char *home = getenv("HOME");
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);

	zq_buf_printf(&b, "%s/.config/zq/zqctl.conf", home && *home ? home : ".");
	return zq_buf_detach(&b, NULL);
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = zq_strdup(v);
}

/* `key = value` lines; # starts a comment */
static void conf_read(ctl *c)
{
	char *path = ctl_conf_path(), line[4096];
	FILE *f = fopen(path, "r");

	free(path);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *k, *v;

		if (line[0] == '#' || !eq)
			continue;
		*eq = '\0';
		k = zq_trim(line);
		v = zq_trim(eq + 1);
		if (strcmp(k, "url") == 0)
			set_str(&c->url, v);
		else if (strcmp(k, "token") == 0)
			set_str(&c->token, v);
	}
	fclose(f);
}

static int is_loopback(const char *host)
{
	return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
	       strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0;
}

/* http(s) only; plain http only to a loopback host unless --insecure */
static int check_url(ctl *c)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = CTL_OK;

	if (!u || curl_url_set(u, CURLUPART_URL, c->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		fprintf(stderr, "zqctl: url: not a valid URL: %s\n", c->url);
		rc = CTL_USAGE;
	} else if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		fprintf(stderr, "zqctl: url: scheme must be http or https: %s\n", c->url);
		rc = CTL_USAGE;
	} else if (strcmp(scheme, "http") == 0 && !is_loopback(host) && !c->insecure) {
		fprintf(stderr, "zqctl: refusing plain http:// to %s: the token would travel in "
				"clear (use https://, or --insecure)\n", host);
		rc = CTL_USAGE;
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* the root without trailing slashes, /api/v1 appended unless given */
static void normalise_url(ctl *c)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	size_t n = strlen(c->url);

	while (n > 0 && c->url[n - 1] == '/')
		n--;
	zq_buf_add(&b, c->url, n);
	if (n < 7 || strcmp(b.data + n - 7, "/api/v1") != 0)
		zq_buf_puts(&b, "/api/v1");
	free(c->url);
	c->url = zq_buf_detach(&b, NULL);
}

int ctl_config(ctl *c, const char *url_opt)
{
	const char *v;

	conf_read(c);
	if ((v = getenv("ZQ_URL")) && *v)
		set_str(&c->url, v);
	if ((v = getenv("ZQ_TOKEN")) && *v)
		set_str(&c->token, v);
	if (url_opt)
		set_str(&c->url, url_opt);
	if (!c->url) {
		fprintf(stderr, "zqctl: no API URL: set url in %s, ZQ_URL or --url\n",
			"~/.config/zq/zqctl.conf");
		return CTL_USAGE;
	}
	normalise_url(c);
	return check_url(c);
}

void ctl_release(ctl *c)
{
	free(c->url);
	free(c->token);
	c->url = c->token = NULL;
}

static int mkdir_p(const char *dir)
{
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "zqctl: %s: %s\n", dir, strerror(errno));
	return -1;
}

int ctl_conf_save(const char *url, const char *token)
{
	char *path = ctl_conf_path(), *slash;
	int fd, rc = -1;
	FILE *f;

	slash = strrchr(path, '/');
	*slash = '\0';
	*strrchr(path, '/') = '\0';
	if (mkdir_p(path) == 0) {
		path[strlen(path)] = '/';
		rc = mkdir_p(path);
	}
	*slash = '/';
	if (rc < 0 || (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    fchmod(fd, 0600) < 0 || !(f = fdopen(fd, "w"))) {
		fprintf(stderr, "zqctl: %s: %s\n", path, strerror(errno));
		free(path);
		return -1;
	}
	fprintf(f, "# zqctl login wrote this file (keep it private: it holds a token)\n");
	fprintf(f, "url = %s\ntoken = %s\n", url, token);
	rc = fclose(f) == 0 ? 0 : -1;
	if (rc < 0)
		fprintf(stderr, "zqctl: %s: %s\n", path, strerror(errno));
	else
		fprintf(stderr, "zqctl: saved %s\n", path);
	free(path);
	return rc;
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	return zq_buf_add(arg, p, size * n) == 0 ? size * n : 0;
}

char *ctl_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *out = zq_strdup(e ? e : "");

	curl_free(e);
	return out;
}

static void print_error(long status, const cJSON *j, const zq_buf *raw)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "detail");

	if (cJSON_IsString(d))
		fprintf(stderr, "zqctl: HTTP %ld: %s\n", status, d->valuestring);
	else
		fprintf(stderr, "zqctl: HTTP %ld: %.200s\n", status, raw->data);
}

static struct curl_slist *headers(const ctl *c)
{
	struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);

	h = curl_slist_append(h, "Content-Type: application/json");
	if (c->token) {
		zq_buf_printf(&b, "Authorization: Bearer %s", c->token);
		h = curl_slist_append(h, b.data);
		zq_buf_release(&b);
	}
	return h;
}

static CURLcode perform(ctl *c, const char *method, const char *url, const char *body,
			zq_buf *resp, long *status)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdr = headers(c);
	CURLcode rc;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	else if (strcmp(method, "POST") == 0)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return rc;
}

int ctl_call(ctl *c, const char *method, const char *path, const cJSON *body, cJSON **out)
{
	zq_buf url = ZQ_BUF_INIT(ZQ_BUF_NOCAP), resp = ZQ_BUF_INIT(CTL_MAX_BODY);
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	long status = 0;
	CURLcode crc;
	cJSON *j;

	zq_buf_printf(&url, "%s%s", c->url, path);
	crc = perform(c, method, url.data, text, &resp, &status);
	cJSON_free(text);
	zq_buf_release(&url);
	*out = NULL;
	if (crc != CURLE_OK) {
		fprintf(stderr, "zqctl: %s: %s\n", c->url, curl_easy_strerror(crc));
		zq_buf_release(&resp);
		return CTL_API;
	}
	j = cJSON_Parse(resp.data);
	if (status < 200 || status > 299) {
		print_error(status, j, &resp);
		cJSON_Delete(j);
		zq_buf_release(&resp);
		return CTL_API;
	}
	zq_buf_release(&resp);
	*out = j;
	return CTL_OK;
}
