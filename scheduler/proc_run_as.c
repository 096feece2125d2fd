/* proc_run_as.c - the run_as policy (see proc.h): built from [scheduler]
 * run_as, run_as_allowed and allow_root_commands, described for the log,
 * installed, and asked who a spawn runs as. The installed policy is the one
 * piece of process-wide state besides the configuration it is built from:
 * it is immutable, replaced whole on SIGHUP, and reference-counted so a
 * worker spawning at that moment keeps the one it started with. */
#include "proc_impl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"

static pthread_mutex_t run_as_mu = PTHREAD_MUTEX_INITIALIZER;
static proc_run_as *run_as_current;

static int parse_allowed(proc_run_as *ra, const char *list, zq_err *err)
{
	char *copy = zq_strdup(list), *save = NULL, *tok;
	struct ident id;
	int rc = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *e = zq_trim(tok);
		if (!*e)
			continue;
		if ((rc = proc_ident_resolve(&id, e, err)) < 0 || (rc = proc_ident_allowed(ra, &id, err)) < 0) {
			proc_ident_release(&id);
			zq_err_prefix(err, "scheduler.run_as_allowed: '%s': ", e);
			rc = ZQ_ECONFIG;
			err->code = rc;
			break;
		}
		proc_ident_release(&id);
		ra->allowed = zq_grow(ra->allowed, &ra->allowed_cap, (size_t)ra->nallowed + 1,
				      sizeof(*ra->allowed));
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
	if (proc_ident_resolve(&ra->def, spec, err) < 0 || proc_ident_allowed(ra, &ra->def, err) < 0) {
		zq_err_prefix(err, "scheduler.run_as: ");
		err->code = ZQ_ECONFIG;
		return ZQ_ECONFIG;
	}
	return 0;
}

proc_run_as *proc_run_as_new(const zq_config *c, zq_err *err)
{
	proc_run_as *ra = zq_calloc(1, sizeof(*ra));
	char spec[sizeof(c->sched_run_as)];

	ra->daemon_uid = geteuid();
	proc_user_name(ra->daemon_uid, ra->daemon_user, sizeof(ra->daemon_user));
	ra->daemon_caps = proc_effective_caps();
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
	proc_ident_release(&ra->def);
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

proc_run_as *proc_ra_take(void)
{
	proc_run_as *ra;

	pthread_mutex_lock(&run_as_mu);
	if ((ra = run_as_current))
		ra->refs++;
	pthread_mutex_unlock(&run_as_mu);
	return ra;
}

void proc_ra_drop(proc_run_as *ra)
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

int proc_ra_pick(const proc_run_as *ra, const char *spec, struct ident *tmp,
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
	if (proc_ident_resolve(tmp, w, err) < 0 || proc_ident_allowed(ra, tmp, err) < 0) {
		proc_ident_release(tmp);
		return zq_err_prefix(err, "run_as %s: ", w);
	}
	*out = tmp;
	return 0;
}

int proc_run_as_check(const char *spec, zq_err *err)
{
	proc_run_as *ra = proc_ra_take();
	const struct ident *id;
	struct ident tmp;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	rc = proc_ra_pick(ra, spec, &tmp, &id, err);
	proc_ident_release(&tmp);
	proc_ra_drop(ra);
	return rc;
}
