/* node_store.c - SQL for scheduler_nodes. Times come from the database
 * clock (UTC_TIMESTAMP), the one clock all daemons share, so a daemon with
 * a skewed clock is neither reaped early nor kept alive late. */
#include "node_store.h"

int node_store_register(zq_db *db, const char *name, const char *host, int pid,
			const char *version, int threads, int64_t *id, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"INSERT INTO scheduler_nodes (name, host, pid, version, state, threads, busy, "
		"started_at, heartbeat_at) VALUES (?, ?, ?, ?, 'running', ?, 0, UTC_TIMESTAMP(3), "
		"UTC_TIMESTAMP(3))", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, name);
	zq_stmt_bind_str(st, 1, host);
	zq_stmt_bind_i64(st, 2, pid);
	zq_stmt_bind_str(st, 3, version);
	zq_stmt_bind_i64(st, 4, threads);
	if ((rc = zq_stmt_exec(st, err)) == 0)
		*id = (int64_t)zq_stmt_insert_id(st);
	zq_stmt_done(st);
	return rc;
}

int node_store_heartbeat(zq_db *db, int64_t id, const char *state, int threads, int busy,
			 zq_err *err)
{
	/* PRIMARY */
	zq_stmt *st = zq_db_prepare(db,
		"UPDATE scheduler_nodes SET heartbeat_at = UTC_TIMESTAMP(3), state = ?, threads = ?, "
		"busy = ?, stopped_at = IF(? = 'stopped', UTC_TIMESTAMP(3), NULL) WHERE id = ?", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, state);
	zq_stmt_bind_i64(st, 1, threads);
	zq_stmt_bind_i64(st, 2, busy);
	zq_stmt_bind_str(st, 3, state);
	zq_stmt_bind_i64(st, 4, id);
	if ((rc = zq_stmt_exec(st, err)) == 0 && zq_stmt_affected(st) == 0)
		rc = zq_errf(err, ZQ_ENOTFOUND, "scheduler node %lld: row is gone", (long long)id);
	zq_stmt_done(st);
	return rc;
}

int node_store_mark_lost(zq_db *db, int lease_s, int *n, zq_err *err)
{
	/* ix_nodes_heartbeat (state, heartbeat_at) */
	uint64_t affected = 0;
	int rc = zq_db_exec_id(db,
		"UPDATE scheduler_nodes SET state = 'lost' WHERE state IN ('running', 'stopping') "
		"AND heartbeat_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND", lease_s, &affected, err);

	*n = (int)affected;
	return rc;
}

int node_store_purge(zq_db *db, int keep_days, int *n, zq_err *err)
{
	/* ix_nodes_heartbeat */
	uint64_t affected = 0;
	int rc = zq_db_exec_id(db,
		"DELETE FROM scheduler_nodes WHERE state IN ('stopped', 'lost') "
		"AND heartbeat_at < UTC_TIMESTAMP(3) - INTERVAL ? DAY LIMIT 1000", keep_days, &affected,
		err);

	*n = (int)affected;
	return rc;
}
