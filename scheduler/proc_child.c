/* proc_child.c - the command's process between fork and exec (see proc.h):
 * its cgroup and process group, default signals, /dev/null and the pipes
 * as 0-2, every other descriptor closed, the run_as credentials and the
 * capabilities dropped, work_dir, exec of /bin/sh.
 *
 * fork() in a threaded process: between fork and exec the child calls only
 * async-signal-safe functions (raw syscalls). Errors between fork and exec
 * travel back through a close-on-exec pipe (struct child_err), which exec
 * closes: the parent reads EOF when the command runs. */
#include "proc_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

void proc_child_fail(int fd, int stage, int errnum)
{
	struct child_err ce = {stage, errnum};

	if (write(fd, &ce, sizeof(ce)) < 0) {
		/* the parent will see a short read */
	}
	_exit(127);
}

__attribute__((noreturn)) static void child_fail(int fd, int stage)
{
	proc_child_fail(fd, stage, errno);
}

/* In the child, once it is the non-root user it runs as (and before exec):
 * give up every capability, then check that none is left and that it cannot
 * become root again.
 *
 * Why: the kernel clears the permitted and effective sets only when a
 * process with a uid of 0 changes to all non-zero uids. A non-root daemon
 * holding CAP_SETUID/CAP_SETGID (systemd: User=zq, AmbientCapabilities=)
 * keeps them across setresuid(zq -> zq-run), and ambient capabilities even
 * survive execve of a plain binary, no_new_privs or not: without this the
 * command would hold CAP_SETUID and could setuid(0). From root, the
 * inheritable set survives the uid change; it goes too.
 * Lowering capabilities needs no privilege, so this cannot fail for want
 * of one; PR_CAP_AMBIENT is EINVAL on kernels before 4.3, which have no
 * ambient set to clear. Async-signal-safe: raw syscalls and prctl only. */
static void child_drop_caps(int report_w)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct none[2] = {{0, 0, 0}, {0, 0, 0}};
	struct __user_cap_data_struct d[2] = {{1, 1, 1}, {1, 1, 1}};

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		child_fail(report_w, STAGE_CAPS);
	if (syscall(SYS_capset, &h, none) < 0)
		child_fail(report_w, STAGE_CAPS);
	/* verify: effective, permitted, inheritable and ambient are all empty */
	h.version = _LINUX_CAPABILITY_VERSION_3;
	h.pid = 0;
	if (syscall(SYS_capget, &h, d) < 0)
		child_fail(report_w, STAGE_VERIFY_CAPS);
	for (int i = 0; i < 2; i++)
		if (d[i].effective || d[i].permitted || d[i].inheritable)
			proc_child_fail(report_w, STAGE_VERIFY_CAPS, EPERM);
	for (int c = 0; c <= CAP_PROBE_MAX; c++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
			proc_child_fail(report_w, STAGE_VERIFY_CAPS, EPERM);
	/* with no capability and no uid 0 left, this must fail */
	if (syscall(SYS_setresuid, 0, 0, 0) == 0)
		proc_child_fail(report_w, STAGE_VERIFY, EPERM);
}

/* In the child: become id (raw syscalls: only this thread exists, and
 * glibc's wrappers would try to signal threads that are gone). The order
 * matters: groups and gid while CAP_SETGID is there, the uid, then the
 * capabilities (a daemon that is not root switches with them), and the
 * checks last. */
static void child_become(const struct ident *id, int report_w, pid_t parent)
{
	if (syscall(SYS_setgroups, (size_t)id->ngroups, id->groups) < 0)
		child_fail(report_w, STAGE_SETGROUPS);
	if (syscall(SYS_setresgid, id->gid, id->gid, id->gid) < 0)
		child_fail(report_w, STAGE_SETGID);
	if (syscall(SYS_setresuid, id->uid, id->uid, id->uid) < 0)
		child_fail(report_w, STAGE_SETUID);
	if (id->uid != 0)
		child_drop_caps(report_w);  /* also checks setuid(0) fails */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(report_w, STAGE_NO_NEW_PRIVS);
	if (getuid() != id->uid || geteuid() != id->uid || getgid() != id->gid ||
	    getegid() != id->gid)
		proc_child_fail(report_w, STAGE_VERIFY, EPERM);
	if (id->uid != 0 && syscall(SYS_setresuid, 0, 0, 0) == 0)
		proc_child_fail(report_w, STAGE_VERIFY, EPERM);
	/* a credential change clears the parent-death signal: set it again */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		child_fail(report_w, STAGE_SETUP);
}

/* In the child: async-signal-safe calls only. */
void proc_child(const char *command, const char *work_dir, char *const envp[],
		  const struct ident *id, int out_w, int err_w, int report_w, pid_t parent,
		  const char *cg_procs)
{
	char *argv[] = {"sh", "-c", (char *)command, NULL};
	struct sigaction dfl;
	sigset_t none;
	int devnull, fd;

	/* first, before it can fork: everything it starts is in the run's cgroup */
	if (cg_procs) {
		if ((fd = open(cg_procs, O_WRONLY | O_CLOEXEC)) < 0 || write(fd, "0", 1) != 1)
			child_fail(report_w, STAGE_CGROUP);
		close(fd);
	}
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
	if (id && id->change)
		child_become(id, report_w, parent);
	else if (geteuid() != 0)
		/* a non-root daemon running the command as itself: it must not
		 * pass on capabilities it holds (e.g. ambient ones from systemd) */
		child_drop_caps(report_w);
	if (work_dir && *work_dir && chdir(work_dir) < 0)
		child_fail(report_w, STAGE_CHDIR);
	execve("/bin/sh", argv, envp);
	child_fail(report_w, STAGE_EXEC);
}
