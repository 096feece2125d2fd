/* retention_store.c - the SQL of history retention (retention_store.h).
 *
 * A chunk is three statements or six: a read of the next ids on PRIMARY
 * (no locks: READ COMMITTED sees the latest committed status), then, when
 * every row read may go (the usual case: the history older than the
 * cutoff is finished), one DELETE per table by the id range on each
 * table's primary key, children first, so that no ON DELETE CASCADE has
 * anything left to do row by row; when some rows stay, the same DELETEs
 * by the list of ids that go. A finished execution's status never changes
 * again and nobody locks it, so these DELETEs lock only rows nobody else
 * wants and never wait; READ COMMITTED takes no gap locks, so inserts of
 * new executions (the loop's fires) never wait for a chunk either. */
#include "retention_store.h"

#include <stdlib.h>

#include "mem.h"

#define FINISHED "('success', 'failed', 'completed', 'terminated', 'skipped')"
#define ACTIVE "('pending', 'running')"
#define RETENTION_LOCK_WAIT_S "2"    /* innodb_lock_wait_timeout of the pass's session */

int retention_store_bound(zq_db *db, int64_t before_ms, int64_t *hi, zq_err *err)
{
	/* ix_exec_created, the range before the cutoff, index only (its entries
	 * carry the id): ids follow created_at but loaders and imports may
	 * write older times after newer ones, so the highest id, not the
	 * newest entry's. The range is the history that goes, read once per
	 * pass (about 0.1 s per million rows); the passes that follow find it
	 * a minute long plus the rows that stay. */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT MAX(id) FROM task_executions FORCE INDEX (ix_exec_created) WHERE created_at < ?",
		err);
	int rc;

	*hi = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_time(st, 0, before_ms);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) > 0)
		*hi = zq_stmt_i64(st, 0);
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

/* The next limit rows after *after up to hi, PRIMARY: ids[i] of task
 * tasks[i]; ok[i] when it may go. The two subqueries are dives into
 * PRIMARY (a workflow child's parent) and uk_exec_wf_node (an execution's
 * children: nothing for all but workflow runs). */
static int read_chunk(zq_db *db, int64_t before_ms, int64_t after, int64_t hi, int limit,
		      int64_t *ids, int64_t *tasks, char *ok, int *n, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"SELECT e.id, e.task_id, e.status IN " FINISHED " AND e.created_at < ? AND "
		"(e.parent_execution_id IS NULL OR NOT EXISTS (SELECT 1 FROM task_executions p "
		"WHERE p.id = e.parent_execution_id AND p.status IN " ACTIVE ")) AND "
		"NOT EXISTS (SELECT 1 FROM task_executions c FORCE INDEX (uk_exec_wf_node) "
		"WHERE c.parent_execution_id = e.id AND c.status IN " ACTIVE ") "
		"FROM task_executions e WHERE e.id > ? AND e.id <= ? ORDER BY e.id LIMIT ?", err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_time(st, 0, before_ms);
	zq_stmt_bind_i64(st, 1, after);
	zq_stmt_bind_i64(st, 2, hi);
	zq_stmt_bind_i64(st, 3, limit);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*n < limit && (rc = zq_stmt_fetch(st)) > 0) {
		ids[*n] = zq_stmt_i64(st, 0);
		tasks[*n] = zq_stmt_i64(st, 1);
		ok[(*n)++] = zq_stmt_i64(st, 2) != 0;
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

static int exec_range(zq_db *db, const char *sql, int64_t a, int64_t b, uint64_t *affected,
		      zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, a);
	zq_stmt_bind_i64(st, 1, b);
	if ((rc = zq_stmt_exec(st, err)) == 0 && affected)
		*affected = zq_stmt_affected(st);
	zq_stmt_done(st);
	return rc;
}

/* The ids [a, b] all go: each table's PRIMARY, one range each. */
static int delete_range(zq_db *db, int64_t a, int64_t b, uint64_t *gone, zq_err *err)
{
	int rc;

	if ((rc = exec_range(db, "DELETE FROM execution_steps WHERE execution_id BETWEEN ? AND ?",
			     a, b, NULL, err)) < 0 ||
	    (rc = exec_range(db, "DELETE FROM execution_output WHERE execution_id BETWEEN ? AND ?",
			     a, b, NULL, err)) < 0 ||
	    (rc = exec_range(db, "DELETE FROM workflow_runs WHERE execution_id BETWEEN ? AND ?",
			     a, b, NULL, err)) < 0)
		return rc;
	return exec_range(db, "DELETE FROM task_executions WHERE id BETWEEN ? AND ? AND status IN "
			  FINISHED, a, b, gone, err);
}

/* Some of the rows stay: the ones that go by their list, probing each
 * table's PRIMARY from it. */
static int delete_list(zq_db *db, const int64_t *ids, int n, uint64_t *gone, zq_err *err)
{
	char *json = zq_db_ids_json(ids, n);
	int rc;

	if ((rc = zq_db_exec_json(db, "DELETE x FROM " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN execution_steps x "
			    "ON x.execution_id = j.id", json, NULL, err)) == 0 &&
	    (rc = zq_db_exec_json(db, "DELETE x FROM " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN execution_output x "
			    "ON x.execution_id = j.id", json, NULL, err)) == 0 &&
	    (rc = zq_db_exec_json(db, "DELETE x FROM " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN workflow_runs x "
			    "ON x.execution_id = j.id", json, NULL, err)) == 0)
		rc = zq_db_exec_json(db, "DELETE e FROM " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN task_executions e "
			       "ON e.id = j.id WHERE e.status IN " FINISHED, json, gone, err);
	free(json);
	return rc;
}

/* Of the tasks in the list (distinct), the ones whose stored state may
 * have changed when executions up to id b went: no state row, or its
 * newest execution is not above b, or no execution above b has a status
 * that last_finished_status shows (four dives into ix_exec_task_status).
 * Otherwise both the newest execution and the newest finished one are
 * above b and stay: the state is the same. */
static int stale_tasks(zq_db *db, const char *json, int64_t b, run_state_ids *touched, zq_err *err)
{
#define ABOVE(st)                                                                             \
	"EXISTS (SELECT 1 FROM task_executions f FORCE INDEX (ix_exec_task_status) WHERE "     \
	"f.task_id = j.id AND f.status = '" st "' AND f.id > ?)"
	zq_stmt *st = zq_db_prepare(db,
		"SELECT j.id FROM " ZQ_DB_IDS_TABLE " LEFT JOIN task_run_state r ON r.task_id = j.id "
		"WHERE r.task_id IS NULL OR r.latest_execution_id IS NULL OR "
		"r.latest_execution_id <= ? OR NOT (" ABOVE("success") " OR " ABOVE("failed") " OR "
		ABOVE("completed") " OR " ABOVE("terminated") ")", err);
#undef ABOVE
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, json);
	for (int i = 1; i <= 5; i++)
		zq_stmt_bind_i64(st, i, b);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while ((rc = zq_stmt_fetch(st)) > 0)
		run_state_ids_add(touched, zq_stmt_i64(st, 0));
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int retention_store_chunk(zq_db *db, int64_t before_ms, int64_t *after, int64_t hi, int limit,
			  int *read, int *deleted, run_state_ids *touched, zq_err *err)
{
	int64_t *ids = zq_calloc((size_t)limit, sizeof(*ids)),
		*tasks = zq_calloc((size_t)limit, sizeof(*tasks)), b;
	char *ok = zq_calloc((size_t)limit, 1), *json;
	uint64_t gone = 0;
	int n, m = 0, rc;

	*read = *deleted = 0;
	if ((rc = read_chunk(db, before_ms, *after, hi, limit, ids, tasks, ok, &n, err)) < 0 || n == 0)
		goto out;
	b = ids[n - 1];
	for (int i = 0; i < n; i++)
		if (ok[i]) {
			ids[m] = ids[i];
			tasks[m++] = tasks[i];
		}
	if (m == n)
		rc = delete_range(db, ids[0], b, &gone, err);
	else if (m > 0)
		rc = delete_list(db, ids, m, &gone, err);
	if (rc < 0 || m == 0)
		goto done;
	m = zq_db_ids_sort_unique(tasks, m);
	json = zq_db_ids_json(tasks, m);
	rc = stale_tasks(db, json, b, touched, err);
	free(json);
done:
	if (rc == 0) {
		*after = b;
		*read = n;
		*deleted = (int)gone;
	}
out:
	free(ids);
	free(tasks);
	free(ok);
	return rc;
}

int retention_store_lock(zq_db *db, int *got, zq_err *err)
{
	int64_t v = 0;
	int rc;

	/* A chunk that meets a row lock (a rare writer of an old row) gives
	 * up soon, rather than the server's 50 s, so that a stopping daemon
	 * exits promptly; the rows are tried again on the next pass. */
	*got = 0;
	if ((rc = zq_db_exec(db, "SET SESSION innodb_lock_wait_timeout = "
			     RETENTION_LOCK_WAIT_S, err)) < 0)
		return rc;
	/* per database: two installations on one server each run their own */
	rc = zq_db_query_i64(db, "SELECT COALESCE(GET_LOCK(CONCAT('zq.retention.', "
			     "DATABASE()), 0), 0)", ZQ_NO_PARAM, &v, err);
	*got = rc == 0 && v == 1;
	return rc;
}

void retention_store_unlock(zq_db *db)
{
	zq_err err = ZQ_ERR_INIT;
	int64_t v;

	zq_db_query_i64(db, "SELECT RELEASE_LOCK(CONCAT('zq.retention.', DATABASE()))", ZQ_NO_PARAM,
			&v, &err);
}
