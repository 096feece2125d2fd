/* migrate.h - schema migrations compiled into the binaries, and the start-up
 * checks every daemon runs before doing work. */
#ifndef ZQ_MIGRATE_H
#define ZQ_MIGRATE_H

#include "db.h"

typedef struct zq_migration {
	int version;       /* NNN from NNN_name.sql */
	const char *name;  /* "001_init" */
	const char *sql;   /* the file's text */
} zq_migration;

/* Generated from db/migrations/ (terminated by a {0, NULL, NULL} entry). */
extern const zq_migration zq_migrations[];
extern const int zq_migration_count;

/* The schema version this binary expects: the highest embedded migration. */
int zq_schema_expected(void);

/* Apply every migration newer than the database's version, in order, each
 * recorded in schema_migrations. Safe to run again and from several hosts at
 * once (serialised by a named lock). *applied receives how many ran. */
int zq_migrate(zq_db *db, int *applied, zq_err *err);

/* Current version in the database (0 when schema_migrations is absent). */
int zq_schema_version(zq_db *db, int *version, zq_err *err);

/* Start-up checks for zq-api and zq-scheduler: the server supports
 * SELECT ... SKIP LOCKED (MariaDB >= 10.6, MySQL >= 8.0) and the schema is
 * exactly the expected version. The message says what to do. */
int zq_check_server(zq_db *db, zq_err *err);
int zq_check_schema(zq_db *db, zq_err *err);

#endif
