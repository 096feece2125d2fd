/* calendar_load.c - the version check of a daemon's calendar cache (see
 * calendar_load.h). */
#include "calendar_load.h"

int calendar_load_versions(zq_db *db, int64_t *ids, int *versions, int max, int *n, zq_err *err)
{
	/* PRIMARY: a full scan of a small table, a few rows per exchange */
	zq_stmt *st = zq_db_prepare(db, "SELECT id, version FROM calendars ORDER BY id LIMIT ?", err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, max);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*n < max && (rc = zq_stmt_fetch(st)) > 0) {
		ids[*n] = zq_stmt_i64(st, 0);
		versions[*n] = (int)zq_stmt_i64(st, 1);
		(*n)++;
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}
