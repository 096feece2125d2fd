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
#include <linux/capability.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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
		  const struct ident *id, int out_w, int err_w, int report_w, pid_t parent)
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

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int parse_allowed(proc_run_as *ra, const char *list, zq_err *err)
{
	char *copy = zq_strdup(list), *save = NULL, *tok;
	struct ident id;
	int rc = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *e = trim(tok);
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
	if (default_ident(ra, trim(spec), err) < 0 ||
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
	w = trim(want);
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
	return zq_errf(err, ZQ_EIO, "cannot set up the child process: %s", strerror(ce.errnum));
}

static int spawn(proc *p, const char *command, const char *work_dir, char *const envp[],
		 const struct ident *id, zq_err *err)
{
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, rep[2] = {-1, -1}, rc = 0;
	pid_t parent = getpid();
	char **env = id && id->change ? env_for(envp, id) : NULL;

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
		child(command, work_dir, env ? env : envp, id, out[1], errp[1], rep[1], parent);
	setpgid(p->pid, p->pid);  /* also here, so the group exists before we signal it */
	close_fd(&out[1]);
	close_fd(&errp[1]);
	close_fd(&rep[1]);
	p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
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
	if (rc < 0)
		close_fd(&p->pidfd);
	return rc;
}

int proc_spawn_as(proc *p, const char *command, const char *work_dir, char *const envp[],
		  const char *run_as, zq_err *err)
{
	proc_run_as *ra = run_as_take();
	const struct ident *id;
	struct ident tmp;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->pidfd = p->out_fd = p->err_fd = -1;
	p->exit_code = -1;
	if ((rc = run_as_pick(ra, run_as, &tmp, &id, err)) == 0)
		rc = spawn(p, command, work_dir, envp, id, err);
	ident_release(&tmp);
	run_as_drop(ra);
	return rc;
}

int proc_spawn(proc *p, const char *command, const char *work_dir, char *const envp[],
	       zq_err *err)
{
	return proc_spawn_as(p, command, work_dir, envp, NULL, err);
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
