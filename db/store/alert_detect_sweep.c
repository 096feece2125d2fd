/* alert_detect_sweep.c - the SQL of the sweep's checks (alert_detect.h):
 * deadline, not_started, duration, scheduler_down / up, repeats, and the
 * closing of alerts whose condition cleared. Each opens alerts with INSERT
 * IGNORE on uk_alerts_slot (rows that already exist are left out first, so
 * a re-detected occurrence costs no write), then writes the events of the
 * open alerts of its kind that have none yet (last_sent_at NULL) and marks
 * them sent: an occurrence alerts once, whichever process sweeps. */
#include "alert_detect.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_detect_int.h"
#include "alert_rule.h"
#include "json_batch.h"
#include "mem.h"
#include "timeutil.h"

#define DAY_MS (86400LL * 1000)
#define SWEEP_ROWS_MAX 5000     /* candidates read per check and round */

int alert_detect_now_ms(zq_db *db, int64_t *now_ms, zq_err *err)
{
	return zq_db_query_i64(db, "SELECT CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)",
			       ZQ_NO_PARAM, now_ms, err);
}

/* The events of the open alerts of kind that have none yet, one per channel
 * of their rule; then they count as sent (repeats count from here). */
static int events_of_new(zq_db *db, const char *kind, zq_err *err)
{
	int rc = zq_db_exec_json(db,
		AD_EVENT_COLS
		"SELECT a.id, c.channel_id, r.id, a.task_id, a.execution_id, " AD_EVENT("a.kind") ", "
		AD_FACTS(AD_EVENT("a.kind"), "a.id", "r", "false", "a.slot", "a.summary") ", "
		AD_STATUS_RA("r", "a") " "
		"FROM alerts a JOIN alert_rules r ON r.id = a.rule_id "
		"JOIN alert_rule_channels c ON c.rule_id = r.id "
		"LEFT JOIN scheduled_tasks tk ON tk.id = a.task_id "
		"LEFT JOIN task_executions e ON e.id = a.execution_id "
		"WHERE a.state = 'open' AND a.kind = ? AND a.last_sent_at IS NULL",
		kind, NULL, err);

	if (rc == 0)
		rc = zq_db_exec_json(db,
			"UPDATE alerts SET last_sent_at = NOW(3) "
			"WHERE state = 'open' AND kind = ? AND last_sent_at IS NULL", kind, NULL, err);
	return rc;
}

/* Run an opening statement (with one JSON parameter, or none when json is
 * NULL), then the events of what it opened. */
static int open_json(zq_db *db, const char *sql, const char *json, const char *kind,
		     int *opened, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc;

	if (!st)
		return err->code;
	if (json)
		zq_stmt_bind_str(st, 0, json);
	rc = zq_stmt_exec(st, err);
	if (opened)
		*opened = rc == 0 ? (int)zq_stmt_affected(st) : 0;
	zq_stmt_done(st);
	return rc < 0 ? rc : events_of_new(db, kind, err);
}

/* ---- deadline ------------------------------------------------------------------------- */

typedef struct {
	int64_t rule_id;
	alert_rule_params p;
	int ok;
} dl_rule;

static void dl_candidate(cJSON *arr, const dl_rule *r, int64_t task_id, const char *task_tz,
			 int64_t since_ms, int64_t now_ms)
{
	long long dl, ds;
	char slot[11], day[32], detail[160];
	const char *tz = r->p.timezone[0] ? r->p.timezone : task_tz;
	cJSON *o;

	if (alert_deadline_last(&r->p, tz, now_ms, &dl, &ds, slot) != 0 || dl < since_ms ||
	    dl <= now_ms - DAY_MS)
		return;
	snprintf(detail, sizeof(detail), "no success by %02d:%02d %s", r->p.minute_of_day / 60,
		 r->p.minute_of_day % 60, tz);
	o = cJSON_CreateObject();
	batch_put_num(o, "r", (double)r->rule_id);
	batch_put_num(o, "t", (double)task_id);
	batch_put_str(o, "s", slot);
	batch_sql_time(ds, day, sizeof(day));
	batch_put_str(o, "a", day);
	batch_put_str(o, "d", detail);
	cJSON_AddItemToArray(arr, o);
}

static void dl_rule_load(dl_rule *r, int64_t id, const char *params)
{
	cJSON *j = params ? cJSON_Parse(params) : NULL;
	zq_err e = ZQ_ERR_INIT;

	r->rule_id = id;
	r->ok = j && alert_rule_params_parse(AR_DEADLINE, j, &r->p, &e) == 0;
	cJSON_Delete(j);
}

/* The rule x task pairs, rules in id order: each rule's params parsed once. */
static int dl_collect(zq_db *db, int64_t now_ms, cJSON *arr, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"SELECT r.id, r.params, tk.id, tk.timezone, GREATEST(r.created_at, tk.created_at) "
		"FROM alert_rules r JOIN scheduled_tasks tk ON tk.enabled = 1 AND "
		AD_APPLIES("r", "tk.id") " WHERE r.kind = 'deadline' AND r.enabled = 1 "
		"ORDER BY r.id LIMIT 5000", err);
	dl_rule cur = {0};
	char tz[65];
	int rc;

	if (!st)
		return err->code;
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while ((rc = zq_stmt_fetch(st)) > 0) {
		if (zq_stmt_i64(st, 0) != cur.rule_id)
			dl_rule_load(&cur, zq_stmt_i64(st, 0), zq_stmt_str(st, 1));
		zq_stmt_copy(st, 3, tz, sizeof(tz));
		if (cur.ok)
			dl_candidate(arr, &cur, zq_stmt_i64(st, 2), tz, zq_stmt_time(st, 4), now_ms);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int alert_detect_deadline(zq_db *db, int64_t now_ms, int *opened, zq_err *err)
{
	cJSON *arr = cJSON_CreateArray();
	char *json;
	int rc;

	if (opened)
		*opened = 0;
	if ((rc = dl_collect(db, now_ms, arr, err)) < 0 || cJSON_GetArraySize(arr) == 0) {
		cJSON_Delete(arr);
		return rc;
	}
	json = batch_render(arr);
	/* a success since the day began (before the deadline, or already after
	 * it when the sweep comes late): nothing to say. ix_exec_task_status_start */
	rc = open_json(db,
		"INSERT IGNORE INTO alerts (rule_id, task_id, slot, kind, summary) "
		"SELECT j.r, j.t, j.s, 'deadline', j.d FROM JSON_TABLE(?, '$[*]' COLUMNS ("
		"r BIGINT PATH '$.r', t BIGINT PATH '$.t', s VARCHAR(16) PATH '$.s', "
		"a DATETIME(3) PATH '$.a', d VARCHAR(255) PATH '$.d')) j "
		"WHERE NOT EXISTS (SELECT 1 FROM alerts x WHERE x.rule_id = j.r AND x.task_key = j.t "
		"AND x.slot = CAST(j.s AS BINARY)) AND NOT EXISTS (SELECT 1 FROM task_executions e WHERE "
		"e.task_id = j.t AND e.status = 'success' AND e.start_time >= j.a - INTERVAL 7 DAY "
		"AND e.end_time >= j.a) "
		/* a task on a business calendar: business days only (and none the
		 * calendar does not cover) */
		"AND NOT EXISTS (SELECT 1 FROM scheduled_tasks tk JOIN calendars c ON c.id = tk.calendar_id "
		"WHERE tk.id = j.t AND NOT (CAST(j.s AS DATE) BETWEEN COALESCE(c.covered_from, "
		"CAST(j.s AS DATE)) AND COALESCE(c.covered_until, CAST(j.s AS DATE)) AND "
		"((FIND_IN_SET(WEEKDAY(CAST(j.s AS DATE)) + 1, REPLACE(c.weekend, ' ', '')) = 0 AND "
		"NOT EXISTS (SELECT 1 FROM calendar_days h WHERE h.calendar_id = c.id AND h.day = "
		"CAST(j.s AS DATE) AND h.kind = 'holiday')) OR EXISTS (SELECT 1 FROM calendar_days w "
		"WHERE w.calendar_id = c.id AND w.day = CAST(j.s AS DATE) AND w.kind = 'workday'))))",
		json, "deadline", opened, err);
	free(json);
	return rc;
}

/* ---- not_started ---------------------------------------------------------------------- */

#define NS_AFTER "CAST(COALESCE(JSON_VALUE(r.params, '$.after'), 300) AS UNSIGNED)"
#define NS_AT(e) \
	"IF(" e ".trigger_type = 'schedule', COALESCE(" e ".scheduled_time, " e ".not_before), " \
	e ".not_before)"
#define SLOT_TIME "STR_TO_DATE(a.slot, '%Y-%m-%dT%H:%i:%s.%fZ')"

/* A task whose calendar ran out will never start again: say so at once (not
 * `after` s past a fire that is not coming), one alert per coverage end. The
 * slot is "calendar:NAME:covered_until". ix_tasks_calendar */
#define CAL_SLOT "CONCAT('calendar:', cal.name, ':', COALESCE(cal.covered_until, ''))"

static int calendar_stopped(zq_db *db, int *opened, zq_err *err)
{
	return open_json(db,
		"INSERT IGNORE INTO alerts (rule_id, task_id, slot, kind, summary) "
		"SELECT r.id, t.id, " CAL_SLOT ", 'not_started', CONCAT('calendar ', cal.name, "
		"' has no data after ', COALESCE(cal.covered_until, '?'), ': not scheduled further') "
		"FROM calendars cal JOIN scheduled_tasks t ON t.calendar_id = cal.id "
		"JOIN alert_rules r ON r.kind = 'not_started' AND r.enabled = 1 AND "
		AD_APPLIES("r", "t.id") " "
		"WHERE t.next_run_at IS NULL AND t.enabled = 1 AND t.paused = 0 AND "
		"(COALESCE(t.cron_expression, '') <> '' OR t.interval_seconds > 0) AND NOT EXISTS "
		"(SELECT 1 FROM alerts x WHERE x.rule_id = r.id AND x.task_key = t.id AND x.slot = "
		CAL_SLOT ")",
		NULL, "not_started", opened, err);
}

int alert_detect_not_started(zq_db *db, int *opened, zq_err *err)
{
	int rc, more = 0;

	/* ix_tasks_next_run and ix_exec_claim: ranges over what is overdue */
	rc = open_json(db,
		"INSERT IGNORE INTO alerts (rule_id, task_id, slot, kind, execution_id, summary) "
		"SELECT r.id, c.tid, " AD_ISO("c.at") ", 'not_started', c.eid, CONCAT('due at ', "
		AD_ISO("c.at") ", ', not started ', " NS_AFTER ", ' s later') "
		"FROM (SELECT t.id tid, t.next_run_at at, NULL eid FROM scheduled_tasks t "
		"WHERE t.next_run_at < NOW(3) AND t.enabled = 1 AND t.paused = 0 UNION ALL "
		"SELECT e.task_id, " NS_AT("e") ", e.id FROM task_executions e "
		"WHERE e.status = 'pending' AND e.not_before < NOW(3)) c "
		"JOIN alert_rules r ON r.kind = 'not_started' AND r.enabled = 1 AND "
		AD_APPLIES("r", "c.tid") " "
		"WHERE c.at < NOW(3) - INTERVAL " NS_AFTER " SECOND AND NOT EXISTS (SELECT 1 FROM "
		"alerts x WHERE x.rule_id = r.id AND x.task_key = c.tid AND x.slot = " AD_ISO("c.at")
		")",
		NULL, "not_started", opened, err);
	if (rc == 0 && (rc = calendar_stopped(db, &more, err)) == 0 && opened)
		*opened += more;
	return rc;
}

/* ---- duration ------------------------------------------------------------------------- */

typedef struct {
	int64_t exec_id, task_id, rule_id, elapsed_ms, max_s;
	double factor;
	int min_runs;
} dur_cand;

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median duration of the task's last 20 successes (ix_exec_task_status,
 * newest first); *n receives how many there were. */
static int median_ms(zq_db *db, int64_t task_id, double *median, int *n, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"SELECT duration_ms FROM task_executions WHERE task_id = ? AND status = 'success' "
		"AND duration_ms IS NOT NULL ORDER BY id DESC LIMIT 20", err);
	int64_t d[20];
	int rc;

	*n = 0;
	*median = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, task_id);
	if ((rc = zq_stmt_exec(st, err)) == 0)
		while (*n < 20 && (rc = zq_stmt_fetch(st)) > 0)
			d[(*n)++] = zq_stmt_i64(st, 0);
	zq_stmt_done(st);
	if (rc < 0)
		return err->code ? err->code : zq_errf(err, ZQ_EDB, "fetch failed");
	qsort(d, (size_t)*n, sizeof(d[0]), cmp_i64);
	if (*n)
		*median = *n % 2 ? (double)d[*n / 2] : (d[*n / 2 - 1] + d[*n / 2]) / 2.0;
	return 0;
}

/* Whether c is over its limits; detail says how. */
static int dur_over(zq_db *db, const dur_cand *c, char *detail, size_t len, zq_err *err)
{
	double med;
	int n, rc;

	if (c->max_s > 0 && c->elapsed_ms > c->max_s * 1000) {
		snprintf(detail, len, "running for %lld s, over max_seconds %lld",
			 (long long)(c->elapsed_ms / 1000), (long long)c->max_s);
		return 1;
	}
	if (!(c->factor > 0))
		return 0;
	if ((rc = median_ms(db, c->task_id, &med, &n, err)) < 0)
		return rc;
	if (n < c->min_runs || !(c->elapsed_ms > c->factor * med))
		return 0;
	snprintf(detail, len, "running for %.1f s, over %g x the median %.1f s of the last %d "
		 "successes", c->elapsed_ms / 1000.0, c->factor, med / 1000.0, n);
	return 1;
}

static void read_dur(zq_stmt *st, dur_cand *c)
{
	c->exec_id = zq_stmt_i64(st, 0);
	c->task_id = zq_stmt_i64(st, 1);
	c->rule_id = zq_stmt_i64(st, 2);
	c->elapsed_ms = zq_stmt_i64(st, 3);
	c->max_s = zq_stmt_i64(st, 4);
	c->factor = zq_stmt_double(st, 5);
	c->min_runs = (int)zq_stmt_i64(st, 6);
}

/* Running executions x the duration rules of their task that have no alert
 * for them yet. ix_exec_claim (status prefix). */
static int dur_candidates(zq_db *db, dur_cand **out, int *n, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"SELECT e.id, e.task_id, r.id, TIMESTAMPDIFF(MICROSECOND, e.start_time, NOW(3)) DIV 1000, "
		"CAST(COALESCE(JSON_VALUE(r.params, '$.max_seconds'), 0) AS SIGNED), "
		"CAST(COALESCE(JSON_VALUE(r.params, '$.factor'), 0) AS DOUBLE), "
		"CAST(COALESCE(JSON_VALUE(r.params, '$.min_runs'), 5) AS SIGNED) "
		"FROM task_executions e JOIN alert_rules r ON r.kind = 'duration' AND r.enabled = 1 AND "
		AD_APPLIES("r", "e.task_id") " WHERE e.status = 'running' AND e.start_time IS NOT NULL "
		"AND NOT EXISTS (SELECT 1 FROM alerts x WHERE x.rule_id = r.id AND x.task_key = e.task_id "
		"AND x.slot = CAST(e.id AS CHAR)) LIMIT 5000", err);
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return err->code;
	if ((rc = zq_stmt_exec(st, err)) == 0)
		while ((rc = zq_stmt_fetch(st)) > 0) {
			*out = zq_grow(*out, &cap, (size_t)*n + 1, sizeof(**out));
			read_dur(st, &(*out)[(*n)++]);
		}
	zq_stmt_done(st);
	return rc < 0 ? (err->code ? err->code : zq_errf(err, ZQ_EDB, "fetch failed")) : 0;
}

int alert_detect_duration(zq_db *db, int *opened, zq_err *err)
{
	dur_cand *c;
	cJSON *arr = cJSON_CreateArray();
	char detail[200], *json;
	int n, rc, over;

	if (opened)
		*opened = 0;
	rc = dur_candidates(db, &c, &n, err);
	for (int i = 0; rc == 0 && i < n; i++) {
		if ((over = dur_over(db, &c[i], detail, sizeof(detail), err)) < 0)
			rc = over;
		if (over > 0) {
			cJSON *o = cJSON_CreateObject();
			batch_put_num(o, "r", (double)c[i].rule_id);
			batch_put_num(o, "t", (double)c[i].task_id);
			batch_put_num(o, "e", (double)c[i].exec_id);
			batch_put_str(o, "d", detail);
			cJSON_AddItemToArray(arr, o);
		}
	}
	free(c);
	if (rc < 0 || cJSON_GetArraySize(arr) == 0) {
		cJSON_Delete(arr);
		return rc;
	}
	json = batch_render(arr);
	rc = open_json(db,
		"INSERT IGNORE INTO alerts (rule_id, task_id, slot, kind, execution_id, summary) "
		"SELECT j.r, j.t, CAST(j.e AS CHAR), 'duration', j.e, j.d FROM JSON_TABLE(?, "
		"'$[*]' COLUMNS (r BIGINT PATH '$.r', t BIGINT PATH '$.t', e BIGINT PATH '$.e', "
		"d VARCHAR(255) PATH '$.d')) j",
		json, "duration", opened, err);
	free(json);
	return rc;
}

/* ---- scheduler_down / scheduler_up ---------------------------------------------------- */

#define SD_AFTER "CAST(COALESCE(JSON_VALUE(r.params, '$.after'), 60) AS UNSIGNED)"
/* a node's last sign of life: its heartbeat, or its clean stop */
#define SD_LAST(n) "GREATEST(" n ".heartbeat_at, COALESCE(" n ".stopped_at, " n ".heartbeat_at))"

/* The ids sql selects (at most SWEEP_ROWS_MAX). Not locked: sweepers take
 * turns under the session lock, and a settle that closes one of these
 * alerts meanwhile costs at most one last event. */
static int pick_ids(zq_db *db, const char *sql, int64_t **ids, int *n, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc;

	*ids = zq_calloc(SWEEP_ROWS_MAX + 1, sizeof(int64_t));
	*n = 0;
	if (!st)
		return err->code;
	rc = zq_stmt_fetch_ids(st, *ids, SWEEP_ROWS_MAX, n, err);
	zq_stmt_done(st);
	return rc;
}

/* The scheduler_up events of the down alerts that a live node ends, and
 * their closing (up). */
static int scheduler_up(zq_db *db, zq_err *err)
{
	int64_t *ids;
	char *json;
	int n, rc = pick_ids(db,
		"SELECT a.id FROM alerts a JOIN alert_rules r ON r.id = a.rule_id "
		"WHERE a.state = 'open' AND a.kind = 'scheduler_down' AND EXISTS (SELECT 1 FROM "
		"scheduler_nodes n WHERE n.state = 'running' AND n.heartbeat_at > NOW(3) - INTERVAL "
		SD_AFTER " SECOND) LIMIT 5000", &ids, &n, err);

	if (rc < 0 || n == 0) {
		free(ids);
		return rc;
	}
	json = zq_db_ids_json(ids, n);
	free(ids);
	rc = zq_db_exec_json(db,
		AD_EVENT_COLS
		"SELECT a.id, c.channel_id, r.id, NULL, NULL, 'scheduler_up', "
		AD_FACTS("'scheduler_up'", "a.id", "r", "false", "a.slot",
			 "CONCAT('a scheduler is alive again: ', COALESCE((SELECT n.name FROM "
			 "scheduler_nodes n WHERE n.state = 'running' ORDER BY n.heartbeat_at DESC "
			 "LIMIT 1), '?'))") ", "
		AD_STATUS_RA("r", "a") " "
		"FROM " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN alerts a ON a.id = j.id "
		"JOIN alert_rules r ON r.id = a.rule_id JOIN alert_rule_channels c ON c.rule_id = r.id "
		"LEFT JOIN scheduled_tasks tk ON tk.id = a.task_id "
		"LEFT JOIN task_executions e ON e.id = a.execution_id", json, NULL, err);
	if (rc == 0)
		rc = zq_db_exec_json(db,
			"UPDATE " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN alerts a ON a.id = j.id "
			"SET a.state = 'closed', a.closed_at = NOW(3), a.closed_reason = 'up'",
			json, NULL, err);
	free(json);
	return rc;
}

int alert_detect_scheduler_down(zq_db *db, int *opened, zq_err *err)
{
	int rc = scheduler_up(db, err);

	/* slot: the outage's start (the last sign of life of any node), the same
	 * for every sweeper; one open alert per rule */
	return rc < 0 ? rc : open_json(db,
		"INSERT IGNORE INTO alerts (rule_id, task_id, slot, kind, summary) "
		"SELECT r.id, NULL, COALESCE((SELECT " AD_ISO("MAX(" SD_LAST("n") ")") " FROM "
		"scheduler_nodes n), ''), 'scheduler_down', CONCAT('no scheduler alive for ', "
		SD_AFTER ", ' s') FROM alert_rules r "
		"WHERE r.kind = 'scheduler_down' AND r.enabled = 1 AND r.task_id IS NULL "
		"AND NOT EXISTS (SELECT 1 FROM scheduler_nodes n WHERE " SD_LAST("n") " > NOW(3) - "
		"INTERVAL " SD_AFTER " SECOND) "
		"AND NOT EXISTS (SELECT 1 FROM alerts x WHERE x.rule_id = r.id AND x.state = 'open')",
		NULL, "scheduler_down", opened, err);
}

/* ---- repeats -------------------------------------------------------------------------- */

int alert_detect_repeats(zq_db *db, int *written, zq_err *err)
{
	int64_t *ids;
	char *json;
	uint64_t w = 0;
	int n, rc = pick_ids(db,
		"SELECT a.id FROM alerts a JOIN alert_rules r ON r.id = a.rule_id "
		"WHERE a.state = 'open' AND a.acked_at IS NULL AND a.last_sent_at IS NOT NULL "
		"AND r.enabled = 1 AND r.repeat_every > 0 "
		"AND a.last_sent_at <= NOW(3) - INTERVAL r.repeat_every SECOND LIMIT 5000",
		&ids, &n, err);

	if (written)
		*written = 0;
	if (rc < 0 || n == 0) {
		free(ids);
		return rc;
	}
	json = zq_db_ids_json(ids, n);
	free(ids);
	/* the facts of the alert's first event, as a repeat; rebuilt when gone */
	rc = zq_db_exec_json(db,
		"INSERT INTO alert_events (alert_id, channel_id, rule_id, task_id, execution_id, event, "
		"is_repeat, facts, status) "
		"SELECT a.id, c.channel_id, r.id, a.task_id, a.execution_id, " AD_EVENT("a.kind") ", 1, "
		"COALESCE(JSON_SET((SELECT x.facts FROM alert_events x WHERE x.alert_id = a.id AND "
		"x.is_repeat = 0 AND x.event = " AD_EVENT("a.kind") " ORDER BY x.id LIMIT 1), "
		"'$.repeat', JSON_EXTRACT('true', '$'), '$.detected_at', " AD_ISO("NOW(3)") "), "
		AD_FACTS(AD_EVENT("a.kind"), "a.id", "r", "true", "a.slot", "a.summary") "), "
		AD_STATUS_RA("r", "a") " "
		"FROM " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN alerts a ON a.id = j.id AND a.state = 'open' "
		"JOIN alert_rules r ON r.id = a.rule_id JOIN alert_rule_channels c ON c.rule_id = r.id "
		"LEFT JOIN scheduled_tasks tk ON tk.id = a.task_id "
		"LEFT JOIN task_executions e ON e.id = a.execution_id", json, &w, err);
	if (rc == 0)
		rc = zq_db_exec_json(db,
			"UPDATE " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN alerts a ON a.id = j.id "
			"SET a.last_sent_at = NOW(3)", json, NULL, err);
	if (written)
		*written = (int)w;
	free(json);
	return rc;
}

/* ---- conditions that cleared ---------------------------------------------------------- */

int alert_detect_close_cleared(zq_db *db, zq_err *err)
{
	/* not_started: neither the task's next fire nor a pending execution is
	 * still at the slot's time (it fired and started, or is gone) */
	int rc = zq_db_exec(db,
		"UPDATE alerts a SET a.state = 'closed', a.closed_at = NOW(3), a.closed_reason = 'started' "
		"WHERE a.state = 'open' AND a.kind = 'not_started' AND a.slot NOT LIKE 'calendar:%' "
		"AND NOT EXISTS (SELECT 1 FROM scheduled_tasks t WHERE t.id = a.task_id AND t.enabled = 1 "
		"AND t.paused = 0 AND t.next_run_at = " SLOT_TIME ") "
		"AND NOT EXISTS (SELECT 1 FROM task_executions e FORCE INDEX (ix_exec_task_status) "
		"WHERE e.task_id = a.task_id AND e.status = 'pending' AND " NS_AT("e") " = " SLOT_TIME
		")", err);

	/* a calendar that ran out: the task is scheduled again (the calendar was
	 * extended), or no longer waits (disabled, paused, off the calendar) */
	if (rc == 0)
		rc = zq_db_exec(db,
			"UPDATE alerts a SET a.state = 'closed', a.closed_at = NOW(3), "
			"a.closed_reason = 'scheduled' WHERE a.state = 'open' AND a.kind = 'not_started' "
			"AND a.slot LIKE 'calendar:%' AND NOT EXISTS (SELECT 1 FROM scheduled_tasks t WHERE "
			"t.id = a.task_id AND t.next_run_at IS NULL AND t.enabled = 1 AND t.paused = 0 AND "
			"t.calendar_id IS NOT NULL)", err);

	/* duration: the execution is no longer running (or gone) */
	if (rc == 0)
		rc = zq_db_exec(db,
			"UPDATE alerts a "
			"SET a.state = 'closed', a.closed_at = NOW(3), a.closed_reason = 'finished' "
			"WHERE a.state = 'open' AND a.kind = 'duration' AND NOT EXISTS (SELECT 1 FROM "
			"task_executions e FORCE INDEX (PRIMARY) WHERE e.id = a.execution_id "
			"AND e.status = 'running')", err);
	return rc;
}
