/* doctor.c - `zq-db doctor`: one pass over what has to be right for zq to
 * work, each finding with what to do about it.
 *
 * The checks run in a fixed order from one table. Each names what it needs
 * (a connection, the zq tables) and is reported as skip without it, so a
 * dead server reads as one fail and a list of skips, never as ok. The
 * database is read with prepared statements only, and ages (heartbeats,
 * overdue work) are measured on the database clock, the one clock every
 * daemon shares (see node_store.c). */
#include "doctor.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "mem.h"
#include "migrate.h"
#include "timeutil.h"
#include "tz.h"

#define OVERDUE_S 60          /* pending work or a fire this late is reported */
#define STUCK_S 600           /* ... and with no live node it is a failure */
#define SKEW_WARN_MS 1000
#define SKEW_FAIL_MS 5000
#define CLOCK_SAMPLES 3       /* the sample with the shortest round trip counts */
#define NODES_SHOWN 20        /* node lines in one report */
#define ZONES_LISTED 8        /* zone names listed in the time zones line */
#define LOGIN_GID_MIN 1000    /* login.defs GID_MIN: groups of login users */
#define NOGROUP_GID 65534
#define DETAIL_MAX 2048

enum status { ST_OK, ST_WARN, ST_FAIL, ST_SKIP };
static const char *const status_name[] = {"ok", "warn", "fail", "skip"};

enum need { NEED_NONE, NEED_DB, NEED_TABLES };

struct doctor {
	const zq_config *cfg;
	FILE *out;
	cJSON *json;                 /* the report array; NULL for text */
	const char *check;           /* name of the check running */
	int failed;
	int file_pw;                 /* the config file itself sets db.password */
	zq_db *db;                   /* NULL unless connected */
	int schema;                  /* version in the database, -1 unknown */
	int alive;                   /* live scheduler nodes, -1 unknown */
	char account[400];           /* 'zq'@'localhost', for GRANT hints */
};

/* ---- report ------------------------------------------------------------- */

static void emit(struct doctor *d, const char *check, enum status s, const char *fix,
		 const char *detail)
{
	cJSON *o;

	if (s == ST_FAIL)
		d->failed++;
	if (s == ST_OK || s == ST_SKIP)
		fix = NULL;
	if (!d->json) {
		fprintf(d->out, "%-4s  %s: %s\n", status_name[s], check, detail);
		if (fix)
			fprintf(d->out, "      fix: %s\n", fix);
		fflush(d->out);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "check", check);
	cJSON_AddStringToObject(o, "status", status_name[s]);
	cJSON_AddStringToObject(o, "detail", detail);
	if (fix)
		cJSON_AddStringToObject(o, "fix", fix);
	else
		cJSON_AddNullToObject(o, "fix");
	cJSON_AddItemToArray(d->json, o);
}

static void say(struct doctor *d, enum status s, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void say(struct doctor *d, enum status s, const char *fix, const char *fmt, ...)
{
	char detail[DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	emit(d, d->check, s, fix, detail);
}

/* A check with several findings: the worst status wins, with its fix. */
struct finding {
	enum status s;
	zq_buf detail;
	char fix[DETAIL_MAX];
};

static void finding_init(struct finding *f)
{
	f->s = ST_OK;
	zq_buf_init(&f->detail, DETAIL_MAX);
	f->fix[0] = '\0';
}

static void found(struct finding *f, enum status s, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void found(struct finding *f, enum status s, const char *fix, const char *fmt, ...)
{
	va_list ap;

	if (f->detail.len)
		zq_buf_puts(&f->detail, "; ");
	va_start(ap, fmt);
	zq_buf_vprintf(&f->detail, fmt, ap); /* past the cap: the line is cut, fine */
	va_end(ap);
	if (s > f->s) {
		f->s = s;
		zq_strlcpy(f->fix, fix ? fix : "", sizeof(f->fix));
	}
}

static void say_finding(struct doctor *d, struct finding *f)
{
	emit(d, d->check, f->s, f->fix, f->detail.data);
	zq_buf_release(&f->detail);
}

/* "0.4 s", "12 min", "3.0 h", "5 days" */
static const char *human_ms(int64_t ms, char *buf, size_t n)
{
	if (ms < 0)
		ms = 0;
	if (ms < 120000)
		snprintf(buf, n, "%.1f s", (double)ms / 1000);
	else if (ms < 2 * 3600000LL)
		snprintf(buf, n, "%lld min", (long long)(ms / 60000));
	else if (ms < 48 * 3600000LL)
		snprintf(buf, n, "%.1f h", (double)ms / 3600000);
	else
		snprintf(buf, n, "%lld days", (long long)(ms / 86400000));
	return buf;
}

/* Column 0 of the first row of a parameterless query, as text. */
static int query_str(zq_db *db, const char *sql, char *out, size_t outsz, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc;

	if (!st)
		return err->code;
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		if (zq_stmt_fetch(st) > 0 && zq_stmt_str(st, 0))
			zq_strlcpy(out, zq_stmt_str(st, 0), outsz);
		else
			rc = zq_errf(err, ZQ_ENOTFOUND, "no row");
	}
	zq_stmt_done(st);
	return rc;
}

/* ---- configuration file --------------------------------------------------- */

/* Whether the file itself sets db.password. The loaded value may be the
 * environment's, so with ZQ_DB_PASSWORD set the file is read again without
 * it (zq-db is single-threaded; the variable is put back at once). */
static int file_has_password(const zq_config *cfg)
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

static void check_config(struct doctor *d)
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

static void check_permissions(struct doctor *d)
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

static void check_password(struct doctor *d)
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

/* ---- database ------------------------------------------------------------ */

/* "zq@localhost" -> "'zq'@'localhost'" */
static void quote_account(const char *user_at_host, char *out, size_t n)
{
	const char *at = strrchr(user_at_host, '@');

	if (at)
		snprintf(out, n, "'%.*s'@'%s'", (int)(at - user_at_host), user_at_host, at + 1);
	else
		snprintf(out, n, "'%s'", user_at_host);
}

/* Where zq connects: the socket when one is set and the host is empty or
 * localhost, else host:port (the rule of db.c's do_connect). */
static void conn_target(const zq_config *c, char *out, size_t n)
{
	int local = !c->db_host[0] || strcmp(c->db_host, "localhost") == 0;

	if (c->db_socket[0] && local)
		snprintf(out, n, "%s", c->db_socket);
	else
		snprintf(out, n, "%s:%d", c->db_host[0] ? c->db_host : "127.0.0.1", c->db_port);
}

static void check_connection(struct doctor *d)
{
	zq_err err = ZQ_ERR_INIT;
	char who[512] = "?", where[PATH_MAX + 16];

	d->db = zq_db_new(d->cfg);
	if (zq_db_connect(d->db, &err) < 0) {
		say(d, ST_FAIL,
		    err.code == ZQ_EAUTH
			    ? "check db.user, db.password (or ZQ_DB_PASSWORD) and db.name, and that "
			      "the account exists for this client host"
			    : "is the database server running? check db.host, db.port and db.socket",
		    "%s", err.msg);
		zq_db_free(d->db);
		d->db = NULL;
		return;
	}
	query_str(d->db, "SELECT CURRENT_USER()", who, sizeof(who), &err);
	quote_account(who, d->account, sizeof(d->account));
	conn_target(d->cfg, where, sizeof(where));
	say(d, ST_OK, NULL, "%s at %s, database '%s' as %s", zq_db_server_info(d->db), where,
	    d->cfg->db_name, d->account);
}

/* ---- grants ----------------------------------------------------------------- */

enum {
	P_SELECT = 1 << 0, P_INSERT = 1 << 1, P_UPDATE = 1 << 2, P_DELETE = 1 << 3,
	P_CREATE = 1 << 4, P_ALTER = 1 << 5, P_INDEX = 1 << 6, P_DROP = 1 << 7,
	P_CREATE_VIEW = 1 << 8, P_REFERENCES = 1 << 9, P_OTHER = 1 << 10,
	P_ALL = (1 << 11) - 1,
};
#define P_DML (P_SELECT | P_INSERT | P_UPDATE | P_DELETE)
/* what the migrations run: tables, indexes, the bi_* views */
#define P_DDL (P_CREATE | P_ALTER | P_INDEX | P_DROP | P_CREATE_VIEW)

static const struct priv {
	const char *name;
	unsigned bit;
} privs[] = {
	{"SELECT", P_SELECT}, {"INSERT", P_INSERT}, {"UPDATE", P_UPDATE},
	{"DELETE", P_DELETE}, {"CREATE", P_CREATE}, {"ALTER", P_ALTER},
	{"INDEX", P_INDEX},   {"DROP", P_DROP},     {"CREATE VIEW", P_CREATE_VIEW},
	{"REFERENCES", P_REFERENCES},
};
#define NPRIVS (sizeof(privs) / sizeof(privs[0]))

struct grants {
	unsigned schema;     /* on `db`.* (patterns included) */
	unsigned global;     /* on *.*, USAGE aside */
	zq_buf global_names; /* "ALL PRIVILEGES", "SUPER, PROCESS" */
	int roles;           /* roles granted: their privileges are not read */
};

static char *privs_list(unsigned bits, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NPRIVS && len < n; i++)
		if (bits & privs[i].bit)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "",
						privs[i].name);
	return buf;
}

/* MySQL database-level grant patterns: % and _ are wildcards, \ escapes. */
static int db_pattern_match(const char *p, const char *s)
{
	for (; *p; p++, s++) {
		if (*p == '%') {
			for (p++;; s++) {
				if (db_pattern_match(p, s))
					return 1;
				if (!*s)
					return 0;
			}
		}
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '_' && *s)
			continue;
		if (*p != *s)
			return 0;
	}
	return *s == '\0';
}

/* `name` at *s (backquotes doubled inside) -> out; *s moves past it. */
static int read_quoted(const char **s, char *out, size_t n)
{
	const char *p = *s + 1;
	size_t len = 0;

	for (;; p++) {
		if (!*p)
			return -1;
		if (*p == '`' && p[1] != '`')
			break;
		if (*p == '`')
			p++;
		if (len + 1 < n)
			out[len++] = *p;
	}
	out[len] = '\0';
	*s = p + 1;
	return 0;
}

/* "SELECT, INSERT (a, b), CREATE VIEW" up to end: the table-level bits.
 * Column privileges (with a column list) do not count. names (may be NULL)
 * collects the names of everything but USAGE. */
static unsigned parse_privs(const char *s, const char *end, zq_buf *names)
{
	unsigned bits = 0;

	while (s < end) {
		const char *e = s;
		int depth = 0, cols = 0;
		size_t n;

		while (e < end && (depth || *e != ',')) {
			depth += *e == '(' ? 1 : *e == ')' ? -1 : 0;
			cols |= *e == '(';
			e++;
		}
		while (s < e && *s == ' ')
			s++;
		n = (size_t)(e - s);
		while (n && s[n - 1] == ' ')
			n--;
		if (!cols && n && !(n == 5 && strncmp(s, "USAGE", 5) == 0)) {
			unsigned bit = P_OTHER;

			if ((n == 3 && strncmp(s, "ALL", 3) == 0) ||
			    (n == 14 && strncmp(s, "ALL PRIVILEGES", 14) == 0))
				bit = P_ALL;
			for (size_t i = 0; i < NPRIVS; i++)
				if (strlen(privs[i].name) == n && strncmp(s, privs[i].name, n) == 0)
					bit = privs[i].bit;
			bits |= bit;
			if (names)
				zq_buf_printf(names, "%s%.*s", names->len ? ", " : "", (int)n, s);
		}
		s = e + (e < end);
	}
	return bits;
}

/* One line of SHOW GRANTS: "GRANT <privs> ON <target> TO ...", or a role
 * grant "GRANT `role` TO ...". Other targets (tables, routines, PROXY)
 * do not give zq what it needs and are ignored. */
static void parse_grant(const char *line, const char *dbname, struct grants *g)
{
	const char *p = line + 6, *on, *t;
	char name[256];

	if (strncmp(line, "GRANT ", 6) != 0)
		return;
	if (*p == '`' || *p == '\'') {
		g->roles++;
		return;
	}
	if (!(on = strstr(p, " ON ")))
		return;
	t = on + 4;
	if (strncmp(t, "*.* ", 4) == 0) {
		g->global |= parse_privs(p, on, &g->global_names);
		return;
	}
	if (*t != '`' || read_quoted(&t, name, sizeof(name)) < 0 || strncmp(t, ".* ", 3) != 0)
		return;
	if (db_pattern_match(name, dbname))
		g->schema |= parse_privs(p, on, NULL);
}

static int read_grants(zq_db *db, const char *dbname, struct grants *g, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, "SHOW GRANTS FOR CURRENT_USER", err);
	int rc;

	if (!st)
		return err->code;
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while ((rc = zq_stmt_fetch(st)) > 0) {
		char *line = zq_strndup(zq_stmt_str(st, 0) ? zq_stmt_str(st, 0) : "",
					zq_stmt_len(st, 0));

		parse_grant(line, dbname, g);
		sodium_memzero(line, strlen(line)); /* may carry the password hash */
		free(line);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

static void check_grants(struct doctor *d)
{
	const char *db = d->cfg->db_name;
	unsigned need_ddl = P_DDL, have, missing;
	char list[256], fix[2048], all[256];
	zq_err err = ZQ_ERR_INIT;
	struct grants g = {0, 0, ZQ_BUF_INIT(256), 0};
	struct finding f;

	/* MySQL >= 8.0.22 checks REFERENCES when a foreign key is created */
	if (!strstr(zq_db_server_info(d->db), "MariaDB"))
		need_ddl |= P_REFERENCES;
	if (read_grants(d->db, db, &g, &err) < 0) {
		say(d, ST_WARN, "run SHOW GRANTS as this account to see what it may do",
		    "cannot read the account's grants: %s", err.msg);
		zq_buf_release(&g.global_names);
		return;
	}
	have = g.schema | g.global;
	privs_list(P_DML | need_ddl, all, sizeof(all));
	snprintf(fix, sizeof(fix), "as an administrator: GRANT %s ON `%s`.* TO %s", all, db,
		 d->account);
	finding_init(&f);
	if ((missing = P_DML & ~have))
		found(&f, ST_FAIL, fix, "missing %s on `%s`.*: zq cannot use its tables",
		      privs_list(missing, list, sizeof(list)), db);
	if ((missing = need_ddl & ~have))
		found(&f, ST_WARN, fix, "missing %s on `%s`.*: migrations will fail",
		      privs_list(missing, list, sizeof(list)), db);
	if (f.s != ST_OK && g.roles)
		found(&f, ST_OK, NULL, "(privileges from %d granted role%s not inspected)", g.roles,
		      g.roles == 1 ? "" : "s");
	if (f.s == ST_OK)
		found(&f, ST_OK, NULL, "%s on `%s`.*", g.schema == P_ALL ? "ALL PRIVILEGES" : all, db);
	if (g.global) {
		snprintf(fix, sizeof(fix), "least privilege: REVOKE ALL PRIVILEGES, GRANT OPTION FROM "
			 "%s, then GRANT %s ON `%s`.* TO %s", d->account, all, db, d->account);
		found(&f, ST_WARN, fix, "global privileges (%s ON *.*): far more than zq needs",
		      g.global_names.data);
	} else {
		found(&f, ST_OK, NULL, "no global privileges");
	}
	say_finding(d, &f);
	zq_buf_release(&g.global_names);
}

/* ---- schema and server ------------------------------------------------------ */

static void check_schema(struct doctor *d)
{
	zq_err err = ZQ_ERR_INIT;
	int v = 0, want = zq_schema_expected();
	char migrate[PATH_MAX + 64];

	snprintf(migrate, sizeof(migrate), "run `zq-db --config %s migrate`",
		 d->cfg->path[0] ? d->cfg->path : "FILE");
	if (zq_schema_version(d->db, &v, &err) < 0) {
		say(d, ST_FAIL, "check the account's grants (see above)",
		    "cannot read the schema version: %s", err.msg);
		return;
	}
	d->schema = v;
	if (v == want)
		say(d, ST_OK, NULL, "version %d, as this zq-db expects", v);
	else if (v == 0)
		say(d, ST_FAIL, migrate, "no zq tables in database '%s'",
		    d->cfg->db_name);
	else if (v < want)
		say(d, ST_FAIL, migrate, "version %d, this zq-db expects %d: zq-api and zq-scheduler refuse to start", v,
		    want);
	else
		say(d, ST_FAIL, "this zq-db is older than the schema: upgrade the binaries",
		    "version %d is newer than this zq-db (%d)", v, want);
}

static void check_skip_locked(struct doctor *d)
{
	zq_err err = ZQ_ERR_INIT;

	if (zq_check_server(d->db, &err) < 0)
		say(d, ST_FAIL, "upgrade the server to MariaDB >= 10.6 or MySQL >= 8.0", "%s", err.msg);
	else
		say(d, ST_OK, NULL, "supported by %s", zq_db_server_info(d->db));
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
static void check_time_zones(struct doctor *d)
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
	found(&f, ST_OK, NULL, "zq reads %s itself (the server's time zone tables are not needed); "
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

/* ---- clock --------------------------------------------------------------------- */

/* One sample: host wall clock before and after SELECT UTC_TIMESTAMP(6). */
static int clock_sample(zq_db *db, int64_t *skew_ms, int64_t *rtt_us, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, "SELECT UTC_TIMESTAMP(6)", err);
	int64_t t0, t1, m0, dbt = ZQ_TIME_NONE;
	int rc;

	if (!st)
		return err->code;
	m0 = zq_mono_us();
	t0 = zq_wall_ms();
	rc = zq_stmt_exec(st, err);
	t1 = zq_wall_ms();
	*rtt_us = zq_mono_us() - m0;
	if (rc == 0 && zq_stmt_fetch(st) > 0)
		dbt = zq_stmt_time(st, 0);
	zq_stmt_done(st);
	if (rc < 0)
		return rc;
	if (dbt == ZQ_TIME_NONE)
		return zq_errf(err, ZQ_EDB, "UTC_TIMESTAMP() returned no time");
	*skew_ms = dbt - (t0 + t1) / 2;
	return 0;
}

static void check_clock(struct doctor *d)
{
	static const char fix[] = "run chrony or systemd-timesyncd on this host and on the database "
				  "server";
	int64_t skew = 0, rtt = INT64_MAX, s = 0, r = 0, mag;
	zq_err err = ZQ_ERR_INIT;

	for (int i = 0; i < CLOCK_SAMPLES; i++) {
		if (clock_sample(d->db, &s, &r, &err) < 0) {
			say(d, ST_FAIL, "check the connection", "cannot read the database clock: %s",
			    err.msg);
			return;
		}
		if (r < rtt)
			rtt = r, skew = s;
	}
	mag = skew < 0 ? -skew : skew;
	say(d, mag < SKEW_WARN_MS ? ST_OK : mag < SKEW_FAIL_MS ? ST_WARN : ST_FAIL, fix,
	    "the database clock is %.3f s %s this host's (round trip %.1f ms)%s",
	    (double)mag / 1000, skew < 0 ? "behind" : "ahead of", (double)rtt / 1000,
	    mag < SKEW_WARN_MS ? "" : ": daemons here fire and claim work off by that much");
}

/* ---- scheduler nodes ------------------------------------------------------------ */

struct node_row {
	char name[256], host[256], version[40], state[20];
	int64_t pid, age_ms;
};

static void copy_col(zq_stmt *st, int col, char *out, size_t n)
{
	zq_strlcpy(out, zq_stmt_str(st, col) ? zq_stmt_str(st, col) : "", n);
}

/* The nodes that matter now: running or stopping (alive or not), and those
 * a peer marked lost in the last day. Newest heartbeat first. */
static int read_nodes(zq_db *db, struct node_row *rows, int max, int *n, zq_err *err)
{
	/* ix_nodes_heartbeat (state, heartbeat_at) */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT name, host, pid, version, state, "
		"TIMESTAMPDIFF(MICROSECOND, heartbeat_at, UTC_TIMESTAMP(6)) DIV 1000 "
		"FROM scheduler_nodes WHERE state IN ('running', 'stopping') "
		"OR (state = 'lost' AND heartbeat_at > UTC_TIMESTAMP(3) - INTERVAL 1 DAY) "
		"ORDER BY heartbeat_at DESC LIMIT ?", err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, max);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*n < max && (rc = zq_stmt_fetch(st)) > 0) {
		struct node_row *r = &rows[(*n)++];

		copy_col(st, 0, r->name, sizeof(r->name));
		copy_col(st, 1, r->host, sizeof(r->host));
		r->pid = zq_stmt_i64(st, 2);
		copy_col(st, 3, r->version, sizeof(r->version));
		copy_col(st, 4, r->state, sizeof(r->state));
		r->age_ms = zq_stmt_i64(st, 5);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

static int node_alive(const struct node_row *r, int lease_s)
{
	return strcmp(r->state, "lost") != 0 && r->age_ms <= (int64_t)lease_s * 1000;
}

static void say_node(struct doctor *d, const struct node_row *r, int lease_s)
{
	char label[300], age[32], fix[700], detail[DETAIL_MAX];
	enum status s = ST_OK;

	snprintf(label, sizeof(label), "node %s", r->name);
	human_ms(r->age_ms, age, sizeof(age));
	if (strcmp(r->state, "lost") == 0) {
		s = ST_WARN;
		snprintf(detail, sizeof(detail), "marked lost by a peer, last heartbeat %s ago "
			 "(host %s, pid %lld)", age, r->host, (long long)r->pid);
		snprintf(fix, sizeof(fix), "see why zq-scheduler on %s stopped beating (its log); "
			 "a restarted scheduler registers as a new node", r->host);
	} else if (!node_alive(r, lease_s)) {
		s = ST_WARN;
		snprintf(detail, sizeof(detail), "lost: last heartbeat %s ago, longer than the lease "
			 "(%d s) (host %s, pid %lld)", age, lease_s, r->host, (long long)r->pid);
		snprintf(fix, sizeof(fix), "is zq-scheduler on %s (pid %lld) still running? check its "
			 "log; a live peer reaps its executions", r->host, (long long)r->pid);
	} else if (strcmp(r->version, ZQ_VERSION) != 0) {
		s = ST_WARN;
		snprintf(detail, sizeof(detail), "alive (heartbeat %s ago), version %s but this zq-db "
			 "is %s (host %s, pid %lld)", age, r->version, ZQ_VERSION, r->host,
			 (long long)r->pid);
		snprintf(fix, sizeof(fix), "run one zq version everywhere: upgrade zq on %s", r->host);
	} else {
		snprintf(detail, sizeof(detail), "%s (heartbeat %s ago), version %s (host %s, pid %lld)",
			 strcmp(r->state, "stopping") == 0 ? "alive, shutting down" : "alive", age,
			 r->version, r->host, (long long)r->pid);
	}
	emit(d, label, s, fix, detail);
}

static void check_nodes(struct doctor *d)
{
	static const char start[] = "start zq-scheduler (e.g. systemctl start zq-scheduler) and "
				    "check its log";
	int lease = d->cfg->sched_lease_s, n = 0, alive = 0;
	zq_err err = ZQ_ERR_INIT;
	struct node_row *rows = zq_calloc(NODES_SHOWN + 1, sizeof(*rows));
	int64_t total = 0;

	if (zq_db_query_i64(d->db, "SELECT COUNT(*) FROM scheduler_nodes", ZQ_NO_PARAM, &total,
			    &err) < 0 ||
	    read_nodes(d->db, rows, NODES_SHOWN + 1, &n, &err) < 0) {
		say(d, ST_FAIL, "check the account's grants", "cannot read scheduler_nodes: %s",
		    err.msg);
		goto out;
	}
	for (int i = 0; i < n; i++)
		alive += node_alive(&rows[i], lease);
	d->alive = alive;
	if (total == 0)
		say(d, ST_FAIL, start, "none registered: no zq-scheduler has ever run against this "
		    "database");
	else if (alive == 0)
		say(d, ST_FAIL, start, "no live zq-scheduler: nothing will fire (%lld registered, "
		    "lease %d s)", (long long)total, lease);
	else
		say(d, ST_OK, NULL, "%d alive (%lld registered, lease %d s)%s", alive,
		    (long long)total, lease, n > NODES_SHOWN ? "; the newest shown" : "");
	for (int i = 0; i < n && i < NODES_SHOWN; i++)
		say_node(d, &rows[i], lease);
out:
	free(rows);
}

/* ---- overdue work ---------------------------------------------------------------- */

static void check_pending(struct doctor *d)
{
	zq_err err = ZQ_ERR_INIT;
	/* ix_exec_claim (status, not_before) */
	zq_stmt *st = zq_db_prepare(d->db,
		"SELECT e.id, t.name, TIMESTAMPDIFF(MICROSECOND, e.not_before, UTC_TIMESTAMP(6)) "
		"DIV 1000, COUNT(*) OVER () FROM task_executions e JOIN scheduled_tasks t ON t.id = e.task_id "
		"WHERE e.status = 'pending' AND e.not_before < UTC_TIMESTAMP(3) - INTERVAL ? SECOND "
		"ORDER BY e.not_before LIMIT 1", &err);
	char age[32];
	int rc;

	if (!st) {
		say(d, ST_FAIL, "check the account's grants", "cannot read task_executions: %s",
		    err.msg);
		return;
	}
	zq_stmt_bind_i64(st, 0, OVERDUE_S);
	if ((rc = zq_stmt_exec(st, &err)) < 0)
		say(d, ST_FAIL, "check the account's grants", "cannot read task_executions: %s",
		    err.msg);
	else if ((rc = zq_stmt_fetch(st)) <= 0)
		say(d, ST_OK, NULL, "none waiting more than %d s past its start time", OVERDUE_S);
	else
		say(d, d->alive == 0 && zq_stmt_i64(st, 2) > STUCK_S * 1000 ? ST_FAIL : ST_WARN,
		    d->alive == 0 ? "start zq-scheduler: no live node claims pending work"
				  : "the schedulers are not keeping up: all worker threads busy "
				    "(scheduler.threads) or a node's clock behind; check their logs",
		    "%lld waiting more than %d s past their start time; the oldest, execution %lld "
		    "of task '%s', for %s", (long long)zq_stmt_i64(st, 3), OVERDUE_S, (long long)zq_stmt_i64(st, 0),
		    zq_stmt_str(st, 1) ? zq_stmt_str(st, 1) : "?",
		    human_ms(zq_stmt_i64(st, 2), age, sizeof(age)));
	zq_stmt_done(st);
}

static void check_overdue(struct doctor *d)
{
	zq_err err = ZQ_ERR_INIT;
	/* ix_tasks_next_run (next_run_at); the grace is per task */
	zq_stmt *st = zq_db_prepare(d->db,
		"SELECT name, TIMESTAMPDIFF(MICROSECOND, next_run_at, UTC_TIMESTAMP(6)) DIV 1000, "
		"COUNT(*) OVER () FROM scheduled_tasks "
		"WHERE next_run_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND AND enabled = 1 "
		"AND paused = 0 AND next_run_at < UTC_TIMESTAMP(3) - "
		"INTERVAL (misfire_grace_seconds + ?) SECOND ORDER BY next_run_at LIMIT 1", &err);
	char age[32];

	if (!st) {
		say(d, ST_FAIL, "check the account's grants", "cannot read scheduled_tasks: %s",
		    err.msg);
		return;
	}
	zq_stmt_bind_i64(st, 0, OVERDUE_S);
	zq_stmt_bind_i64(st, 1, OVERDUE_S);
	if (zq_stmt_exec(st, &err) < 0)
		say(d, ST_FAIL, "check the account's grants", "cannot read scheduled_tasks: %s",
		    err.msg);
	else if (zq_stmt_fetch(st) <= 0)
		say(d, ST_OK, NULL, "no enabled task is past its next run by more than its misfire "
		    "grace + %d s", OVERDUE_S);
	else
		say(d, ST_WARN,
		    d->alive == 0 ? "start zq-scheduler: nothing fires while none is alive"
				  : "the scheduler is not firing: check the zq-scheduler logs",
		    "%lld enabled task(s) past their next run by more than misfire grace + %d s; the "
		    "oldest, '%s', by %s", (long long)zq_stmt_i64(st, 2), OVERDUE_S,
		    zq_stmt_str(st, 0) ? zq_stmt_str(st, 0) : "?",
		    human_ms(zq_stmt_i64(st, 1), age, sizeof(age)));
	zq_stmt_done(st);
}

/* ---- the table ------------------------------------------------------------------ */

static const struct check {
	const char *name;
	enum need need;
	void (*run)(struct doctor *d);
} checks[] = {
	{"config", NEED_NONE, check_config},
	{"config permissions", NEED_NONE, check_permissions},
	{"db password", NEED_NONE, check_password},
	{"connection", NEED_NONE, check_connection},
	{"grants", NEED_DB, check_grants},
	{"schema", NEED_DB, check_schema},
	{"skip locked", NEED_DB, check_skip_locked},
	{"time zones", NEED_NONE, check_time_zones},
	{"clock", NEED_DB, check_clock},
	{"scheduler nodes", NEED_TABLES, check_nodes},
	{"pending executions", NEED_TABLES, check_pending},
	{"overdue tasks", NEED_TABLES, check_overdue},
};

static void run_check(struct doctor *d, const struct check *k)
{
	d->check = k->name;
	if (k->need >= NEED_DB && !d->db)
		say(d, ST_SKIP, NULL, "needs the database connection");
	else if (k->need == NEED_TABLES && d->schema <= 0)
		say(d, ST_SKIP, NULL, "needs the zq tables (schema %s)",
		    d->schema == 0 ? "not migrated" : "version unknown");
	else
		k->run(d);
}

int doctor_run(const zq_config *cfg, unsigned flags, FILE *out, int *failed)
{
	struct doctor d;
	char *text;

	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	d.out = out;
	d.schema = d.alive = -1;
	d.file_pw = file_has_password(cfg);
	if (flags & DOCTOR_JSON)
		d.json = cJSON_CreateArray();
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		run_check(&d, &checks[i]);
	if (d.json) {
		if (!(text = cJSON_Print(d.json))) {
			fprintf(stderr, "doctor: out of memory rendering the report\n");
			abort();
		}
		fprintf(out, "%s\n", text);
		free(text);
		cJSON_Delete(d.json);
	}
	zq_db_free(d.db);
	zq_tz_cache_free();
	*failed = d.failed;
	return fflush(out) == 0 && !ferror(out) ? 0 : ZQ_EIO;
}
