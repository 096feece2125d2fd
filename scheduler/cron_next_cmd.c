/* cron_next_cmd.c - the `cron-next` subcommand (see cron_next_cmd.h). */
#include "cron_next_cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "mem.h"
#include "schedule.h"
#include "timeutil.h"
#include "tz.h"

#define COUNT_DEFAULT 5
#define COUNT_MAX 1000
#define CAL_FILE_MAX (16 << 20) /* bytes of a days file */

struct opts {
	const char *tz, *from, *count, *expr;
	const char *cal_file, *weekend, *rule;
};

static const char usage[] =
	"usage: zq-scheduler cron-next [--tz ZONE] [--from ISO8601] [--count N]\n"
	"                              [--calendar-file FILE [--weekend 6,7]\n"
	"                               [--calendar-rule only|next|previous]] 'EXPR'\n"
	"Prints the next N (1-1000, default 5) fire times of a cron expression after\n"
	"--from (default now), in UTC. --tz is the expression's zone (default UTC).\n"
	"With --calendar-file (lines 'YYYY-MM-DD holiday|workday'; --weekend: ISO\n"
	"weekdays, default 6,7; --calendar-rule: default only) each line also shows\n"
	"the fire's business date, and a moved fire its original slot.\n";

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
					 opt_value(argc, argv, &i, "--count", &o->count, &rc) ||
					 opt_value(argc, argv, &i, "--calendar-file", &o->cal_file, &rc) ||
					 opt_value(argc, argv, &i, "--weekend", &o->weekend, &rc) ||
					 opt_value(argc, argv, &i, "--calendar-rule", &o->rule, &rc))) {
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
	if (rc == 0 && !o->cal_file && o->weekend)
		rc = fail("--weekend: needs --calendar-file");
	if (rc == 0 && !o->cal_file && o->rule)
		rc = fail("--calendar-rule: needs --calendar-file");
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

/* The whole file, NUL-terminated, or NULL with a message printed. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f) {
		fail("--calendar-file: cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	do {
		buf = zq_grow(buf, &cap, n + 4096 + 1, 1);
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0 && n <= CAL_FILE_MAX);
	if (ferror(f) || n > CAL_FILE_MAX) {
		fail("--calendar-file: '%s': %s", path, n > CAL_FILE_MAX ? "larger than 16 MiB"
									: strerror(errno));
		free(buf);
		buf = NULL;
	} else {
		buf[n] = '\0';
		*len = n;
	}
	fclose(f);
	return buf;
}

/* The calendar of --calendar-file / --weekend, named after the file. */
static int load_calendar(const struct opts *o, zq_calendar *cal, int *rule)
{
	zq_err err = ZQ_ERR_INIT;
	const char *base = strrchr(o->cal_file, '/');
	size_t len = 0;
	char *text;
	int rc;

	base = base ? base + 1 : o->cal_file;
	zq_strlcpy(cal->name, base, sizeof(cal->name));
	if (strchr(cal->name, '.'))
		*strchr(cal->name, '.') = '\0';
	if (o->weekend && zq_cal_weekend_parse(o->weekend, &cal->weekend, &err) < 0)
		return fail("--weekend: %s", err.msg + (strncmp(err.msg, "weekend: ", 9) ? 0 : 9));
	if (o->rule && (*rule = zq_cal_rule_parse(o->rule)) < 0)
		return fail("--calendar-rule: expected only, next or previous, got '%s'", o->rule);
	if (!(text = read_file(o->cal_file, &len)))
		return 2;
	rc = zq_cal_parse_days(cal, text, len, &err);
	free(text);
	if (rc == 0)
		rc = zq_cal_finish(cal, &err);
	if (rc < 0)
		return fail("--calendar-file: %s: %s", o->cal_file, err.msg);
	return 0;
}

/* One fire: the instant; with a calendar its business date, and the slot it moved from. */
static void print_fire(const zq_schedule *s, int64_t t)
{
	char buf[32], slot[32], day[11];
	int64_t k;

	zq_time_format_iso_sec(t, buf, sizeof(buf));
	if (!s->cal) {
		puts(buf);
		return;
	}
	zq_day_format(zq_schedule_local_day(s, t), day);
	if ((k = zq_schedule_slot(s, t)) != t)
		printf("%s %s moved from %s\n", buf, day, zq_time_format_iso_sec(k, slot, sizeof(slot)));
	else
		printf("%s %s\n", buf, day);
}

static int run_schedule(const struct opts *o, const zq_calendar *cal, int rule, int64_t t, int count)
{
	zq_err err = ZQ_ERR_INIT;
	zq_schedule s;
	char why[160];
	int i;

	if (zq_schedule_init_cal(&s, o->expr, 0, ZQ_TIME_NONE, ZQ_TIME_NONE, o->tz ? o->tz : "UTC", cal,
				 rule, &err) < 0)
		return fail("%s", err.msg);
	for (i = 0; i < count; i++) {
		int64_t n = zq_schedule_next(&s, t);

		if (n == ZQ_TIME_NONE)
			break;
		print_fire(&s, n);
		t = n;
	}
	if (i < count && zq_schedule_stop_reason(&s, t, why, sizeof(why)))
		fprintf(stderr, "cron-next: stopped: %s\n", why);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int run(const struct opts *o)
{
	zq_err err = ZQ_ERR_INIT;
	zq_calendar cal;
	int64_t t = zq_wall_ms();
	int count = COUNT_DEFAULT, rule = ZQ_CAL_RULE_NONE, rc;

	if (parse_count(o->count, &count) != 0)
		return 2;
	if (o->from && zq_time_parse_iso(o->from, &t) < 0)
		return fail("--from: expected an ISO-8601 time such as 2026-01-20T10:00:00Z, got '%s'",
			    o->from);
	if (!zq_tz_get(o->tz ? o->tz : "UTC", &err))
		return fail("--tz: %s", err.msg);
	zq_cal_init(&cal);
	rc = o->cal_file ? load_calendar(o, &cal, &rule) : 0;
	if (rc == 0)
		rc = run_schedule(o, o->cal_file ? &cal : NULL, rule, t, count);
	zq_cal_release(&cal);
	return rc;
}

int cron_next_main(int argc, char **argv)
{
	struct opts o = {.expr = NULL};
	int rc = parse_args(argc, argv, &o);

	if (rc == 0)
		rc = run(&o);
	else if (rc == 1)
		rc = 0;
	zq_tz_cache_free();
	return rc;
}
