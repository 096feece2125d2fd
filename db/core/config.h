/* config.h - the one configuration file every zq process reads.
 *
 * Format: `key = value` lines; `#` or `;` starts a comment line; `[section]`
 * prefixes following keys with "section." (so `[db]` + `host = x` is the
 * same as `db.host = x`). Values may be double-quoted. Environment variables
 * override the file: key db.password -> ZQ_DB_PASSWORD.
 *
 * The parsed configuration is the only global: load it once at
 * start-up, then treat it as read-only (SIGHUP reload builds a new one). */
#ifndef ZQ_CONFIG_H
#define ZQ_CONFIG_H

#include <limits.h>

#include "err.h"

#define ZQ_CFG_STR 256

typedef struct zq_config {
	char path[PATH_MAX];            /* file it was loaded from */

	/* [db] */
	char db_host[ZQ_CFG_STR];       /* "" = db_socket if set, else 127.0.0.1 */
	int db_port;
	char db_socket[PATH_MAX];
	char db_user[ZQ_CFG_STR];
	char db_password[ZQ_CFG_STR];   /* secret: never log or return */
	char db_name[ZQ_CFG_STR];
	int db_connect_timeout;         /* seconds per attempt */
	int db_startup_wait;            /* seconds to wait for the server at start-up */
	int db_rw_timeout;              /* read/write timeout, seconds */

	/* general */
	char timezone[64];              /* default IANA zone for new tasks */
	int log_level;                  /* enum zq_log_level */

	/* [api] */
	int api_threads;
	char api_listen[PATH_MAX];      /* unix:/path, host:port, or "inherit" (fd 0) */
	int api_socket_mode;            /* octal, for unix sockets */
	int api_max_body;               /* bytes; larger -> 413 */
	int api_token_ttl;              /* seconds a login token lives */
	int api_hash_concurrency;       /* concurrent argon2id hashes */
	int api_login_max_failures;     /* failures before 429 */
	int api_login_lockout;          /* seconds of 429 after too many failures */
	char api_trusted_proxies[ZQ_CFG_STR]; /* FastCGI peers whose REMOTE_ADDR is the
					 * client's (fcgi/http.h); "loopback, unix" */

	/* [scheduler] */
	int sched_threads;
	int sched_poll_ms;              /* longest sleep between ticks */
	int sched_heartbeat_s;          /* node + running execution heartbeat period */
	int sched_lease_s;              /* a node silent this long is lost */
	int sched_batch;                /* fires / claims per transaction */
	int sched_shutdown_grace_s;     /* SIGTERM: running work may finish this long */
	int sched_kill_grace_s;         /* TERM -> KILL grace for child processes */
	int sched_output_tail;          /* bytes kept of stdout / stderr each */
	int sched_history_days;         /* 0 = keep executions forever */
	int sched_retention_duty;       /* % of the time a retention pass may work */
	int sched_progress_ms;          /* minimum gap between progress writes */
	int sched_output_flush_ms;      /* live output writes at most this often; 0 = at the end */
	char sched_wakeup_dir[PATH_MAX];/* "" = no wake-up datagrams */
	char sched_metrics_listen[ZQ_CFG_STR];/* host:port of /metrics; "" = off */
	int sched_metrics_task_labels;  /* a task label on the outcome counters (bool) */
	int sched_metrics_task_labels_max; /* ... for at most this many tasks, the rest "other" */
	char sched_node_name[ZQ_CFG_STR];/* "" = host:pid */
	char sched_run_as[ZQ_CFG_STR];  /* USER[:GROUP] commands run as; "" = the daemon's user */
	char sched_run_as_allowed[1024];/* comma list a task's run_as may name; "" = none */
	int sched_allow_root_commands;  /* bool: a root daemon may run commands as root */

	/* [alerts] (README "Alerts") */
	int alerts_enabled;             /* bool: this process sweeps and sends alerts */
	char alerts_base_url[ZQ_CFG_STR];/* the admin pages' URL, for links in messages */
	int alerts_deny_private;        /* bool: refuse loopback/private/link-local targets */
	char alerts_allow[1024];        /* comma list of IPs / CIDRs allowed though private */
	int alerts_timeout_s;           /* per delivery attempt */
	int alerts_max_attempts;        /* then the event is failed */
	int alerts_sweep_ms;            /* period of the rule sweep and the outbox poll */
	char alerts_ca_file[PATH_MAX];  /* "" = the system's CA store */
} zq_config;

/* Fill with defaults (no file needed). */
void zq_config_defaults(zq_config *c);

/* Load defaults, then the file, then environment overrides. On error returns
 * ZQ_ECONFIG with err naming file, line and key:
 *   "/etc/zq.conf:12: api.threads: must be an integer 1-256, got 'lots'". */
int zq_config_load(zq_config *c, const char *path, zq_err *err);

/* Parse one "key = value" assignment (used by the loader and tests). */
int zq_config_set(zq_config *c, const char *key, const char *value, zq_err *err);

/* Convenience for mains: find `--config FILE` (or `-c FILE`) in argv, load it
 * (or defaults + environment when absent and ZQ_CONFIG is unset), print the
 * error and exit(2) on failure. Removes the option from argv. */
void zq_config_from_args(zq_config *c, int *argc, char **argv);

#endif
