/* doctor_db.c - the doctor's checks of the database: the connection (and
 * the account it runs as), the account's grants as SHOW GRANTS lists them,
 * the schema version against this zq-db's migrations, the server's
 * SKIP LOCKED support, and the skew between the database clock and this
 * host's. */
#include <limits.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "doctor_int.h"
#include "mem.h"
#include "migrate.h"
#include "timeutil.h"

#define SKEW_WARN_MS 1000
#define SKEW_FAIL_MS 5000
#define CLOCK_SAMPLES 3       /* the sample with the shortest round trip counts */

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

void check_connection(struct doctor *d)
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
		/* USAGE is none; SLAVE MONITOR (SHOW SLAVE STATUS, what ./zq up
		 * --replica grants for the replica check) reads and changes nothing */
		if (!cols && n && !(n == 5 && strncmp(s, "USAGE", 5) == 0) &&
		    !(n == 13 && strncmp(s, "SLAVE MONITOR", 13) == 0)) {
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

void check_grants(struct doctor *d)
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

void check_schema(struct doctor *d)
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

void check_skip_locked(struct doctor *d)
{
	zq_err err = ZQ_ERR_INIT;

	if (zq_check_server(d->db, &err) < 0)
		say(d, ST_FAIL, "upgrade the server to MariaDB >= 10.6 or MySQL >= 8.0", "%s", err.msg);
	else
		say(d, ST_OK, NULL, "supported by %s", zq_db_server_info(d->db));
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

void check_clock(struct doctor *d)
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
