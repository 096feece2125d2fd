/* main.c - zq-api: the REST API as a FastCGI program behind nginx.
 *
 *   zq-api [--config FILE]    serve (see server.h for api.listen)
 *   zq-api --routes           print the route table (method, path, least
 *                             role) and exit; tests build the role matrix
 *                             from it
 *
 * Start-up refuses to serve against a server or schema it does not
 * understand; SIGTERM / SIGINT stop gracefully (in-flight requests finish)
 * and exit 0 with everything freed. Signals are blocked in every thread
 * and taken by the main thread with sigwait(), so no code runs in a signal
 * handler. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alert_thread.h"
#include "api.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "secret.h"
#include "server.h"
#include "taskcfg.h"
#include "tz.h"

extern const char zq_openapi_json[];
extern const size_t zq_openapi_json_len;

static int print_routes(void)
{
	int n;
	const zq_route *r = zq_api_routes(&n);

	for (int i = 0; i < n; i++)
		printf("%s\t/api/v1%s\t%s\t%s\n", r[i].method, r[i].pattern,
		       zq_route_access_name(r[i].min_role), r[i].summary);
	return 0;
}

/* The database must be reachable, new enough and at our schema version. */
static int check_database(const zq_config *cfg)
{
	zq_err err = ZQ_ERR_INIT;
	zq_db *db = zq_db_new(cfg);
	int rc;

	if ((rc = zq_db_connect_wait(db, cfg->db_startup_wait, &err)) == 0 &&
	    (rc = zq_check_server(db, &err)) == 0)
		rc = zq_check_schema(db, &err);
	if (rc < 0)
		fprintf(stderr, "zq-api: %s\n", err.msg);
	zq_db_free(db);
	return rc;
}

/* Block the stop signals (the workers inherit the mask) and ignore SIGPIPE. */
static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void wait_for_stop(const sigset_t *set)
{
	int sig = 0;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		zq_info("SIGHUP ignored (restart zq-api to reload its configuration)");
	}
	zq_info("stopping on signal %d: finishing requests in flight", sig);
}

/* The alert thread (alerts.enabled), its sender named "zq-api host:pid";
 * started with the stop signals blocked, as the workers. */
static int start_alerts(const zq_config *cfg, alert_thread **T, zq_err *err)
{
	char host[256] = "localhost", who[320];

	gethostname(host, sizeof(host) - 1);
	snprintf(who, sizeof(who), "zq-api %s:%d", host, (int)getpid());
	*T = alert_thread_start(cfg, who, err);
	return *T || !cfg->alerts_enabled ? 0 : err->code;
}

static int serve(const zq_config *cfg)
{
	alert_thread *alerts = NULL;
	zq_err err = ZQ_ERR_INIT;
	zq_server server;
	sigset_t set;
	zq_api api;
	char msg[128];
	int rc;

	zq_api_init(&api, cfg);
	api.openapi = zq_openapi_json;
	api.openapi_len = zq_openapi_json_len;
	if (zq_router_check(api.routes, api.nroutes, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "zq-api: %s\n", msg);
		zq_api_release(&api);
		return 1;
	}
	if (zq_api_alerts_init(&api, &err) < 0) {
		fprintf(stderr, "zq-api: %s\n", err.msg);
		zq_api_release(&api);
		return 1;
	}
	if ((rc = zq_server_listen(&server, cfg, &api, &err)) < 0) {
		fprintf(stderr, "zq-api: %s\n", err.msg);
		zq_api_release(&api);
		return 2;
	}
	block_signals(&set);
	zq_info("listening on %s with %d threads", cfg->api_listen, cfg->api_threads);
	if ((rc = zq_server_start(&server)) == 0 && (rc = start_alerts(cfg, &alerts, &err)) < 0)
		zq_error("alerts: %s", err.msg);
	else if (rc == 0)
		wait_for_stop(&set);
	zq_server_stop(&server);
	zq_server_join(&server);
	alert_thread_stop(alerts);  /* after the requests: the delivery under way completes */
	zq_server_close(&server);
	zq_api_release(&api);
	zq_info("stopped");
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	zq_config cfg;
	int rc;

	taskcfg_json_hooks();  /* cJSON allocates through zq_malloc (aborts on OOM) */
	if (argc == 2 && strcmp(argv[1], "--routes") == 0)
		return print_routes();
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("zq-api %s\n", ZQ_VERSION);
		return 0;
	}
	zq_config_from_args(&cfg, &argc, argv);
	if (argc > 1) {
		fprintf(stderr, "usage: zq-api [--config FILE] | --routes | --version\n");
		return 2;
	}
	zq_log_init("zq-api", cfg.log_level);
	if (zq_secret_init() < 0) {
		zq_error("libsodium failed to initialise");
		return 1;
	}
	zq_db_library_init();
	rc = check_database(&cfg) < 0 ? 2 : serve(&cfg);
	zq_tz_cache_free();
	zq_db_library_end();
	return rc;
}
