/* proc_trace.c - what a run leaves to find it by (see proc.h: proc_trace),
 * seen from another daemon on the same host: this host's name and boot id,
 * a process's start time, and the KILL of what is left of a run whose
 * daemon died (its shim, its process group, its cgroup). */
#include "proc_impl.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"

/* /proc/PID/stat: state (field 3), process group (5), start time (22). */
static int stat_of(pid_t pid, char *state, int *pgrp, int64_t *start)
{
	char path[64], buf[1024], *p;
	unsigned long long st;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 2, "%c %*d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
		   "%*d %llu", state, pgrp, &st) != 3)
		return -1;
	*start = (int64_t)st;
	return 0;
}

int64_t proc_start_time(pid_t pid)
{
	char state;
	int pgrp;
	int64_t start;

	return pid > 0 && stat_of(pid, &state, &pgrp, &start) == 0 ? start : -1;
}

int proc_host_id(char *host, size_t hn, char *boot, size_t bn)
{
	char b[64];

	if (gethostname(host, hn) < 0)
		return -1;
	host[hn - 1] = '\0';
	if (proc_read_text("/proc/sys/kernel/random/boot_id", b, sizeof(b)) < 0)
		return -1;
	b[strcspn(b, "\n")] = '\0';
	zq_strlcpy(boot, b, bn);
	return 0;
}

static int alive_state(char state)
{
	return state != 'Z' && state != 'X' && state != 'x';
}

/* Members of group pgid started no earlier than since: KILLed, counted. */
static int kill_group_members(pid_t pgid, int64_t since)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int alive = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char state;
		int pgrp;
		int64_t start;
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid <= 0 || stat_of(pid, &state, &pgrp, &start) < 0)
			continue;
		if (pgrp == pgid && start >= since && alive_state(state)) {
			kill(pid, SIGKILL);
			alive++;
		}
	}
	closedir(d);
	return alive;
}

int proc_trace_kill(const proc_trace *t)
{
	char state, path[sizeof(((proc *)0)->cgroup) + 32], ev[256];
	int pgrp, alive = 0;
	int64_t start;

	if (t->shim > 0 && stat_of(t->shim, &state, &pgrp, &start) == 0 && start == t->shim_start &&
	    alive_state(state)) {
		/* the shim holds the leader unreaped: the group id is still the run's */
		alive++;
		if (t->pgid > 0)
			kill(-t->pgid, SIGKILL);
		kill(t->shim, SIGTERM);  /* it KILLs the rest, reaps, removes the cgroup, exits */
	} else if (t->pgid > 0) {
		alive += kill_group_members(t->pgid, t->shim_start);
	}
	if (t->cgroup && *t->cgroup) {
		snprintf(path, sizeof(path), "%s/cgroup.events", t->cgroup);
		if (proc_read_text(path, ev, sizeof(ev)) >= 0 && strstr(ev, "populated 1")) {
			alive++;
			snprintf(path, sizeof(path), "%s/cgroup.kill", t->cgroup);
			proc_write_text(path, "1", 1);
		} else {
			rmdir(t->cgroup);
		}
	}
	return alive;
}
