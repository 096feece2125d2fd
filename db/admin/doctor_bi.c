/* doctor_bi.c - the doctor's checks for reporting (README "Reporting (BI)"):
 * the server's own time zone tables, which the bi_* views' local-time
 * columns need (CONVERT_TZ answers NULL without them), and replication: on
 * a replica its lag and threads (SHOW SLAVE STATUS), on a primary whether a
 * replica can follow it (the binary log); and whether the reporting role
 * zq_bi_<db> holds SELECT on every bi_* view (a migration adds views, `zq-db
 * bi-user grant` gives them to the role), when this account may read the
 * grant tables: else an ok line that says it was not checked, never a
 * guess. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bi_user_cmd.h"
#include "db.h"
#include "doctor_int.h"
#include "mem.h"

/* 2024-03-31 01:30 UTC is 03:30 in Berlin, half an hour after the clocks
 * went forward: a table without that transition answers otherwise. */
#define TZ_PROBE "SELECT DATE_FORMAT(CONVERT_TZ('2024-03-31 01:30:00', '+00:00', " \
		 "'Europe/Berlin'), '%Y-%m-%d %H:%i:%s')"
#define TZ_EXPECT "2024-03-31 03:30:00"
#define TZ_FIX "load them as root: mariadb-tzinfo-to-sql /usr/share/zoneinfo | mariadb -u root " \
	       "mysql (./zq up and the package do it once; a replica gets them from its primary)"

#define BI_FIX "as an account that may grant: zq-db bi-user grant --admin-user root (./zq up " \
	       "runs it after migrate; the package and a hand-run migrate do not)"

#define LAG_WARN_S 30
#define LAG_FAIL_S 600
#define REPL_FIX "on the replica: SHOW SLAVE STATUS\\G names the error; fix it, then START " \
		 "SLAVE (README \"Reporting (BI)\" -> \"The replica\")"

/* SHOW SLAVE STATUS columns (MariaDB 10.5 - 11.x order) */
enum {
	SS_MASTER_HOST = 1, SS_MASTER_PORT = 3, SS_IO_RUNNING = 10, SS_SQL_RUNNING = 11,
	SS_LAST_ERROR = 19, SS_SECONDS_BEHIND = 32, SS_LAST_IO_ERROR = 35, SS_LAST_SQL_ERROR = 37,
	SS_MIN_COLS = 38
};

/* Column 0 of the first row as text ("" for NULL); ZQ_ENOTFOUND for no row. */
static int one_str(zq_db *db, const char *sql, char *out, size_t n, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc;

	out[0] = '\0';
	if (!st)
		return err->code;
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		if (zq_stmt_fetch(st) > 0)
			zq_stmt_copy(st, 0, out, n);
		else
			rc = zq_errf(err, ZQ_ENOTFOUND, "no row");
	}
	zq_stmt_done(st);
	return rc;
}

void check_db_time_zones(struct doctor *d)
{
	zq_err err = ZQ_ERR_INIT;
	char got[64], count[32];
	int counted;

	if (one_str(d->db, TZ_PROBE, got, sizeof(got), &err) < 0) {
		say(d, ST_WARN, "check the connection", "cannot run CONVERT_TZ: %s", err.msg);
		return;
	}
	/* mysql.time_zone_name needs SELECT on mysql: the zq account may lack it */
	counted = one_str(d->db, "SELECT CONCAT(COUNT(*)) FROM mysql.time_zone_name", count,
			  sizeof(count), &err) == 0;
	if (!got[0])
		say(d, ST_WARN, TZ_FIX, "the server's time zone tables are empty%s%s: CONVERT_TZ "
		    "answers NULL, so the bi_* views' local-time columns are NULL",
		    counted ? " (mysql.time_zone_name has " : "", counted ? count : "");
	else if (strcmp(got, TZ_EXPECT) != 0)
		say(d, ST_WARN, TZ_FIX, "the server's time zone tables are out of date: 01:30 UTC on "
		    "2024-03-31 is %s in Europe/Berlin by them, not %s", got, TZ_EXPECT);
	else
		say(d, ST_OK, NULL, "the server's time zone tables are loaded (%s%s%s): "
		    "CONVERT_TZ('2024-03-31 01:30:00', '+00:00', 'Europe/Berlin') = %s",
		    counted ? count : "zones", counted ? " zones" : "",
		    counted ? "" : " not counted: no SELECT on mysql", got);
}

static const char *col(zq_stmt *st, int i)
{
	const char *s = zq_stmt_str(st, i);

	return s ? s : "";
}

/* The replica's row of SHOW SLAVE STATUS. */
static void replica_row(struct doctor *d, zq_stmt *st)
{
	int io = strcmp(col(st, SS_IO_RUNNING), "Yes") == 0;
	int sql = strcmp(col(st, SS_SQL_RUNNING), "Yes") == 0;
	int64_t lag = zq_stmt_isnull(st, SS_SECONDS_BEHIND) ? -1 : zq_stmt_i64(st, SS_SECONDS_BEHIND);
	const char *host = col(st, SS_MASTER_HOST);
	long long port = (long long)zq_stmt_i64(st, SS_MASTER_PORT);

	if (!io || !sql) {
		const char *e = !sql ? col(st, SS_LAST_SQL_ERROR) : col(st, SS_LAST_IO_ERROR);

		if (!*e)
			e = col(st, SS_LAST_ERROR);
		say(d, ST_FAIL, REPL_FIX, "replica of %s:%lld: IO thread %s, SQL thread %s%s%s%s: "
		    "reports read older and older data", host, port, col(st, SS_IO_RUNNING),
		    col(st, SS_SQL_RUNNING), *e ? " (" : "", e, *e ? ")" : "");
		return;
	}
	say(d, lag < 0 || lag > LAG_FAIL_S ? ST_FAIL : lag > LAG_WARN_S ? ST_WARN : ST_OK,
	    "a lag that grows: the replica's server is too small or a report holds it; "
	    "README \"Reporting (BI)\" -> \"The replica\"",
	    "replica of %s:%lld: IO and SQL threads running, lag %lld s behind the primary "
	    "(Seconds_Behind_Master)", host, port, (long long)lag);
}

/* Not a replica: can one follow this server? */
static void primary_state(struct doctor *d)
{
	zq_err err = ZQ_ERR_INIT;
	char log_bin[8], fmt[32], id[32];

	if (one_str(d->db, "SELECT CONCAT(@@GLOBAL.log_bin)", log_bin, sizeof(log_bin), &err) < 0 ||
	    one_str(d->db, "SELECT CONCAT(@@GLOBAL.binlog_format)", fmt, sizeof(fmt), &err) < 0 ||
	    one_str(d->db, "SELECT CONCAT(@@GLOBAL.server_id)", id, sizeof(id), &err) < 0) {
		say(d, ST_SKIP, NULL, "cannot read the binary log settings: %s", err.msg);
		return;
	}
	if (strcmp(log_bin, "1") != 0 && strcasecmp(log_bin, "ON") != 0)
		say(d, ST_OK, NULL, "not a replica; the binary log is off (log_bin %s), so no replica "
		    "can follow this server (./zq up --replica turns it on)", log_bin);
	else
		say(d, strcmp(fmt, "ROW") == 0 ? ST_OK : ST_WARN, "set binlog_format = ROW "
		    "(db/mariadb-primary.cnf.in)", "not a replica; binary log on (server_id %s, "
		    "binlog_format %s): replicas can follow this server", id, fmt);
}

/* SHOW SLAVE STATUS refused (the account lacks SLAVE MONITOR): a read-only
 * server is likely a replica whose state we cannot see; else a primary. */
static void replica_hidden(struct doctor *d, const zq_err *why)
{
	zq_err err = ZQ_ERR_INIT;
	char ro[8], fix[600];

	if (one_str(d->db, "SELECT CONCAT(@@GLOBAL.read_only)", ro, sizeof(ro), &err) < 0) {
		say(d, ST_SKIP, NULL, "cannot read the replication status: %s", why->msg);
		return;
	}
	if (strcmp(ro, "1") != 0 && strcasecmp(ro, "ON") != 0) {
		primary_state(d);
		return;
	}
	snprintf(fix, sizeof(fix), "as an administrator: GRANT SLAVE MONITOR ON *.* TO %s (./zq up "
		 "--replica does)", d->account[0] ? d->account : "the zq account");
	say(d, ST_WARN, fix, "a read-only server, likely a replica, whose lag this account may not "
	    "read (%s)", why->msg);
}

void check_replica(struct doctor *d)
{
	zq_err err = ZQ_ERR_INIT;
	zq_stmt *st = zq_db_prepare(d->db, "SHOW SLAVE STATUS", &err);
	int rc;

	if (!st || (rc = zq_stmt_exec(st, &err)) < 0) {
		zq_stmt_done(st);
		replica_hidden(d, &err);
		return;
	}
	if (zq_stmt_fetch(st) > 0 && zq_stmt_ncols(st) >= SS_MIN_COLS)
		replica_row(d, st);
	else
		rc = 1;
	zq_stmt_done(st);
	if (rc == 1)
		primary_state(d);
}

/* ---- the reporting role's grants ----------------------------------------------------- */

/* How many rows sql (one ? for the role) counts; an error when this account
 * may not read the table (the zq account usually may not read mysql.*). */
static int role_count(zq_db *db, const char *sql, const char *role, int64_t *n, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, role);
	if ((rc = zq_stmt_exec(st, err)) == 0 && zq_stmt_fetch(st) > 0)
		*n = zq_stmt_i64(st, 0);
	zq_stmt_done(st);
	return rc;
}

#define GRANTS_SQL "SELECT COUNT(*) FROM mysql.tables_priv WHERE User = ? AND Host = '' " \
		   "AND Db = DATABASE() AND FIND_IN_SET('Select', Table_priv) > 0"

/* What bi_role_views says, as the warning names it: the views the role
 * lacks (the first 8 by name, then how many more). */
struct lack {
	zq_buf names;
	int views, missing;
};

static void note_view(void *arg, const char *view, int granted)
{
	struct lack *l = arg;

	l->views++;
	if (granted)
		return;
	if (l->missing < 8)
		zq_buf_printf(&l->names, "%s%s", l->missing ? ", " : "", view);
	l->missing++;
}

/* Whether the role exists: it holds a grant, or has its creator or members
 * mapped. 1 yes, 0 no, -1 this account cannot tell. */
static int role_exists(struct doctor *d, const char *role, int64_t grants)
{
	zq_err err = ZQ_ERR_INIT;
	int64_t mapped = 0;

	if (grants)
		return 1;
	if (role_count(d->db, "SELECT COUNT(*) FROM mysql.roles_mapping WHERE Role = ?", role,
		       &mapped, &err) < 0)
		return -1;
	return mapped > 0;
}

void check_bi_grants(struct doctor *d)
{
	zq_err err = ZQ_ERR_INIT;
	char role[sizeof(d->cfg->db_name) + 8];
	struct lack l = { .names = ZQ_BUF_INIT(4096) };
	int64_t grants = 0;
	int exists;

	snprintf(role, sizeof(role), "zq_bi_%s", d->cfg->db_name);
	if (role_count(d->db, GRANTS_SQL, role, &grants, &err) < 0 ||
	    (exists = role_exists(d, role, grants)) < 0) {
		/* ok, not skip: nothing is wrong that this account can see */
		say(d, ST_OK, NULL, "not checked: this account may not read mysql.tables_priv and "
		    "mysql.roles_mapping, so it cannot tell whether the reporting role %s holds the "
		    "bi_* views (zq-db bi-user list --admin-user root shows it)", role);
	} else if (bi_role_views(d->db, d->cfg->db_name, role, note_view, &l, &err) < 0) {
		say(d, ST_SKIP, NULL, "cannot read the grants of %s: %s", role, err.msg);
	} else if (l.views == 0) {
		say(d, ST_SKIP, NULL, "no bi_* views in this database");
	} else if (!exists) {
		say(d, ST_OK, NULL, "no reporting role %s: no reporting accounts (zq-db bi-user "
		    "create makes one)", role);
	} else if (l.missing) {
		if (l.missing > 8)
			zq_buf_printf(&l.names, " and %d more", l.missing - 8);
		say(d, ST_WARN, BI_FIX, "the reporting role %s lacks SELECT on %d of the %d bi_* "
		    "views (%s): reporting accounts do not see them", role, l.missing, l.views,
		    l.names.data);
	} else {
		say(d, ST_OK, NULL, "the reporting role %s holds SELECT on all %d bi_* views", role,
		    l.views);
	}
	zq_buf_release(&l.names);
}
