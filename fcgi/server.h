/* server.h - the FastCGI side of zq-api: the listening socket, N worker
 * threads each with its own DB connection, and the translation between
 * libfcgi requests and zq_http_req / zq_http_resp.
 *
 * Listening: api.listen = "unix:/path" (socket mode api.socket_mode),
 * "host:port" / ":port" (TCP), or "inherit" (fd 0, as spawn-fcgi passes
 * it). Each worker accepts on its own (Linux serialises accept() in the
 * kernel), so a slow client never blocks the others' accept.
 *
 * Stopping: zq_server_stop() (called by main after sigwait, never from a
 * signal handler) sets a flag and shuts the listening socket down, which
 * wakes every thread blocked in accept(); a thread in the middle of a
 * request finishes it first.
 *
 * The client's address (rate limits, audit log) is the peer's REMOTE_ADDR
 * only when the peer is in api.trusted_proxies (fcgi/http.h). */
#ifndef ZQ_SERVER_H
#define ZQ_SERVER_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "api.h"
#include "config.h"

typedef struct zq_server {
	const zq_config *cfg;
	zq_api *api;
	int listen_fd;
	int inherited;                  /* listen_fd is the caller's (spawn-fcgi, systemd) */
	zq_proxies proxies;             /* api.trusted_proxies */
	atomic_int stopping;            /* set by zq_server_stop, read by workers */
	pthread_t *threads;
	int nthreads;
} zq_server;

/* Open the listener (errno-style message in err on failure). */
int zq_server_listen(zq_server *s, const zq_config *cfg, zq_api *api, zq_err *err);
/* Start api_threads workers (they inherit the caller's signal mask). */
int zq_server_start(zq_server *s);
/* Begin a graceful stop. */
void zq_server_stop(zq_server *s);
/* Wait until every worker has stopped. */
void zq_server_join(zq_server *s);
/* Close the listener and remove a unix socket file we created. */
void zq_server_close(zq_server *s);

#endif
