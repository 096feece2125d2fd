/* alert_detect_int.h - what alert_detect.c and alert_detect_sweep.c share:
 * the SQL fragments that pick a task's rules and build an event's facts
 * (string literals, so every statement stays one fixed, cached text). */
#ifndef ZQ_ALERT_DETECT_INT_H
#define ZQ_ALERT_DETECT_INT_H

#include "db.h"

/* A DATETIME(3) as ISO-8601 UTC with ms and Z (NULL stays NULL). */
#define AD_ISO(x) "CONCAT(LEFT(DATE_FORMAT(" x ", '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')"

/* Rule r (an alias) applies to task t (an expression) for its kind: the
 * task's own rule, or a global one when the task has no rule of that kind
 * (an own disabled rule switches the default off). ix_alert_rules_task. */
#define AD_APPLIES(r, t) \
	"(" r ".task_id = " t " OR (" r ".task_id IS NULL AND NOT EXISTS (SELECT 1 FROM " \
	"alert_rules o WHERE o.task_id = " t " AND o.kind = " r ".kind)))"

/* The event an alert of kind k writes. */
#define AD_EVENT(k) \
	"CASE " k " WHEN 'on_failure' THEN 'failure' WHEN 'on_timeout' THEN 'timeout' " \
	"WHEN 'on_skipped' THEN 'skipped' ELSE " k " END"

/* The facts of the task row tk and the execution row e (NULL rows: null). */
#define AD_TASK_JSON \
	"IF(tk.id IS NULL, NULL, JSON_OBJECT('id', tk.id, 'name', tk.name, 'type', tk.task_type, " \
	"'timezone', tk.timezone))"
#define AD_EXEC_JSON \
	"IF(e.id IS NULL, NULL, JSON_OBJECT('id', e.id, 'status', e.status, 'trigger_type', " \
	"e.trigger_type, 'scheduled_time', " AD_ISO("e.scheduled_time") ", 'start_time', " \
	AD_ISO("e.start_time") ", 'end_time', " AD_ISO("e.end_time") ", 'duration_ms', " \
	"e.duration_ms, 'retry_count', e.retry_count, 'max_retries', tk.max_retries, 'error', " \
	"LEFT(e.error_message, 500)))"

/* An event's facts (the contract's shape; event_id is filled at send
 * time): event name, alert id, the rule alias, repeat ("true"/"false"),
 * slot and detail expressions; tasks are tk, executions e. */
#define AD_FACTS(ev, aid, r, rep, slot, detail) \
	"JSON_OBJECT('event', " ev ", 'event_id', NULL, 'alert_id', " aid ", 'rule_id', " r \
	".id, 'rule_kind', " r ".kind, 'repeat', JSON_EXTRACT('" rep "', '$'), 'task', " \
	AD_TASK_JSON ", 'execution', " AD_EXEC_JSON ", 'slot', " slot ", 'detected_at', " \
	AD_ISO("NOW(3)") ", 'detail', " detail ")"

/* An event row's status: silenced while its rule or its alert is. */
#define AD_STATUS_R(r) "IF(COALESCE(" r ".silenced_until > NOW(3), 0), 'silenced', 'pending')"
#define AD_STATUS_RA(r, a) \
	"IF(COALESCE(" r ".silenced_until > NOW(3), 0) OR COALESCE(" a ".silenced_until > " \
	"NOW(3), 0), 'silenced', 'pending')"

#define AD_EVENT_COLS \
	"INSERT INTO alert_events (alert_id, channel_id, rule_id, task_id, execution_id, event, " \
	"facts, status) "

/* The first column of the first row of sql run with one JSON parameter. */
int ad_json_i64(zq_db *db, const char *sql, const char *json, int64_t *out, zq_err *err);

#endif
