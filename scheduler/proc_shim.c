/* proc_shim.c - the shim: the supervisor each run gets (see proc.h). It
 * forks the command, keeps the leader unreaped so the group id stays the
 * run's, adopts every orphan (subreaper), signals the run when the daemon
 * asks, and ends it (TERM, KILL after the grace period) when the daemon is
 * gone.
 *
 * The shim is a fork of the daemon that never execs: everything it does is
 * async-signal-safe (raw syscalls, no allocation, no stdio, no locks;
 * zq_mono_ms is clock_gettime). It talks to the daemon over a
 * SOCK_SEQPACKET socket pair (proc_impl.h: SHIM_DONE, struct shim_msg);
 * only the daemon holds the other end: when it dies, however it dies, the
 * shim reads EOF at once. */
#include "proc_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timeutil.h"

#define SHIM_FINISH_MS 5000      /* after KILL: how long the shim waits for the last ones */

struct shim {
	const struct shim_args *a;
	pid_t leader;
	int exited, reaped;      /* the leader */
};

static void shim_send(const struct shim *s, int type, int a, int b)
{
	struct shim_msg m = {type, a, b};

	/* the daemon may be gone: nothing to do about it */
	if (send(s->a->sock, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
	}
}

/* Has the leader exited? The first time: report its wait status. It stays
 * a zombie (WNOWAIT) until the end, so its pid, the group id, cannot be
 * reused while the shim may still signal the group. */
static int shim_leader_check(struct shim *s)
{
	siginfo_t si;

	if (s->exited)
		return 1;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)s->leader, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	    si.si_pid == s->leader) {
		s->exited = 1;
		shim_send(s, SHIM_EXITED, si.si_code, si.si_status);
	}
	return s->exited;
}

/* The shim's children other than the leader (it is a subreaper: every
 * descendant whose parent died is one, setsid escapees included): zombies
 * are reaped, the others sent sig (0: none). Returns how many are alive,
 * -1 if /proc/thread-self/children cannot be read. */
static int shim_children(struct shim *s, int sig)
{
	char buf[1024];
	int fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC), alive = 0;
	long pid = 0;
	int digits = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = pid * 10 + (buf[i] - '0');
				digits = 1;
				continue;
			}
			if (digits && pid != s->leader) {
				siginfo_t si;
				memset(&si, 0, sizeof(si));
				if (!(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG) == 0 &&
				      si.si_pid == pid)) {
					if (sig)
						kill((pid_t)pid, sig);
					alive++;
				}
			}
			pid = 0;
			digits = 0;
		}
	}
	close(fd);
	return alive;
}

void proc_write_text(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, text, len) < 0) {
		}
		close(fd);
	}
}

/* sig to everything of the run: the group (the leader is unreaped, so the
 * id is still ours), the orphans that left it, the cgroup for KILL. */
static void shim_signal(struct shim *s, int sig)
{
	if (!s->reaped)
		kill(-s->leader, sig);
	shim_children(s, sig);
	if (sig == SIGKILL && s->a->cg_kill)
		proc_write_text(s->a->cg_kill, "1", 1);
}

/* KILL everything, reap everything, remove the cgroup, exit. */
static void shim_finish(struct shim *s)
{
	int64_t until = zq_mono_ms() + SHIM_FINISH_MS;
	siginfo_t si;

	shim_leader_check(s);
	shim_signal(s, SIGKILL);
	for (;;) {
		int rc;
		memset(&si, 0, sizeof(si));
		rc = waitid(P_ALL, 0, &si, WEXITED | WNOHANG);
		if (rc < 0 && errno == ECHILD)
			break;
		if (rc == 0 && si.si_pid > 0) {
			if (si.si_pid == s->leader)
				s->reaped = 1;
			continue;
		}
		if (zq_mono_ms() >= until)
			break;  /* unkillable (D state): left to init */
		shim_children(s, SIGKILL);  /* orphaned since the last round */
		poll(NULL, 0, 5);
	}
	/* the kernel empties a killed cgroup a moment after its last exit */
	for (int i = 0; s->a->cg_dir && i < 200 && rmdir(s->a->cg_dir) < 0 && errno == EBUSY; i++)
		poll(NULL, 0, 5);
	_exit(0);
}

/* The daemon is gone (EOF), or the shim was told to stop (TERM, HUP, INT,
 * the parent-death signal): TERM, KILL after the grace period, exit. */
static void shim_gone(struct shim *s)
{
	int64_t until = zq_mono_ms() + s->a->grace_ms;

	shim_signal(s, SIGTERM);
	while (zq_mono_ms() < until) {
		int alive = shim_children(s, 0);
		if (shim_leader_check(s) && alive == 0)
			break;  /* nothing left to wait for */
		poll(NULL, 0, 10);
	}
	shim_finish(s);
}

/* Keep only the descriptors in keep[0..n) (sorted here). */
static void shim_close_except(int *keep, int n)
{
	int lo = 0;

	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (int i = 0; i < n; i++) {
		if (keep[i] > lo)
			syscall(SYS_close_range, (unsigned)lo, (unsigned)keep[i] - 1, 0);
		lo = keep[i] + 1;
	}
	syscall(SYS_close_range, (unsigned)lo, ~0U, 0);
}

static int shim_fd(int fd)
{
	return fcntl(fd, F_DUPFD_CLOEXEC, 16);
}

/* The shim's own set-up: its process group, every signal blocked, the
 * parent-death signal, subreaper, only its descriptors (moved to 16 and up in
 * a); returns a signalfd for the stop signals. */
static int shim_setup(struct shim_args *a)
{
	sigset_t all, stop;
	int keep[4], sfd, null;

	/* its own process group: a signal to the daemon's group (a terminal's
	 * ^C, kill -TERM -PGID) does not end the run behind the daemon's back */
	setpgid(0, 0);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* parent death: TERM (read from the signalfd below, like EOF). It is
	 * for the thread that forked; the socket's EOF is for the process. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != a->daemon)
		_exit(0);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* nothing of the daemon's but our own: another worker's socket
	 * end kept here would hide that worker's EOF */
	if ((keep[0] = a->out_w = shim_fd(a->out_w)) < 0 ||
	    (keep[1] = a->err_w = shim_fd(a->err_w)) < 0 ||
	    (keep[2] = a->rep_w = shim_fd(a->rep_w)) < 0 || (keep[3] = a->sock = shim_fd(a->sock)) < 0)
		_exit(127);
	shim_close_except(keep, 4);
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGQUIT);
	if ((sfd = signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		proc_child_fail(a->rep_w, STAGE_SHIM, errno);
	return sfd;
}

/* Until the end: the daemon's requests (a signal, SHIM_DONE, EOF), the stop
 * signals (sfd), the leader's exit (pidfd, or a look every 50 ms). */
__attribute__((noreturn)) static void shim_serve(struct shim *s, int sfd, int pidfd)
{
	struct pollfd fds[3];
	int sock = s->a->sock;

	for (;;) {
		int nfds = 2, timeout = -1;
		unsigned char b;
		ssize_t n;

		fds[0] = (struct pollfd){sock, POLLIN, 0};
		fds[1] = (struct pollfd){sfd, POLLIN, 0};
		if (!s->exited && pidfd >= 0)
			fds[nfds++] = (struct pollfd){pidfd, POLLIN, 0};
		else if (!s->exited)
			timeout = 50;  /* no pidfd (Linux < 5.3): look again soon */
		if (poll(fds, (nfds_t)nfds, timeout) < 0 && errno != EINTR)
			shim_gone(s);
		shim_leader_check(s);
		if (fds[1].revents & POLLIN)
			shim_gone(s);
		if (fds[0].revents) {
			n = recv(sock, &b, 1, MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				shim_gone(s);  /* the daemon is gone */
			else if (n == 1 && b == SHIM_DONE)
				shim_finish(s);
			else if (n == 1 && b < NSIG)
				shim_signal(s, b);
		}
	}
}

void proc_shim(const struct shim_args *in)
{
	struct shim_args a = *in;
	struct shim s = {&a, -1, 0, 0};
	pid_t self = getpid();
	int sfd = shim_setup(&a);

	if ((s.leader = fork()) < 0)
		proc_child_fail(a.rep_w, STAGE_SHIM, errno);
	if (s.leader == 0)
		proc_child(a.command, a.work_dir, a.envp, a.id, a.out_w, a.err_w, a.rep_w, self,
			   a.cg_procs);
	setpgid(s.leader, s.leader);  /* also here, so the group exists before we signal it */
	close(a.out_w);
	close(a.err_w);
	close(a.rep_w);
	shim_send(&s, SHIM_STARTED, s.leader, 0);
	shim_serve(&s, sfd, (int)syscall(SYS_pidfd_open, s.leader, 0));
}

