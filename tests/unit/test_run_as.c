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
#include <sys/prctl.h>
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
				 "root, and cannot run commands as another user or group; leave it unset, "
				 "or give it CAP_SETUID, CAP_SETGID and CAP_KILL (systemd: "
				 "AmbientCapabilities=CAP_SETUID CAP_SETGID CAP_KILL)");
}

/* ---- a non-root daemon given capabilities (the package's unit) ---------------------- */

#define CAP(c) (1u << (c))

/* In a forked child: become nobody holding caps (a mask of capabilities
 * below 32) in the effective, permitted, inheritable and ambient sets, the
 * way systemd starts User=zq with AmbientCapabilities=. */
static void become_capable_nobody(uint32_t caps)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || syscall(SYS_setgroups, 0, NULL) < 0 ||
	    syscall(SYS_setresgid, 65534, 65534, 65534) < 0 ||
	    syscall(SYS_setresuid, 65534, 65534, 65534) < 0)
		_exit(3);
	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = d[0].inheritable = caps;
	if (syscall(SYS_capset, &h, d) < 0 || prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		_exit(4);
	for (int c = 0; c < 32; c++)
		if ((caps & CAP(c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			_exit(5);
}

static void report(int fd, const char *text)
{
	size_t n = strlen(text);
	int nl = n > 0 && text[n - 1] == '\n';

	if (write(fd, text, n) < 0 || write(fd, nl ? "--\n" : "\n--\n", nl ? 3 : 4) < 0)
		_exit(6);
}

#define CAPS_CMD "id -u; grep -E '^Cap(Inh|Prm|Eff|Amb):' /proc/self/status | tr -s '\\t' ' '"
#define NO_CAPS "CapInh: 0000000000000000\nCapPrm: 0000000000000000\n" \
		"CapEff: 0000000000000000\n"

/* The child of capable_daemon: what it sees, each piece followed by "\n--\n". */
static void capable_daemon_child(int fd, uint32_t caps, const char *run_as, const char *allowed)
{
	zq_err err = ZQ_ERR_INIT;
	proc_run_as *ra;
	char who[512], *out;
	int code = -1;
	FILE *f;

	become_capable_nobody(caps);
	/* the control: a plain fork + exec of this daemon passes the capabilities on */
	if (!(f = popen("grep -E '^Cap(Eff|Amb):' /proc/self/status | tr -s '\t' ' '", "r")))
		_exit(7);
	memset(who, 0, sizeof(who));
	if (fread(who, 1, sizeof(who) - 1, f) == 0)
		_exit(8);
	pclose(f);
	report(fd, who);
	if (!(ra = policy(run_as, allowed, 0, &err))) {
		report(fd, err.msg);
		_exit(0);
	}
	proc_run_as_describe(ra, who, sizeof(who));
	report(fd, who);
	proc_run_as_install(ra);
	out = run(CAPS_CMD, NULL, &code, &err);
	report(fd, out ? out : err.msg);
	free(out);
	if (*allowed) {
		out = run(CAPS_CMD, allowed, &code, &err);
		report(fd, out ? out : err.msg);
		free(out);
	}
	proc_run_as_install(NULL);
	_exit(0);
}

/* Fork, be a capable non-root daemon there, return what it reported. */
static char *capable_daemon(uint32_t caps, const char *run_as, const char *allowed)
{
	char *buf = calloc(1, 16384);
	size_t len = 0;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		capable_daemon_child(fds[1], caps, run_as, allowed);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + len, 16383 - len)) > 0)
		len += (size_t)n;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return buf;
}

static void a_capable_non_root_daemon_switches_and_commands_keep_no_capability(void **state)
{
	char *out, *p;

	(void)state;
	need_root();  /* to make the unprivileged daemon */
	out = capable_daemon(CAP(CAP_SETUID) | CAP(CAP_SETGID) | CAP(CAP_KILL), "daemon", "bin");
	/* the control: what a command would hold without the drop */
	assert_non_null(strstr(out, "CapEff: 00000000000000e0\nCapAmb: 00000000000000e0\n--\n"));
	assert_non_null(p = strstr(out, "commands run as daemon (uid 1, gid 1, groups 1"));
	assert_non_null(strstr(p, "), switched to by nobody (uid 65534) with CAP_SETUID, CAP_SETGID "
				  "and CAP_KILL; commands keep no capability; a task's run_as may "
				  "also be: bin\n--\n"));
	/* the default run_as, then the task's own */
	assert_non_null(p = strstr(p, "--\n1\n" NO_CAPS "CapAmb: 0000000000000000\n--\n"));
	assert_non_null(strstr(p, "--\n2\n" NO_CAPS "CapAmb: 0000000000000000\n--\n"));
	free(out);
}

static void a_daemon_that_cannot_stop_commands_refuses_to_start(void **state)
{
	char *out;

	(void)state;
	need_root();
	out = capable_daemon(CAP(CAP_SETUID) | CAP(CAP_SETGID), "daemon", "");
	assert_non_null(strstr(out, "\n--\nscheduler.run_as: zq-scheduler (nobody, uid 65534) holds "
				    "CAP_SETUID and CAP_SETGID but not CAP_KILL: it could start "
				    "commands as uid 1 but not stop them (timeouts, cancel, "
				    "shutdown); give it CAP_KILL too\n--\n"));
	free(out);
	/* CAP_SETUID alone is not enough to switch */
	out = capable_daemon(CAP(CAP_SETUID) | CAP(CAP_KILL), "daemon", "");
	assert_non_null(strstr(out, "\n--\nscheduler.run_as: zq-scheduler runs as nobody (uid 65534), "
				    "not root, and cannot run commands as another user or group"));
	free(out);
}

static void a_capable_daemon_running_commands_as_itself_drops_them_and_warns(void **state)
{
	char *out;

	(void)state;
	need_root();
	out = capable_daemon(CAP(CAP_SETUID) | CAP(CAP_SETGID) | CAP(CAP_KILL), "", "");
	assert_non_null(strstr(out, "--\ncommands run as the daemon's own user nobody (uid 65534): "
				    "it holds CAP_SETUID and CAP_SETGID but scheduler.run_as is unset"));
	assert_non_null(strstr(out, "--\n65534\n" NO_CAPS "CapAmb: 0000000000000000\n--\n"));
	free(out);
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
		cmocka_unit_test(a_capable_non_root_daemon_switches_and_commands_keep_no_capability),
		cmocka_unit_test(a_daemon_that_cannot_stop_commands_refuses_to_start),
		cmocka_unit_test(a_capable_daemon_running_commands_as_itself_drops_them_and_warns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
