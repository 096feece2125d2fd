/* test_config.c - the configuration file: good files, and each kind of bad
 * line reported with file, line and key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

extern char **environ;

static char path[64];

/* Every test starts from an environment without ZQ_* variables: the loader
 * applies them over the file, and the caller's (say an exported ZQ_DB_PORT
 * meant for ./zq up) must not change what these tests expect. */
static int clear_zq_env(void **state)
{
	char name[128];

	(void)state;
	for (size_t i = 0; environ[i];) {
		const char *eq = strchr(environ[i], '=');
		size_t n = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		if (strncmp(environ[i], "ZQ_", 3) == 0 && n < sizeof(name)) {
			memcpy(name, environ[i], n);
			name[n] = '\0';
			unsetenv(name);   /* environ shifts down: look at i again */
			continue;
		}
		i++;
	}
	return 0;
}

static const char *write_conf(const char *text)
{
	int fd;

	strcpy(path, "/tmp/zq-test-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static int load(const char *text, zq_config *c, zq_err *err)
{
	int rc = zq_config_load(c, write_conf(text), err);
	unlink(path);
	return rc;
}

static void defaults_without_file(void **state)
{
	zq_config c;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	assert_int_equal(zq_config_load(&c, NULL, &err), 0);
	assert_int_equal(c.db_port, 3306);
	assert_string_equal(c.timezone, "UTC");
	assert_int_equal(c.api_max_body, 1 << 20);
	assert_int_equal(c.sched_output_tail, 64 << 10);
	assert_string_equal(c.db_password, "");
}

static void good_file_with_sections_quotes_comments(void **state)
{
	zq_config c;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	assert_int_equal(load("# comment\n"
			      "; also a comment\n"
			      "timezone = Asia/Shanghai\n"
			      "log.level = debug\n"
			      "\n"
			      "[db]\n"
			      "host = db.internal\n"
			      "port = 3307\n"
			      "password = \"p a#ss=word\"\n"
			      "[api]\n"
			      "  threads=16  \n"
			      "socket_mode = 0640\n"
			      "[scheduler]\n"
			      "wakeup_dir = /run/zq/wakeup\n",
			      &c, &err),
			 0);
	assert_string_equal(c.timezone, "Asia/Shanghai");
	assert_int_equal(c.log_level, ZQ_LOG_DEBUG);
	assert_string_equal(c.db_host, "db.internal");
	assert_int_equal(c.db_port, 3307);
	assert_string_equal(c.db_password, "p a#ss=word");
	assert_int_equal(c.api_threads, 16);
	assert_int_equal(c.api_socket_mode, 0640);
	assert_string_equal(c.sched_wakeup_dir, "/run/zq/wakeup");
}

static void env_overrides_file(void **state)
{
	zq_config c;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	setenv("ZQ_DB_PASSWORD", "from-env", 1);
	setenv("ZQ_API_THREADS", "3", 1);
	assert_int_equal(load("[db]\npassword = file\n[api]\nthreads = 9\n", &c, &err), 0);
	assert_string_equal(c.db_password, "from-env");
	assert_int_equal(c.api_threads, 3);
	setenv("ZQ_API_THREADS", "zero", 1);
	assert_int_equal(load("", &c, &err), ZQ_ECONFIG);
	assert_non_null(strstr(err.msg, "ZQ_API_THREADS"));
	unsetenv("ZQ_DB_PASSWORD");
	unsetenv("ZQ_API_THREADS");
}

/* Each bad line: the message names the file, the line number and the key. */
struct bad_case {
	const char *text;
	const char *expect[3];
};

static void bad_lines_are_reported_precisely(void **state)
{
	static const struct bad_case cases[] = {
		{"timezone = UTC\nbogus.key = 1\n", {":2: ", "bogus.key", "unknown key"}},
		{"[db]\nport = 70000\n", {":2: ", "db.port", "0-65535"}},
		{"[api]\nthreads = lots\n", {":2: ", "api.threads", "'lots'"}},
		{"\n\nlog.level = chatty\n", {":3: ", "log.level", "chatty"}},
		{"this line has no equals sign\n", {":1: ", "expected 'key = value'", NULL}},
		{"[db\n", {":1: ", "malformed section", NULL}},
		{"= value\n", {":1: ", "missing key", NULL}},
		{"[db]\npassword = \"unterminated\n", {":2: ", "db.password", "unterminated"}},
		{"[api]\nsocket_mode = 999\n", {":2: ", "api.socket_mode", "octal"}},
		{"[scheduler]\nthreads = 0\n", {":2: ", "scheduler.threads", "1-1024"}},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		zq_config c;
		zq_err err = ZQ_ERR_INIT;
		assert_int_equal(load(cases[i].text, &c, &err), ZQ_ECONFIG);
		assert_non_null(strstr(err.msg, "/tmp/zq-test-conf-"));
		for (int j = 0; j < 3 && cases[i].expect[j]; j++) {
			if (!strstr(err.msg, cases[i].expect[j]))
				fail_msg("case %zu: '%s' not in '%s'", i, cases[i].expect[j], err.msg);
		}
	}
}

static void missing_file(void **state)
{
	zq_config c;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	assert_int_equal(zq_config_load(&c, "/nonexistent/zq.conf", &err), ZQ_ECONFIG);
	assert_non_null(strstr(err.msg, "/nonexistent/zq.conf: cannot open"));
}

static void overlong_string_rejected(void **state)
{
	char text[600];
	zq_config c;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	snprintf(text, sizeof(text), "[db]\nuser = %0300d\n", 7);
	assert_int_equal(load(text, &c, &err), ZQ_ECONFIG);
	assert_non_null(strstr(err.msg, "db.user: value longer than"));
}

/* scheduler.output_flush_ms: 0 (only at the end) or 100-60000, default 1000;
 * a refused value leaves the field as it was. */
static void output_flush_ms_range(void **state)
{
	zq_config c;
	zq_err err = ZQ_ERR_INIT;
	static const char *const bad[] = {"1", "99", "60001", "-1", "x"};

	(void)state;
	zq_config_defaults(&c);
	assert_int_equal(c.sched_output_flush_ms, 1000);
	assert_int_equal(zq_config_set(&c, "scheduler.output_flush_ms", "0", &err), 0);
	assert_int_equal(c.sched_output_flush_ms, 0);
	assert_int_equal(zq_config_set(&c, "scheduler.output_flush_ms", "100", &err), 0);
	assert_int_equal(zq_config_set(&c, "scheduler.output_flush_ms", "60000", &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(zq_config_set(&c, "scheduler.output_flush_ms", bad[i], &err),
				 ZQ_ECONFIG);
		assert_non_null(strstr(err.msg, "scheduler.output_flush_ms"));
		assert_int_equal(c.sched_output_flush_ms, 60000);
	}
}

/* scheduler.metrics_task_labels (bool, off) and _max (1-1000, default 100). */
static void metrics_task_labels_keys(void **state)
{
	zq_config c;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	zq_config_defaults(&c);
	assert_int_equal(c.sched_metrics_task_labels, 0);
	assert_int_equal(c.sched_metrics_task_labels_max, 100);
	assert_int_equal(zq_config_set(&c, "scheduler.metrics_task_labels", "true", &err), 0);
	assert_int_equal(c.sched_metrics_task_labels, 1);
	assert_int_equal(zq_config_set(&c, "scheduler.metrics_task_labels_max", "1000", &err), 0);
	assert_int_equal(c.sched_metrics_task_labels_max, 1000);
	assert_int_equal(zq_config_set(&c, "scheduler.metrics_task_labels_max", "0", &err), ZQ_ECONFIG);
	assert_non_null(strstr(err.msg, "scheduler.metrics_task_labels_max"));
	assert_int_equal(zq_config_set(&c, "scheduler.metrics_task_labels_max", "1001", &err),
			 ZQ_ECONFIG);
	assert_int_equal(zq_config_set(&c, "scheduler.metrics_task_labels", "maybe", &err), ZQ_ECONFIG);
	assert_int_equal(c.sched_metrics_task_labels_max, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(defaults_without_file, clear_zq_env),
		cmocka_unit_test_setup(good_file_with_sections_quotes_comments, clear_zq_env),
		cmocka_unit_test_setup(env_overrides_file, clear_zq_env),
		cmocka_unit_test_setup(bad_lines_are_reported_precisely, clear_zq_env),
		cmocka_unit_test_setup(missing_file, clear_zq_env),
		cmocka_unit_test_setup(overlong_string_rejected, clear_zq_env),
		cmocka_unit_test_setup(output_flush_ms_range, clear_zq_env),
		cmocka_unit_test_setup(metrics_task_labels_keys, clear_zq_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
