/* version_store.h - task_versions rows: every change of a task's
 * definition (migration 120), written inside the transaction of the change
 * (db/jobs/task_write.c) and read by the API's history, diff and restore.
 * Rows have no foreign key: a deleted task's versions stay, its last one
 * with action 'delete'. */
#ifndef ZQ_VERSION_STORE_H
#define ZQ_VERSION_STORE_H

#include <stdint.h>

#include "db.h"
#include "task.h"

typedef struct version_row {
	int64_t task_id;
	int version;
	char action[17];          /* baseline|create|update|...|delete */
	char name[ZQ_TASK_NAME_BYTES];
	char task_type[33];
	char *definition;         /* JSON text (heap; NULL in listings that skip it) */
	char actor[129];          /* "" = none */
	char *comment;            /* heap or NULL */
	char client_addr[65];     /* "" = none */
	int64_t at_ms;
} version_row;

/* Insert v (at = now; actor, comment, client_addr "" / NULL = none; longer
 * values are cut to the column). ZQ_ECONFLICT when (task_id, version)
 * exists. */
int version_store_insert(zq_db *db, const version_row *v, zq_err *err);

/* One page of a task's versions, newest first, with definitions, plus the
 * row just older than the page (*rows holds up to limit + 1: *n counts the
 * page, *more is 1 when that extra row is there, so each row of the page
 * can be compared with the one before it). *total: the task's versions.
 * Free with version_store_rows_free(rows, *n + *more). */
int version_store_list(zq_db *db, int64_t task_id, int64_t skip, int64_t limit,
		       version_row **rows, int *n, int *more, int64_t *total, zq_err *err);

/* One version (row filled; release with version_row_release). ZQ_ENOTFOUND
 * "task 5 has no version 9". */
int version_store_get(zq_db *db, int64_t task_id, int version, version_row *row, zq_err *err);
/* The newest version of a task. ZQ_ENOTFOUND "task 5 has no versions". */
int version_store_latest(zq_db *db, int64_t task_id, version_row *row, zq_err *err);

/* Deleted tasks: those whose newest version is a 'delete' and that are not
 * in scheduled_tasks, newest delete first (definition NULL; at_ms is the
 * delete, actor who deleted). Free with version_store_rows_free. */
int version_store_deleted(zq_db *db, int64_t skip, int64_t limit, version_row **rows, int *n,
			  int64_t *total, zq_err *err);

/* The version a task's next change gets when it is not in scheduled_tasks
 * (a restore of a deleted task): its newest version + 1, 1 when none. */
int version_store_next(zq_db *db, int64_t task_id, int *next, zq_err *err);

/* The version scheduled_tasks holds for task id (the If-Match answer).
 * ZQ_ENOTFOUND when there is no such task. */
int version_store_task_version(zq_db *db, int64_t id, int *version, zq_err *err);

/* Give the task just inserted as new_id the id and version of the deleted
 * task it restores (nothing references a fresh row yet). ZQ_ECONFLICT when
 * id is taken. */
int version_store_reinstate(zq_db *db, int64_t new_id, int64_t id, int version, zq_err *err);

/* Tasks in scheduled_tasks without any version row (zq-db migrate's
 * baseline), in id order: up to max ids, *n of them. */
int version_store_unversioned(zq_db *db, int64_t *ids, int max, int *n, zq_err *err);

void version_row_release(version_row *row);
void version_store_rows_free(version_row *rows, int n);

#endif
