/* sched_metrics_http.c - a tiny HTTP/1.0 server for /metrics (sched_metrics_http.h). */
#include "sched_metrics_http.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "sched_metrics.h"
#include "timeutil.h"

struct metrics_http {
	int fd;
	atomic_int stop;
	pthread_t th;
};

/* Split "host:port" / "[v6]:port" into host (may be "") and port. */
static int split_spec(const char *spec, char *host, size_t hn, char *port, size_t pn)
{
	const char *colon = strrchr(spec, ':'), *h = spec;
	size_t len;

	if (!colon || !colon[1] || strlen(colon + 1) >= pn)
		return -1;
	len = (size_t)(colon - spec);
	if (len >= 2 && spec[0] == '[' && spec[len - 1] == ']') {
		h = spec + 1;
		len -= 2;
	}
	if (len >= hn)
		return -1;
	memcpy(host, h, len);
	host[len] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

static int listen_on(const char *spec, zq_err *err)
{
	char host[256], port[16];
	struct addrinfo hints = {0}, *ai = NULL;
	int fd = -1, one = 1, rc;

	if (split_spec(spec, host, sizeof(host), port, sizeof(port)) < 0)
		return zq_errf(err, ZQ_ECONFIG, "scheduler.metrics_listen: expected host:port, got '%s'",
			       spec);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai)) != 0)
		return zq_errf(err, ZQ_ECONFIG, "scheduler.metrics_listen: %s: %s", spec,
			       gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0) {
		zq_errf(err, ZQ_ECONFIG, "scheduler.metrics_listen: %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd < 0 ? err->code : fd;
}

/* Read until the end of the request line (or the headers), the size cap or
 * the deadline. Returns bytes read, -1 on error / timeout. */
static int read_request(int fd, char *buf, size_t cap)
{
	int64_t deadline = zq_mono_ms() + METRICS_HTTP_TIMEOUT_MS;
	size_t len = 0;

	while (len < cap - 1) {
		struct pollfd p = {fd, POLLIN, 0};
		int64_t left = deadline - zq_mono_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		if ((n = recv(fd, buf + len, cap - 1 - len, 0)) <= 0)
			return len ? (int)len : -1;
		len += (size_t)n;
		buf[len] = '\0';
		if (strchr(buf, '\n'))
			break;
	}
	buf[len] = '\0';
	return (int)len;
}

static void send_all(int fd, const char *p, size_t n)
{
	int64_t deadline = zq_mono_ms() + METRICS_HTTP_TIMEOUT_MS;

	while (n) {
		struct pollfd pf = {fd, POLLOUT, 0};
		int64_t left = deadline - zq_mono_ms();
		ssize_t w;

		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			return;
		if ((w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT)) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void reply(int fd, const char *status, const char *type, const char *body, size_t n)
{
	char head[256];
	int hl = snprintf(head, sizeof(head),
			  "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			  "Connection: close\r\n\r\n", status, type, n);

	send_all(fd, head, (size_t)hl);
	send_all(fd, body, n);
}

static void serve(int fd)
{
	char req[METRICS_HTTP_REQ_MAX + 1];
	zq_buf out = ZQ_BUF_INIT(16 << 20);
	size_t plen;

	if (read_request(fd, req, sizeof(req)) <= 0)
		return;
	if (strncmp(req, "GET ", 4) != 0) {
		reply(fd, strchr(req, ' ') ? "405 Method Not Allowed" : "400 Bad Request",
		      "text/plain", "only GET /metrics\n", 18);
		return;
	}
	plen = strcspn(req + 4, " ?\r\n");
	if (plen != 8 || strncmp(req + 4, "/metrics", 8) != 0) {
		reply(fd, "404 Not Found", "text/plain", "not found; try /metrics\n", 24);
		return;
	}
	if (metrics_render(metrics_global(), &out) < 0)
		reply(fd, "500 Internal Server Error", "text/plain", "too big\n", 8);
	else
		reply(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", out.data, out.len);
	zq_buf_release(&out);
}

static void *http_main(void *arg)
{
	metrics_http *h = arg;

	while (!atomic_load(&h->stop)) {
		struct pollfd p = {h->fd, POLLIN, 0};
		int c;

		if (poll(&p, 1, 250) <= 0)
			continue;
		if ((c = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		serve(c);
		close(c);
	}
	return NULL;
}

metrics_http *metrics_http_start(const char *spec, zq_err *err)
{
	metrics_http *h;
	int fd = listen_on(spec, err);

	if (fd < 0)
		return NULL;
	h = zq_calloc(1, sizeof(*h));
	h->fd = fd;
	atomic_store(&h->stop, 0);
	if (pthread_create(&h->th, NULL, http_main, h) != 0) {
		close(fd);
		free(h);
		zq_errf(err, ZQ_EIO, "scheduler.metrics_listen: cannot start its thread");
		return NULL;
	}
	zq_info("METRICS listening on %s (GET /metrics)", spec);
	return h;
}

void metrics_http_stop(metrics_http *h)
{
	if (!h)
		return;
	atomic_store(&h->stop, 1);
	pthread_join(h->th, NULL);
	close(h->fd);
	free(h);
}
