/* cron_next_cmd.c - the `cron-next` subcommand (see cron_next_cmd.h). */
#include "cron_next_cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cron.h"
#include "timeutil.h"
#include "tz.h"

#define COUNT_DEFAULT 5
#define COUNT_MAX 1000

struct opts {
	const char *tz, *from, *count, *expr;
};

static const char usage[] =
	"usage: zq-scheduler cron-next [--tz ZONE] [--from ISO8601] [--count N] 'EXPR'\n"
	"Prints the next N (1-1000, default 5) fire times of a cron expression after\n"
	"--from (default now), in UTC. --tz is the expression's zone (default UTC).\n";

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("cron-next: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/* "--name VALUE" or "--name=VALUE"; returns 1 if argv[*i] was that option. */
static int opt_value(int argc, char **argv, int *i, const char *name, const char **out, int *rc)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*out = argv[*i] + n + 1;
	} else if (argv[*i][n] == '\0' && *i + 1 < argc) {
		*out = argv[++*i];
	} else if (argv[*i][n] == '\0') {
		*rc = fail("option %s needs a value", name);
	} else {
		return 0;
	}
	return 1;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int rc = 0, dashdash = 0;

	for (int i = 1; i < argc && rc == 0; i++) {
		if (!dashdash && !strcmp(argv[i], "--")) {
			dashdash = 1;
		} else if (!dashdash && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
			fputs(usage, stdout);
			return 1;
		} else if (!dashdash && (opt_value(argc, argv, &i, "--tz", &o->tz, &rc) ||
					 opt_value(argc, argv, &i, "--from", &o->from, &rc) ||
					 opt_value(argc, argv, &i, "--count", &o->count, &rc))) {
			continue;
		} else if (!dashdash && argv[i][0] == '-' && argv[i][1] == '-') {
			rc = fail("unknown option '%s'", argv[i]);
		} else if (o->expr) {
			rc = fail("expected one expression argument, got '%s' and '%s' (quote the expression)",
				  o->expr, argv[i]);
		} else {
			o->expr = argv[i];
		}
	}
	if (rc == 0 && !o->expr)
		rc = fail("missing cron expression");
	if (rc == 2)
		fputs(usage, stderr);
	return rc;
}

static int parse_count(const char *s, int *count)
{
	int n = 0;

	if (!s) {
		*count = COUNT_DEFAULT;
		return 0;
	}
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || n > COUNT_MAX)
			return fail("--count: expected a number from 1 to 1000, got '%s'", s);
		n = n * 10 + (*p - '0');
	}
	if (n < 1 || n > COUNT_MAX)
		return fail("--count: expected a number from 1 to 1000, got '%s'", s);
	*count = n;
	return 0;
}

static int run(const struct opts *o)
{
	zq_err err = ZQ_ERR_INIT;
	const zq_tz *tz;
	zq_cron cron;
	int64_t t = zq_wall_ms();
	char buf[32];
	int count = COUNT_DEFAULT;

	if (parse_count(o->count, &count) != 0)
		return 2;
	if (o->from && zq_time_parse_iso(o->from, &t) < 0)
		return fail("--from: expected an ISO-8601 time such as 2026-01-20T10:00:00Z, got '%s'",
			    o->from);
	if (!(tz = zq_tz_get(o->tz ? o->tz : "UTC", &err)))
		return fail("--tz: %s", err.msg);
	if (zq_cron_parse(&cron, o->expr, &err) < 0)
		return fail("cron_expression: %s", err.msg);
	for (int i = 0; i < count; i++) {
		if ((t = zq_cron_next(&cron, tz, t)) == ZQ_TIME_NONE)
			break;
		puts(zq_time_format_iso_sec(t, buf, sizeof(buf)));
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

int cron_next_main(int argc, char **argv)
{
	struct opts o = {NULL, NULL, NULL, NULL};
	int rc = parse_args(argc, argv, &o);

	if (rc == 0)
		rc = run(&o);
	else if (rc == 1)
		rc = 0;
	zq_tz_cache_free();
	return rc;
}
