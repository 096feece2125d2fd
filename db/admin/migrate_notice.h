/* migrate_notice.h - what `zq-db migrate` tells the operator after the
 * migrations it applied: that reporting accounts see bi_* views a migration
 * created only after `zq-db bi-user grant` (the zq account holds no GRANT
 * OPTION, so migrate cannot grant them itself). */
#ifndef ZQ_MIGRATE_NOTICE_H
#define ZQ_MIGRATE_NOTICE_H

#include <stdio.h>

/* Whether sql holds a CREATE [OR REPLACE] ... VIEW or ALTER ... VIEW of a
 * view named bi_* (any schema qualifier; comments and string literals are
 * not read). */
int sql_makes_bi_view(const char *sql);

/* applied: how many migrations zq_migrate() applied in this run (they are
 * the last ones embedded). When one of them creates or replaces a bi_* view,
 * and the database was not empty before (a new one has no reporting
 * accounts yet), one line to out naming them and the command to run.
 * Returns 1 when it printed the line, else 0. */
int migrate_bi_notice(FILE *out, int applied);

#endif
