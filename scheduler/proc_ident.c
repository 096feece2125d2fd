/* proc_ident.c - who a command runs as (see proc.h): "user[:group]"
 * resolved in the parent (getpwnam_r, getgrouplist & co. are not
 * async-signal-safe, so the child only makes the credential syscalls),
 * and whether this daemon can be that user (CAP_SETUID, CAP_SETGID,
 * CAP_KILL; root needs allow_root_commands). */
#include "proc_impl.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "env.h"
#include "mem.h"

#define RUN_AS_GROUPS_MAX 65536

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
	size_t n = 0, want = 4096;
	int rc;

	if (name && all_digits(name)) {
		uid = (uid_t)strtoul(name, NULL, 10);
		name = NULL;
	}
	for (;;) {
		*buf = zq_grow(*buf, &n, want, 1);
		if (name)
			rc = getpwnam_r(name, pw, *buf, n, &res);
		else
			rc = getpwuid_r(uid, pw, *buf, n, &res);
		if (rc != ERANGE || n >= (1 << 20))
			break;
		want = n * 4;
	}
	return res ? 0 : -1;
}

static int find_group(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char *buf = NULL;
	size_t n = 0, want = 4096;
	int rc;

	for (;;) {
		buf = zq_grow(buf, &n, want, 1);
		if (all_digits(name))
			rc = getgrgid_r((gid_t)strtoul(name, NULL, 10), &gr, buf, n, &res);
		else
			rc = getgrnam_r(name, &gr, buf, n, &res);
		if (rc != ERANGE || n >= (1 << 20))
			break;
		want = n * 4;
	}
	if (res)
		*gid = gr.gr_gid;
	free(buf);
	return res ? 0 : -1;
}

void proc_user_name(uid_t uid, char *out, size_t n)
{
	struct passwd pw;
	char *buf = NULL;

	if (find_user(NULL, uid, &pw, &buf) == 0)
		zq_strlcpy(out, pw.pw_name, n);
	else
		snprintf(out, n, "%u", (unsigned)uid);
	free(buf);
}

void proc_ident_release(struct ident *id)
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
	size_t cap = 0;
	int n = 32;

	for (;;) {
		int got;
		id->groups = zq_grow(id->groups, &cap, (size_t)n, sizeof(gid_t));
		got = n;
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
int proc_ident_resolve(struct ident *id, const char *spec, zq_err *err)
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
		proc_ident_release(id);
	return rc;
}

/* The calling thread's effective capabilities (capget; 0 if that fails).
 * Every thread of the daemon has the main thread's: nothing changes them. */
uint64_t proc_effective_caps(void)
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
int proc_ident_allowed(const proc_run_as *ra, struct ident *id, zq_err *err)
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


/* envp with HOME, USER and LOGNAME replaced by id's (pointers borrowed). */
char **proc_env_for(char *const envp[], const struct ident *id)
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
