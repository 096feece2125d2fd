/* proc.h - a child process in its own process group, for the command
 * executor: spawn with pipes, signal the whole group, reap.
 *
 * The child runs `/bin/sh -c command` as leader of a new process group,
 * stdin from /dev/null, stdout and stderr into non-blocking pipes, with
 * PR_SET_PDEATHSIG=SIGKILL (it dies if the worker thread that started it
 * does) and every other descriptor closed. The leader is not reaped until
 * proc_reap: while it is a zombie its pid cannot be reused, so signalling
 * the group (kill(-pgid)) can never hit an unrelated process.
 * Not thread-safe: a proc belongs to the worker running it.
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
	pid_t pid;          /* leader; also the process group id */
	int pidfd;          /* readable once the leader has exited */
	int out_fd, err_fd; /* read ends, -1 once at EOF and closed */
	int exited;         /* leader exited (seen on pidfd) */
	int reaped;
	int exit_code;      /* >= 0 when it exited normally, else -1 */
	int term_signal;    /* > 0 when a signal killed it */
} proc;

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
/* proc_spawn_as with the default run_as. */
int proc_spawn(proc *p, const char *command, const char *work_dir, char *const envp[],
	       zq_err *err);
/* Send sig to every process in the group (nothing once reaped). */
void proc_signal_group(proc *p, int sig);
/* Non-blocking: has the leader exited? (also sets p->exited) */
int proc_check_exit(proc *p);
/* Reap the leader (blocks until it exits) and record its status. */
void proc_reap(proc *p);
/* Close every descriptor; reaps the leader first if needed (after KILL). */
void proc_close(proc *p);

#endif
