/* ctl.h - zqctl, the command-line client of the REST API (README "zqctl").
 * ctl_http.c talks HTTP (libcurl) and reads the configuration; ctl_cmd.c
 * holds the commands; zqctl.c parses the command line. */
#ifndef ZQ_CTL_H
#define ZQ_CTL_H

#include <cjson/cJSON.h>

/* exit codes: the run's outcome for trigger --wait, else 0 / 2 / 4 */
enum {
	CTL_OK = 0,
	CTL_FAILED = 1,     /* the run failed (trigger --wait) */
	CTL_USAGE = 2,      /* bad command line or configuration (also plain http:// refused) */
	CTL_CANCELLED = 3,  /* the run was cancelled / terminated / skipped */
	CTL_API = 4,        /* the API answered an error, or could not be reached */
};

typedef struct ctl {
	char *url;        /* the API root, ending in /api/v1 */
	char *token;      /* bearer token, NULL before login */
	int json;         /* --json: print the API's JSON */
	int insecure;     /* --insecure: allow plain http:// to a non-loopback host */
} ctl;

/* Fill c->url / c->token from ~/.config/zq/zqctl.conf, then ZQ_URL / ZQ_TOKEN (env
 * wins), then url_opt (--url, wins over both); checks the scheme. CTL_OK or CTL_USAGE. */
int ctl_config(ctl *c, const char *url_opt);
void ctl_release(ctl *c);
/* ~/.config/zq/zqctl.conf (a new string) */
char *ctl_conf_path(void);
/* Write url and token to the config file, mode 0600. 0 or -1 (message printed). */
int ctl_conf_save(const char *url, const char *token);

/* One request: method, path under /api/v1 (with its query string), an optional JSON
 * body. *out the parsed response (NULL when it is not JSON); CTL_OK for 2xx, else
 * CTL_API with the API's detail printed on stderr. */
int ctl_call(ctl *c, const char *method, const char *path, const cJSON *body, cJSON **out);
/* s escaped for a query string or a path (a new string). */
char *ctl_escape(const char *s);

/* the commands: argv[0] is the command's name; exit code */
int cmd_login(ctl *c, int argc, char **argv);
int cmd_tasks(ctl *c, int argc, char **argv);
int cmd_show(ctl *c, int argc, char **argv);
int cmd_trigger(ctl *c, int argc, char **argv);
int cmd_history(ctl *c, int argc, char **argv);
int cmd_cancel(ctl *c, int argc, char **argv);
int cmd_action(ctl *c, int argc, char **argv);
int cmd_stats(ctl *c, int argc, char **argv);
int cmd_nodes(ctl *c, int argc, char **argv);
int cmd_output(ctl *c, int argc, char **argv);

/* Following a run's live output (ctl_follow.c): the next offset of each
 * stream (stdout, stderr); bar: a progress bar is on stderr's last line. */
typedef struct ctl_follow {
	long long id, eid;
	long long after[2];
	int bar;
} ctl_follow;
/* Print what both streams gained since f's offsets; *running: the run is
 * still pending or running. CTL_OK or CTL_API. */
int ctl_follow_step(ctl *c, ctl_follow *f, int *running);
/* Poll execution eid of task id until it ends (a progress bar on a
 * terminal), with follow printing its live output as it comes; the exit
 * code of its outcome (ctl_run.c). */
int ctl_wait_run(ctl *c, long long id, long long eid, int follow);

/* "usage: ..." on stderr; returns CTL_USAGE */
int ctl_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* print a JSON value on stdout (formatted) */
void ctl_print_json(const cJSON *v);

#endif
