/* proc.h - a command under a supervisor of its own, for the command
 * executor: spawn with pipes, signal the whole run, reap.
 *
 * Supervision: the daemon forks a shim (a small supervisor, like a
 * container runtime's), which forks the command: `/bin/sh -c command` as
 * leader of a new process group, stdin from /dev/null, stdout and stderr
 * straight into the daemon's non-blocking pipes, every other descriptor
 * closed. The shim owns that group: it keeps the leader unreaped (a zombie
 * once it exits) until the end, so the group id cannot be reused while
 * anything signals it, and it is a child subreaper, so every descendant
 * whose parent dies (setsid escapees too) becomes its child and is killed
 * with the run. The daemon and the shim share a socket pair no other
 * process holds: requests go down it (signal the run, end), the leader's
 * real wait status comes up it. If the daemon dies, however (kill -9
 * included), the shim reads EOF at once and ends the run: TERM to the
 * group and the orphans, KILL after kill_grace_ms (at once when nothing is
 * left), then it exits. PR_SET_PDEATHSIG (TERM) does the same if the
 * worker thread that forked it exits; the command itself has
 * PR_SET_PDEATHSIG=SIGKILL against the shim. Where cgroup v2 can be used
 * (proc_supervise_init) each run also gets its own cgroup, killed with
 * cgroup.kill. Not thread-safe: a proc belongs to the worker running it.
 *
 * Who the child runs as (run_as): the daemon's policy from [scheduler]
 * run_as, run_as_allowed and allow_root_commands (proc_run_as_new) is
 * resolved once, in the parent, at start-up and on SIGHUP: getpwnam_r,
 * getgrouplist & co. are not async-signal-safe, so between fork and exec
 * the child only calls setgroups, setresgid, setresuid (raw syscalls),
 * prctl(PR_SET_NO_NEW_PRIVS) and then checks it cannot become root again.
 * HOME, USER and LOGNAME in its environment are the target user's.
 *
 * Capabilities: switching needs CAP_SETUID and CAP_SETGID, which root has
 * and a non-root daemon may be given (the package's unit: User=zq,
 * AmbientCapabilities=CAP_SETUID CAP_SETGID CAP_KILL); commands of another
 * uid need CAP_KILL too, to be stopped. Whatever the daemon holds, a child
 * that is not root drops every capability (ambient, effective, permitted,
 * inheritable) before exec and checks none is left. */
#ifndef ZQ_SCHED_PROC_H
#define ZQ_SCHED_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "err.h"

typedef struct proc {
	pid_t pid;          /* the command (group leader); also the process group id */
	pid_t shim;         /* its supervisor, the daemon's child */
	int64_t shim_start; /* the shim's start time, /proc/PID/stat field 22 (-1: unknown) */
	int sock;           /* to the shim; readable when it reports the leader's exit */
	int out_fd, err_fd; /* read ends, -1 once at EOF and closed */
	int exited;         /* leader exited (reported by the shim) */
	int reaped;         /* the shim is done and reaped */
	int exit_code;      /* >= 0 when it exited normally, else -1 */
	int term_signal;    /* > 0 when a signal killed it */
	char cgroup[512];   /* the run's cgroup directory, "" = none */
} proc;

#define PROC_KILL_GRACE_MS 5000

typedef struct proc_opts {
	int kill_grace_ms;  /* the shim's TERM -> KILL once the daemon is gone */
	int64_t exec_id;    /* names the run's cgroup (0: none) */
} proc_opts;

/* Work out the supervision mode, once at start-up: 1 when runs get a cgroup
 * of their own (cgroup v2 mounted, the daemon's cgroup writable, a probe
 * child created and removed, cgroup.kill present: Linux >= 5.14); why (or
 * where) goes to why, e.g. "mkdir /sys/fs/cgroup/x/zq-probe-9: Read-only
 * file system". 0: the shim's process-group kill only. */
int proc_supervise_init(char *why, size_t n);

/* What a run leaves to find it by: recorded with its execution. */
typedef struct proc_trace {
	pid_t shim;
	int64_t shim_start;
	pid_t pgid;
	const char *cgroup;  /* or NULL / "" */
} proc_trace;

/* This host's name and boot id (a reboot ends every process). */
int proc_host_id(char *host, size_t hn, char *boot, size_t bn);
/* /proc/PID/stat field 22 (clock ticks since boot), -1 if there is no PID. */
int64_t proc_start_time(pid_t pid);
/* On this host: KILL what is left of the run t describes (the shim if it is
 * the same process, start time and all, is told to end it; without it, the
 * group's members that started no earlier than the shim; the cgroup).
 * Returns how many were still alive: 0 = nothing of it is left. */
int proc_trace_kill(const proc_trace *t);

/* The run_as policy (opaque, immutable once built). */
typedef struct proc_run_as proc_run_as;

/* Build the policy from c's [scheduler] keys for a daemon running as
 * geteuid():
 *   run_as = USER[:GROUP]   who commands run as ("" = the daemon's user);
 *   run_as_allowed = U,...  the only values a task's own run_as may take
 *                           (exact "user" or "user:group"; "" = none);
 *   allow_root_commands     a root daemon may run commands as root.
 * A root daemon needs run_as (or allow_root_commands); a run_as or allowed
 * entry naming uid 0 needs allow_root_commands too. A daemon without
 * CAP_SETUID and CAP_SETGID in its effective set (a non-root one, unless
 * given them) cannot switch: run_as and every allowed entry must be its own
 * user. One that can switch also needs CAP_KILL for any other uid.
 * Users and groups must exist. NULL + ZQ_ECONFIG on error, e.g.
 * "scheduler.run_as: no such user 'zq-rnu'". Free with proc_run_as_free
 * unless installed. */
proc_run_as *proc_run_as_new(const zq_config *c, zq_err *err);
void proc_run_as_free(proc_run_as *ra);
/* Make ra the policy every later proc_spawn uses (takes ownership; the
 * previous one is freed once no spawn holds it). NULL: uninstall, free.
 * With none installed, commands run as the daemon. Thread-safe. */
void proc_run_as_install(proc_run_as *ra);
/* One line for the log: "commands run as zq-run (uid 999, gid 999, groups
 * 999); tasks may not choose another user". */
void proc_run_as_describe(const proc_run_as *ra, char *buf, size_t n);
/* Commands run as root (allowed by allow_root_commands): warn about it. */
int proc_run_as_is_root(const proc_run_as *ra);
/* A non-root daemon holds CAP_SETUID and CAP_SETGID, yet run_as is unset:
 * commands are the daemon's own user (and can read its configuration).
 * Warn about it (the description says so). */
int proc_run_as_caps_unused(const proc_run_as *ra);
/* May a task's own run_as be spec under the installed policy? 0, or
 * ZQ_EINVAL "run_as bob is not in scheduler.run_as_allowed". NULL / "" =
 * the default, always allowed. (proc_spawn_as checks this itself.) */
int proc_run_as_check(const char *spec, zq_err *err);

/* Start command. work_dir NULL = the daemon's working directory. envp is
 * the complete environment (HOME, USER, LOGNAME are replaced when the
 * command runs as another user). run_as: USER[:GROUP] a task asks for, or
 * NULL / "" = the installed policy's default (scheduler.run_as). Errors name
 * what failed: ZQ_EIO "work_dir '/nope': No such file or directory",
 * "run_as zq-run: setuid: Operation not permitted"; ZQ_EINVAL for a run_as
 * the policy refuses ("run_as bob is not in scheduler.run_as_allowed") or
 * that names no user. */
int proc_spawn_as(proc *p, const char *command, const char *work_dir, char *const envp[],
		  const char *run_as, zq_err *err);
/* proc_spawn_as with options (NULL: defaults, no cgroup). */
int proc_spawn_opts(proc *p, const char *command, const char *work_dir, char *const envp[],
		    const char *run_as, const proc_opts *o, zq_err *err);
/* proc_spawn_as with the default run_as. */
int proc_spawn(proc *p, const char *command, const char *work_dir, char *const envp[],
	       zq_err *err);
/* Ask the shim to send sig to every process of the run: the group and the
 * orphans it adopted; KILL also the cgroup (nothing once reaped). */
void proc_signal_group(proc *p, int sig);
/* Non-blocking: has the leader exited? (also sets p->exited and the status) */
int proc_check_exit(proc *p);
/* Wait for the leader's exit status, then end the run: the shim KILLs
 * whatever is left of it, reaps it all and exits; the shim is reaped. */
void proc_reap(proc *p);
/* Close every descriptor; reaps the leader first if needed (after KILL). */
void proc_close(proc *p);

#endif
