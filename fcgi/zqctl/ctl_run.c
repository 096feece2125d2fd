/* ctl_run.c - zqctl trigger (with --wait: poll the execution until it ends,
 * a progress bar on a terminal, exit with its outcome; --follow: its live
 * output too, ctl_follow.c) and zqctl login. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "mem.h"

#define POLL_MS 500

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* the run's outcome as an exit code; -1 while it is not final */
static int outcome(const char *status)
{
	if (strcmp(status, "success") == 0)
		return CTL_OK;
	if (strcmp(status, "failed") == 0 || strcmp(status, "completed") == 0)
		return CTL_FAILED;
	if (strcmp(status, "terminated") == 0 || strcmp(status, "cancelled") == 0 ||
	    strcmp(status, "skipped") == 0)
		return CTL_CANCELLED;
	return -1;
}

static int num_of(const cJSON *o, const char *k, int dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valueint : dflt;
}

/* one line on stderr, redrawn: [#####-----]  42%  step 2/5  message */
static void progress_bar(const cJSON *e, const char *status)
{
	int pct = num_of(e, "progress_percent", -1), i, fill;
	int step = num_of(e, "current_step", -1), steps = num_of(e, "total_steps", -1);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "progress_message");

	fill = pct < 0 ? 0 : (pct > 100 ? 100 : pct) / 5;
	fprintf(stderr, "\r\033[K%-8s [", status);
	for (i = 0; i < 20; i++)
		fputc(i < fill ? '#' : '-', stderr);
	if (pct >= 0)
		fprintf(stderr, "] %3d%%", pct);
	else
		fprintf(stderr, "]  ...");
	if (step >= 0 && steps > 0)
		fprintf(stderr, "  step %d/%d", step, steps);
	if (cJSON_IsString(m))
		fprintf(stderr, "  %.60s", m->valuestring);
	fflush(stderr);
}

/* the summary (--json: the execution) on to: stdout, stderr while following */
static void print_final(ctl *c, const cJSON *e, const char *status, FILE *to)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(e, "error_message");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "duration_seconds");
	char *t;

	if (c->json) {
		t = cJSON_Print(e);
		fprintf(to, "%s\n", t ? t : "null");
		cJSON_free(t);
		return;
	}
	fprintf(to, "execution %d: %s", num_of(e, "id", 0), status);
	if (cJSON_IsNumber(d))
		fprintf(to, " in %.1f s", d->valuedouble);
	if (cJSON_IsString(err) && *err->valuestring)
		fprintf(to, ": %s", err->valuestring);
	fputc('\n', to);
}

/* poll GET …/executions/{eid} until the status is final; following, the
 * output read after each look at the status (the final state and output
 * are committed together: the read after a final status has it all) */
int ctl_wait_run(ctl *c, long long id, long long eid, int follow)
{
	int tty = isatty(2) && !c->json, rc = -1, api, running;
	ctl_follow f = {.id = id, .eid = eid, .bar = tty};
	char path[128];
	cJSON *e = NULL;

	snprintf(path, sizeof(path), "/scheduler/tasks/%lld/executions/%lld", id, eid);
	for (;;) {
		const char *status;

		if ((api = ctl_call(c, "GET", path, NULL, &e)) != CTL_OK)
			return api;
		status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "status"));
		if (!status)
			status = "?";
		rc = outcome(status);
		if (follow && (api = ctl_follow_step(c, &f, &running)) != CTL_OK) {
			cJSON_Delete(e);
			return api;
		}
		if (tty)
			progress_bar(e, status);
		if (rc >= 0) {
			if (tty)
				fputc('\n', stderr);
			print_final(c, e, status, follow ? stderr : stdout);
			break;
		}
		cJSON_Delete(e);
		sleep_ms(POLL_MS);
	}
	cJSON_Delete(e);
	return rc;
}

#define TRIGGER_USAGE "trigger ID [--param NAME=VALUE ...] [--wait] [--follow]"

/* --param k=v (repeatable), --wait and --follow (it waits too) into body / *wait */
static int trigger_args(int argc, char **argv, cJSON *params, int *wait)
{
	int i;

	for (i = 2; i < argc; i++) {
		char *eq;

		if (strcmp(argv[i], "--wait") == 0) {
			*wait |= 1;
		} else if (strcmp(argv[i], "--follow") == 0) {
			*wait |= 2;
		} else if (strcmp(argv[i], "--param") == 0 && i + 1 < argc &&
			   (eq = strchr(argv[i + 1], '=')) && eq != argv[i + 1]) {
			char *k = zq_strndup(argv[i + 1], (size_t)(eq - argv[i + 1]));

			cJSON_AddStringToObject(params, k, eq + 1);
			free(k);
			i++;
		} else {
			return ctl_usage(TRIGGER_USAGE);
		}
	}
	return CTL_OK;
}

int cmd_trigger(ctl *c, int argc, char **argv)
{
	cJSON *body = cJSON_CreateObject(), *params = cJSON_CreateObject(), *r = NULL;
	long long id = argc > 1 ? strtoll(argv[1], NULL, 10) : 0, eid;
	int wait = 0, rc;
	char path[96];

	rc = id > 0 && strspn(argv[1], "0123456789") == strlen(argv[1])
		     ? trigger_args(argc, argv, params, &wait)
		     : ctl_usage(TRIGGER_USAGE);
	if (cJSON_GetArraySize(params) > 0)
		cJSON_AddItemToObject(body, "params", params);
	else
		cJSON_Delete(params);
	snprintf(path, sizeof(path), "/scheduler/tasks/%lld/trigger", id);
	if (rc == CTL_OK)
		rc = ctl_call(c, "POST", path, body, &r);
	cJSON_Delete(body);
	if (rc != CTL_OK)
		return rc;
	eid = (long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r, "execution_id"));
	if (!wait) {
		if (c->json)
			ctl_print_json(r);
		else
			printf("execution %lld: pending\n", eid);
	}
	cJSON_Delete(r);
	return wait ? ctl_wait_run(c, id, eid, wait & 2) : CTL_OK;
}

/* one line from stdin without its newline; echo off on a terminal for secrets */
static char *read_line(const char *prompt, int secret)
{
	struct termios old, quiet;
	int tty = isatty(0), off = 0;
	char line[1024];
	char *ok;

	if (tty)
		fprintf(stderr, "%s", prompt);
	if (tty && secret && tcgetattr(0, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		off = tcsetattr(0, TCSAFLUSH, &quiet) == 0;
	}
	ok = fgets(line, sizeof(line), stdin);
	if (off) {
		tcsetattr(0, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!ok)
		return NULL;
	line[strcspn(line, "\r\n")] = '\0';
	return zq_strdup(line);
}

static int login_post(ctl *c, const char *user, const char *pw)
{
	cJSON *body = cJSON_CreateObject(), *r = NULL;
	const char *tok;
	int rc;

	cJSON_AddStringToObject(body, "username", user);
	cJSON_AddStringToObject(body, "password", pw);
	free(c->token);
	c->token = NULL;
	rc = ctl_call(c, "POST", "/auth/login", body, &r);
	cJSON_Delete(body);
	tok = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "access_token"));
	if (rc == CTL_OK && !tok) {
		fprintf(stderr, "zqctl: login: the answer has no access_token\n");
		rc = CTL_API;
	}
	if (rc == CTL_OK && ctl_conf_save(c->url, tok) < 0)
		rc = CTL_USAGE;
	cJSON_Delete(r);
	return rc;
}

/* zqctl login [USER]: the password from the terminal (no echo) or stdin's next line */
int cmd_login(ctl *c, int argc, char **argv)
{
	char *user, *pw;
	int rc;

	if (argc > 2)
		return ctl_usage("login [USERNAME]");
	user = argc == 2 ? zq_strdup(argv[1]) : read_line("Username: ", 0);
	pw = user && *user ? read_line("Password: ", 1) : NULL;
	if (!pw || !*pw) {
		free(user);
		free(pw);
		return ctl_usage("login: a username and a password are needed");
	}
	rc = login_post(c, user, pw);
	memset(pw, 0, strlen(pw));
	free(user);
	free(pw);
	return rc;
}
