/* alert_detect.c - the settle and fire hooks (alert_detect.h): the SQL that
 * opens failure, timeout and skipped alerts with their events, and closes
 * what a success or an ended run clears, one statement per kind of outcome
 * for a whole batch (one JSON parameter, json_batch.h). The sweep's checks
 * are alert_detect_sweep.c. */
#include "alert_detect.h"

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "alert_detect_int.h"
#include "json_batch.h"
#include "log.h"
#include "task.h"
#include "timeutil.h"

/* ---- is any rule enabled? ------------------------------------------------------------ */

static _Atomic int64_t rules_read_at = INT64_MIN;   /* monotonic ms of the last read */
static atomic_int rules_any;

int alert_detect_any_rule(zq_db *db, zq_err *err)
{
	int64_t now = zq_mono_ms(), at = atomic_load(&rules_read_at), v = 0;
	int rc;

	if (at != INT64_MIN && now - at < ALERT_RULES_RECHECK_MS && now >= at)
		return atomic_load(&rules_any);
	/* ix_alert_rules_kind would serve a kind; any enabled row ends the scan */
	rc = zq_db_query_i64(db, "SELECT EXISTS (SELECT 1 FROM alert_rules WHERE enabled = 1)",
			     ZQ_NO_PARAM, &v, err);
	if (rc < 0)
		return rc;
	atomic_store(&rules_any, v != 0);
	atomic_store(&rules_read_at, now);
	return v != 0;
}

int ad_json_i64(zq_db *db, const char *sql, const char *json, int64_t *out, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc;

	*out = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, json);
	if ((rc = zq_stmt_exec(st, err)) == 0 && (rc = zq_stmt_fetch(st)) > 0)
		*out = zq_stmt_i64(st, 0);
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
	zq_stmt_done(st);
	return rc;
}

/* A hook's failure other than a lock conflict or a lost connection (which
 * the caller retries) must not keep runs from settling: it is logged, the
 * statement that failed is undone by the server, the settle goes on. */
static int tolerate(int rc, zq_err *err)
{
	if (rc >= 0 || rc == ZQ_EBUSY || rc == ZQ_EDBDOWN)
		return rc;
	zq_warn("alerts: %s (the runs settle without their alert events)", err->msg);
	zq_err_clear(err);
	return 0;
}

/* ---- failures, timeouts, skipped fires ------------------------------------------------ */

/* The events of the alerts just opened for executions: the alert's slot is
 * the execution id, and only this transaction (which holds the execution's
 * row) settles it; an alert that already has events is left alone. */
#define EVENTS_OF_OPENED(from) \
	AD_EVENT_COLS \
	"SELECT a.id, c.channel_id, r.id, a.task_id, a.execution_id, " AD_EVENT("a.kind") ", " \
	AD_FACTS(AD_EVENT("a.kind"), "a.id", "r", "false", "a.slot", "NULL") ", " \
	AD_STATUS_RA("r", "a") " " from \
	" STRAIGHT_JOIN alerts a FORCE INDEX (ix_alerts_task) ON a.task_id = e.task_id AND a.state = 'open' " \
	"AND a.slot = CAST(e.id AS CHAR) " \
	"AND a.execution_id = e.id AND a.kind IN ('on_failure', 'on_timeout', 'on_skipped') " \
	"STRAIGHT_JOIN alert_rules r ON r.id = a.rule_id " \
	"STRAIGHT_JOIN alert_rule_channels c ON c.rule_id = r.id " \
	"STRAIGHT_JOIN scheduled_tasks tk ON tk.id = a.task_id " \
	"WHERE NOT EXISTS (SELECT 1 FROM alert_events x WHERE x.alert_id = a.id)"

/* A failed attempt is a timeout for rules when it timed out and an on_timeout
 * rule applies to its task; otherwise a failure. Final attempts open every
 * applying rule's alert, earlier ones only each_attempt on_failure rules'. */
static int open_failures(zq_db *db, const char *json, zq_err *err)
{
	uint64_t opened = 0;
	int rc = zq_db_exec_json(db,
		"INSERT IGNORE INTO alerts (rule_id, task_id, slot, kind, execution_id, summary, "
		"last_sent_at) "
		"SELECT r.id, j.t, CAST(j.e AS CHAR), r.kind, j.e, LEFT(CONCAT(IF(r.kind = 'on_timeout', "
		"'timed out', 'failed'), IF(e.retry_count > 0, CONCAT(' (attempt ', e.retry_count + 1, "
		"')'), ''), ': ', COALESCE(e.error_message, '')), 1024), NOW(3) "
		"FROM JSON_TABLE(?, '$[*]' COLUMNS (e BIGINT PATH '$.e', t BIGINT PATH '$.t', "
		"f INT PATH '$.f', o INT PATH '$.o')) j "
		"STRAIGHT_JOIN task_executions e ON e.id = j.e "
		"STRAIGHT_JOIN alert_rules r ON r.kind = IF(j.o = 1 AND EXISTS (SELECT 1 FROM alert_rules x "
		"WHERE x.kind = 'on_timeout' AND x.enabled = 1 AND " AD_APPLIES("x", "j.t") "), "
		"'on_timeout', 'on_failure') AND r.enabled = 1 AND " AD_APPLIES("r", "j.t") " "
		"WHERE j.f = 1 OR (r.kind = 'on_failure' AND "
		"COALESCE(JSON_VALUE(r.params, '$.each_attempt'), '') IN ('1', 'true'))",
		json, &opened, err);

	if (rc < 0 || opened == 0)
		return rc;
	return zq_db_exec_json(db, EVENTS_OF_OPENED(
		"FROM JSON_TABLE(?, '$[*]' COLUMNS (e BIGINT PATH '$.e')) j "
		"STRAIGHT_JOIN task_executions e ON e.id = j.e"), json, NULL, err);
}

/* ---- successes and every ended run ---------------------------------------------------- */

/* A success of a task with open failure or timeout alerts: a recovery event
 * per channel of each on_recovery rule of the task (once per task in the
 * batch: its first success), naming the latest of those alerts. */
static int write_recoveries(zq_db *db, const char *json, zq_err *err)
{
	return zq_db_exec_json(db,
		AD_EVENT_COLS
		"SELECT j.a, c.channel_id, r.id, j.t, e.id, 'recovery', "
		AD_FACTS("'recovery'", "j.a", "r", "false", "CAST(e.id AS CHAR)", "NULL") ", "
		AD_STATUS_R("r") " "
		"FROM (SELECT g.t, MIN(g.e) e, (SELECT MAX(a.id) FROM alerts a FORCE INDEX "
		"(ix_alerts_task) WHERE a.task_id = g.t "
		"AND a.state = 'open' AND a.kind IN ('on_failure', 'on_timeout')) a "
		"FROM JSON_TABLE(?, '$[*]' COLUMNS (e BIGINT PATH '$.e', t BIGINT PATH '$.t', "
		"s INT PATH '$.s')) g WHERE g.s = 1 GROUP BY g.t) j "
		"STRAIGHT_JOIN task_executions e ON e.id = j.e "
		"STRAIGHT_JOIN scheduled_tasks tk ON tk.id = j.t "
		"STRAIGHT_JOIN alert_rules r ON r.kind = 'on_recovery' AND r.enabled = 1 AND "
		AD_APPLIES("r", "j.t") " "
		"STRAIGHT_JOIN alert_rule_channels c ON c.rule_id = r.id WHERE j.a IS NOT NULL",
		json, NULL, err);
}

/* Close what the ended runs clear: a success its task's failure, timeout
 * and skipped alerts (recovered) and deadline alerts (succeeded); any end
 * the run's own duration alerts (finished). ix_alerts_task. */
static int close_ended(zq_db *db, const char *json, zq_err *err)
{
	return zq_db_exec_json(db,
		"UPDATE JSON_TABLE(?, '$[*]' COLUMNS (e BIGINT PATH '$.e', t BIGINT PATH '$.t', "
		"s INT PATH '$.s')) j STRAIGHT_JOIN alerts a FORCE INDEX (ix_alerts_task) "
		"ON a.task_id = j.t AND a.state = 'open' "
		"SET a.state = 'closed', a.closed_at = NOW(3), a.closed_reason = CASE a.kind "
		"WHEN 'deadline' THEN 'succeeded' WHEN 'duration' THEN 'finished' ELSE 'recovered' END "
		"WHERE (j.s = 1 AND a.kind IN ('on_failure', 'on_timeout', 'on_skipped', 'deadline')) "
		"OR (a.kind = 'duration' AND a.execution_id = j.e)",
		json, NULL, err);
}

static int settle_ended(zq_db *db, const char *json, int nsuccess, zq_err *err)
{
	int64_t open = 0;
	int rc;

	/* the one statement of a batch whose tasks have nothing open: each task
	 * probes ix_alerts_task (forced: a semi-join would scan the index) */
	rc = ad_json_i64(db,
		"SELECT EXISTS (SELECT 1 FROM JSON_TABLE(?, '$[*]' COLUMNS (t BIGINT PATH '$.t')) j "
		"STRAIGHT_JOIN alerts a FORCE INDEX (ix_alerts_task) ON a.task_id = j.t "
		"AND a.state = 'open')",
		json, &open, err);
	if (rc < 0 || open == 0)
		return rc;
	if (nsuccess && (rc = write_recoveries(db, json, err)) < 0)
		return rc;
	return close_ended(db, json, err);
}

int alert_detect_settle(zq_db *db, const alert_settled *runs, int n, zq_err *err)
{
	cJSON *fails, *ended;
	char *fj, *ej;
	int nfail = 0, nsuccess = 0, rc;

	if (n <= 0 || (rc = alert_detect_any_rule(db, err)) <= 0)
		return n <= 0 ? 0 : tolerate(rc, err);
	fails = cJSON_CreateArray();
	ended = cJSON_CreateArray();
	for (int i = 0; i < n; i++) {
		const alert_settled *r = &runs[i];
		cJSON *o = cJSON_CreateObject();
		batch_put_num(o, "e", (double)r->exec_id);
		batch_put_num(o, "t", (double)r->task_id);
		batch_put_num(o, "s", r->status == ZQ_EXEC_SUCCESS);
		cJSON_AddItemToArray(ended, o);
		nsuccess += r->status == ZQ_EXEC_SUCCESS;
		if (r->status != ZQ_EXEC_FAILED)
			continue;
		o = cJSON_CreateObject();
		batch_put_num(o, "e", (double)r->exec_id);
		batch_put_num(o, "t", (double)r->task_id);
		batch_put_num(o, "f", r->final != 0);
		batch_put_num(o, "o", r->timed_out != 0);
		cJSON_AddItemToArray(fails, o);
		nfail++;
	}
	fj = batch_render(fails);
	ej = batch_render(ended);
	rc = nfail ? open_failures(db, fj, err) : 0;
	if (rc == 0)
		rc = settle_ended(db, ej, nsuccess, err);
	free(fj);
	free(ej);
	return tolerate(rc, err);
}

int alert_detect_skipped(zq_db *db, const exec_fire_row *rows, int n, zq_err *err)
{
	cJSON *arr;
	char *json;
	uint64_t opened = 0;
	int k = 0, rc;

	for (int i = 0; i < n; i++)
		k += rows[i].skipped != 0;
	if (k == 0 || (rc = alert_detect_any_rule(db, err)) <= 0)
		return k == 0 ? 0 : tolerate(rc, err);
	arr = cJSON_CreateArray();
	for (int i = 0; i < n; i++) {
		cJSON *o;
		if (!rows[i].skipped)
			continue;
		o = cJSON_CreateObject();
		batch_put_num(o, "t", (double)rows[i].task_id);
		batch_put_time(o, "k", rows[i].scheduled_ms);
		cJSON_AddItemToArray(arr, o);
	}
	json = batch_render(arr);
	/* uk_exec_fire finds each skipped row by its slot */
#define SKIPPED_ROWS \
	"FROM JSON_TABLE(?, '$[*]' COLUMNS (t BIGINT PATH '$.t', k DATETIME(3) PATH '$.k')) j " \
	"STRAIGHT_JOIN task_executions e ON e.task_id = j.t AND e.fire_key = j.k " \
	"AND e.status = 'skipped'"
	rc = zq_db_exec_json(db,
		"INSERT IGNORE INTO alerts (rule_id, task_id, slot, kind, execution_id, summary, "
		"last_sent_at) SELECT r.id, e.task_id, CAST(e.id AS CHAR), 'on_skipped', e.id, "
		"LEFT(CONCAT('skipped: ', COALESCE(e.error_message, '')), 1024), NOW(3) "
		SKIPPED_ROWS " STRAIGHT_JOIN alert_rules r ON r.kind = 'on_skipped' AND r.enabled = 1 AND "
		AD_APPLIES("r", "j.t"), json, &opened, err);
	if (rc == 0 && opened)
		rc = zq_db_exec_json(db, EVENTS_OF_OPENED(SKIPPED_ROWS), json, NULL, err);
#undef SKIPPED_ROWS
	free(json);
	return tolerate(rc, err);
}
