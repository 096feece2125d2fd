/* server.c - libfcgi accept loop per worker thread; request in, response out. */
#include "server.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"

#define DRAIN_MAX ((int64_t)64 << 20)

static const char *param(FCGX_Request *r, const char *name, const char *def)
{
	const char *v = FCGX_GetParam(name, r->envp);

	return v ? v : def;
}

static int64_t content_length(FCGX_Request *r)
{
	const char *v = FCGX_GetParam("CONTENT_LENGTH", r->envp);
	char *end;
	long long n;

	if (!v || !*v)
		return -1;
	n = strtoll(v, &end, 10);
	return *end || n < 0 ? -1 : n;
}

/* Read the body (up to the limit) into b; a larger body is discarded so
 * nginx can finish sending it and get our 413. */
static void read_body(FCGX_Request *r, zq_http_req *req, zq_buf *b, int max_body)
{
	char chunk[16384];
	int64_t total = 0;
	int n;

	req->content_length = content_length(r);
	if (req->content_length > max_body)
		req->body_too_big = 1;
	while (total < DRAIN_MAX && (n = FCGX_GetStr(chunk, sizeof(chunk), r->in)) > 0) {
		total += n;
		if (req->body_too_big)
			continue;
		if (zq_buf_add(b, chunk, (size_t)n) < 0)
			req->body_too_big = 1;
	}
	if (req->body_too_big)
		zq_buf_reset(b);
	req->body = b->data;
	req->body_len = b->len;
}

static void serve(zq_server *s, FCGX_Request *r, zq_db *db)
{
	zq_buf body = ZQ_BUF_INIT((size_t)s->cfg->api_max_body);
	zq_buf head = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	struct sockaddr_storage peer;
	char addr[ZQ_ADDR_MAX];
	zq_http_resp resp;
	zq_http_req req;
	socklen_t plen;

	memset(&req, 0, sizeof(req));
	req.method = param(r, "REQUEST_METHOD", "GET");
	req.path = param(r, "DOCUMENT_URI", param(r, "SCRIPT_NAME", "/"));
	req.query_string = param(r, "QUERY_STRING", "");
	req.content_type = param(r, "CONTENT_TYPE", "");
	req.authorization = param(r, "HTTP_AUTHORIZATION", "");
	req.if_match = param(r, "HTTP_IF_MATCH", "");
	req.change_comment = param(r, "HTTP_X_ZQ_CHANGE_COMMENT", "");
	/* the client is whoever the trusted peer (nginx) says, else the peer */
	plen = sizeof(peer);
	if (getpeername(r->ipcFd, (struct sockaddr *)&peer, &plen) < 0)
		plen = 0;
	zq_client_addr(&s->proxies, &peer, plen, FCGX_GetParam("REMOTE_ADDR", r->envp), addr);
	req.remote_addr = addr;
	read_body(r, &req, &body, s->cfg->api_max_body);
	zq_http_resp_init(&resp);
	zq_api_handle(s->api, db, &req, &resp);
	zq_http_resp_head(&resp, &head);
	FCGX_PutStr(head.data, (int)head.len, r->out);
	if (strcmp(req.method, "HEAD") != 0 && resp.body.len)
		FCGX_PutStr(resp.body.data, (int)resp.body.len, r->out);
	zq_http_resp_release(&resp);
	zq_buf_release(&head);
	zq_buf_release(&body);
}

/* An inherited socket is shared with whoever passed it (systemd keeps it
 * open across restarts of zq-api), so stopping must not shut it down: it is
 * non-blocking, and the workers wait for it here, looking at the stop flag
 * every 200 ms. 1 when a connection may be waiting. */
static int wait_listen(zq_server *s)
{
	struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};

	return poll(&p, 1, 200) > 0;
}

static void *worker(void *arg)
{
	zq_server *s = arg;
	FCGX_Request req;
	zq_err err = ZQ_ERR_INIT;
	zq_db *db;

	zq_db_thread_init();
	db = zq_db_new(s->cfg);
	if (zq_db_connect(db, &err) < 0)
		zq_warn("worker: %s (will retry on demand)", err.msg);
	FCGX_InitRequest(&req, s->listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!atomic_load(&s->stopping)) {
		if (s->inherited && !wait_listen(s))
			continue;
		if (FCGX_Accept_r(&req) < 0) {
			if (atomic_load(&s->stopping))
				break;
			if (s->inherited && (errno == EAGAIN || errno == EWOULDBLOCK))
				continue;   /* another worker took the connection */
			if (errno != EINTR) {
				struct timespec pause = {0, 50 * 1000000L}; /* e.g. EMFILE */
				zq_warn("accept: %s", strerror(errno));
				nanosleep(&pause, NULL);
			}
			continue;
		}
		serve(s, &req, db);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	zq_db_free(db);
	zq_db_thread_end();
	return NULL;
}

int zq_server_listen(zq_server *s, const zq_config *cfg, zq_api *api, zq_err *err)
{
	const char *l = cfg->api_listen;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->api = api;
	s->listen_fd = -1;
	if (zq_proxies_parse(&s->proxies, cfg->api_trusted_proxies, err) < 0)
		return zq_errf(err, ZQ_ECONFIG, "%s", err->msg);
	if (FCGX_Init() != 0)
		return zq_errf(err, ZQ_EIO, "FCGX_Init failed");
	if (strcmp(l, "inherit") == 0) {
		int fl = fcntl(0, F_GETFL);

		s->listen_fd = 0;
		s->inherited = 1;
		if (fl < 0 || fcntl(0, F_SETFL, fl | O_NONBLOCK) < 0)
			return zq_errf(err, ZQ_EIO, "api.listen = inherit: fd 0 is not a socket: %s",
				       strerror(errno));
		return 0;
	}
	if (strncmp(l, "unix:", 5) == 0) {
		unlink(l + 5);
		if ((s->listen_fd = FCGX_OpenSocket(l + 5, 1024)) < 0)
			return zq_errf(err, ZQ_EIO, "cannot listen on %s: %s", l, strerror(errno));
		if (chmod(l + 5, (mode_t)cfg->api_socket_mode) < 0)
			zq_warn("chmod %s: %s", l + 5, strerror(errno));
		return 0;
	}
	if ((s->listen_fd = FCGX_OpenSocket(l, 1024)) < 0)
		return zq_errf(err, ZQ_EIO, "cannot listen on %s: %s", l, strerror(errno));
	return 0;
}

int zq_server_start(zq_server *s)
{
	s->threads = zq_calloc((size_t)s->cfg->api_threads, sizeof(pthread_t));
	for (int i = 0; i < s->cfg->api_threads; i++) {
		if (pthread_create(&s->threads[i], NULL, worker, s) != 0) {
			zq_error("pthread_create: %s", strerror(errno));
			return ZQ_EINTERNAL;
		}
		s->nthreads++;
	}
	return 0;
}

void zq_server_join(zq_server *s)
{
	for (int i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	free(s->threads);
	s->threads = NULL;
	s->nthreads = 0;
}

void zq_server_stop(zq_server *s)
{
	atomic_store(&s->stopping, 1);
	FCGX_ShutdownPending();
	if (s->listen_fd >= 0 && !s->inherited)
		shutdown(s->listen_fd, SHUT_RDWR);
}

void zq_server_close(zq_server *s)
{
	const char *l = s->cfg->api_listen;

	if (s->listen_fd > 0)
		close(s->listen_fd);
	if (strncmp(l, "unix:", 5) == 0)
		unlink(l + 5);
	s->listen_fd = -1;
}
