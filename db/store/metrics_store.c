/* metrics_store.c - the counts behind the metrics (metrics_store.h). */
#include "metrics_store.h"

#include <string.h>

/* A capped count: one index range, read up to METRICS_COUNT_CAP rows. */
static int count_capped(zq_db *db, const char *sql, int64_t *out, zq_err *err)
{
	return zq_db_query_i64(db, sql, METRICS_COUNT_CAP, out, err);
}

int metrics_store_backlog(zq_db *db, int64_t *pending, int64_t *due, zq_err *err)
{
	int rc;

	if ((rc = count_capped(db, "SELECT COUNT(*) FROM (SELECT 1 FROM task_executions "
			       "WHERE status = 'pending' LIMIT ?) c", pending, err)) < 0)
		return rc;
	return count_capped(db, "SELECT COUNT(*) FROM (SELECT 1 FROM scheduled_tasks "
			    "WHERE next_run_at <= NOW(3) AND enabled = 1 AND paused = 0 LIMIT ?) c",
			    due, err);
}

int metrics_store_task_name(zq_db *db, int64_t id, char *name, size_t n, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, "SELECT name FROM scheduled_tasks WHERE id = ?", err);
	int rc;

	name[0] = '\0';
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, id);
	if ((rc = zq_stmt_exec(st, err)) == 0 && zq_stmt_fetch(st) > 0)
		zq_stmt_copy(st, 0, name, n);
	zq_stmt_done(st);
	return rc;
}

/* ix_tasks_paused (paused, enabled, id): one covering index scan. */
static int task_states(zq_db *db, metrics_db_gauges *g, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"SELECT COALESCE(SUM(enabled = 1 AND paused = 0), 0), COALESCE(SUM(enabled = 0), 0), "
		"COALESCE(SUM(enabled = 1 AND paused = 1), 0) FROM scheduled_tasks", err);
	int rc;

	if (!st)
		return err->code;
	if ((rc = zq_stmt_exec(st, err)) == 0 && zq_stmt_fetch(st) > 0) {
		g->tasks_enabled = zq_stmt_i64(st, 0);
		g->tasks_disabled = zq_stmt_i64(st, 1);
		g->tasks_paused = zq_stmt_i64(st, 2);
	}
	zq_stmt_done(st);
	return rc;
}

/* ix_exec_claim (status, not_before): MIN is one index dive. */
static int oldest_pending(zq_db *db, metrics_db_gauges *g, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"SELECT COALESCE(TIMESTAMPDIFF(MICROSECOND, MIN(not_before), NOW(3)), 0) / 1e6 "
		"FROM task_executions WHERE status = 'pending' AND not_before <= NOW(3)", err);
	int rc;

	if (!st)
		return err->code;
	if ((rc = zq_stmt_exec(st, err)) == 0 && zq_stmt_fetch(st) > 0)
		g->oldest_pending_s = zq_stmt_double(st, 0);
	zq_stmt_done(st);
	return rc;
}

/* ix_nodes_heartbeat (state, heartbeat_at). */
static int nodes_alive(zq_db *db, int lease_s, int64_t *n, zq_err *err)
{
	return zq_db_query_i64(db, "SELECT COUNT(*) FROM scheduler_nodes WHERE state = 'running' "
			       "AND heartbeat_at >= NOW(3) - INTERVAL ? SECOND", lease_s, n, err);
}

int metrics_store_gauges(zq_db *db, int lease_s, metrics_db_gauges *g, zq_err *err)
{
	int rc;

	memset(g, 0, sizeof(*g));
	if ((rc = task_states(db, g, err)) < 0 ||
	    (rc = count_capped(db, "SELECT COUNT(*) FROM (SELECT 1 FROM task_executions "
			       "WHERE status = 'running' LIMIT ?) c", &g->exec_running, err)) < 0 ||
	    (rc = count_capped(db, "SELECT COUNT(*) FROM (SELECT 1 FROM task_executions "
			       "WHERE status = 'pending' LIMIT ?) c", &g->exec_pending, err)) < 0 ||
	    (rc = oldest_pending(db, g, err)) < 0)
		return rc;
	return nodes_alive(db, lease_s, &g->nodes_alive, err);
}
