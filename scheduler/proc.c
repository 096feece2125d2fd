/* proc.c - fork/exec of a command in its own process group (see proc.h).
 *
 * fork() in a threaded process: between fork and exec the child calls only
 * async-signal-safe functions (raw syscalls), and every pipe is created
 * close-on-exec so a command started by another worker at the same moment
 * never inherits our pipes (which would keep them from reaching EOF).
 * Errors between fork and exec travel back through a close-on-exec pipe. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

enum { STAGE_SETUP = 1, STAGE_CHDIR, STAGE_EXEC };

struct child_err {
	int stage;
	int errnum;
};

static void child_fail(int fd, int stage)
{
	struct child_err ce = {stage, errno};

	if (write(fd, &ce, sizeof(ce)) < 0) {
		/* the parent will see a short read */
	}
	_exit(127);
}

/* In the child: async-signal-safe calls only. */
static void child(const char *command, const char *work_dir, char *const envp[], int out_w,
		  int err_w, int report_w, pid_t parent)
{
	char *argv[] = {"sh", "-c", (char *)command, NULL};
	struct sigaction dfl;
	sigset_t none;
	int devnull;

	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		child_fail(report_w, STAGE_SETUP);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL);  /* ignored signals would stay ignored across exec */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((devnull = open("/dev/null", O_RDONLY)) < 0 || dup2(devnull, 0) < 0 ||
	    dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		child_fail(report_w, STAGE_SETUP);
	/* everything else goes: DB sockets, other workers' descriptors */
	if (report_w > 3 && dup2(report_w, 3) == 3)
		report_w = 3;
	syscall(SYS_close_range, 4, ~0U, 0);
	if (report_w != 3)
		child_fail(report_w, STAGE_SETUP);
	fcntl(3, F_SETFD, FD_CLOEXEC);
	if (work_dir && *work_dir && chdir(work_dir) < 0)
		child_fail(report_w, STAGE_CHDIR);
	execve("/bin/sh", argv, envp);
	child_fail(report_w, STAGE_EXEC);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* After fork: did the child reach exec? */
static int read_child_report(proc *p, int report_r, const char *work_dir, zq_err *err)
{
	struct child_err ce;
	ssize_t n;

	do
		n = read(report_r, &ce, sizeof(ce));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(ce))
		return 0;  /* closed by exec: it runs */
	proc_reap(p);
	if (ce.stage == STAGE_CHDIR)
		return zq_errf(err, ZQ_EIO, "work_dir '%s': %s", work_dir, strerror(ce.errnum));
	if (ce.stage == STAGE_EXEC)
		return zq_errf(err, ZQ_EIO, "cannot run /bin/sh: %s", strerror(ce.errnum));
	return zq_errf(err, ZQ_EIO, "cannot set up the child process: %s", strerror(ce.errnum));
}

int proc_spawn(proc *p, const char *command, const char *work_dir, char *const envp[],
	       zq_err *err)
{
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, rep[2] = {-1, -1}, rc = 0;
	pid_t parent = getpid();

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->pidfd = p->out_fd = p->err_fd = -1;
	p->exit_code = -1;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		rc = zq_errf(err, ZQ_EIO, "pipe: %s", strerror(errno));
		goto out;
	}
	if ((p->pid = fork()) < 0) {
		rc = zq_errf(err, ZQ_EIO, "fork: %s", strerror(errno));
		goto out;
	}
	if (p->pid == 0)
		child(command, work_dir, envp, out[1], errp[1], rep[1], parent);
	setpgid(p->pid, p->pid);  /* also here, so the group exists before we signal it */
	close_fd(&out[1]);
	close_fd(&errp[1]);
	close_fd(&rep[1]);
	p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if ((rc = read_child_report(p, rep[0], work_dir, err)) < 0)
		goto out;
	p->out_fd = out[0];
	p->err_fd = errp[0];
	out[0] = errp[0] = -1;
	fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
out:
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&rep[0]);
	close_fd(&rep[1]);
	if (rc < 0)
		close_fd(&p->pidfd);
	return rc;
}

void proc_signal_group(proc *p, int sig)
{
	if (p->pid > 0 && !p->reaped)
		kill(-p->pid, sig);
}

int proc_check_exit(proc *p)
{
	siginfo_t si;

	if (p->exited || p->pid <= 0)
		return 1;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == p->pid)
		p->exited = 1;
	return p->exited;
}

void proc_reap(proc *p)
{
	siginfo_t si;
	int rc;

	if (p->reaped || p->pid <= 0)
		return;
	memset(&si, 0, sizeof(si));
	do
		rc = waitid(P_PID, (id_t)p->pid, &si, WEXITED);
	while (rc < 0 && errno == EINTR);
	p->reaped = p->exited = 1;
	if (rc < 0)
		return;
	if (si.si_code == CLD_EXITED)
		p->exit_code = si.si_status;
	else
		p->term_signal = si.si_status;
}

void proc_close(proc *p)
{
	if (!p->reaped && p->pid > 0) {
		proc_signal_group(p, SIGKILL);
		proc_reap(p);
	}
	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	close_fd(&p->pidfd);
}
