/* bi_user_cmd.c - zq-db bi-user: the reporting accounts.
 *
 * A reporting user is a MariaDB account that holds one role, zq_bi_<db>, and
 * nothing else. The role holds SELECT on each bi_* view of the zq database
 * (and EXECUTE on each bi_* function), enumerated from information_schema when
 * the command runs: never a table, never users or api_tokens. `bi-user grant`
 * grants the role the views a later migration added (./zq up runs it after
 * migrate; the zq account itself holds no GRANT OPTION, so migrate cannot).
 * Each account gets MAX_USER_CONNECTIONS and MAX_STATEMENT_TIME, MariaDB's
 * own per-user limits, so a runaway report cannot starve the scheduler.
 *
 * The zq account may not create users: the commands connect as the account
 * --admin-user names (password from --admin-password-file or the environment
 * variable ZQ_DB_ADMIN_PASSWORD, none for unix_socket authentication), on the
 * configured server. User and host names cannot be bound as parameters in
 * CREATE USER, so they are validated strictly (letters, digits, _ and -; a
 * host pattern's characters) and only then quoted into the statement. The
 * password is random, printed once, never logged; CREATE USER carries only
 * its hash (PASSWORD(?) bound), so the binary log never holds it either. */
#include "bi_user_cmd.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "mem.h"
#include "secret.h"

#define NAME_MAX_LEN 32
#define HOST_MAX_LEN 255
#define DBNAME_MAX_LEN 64
#define OBJS_MAX 256
#define PW_LEN 24
#define ENV_ADMIN_PW "ZQ_DB_ADMIN_PASSWORD"

struct opts {
	const char *sub, *name, *host, *admin_user, *admin_pw_file;
	int max_conn;
	double max_time;
};

struct obj {
	char name[65];
	int is_view;     /* else a function */
};

struct bi {
	zq_config acfg;  /* the admin connection's: cfg with the admin account */
	zq_db *db;
	const char *dbname;
	char role[80];
	FILE *out;
};

/* A statement into sql (n bytes), or ZQ_EINVAL when it would not fit: a
 * cut statement is never sent (it could grant something else). */
static int sql_fmt(char *sql, size_t n, zq_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int sql_fmt(char *sql, size_t n, zq_err *err, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(sql, n, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= n)
		return zq_errf(err, ZQ_EINVAL, "statement too long (%d bytes)", len);
	return 0;
}

static int usage(const char *msg)
{
	fprintf(stderr, "zq-db: bi-user: %s\n"
		"usage: zq-db bi-user create NAME [--host PATTERN] [--max-connections N]\n"
		"                     [--max-statement-time S]\n"
		"       zq-db bi-user drop NAME [--host PATTERN]\n"
		"       zq-db bi-user list\n"
		"       zq-db bi-user grant\n"
		"  each with [--admin-user USER [--admin-password-file FILE]] (or $%s)\n",
		msg, ENV_ADMIN_PW);
	return 2;
}

/* ---- names ------------------------------------------------------------------ */

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int check_name(const char *s, const zq_config *cfg, zq_err *err)
{
	size_t n = strlen(s);

	if (n < 1 || n > NAME_MAX_LEN)
		return zq_errf(err, ZQ_EINVAL, "NAME must be 1-%d characters", NAME_MAX_LEN);
	for (const char *p = s; *p; p++)
		if (!name_char(*p) && *p != '_' && *p != '-')
			return zq_errf(err, ZQ_EINVAL,
				       "NAME may hold letters, digits, _ and - only");
	if (strcmp(s, "root") == 0 || strcmp(s, cfg->db_user) == 0)
		return zq_errf(err, ZQ_EINVAL, "NAME '%s' is not a reporting user's name", s);
	return 0;
}

/* 10.0.0.0/255.255.255.0: both halves dotted digits. */
static int netmask_ok(const char *s, const char *slash)
{
	if (slash == s || !slash[1] || strchr(slash + 1, '/'))
		return 0;
	for (const char *p = s; *p; p++)
		if (p != slash && !(*p >= '0' && *p <= '9') && *p != '.')
			return 0;
	return 1;
}

/* A MariaDB host pattern: a name, an IPv4 or IPv6 address, % and _
 * wildcards, or address/netmask. */
static int check_host(const char *s, zq_err *err)
{
	size_t n = strlen(s);
	const char *slash = strchr(s, '/');

	if (n < 1 || n > HOST_MAX_LEN)
		return zq_errf(err, ZQ_EINVAL, "--host must be 1-%d characters", HOST_MAX_LEN);
	for (const char *p = s; *p; p++)
		if (!name_char(*p) && !strchr(".-_%:/", *p))
			return zq_errf(err, ZQ_EINVAL, "--host '%s': a host pattern holds letters, "
				       "digits and . - _ %% : / only (e.g. %%, 10.0.0.%%, "
				       "10.0.0.0/255.255.255.0, bi.example.com)", s);
	if (*s == '-' || *s == '.')
		return zq_errf(err, ZQ_EINVAL, "--host '%s' cannot start with '%c'", s, *s);
	if (slash && !netmask_ok(s, slash))
		return zq_errf(err, ZQ_EINVAL, "--host '%s': a netmask pattern is "
			       "ADDRESS/MASK in dotted IPv4, e.g. 10.0.0.0/255.255.255.0", s);
	return 0;
}

static int check_dbname(const char *s, zq_err *err)
{
	size_t n = strlen(s);

	if (n < 1 || n > DBNAME_MAX_LEN)
		return zq_errf(err, ZQ_ECONFIG, "db.name must be 1-%d characters", DBNAME_MAX_LEN);
	for (const char *p = s; *p; p++)
		if (!name_char(*p) && *p != '_')
			return zq_errf(err, ZQ_ECONFIG, "db.name '%s': bi-user needs a database "
				       "name of letters, digits and _", s);
	return 0;
}

/* ---- options ---------------------------------------------------------------------- */

static int parse_num(const char *opt, const char *v, double lo, double hi, double *out)
{
	char *end;
	double d = strtod(v, &end);

	if (!*v || *end || !isfinite(d) || d < lo || d > hi) {
		fprintf(stderr, "zq-db: bi-user: %s must be a number %g-%g\n", opt, lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

static int parse_opt(struct opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	int create = strcmp(o->sub, "create") == 0, named = create || strcmp(o->sub, "drop") == 0;
	double d;

	if (!v)
		return usage("an option needs a value, or is unknown");
	(*i)++;
	if (strcmp(a, "--admin-user") == 0)
		o->admin_user = v;
	else if (strcmp(a, "--admin-password-file") == 0)
		o->admin_pw_file = v;
	else if (named && strcmp(a, "--host") == 0)
		o->host = v;
	else if (create && strcmp(a, "--max-connections") == 0) {
		if (parse_num(a, v, 1, 1000, &d) < 0 || d != floor(d))
			return usage("--max-connections must be a whole number 1-1000");
		o->max_conn = (int)d;
	} else if (create && strcmp(a, "--max-statement-time") == 0) {
		if (parse_num(a, v, 0.1, 86400, &d) < 0)
			return 2;
		o->max_time = d;
	} else {
		return usage("unknown option for this command");
	}
	return 0;
}

static int parse(int argc, char **argv, const zq_config *cfg, struct opts *o)
{
	zq_err err = ZQ_ERR_INIT;
	int i = 2, rc;

	memset(o, 0, sizeof(*o));
	o->host = "%";
	o->max_conn = 5;
	o->max_time = 30;
	if (argc < 2)
		return usage("expected create, drop, list or grant");
	o->sub = argv[1];
	if (strcmp(o->sub, "create") == 0 || strcmp(o->sub, "drop") == 0) {
		if (argc < 3 || strncmp(argv[2], "--", 2) == 0)
			return usage("expected NAME");
		o->name = argv[i++];
		if (check_name(o->name, cfg, &err) < 0)
			return usage(err.msg);
	} else if (strcmp(o->sub, "list") != 0 && strcmp(o->sub, "grant") != 0) {
		return usage("expected create, drop, list or grant");
	}
	for (; i < argc; i++)
		if ((rc = parse_opt(o, argc, argv, &i)) != 0)
			return rc;
	if (check_host(o->host, &err) < 0)
		return usage(err.msg);
	if (o->admin_pw_file && !o->admin_user)
		return usage("--admin-password-file goes with --admin-user");
	return 0;
}

/* ---- the connection --------------------------------------------------------------- */

static int read_first_line(const char *path, char *out, size_t n, zq_err *err)
{
	FILE *f = fopen(path, "r");
	size_t len;

	if (!f)
		return zq_errf(err, ZQ_ECONFIG, "--admin-password-file %s: cannot open", path);
	if (!fgets(out, (int)n, f))
		out[0] = '\0';
	fclose(f);
	len = strlen(out);
	while (len && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		out[--len] = '\0';
	return 0;
}

static int open_admin(struct bi *b, const zq_config *cfg, const struct opts *o, zq_err *err)
{
	const char *env = getenv(ENV_ADMIN_PW);
	int rc;

	b->acfg = *cfg;
	b->dbname = b->acfg.db_name;
	if ((rc = check_dbname(b->dbname, err)) < 0)
		return rc;
	snprintf(b->role, sizeof(b->role), "zq_bi_%s", b->dbname);
	if (o->admin_user) {
		zq_strlcpy(b->acfg.db_user, o->admin_user, sizeof(b->acfg.db_user));
		b->acfg.db_password[0] = '\0';
		if (o->admin_pw_file) {
			rc = read_first_line(o->admin_pw_file, b->acfg.db_password,
					     sizeof(b->acfg.db_password), err);
			if (rc < 0)
				return rc;
		} else if (env) {
			zq_strlcpy(b->acfg.db_password, env, sizeof(b->acfg.db_password));
		}
	}
	b->db = zq_db_new(&b->acfg);
	return zq_db_connect_wait(b->db, b->acfg.db_startup_wait, err);
}

static int fail(struct bi *b, const char *what, const zq_err *err)
{
	unsigned e = b->db ? zq_db_errno(b->db) : 0;

	fprintf(stderr, "zq-db: bi-user %s: %s\n", what, err->msg);
	/* 1227 specific access, 1044 db, 1142 table, 1143 column, 1370 routine,
	 * 1410 "not allowed to create a user with GRANT" */
	if (e == 1227 || e == 1044 || e == 1142 || e == 1143 || e == 1370 || e == 1410)
		fprintf(stderr, "zq-db: the account '%s' may not manage MariaDB users and grants: "
			"connect as an admin, e.g. --admin-user root --admin-password-file FILE "
			"(./zq up keeps root's in var/mysql-root-password)\n", b->acfg.db_user);
	return err->code == ZQ_EAUTH || err->code == ZQ_ECONFIG ? 2 : 1;
}

/* ---- the role and its grants -------------------------------------------------------- */

/* The bi_* views and functions of the database, by name. */
static int list_objects(struct bi *b, struct obj *objs, int *n, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(b->db,
		"SELECT TABLE_NAME, 1 FROM information_schema.VIEWS "
		"WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE 'bi\\_%' "
		"UNION ALL SELECT ROUTINE_NAME, 0 FROM information_schema.ROUTINES "
		"WHERE ROUTINE_SCHEMA = ? AND ROUTINE_NAME LIKE 'bi\\_%' AND ROUTINE_TYPE = 'FUNCTION' "
		"ORDER BY 1", err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, b->dbname);
	zq_stmt_bind_str(st, 1, b->dbname);
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		while (*n < OBJS_MAX && zq_stmt_fetch(st) > 0) {
			zq_stmt_copy(st, 0, objs[*n].name, sizeof(objs[*n].name));
			objs[*n].is_view = (int)zq_stmt_i64(st, 1);
			(*n)++;
		}
	}
	zq_stmt_done(st);
	return rc;
}

static int ident_ok(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!name_char(*p) && *p != '_')
			return 0;
	return *s != '\0';
}

/* The role, and SELECT / EXECUTE on every bi_* object: idempotent. */
static int grant_role(struct bi *b, int *nviews, int *nfuncs, zq_err *err)
{
	struct obj objs[OBJS_MAX];
	char sql[512];
	int n = 0, rc;

	*nviews = *nfuncs = 0;
	if ((rc = list_objects(b, objs, &n, err)) < 0)
		return rc;
	if ((rc = sql_fmt(sql, sizeof(sql), err, "CREATE ROLE IF NOT EXISTS '%s'", b->role)) < 0 ||
	    (rc = zq_db_exec(b->db, sql, err)) < 0)
		return zq_err_prefix(err, "role %s: ", b->role);
	for (int i = 0; i < n; i++) {
		if (!ident_ok(objs[i].name)) {
			fprintf(stderr, "zq-db: bi-user: skipping '%s': not a plain name\n",
				objs[i].name);
			continue;
		}
		if ((rc = sql_fmt(sql, sizeof(sql), err, "GRANT %s ON %s`%s`.`%s` TO '%s'",
				  objs[i].is_view ? "SELECT" : "EXECUTE",
				  objs[i].is_view ? "" : "FUNCTION ", b->dbname, objs[i].name,
				  b->role)) < 0 ||
		    (rc = zq_db_exec(b->db, sql, err)) < 0)
			return zq_err_prefix(err, "grant on %s: ", objs[i].name);
		++*(objs[i].is_view ? nviews : nfuncs);
	}
	return 0;
}

/* Whether 'name'@'host' holds the role (as a member, not its admin). */
static int is_member(struct bi *b, const char *name, const char *host, int *yes, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(b->db,
		"SELECT COUNT(*) FROM mysql.roles_mapping "
		"WHERE User = ? AND Host = ? AND Role = ? AND Admin_option = 'N'", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, name);
	zq_stmt_bind_str(st, 1, host);
	zq_stmt_bind_str(st, 2, b->role);
	if ((rc = zq_stmt_exec(st, err)) == 0 && zq_stmt_fetch(st) > 0)
		*yes = zq_stmt_i64(st, 0) > 0;
	zq_stmt_done(st);
	return rc;
}

/* ---- the commands ------------------------------------------------------------------ */

/* prefix 'name'@'host': DROP USER, GRANT role TO, SET DEFAULT ROLE role FOR */
static int account_sql(struct bi *b, const char *prefix, const struct opts *o, zq_err *err)
{
	char sql[768];

	int rc = sql_fmt(sql, sizeof(sql), err, "%s '%s'@'%s'", prefix, o->name, o->host);

	return rc < 0 ? rc : zq_db_exec(b->db, sql, err);
}

/* The password's mysql_native_password hash, computed by the server from a
 * bound parameter: CREATE USER names only the hash, so the binary log (and a
 * replica's relay log) never holds the password. */
static int password_hash(struct bi *b, const char *pw, char *out, size_t n, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(b->db, "SELECT PASSWORD(?)", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, pw);
	if ((rc = zq_stmt_exec(st, err)) == 0 && zq_stmt_fetch(st) > 0)
		zq_stmt_copy(st, 0, out, n);
	zq_stmt_done(st);
	if (rc == 0 && (out[0] != '*' || strlen(out) != 41 || !ident_ok(out + 1)))
		rc = zq_errf(err, ZQ_EDB, "PASSWORD() gave no mysql_native_password hash");
	return rc;
}

static int create_account(struct bi *b, const struct opts *o, const char *pw, zq_err *err)
{
	char sql[768], hash[64] = "";
	int rc;

	if ((rc = password_hash(b, pw, hash, sizeof(hash), err)) < 0)
		return rc;
	/* every piece was validated: name and host by their character sets,
	 * the role from db.name, the hash '*' and 40 hex digits */
	if ((rc = sql_fmt(sql, sizeof(sql), err, "CREATE USER '%s'@'%s' IDENTIFIED BY PASSWORD "
			  "'%s' WITH MAX_USER_CONNECTIONS %d MAX_STATEMENT_TIME %.3f", o->name,
			  o->host, hash, o->max_conn, o->max_time)) < 0)
		return rc;
	if (zq_db_exec(b->db, sql, err) < 0) {
		if (zq_db_errno(b->db) == 1396) /* ER_CANNOT_USER: it exists */
			return zq_errf(err, ZQ_ECONFLICT, "a MariaDB account '%s'@'%s' exists "
				       "already (zq-db bi-user list)", o->name, o->host);
		return err->code;
	}
	if ((rc = sql_fmt(sql, sizeof(sql), err, "GRANT '%s' TO", b->role)) == 0 &&
	    (rc = account_sql(b, sql, o, err)) == 0 &&
	    (rc = sql_fmt(sql, sizeof(sql), err, "SET DEFAULT ROLE '%s' FOR", b->role)) == 0)
		rc = account_sql(b, sql, o, err);
	if (rc < 0) {   /* no half-made account */
		zq_err ignored = ZQ_ERR_INIT;
		account_sql(b, "DROP USER", o, &ignored);
	}
	return rc;
}

static int cmd_create(struct bi *b, const struct opts *o)
{
	zq_err err = ZQ_ERR_INIT;
	char pw[PW_LEN + 1];
	int nviews, nfuncs;

	if (grant_role(b, &nviews, &nfuncs, &err) < 0)
		return fail(b, "create", &err);
	if (nviews == 0) {
		zq_errf(&err, ZQ_ENOTFOUND, "no bi_* views in database %s: run zq-db migrate first",
			b->dbname);
		return fail(b, "create", &err);
	}
	zq_random_password(pw, sizeof(pw));
	if (create_account(b, o, pw, &err) < 0)
		return fail(b, "create", &err);
	fprintf(b->out, "created reporting user '%s'@'%s': SELECT on the %d bi_* view%s of "
		"database %s (role %s), at most %d connection%s, statements stopped after %g s\n",
		o->name, o->host, nviews, nviews == 1 ? "" : "s", b->dbname, b->role, o->max_conn,
		o->max_conn == 1 ? "" : "s", o->max_time);
	fprintf(b->out, "connect: host %s port %d user %s database %s\n",
		b->acfg.db_host[0] ? b->acfg.db_host : "127.0.0.1", b->acfg.db_port, o->name,
		b->dbname);
	fprintf(b->out, "password (shown once, store it now): %s\n", pw);
	memset(pw, 0, sizeof(pw));
	return 0;
}

static int cmd_drop(struct bi *b, const struct opts *o)
{
	zq_err err = ZQ_ERR_INIT;
	int member = 0;

	if (is_member(b, o->name, o->host, &member, &err) < 0)
		return fail(b, "drop", &err);
	if (!member) {
		fprintf(stderr, "zq-db: bi-user drop: '%s'@'%s' is not a reporting user of database "
			"%s (zq-db bi-user list): not dropped\n", o->name, o->host, b->dbname);
		return 1;
	}
	if (account_sql(b, "DROP USER", o, &err) < 0)
		return fail(b, "drop", &err);
	fprintf(b->out, "dropped reporting user '%s'@'%s'\n", o->name, o->host);
	return 0;
}

static int cmd_grant(struct bi *b)
{
	zq_err err = ZQ_ERR_INIT;
	int nviews, nfuncs;

	if (grant_role(b, &nviews, &nfuncs, &err) < 0)
		return fail(b, "grant", &err);
	fprintf(b->out, "role %s: SELECT on %d bi_* view%s, EXECUTE on %d bi_* function%s of "
		"database %s\n", b->role, nviews, nviews == 1 ? "" : "s", nfuncs,
		nfuncs == 1 ? "" : "s", b->dbname);
	return 0;
}

static int list_users(struct bi *b, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(b->db,
		"SELECT u.User, u.Host, u.max_user_connections, u.max_statement_time + 0e0 "
		"FROM mysql.roles_mapping m JOIN mysql.user u ON u.User = m.User AND u.Host = m.Host "
		"WHERE m.Role = ? AND m.Admin_option = 'N' ORDER BY u.User, u.Host", err);
	int rc, n = 0;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, b->role);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	fprintf(b->out, "%-32s %-24s %9s %11s\n", "USER", "HOST", "MAX_CONN", "MAX_STMT_S");
	for (; zq_stmt_fetch(st) > 0; n++)
		fprintf(b->out, "%-32s %-24s %9lld %11.3f\n", zq_stmt_str(st, 0), zq_stmt_str(st, 1),
			(long long)zq_stmt_i64(st, 2), zq_stmt_double(st, 3));
	fprintf(b->out, "%d reporting user%s\n", n, n == 1 ? "" : "s");
out:
	zq_stmt_done(st);
	return rc;
}

int bi_role_views(zq_db *db, const char *dbname, const char *role,
		  void (*fn)(void *arg, const char *view, int granted), void *arg, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"SELECT v.TABLE_NAME, EXISTS (SELECT 1 FROM mysql.tables_priv p WHERE p.User = ? "
		"AND p.Host = '' AND p.Db = v.TABLE_SCHEMA AND p.Table_name = v.TABLE_NAME "
		"AND FIND_IN_SET('Select', p.Table_priv) > 0) "
		"FROM information_schema.VIEWS v WHERE v.TABLE_SCHEMA = ? "
		"AND v.TABLE_NAME LIKE 'bi\\_%' ORDER BY 1", err);
	char view[65];
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, role);
	zq_stmt_bind_str(st, 1, dbname);
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		while (zq_stmt_fetch(st) > 0) {
			zq_stmt_copy(st, 0, view, sizeof(view));
			fn(arg, view, zq_stmt_i64(st, 1) > 0);
		}
	}
	zq_stmt_done(st);
	return rc;
}

struct list_count {
	FILE *out;
	int views, granted;
};

static void list_view(void *arg, const char *view, int granted)
{
	struct list_count *c = arg;

	c->views++;
	c->granted += granted;
	if (!granted)
		fprintf(c->out, "not granted yet: %s\n", view);
}

static int cmd_list(struct bi *b)
{
	zq_err err = ZQ_ERR_INIT;
	struct list_count c = { .out = b->out };

	if (list_users(b, &err) < 0 ||
	    bi_role_views(b->db, b->dbname, b->role, list_view, &c, &err) < 0)
		return fail(b, "list", &err);
	fprintf(b->out, "role %s: SELECT on %d of the %d bi_* view%s of database %s%s\n", b->role,
		c.granted, c.views, c.views == 1 ? "" : "s", b->dbname,
		c.granted < c.views ? " (zq-db bi-user grant adds the rest)" : "");
	return 0;
}

int bi_user_cmd(const zq_config *cfg, int argc, char **argv, FILE *out)
{
	zq_err err = ZQ_ERR_INIT;
	struct opts o;
	struct bi *b;
	int rc;

	if ((rc = parse(argc, argv, cfg, &o)) != 0)
		return rc;
	b = zq_calloc(1, sizeof(*b));
	b->out = out;
	if (open_admin(b, cfg, &o, &err) < 0)
		rc = fail(b, "connect", &err);
	else if (strcmp(o.sub, "create") == 0)
		rc = cmd_create(b, &o);
	else if (strcmp(o.sub, "drop") == 0)
		rc = cmd_drop(b, &o);
	else if (strcmp(o.sub, "grant") == 0)
		rc = cmd_grant(b);
	else
		rc = cmd_list(b);
	zq_db_free(b->db);
	memset(b->acfg.db_password, 0, sizeof(b->acfg.db_password));
	free(b);
	return rc;
}
