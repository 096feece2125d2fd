/* proc.h - a child process in its own process group, for the command
 * executor: spawn with pipes, signal the whole group, reap.
 *
 * The child runs `/bin/sh -c command` as leader of a new process group,
 * stdin from /dev/null, stdout and stderr into non-blocking pipes, with
 * PR_SET_PDEATHSIG=SIGKILL (it dies if the worker thread that started it
 * does) and every other descriptor closed. The leader is not reaped until
 * proc_reap: while it is a zombie its pid cannot be reused, so signalling
 * the group (kill(-pgid)) can never hit an unrelated process.
 * Not thread-safe: a proc belongs to the worker running it. */
#ifndef ZQ_SCHED_PROC_H
#define ZQ_SCHED_PROC_H

#include <sys/types.h>

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

/* Start command. work_dir NULL = the daemon's working directory. envp is
 * the complete environment. Errors (ZQ_EIO) name what failed:
 * "work_dir '/nope': No such file or directory". */
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
