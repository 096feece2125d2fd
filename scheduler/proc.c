/* proc.c - fork/exec of a command in its own process group (see proc.h).
 *
 * fork() in a threaded process: between fork and exec the child calls only
 * async-signal-safe functions (raw syscalls), and every pipe is created
 * close-on-exec so a command started by another worker at the same moment
 * never inherits our pipes (which would keep them from reaching EOF).
 * Errors between fork and exec travel back through a close-on-exec pipe.
 *
 * run_as: who the child becomes is worked out in the parent (user and group
 * databases, supplementary groups, the environment), the child only makes
 * the credential syscalls. Capabilities: a daemon switches users with
 * CAP_SETUID and CAP_SETGID (root has them; a non-root daemon may be given
 * them, e.g. systemd's AmbientCapabilities=) and signals commands of another
 * uid with CAP_KILL; the child gives up every capability before exec (see
 * child_drop_caps). The installed policy is the one piece of
 * process-wide state besides the configuration it is built from (STYLE
 * §19): it is immutable, replaced whole on SIGHUP, and reference-counted so
 * a worker spawning at that moment keeps the one it started with. */
#include "proc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <linux/capability.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define RUN_AS_GROUPS_MAX 65536

enum {
	STAGE_SETUP = 1,
	STAGE_CHDIR,
	STAGE_EXEC,
	STAGE_SETGROUPS,
	STAGE_SETGID,
	STAGE_SETUID,
	STAGE_NO_NEW_PRIVS,
	STAGE_VERIFY,
	STAGE_CAPS,              /* dropping the capabilities */
	STAGE_VERIFY_CAPS,       /* some capability survived the drop */
	STAGE_CGROUP,            /* joining the run's cgroup */
	STAGE_SHIM,              /* the shim could not start the command (fork) */
};

/* Capability bits (linux/capability.h numbers) as a 64-bit mask. */
#define CAPBIT(c) ((uint64_t)1 << (c))
#define CAPS_SWITCH (CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETGID))
/* highest capability number probed for ambient bits (the kernel's CAP_LAST_CAP
 * is 40 in Linux 6.x; PR_CAP_AMBIENT_IS_SET says EINVAL beyond it) */
#define CAP_PROBE_MAX 63

struct child_err {
	int stage;
	int errnum;
};

/* Who a command runs as, resolved. */
struct ident {
	int change;              /* 0: the daemon's own credentials and environment */
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t *groups;           /* supplementary groups (the user's, plus gid) */
	char *spec;              /* "zq-run" as configured, for messages */
	char *env[3];            /* HOME=, USER=, LOGNAME= of the target user */
};

struct proc_run_as {
	int refs;                /* installed + spawns holding it (under run_as_mu) */
	uid_t daemon_uid;
	char daemon_user[64];
	uint64_t daemon_caps;    /* the daemon's effective capabilities at build time */
	int allow_root;
	struct ident def;        /* scheduler.run_as */
	char **allowed;          /* scheduler.run_as_allowed entries, trimmed */
	int nallowed;
};

static pthread_mutex_t run_as_mu = PTHREAD_MUTEX_INITIALIZER;
static proc_run_as *run_as_current;

/* ---- child ------------------------------------------------------------------------ */

static void child_fail_errno(int fd, int stage, int errnum)
{
	struct child_err ce = {stage, errnum};

	if (write(fd, &ce, sizeof(ce)) < 0) {
		/* the parent will see a short read */
	}
	_exit(127);
}

static void child_fail(int fd, int stage)
{
	child_fail_errno(fd, stage, errno);
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
			child_fail_errno(report_w, STAGE_VERIFY_CAPS, EPERM);
	for (int c = 0; c <= CAP_PROBE_MAX; c++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
			child_fail_errno(report_w, STAGE_VERIFY_CAPS, EPERM);
	/* with no capability and no uid 0 left, this must fail */
	if (syscall(SYS_setresuid, 0, 0, 0) == 0)
		child_fail_errno(report_w, STAGE_VERIFY, EPERM);
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
		child_fail_errno(report_w, STAGE_VERIFY, EPERM);
	if (id->uid != 0 && syscall(SYS_setresuid, 0, 0, 0) == 0)
		child_fail_errno(report_w, STAGE_VERIFY, EPERM);
	/* a credential change clears the parent-death signal: set it again */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		child_fail(report_w, STAGE_SETUP);
}

/* In the child: async-signal-safe calls only. */
static void child(const char *command, const char *work_dir, char *const envp[],
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

/* ---- run_as: users, groups, policy (parent side) -------------------------------------- */

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* getpwnam_r, or getpwuid_r for a number (or for uid when name is NULL),
 * with a growing buffer (*buf, the caller frees). */
static int find_user(const char *name, uid_t uid, struct passwd *pw, char **buf)
{
	struct passwd *res = NULL;
	size_t n = 4096;
	int rc;

	if (name && all_digits(name)) {
		uid = (uid_t)strtoul(name, NULL, 10);
		name = NULL;
	}
	for (;;) {
		*buf = zq_realloc(*buf, n);
		if (name)
			rc = getpwnam_r(name, pw, *buf, n, &res);
		else
			rc = getpwuid_r(uid, pw, *buf, n, &res);
		if (rc != ERANGE || n >= (1 << 20))
			break;
		n *= 4;
	}
	return res ? 0 : -1;
}

static int find_group(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char *buf = NULL;
	size_t n = 4096;
	int rc;

	for (;;) {
		buf = zq_realloc(buf, n);
		if (all_digits(name))
			rc = getgrgid_r((gid_t)strtoul(name, NULL, 10), &gr, buf, n, &res);
		else
			rc = getgrnam_r(name, &gr, buf, n, &res);
		if (rc != ERANGE || n >= (1 << 20))
			break;
		n *= 4;
	}
	if (res)
		*gid = gr.gr_gid;
	free(buf);
	return res ? 0 : -1;
}

static char *env_kv(const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	char *kv = zq_malloc(nl + vl + 2);

	memcpy(kv, name, nl);
	kv[nl] = '=';
	memcpy(kv + nl + 1, value, vl + 1);
	return kv;
}

static void ident_release(struct ident *id)
{
	free(id->groups);
	free(id->spec);
	for (int i = 0; i < 3; i++)
		free(id->env[i]);
	memset(id, 0, sizeof(*id));
}

/* The user's supplementary groups plus gid (what initgroups would set). */
static int user_groups(struct ident *id, const char *user, zq_err *err)
{
	int n = 32;

	for (;;) {
		int got = n;
		id->groups = zq_realloc(id->groups, (size_t)n * sizeof(gid_t));
		if (getgrouplist(user, id->gid, id->groups, &got) >= 0) {
			id->ngroups = got;
			return 0;
		}
		if (got <= n || got > RUN_AS_GROUPS_MAX)
			return zq_errf(err, ZQ_EINVAL, "cannot list the groups of user '%s'", user);
		n = got;
	}
}

/* Resolve "user[:group]" (names or numbers). Errors are ZQ_EINVAL with
 * a message such as "no such user 'zq-rnu'". */
static int ident_resolve(struct ident *id, const char *spec, zq_err *err)
{
	char user[256], *colon, *buf = NULL;
	const char *group = NULL;
	struct passwd pw;
	int rc = 0;

	memset(id, 0, sizeof(*id));
	if (zq_strlcpy(user, spec, sizeof(user)) >= sizeof(user))
		return zq_errf(err, ZQ_EINVAL, "'%.40s...': too long", spec);
	if ((colon = strchr(user, ':'))) {
		*colon = '\0';
		group = colon + 1;
	}
	if (!*user || (group && !*group))
		return zq_errf(err, ZQ_EINVAL, "'%s': expected USER or USER:GROUP", spec);
	if (find_user(user, 0, &pw, &buf) < 0) {
		rc = zq_errf(err, ZQ_EINVAL, "no such user '%s'", user);
		goto out;
	}
	id->change = 1;
	id->uid = pw.pw_uid;
	id->gid = pw.pw_gid;
	if (group && find_group(group, &id->gid) < 0) {
		rc = zq_errf(err, ZQ_EINVAL, "no such group '%s'", group);
		goto out;
	}
	if ((rc = user_groups(id, pw.pw_name, err)) < 0)
		goto out;
	id->spec = zq_strdup(spec);
	id->env[0] = env_kv("HOME", pw.pw_dir && *pw.pw_dir ? pw.pw_dir : "/");
	id->env[1] = env_kv("USER", pw.pw_name);
	id->env[2] = env_kv("LOGNAME", pw.pw_name);
out:
	free(buf);
	if (rc < 0)
		ident_release(id);
	return rc;
}

/* The calling thread's effective capabilities (capget; 0 if that fails).
 * Every thread of the daemon has the main thread's: nothing changes them. */
static uint64_t effective_caps(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	return (uint64_t)d[1].effective << 32 | d[0].effective;
}

/* Can this daemon run commands as id? Adjusts id for a non-root daemon
 * running as itself (nothing to change).
 *   - Switching (setgroups, setresgid, setresuid) needs CAP_SETUID and
 *     CAP_SETGID in the effective set: root has them, unless a bounding set
 *     took them away; a non-root daemon has them when it was given them
 *     (systemd: User=zq plus AmbientCapabilities=CAP_SETUID CAP_SETGID
 *     CAP_KILL). Without them a non-root daemon can only be itself.
 *   - Another uid needs CAP_KILL as well: timeouts, cancel, shutdown and the
 *     clean-up after a run signal the command's process group, and kill()
 *     of a process with another uid is EPERM without it. A daemon that could
 *     start commands but not stop them is refused, not warned about.
 *   - uid 0 needs allow_root_commands. */
static int ident_allowed(const proc_run_as *ra, struct ident *id, zq_err *err)
{
	int root = ra->daemon_uid == 0;

	if (!root && id->uid == ra->daemon_uid && id->gid == getegid()) {
		id->change = 0;  /* already that user */
		return 0;
	}
	if ((ra->daemon_caps & CAPS_SWITCH) != CAPS_SWITCH) {
		if (!root)
			return zq_errf(err, ZQ_EINVAL,
				       "zq-scheduler runs as %s (uid %u), not root, and cannot run "
				       "commands as another user or group; leave it unset, or give it "
				       "CAP_SETUID, CAP_SETGID and CAP_KILL (systemd: "
				       "AmbientCapabilities=CAP_SETUID CAP_SETGID CAP_KILL)",
				       ra->daemon_user, (unsigned)ra->daemon_uid);
		return zq_errf(err, ZQ_EINVAL,
			       "zq-scheduler runs as root without CAP_SETUID and CAP_SETGID (a "
			       "capability bounding set?) and cannot run commands as another user "
			       "or group; allow it CAP_SETUID, CAP_SETGID and CAP_KILL");
	}
	if (id->uid == 0 && !ra->allow_root)
		return zq_errf(err, ZQ_EINVAL,
			       "names root (uid 0): commands would run as root; set "
			       "scheduler.allow_root_commands = true to accept that");
	if (id->uid != ra->daemon_uid && !(ra->daemon_caps & CAPBIT(CAP_KILL)))
		return zq_errf(err, ZQ_EINVAL,
			       "zq-scheduler (%s, uid %u) holds CAP_SETUID and CAP_SETGID but not "
			       "CAP_KILL: it could start commands as uid %u but not stop them "
			       "(timeouts, cancel, shutdown); give it CAP_KILL too",
			       ra->daemon_user, (unsigned)ra->daemon_uid, (unsigned)id->uid);
	return 0;
}

static int parse_allowed(proc_run_as *ra, const char *list, zq_err *err)
{
	char *copy = zq_strdup(list), *save = NULL, *tok;
	struct ident id;
	int rc = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *e = zq_trim(tok);
		if (!*e)
			continue;
		if ((rc = ident_resolve(&id, e, err)) < 0 || (rc = ident_allowed(ra, &id, err)) < 0) {
			ident_release(&id);
			zq_err_prefix(err, "scheduler.run_as_allowed: '%s': ", e);
			rc = ZQ_ECONFIG;
			err->code = rc;
			break;
		}
		ident_release(&id);
		ra->allowed = zq_realloc(ra->allowed, (size_t)(ra->nallowed + 1) * sizeof(char *));
		ra->allowed[ra->nallowed++] = zq_strdup(e);
	}
	free(copy);
	return rc;
}

static int default_ident(proc_run_as *ra, const char *spec, zq_err *err)
{
	if (!*spec) {
		if (ra->daemon_uid == 0 && !ra->allow_root)
			return zq_errf(err, ZQ_ECONFIG,
				       "scheduler.run_as is not set and zq-scheduler runs as root: every "
				       "task command would run as root and could read this configuration "
				       "(db.password) and everything else; set scheduler.run_as = "
				       "USER[:GROUP] (./zq up uses zq-run), or scheduler.allow_root_commands "
				       "= true to accept that");
		ra->def.uid = ra->daemon_uid;
		ra->def.gid = getegid();
		return 0;
	}
	if (ident_resolve(&ra->def, spec, err) < 0 || ident_allowed(ra, &ra->def, err) < 0) {
		zq_err_prefix(err, "scheduler.run_as: ");
		err->code = ZQ_ECONFIG;
		return ZQ_ECONFIG;
	}
	return 0;
}

proc_run_as *proc_run_as_new(const zq_config *c, zq_err *err)
{
	proc_run_as *ra = zq_calloc(1, sizeof(*ra));
	char spec[sizeof(c->sched_run_as)], *buf = NULL;
	struct passwd pw;

	ra->daemon_uid = geteuid();
	if (find_user(NULL, ra->daemon_uid, &pw, &buf) == 0)
		zq_strlcpy(ra->daemon_user, pw.pw_name, sizeof(ra->daemon_user));
	else
		snprintf(ra->daemon_user, sizeof(ra->daemon_user), "%u", (unsigned)ra->daemon_uid);
	free(buf);
	ra->daemon_caps = effective_caps();
	ra->allow_root = c->sched_allow_root_commands;
	zq_strlcpy(spec, c->sched_run_as, sizeof(spec));
	if (default_ident(ra, zq_trim(spec), err) < 0 ||
	    parse_allowed(ra, c->sched_run_as_allowed, err) < 0) {
		proc_run_as_free(ra);
		return NULL;
	}
	return ra;
}

void proc_run_as_free(proc_run_as *ra)
{
	if (!ra)
		return;
	ident_release(&ra->def);
	for (int i = 0; i < ra->nallowed; i++)
		free(ra->allowed[i]);
	free(ra->allowed);
	free(ra);
}

static void run_as_unref_locked(proc_run_as *ra)
{
	if (ra && --ra->refs == 0)
		proc_run_as_free(ra);
}

void proc_run_as_install(proc_run_as *ra)
{
	pthread_mutex_lock(&run_as_mu);
	run_as_unref_locked(run_as_current);
	run_as_current = ra;
	if (ra)
		ra->refs++;
	pthread_mutex_unlock(&run_as_mu);
}

static proc_run_as *run_as_take(void)
{
	proc_run_as *ra;

	pthread_mutex_lock(&run_as_mu);
	if ((ra = run_as_current))
		ra->refs++;
	pthread_mutex_unlock(&run_as_mu);
	return ra;
}

static void run_as_drop(proc_run_as *ra)
{
	pthread_mutex_lock(&run_as_mu);
	run_as_unref_locked(ra);
	pthread_mutex_unlock(&run_as_mu);
}

int proc_run_as_is_root(const proc_run_as *ra)
{
	return ra && ra->def.uid == 0;
}

int proc_run_as_caps_unused(const proc_run_as *ra)
{
	return ra && ra->daemon_uid != 0 && !ra->def.change &&
	       (ra->daemon_caps & CAPS_SWITCH) == CAPS_SWITCH;
}

void proc_run_as_describe(const proc_run_as *ra, char *buf, size_t n)
{
	size_t len;

	if (!ra->def.change && ra->daemon_uid == 0)
		len = (size_t)snprintf(buf, n, "commands run as root (uid 0), the daemon's own user "
				       "(scheduler.allow_root_commands = true)");
	else if (proc_run_as_caps_unused(ra))
		len = (size_t)snprintf(buf, n, "commands run as the daemon's own user %s (uid %u): it "
				       "holds CAP_SETUID and CAP_SETGID but scheduler.run_as is unset, so "
				       "a command can read this daemon's configuration (db.password); set "
				       "scheduler.run_as (the package's user: zq-run)",
				       ra->daemon_user, (unsigned)ra->daemon_uid);
	else if (!ra->def.change)
		len = (size_t)snprintf(buf, n, "commands run as the daemon's own user %s (uid %u)",
				       ra->daemon_user, (unsigned)ra->daemon_uid);
	else {
		len = (size_t)snprintf(buf, n, "commands run as %s (uid %u, gid %u, groups", ra->def.spec,
				       (unsigned)ra->def.uid, (unsigned)ra->def.gid);
		for (int i = 0; i < ra->def.ngroups && len < n; i++)
			len += (size_t)snprintf(buf + len, n - len, "%s%u", i ? "," : " ",
						(unsigned)ra->def.groups[i]);
		if (len < n)
			len += (size_t)snprintf(buf + len, n - len, ")");
		if (ra->daemon_uid != 0 && len < n)
			len += (size_t)snprintf(buf + len, n - len, ", switched to by %s (uid %u) with "
						"CAP_SETUID, CAP_SETGID and CAP_KILL; commands keep no "
						"capability", ra->daemon_user, (unsigned)ra->daemon_uid);
	}
	if (!ra->nallowed && len < n)
		snprintf(buf + len, n - len, "; tasks may not choose another user");
	else if (len < n)
		len += (size_t)snprintf(buf + len, n - len, "; a task's run_as may also be: ");
	for (int i = 0; i < ra->nallowed && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", ra->allowed[i]);
}

/* Who a spawn runs as under ra: *out points at ra's default, or at tmp
 * (resolved now, for a task's own allowed run_as). */
static int run_as_pick(const proc_run_as *ra, const char *spec, struct ident *tmp,
		       const struct ident **out, zq_err *err)
{
	char want[256];
	const char *w;
	int i;

	*out = NULL;
	if (!spec || !*spec || !ra) {
		if (spec && *spec)
			return zq_errf(err, ZQ_EINVAL, "run_as %s: no run_as policy is installed", spec);
		*out = ra ? &ra->def : NULL;
		return 0;
	}
	zq_strlcpy(want, spec, sizeof(want));
	w = zq_trim(want);
	if (!*w || (ra->def.spec && strcmp(w, ra->def.spec) == 0)) {
		*out = &ra->def;
		return 0;
	}
	for (i = 0; i < ra->nallowed; i++)
		if (strcmp(w, ra->allowed[i]) == 0)
			break;
	if (i == ra->nallowed)
		return zq_errf(err, ZQ_EINVAL, "run_as %s is not in scheduler.run_as_allowed", w);
	/* resolved again: the user database may have changed since start-up */
	if (ident_resolve(tmp, w, err) < 0 || ident_allowed(ra, tmp, err) < 0) {
		ident_release(tmp);
		return zq_err_prefix(err, "run_as %s: ", w);
	}
	*out = tmp;
	return 0;
}

int proc_run_as_check(const char *spec, zq_err *err)
{
	proc_run_as *ra = run_as_take();
	const struct ident *id;
	struct ident tmp;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	rc = run_as_pick(ra, spec, &tmp, &id, err);
	ident_release(&tmp);
	run_as_drop(ra);
	return rc;
}

/* envp with HOME, USER and LOGNAME replaced by id's (pointers borrowed). */
static char **env_for(char *const envp[], const struct ident *id)
{
	size_t n = 0, j = 0;
	char **e;

	while (envp && envp[n])
		n++;
	e = zq_malloc((n + 4) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], "HOME=", 5) && strncmp(envp[i], "USER=", 5) &&
		    strncmp(envp[i], "LOGNAME=", 8))
			e[j++] = envp[i];
	for (int k = 0; k < 3; k++)
		e[j++] = id->env[k];
	e[j] = NULL;
	return e;
}

/* ---- the shim ------------------------------------------------------------------------ */

/* The shim is a fork of the daemon that never execs: everything it does is
 * async-signal-safe (raw syscalls, no allocation, no stdio, no locks).
 *
 * It talks to the daemon over a SOCK_SEQPACKET socket pair: the daemon
 * sends one byte per request (a signal number for the run's processes,
 * SHIM_DONE to end), the shim sends struct shim_msg (the leader's pid once
 * it runs, its wait status once it exits). Only the daemon holds the other
 * end: when it dies, however it dies, the shim reads EOF at once. */

#define SHIM_DONE 0xff
#define SHIM_FINISH_MS 5000      /* after KILL: how long the shim waits for the last ones */

enum { SHIM_STARTED = 1, SHIM_EXITED = 2 };

struct shim_msg {
	int32_t type;
	int32_t a, b;            /* STARTED: leader pid; EXITED: si_code, si_status */
};

/* What the shim needs, prepared by the daemon before fork (read-only). */
struct shim_args {
	const char *command, *work_dir;
	char *const *envp;
	const struct ident *id;
	int out_w, err_w, rep_w, sock;
	pid_t daemon;
	int grace_ms;
	const char *cg_procs, *cg_kill, *cg_dir;   /* NULL: no cgroup */
};

struct shim {
	const struct shim_args *a;
	pid_t leader;
	int exited, reaped;      /* the leader */
};

static int64_t shim_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

static void shim_write(const char *path, const char *text, size_t len)
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
		shim_write(s->a->cg_kill, "1", 1);
}

/* KILL everything, reap everything, remove the cgroup, exit. */
static void shim_finish(struct shim *s)
{
	int64_t until = shim_now_ms() + SHIM_FINISH_MS;
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
		if (shim_now_ms() >= until)
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
	int64_t until = shim_now_ms() + s->a->grace_ms;

	shim_signal(s, SIGTERM);
	while (shim_now_ms() < until) {
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

static void shim_fail(int rep_w, int stage, int errnum)
{
	struct child_err ce = {stage, errnum};

	if (write(rep_w, &ce, sizeof(ce)) < 0) {
	}
	_exit(127);
}

__attribute__((noreturn)) static void shim(const struct shim_args *in)
{
	struct shim_args a = *in;
	struct shim s = {&a, -1, 0, 0};
	struct pollfd fds[3];
	sigset_t all, stop;
	int keep[4], sfd, pidfd, null;
	pid_t self = getpid();

	/* its own process group: a signal to the daemon's group (a terminal's
	 * ^C, kill -TERM -PGID) does not end the run behind the daemon's back */
	setpgid(0, 0);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* parent death: TERM (read from the signalfd below, like EOF). It is
	 * for the thread that forked; the socket's EOF is for the process. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != a.daemon)
		_exit(0);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* nothing of the daemon's but our own: another worker's socket
	 * end kept here would hide that worker's EOF */
	if ((keep[0] = a.out_w = shim_fd(a.out_w)) < 0 || (keep[1] = a.err_w = shim_fd(a.err_w)) < 0 ||
	    (keep[2] = a.rep_w = shim_fd(a.rep_w)) < 0 || (keep[3] = a.sock = shim_fd(a.sock)) < 0)
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
		shim_fail(a.rep_w, STAGE_SHIM, errno);
	if ((s.leader = fork()) < 0)
		shim_fail(a.rep_w, STAGE_SHIM, errno);
	if (s.leader == 0)
		child(a.command, a.work_dir, a.envp, a.id, a.out_w, a.err_w, a.rep_w, self, a.cg_procs);
	setpgid(s.leader, s.leader);  /* also here, so the group exists before we signal it */
	close(a.out_w);
	close(a.err_w);
	close(a.rep_w);
	shim_send(&s, SHIM_STARTED, s.leader, 0);
	pidfd = (int)syscall(SYS_pidfd_open, s.leader, 0);
	for (;;) {
		int nfds = 2, timeout = -1;
		unsigned char b;
		ssize_t n;

		fds[0] = (struct pollfd){a.sock, POLLIN, 0};
		fds[1] = (struct pollfd){sfd, POLLIN, 0};
		if (!s.exited && pidfd >= 0)
			fds[nfds++] = (struct pollfd){pidfd, POLLIN, 0};
		else if (!s.exited)
			timeout = 50;  /* no pidfd (Linux < 5.3): look again soon */
		if (poll(fds, (nfds_t)nfds, timeout) < 0 && errno != EINTR)
			shim_gone(&s);
		shim_leader_check(&s);
		if (fds[1].revents & POLLIN)
			shim_gone(&s);
		if (fds[0].revents) {
			n = recv(a.sock, &b, 1, MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				shim_gone(&s);  /* the daemon is gone */
			else if (n == 1 && b == SHIM_DONE)
				shim_finish(&s);
			else if (n == 1 && b < NSIG)
				shim_signal(&s, b);
		}
	}
}

/* ---- supervision mode: the cgroup, if there is one to use ------------------------------ */

static struct {
	int on;
	char base[448];          /* the daemon's cgroup directory */
} cg;

static int read_text(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");
	size_t got;

	if (!f)
		return -1;
	got = fread(buf, 1, n - 1, f);
	buf[got] = '\0';
	fclose(f);
	return (int)got;
}

/* Where cgroup v2 is mounted (the first cgroup2 line of mountinfo). */
static int cgroup2_mount(char *out, size_t n)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		char mnt[1024], fstype[64];
		const char *sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %1023s", mnt) == 1) {
			zq_strlcpy(out, mnt, n);
			found = 1;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

int proc_supervise_init(char *why, size_t n)
{
	char mnt[1024], self[4096], probe[1200], file[1300];
	const char *path;
	struct stat sb;

	cg.on = 0;
	if (cgroup2_mount(mnt, sizeof(mnt)) < 0) {
		snprintf(why, n, "no cgroup2 file system is mounted");
		return 0;
	}
	if (read_text("/proc/self/cgroup", self, sizeof(self)) < 0 ||
	    !(path = strncmp(self, "0::", 3) == 0 ? self : strstr(self, "\n0::"))) {
		snprintf(why, n, "/proc/self/cgroup names no cgroup v2 path");
		return 0;
	}
	path += *path == '\n' ? 4 : 3;
	self[(size_t)(path - self) + strcspn(path, "\n")] = '\0';
	if (strcmp(path, "/") == 0)
		path = "";
	if (snprintf(cg.base, sizeof(cg.base), "%s%s", mnt, path) >= (int)sizeof(cg.base)) {
		snprintf(why, n, "cgroup path too long");
		return 0;
	}
	snprintf(probe, sizeof(probe), "%s/zq-probe-%d", cg.base, (int)getpid());
	if (mkdir(probe, 0755) < 0 && errno != EEXIST) {
		snprintf(why, n, "mkdir %s: %s", probe, strerror(errno));
		return 0;
	}
	snprintf(file, sizeof(file), "%s/cgroup.kill", probe);
	if (stat(file, &sb) < 0) {
		snprintf(why, n, "%s: %s (cgroup.kill needs Linux 5.14)", file, strerror(errno));
		rmdir(probe);
		return 0;
	}
	snprintf(file, sizeof(file), "%s/cgroup.procs", probe);
	if (access(file, W_OK) < 0) {
		snprintf(why, n, "%s: %s", file, strerror(errno));
		rmdir(probe);
		return 0;
	}
	rmdir(probe);
	cg.on = 1;
	snprintf(why, n, "%s/zq-run-<daemon pid>-<execution>", cg.base);
	return 1;
}

/* ---- spawn ------------------------------------------------------------------------------ */

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

static int spawn(proc *p, const char *command, const char *work_dir, char *const envp[],
		 const struct ident *id, const proc_opts *o, zq_err *err)
{
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, rep[2] = {-1, -1}, sv[2] = {-1, -1}, rc = 0;
	char **env = id && id->change ? env_for(envp, id) : NULL;
	char cg_procs[sizeof(p->cgroup) + 32], cg_kill[sizeof(p->cgroup) + 32];
	struct shim_args a;
	struct shim_msg m;
	ssize_t n;

	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = zq_errf(err, ZQ_EIO, "pipe: %s", strerror(errno));
		goto out;
	}
	memset(&a, 0, sizeof(a));
	if (o && o->exec_id > 0 && cg.on) {
		int len = snprintf(p->cgroup, sizeof(p->cgroup), "%s/zq-run-%d-%lld", cg.base,
				   (int)getpid(), (long long)o->exec_id);
		if (len > 0 && len < (int)sizeof(p->cgroup) &&
		    (mkdir(p->cgroup, 0755) == 0 || errno == EEXIST)) {
			snprintf(cg_procs, sizeof(cg_procs), "%s/cgroup.procs", p->cgroup);
			snprintf(cg_kill, sizeof(cg_kill), "%s/cgroup.kill", p->cgroup);
			a.cg_procs = cg_procs;
			a.cg_kill = cg_kill;
			a.cg_dir = p->cgroup;
		} else {
			p->cgroup[0] = '\0';  /* this run without: its group is still killed */
		}
	}
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
		shim(&a);
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
		goto out;
	p->out_fd = out[0];
	p->err_fd = errp[0];
	out[0] = errp[0] = -1;
	fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
out:
	free(env);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&rep[0]);
	close_fd(&rep[1]);
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
	proc_run_as *ra = run_as_take();
	const struct ident *id;
	struct ident tmp;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	proc_init(p);
	if ((rc = run_as_pick(ra, run_as, &tmp, &id, err)) == 0)
		rc = spawn(p, command, work_dir, envp, id, o, err);
	ident_release(&tmp);
	run_as_drop(ra);
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

/* ---- what a run leaves behind, seen from another daemon on the same host ---------------- */

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
	if (read_text("/proc/sys/kernel/random/boot_id", b, sizeof(b)) < 0)
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
		if (read_text(path, ev, sizeof(ev)) >= 0 && strstr(ev, "populated 1")) {
			alive++;
			snprintf(path, sizeof(path), "%s/cgroup.kill", t->cgroup);
			shim_write(path, "1", 1);
		} else {
			rmdir(t->cgroup);
		}
	}
	return alive;
}
