/* test_proc_shim.c - commands under their shim (proc.h): the real wait
 * status comes back, the daemon's requests reach the whole run, and a
 * daemon that dies (kill -9) takes its commands with it at once, whatever
 * shape they have: sh -c with children, background jobs, exec, setsid
 * escapees. Also proc_trace_kill, what a reaper on the same host does to
 * the runs of a daemon that is still there but frozen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

static char *const envp[] = {"PATH=/usr/bin:/bin", NULL};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Processes whose command line holds marker (zombies have none). */
static int count_marker(const char *marker)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		char path[300], buf[4096];
		ssize_t len;
		int fd;
		if (atoi(e->d_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		for (ssize_t i = 0; i < len; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[len] = '\0';
		if (strstr(buf, marker))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* Wait up to ms for no process to carry marker; the ms it took, or -1. */
static int64_t gone_within(const char *marker, int64_t ms)
{
	int64_t t0 = now_ms();

	while (now_ms() - t0 < ms) {
		if (count_marker(marker) == 0)
			return now_ms() - t0;
		poll(NULL, 0, 10);
	}
	return -1;
}

static void wait_marker(const char *marker, int n)
{
	for (int i = 0; i < 300 && count_marker(marker) < n; i++)
		poll(NULL, 0, 10);
	assert_true(count_marker(marker) >= n);
}

static void run_to_end(const char *command, int *code, int *sig)
{
	zq_err err = ZQ_ERR_INIT;
	char buf[256];
	proc p;

	assert_int_equal(proc_spawn(&p, command, NULL, envp, &err), 0);
	for (;;) {
		struct pollfd fd = {p.out_fd, POLLIN, 0};
		ssize_t n;
		poll(&fd, 1, 5000);
		n = read(p.out_fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
	}
	proc_reap(&p);
	*code = p.exit_code;
	*sig = p.term_signal;
	proc_close(&p);
}

static void the_wait_status_is_the_commands(void **state)
{
	int code, sig;

	(void)state;
	run_to_end("exit 3", &code, &sig);
	assert_int_equal(code, 3);
	assert_int_equal(sig, 0);
	run_to_end("true", &code, &sig);
	assert_int_equal(code, 0);
	run_to_end("kill -9 $$", &code, &sig);
	assert_int_equal(code, -1);
	assert_int_equal(sig, 9);
	run_to_end("kill -USR1 $$", &code, &sig);
	assert_int_equal(sig, SIGUSR1);
}

static void term_reaches_the_group_and_nothing_is_left(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	proc p;

	(void)state;
	assert_int_equal(proc_spawn(&p, "sleep 70.4401 & sleep 70.4401; wait", NULL, envp, &err), 0);
	assert_true(p.shim > 0 && p.pid > 0 && p.pid != p.shim);
	assert_true(p.shim_start > 0);
	assert_int_equal(getpgid(p.pid), p.pid);
	wait_marker("70.4401", 2);
	assert_int_equal(proc_check_exit(&p), 0);
	proc_signal_group(&p, SIGTERM);
	for (int i = 0; i < 300 && !proc_check_exit(&p); i++)
		poll(NULL, 0, 10);
	assert_true(p.exited);
	assert_int_equal(p.term_signal, SIGTERM);
	proc_reap(&p);
	assert_int_equal(kill(-p.pid, 0), -1);
	assert_int_equal(count_marker("70.4401"), 0);
	/* the shim is reaped too: not even a zombie of it */
	assert_int_equal(kill(p.shim, 0), -1);
	proc_close(&p);
}

/* A fake daemon: spawns the commands, reports their groups, sleeps. */
static pid_t fake_daemon(const char *const *commands, int n, pid_t *groups, proc_trace *traces)
{
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		for (int i = 0; i < n; i++) {
			zq_err err = ZQ_ERR_INIT;
			proc p;
			proc_opts o = {200, 0};
			proc_trace t;
			if (proc_spawn_opts(&p, commands[i], NULL, envp, NULL, &o, &err) < 0)
				_exit(3);
			t.shim = p.shim;
			t.shim_start = p.shim_start;
			t.pgid = p.pid;
			t.cgroup = NULL;
			if (write(fds[1], &t, sizeof(t)) != sizeof(t))
				_exit(4);
		}
		for (;;)
			pause();
	}
	close(fds[1]);
	for (int i = 0; i < n; i++) {
		assert_int_equal(read(fds[0], &traces[i], sizeof(traces[i])), sizeof(traces[i]));
		groups[i] = traces[i].pgid;
	}
	close(fds[0]);
	return pid;
}

static void a_killed_daemon_takes_its_commands_with_it(void **state)
{
	static const char *const commands[] = {
		"sleep 60.4402; echo after",
		"sleep 61.4402 & sleep 61.4402; wait",
		"exec sleep 62.4402",
		"setsid sleep 63.4402 & sleep 63.4402; wait",        /* leaves the group */
		"trap '' TERM; sleep 64.4402; sleep 64.4402",        /* ignores TERM: KILL after grace */
	};
	static const char *const markers[] = {"60.4402", "61.4402", "62.4402", "63.4402", "64.4402"};
	pid_t groups[5], daemon;
	proc_trace traces[5];
	int64_t took, t0;
	int status;

	(void)state;
	daemon = fake_daemon(commands, 5, groups, traces);
	for (int i = 0; i < 5; i++)
		wait_marker(markers[i], i == 1 || i == 3 ? 2 : 1);
	t0 = now_ms();
	assert_int_equal(kill(daemon, SIGKILL), 0);
	assert_int_equal(waitpid(daemon, &status, 0), daemon);
	for (int i = 0; i < 5; i++) {
		took = gone_within(markers[i], 2000);
		while (took >= 0 && kill(-groups[i], 0) == 0 && now_ms() - t0 < 2000)
			poll(NULL, 0, 5);  /* the group, zombies included */
		took = took < 0 ? -1 : now_ms() - t0;
		print_message("%-50s gone %lld ms after kill -9\n", commands[i], (long long)took);
		assert_true(took >= 0);
		assert_int_equal(kill(-groups[i], 0), -1);
	}
	/* the shims are gone as well */
	for (int i = 0; i < 5; i++) {
		for (int j = 0; j < 200 && proc_start_time(traces[i].shim) == traces[i].shim_start; j++)
			poll(NULL, 0, 10);
		assert_true(proc_start_time(traces[i].shim) != traces[i].shim_start);
	}
}

static void a_reaper_kills_the_runs_of_a_frozen_daemon(void **state)
{
	static const char *const commands[] = {"sleep 65.4403 & sleep 65.4403; wait"};
	pid_t groups[1], daemon;
	proc_trace t;
	int status, left = 1;

	(void)state;
	daemon = fake_daemon(commands, 1, groups, &t);
	wait_marker("65.4403", 3);  /* sh -c and both sleeps */
	assert_int_equal(kill(daemon, SIGSTOP), 0);
	/* another pid with the same number is not the shim: nothing is done */
	{
		proc_trace other = t;
		other.shim_start = t.shim_start + 1;
		other.pgid = 0;
		assert_int_equal(proc_trace_kill(&other), 0);
		assert_int_equal(count_marker("65.4403"), 3);
	}
	assert_true(proc_trace_kill(&t) > 0);
	for (int i = 0; i < 300 && left; i++) {
		poll(NULL, 0, 10);
		left = proc_trace_kill(&t);
	}
	assert_int_equal(left, 0);
	assert_int_equal(count_marker("65.4403"), 0);
	kill(daemon, SIGKILL);
	kill(daemon, SIGCONT);
	assert_int_equal(waitpid(daemon, &status, 0), daemon);
}

static void the_shim_holds_no_other_runs_descriptors(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	proc a, b;
	char path[64], link[256];
	int open_fds = 0;
	DIR *d;
	struct dirent *e;

	(void)state;
	assert_int_equal(proc_spawn(&a, "sleep 66.4404", NULL, envp, &err), 0);
	assert_int_equal(proc_spawn(&b, "sleep 66.4404", NULL, envp, &err), 0);
	/* b's shim holds its own four descriptors at most, none of a's */
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)b.shim);
	assert_non_null(d = opendir(path));
	while ((e = readdir(d))) {
		char fdpath[400];
		ssize_t n;
		if (e->d_name[0] == '.')
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, e->d_name);
		n = readlink(fdpath, link, sizeof(link) - 1);
		if (n > 0 && atoi(e->d_name) > 2)
			open_fds++;
	}
	closedir(d);
	assert_true(open_fds <= 4);  /* socket, signalfd, pidfd (+ /dev/null) */
	proc_close(&a);
	/* a's shim saw its EOF although b's shim was forked while it ran */
	proc_close(&b);
	assert_int_equal(count_marker("66.4404"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_wait_status_is_the_commands),
		cmocka_unit_test(term_reaches_the_group_and_nothing_is_left),
		cmocka_unit_test(a_killed_daemon_takes_its_commands_with_it),
		cmocka_unit_test(a_reaper_kills_the_runs_of_a_frozen_daemon),
		cmocka_unit_test(the_shim_holds_no_other_runs_descriptors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
