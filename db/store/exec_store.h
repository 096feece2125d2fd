/* exec_store.h - task_executions as the scheduler writes them: fire, claim,
 * progress, steps, output, finish, retry, skipped rows, reap, retention.
 *
 * One statement per function, the index that serves it noted beside its SQL
 * in exec_store.c (the progress, steps and output writes: its progress
 * columns, execution_steps and execution_output, in output_store.c; the API's reads of those tables are
 * output_store.h, of task_executions exec_api.h). Batches travel as ONE bound JSON parameter read back
 * through JSON_TABLE, so a statement's text never depends on the batch size
 * (one cached prepared statement per connection) and a batch costs one round
 * trip. Functions that lock rows (FOR UPDATE [SKIP LOCKED]) must run inside
 * a transaction the caller opened; the others may run in autocommit.
 *
 * Times are int64 ms (timeutil.h); ZQ_TIME_NONE is SQL NULL. Strings in the
 * row structs are borrowed for the duration of the call. Every function
 * returns 0 or a negative ZQ_E* code with err filled (ZQ_EBUSY: deadlock or
 * lock wait timeout, roll back and retry; ZQ_EDBDOWN: connection lost). */
#ifndef ZQ_EXEC_STORE_H
#define ZQ_EXEC_STORE_H

#include <stdint.h>

#include "db.h"
#include "timeutil.h"

/* ---- fire ------------------------------------------------------------- */

/* A task whose next_run_at has come: what the fire decision needs. */
typedef struct exec_due_task {
	int64_t id;
	int type;                   /* enum zq_task_type */
	char cron[256];             /* "" = none */
	int64_t interval_s;         /* 0 = none */
	int64_t start_at_ms, run_at_ms;
	char tz[65];
	int enabled, paused;
	int max_instances, grace_s, coalesce;
	int64_t next_run_ms;
	int64_t calendar_id;        /* 0 = none */
	int calendar_rule;          /* ZQ_CAL_RULE_* (calendar.h): ONLY when a calendar has none */
	char name[129];
	int active;                 /* pending-and-due or running executions (count_active) */
} exec_due_task;

/* Lock up to limit tasks with next_run_at <= now_ms, earliest first,
 * skipping rows another daemon holds. *n receives how many. */
int exec_store_due_tasks(zq_db *db, int64_t now_ms, int limit, exec_due_task *out, int *n,
			 zq_err *err);
/* Fill tasks[i].active: executions running, or pending with not_before <=
 * now_ms (a retry still waiting does not count against max_instances). */
int exec_store_count_active(zq_db *db, int64_t now_ms, exec_due_task *tasks, int n, zq_err *err);

/* A schedule fire to record: a pending run, or a skipped row with reason. */
typedef struct exec_fire_row {
	int64_t task_id;
	int64_t scheduled_ms;       /* the (moved) fire instant: scheduled_time */
	int64_t key_ms;             /* fire_key, the original slot; ZQ_TIME_NONE or 0 = scheduled_ms */
	int32_t business_day;       /* business_date (calendar.h day number); ZQ_CAL_NO_DAY = NULL */
	int skipped;
	const char *reason;         /* skipped rows: error_message */
} exec_fire_row;

/* The fire_key of r: key_ms, or scheduled_ms when unset. */
static inline int64_t exec_fire_key(const exec_fire_row *r)
{
	return r->key_ms && r->key_ms != ZQ_TIME_NONE ? r->key_ms : r->scheduled_ms;
}

/* Insert fire rows (trigger 'schedule'). A slot that already has a row
 * (uk_exec_fire) is left alone. Skipped rows end at now_ms. */
int exec_store_insert_fires(zq_db *db, const exec_fire_row *rows, int n, int64_t now_ms,
			    zq_err *err);

/* Insert schedule fires that start at once: running on node_id, started at
 * start_ms, heartbeat now (one write instead of a pending insert and its
 * claim). No ON DUPLICATE KEY: a slot that already has a row fails the
 * whole statement with ZQ_ECONFLICT and inserts nothing (InnoDB rolls back
 * the statement, not the transaction); the caller then records those
 * fires as pending ones (exec_store_insert_fires). rows[i].skipped and
 * reason are ignored. */
int exec_store_insert_running(zq_db *db, const exec_fire_row *rows, int n, int64_t node_id,
			      int64_t start_ms, zq_err *err);

typedef struct exec_advance {
	int64_t task_id;
	int64_t next_ms;            /* ZQ_TIME_NONE: no more fires */
	int64_t last_fire_ms;       /* ZQ_TIME_NONE: keep */
} exec_advance;

/* Set next_run_at / last_fire_at of the (locked) tasks. */
int exec_store_advance(zq_db *db, const exec_advance *rows, int n, zq_err *err);

/* ---- claim ------------------------------------------------------------ */

/* Lock up to limit pending executions with not_before <= upto_ms, earliest
 * first, skipping locked rows. not_before (may be NULL) receives theirs. */
int exec_store_claim_ids(zq_db *db, int64_t upto_ms, int limit, int64_t *ids, int64_t *not_before,
			 int *n, zq_err *err);
/* pending -> running on node_id, started at start_ms, heartbeat now. */
int exec_store_mark_running(zq_db *db, const int64_t *ids, int n, int64_t node_id, int64_t start_ms,
			    zq_err *err);

/* An execution with its task: what a worker needs to run it, and what
 * finishing it needs (retry policy). Heap strings; exec_job_release. */
typedef struct exec_job {
	int64_t id, task_id, parent_id;     /* parent_id 0 = none */
	int trigger;                        /* enum zq_trigger */
	int status;                         /* enum zq_exec_status */
	int retry_count;
	int cancel_requested;
	int64_t scheduled_ms, start_ms, node_id;
	char *config_override;              /* JSON or NULL */
	char *params;                       /* JSON object or NULL: a trigger's parameter values */
	char *created_by;                   /* or NULL */
	int task_type;                      /* enum zq_task_type */
	char *task_name;
	char *task_config;                  /* JSON object text */
	int timeout_s;                      /* 0 = none */
	int max_retries, retry_interval_s;
	int32_t business_day;               /* e.business_date; ZQ_CAL_NO_DAY (INT32_MIN) = NULL */
	int64_t calendar_id;                /* the task's calendar, 0 = none */
	/* filled by the daemon when the run is claimed (scheduler/cal_cache.h): */
	int32_t prev_day, next_day;         /* previous / next business day; NO_DAY = unknown */
	char calendar[65];                  /* the calendar's name, "" = none */
} exec_job;

void exec_job_release(exec_job *j);
/* Load executions by id, joined with their task (rows whose task vanished
 * are left out). out must hold n entries; *got receives how many. */
int exec_store_load_jobs(zq_db *db, const int64_t *ids, int n, exec_job *out, int *got,
			 zq_err *err);

/* The same for the executions of schedule slots (task_id, fire_key =
 * exec_fire_key of rows[i]), by uk_exec_fire: the ones
 * exec_store_insert_running has just inserted. */
int exec_store_load_fired(zq_db *db, const exec_fire_row *rows, int n, exec_job *out, int *got,
			  zq_err *err);

/* ---- while running ---------------------------------------------------- */

/* Progress columns of a running execution (any value < 0 / NULL message:
 * leave the column as it is). */
int exec_store_progress(zq_db *db, int64_t id, int percent, int current, int total,
			const char *message, zq_err *err);

typedef struct exec_step {
	int64_t exec_id;
	int step;
	int status;                 /* enum exec_step_status */
	const char *message;
	int64_t at_ms;
} exec_step;

enum exec_step_status { EXEC_STEP_RUNNING = 0, EXEC_STEP_COMPLETED, EXEC_STEP_FAILED };

/* Insert or update step rows (execution_steps). */
int exec_store_put_steps(zq_db *db, const exec_step *steps, int n, zq_err *err);

/* Renew heartbeat_at (database clock) of the executions among ids still
 * running on node_id. Only the ones a worker really runs are renewed, so an
 * execution the daemon lost track of goes stale and is reaped. */
int exec_store_heartbeat(zq_db *db, int64_t node_id, const int64_t *ids, int n, int *renewed,
			 zq_err *err);
/* Which of ids are still running on node_id (no locks): the others were
 * reaped elsewhere or deleted with their task, and their runs should stop. */
int exec_store_still_running(zq_db *db, int64_t node_id, const int64_t *ids, int n, int64_t *out,
			     int *nout, zq_err *err);

/* Where a running execution's processes are (migration 060). */
typedef struct exec_process {
	char host[256];             /* gethostname */
	char boot[64];              /* /proc/sys/kernel/random/boot_id */
	int pid;                    /* the shim supervising the command */
	int64_t start;              /* its start time, /proc/PID/stat field 22 */
	int pgid;                   /* the command's process group */
	const char *cgroup;         /* the run's cgroup directory, or NULL */
} exec_process;

/* Record p for execution id while it runs on node_id (autocommit). */
int exec_store_set_process(zq_db *db, int64_t id, int64_t node_id, const exec_process *p,
			   zq_err *err);

/* Ids of executions running on node_id whose cancel was requested. */
int exec_store_cancelled_running(zq_db *db, int64_t node_id, int64_t *ids, int max, int *n,
				 zq_err *err);

/* ---- finish ----------------------------------------------------------- */

/* Lock the executions among ids still running on node_id; owned receives
 * them (the others were settled elsewhere, e.g. reaped). */
int exec_store_lock_owned(zq_db *db, int64_t node_id, const int64_t *ids, int n, int64_t *owned,
			  int *nowned, zq_err *err);

typedef struct exec_final {
	int64_t id;
	int status;                 /* final enum zq_exec_status */
	int64_t end_ms;
	int64_t duration_ms;        /* < 0: NULL (never started) */
	const char *result;         /* JSON object text or NULL */
	const char *error;          /* or NULL */
	int percent, current, total;/* < 0: leave as is */
	const char *message;        /* progress_message; NULL: leave as is */
} exec_final;

/* Write final states (rows the caller has locked). */
int exec_store_finish(zq_db *db, const exec_final *rows, int n, zq_err *err);

typedef struct exec_output {
	int64_t exec_id;
	const char *stdout_tail, *stderr_tail;
	size_t stdout_len, stderr_len;
	int64_t stdout_bytes, stderr_bytes;
	int exit_code;              /* < 0: NULL */
	int term_signal;            /* 0: NULL */
} exec_output;

int exec_store_put_output(zq_db *db, const exec_output *o, zq_err *err);

typedef struct exec_retry {
	int64_t task_id, parent_id; /* parent_id 0 = none */
	int64_t from_id;            /* the failed run (its backfill_id carries over) */
	int trigger;                /* ZQ_TRIGGER_RETRY */
	int retry_count;
	int64_t not_before_ms;
	const char *config_override;
	const char *params;         /* the failed run's, or NULL */
	const char *created_by;
	int32_t business_day;       /* the failed run's business_date; ZQ_CAL_NO_DAY = NULL */
} exec_retry;

/* Insert pending retry executions. */
int exec_store_insert_retries(zq_db *db, const exec_retry *rows, int n, zq_err *err);

/* ---- liveness and housekeeping ----------------------------------------- */

/* Lock up to limit running executions whose heartbeat is older than
 * lease_s seconds by the database clock, skipping locked rows. */
int exec_store_stale(zq_db *db, int lease_s, int limit, int64_t *ids, int *n, zq_err *err);
/* The stale executions of exec_store_stale whose processes were recorded on
 * host (locked, skipping locked rows): ids[i] with what it left, procs[i]
 * (cgroup points into a buffer valid until the next call on db; copy it). */
int exec_store_stale_on_host(zq_db *db, int lease_s, int limit, const char *host, int64_t *ids,
			     exec_process *procs, char (*cgroups)[512], int *n, zq_err *err);
/* Renew the heartbeat of running executions ids (locked by the caller): a
 * reaper that found their processes still alive on its host waits for them
 * to die before reaping (and retrying) these runs. */
int exec_store_hold(zq_db *db, const int64_t *ids, int n, zq_err *err);
/* Lock up to limit pending executions whose cancel was requested. */
int exec_store_pending_cancelled(zq_db *db, int limit, int64_t *ids, int *n, zq_err *err);

/* Earliest next_run_at of any task and earliest not_before of any pending
 * execution (ZQ_TIME_NONE when none): when the loop next has work. */
int exec_store_next_due(zq_db *db, int64_t *task_ms, int64_t *pending_ms, zq_err *err);

/* Retention walks ix_exec_created (created_at, id) in this order; a pass
 * starts from {0, 0}. */
typedef struct exec_purge_cursor {
	int64_t created_ms, id;
} exec_purge_cursor;

/* Retention, in the caller's transaction: lock up to limit finished
 * executions created before before_ms and after *cur, oldest first,
 * skipping locked rows: ids[i] of task task_ids[i]. *n receives how many;
 * *cur moves to the last one (when *n < limit the range is done). */
int exec_store_purge_pick(zq_db *db, int64_t before_ms, exec_purge_cursor *cur, int limit,
			  int64_t *ids, int64_t *task_ids, int *n, zq_err *err);
/* Delete the executions ids[0..n) with their steps, output and workflow
 * run rows. The caller refreshes their tasks' run state in the same
 * transaction. */
int exec_store_delete(zq_db *db, const int64_t *ids, int n, zq_err *err);

#endif
