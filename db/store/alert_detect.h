/* alert_detect.h - turning what happens into alerts and outbox rows
 * (alerts, alert_events; migration 100): the settle hooks the scheduler
 * calls inside the transaction that settles runs or inserts skipped fires,
 * and the checks the sweep (db/notify/alert_sweep.c) runs on the clock.
 *
 * An alert is opened with INSERT IGNORE on uk_alerts_slot (rule, task,
 * slot); its events (one row per channel of the rule, `facts` built by SQL
 * from the execution and task rows) are written only for an alert this
 * call created, so the same occurrence never alerts twice. Rules: a task's
 * own rules of a kind, else the global rules (task_id NULL) of that kind;
 * an own rule that is disabled switches the global default off.
 *
 * Cost: every hook first asks alert_detect_any_rule, a process-wide cached
 * "is any rule enabled?" (re-read at most every ALERT_RULES_RECHECK_MS):
 * with no enabled rule the hooks do no SQL at all. Functions return 0 or a
 * negative ZQ_E* code with err filled; they run in the caller's
 * transaction. */
#ifndef ZQ_ALERT_DETECT_H
#define ZQ_ALERT_DETECT_H

#include <stdint.h>

#include "db.h"
#include "exec_store.h"

#define ALERT_RULES_RECHECK_MS 2000

/* 1 when an enabled alert rule exists (cached for the process, re-read at
 * most every ALERT_RULES_RECHECK_MS), 0 when none, < 0 on error. */
int alert_detect_any_rule(zq_db *db, zq_err *err);

/* One ended attempt of an execution whose final row was just written. */
typedef struct alert_settled {
	int64_t exec_id, task_id;
	int status;             /* enum zq_exec_status */
	int final;              /* no retry follows */
	int timed_out;          /* failed because it timed out ("timed out after ...") */
} alert_settled;

/* The settle hook: failures and timeouts open alerts and write failure /
 * timeout events (final ones; each_attempt on_failure rules: every failed
 * attempt); successes close the task's open failure, timeout and skipped
 * alerts (`recovered`, with a `recovery` event per on_recovery rule when a
 * failure or timeout alert was open) and its deadline alerts
 * (`succeeded`); every ended run closes its duration alerts (`finished`). */
int alert_detect_settle(zq_db *db, const alert_settled *runs, int n, zq_err *err);

/* The fire hook: the skipped rows among rows (just inserted by
 * exec_store_insert_fires) write on_skipped events. */
int alert_detect_skipped(zq_db *db, const exec_fire_row *rows, int n, zq_err *err);

/* ---- the sweep's checks (alert_detect_sweep.c), each in the caller's
 * transaction; *opened (may be NULL) receives how many alerts opened. ---- */

/* Deadlines: for each enabled deadline rule and each enabled task it
 * applies to, the latest deadline at or before now_ms (the database clock;
 * alert_deadline_last, in the rule's zone or the task's) that passed after
 * the rule and the task were created and within the last 24 h; it opens
 * when no success of the task ended since that local day began. */
int alert_detect_deadline(zq_db *db, int64_t now_ms, int *opened, zq_err *err);
/* An enabled, unpaused task's next_run_at, or a pending execution's
 * scheduled time (not_before unless a schedule fire), more than `after` s
 * past; slot = that time in ISO-8601. */
int alert_detect_not_started(zq_db *db, int *opened, zq_err *err);
/* A running execution past max_seconds, or past factor x the median of its
 * task's last 20 successes (with >= min_runs of them); slot = its id. */
int alert_detect_duration(zq_db *db, int *opened, zq_err *err);
/* First the scheduler_up events and closing (`up`) of open down alerts now
 * that a node runs with a fresh heartbeat; then, per enabled global rule
 * without an open alert, down when no node's last heartbeat or clean stop
 * is newer than `after` s (slot = the newest of those: the outage start). */
int alert_detect_scheduler_down(zq_db *db, int *opened, zq_err *err);
/* Events (is_repeat = 1) of open, unacknowledged alerts whose enabled rule
 * repeats and whose last event is repeat_every s old. */
int alert_detect_repeats(zq_db *db, int *written, zq_err *err);
/* Close open alerts whose condition cleared: not_started (`started`: no
 * longer waiting at its time), duration (`finished`: not running). */
int alert_detect_close_cleared(zq_db *db, zq_err *err);

/* The database clock, UTC ms (UNIX_TIMESTAMP(NOW(3))). */
int alert_detect_now_ms(zq_db *db, int64_t *now_ms, zq_err *err);

#endif
