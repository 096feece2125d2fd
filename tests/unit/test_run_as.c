/* test_run_as.c - who a command runs as (proc.h run_as): the policy a
 * root daemon refuses, the users it resolves, the allow list a task's own
 * run_as is checked against, what the child really is, and errors from
 * between fork and exec coming back with the call that failed.
 * Most cases need root (a daemon that can switch users); they skip
 * otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/capability.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "proc.h"

extern char **environ;

static void need_root(void)
{
	if (geteuid() != 0)
		skip();  /* a non-root daemon cannot switch users: nothing to test here */
}

static proc_run_as *policy(const char *run_as, const char *allowed, int allow_root, zq_err *err)
{
	zq_config c;

	zq_config_defaults(&c);
	snprintf(c.sched_run_as, sizeof(c.sched_run_as), "%s", run_as);
	snprintf(c.sched_run_as_allowed, sizeof(c.sched_run_as_allowed), "%s", allowed);
	c.sched_allow_root_commands = allow_root;
	return proc_run_as_new(&c, err);
}

/* Run command (as run_as), return its stdout (caller frees), exit code in *code. */
static char *run(const char *command, const char *run_as, int *code, zq_err *err)
{
	static char *const envp[] = {"PATH=/usr/bin:/bin", "HOME=/root", "USER=root", NULL};
	char *out = calloc(1, 65536);
	size_t len = 0;
	proc p;
	ssize_t n;

	if (proc_spawn_as(&p, command, NULL, envp, run_as, err) < 0) {
		free(out);
		return NULL;
	}
	for (;;) {
		struct pollfd fd = {p.out_fd, POLLIN, 0};
		poll(&fd, 1, 5000);
		n = read(p.out_fd, out + len, 65535 - len);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
		if (n > 0)
			len += (size_t)n;
	}
	proc_reap(&p);
	*code = p.exit_code;
	proc_close(&p);
	return out;
}

static void a_root_daemon_without_run_as_refuses(void **state)
{
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	need_root();
	assert_null(policy("", "", 0, &err));
	assert_int_equal(err.code, ZQ_ECONFIG);
	assert_non_null(strstr(err.msg, "scheduler.run_as is not set and zq-scheduler runs as root"));
	assert_non_null(strstr(err.msg, "scheduler.allow_root_commands = true"));
}

static void allow_root_commands_is_the_explicit_way_to_root(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	proc_run_as *ra;
	char who[512];

	(void)state;
	need_root();
	assert_non_null(ra = policy("", "", 1, &err));
	assert_true(proc_run_as_is_root(ra));
	proc_run_as_describe(ra, who, sizeof(who));
	assert_non_null(strstr(who, "commands run as root (uid 0), the daemon's own user"));
	proc_run_as_free(ra);
	/* naming root is no way around it */
	assert_null(policy("root", "", 0, &err));
	assert_string_equal(err.msg, "scheduler.run_as: names root (uid 0): commands would run as "
				     "root; set scheduler.allow_root_commands = true to accept that");
	assert_null(policy("nobody", "daemon,0", 0, &err));
	assert_non_null(strstr(err.msg, "scheduler.run_as_allowed: '0': names root"));
}

static void unknown_users_and_groups_are_named(void **state)
{
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	need_root();
	assert_null(policy("zq-no-such-user", "", 0, &err));
	assert_string_equal(err.msg, "scheduler.run_as: no such user 'zq-no-such-user'");
	assert_null(policy("nobody:zq-no-such-group", "", 0, &err));
	assert_string_equal(err.msg, "scheduler.run_as: no such group 'zq-no-such-group'");
	assert_null(policy("nobody:", "", 0, &err));
	assert_string_equal(err.msg, "scheduler.run_as: 'nobody:': expected USER or USER:GROUP");
	assert_null(policy("nobody", "daemon, zq-nope", 0, &err));
	assert_string_equal(err.msg, "scheduler.run_as_allowed: 'zq-nope': no such user 'zq-nope'");
}

static void a_task_may_name_only_the_allowed_users(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	proc_run_as *ra;
	char who[512];

	(void)state;
	need_root();
	assert_non_null(ra = policy("nobody", " daemon , bin:bin", 0, &err));
	proc_run_as_describe(ra, who, sizeof(who));
	assert_string_equal(who, "commands run as nobody (uid 65534, gid 65534, groups 65534); "
				 "a task's run_as may also be: daemon, bin:bin");
	proc_run_as_install(ra);
	assert_int_equal(proc_run_as_check(NULL, &err), 0);
	assert_int_equal(proc_run_as_check("", &err), 0);
	assert_int_equal(proc_run_as_check("nobody", &err), 0);  /* the default */
	assert_int_equal(proc_run_as_check("daemon", &err), 0);
	assert_int_equal(proc_run_as_check("bin:bin", &err), 0);
	assert_int_equal(proc_run_as_check("root", &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "run_as root is not in scheduler.run_as_allowed");
	/* an allowed user with a group of its own choosing is another identity */
	assert_int_equal(proc_run_as_check("daemon:root", &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "run_as daemon:root is not in scheduler.run_as_allowed");
	assert_int_equal(proc_run_as_check("bin", &err), ZQ_EINVAL);
	proc_run_as_install(NULL);
	/* tasks may not choose at all by default */
	assert_non_null(ra = policy("nobody", "", 0, &err));
	proc_run_as_install(ra);
	assert_int_equal(proc_run_as_check("daemon", &err), ZQ_EINVAL);
	proc_run_as_install(NULL);
}

static void the_child_is_the_user_and_cannot_become_root(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	proc_run_as *ra;
	char *out;
	int code = -1;

	(void)state;
	need_root();
	assert_non_null(ra = policy("nobody", "daemon", 0, &err));
	proc_run_as_install(ra);
	out = run("id -u; id -g; id -G; echo \"$HOME $USER $LOGNAME\"; "
		  "grep -E '^(NoNewPrivs|CapEff|CapPrm):' /proc/self/status | tr -s '\\t' ' '",
		  NULL, &code, &err);
	assert_non_null(out);
	assert_int_equal(code, 0);
	assert_non_null(strstr(out, "65534\n65534\n65534\n"));
	assert_non_null(strstr(out, "/nonexistent nobody nobody\n"));
	assert_non_null(strstr(out, "CapPrm: 0000000000000000\n"));
	assert_non_null(strstr(out, "CapEff: 0000000000000000\n"));
	assert_non_null(strstr(out, "NoNewPrivs: 1\n"));
	free(out);
	/* a task's own, allowed run_as */
	out = run("id -u", "daemon", &code, &err);
	assert_non_null(out);
	assert_string_equal(out, "1\n");
	free(out);
	assert_null(run("id -u", "root", &code, &err));
	assert_int_equal(err.code, ZQ_EINVAL);
	assert_string_equal(err.msg, "run_as root is not in scheduler.run_as_allowed");
	proc_run_as_install(NULL);
}

/* In a child process: lose CAP_SETUID (keeping CAP_SETGID), then spawn. */
static void spawn_without_cap_setuid(int report)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	zq_err err = ZQ_ERR_INIT;
	int code;
	char *out;

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		_exit(3);
	d[0].effective &= ~(1u << CAP_SETUID);
	d[0].permitted &= ~(1u << CAP_SETUID);
	if (syscall(SYS_capset, &h, d) < 0)
		_exit(4);
	out = run("id -u", NULL, &code, &err);
	if (write(report, err.msg, strlen(err.msg)) < 0)
		_exit(5);
	free(out);
	_exit(out ? 6 : 0);
}

static void an_error_before_exec_names_the_call(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	proc_run_as *ra;
	char msg[512] = "";
	int fds[2], status;
	pid_t pid;
	ssize_t n;

	(void)state;
	need_root();
	assert_non_null(ra = policy("nobody", "", 0, &err));
	proc_run_as_install(ra);
	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		spawn_without_cap_setuid(fds[1]);
	}
	close(fds[1]);
	n = read(fds[0], msg, sizeof(msg) - 1);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(n > 0);
	msg[n] = '\0';
	assert_string_equal(msg, "run_as nobody: setuid: Operation not permitted");
	proc_run_as_install(NULL);
}

/* In a child process: be an unprivileged daemon, report what the policy says. */
static void unprivileged_policy(int report, const char *run_as)
{
	zq_err err = ZQ_ERR_INIT;
	proc_run_as *ra;
	char who[512];

	if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, 65534, 65534, 65534) < 0 ||
	    syscall(SYS_setresuid, 65534, 65534, 65534) < 0)
		_exit(3);
	if ((ra = policy(run_as, "", 0, &err)))
		proc_run_as_describe(ra, who, sizeof(who));
	if (write(report, ra ? who : err.msg, strlen(ra ? who : err.msg)) < 0)
		_exit(4);
	proc_run_as_free(ra);
	_exit(0);
}

static void unprivileged_says(const char *run_as, char *msg, size_t n)
{
	int fds[2], status;
	ssize_t got;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		unprivileged_policy(fds[1], run_as);
	}
	close(fds[1]);
	got = read(fds[0], msg, n - 1);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	msg[got > 0 ? got : 0] = '\0';
}

static void a_non_root_daemon_runs_commands_as_itself(void **state)
{
	char msg[512];

	(void)state;
	need_root();  /* to become another unprivileged user */
	unprivileged_says("", msg, sizeof(msg));
	assert_non_null(strstr(msg, "commands run as the daemon's own user nobody (uid 65534)"));
	unprivileged_says("nobody", msg, sizeof(msg));
	assert_non_null(strstr(msg, "commands run as the daemon's own user nobody (uid 65534)"));
	unprivileged_says("daemon", msg, sizeof(msg));
	assert_string_equal(msg, "scheduler.run_as: zq-scheduler runs as nobody (uid 65534), not "
				 "root, and cannot run commands as another user or group; leave it unset");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_root_daemon_without_run_as_refuses),
		cmocka_unit_test(allow_root_commands_is_the_explicit_way_to_root),
		cmocka_unit_test(unknown_users_and_groups_are_named),
		cmocka_unit_test(a_task_may_name_only_the_allowed_users),
		cmocka_unit_test(the_child_is_the_user_and_cannot_become_root),
		cmocka_unit_test(an_error_before_exec_names_the_call),
		cmocka_unit_test(a_non_root_daemon_runs_commands_as_itself),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
