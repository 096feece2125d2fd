/* migrate.c - apply embedded migrations; version and capability checks. */
#include "migrate.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

int zq_schema_expected(void)
{
	return zq_migration_count ? zq_migrations[zq_migration_count - 1].version : 0;
}

static const char *create_versions_sql =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version INT NOT NULL PRIMARY KEY,"
	" name VARCHAR(128) NOT NULL,"
	" applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

int zq_schema_version(zq_db *db, int *version, zq_err *err)
{
	int64_t v = 0, n = 0;
	int rc;

	rc = zq_db_query_i64(db,
			     "SELECT COUNT(*) FROM information_schema.tables "
			     "WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'",
			     ZQ_NO_PARAM, &n, err);
	if (rc < 0)
		return rc;
	if (n == 0) {
		*version = 0;
		return 0;
	}
	rc = zq_db_query_i64(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
			     ZQ_NO_PARAM, &v, err);
	if (rc < 0)
		return rc;
	*version = (int)v;
	return 0;
}

static int lock_migrations(zq_db *db, zq_err *err)
{
	int64_t got = 0;
	int rc = zq_db_query_i64(db, "SELECT GET_LOCK(CONCAT(DATABASE(), '.zq_migrate'), 60)",
				 ZQ_NO_PARAM, &got, err);

	if (rc < 0)
		return rc;
	if (got != 1)
		return zq_errf(err, ZQ_EBUSY, "another migration is running (lock not obtained in 60 s)");
	return 0;
}

static void unlock_migrations(zq_db *db)
{
	int64_t ignored;

	zq_db_query_i64(db, "SELECT RELEASE_LOCK(CONCAT(DATABASE(), '.zq_migrate'))", ZQ_NO_PARAM,
			&ignored, NULL);
}

static int apply_one(zq_db *db, const zq_migration *m, zq_err *err)
{
	zq_stmt *st;
	int rc;

	zq_info("migrate: applying %s", m->name);
	if ((rc = zq_db_exec_multi(db, m->sql, err)) < 0)
		return zq_err_prefix(err, "migration %s: ", m->name);
	if (!(st = zq_db_prepare(db, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
				 err)))
		return err->code;
	zq_stmt_bind_i64(st, 0, m->version);
	zq_stmt_bind_str(st, 1, m->name);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

int zq_migrate(zq_db *db, int *applied, zq_err *err)
{
	int rc, version = 0;

	*applied = 0;
	if ((rc = zq_db_exec(db, create_versions_sql, err)) < 0)
		return rc;
	if ((rc = lock_migrations(db, err)) < 0)
		return rc;
	if ((rc = zq_schema_version(db, &version, err)) < 0)
		goto out;
	if (version > zq_schema_expected()) {
		rc = zq_errf(err, ZQ_ESCHEMA,
			     "database schema version %d is newer than this zq-db (%d): upgrade zq",
			     version, zq_schema_expected());
		goto out;
	}
	for (int i = 0; i < zq_migration_count; i++) {
		if (zq_migrations[i].version <= version)
			continue;
		if ((rc = apply_one(db, &zq_migrations[i], err)) < 0)
			goto out;
		(*applied)++;
	}
out:
	unlock_migrations(db);
	return rc;
}

int zq_check_server(zq_db *db, zq_err *err)
{
	const char *info = zq_db_server_info(db);
	unsigned long v = zq_db_server_version(db);
	int maria = strstr(info, "MariaDB") != NULL;

	if ((maria && v >= 100600) || (!maria && v >= 80000))
		return 0;
	return zq_errf(err, ZQ_EUNSUPPORTED,
		       "database server %s does not support SELECT ... SKIP LOCKED: "
		       "zq needs MariaDB >= 10.6 or MySQL >= 8.0",
		       info);
}

int zq_check_schema(zq_db *db, zq_err *err)
{
	int version, rc;

	if ((rc = zq_schema_version(db, &version, err)) < 0)
		return rc;
	if (version < zq_schema_expected())
		return zq_errf(err, ZQ_ESCHEMA,
			       "database schema is at version %d but this binary needs %d: "
			       "run `zq-db migrate --config FILE` first",
			       version, zq_schema_expected());
	if (version > zq_schema_expected())
		return zq_errf(err, ZQ_ESCHEMA,
			       "database schema version %d is newer than this binary expects (%d): "
			       "upgrade zq to the version that migrated the database",
			       version, zq_schema_expected());
	return 0;
}
