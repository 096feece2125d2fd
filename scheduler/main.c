/* main.c - zq-scheduler: registers its node and heartbeats it. (Platform
 * stage; the scheduler issue adds the loop, pool and executors.) Also hosts
 * operator subcommands such as `cron-next`. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "cron_next_cmd.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "timeutil.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int node_register(zq_db *db, const zq_config *cfg, int64_t *id, zq_err *err)
{
	char host[256] = "localhost", name[300];
	zq_stmt *st;
	int rc;

	gethostname(host, sizeof(host) - 1);
	snprintf(name, sizeof(name), "%s:%d", host, (int)getpid());
	st = zq_db_prepare(db,
			   "INSERT INTO scheduler_nodes (name, host, pid, version, threads, "
			   "started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(3), "
			   "UTC_TIMESTAMP(3))",
			   err);
	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, cfg->sched_node_name[0] ? cfg->sched_node_name : name);
	zq_stmt_bind_str(st, 1, host);
	zq_stmt_bind_i64(st, 2, getpid());
	zq_stmt_bind_str(st, 3, ZQ_VERSION);
	zq_stmt_bind_i64(st, 4, cfg->sched_threads);
	rc = zq_stmt_exec(st, err);
	*id = (int64_t)zq_stmt_insert_id(st);
	zq_stmt_done(st);
	return rc;
}

static int node_update(zq_db *db, int64_t id, const char *state, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
				    "UPDATE scheduler_nodes SET heartbeat_at = UTC_TIMESTAMP(3), state = ?, "
				    "stopped_at = IF(? = 'stopped', UTC_TIMESTAMP(3), NULL) WHERE id = ?",
				    err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, state);
	zq_stmt_bind_str(st, 1, state);
	zq_stmt_bind_i64(st, 2, id);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

int main(int argc, char **argv)
{
	zq_config cfg;
	zq_err err = ZQ_ERR_INIT;
	struct sigaction sa;
	int64_t node_id = 0;
	zq_db *db;

	if (argc > 1 && strcmp(argv[1], "cron-next") == 0)
		return cron_next_main(argc - 1, argv + 1);
	zq_config_from_args(&cfg, &argc, argv);
	zq_log_init("zq-scheduler", cfg.log_level);
	zq_db_library_init();
	db = zq_db_new(&cfg);
	if (zq_db_connect_wait(db, cfg.db_startup_wait, &err) < 0 ||
	    zq_check_server(db, &err) < 0 || zq_check_schema(db, &err) < 0 ||
	    node_register(db, &cfg, &node_id, &err) < 0) {
		fprintf(stderr, "zq-scheduler: %s\n", err.msg);
		zq_db_free(db);
		zq_db_library_end();
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	zq_info("START node=%lld", (long long)node_id);
	while (!stopping) {
		struct timespec ts = {cfg.sched_heartbeat_s, 0};
		if (node_update(db, node_id, "running", &err) < 0)
			zq_debug("heartbeat: %s", err.msg);
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	}
	node_update(db, node_id, "stopped", &err);
	zq_info("STOP node=%lld", (long long)node_id);
	zq_db_free(db);
	zq_db_library_end();
	return 0;
}
