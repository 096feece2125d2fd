/* test_cron_next_cmd.c - `zq-scheduler cron-next`: output format, option
 * handling, and exit status 2 with a message for every kind of bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cron_next_cmd.h"

struct run {
	int rc;
	char out[32768], err[4096];
};

static void slurp(FILE *f, char *buf, size_t sz)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, sz - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Run cron-next with argv (NULL-terminated), capturing stdout and stderr. */
static void run(struct run *r, const char *const *args)
{
	char *argv[16];
	int argc = 0, out_fd, err_fd;
	FILE *out = tmpfile(), *err = tmpfile();

	assert_non_null(out);
	assert_non_null(err);
	argv[argc++] = (char *)"cron-next";
	for (; args[argc - 1]; argc++)
		argv[argc] = (char *)args[argc - 1];
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	out_fd = dup(1), err_fd = dup(2);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	r->rc = cron_next_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(out_fd, 1), dup2(err_fd, 2);
	close(out_fd), close(err_fd);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

static void prints_utc_instants(void **state)
{
	static const char *const a[] = {"--tz", "America/New_York", "--from", "2025-03-08T00:00:00Z",
					"--count", "3", "30 2 * * *", NULL};
	struct run r;

	(void)state;
	run(&r, a);
	assert_int_equal(r.rc, 0);
	/* Mar 8 02:30 EST = 07:30Z; Mar 9 02:30 is skipped -> 03:30 EDT =
	 * 07:30Z; Mar 10 02:30 EDT = 06:30Z */
	assert_string_equal(r.out, "2025-03-08T07:30:00Z\n2025-03-09T07:30:00Z\n2025-03-10T06:30:00Z\n");
	assert_string_equal(r.err, "");
}

static void defaults_and_equals_form(void **state)
{
	static const char *const a[] = {"--from=2025-01-01T00:00:00Z", "0/15 * * * *", NULL};
	static const char *const b[] = {"--count=1000", "--from", "2025-01-01", "* * * * * *", NULL};
	struct run r;

	(void)state;
	run(&r, a); /* UTC, 5 lines */
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "2025-01-01T00:15:00Z\n2025-01-01T00:30:00Z\n2025-01-01T00:45:00Z\n"
				   "2025-01-01T01:00:00Z\n2025-01-01T01:15:00Z\n");
	run(&r, b);
	assert_int_equal(r.rc, 0);
	assert_int_equal(strlen(r.out), 1000 * 21);
	assert_non_null(strstr(r.out, "2025-01-01T00:16:40Z\n")); /* the 1000th second */
}

struct bad_run {
	const char *args[8];
	const char *err; /* first line of stderr */
};

static void bad_input_exits_2_with_a_message(void **state)
{
	static const struct bad_run cases[] = {
		{{"61 * * * *", NULL}, "cron-next: cron_expression: minute field: value 61 out of range 0-59 in '61'\n"},
		{{"--tz", "Mars/Base", "* * * * *", NULL}, "cron-next: --tz: unknown time zone 'Mars/Base'\n"},
		{{"--count", "0", "* * * * *", NULL}, "cron-next: --count: expected a number from 1 to 1000, got '0'\n"},
		{{"--count", "1001", "* * * * *", NULL},
		 "cron-next: --count: expected a number from 1 to 1000, got '1001'\n"},
		{{"--count", "9x", "* * * * *", NULL}, "cron-next: --count: expected a number from 1 to 1000, got '9x'\n"},
		{{"--from", "yesterday", "* * * * *", NULL},
		 "cron-next: --from: expected an ISO-8601 time such as 2026-01-20T10:00:00Z, got 'yesterday'\n"},
		{{"--bogus", "* * * * *", NULL}, "cron-next: unknown option '--bogus'\n"},
		{{"--tz", NULL}, "cron-next: option --tz needs a value\n"},
		{{NULL}, "cron-next: missing cron expression\n"},
		{{"0", "0", NULL}, "cron-next: expected one expression argument, got '0' and '0' (quote the expression)\n"},
		{{NULL}, NULL},
	};
	(void)state;
	for (const struct bad_run *c = cases; c->err; c++) {
		struct run r;
		char *nl;

		run(&r, c->args);
		nl = strchr(r.err, '\n');
		if (nl)
			nl[1] = '\0';
		if (r.rc != 2 || strcmp(r.err, c->err) != 0 || r.out[0])
			fail_msg("rc %d, stderr '%s', expected '%s'", r.rc, r.err, c->err);
	}
}

/* A days file in /tmp: SSE's National Day week 2026 and a make-up Saturday. */
static void days_file(char path[64], const char *text)
{
	int fd;

	strcpy(path, "/tmp/test_cron_next_cal_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static const char sse_days[] = "date,kind\n# National Day\n2026-10-01,holiday\n2026-10-02,holiday\n"
			       "2026-10-05 holiday\n2026-10-06 holiday\n2026-10-07 holiday\n"
			       "2026-05-01 holiday\n2026-10-10 workday\n";

static void calendar_file_shows_business_dates(void **state)
{
	char path[64], msg[160];
	struct run r;

	(void)state;
	days_file(path, sse_days);
	{
		const char *const a[] = {"--tz", "Asia/Shanghai", "--from", "2026-09-29T00:00:00Z",
					 "--calendar-file", path, "--count", "4", "0 18 * * *", NULL};

		run(&r, a);
		assert_int_equal(r.rc, 0);
		assert_string_equal(r.out, "2026-09-29T10:00:00Z 2026-09-29\n2026-09-30T10:00:00Z 2026-09-30\n"
					   "2026-10-08T10:00:00Z 2026-10-08\n2026-10-09T10:00:00Z 2026-10-09\n");
		assert_string_equal(r.err, "");
	}
	{
		const char *const a[] = {"--from", "2026-04-29T00:00:00Z", "--calendar-file", path,
					 "--calendar-rule=next", "--count", "2", "0 18 * * 5", NULL};

		run(&r, a);
		assert_int_equal(r.rc, 0);
		assert_string_equal(r.out, "2026-05-04T18:00:00Z 2026-05-04 moved from 2026-05-01T18:00:00Z\n"
					   "2026-05-08T18:00:00Z 2026-05-08\n");
	}
	{
		/* B-tokens, and the stop at the file's last year */
		const char *const a[] = {"--from", "2026-11-01T00:00:00Z", "--calendar-file", path,
					 "--count", "5", "0 18 B1,BL * *", NULL};

		run(&r, a);
		assert_int_equal(r.rc, 0);
		assert_string_equal(r.out, "2026-11-02T18:00:00Z 2026-11-02\n2026-11-30T18:00:00Z 2026-11-30\n"
					   "2026-12-01T18:00:00Z 2026-12-01\n2026-12-31T18:00:00Z 2026-12-31\n");
		/* the calendar is named after the file */
		snprintf(msg, sizeof(msg), "cron-next: stopped: calendar %s has no data after 2026-12-31\n",
			 path + 5);
		assert_string_equal(r.err, msg);
	}
	unlink(path);
}

static void calendar_errors_exit_2(void **state)
{
	char good[64], bad[64], msg[256];
	struct run r;

	(void)state;
	days_file(good, sse_days);
	days_file(bad, "2026-10-01 holiday\n\n2026-13-01 holiday\n");
	{
		const char *const a[] = {"--calendar-file", bad, "0 18 * * *", NULL};

		run(&r, a);
		assert_int_equal(r.rc, 2);
		snprintf(msg, sizeof(msg), "cron-next: --calendar-file: %s: line 3: '2026-13-01' is not a date\n",
			 bad);
		assert_string_equal(r.err, msg);
	}
	const struct bad_run cases[] = {
		{{"0 18 B1 * *", NULL}, "cron-next: cron_expression: day-of-month field: B1 needs a calendar (set calendar)\n"},
		{{"--weekend", "6,7", "0 18 * * *", NULL}, "cron-next: --weekend: needs --calendar-file\n"},
		{{"--calendar-rule", "next", "0 18 * * *", NULL}, "cron-next: --calendar-rule: needs --calendar-file\n"},
		{{"--calendar-file", "/nonexistent/days.txt", "0 18 * * *", NULL},
		 "cron-next: --calendar-file: cannot read '/nonexistent/days.txt': No such file or directory\n"},
		{{"--calendar-file", good, "--weekend", "8", "0 18 * * *", NULL},
		 "cron-next: --weekend: '8' is not an ISO weekday (1 = Monday .. 7 = Sunday)\n"},
		{{"--calendar-file", good, "--calendar-rule", "later", "0 18 * * *", NULL},
		 "cron-next: --calendar-rule: expected only, next or previous, got 'later'\n"},
		{{"--calendar-file", good, "0 18 B1 * 1-5", NULL},
		 "cron-next: cron_expression: day-of-month field: B-tokens need day-of-week '*' or '?'\n"},
		{{NULL}, NULL},
	};
	for (const struct bad_run *c = cases; c->err; c++) {
		char *nl;

		run(&r, c->args);
		nl = strchr(r.err, '\n');
		if (nl)
			nl[1] = '\0';
		if (r.rc != 2 || strcmp(r.err, c->err) != 0 || r.out[0])
			fail_msg("rc %d, stderr '%s', expected '%s'", r.rc, r.err, c->err);
	}
	unlink(good);
	unlink(bad);
}

static void help_goes_to_stdout(void **state)
{
	static const char *const a[] = {"--help", NULL};
	struct run r;

	(void)state;
	run(&r, a);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "usage: zq-scheduler cron-next"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prints_utc_instants),
		cmocka_unit_test(defaults_and_equals_form),
		cmocka_unit_test(bad_input_exits_2_with_a_message),
		cmocka_unit_test(help_goes_to_stdout),
		cmocka_unit_test(calendar_file_shows_business_dates),
		cmocka_unit_test(calendar_errors_exit_2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
