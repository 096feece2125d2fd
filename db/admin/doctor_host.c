/* doctor_host.c - the doctor's checks of this host and its configuration:
 * the config file (where from, its mode and owner, whether it holds the
 * password), where the database password comes from, and the time zones
 * zq needs (the zoneinfo files it reads itself, and the zones of the
 * tasks in the database when there is one). */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "doctor_int.h"
#include "mem.h"
#include "tz.h"

#define ZONES_LISTED 8        /* zone names listed in the time zones line */
#define LOGIN_GID_MIN 1000    /* login.defs GID_MIN: groups of login users */
#define NOGROUP_GID 65534

/* ---- configuration file --------------------------------------------------- */

/* Whether the file itself sets db.password. The loaded value may be the
 * environment's, so with ZQ_DB_PASSWORD set the file is read again without
 * it (zq-db is single-threaded; the variable is put back at once). */
int file_has_password(const zq_config *cfg)
{
	const char *env = getenv("ZQ_DB_PASSWORD");
	zq_err err = ZQ_ERR_INIT;
	zq_config *tmp;
	char *saved;
	int has;

	if (!cfg->path[0])
		return 0;
	if (!env)
		return cfg->db_password[0] != '\0';
	saved = zq_strdup(env);
	tmp = zq_malloc(sizeof(*tmp));
	unsetenv("ZQ_DB_PASSWORD");
	has = zq_config_load(tmp, cfg->path, &err) == 0 && tmp->db_password[0];
	setenv("ZQ_DB_PASSWORD", saved, 1);
	sodium_memzero(tmp->db_password, sizeof(tmp->db_password));
	sodium_memzero(saved, strlen(saved));
	free(tmp);
	free(saved);
	return has;
}

void check_config(struct doctor *d)
{
	if (!d->cfg->path[0])
		say(d, ST_OK, NULL, "none: defaults + environment (pass --config FILE or set ZQ_CONFIG)");
	else
		say(d, ST_OK, NULL, "loaded from %s", d->cfg->path);
}

/* Groups whose members are people: "users", "staff" and the groups of
 * login accounts (gid >= 1000). A service group such as "zq" is not one. */
static int is_login_group(gid_t gid, const char *name)
{
	if (strcmp(name, "users") == 0 || strcmp(name, "staff") == 0)
		return 1;
	return gid >= LOGIN_GID_MIN && gid != NOGROUP_GID;
}

/* "root", "zq" - or "uid 1234" / "gid 1234" when the id has no name */
static void owner_names(const struct stat *st, char *owner, char *group, size_t n)
{
	struct passwd *pw = getpwuid(st->st_uid);
	struct group *gr = getgrgid(st->st_gid);

	if (pw)
		zq_strlcpy(owner, pw->pw_name, n);
	else
		snprintf(owner, n, "uid %u", (unsigned)st->st_uid);
	if (gr)
		zq_strlcpy(group, gr->gr_name, n);
	else
		snprintf(group, n, "gid %u", (unsigned)st->st_gid);
}

void check_permissions(struct doctor *d)
{
	const char *path = d->cfg->path;
	char owner[64], group[64], fix[PATH_MAX + 160];
	struct finding f;
	struct stat st;
	unsigned mode;

	if (!path[0]) {
		say(d, ST_OK, NULL, "no file");
		return;
	}
	if (stat(path, &st) < 0) {
		say(d, ST_FAIL, "check the path given to --config / ZQ_CONFIG", "%s: %s", path,
		    strerror(errno));
		return;
	}
	mode = st.st_mode & 07777;
	owner_names(&st, owner, group, sizeof(owner));
	finding_init(&f);
	found(&f, ST_OK, NULL, "mode %04o, owner %s:%s", mode, owner, group);
	if (d->file_pw && (mode & 007)) {
		snprintf(fix, sizeof(fix), "chmod 0600 %s (0640 if a group only zq's daemons are in "
			 "must read it), or move the password to ZQ_DB_PASSWORD", path);
		found(&f, ST_FAIL, fix, "holds db.password and every user on this host can read it");
	} else if (mode & 002) {
		snprintf(fix, sizeof(fix), "chmod o-w %s", path);
		found(&f, ST_FAIL, fix, "writable by every user: anyone can point zq at another "
		      "database");
	} else if (d->file_pw && (mode & 070)) {
		if (is_login_group(st.st_gid, group)) {
			snprintf(fix, sizeof(fix), "chgrp a group only zq's daemons are in (e.g. zq) "
				 "or chmod 0600 %s", path);
			found(&f, ST_WARN, fix, "holds db.password and group '%s' is a login group: "
			      "its members can read it", group);
		} else {
			found(&f, ST_OK, NULL, "group '%s' may read the password", group);
		}
	} else if (!d->file_pw) {
		found(&f, ST_OK, NULL, "holds no db.password");
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(fix, sizeof(fix), "chown root %s", path);
		found(&f, ST_WARN, fix, "owned by %s, neither root nor the user running zq-db: "
		      "that account can rewrite zq's configuration", owner);
	}
	say_finding(d, &f);
}

void check_password(struct doctor *d)
{
	const char *env = getenv("ZQ_DB_PASSWORD");

	if (env && d->file_pw)
		say(d, ST_OK, NULL, "from environment ZQ_DB_PASSWORD (it overrides db.password in %s)",
		    d->cfg->path);
	else if (env)
		say(d, ST_OK, NULL, "from environment ZQ_DB_PASSWORD%s", *env ? "" : " (set, empty)");
	else if (d->file_pw)
		say(d, ST_OK, NULL, "from the config file (db.password)");
	else
		say(d, ST_OK, NULL, "none set (an account without password, or socket authentication)");
}

/* ---- time zones -------------------------------------------------------------- */

/* The zones to check and what became of them. */
struct zones {
	zq_buf names;        /* the ones that load, "UTC, Europe/Berlin" */
	int listed;
	struct finding bad;  /* the ones that do not */
	const char *fix;
};

static void zone_try(struct zones *z, const char *zone, int64_t ntasks)
{
	zq_err err = ZQ_ERR_INIT;

	if (zq_tz_get(zone, &err)) {
		if (z->listed++ < ZONES_LISTED)
			zq_buf_printf(&z->names, "%s%s", z->names.len ? ", " : "", zone);
		else if (z->listed == ZONES_LISTED + 1)
			zq_buf_puts(&z->names, ", ...");
		return;
	}
	if (ntasks < 0)
		found(&z->bad, ST_FAIL, "set `timezone` to an IANA zone name, e.g. Europe/Berlin",
		      "timezone = '%s' (the default for new tasks) does not load: %s", zone, err.msg);
	else
		found(&z->bad, ST_FAIL, z->fix, "%lld task%s use%s '%s', which does not load: %s",
		      (long long)ntasks, ntasks == 1 ? "" : "s", ntasks == 1 ? "s" : "", zone,
		      err.msg);
}

static int task_zones(struct doctor *d, struct zones *z, zq_err *err)
{
	/* a scan of scheduled_tasks: one row per zone in use */
	zq_stmt *st = zq_db_prepare(d->db,
		"SELECT timezone, COUNT(*) FROM scheduled_tasks GROUP BY timezone", err);
	int rc;

	if (!st)
		return err->code;
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while ((rc = zq_stmt_fetch(st)) > 0) {
		const char *zone = zq_stmt_str(st, 0);

		if (zone && strcmp(zone, d->cfg->timezone) != 0)
			zone_try(z, zone, zq_stmt_i64(st, 1));
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

/* zq does its own zone math from TZif files (tz.h), so the server's
 * mysql.time_zone_* tables do not matter; the files do. */
void check_time_zones(struct doctor *d)
{
	const char *root = getenv("ZQ_ZONEINFO");
	int tasks = d->db && d->schema > 0;
	zq_err err = ZQ_ERR_INIT;
	char fix[PATH_MAX + 200];
	struct zones z;
	struct finding f;
	struct stat st;

	root = root && *root ? root : "/usr/share/zoneinfo";
	snprintf(fix, sizeof(fix), "install tzdata (apt-get install tzdata) or point ZQ_ZONEINFO at "
		 "a zoneinfo tree that has the zone (now %s); or change the tasks' timezone", root);
	zq_buf_init(&z.names, DETAIL_MAX);
	z.listed = 0;
	z.fix = fix;
	finding_init(&z.bad);
	finding_init(&f);
	zone_try(&z, d->cfg->timezone, -1);
	if (tasks && task_zones(d, &z, &err) < 0)
		found(&f, ST_WARN, "check the account's grants", "cannot read the tasks' zones: %s",
		      err.msg);
	found(&f, ST_OK, NULL, "zq reads %s itself (scheduling needs no server time zone tables; "
	      "the bi_* views' local times do: see \"db time zones\"); "
	      "zones in use that load: %s%s", root, z.names.len ? z.names.data : "none",
	      tasks ? "" : " (the tasks' zones not read: no database)");
	if (z.bad.s != ST_OK)
		found(&f, z.bad.s, z.bad.fix, "%s", z.bad.detail.data);
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		found(&f, ST_WARN, "install tzdata (apt-get install tzdata) or set ZQ_ZONEINFO",
		      "%s is missing: only UTC works", root);
	zq_buf_release(&z.names);
	zq_buf_release(&z.bad.detail);
	say_finding(d, &f);
}
