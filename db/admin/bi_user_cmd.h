/* bi_user_cmd.h - zq-db bi-user create | drop | list | grant: the MariaDB
 * accounts of the reporting (BI) users, which may read the bi_* views of the
 * zq database and nothing else. */
#ifndef ZQ_BI_USER_CMD_H
#define ZQ_BI_USER_CMD_H

#include <stdio.h>

#include "config.h"
#include "db.h"

/* Each bi_* view of database dbname, by name: fn(arg, view, granted),
 * granted 1 when role holds SELECT on it (mysql.tables_priv: exact names).
 * One statement; an error when this account may not read mysql.tables_priv.
 * `bi-user list` and doctor's "bi grants" both ask it. */
int bi_role_views(zq_db *db, const char *dbname, const char *role,
		  void (*fn)(void *arg, const char *view, int granted), void *arg, zq_err *err);

/* argv[0] is "bi-user". Connects itself (as the admin account the options
 * name, else as cfg's). Returns the exit status (0, 1 failed, 2 usage or
 * configuration); the report goes to out, errors to stderr. */
int bi_user_cmd(const zq_config *cfg, int argc, char **argv, FILE *out);

#endif
