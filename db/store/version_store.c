/* version_store.c - SQL for task_versions. */
#include "version_store.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "timeutil.h"

#define VERSION_COLUMNS                                                                   \
	"task_id, version, action, name, task_type, definition, actor, comment, client_addr, " \
	"at"

int version_store_insert(zq_db *db, const version_row *v, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
				    "INSERT INTO task_versions (task_id, version, action, name, "
				    "task_type, definition, actor, comment, client_addr, at) VALUES "
				    "(?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))",
				    err);
	char actor[129], addr[65], comment[2049];
	int rc;

	if (!st)
		return err->code;
	zq_strlcpy(actor, v->actor, sizeof(actor));
	zq_strlcpy(addr, v->client_addr, sizeof(addr));
	zq_strlcpy(comment, v->comment ? v->comment : "", sizeof(comment));
	zq_stmt_bind_i64(st, 0, v->task_id);
	zq_stmt_bind_i64(st, 1, v->version);
	zq_stmt_bind_str(st, 2, v->action);
	zq_stmt_bind_str(st, 3, v->name);
	zq_stmt_bind_str(st, 4, v->task_type);
	zq_stmt_bind_str(st, 5, v->definition);
	zq_stmt_bind_str(st, 6, actor[0] ? actor : NULL);
	zq_stmt_bind_str(st, 7, comment[0] ? comment : NULL);
	zq_stmt_bind_str(st, 8, addr[0] ? addr : NULL);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	if (rc == ZQ_ECONFLICT)
		zq_errf(err, rc, "task %lld already has a version %d", (long long)v->task_id,
			v->version);
	return rc;
}

static void read_row(zq_stmt *st, version_row *r)
{
	memset(r, 0, sizeof(*r));
	r->task_id = zq_stmt_i64(st, 0);
	r->version = (int)zq_stmt_i64(st, 1);
	zq_stmt_copy(st, 2, r->action, sizeof(r->action));
	zq_stmt_copy(st, 3, r->name, sizeof(r->name));
	zq_stmt_copy(st, 4, r->task_type, sizeof(r->task_type));
	r->definition = zq_stmt_dup(st, 5);
	zq_stmt_copy(st, 6, r->actor, sizeof(r->actor));
	r->comment = zq_stmt_dup(st, 7);
	zq_stmt_copy(st, 8, r->client_addr, sizeof(r->client_addr));
	r->at_ms = zq_stmt_time(st, 9);
}

/* Execute st (parameters bound) and read up to max rows into a new array. */
static int fetch_rows(zq_stmt *st, int max, version_row **rows, int *n, zq_err *err)
{
	int rc, cap;

	*rows = NULL;
	*n = 0;
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		cap = zq_stmt_num_rows(st);
		cap = cap < max ? cap : max;
		*rows = zq_calloc((size_t)cap + 1, sizeof(**rows));
		while (*n < cap && (rc = zq_stmt_fetch(st)) > 0)
			read_row(st, &(*rows)[(*n)++]);
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
	}
	zq_stmt_done(st);
	return rc;
}

int version_store_list(zq_db *db, int64_t task_id, int64_t skip, int64_t limit,
		       version_row **rows, int *n, int *more, int64_t *total, zq_err *err)
{
	/* PRIMARY KEY (task_id, version), read backwards */
	zq_stmt *st = zq_db_prepare(db,
				    "SELECT " VERSION_COLUMNS " FROM task_versions WHERE task_id = ? "
				    "ORDER BY version DESC LIMIT ? OFFSET ?",
				    err);
	int rc, got;

	*rows = NULL;
	*n = *more = 0;
	*total = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, task_id);
	zq_stmt_bind_i64(st, 1, limit + 1);
	zq_stmt_bind_i64(st, 2, skip);
	if ((rc = fetch_rows(st, (int)limit + 1, rows, &got, err)) < 0) {
		*n = got;
		return rc;
	}
	*more = got > limit;
	*n = got - *more;
	return zq_db_query_i64(db, "SELECT COUNT(*) FROM task_versions WHERE task_id = ?", task_id,
			       total, err);
}

static int get_one(zq_db *db, const char *sql, int64_t task_id, int version, version_row *row,
		   zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc;

	memset(row, 0, sizeof(*row));
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, task_id);
	if (version)
		zq_stmt_bind_i64(st, 1, version);
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		if ((rc = zq_stmt_fetch(st)) > 0) {
			read_row(st, row);
			rc = 0;
		} else if (rc == 0) {
			rc = version ? zq_errf(err, ZQ_ENOTFOUND, "task %lld has no version %d",
					       (long long)task_id, version)
				     : zq_errf(err, ZQ_ENOTFOUND, "task %lld has no versions",
					       (long long)task_id);
		} else {
			rc = zq_errf(err, ZQ_EDB, "fetch failed");
		}
	}
	zq_stmt_done(st);
	return rc;
}

int version_store_get(zq_db *db, int64_t task_id, int version, version_row *row, zq_err *err)
{
	/* PRIMARY KEY */
	if (version <= 0) {
		memset(row, 0, sizeof(*row));
		return zq_errf(err, ZQ_ENOTFOUND, "task %lld has no version %d",
			       (long long)task_id, version);
	}
	return get_one(db, "SELECT " VERSION_COLUMNS " FROM task_versions WHERE task_id = ? AND "
		       "version = ?", task_id, version, row, err);
}

int version_store_latest(zq_db *db, int64_t task_id, version_row *row, zq_err *err)
{
	/* PRIMARY KEY, the last entry of the task */
	return get_one(db, "SELECT " VERSION_COLUMNS " FROM task_versions WHERE task_id = ? "
		       "ORDER BY version DESC LIMIT 1", task_id, 0, row, err);
}

/* The newest version of each task, when it is a delete of a task that is
 * gone: ix_versions_action_at finds the deletes, the primary key says
 * whether a later version exists. */
#define DELETED_FROM                                                                      \
	" FROM task_versions v WHERE v.action = 'delete' AND NOT EXISTS (SELECT 1 FROM "    \
	"task_versions w WHERE w.task_id = v.task_id AND w.version > v.version) AND NOT "  \
	"EXISTS (SELECT 1 FROM scheduled_tasks t WHERE t.id = v.task_id)"

int version_store_deleted(zq_db *db, int64_t skip, int64_t limit, version_row **rows, int *n,
			  int64_t *total, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
				    "SELECT v.task_id, v.version, v.action, v.name, v.task_type, "
				    "NULL, v.actor, v.comment, v.client_addr, v.at" DELETED_FROM
				    " ORDER BY v.at DESC, v.task_id DESC LIMIT ? OFFSET ?",
				    err);
	int rc;

	*rows = NULL;
	*n = 0;
	*total = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, limit);
	zq_stmt_bind_i64(st, 1, skip);
	if ((rc = fetch_rows(st, (int)limit, rows, n, err)) < 0)
		return rc;
	return zq_db_query_i64(db, "SELECT COUNT(*)" DELETED_FROM, ZQ_NO_PARAM, total, err);
}

int version_store_next(zq_db *db, int64_t task_id, int *next, zq_err *err)
{
	/* PRIMARY KEY */
	int64_t v = 0;
	int rc = zq_db_query_i64(db, "SELECT COALESCE(MAX(version), 0) FROM task_versions "
				 "WHERE task_id = ?", task_id, &v, err);

	*next = (int)v + 1;
	return rc;
}

int version_store_task_version(zq_db *db, int64_t id, int *version, zq_err *err)
{
	/* PRIMARY KEY */
	int64_t v = 0;
	int rc = zq_db_query_i64(db, "SELECT version FROM scheduled_tasks WHERE id = ?", id, &v,
				 err);

	if (rc == ZQ_ENOTFOUND)
		return zq_errf(err, rc, "task %lld not found", (long long)id);
	*version = (int)v;
	return rc;
}

int version_store_reinstate(zq_db *db, int64_t new_id, int64_t id, int version, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db, "UPDATE scheduled_tasks SET id = ?, version = ? "
				    "WHERE id = ?", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, id);
	zq_stmt_bind_i64(st, 1, version);
	zq_stmt_bind_i64(st, 2, new_id);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	if (rc == ZQ_ECONFLICT)
		zq_errf(err, rc, "task %lld exists", (long long)id);
	return rc;
}

int version_store_unversioned(zq_db *db, int64_t *ids, int max, int *n, zq_err *err)
{
	/* PRIMARY KEYs of both */
	zq_stmt *st = zq_db_prepare(db,
				    "SELECT t.id FROM scheduled_tasks t WHERE NOT EXISTS (SELECT 1 "
				    "FROM task_versions v WHERE v.task_id = t.id) ORDER BY t.id "
				    "LIMIT ?",
				    err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, max);
	rc = zq_stmt_fetch_ids(st, ids, max, n, err);
	zq_stmt_done(st);
	return rc;
}

void version_row_release(version_row *row)
{
	free(row->definition);
	free(row->comment);
	row->definition = row->comment = NULL;
}

void version_store_rows_free(version_row *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		version_row_release(&rows[i]);
	free(rows);
}
