/* proc.c - start a command under a shim of its own and talk to the shim
 * (see proc.h): the pipes and the socket pair, the fork of the shim
 * (proc_shim.c, which forks the command: proc_child.c), what the child
 * reports from between fork and exec, signal requests, the leader's exit
 * status, the reap. Who the command runs as is proc_run_as.c's and
 * proc_ident.c's; the run's cgroup proc_cgroup.c's; what another daemon
 * finds of a run proc_trace.c's. */
#include "proc_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static const char *stage_call(int stage)
{
	switch (stage) {
	case STAGE_SETGROUPS:
		return "setgroups";
	case STAGE_SETGID:
		return "setgid";
	case STAGE_SETUID:
		return "setuid";
	case STAGE_NO_NEW_PRIVS:
		return "prctl(PR_SET_NO_NEW_PRIVS)";
	case STAGE_CAPS:
		return "dropping capabilities (capset)";
	default:
		return NULL;
	}
}

static unsigned getuid_of(const struct ident *id)
{
	return id && id->change ? (unsigned)id->uid : (unsigned)geteuid();
}

/* After fork: did the child reach exec? */
static int read_child_report(proc *p, int report_r, const char *work_dir, const struct ident *id,
			     zq_err *err)
{
	const char *who = id && id->spec ? id->spec : "(the daemon's own user)";
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
	/* the capability stages also run with no run_as (a non-root daemon
	 * running commands as itself): then there is no spec to name */
	if (stage_call(ce.stage))
		return zq_errf(err, ZQ_EIO, "run_as %s: %s: %s", who, stage_call(ce.stage),
			       strerror(ce.errnum));
	if (ce.stage == STAGE_VERIFY)
		return zq_errf(err, ZQ_EIO,
			       "run_as %s: the child could still become root after dropping to uid %u: "
			       "not running it", who, (unsigned)getuid_of(id));
	if (ce.stage == STAGE_VERIFY_CAPS)
		return zq_errf(err, ZQ_EIO,
			       "run_as %s: the child still holds capabilities after dropping them: "
			       "not running it", who);
	if (ce.stage == STAGE_CGROUP)
		return zq_errf(err, ZQ_EIO, "cannot join the run's cgroup %s: %s", p->cgroup,
			       strerror(ce.errnum));
	if (ce.stage == STAGE_SHIM)
		return zq_errf(err, ZQ_EIO, "the shim cannot start the command: %s",
			       strerror(ce.errnum));
	return zq_errf(err, ZQ_EIO, "cannot set up the child process: %s", strerror(ce.errnum));
}

/* The pipes (stdout, stderr, the child's report) and the socket pair to
 * the shim, all close-on-exec: a command another worker starts at the same
 * moment never inherits them (which would keep them from reaching EOF). */
static int open_channels(int out[2], int errp[2], int rep[2], int sv[2], zq_err *err)
{
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return zq_errf(err, ZQ_EIO, "pipe: %s", strerror(errno));
	return 0;
}

/* After the fork, in the daemon: wait for the shim's word that the
 * command exists, then for the child's report; keep the read ends. */
static int spawn_parent(proc *p, int out[2], int errp[2], int rep[2], int sv[2],
			const char *work_dir, const struct ident *id, zq_err *err)
{
	struct shim_msg m;
	ssize_t n;
	int rc;

	close_fd(&out[1]);
	close_fd(&errp[1]);
	close_fd(&rep[1]);
	close_fd(&sv[1]);
	p->sock = sv[0];
	sv[0] = -1;
	do
		n = recv(p->sock, &m, sizeof(m), 0);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(m) && m.type == SHIM_STARTED)
		p->pid = m.a;
	p->shim_start = proc_start_time(p->shim);
	if ((rc = read_child_report(p, rep[0], work_dir, id, err)) < 0)
		return rc;
	p->out_fd = out[0];
	p->err_fd = errp[0];
	out[0] = errp[0] = -1;
	fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

static int spawn(proc *p, const char *command, const char *work_dir, char *const envp[],
		 const struct ident *id, const proc_opts *o, zq_err *err)
{
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, rep[2] = {-1, -1}, sv[2] = {-1, -1}, rc;
	char **env = id && id->change ? proc_env_for(envp, id) : NULL;
	struct proc_cg_paths cp;
	struct shim_args a;

	if ((rc = open_channels(out, errp, rep, sv, err)) < 0)
		goto out;
	memset(&a, 0, sizeof(a));
	proc_cgroup_make(p, o ? o->exec_id : 0, &cp, &a);
	a.command = command;
	a.work_dir = work_dir;
	a.envp = env ? env : envp;
	a.id = id;
	a.out_w = out[1];
	a.err_w = errp[1];
	a.rep_w = rep[1];
	a.sock = sv[1];
	a.daemon = getpid();
	a.grace_ms = o && o->kill_grace_ms >= 0 ? o->kill_grace_ms : PROC_KILL_GRACE_MS;
	if ((p->shim = fork()) < 0) {
		rc = zq_errf(err, ZQ_EIO, "fork: %s", strerror(errno));
		goto out;
	}
	if (p->shim == 0)
		proc_shim(&a);
	rc = spawn_parent(p, out, errp, rep, sv, work_dir, id, err);
out:
	free(env);
	for (int i = 0; i < 2; i++) {
		close_fd(&out[i]);
		close_fd(&errp[i]);
		close_fd(&rep[i]);
	}
	close_fd(&sv[1]);
	if (rc < 0) {
		close_fd(&sv[0]);
		close_fd(&p->sock);
	}
	return rc;
}

static void proc_init(proc *p)
{
	memset(p, 0, sizeof(*p));
	p->pid = p->shim = -1;
	p->sock = p->out_fd = p->err_fd = -1;
	p->exit_code = -1;
}

int proc_spawn_opts(proc *p, const char *command, const char *work_dir, char *const envp[],
		    const char *run_as, const proc_opts *o, zq_err *err)
{
	proc_run_as *ra = proc_ra_take();
	const struct ident *id;
	struct ident tmp;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	proc_init(p);
	if ((rc = proc_ra_pick(ra, run_as, &tmp, &id, err)) == 0)
		rc = spawn(p, command, work_dir, envp, id, o, err);
	proc_ident_release(&tmp);
	proc_ra_drop(ra);
	return rc;
}

int proc_spawn_as(proc *p, const char *command, const char *work_dir, char *const envp[],
		  const char *run_as, zq_err *err)
{
	return proc_spawn_opts(p, command, work_dir, envp, run_as, NULL, err);
}

int proc_spawn(proc *p, const char *command, const char *work_dir, char *const envp[],
	       zq_err *err)
{
	return proc_spawn_as(p, command, work_dir, envp, NULL, err);
}

void proc_signal_group(proc *p, int sig)
{
	unsigned char b = (unsigned char)sig;

	if (p->sock >= 0 && !p->reaped && sig > 0 && sig < NSIG &&
	    send(p->sock, &b, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* the shim is gone: the status read says so */
	}
}

/* Read what the shim says (blocking or not): the leader's wait status, or
 * EOF if the shim itself died (then its PDEATHSIG took the leader). */
static void shim_recv(proc *p, int block)
{
	struct shim_msg m;
	ssize_t n;

	if (p->exited || p->sock < 0) {
		p->exited = 1;
		return;
	}
	n = recv(p->sock, &m, sizeof(m), block ? 0 : MSG_DONTWAIT);
	if (n == (ssize_t)sizeof(m) && m.type == SHIM_EXITED) {
		p->exited = 1;
		if (m.a == CLD_EXITED)
			p->exit_code = m.b;
		else
			p->term_signal = m.b;
	} else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		p->exited = 1;
		if (p->exit_code < 0 && !p->term_signal)
			p->term_signal = SIGKILL;
	}
}

int proc_check_exit(proc *p)
{
	if (!p->exited && p->shim > 0)
		shim_recv(p, 0);
	return p->exited || p->shim <= 0;
}

void proc_reap(proc *p)
{
	unsigned char done = SHIM_DONE;
	int status;

	if (p->reaped || p->shim <= 0)
		return;
	while (!p->exited)
		shim_recv(p, 1);
	/* the shim KILLs what is left of the run, reaps it and exits */
	if (send(p->sock, &done, 1, MSG_NOSIGNAL) < 0) {
	}
	while (waitpid(p->shim, &status, 0) < 0 && errno == EINTR)
		;
	p->reaped = 1;
}

void proc_close(proc *p)
{
	if (!p->reaped && p->shim > 0) {
		proc_signal_group(p, SIGKILL);
		proc_reap(p);
	}
	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	close_fd(&p->sock);
}
