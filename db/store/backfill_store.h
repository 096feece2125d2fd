/* backfill_store.h - backfills and backfill_dates rows (README "Calendars
 * and business dates", Backfill): the plan of a request (which dates of
 * [from, to] it runs), creating one (its row and its dates in the caller's
 * transaction), listing, reading, cancelling, and the engine's statements
 * (zq-scheduler's scheduler/backfill.c, in the tick's transaction).
 *
 * A backfill's dates are planned when it is created, oldest first:
 *   all      every business day of the task's calendar in [from, to]
 *            (every date without a calendar);
 *   missing  those with no execution of the task for that business_date
 *            other than skipped / terminated ones;
 *   failed   those whose latest execution for that business_date (by id)
 *            is failed or terminated.
 * A date is planned, then started (a pending execution with trigger
 * backfill, its business_date and backfill_id), then ended once no
 * execution of the backfill for it is pending or running (a retry inherits
 * backfill_id and business_date: the same date), or cancelled. At most
 * `concurrency` dates are started and not ended at a time.
 *
 * Idempotency: a running backfill holds active_key = task_id and
 * request_key = "from|to|mode" (uk_backfills_running); a second identical
 * request while it runs is ZQ_ECONFLICT. Both go NULL when it is done or
 * cancelled. A cancelled backfill keeps finished_at NULL until its started
 * dates have ended (the engine ends them as their runs stop). Days are day
 * numbers (calendar.h). */
#ifndef ZQ_BACKFILL_STORE_H
#define ZQ_BACKFILL_STORE_H

#include <stdint.h>

#include "calendar.h"
#include "db.h"

#define BACKFILL_DAYS_MAX 3660       /* dates of one request ([from, to] at most this long) */
#define BACKFILL_CONCURRENCY_MAX 16

enum { BF_MODE_MISSING = 0, BF_MODE_FAILED, BF_MODE_ALL, BF_MODE_COUNT };
enum { BF_RUNNING = 0, BF_DONE, BF_CANCELLED, BF_STATUS_COUNT };

/* "missing"/"failed"/"all" <-> mode, "running"/"done"/"cancelled" <-> status;
 * parse gives -1 for anything else. */
const char *backfill_mode_name(int mode);
int backfill_mode_parse(const char *s);
const char *backfill_status_name(int status);

typedef struct backfill_req {
	int64_t task_id;
	int32_t from, to;            /* inclusive day numbers, from <= to */
	int mode;                    /* BF_MODE_* */
	int concurrency;             /* 1..BACKFILL_CONCURRENCY_MAX */
	const char *actor;           /* created_by (and of its runs) */
} backfill_req;

/* The dates q would run, oldest first (*dates: free()). cal is the task's
 * calendar, NULL = none: then every date. With a calendar, [from, to] must
 * lie within its coverage: ZQ_EINVAL "from: calendar SSE has no data before
 * 2024-01-01" / "to: calendar SSE has no data after 2026-12-31". */
int backfill_store_plan(zq_db *db, const backfill_req *q, const zq_calendar *cal,
			int32_t **dates, int *n, zq_err *err);

/* In the caller's transaction: the backfills row (running, total n; done at
 * once when n is 0) and its n planned dates. *id gets its id. ZQ_ECONFLICT
 * when an identical request is running: "backfill 12 of task 3 with the same
 * from, to and mode is running (cancel it first)", *id then gets that one's. */
int backfill_store_create(zq_db *db, const backfill_req *q, const int32_t *dates, int n,
			  int64_t *id, zq_err *err);

typedef struct backfill_row {
	int64_t id, task_id;
	int32_t from, to;
	int mode, concurrency, status;
	int total, done, failed;
	int running;                 /* its executions pending or running now */
	char created_by[65];
	int64_t created_ms, finished_ms;  /* ZQ_TIME_NONE = NULL */
} backfill_row;

/* A task's backfills, newest first (at most limit). *rows: free(). */
int backfill_store_list(zq_db *db, int64_t task_id, int limit, backfill_row **rows, int *n,
			zq_err *err);
/* One backfill. ZQ_ENOTFOUND "backfill 5 not found". */
int backfill_store_get(zq_db *db, int64_t id, backfill_row *r, zq_err *err);

typedef struct backfill_date {
	int32_t day;
	int state;                   /* BF_DATE_* */
	int64_t exec_id;             /* 0 = none */
	int status;                  /* its latest execution's status, -1 = none */
} backfill_date;
enum { BF_DATE_PLANNED = 0, BF_DATE_STARTED, BF_DATE_ENDED, BF_DATE_CANCELLED };
const char *backfill_date_state_name(int state);

/* The dates of a backfill, oldest first. *dates: free(). */
int backfill_store_dates(zq_db *db, const backfill_row *r, backfill_date **dates, int *n,
			 zq_err *err);

/* In the caller's transaction: lock the backfill, mark it cancelled
 * (active_key, request_key NULL), its planned dates cancelled, and request
 * the cancel of its pending and running executions (cancel_requested = 1,
 * as the execution cancel does). *dates, *runs get how many.
 * ZQ_ENOTFOUND, or ZQ_ECONFLICT "backfill 5 is already done". */
int backfill_store_cancel(zq_db *db, int64_t id, int *dates, int *runs, zq_err *err);

/* ---- the engine (zq-scheduler, in the tick's transaction) ---------------------------- */

typedef struct backfill_job {
	int64_t id, task_id;
	int concurrency, status;
	char created_by[65];
} backfill_job;

/* Lock up to max backfills that have work (running, or cancelled with
 * finished_at NULL) FOR UPDATE SKIP LOCKED: two daemons never both start
 * dates of one backfill. */
int backfill_store_claim(zq_db *db, backfill_job *jobs, int max, int *n, zq_err *err);

/* End the started dates of b whose runs are all final (retries included);
 * *ended, *failed get how many, and of them how many whose latest run was
 * not a success; *left the started dates still running. */
int backfill_store_end_dates(zq_db *db, const backfill_job *b, int *ended, int *failed,
			     int *left, zq_err *err);

/* Start up to max of b's oldest planned dates: a pending execution each
 * (trigger backfill, business_date, backfill_id, due now), the date marked
 * started with it. days/exec_ids (max slots) get what started. */
int backfill_store_start_dates(zq_db *db, const backfill_job *b, int max, int32_t *days,
			       int64_t *exec_ids, int *n, zq_err *err);

/* Add ended / failed to b's counts; when none of its dates is planned or
 * started any more, finish it (done unless cancelled, finished_at now,
 * active_key and request_key NULL): *finished 1. */
int backfill_store_progress(zq_db *db, const backfill_job *b, int ended, int failed,
			    int *finished, zq_err *err);

#endif
