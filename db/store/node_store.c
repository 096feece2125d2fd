/* node_store.c - SQL for scheduler_nodes: the scheduler's writes and the
 * API's list. Times come from the database clock (UTC_TIMESTAMP), the one
 * clock all daemons share, so a daemon with a skewed clock is neither
 * reaped early nor kept alive late. */
#include "node_store.h"

#include "mem.h"

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

/* ---- the API's read --------------------------------------------------------- */

int history_store_nodes(zq_db *db, int all, hist_node **rows, int *n, zq_err *err)
{
	/* scheduler_nodes is small; running counts use ix_exec_claim (status prefix) */
	zq_stmt *st = zq_db_prepare(
		db,
		"SELECT n.id, n.name, n.host, n.pid, n.version, n.state, n.threads, n.busy, "
		"n.started_at, n.heartbeat_at, n.stopped_at, (SELECT COUNT(*) FROM task_executions e "
		"WHERE e.node_id = n.id AND e.status = 'running'), TIMESTAMPDIFF(MICROSECOND, "
		"n.heartbeat_at, UTC_TIMESTAMP(3)) DIV 1000 FROM scheduler_nodes n WHERE ? = 1 OR "
		"n.state IN ('running', 'stopping') OR n.heartbeat_at > UTC_TIMESTAMP(3) - INTERVAL 1 "
		"DAY ORDER BY n.id DESC LIMIT 1000",
		err);
	int rc, cap;

	*rows = NULL;
	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, all ? 1 : 0);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	cap = zq_stmt_num_rows(st);
	*rows = zq_calloc((size_t)cap + 1, sizeof(hist_node));
	while (*n < cap && (rc = zq_stmt_fetch(st)) > 0) {
		hist_node *d = &(*rows)[(*n)++];
		d->id = zq_stmt_i64(st, 0);
		zq_stmt_copy(st, 1, d->name, sizeof(d->name));
		zq_stmt_copy(st, 2, d->host, sizeof(d->host));
		d->pid = (int)zq_stmt_i64(st, 3);
		zq_stmt_copy(st, 4, d->version, sizeof(d->version));
		zq_stmt_copy(st, 5, d->state, sizeof(d->state));
		d->threads = (int)zq_stmt_i64(st, 6);
		d->busy = (int)zq_stmt_i64(st, 7);
		d->started_ms = zq_stmt_time(st, 8);
		d->heartbeat_ms = zq_stmt_time(st, 9);
		d->stopped_ms = zq_stmt_time(st, 10);
		d->running = zq_stmt_i64(st, 11);
		d->heartbeat_age_ms = zq_stmt_i64(st, 12);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}
