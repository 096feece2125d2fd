/* run_state_store.c - SQL for task_run_state (see run_state_store.h).
 *
 * Why two statements. The sessions run READ COMMITTED: a statement reads
 * the data committed when it started. If one statement both read the
 * executions and wrote the state row, a transaction B that touched task X
 * while A (which also touched X) was still open would read X's executions
 * without A's changes, wait for A's lock on the state row, and once A
 * committed write a state that misses them. So the first statement only
 * locks the rows (inserting the missing ones), in ascending task id order
 * so that transactions never wait on each other in a cycle; the second,
 * which starts after every lock is held, reads the executions (a plain
 * consistent read: INSERT ... SELECT takes no locks on them under READ
 * COMMITTED) and writes the rows. Whoever commits last for a task has
 * therefore read every earlier commit for it: the state is exact.
 *
 * Keeping a field. A transaction that gives no execution of a task a
 * finished status, takes none away and deletes none (it inserts pending or
 * skipped executions, or marks pending ones running: the claim and fire
 * of a tick, run_state_ids_add_unfinished) recomputes the task's newest
 * execution and active count but keeps its stored last_finished_status.
 * That is exact by the same order: the row is locked, so the stored value
 * was written by the last transaction that committed for the task, which
 * read every earlier commit; a transaction that changed a finished status
 * since must have refreshed the row in full before committing, and could
 * only do so once it held the lock, i.e. it committed before this one
 * read the row; and this transaction changed none. A row that
 * lock_rows has just inserted keeps NULL, right for a task without a row
 * (it has no executions, 040_task_run_state.sql). The full recompute
 * finds the newest finished status without a dive when the task's newest
 * execution is itself finished (it then has the highest id of them all):
 * the settle of a task's only run.
 *
 * The recomputation costs a fixed number of index dives per task however
 * long its history: the newest execution (ix_exec_task_id, read
 * backwards), the newest of each finished status (ix_exec_task_status
 * (task_id, status, id), four dives), and the pending and running rows
 * (ix_exec_task_status, two short ranges). */
#include "run_state_store.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

void run_state_ids_init(run_state_ids *s)
{
	memset(s, 0, sizeof(*s));
}

void run_state_ids_release(run_state_ids *s)
{
	free(s->ids);
	free(s->fin);
	memset(s, 0, sizeof(*s));
}

void run_state_ids_reset(run_state_ids *s)
{
	s->n = 0;
	s->nfin = 0;
}

static void push_id(int64_t **ids, int *n, size_t *cap, int64_t id)
{
	*ids = zq_grow(*ids, cap, (size_t)*n + 1, sizeof(**ids));
	(*ids)[(*n)++] = id;
}

void run_state_ids_add_unfinished(run_state_ids *s, int64_t task_id)
{
	if (task_id > 0)
		push_id(&s->ids, &s->n, &s->cap, task_id);
}

void run_state_ids_add(run_state_ids *s, int64_t task_id)
{
	if (task_id <= 0)
		return;
	push_id(&s->ids, &s->n, &s->cap, task_id);
	push_id(&s->fin, &s->nfin, &s->capfin, task_id);
}

/* Lock (or create) the state rows, ascending. PRIMARY. A duplicate row is
 * locked exclusively by the ON DUPLICATE KEY path even though nothing
 * changes; IGNORE skips tasks deleted meanwhile (the foreign key refuses
 * them) instead of failing the transaction. */
static int lock_rows(zq_db *db, const char *json, zq_err *err)
{
	return zq_db_exec_json(db,
		"INSERT IGNORE INTO task_run_state (task_id) SELECT j.id FROM " ZQ_DB_IDS_TABLE " "
		"ORDER BY j.id ON DUPLICATE KEY UPDATE task_id = task_id", json, NULL, err);
}

/* The newest execution of task j.id with status st: 0 when none. */
#define NEWEST(st)                                                                         \
	"COALESCE((SELECT x.id FROM task_executions x FORCE INDEX (ix_exec_task_status) "    \
	"WHERE x.task_id = j.id AND x.status = '" st "' ORDER BY x.id DESC LIMIT 1), 0)"

/* How many executions of task j.id have status st. Two of these rather
 * than one IN ('pending', 'running'): for a correlated subquery the
 * optimizer reads the IN list as a ref on task_id alone, i.e. the task's
 * whole history (EXPLAIN showed it). */
#define COUNT_OF(st)                                                                    \
	"(SELECT COUNT(*) FROM task_executions a FORCE INDEX (ix_exec_task_status) WHERE " \
	"a.task_id = j.id AND a.status = '" st "')"

/* Recompute the (locked) rows from task_executions. Driven by the id list
 * (STRAIGHT_JOIN: the optimizer cannot see how short it is), then
 * scheduled_tasks by PRIMARY (a task deleted before the lock is skipped),
 * the newest execution by ix_exec_task_id backwards and PRIMARY, the
 * finished status by four dives and PRIMARY, the active count by two
 * short ranges of ix_exec_task_status. Each dive reads one index entry
 * whatever the history's length (ANALYZE at 2,500 executions per task:
 * r_rows <= 1 for every subquery, about 20 us per task). Without the
 * subquery cache: every subquery is keyed by a task id seen once, so the
 * cache never hits (ANALYZE: r_hit_ratio 0) and only costs its temporary
 * table, a third of the statement's handler calls (340 tasks: 8,349 ->
 * 5,792; tests/bench/bench_scheduler.py --profile names it the largest
 * server cost per execution). */
#define FINISHED_IN "('success', 'failed', 'completed', 'terminated')"

/* The shared head and tail of both recomputes. */
#define RECOMPUTE_HEAD                                                                      \
	"SET STATEMENT optimizer_switch = 'subquery_cache=off' FOR "                        \
	"INSERT INTO task_run_state (task_id, latest_execution_id, latest_status, latest_time, " \
	"last_finished_status, active, updated_at) "                                        \
	"SELECT j.id, le.id, le.status, COALESCE(le.start_time, le.created_at), "
#define RECOMPUTE_FROM                                                                      \
	COUNT_OF("pending") " + " COUNT_OF("running") ", UTC_TIMESTAMP(3) "                  \
	"FROM " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN scheduled_tasks t ON t.id = j.id "           \
	"LEFT JOIN task_executions le ON le.id = (SELECT e.id FROM task_executions e "       \
	"FORCE INDEX (ix_exec_task_id) WHERE e.task_id = j.id ORDER BY e.id DESC LIMIT 1) "   \
	"ON DUPLICATE KEY UPDATE latest_execution_id = VALUES(latest_execution_id), "        \
	"latest_status = VALUES(latest_status), latest_time = VALUES(latest_time), "

/* The newest finished status: the newest execution's own when it is
 * finished (CASE evaluates only the branch it takes), else four dives. */
static int recompute_rows(zq_db *db, const char *json, zq_err *err)
{
	return zq_db_exec_json(db,
		RECOMPUTE_HEAD
		"CASE WHEN le.status IN " FINISHED_IN " THEN le.status ELSE "
		"(SELECT f.status FROM task_executions f WHERE f.id = GREATEST(" NEWEST("success") ", "
		NEWEST("failed") ", " NEWEST("completed") ", " NEWEST("terminated") ")) END, "
		RECOMPUTE_FROM
		"last_finished_status = VALUES(last_finished_status), active = VALUES(active), "
		"updated_at = VALUES(updated_at)", json, NULL, err);
}

/* The same keeping the stored last_finished_status (the NULL is only what
 * a row that did not exist would get: lock_rows has inserted every row). */
static int recompute_unfinished(zq_db *db, const char *json, zq_err *err)
{
	return zq_db_exec_json(db,
		RECOMPUTE_HEAD "NULL, " RECOMPUTE_FROM
		"active = VALUES(active), updated_at = VALUES(updated_at)", json, NULL, err);
}

/* ids minus fin (both sorted, unique) into out; returns its length. */
static int minus(const int64_t *ids, int n, const int64_t *fin, int nfin, int64_t *out)
{
	int m = 0, j = 0;

	for (int i = 0; i < n; i++) {
		while (j < nfin && fin[j] < ids[i])
			j++;
		if (j == nfin || fin[j] != ids[i])
			out[m++] = ids[i];
	}
	return m;
}

int run_state_store_refresh(zq_db *db, run_state_ids *s, zq_err *err)
{
	char *json;
	int rc;

	if (s->n == 0)
		return 0;
	s->n = zq_db_ids_sort_unique(s->ids, s->n);
	s->nfin = s->nfin ? zq_db_ids_sort_unique(s->fin, s->nfin) : 0;
	json = zq_db_ids_json(s->ids, s->n);
	rc = lock_rows(db, json, err);
	if (rc == 0 && s->nfin == s->n) {
		rc = recompute_rows(db, json, err);
	} else if (rc == 0) {
		int64_t *light = zq_calloc((size_t)s->n, sizeof(int64_t));
		int nlight = minus(s->ids, s->n, s->fin, s->nfin, light);
		char *lj = zq_db_ids_json(light, nlight);

		free(json);
		json = NULL;
		if (s->nfin) {
			json = zq_db_ids_json(s->fin, s->nfin);
			rc = recompute_rows(db, json, err);
		}
		if (rc == 0)
			rc = recompute_unfinished(db, lj, err);
		free(lj);
		free(light);
	}
	free(json);
	return rc;
}

int run_state_store_refresh_one(zq_db *db, int64_t task_id, zq_err *err)
{
	run_state_ids s;
	int rc;

	run_state_ids_init(&s);
	run_state_ids_add(&s, task_id);
	rc = run_state_store_refresh(db, &s, err);
	run_state_ids_release(&s);
	return rc;
}

#define RECONCILE_BATCH 500   /* the LIMIT in reconcile_pick */

/* One batch of suspects in task ids (after, upto], ascending: a dive per
 * task into ix_exec_task_id for its newest execution. */
static int reconcile_pick(zq_db *db, int64_t after, int64_t upto, int64_t *ids, int *n,
			  zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"SELECT t.id FROM scheduled_tasks t LEFT JOIN task_run_state r ON r.task_id = t.id "
		"WHERE t.id > ? AND t.id <= ? AND (COALESCE(r.active, 0) > 0 OR NOT "
		"(r.latest_execution_id <=> (SELECT MAX(e.id) FROM task_executions e WHERE "
		"e.task_id = t.id))) ORDER BY t.id LIMIT 500", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, after);
	zq_stmt_bind_i64(st, 1, upto);
	rc = zq_stmt_fetch_ids(st, ids, RECONCILE_BATCH, n, err);
	zq_stmt_done(st);
	return rc;
}

static int max_task_id(zq_db *db, int64_t *max, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, "SELECT COALESCE(MAX(id), 0) FROM scheduled_tasks", err);
	int n = 0, rc;

	if (!st)
		return err->code;
	rc = zq_stmt_fetch_ids(st, max, 1, &n, err);
	zq_stmt_done(st);
	if (rc == 0 && n == 0)
		*max = 0;
	return rc;
}

static int refresh_batch(zq_db *db, const int64_t *ids, int n, zq_err *err)
{
	run_state_ids s;
	int rc = 0;

	run_state_ids_init(&s);
	for (int i = 0; i < n; i++)
		run_state_ids_add(&s, ids[i]);
	for (int attempt = 0; attempt < 3; attempt++) {
		if ((rc = zq_db_begin(db, err)) == 0 &&
		    (rc = run_state_store_refresh(db, &s, err)) == 0 &&
		    (rc = zq_db_commit(db, err)) == 0)
			break;
		zq_db_rollback(db);
		if (rc != ZQ_EBUSY)
			break;
	}
	run_state_ids_release(&s);
	return rc;
}

int run_state_store_reconcile_step(zq_db *db, int64_t *after, int span, int *refreshed,
				   zq_err *err)
{
	int64_t ids[RECONCILE_BATCH], max = 0, upto;
	int n = 0, rc;

	if ((rc = max_task_id(db, &max, err)) < 0)
		return rc;
	if (*after >= max)
		return 1;
	upto = *after + (span > 0 ? span : 1);
	if ((rc = reconcile_pick(db, *after, upto, ids, &n, err)) < 0)
		return rc;
	if (n > 0 && (rc = refresh_batch(db, ids, n, err)) < 0)
		return rc;
	if (refreshed)
		*refreshed += n;
	*after = n == RECONCILE_BATCH ? ids[n - 1] : upto;
	return *after >= max ? 1 : 0;
}

int run_state_store_reconcile(zq_db *db, int *refreshed, zq_err *err)
{
	int64_t after = 0;
	int rc;

	if (refreshed)
		*refreshed = 0;
	while ((rc = run_state_store_reconcile_step(db, &after, 1 << 20, refreshed, err)) == 0)
		;
	return rc < 0 ? rc : 0;
}
