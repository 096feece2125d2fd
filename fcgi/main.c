/* main.c - zq-api: FastCGI worker threads behind nginx, one DB connection
 * each. (Platform stage: serves GET /api/v1/health; the REST issue adds the
 * router and handlers.) */
#include <errno.h>
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "mem.h"
#include "migrate.h"
#include "secret.h"

static zq_config cfg;
static int listen_fd = -1;
static volatile sig_atomic_t stopping;
static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
	if (listen_fd >= 0)
		shutdown(listen_fd, SHUT_RDWR);  /* wake threads blocked in accept */
}

static void reply(FCGX_Request *r, int status, const char *reason, const char *json)
{
	FCGX_FPrintF(r->out,
		     "Status: %d %s\r\nContent-Type: application/json\r\n"
		     "Cache-Control: no-store\r\n\r\n%s",
		     status, reason, json);
}

static void handle(FCGX_Request *r, zq_db *db)
{
	const char *method = FCGX_GetParam("REQUEST_METHOD", r->envp);
	const char *uri = FCGX_GetParam("DOCUMENT_URI", r->envp);
	zq_err err = ZQ_ERR_INIT;
	char body[768];

	if (!uri)
		uri = FCGX_GetParam("SCRIPT_NAME", r->envp);
	if (!method || !uri || strcmp(uri, "/api/v1/health") != 0) {
		reply(r, 404, "Not Found", "{\"detail\":\"not found\"}");
		return;
	}
	if (strcmp(method, "GET") != 0) {
		reply(r, 405, "Method Not Allowed", "{\"detail\":\"method not allowed\"}");
		return;
	}
	if (zq_db_ping(db, &err) < 0) {
		snprintf(body, sizeof(body),
			 "{\"status\":\"unavailable\",\"db\":\"down\",\"version\":\"%s\","
			 "\"detail\":\"database unavailable\"}",
			 ZQ_VERSION);
		reply(r, 503, "Service Unavailable", body);
		return;
	}
	snprintf(body, sizeof(body), "{\"status\":\"ok\",\"db\":\"ok\",\"version\":\"%s\"}",
		 ZQ_VERSION);
	reply(r, 200, "OK", body);
}

static void *worker(void *arg)
{
	FCGX_Request req;
	zq_db *db;
	zq_err err = ZQ_ERR_INIT;

	(void)arg;
	zq_db_thread_init();
	db = zq_db_new(&cfg);
	if (zq_db_connect(db, &err) < 0)
		zq_warn("worker: %s (will retry on demand)", err.msg);
	FCGX_InitRequest(&req, listen_fd, 0);
	while (!stopping) {
		int rc;
		pthread_mutex_lock(&accept_lock);
		rc = stopping ? -1 : FCGX_Accept_r(&req);
		pthread_mutex_unlock(&accept_lock);
		if (rc < 0)
			break;
		handle(&req, db);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	zq_db_free(db);
	zq_db_thread_end();
	return NULL;
}

static int open_listener(void)
{
	const char *l = cfg.api_listen;

	if (strcmp(l, "inherit") == 0)
		return 0;
	if (strncmp(l, "unix:", 5) == 0) {
		const char *path = l + 5;
		int fd;
		unlink(path);
		if ((fd = FCGX_OpenSocket(path, 1024)) < 0)
			return -1;
		if (chmod(path, (mode_t)cfg.api_socket_mode) < 0)
			zq_warn("chmod %s: %s", path, strerror(errno));
		return fd;
	}
	return FCGX_OpenSocket(l, 1024);
}

int main(int argc, char **argv)
{
	zq_err err = ZQ_ERR_INIT;
	pthread_t *threads;
	struct sigaction sa;
	zq_db *db;

	zq_config_from_args(&cfg, &argc, argv);
	zq_log_init("zq-api", cfg.log_level);
	if (zq_secret_init() < 0) {
		zq_error("libsodium failed to initialise");
		return 1;
	}
	zq_db_library_init();
	/* refuse to serve against a server or schema we do not understand */
	db = zq_db_new(&cfg);
	if (zq_db_connect_wait(db, cfg.db_startup_wait, &err) < 0 || zq_check_server(db, &err) < 0 ||
	    zq_check_schema(db, &err) < 0) {
		fprintf(stderr, "zq-api: %s\n", err.msg);
		zq_db_free(db);
		zq_db_library_end();
		return 2;
	}
	zq_db_free(db);
	if (FCGX_Init() != 0 || (listen_fd = open_listener()) < 0) {
		fprintf(stderr, "zq-api: cannot listen on %s: %s\n", cfg.api_listen, strerror(errno));
		zq_db_library_end();
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	zq_info("listening on %s with %d threads", cfg.api_listen, cfg.api_threads);
	threads = zq_calloc((size_t)cfg.api_threads, sizeof(pthread_t));
	for (int i = 0; i < cfg.api_threads; i++)
		pthread_create(&threads[i], NULL, worker, NULL);
	for (int i = 0; i < cfg.api_threads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	if (strncmp(cfg.api_listen, "unix:", 5) == 0)
		unlink(cfg.api_listen + 5);
	zq_info("stopped");
	zq_db_library_end();
	return 0;
}
