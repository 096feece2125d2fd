/* main.c - zq-scheduler: the daemon that fires, claims and runs tasks
 * (loop.h), and operator subcommands such as `cron-next`.
 *
 * Signals: SIGTERM / SIGINT drain (no more claims; running work may finish
 * within scheduler.shutdown_grace_s, then it is stopped), SIGHUP reloads the
 * configuration. The handlers only set flags; the signals are blocked in
 * every thread and delivered while the loop sleeps in ppoll.
 *
 * Who commands run as (scheduler.run_as, proc.h) is settled before anything
 * else: a root daemon with no run_as (and no allow_root_commands), or a
 * run_as this daemon cannot switch to, is a configuration error (exit 2). */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cron_next_cmd.h"
#include "db.h"
#include "log.h"
#include "loop.h"
#include "sched_metrics.h"
#include "sched_metrics_http.h"
#include "proc.h"
#include "taskcfg.h"
#include "timeutil.h"
#include "tz.h"

static volatile sig_atomic_t got_term, got_hup;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

static void install_signals(void)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;  /* children must stay waitable */
	sigaction(SIGCHLD, &sa, NULL);
	/* blocked everywhere (threads inherit the mask); the loop opens them in ppoll */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
}

int main(int argc, char **argv)
{
	zq_config cfg;
	zq_err err = ZQ_ERR_INIT;
	loop_signals sig = {&got_term, &got_hup};
	loop *L;
	metrics_http *mh = NULL;
	proc_run_as *ra;
	char who[1024];
	int rc;

	taskcfg_json_hooks();  /* cJSON allocates through zq_malloc (aborts on OOM) */
	if (argc > 1 && strcmp(argv[1], "cron-next") == 0)
		return cron_next_main(argc - 1, argv + 1);
	zq_config_from_args(&cfg, &argc, argv);
	zq_log_init("zq-scheduler", cfg.log_level);
	if (!(ra = proc_run_as_new(&cfg, &err))) {
		fprintf(stderr, "zq-scheduler: config: %s\n", err.msg);
		return 2;
	}
	proc_run_as_describe(ra, who, sizeof(who));
	if (proc_run_as_is_root(ra))
		zq_warn("RUN_AS %s: a task command can read this daemon's configuration (db.password) "
			"and everything else on the machine; set scheduler.run_as", who);
	else if (proc_run_as_caps_unused(ra))
		zq_warn("RUN_AS %s", who);
	else
		zq_info("RUN_AS %s", who);
	proc_run_as_install(ra);
	if (sodium_init() < 0) {
		fprintf(stderr, "zq-scheduler: libsodium failed to initialise\n");
		return 2;
	}
	install_signals();
	zq_db_library_init();
	if (!(L = loop_new(&cfg, &sig, &err))) {
		fprintf(stderr, "zq-scheduler: %s\n", err.msg);
		zq_db_library_end();
		zq_tz_cache_free();
		proc_run_as_install(NULL);
		return 2;
	}
	atomic_store(&metrics_global()->start_time_s, zq_wall_ms() / 1000);
	metrics_task_labels(metrics_global(),
			    cfg.sched_metrics_task_labels ? cfg.sched_metrics_task_labels_max : 0);
	if (cfg.sched_metrics_listen[0])
		metrics_backlog_enable();
	if (cfg.sched_metrics_listen[0] && !(mh = metrics_http_start(cfg.sched_metrics_listen, &err))) {
		fprintf(stderr, "zq-scheduler: %s\n", err.msg);
		loop_free(L);
		zq_db_library_end();
		zq_tz_cache_free();
		proc_run_as_install(NULL);
		return 2;
	}
	rc = loop_run(L);
	metrics_http_stop(mh);
	loop_free(L);
	zq_db_library_end();
	zq_tz_cache_free();
	proc_run_as_install(NULL);
	return rc == 0 ? 0 : 1;
}
