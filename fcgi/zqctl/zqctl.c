/* zqctl.c - zqctl's entry: global options, the configuration, the command table.
 * README "zqctl" has the commands, the configuration and the exit codes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "ctl.h"

static const struct {
	const char *name;
	int (*fn)(ctl *c, int argc, char **argv);
} commands[] = {
	{"login", cmd_login},     {"tasks", cmd_tasks},     {"show", cmd_show},
	{"trigger", cmd_trigger}, {"history", cmd_history}, {"cancel", cmd_cancel},
	{"enable", cmd_action},   {"disable", cmd_action},  {"pause", cmd_action},
	{"resume", cmd_action},   {"stats", cmd_stats},     {"nodes", cmd_nodes},
	{"output", cmd_output},
};

static const char usage_text[] =
	"usage: zqctl [--json] [--insecure] [--url URL] COMMAND ...\n"
	"  login [USERNAME]                        log in, save the token (0600)\n"
	"  tasks [--type T] [--status S] [--name N] [--limit N]\n"
	"  show ID                                 one task\n"
	"  trigger ID [--param K=V ...] [--wait] [--follow]\n"
	"                                          run a task now (--wait: exit with its outcome;\n"
	"                                          --follow: print its live output meanwhile)\n"
	"  output ID EID [--follow]                an execution's output (--follow: until it ends)\n"
	"  history ID                              a task's latest executions\n"
	"  cancel ID EID                           stop an execution of task ID\n"
	"  enable|disable|pause|resume ID\n"
	"  stats [ID]                              execution statistics\n"
	"  nodes                                   scheduler daemons\n"
	"config: ~/.config/zq/zqctl.conf (url = ..., token = ...), ZQ_URL / ZQ_TOKEN win\n"
	"exit: 0 ok / success, 1 run failed, 2 usage, 3 run cancelled, 4 API error\n";

int ctl_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "usage: zqctl ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CTL_USAGE;
}

void ctl_print_json(const cJSON *v)
{
	char *t = cJSON_Print(v);

	printf("%s\n", t ? t : "null");
	cJSON_free(t);
}

/* global options before the command; *url_opt for --url; index of the command */
static int global_opts(ctl *c, int argc, char **argv, const char **url_opt)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0)
			c->json = 1;
		else if (strcmp(argv[i], "--insecure") == 0)
			c->insecure = 1;
		else if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
			*url_opt = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return -1;
		else
			return -2;
	}
	return i;
}

int main(int argc, char **argv)
{
	ctl c = {0};
	const char *url_opt = NULL;
	int i = global_opts(&c, argc, argv, &url_opt), k, n, rc;

	n = (int)(sizeof(commands) / sizeof(commands[0]));
	if (i == -1) {
		fputs(usage_text, stdout);
		return CTL_OK;
	}
	for (k = 0; i > 0 && i < argc && k < n && strcmp(argv[i], commands[k].name) != 0; k++)
		;
	if (i < 0 || i >= argc || k == n) {
		if (i > 0 && i < argc)
			fprintf(stderr, "zqctl: unknown command '%s'\n", argv[i]);
		fputs(usage_text, stderr);
		return CTL_USAGE;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = ctl_config(&c, url_opt);
	if (rc == CTL_OK && !c.token && strcmp(argv[i], "login") != 0) {
		fprintf(stderr, "zqctl: not logged in: run zqctl login, or set ZQ_TOKEN\n");
		rc = CTL_USAGE;
	}
	if (rc == CTL_OK)
		rc = commands[k].fn(&c, argc - i, argv + i);
	ctl_release(&c);
	curl_global_cleanup();
	return rc;
}
