/* alert_store.c - SQL for alert_channels, alert_rules and
 * alert_rule_channels as the API reads and writes them (alert_store.h);
 * alerts and alert_events are alert_store_hist.c. */
#include "alert_store.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "timeutil.h"

/* ---- channels ---------------------------------------------------------------- */

void alert_channel_row_release(alert_channel_row *r)
{
	if (!r)
		return;
	free(r->config);
	if (r->secrets) {
		memset(r->secrets, 0, strlen(r->secrets));
		free(r->secrets);
	}
	r->config = r->secrets = NULL;
}

void alert_channel_rows_free(alert_channel_row *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		alert_channel_row_release(&rows[i]);
	free(rows);
}

#define CHANNEL_COLUMNS \
	"id, name, kind, enabled, lang, config, created_by, created_at, updated_at"

static void read_channel(zq_stmt *st, alert_channel_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = zq_stmt_i64(st, 0);
	zq_stmt_copy(st, 1, r->name, sizeof(r->name));
	zq_stmt_copy(st, 2, r->kind, sizeof(r->kind));
	r->enabled = (int)zq_stmt_i64(st, 3);
	zq_stmt_copy(st, 4, r->lang, sizeof(r->lang));
	r->config = zq_stmt_dup(st, 5);
	zq_stmt_copy(st, 6, r->created_by, sizeof(r->created_by));
	r->created_ms = zq_stmt_time(st, 7);
	r->updated_ms = zq_stmt_time(st, 8);
}

int alert_store_channels_list(zq_db *db, alert_channel_row **rows, int *n, zq_err *err)
{
	/* PRIMARY KEY order; channels are few. The secrets are read for the
	 * masked view (which ones are set, a robot URL's host) */
	zq_stmt *st = zq_db_prepare(db, "SELECT " CHANNEL_COLUMNS ", secrets FROM "
				    "alert_channels ORDER BY id", err);
	int rc, cap;

	*rows = NULL;
	*n = 0;
	if (!st)
		return err->code;
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		cap = zq_stmt_num_rows(st);
		*rows = zq_calloc((size_t)cap + 1, sizeof(alert_channel_row));
		while (*n < cap && (rc = zq_stmt_fetch(st)) > 0) {
			read_channel(st, &(*rows)[*n]);
			(*rows)[(*n)++].secrets = zq_stmt_dup(st, 9);
		}
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
	}
	zq_stmt_done(st);
	return rc;
}

int alert_store_channel_get(zq_db *db, int64_t id, int for_update, alert_channel_row *r,
			    zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db, for_update
				    ? "SELECT " CHANNEL_COLUMNS ", secrets FROM alert_channels "
				      "WHERE id = ? FOR UPDATE"
				    : "SELECT " CHANNEL_COLUMNS ", secrets FROM alert_channels "
				      "WHERE id = ?", err);
	int rc;

	memset(r, 0, sizeof(*r));
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) <= 0) {
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed")
			    : zq_errf(err, ZQ_ENOTFOUND, "alert channel %lld not found",
				      (long long)id);
		goto out;
	}
	read_channel(st, r);
	r->secrets = zq_stmt_dup(st, 9);
	rc = 0;
out:
	zq_stmt_done(st);
	return rc;
}

static int name_taken(zq_err *err, const char *name)
{
	return zq_errf(err, ZQ_ECONFLICT, "body.name: a channel named '%.200s' already exists",
		       name);
}

/* The columns insert and update share: name .. secrets at 0..5. */
static void bind_channel(zq_stmt *st, const alert_channel_row *r)
{
	zq_stmt_bind_str(st, 0, r->name);
	zq_stmt_bind_str(st, 1, r->kind);
	zq_stmt_bind_i64(st, 2, r->enabled ? 1 : 0);
	zq_stmt_bind_str(st, 3, r->lang);
	zq_stmt_bind_str(st, 4, r->config);
	zq_stmt_bind_str(st, 5, r->secrets);
}

int alert_store_channel_insert(zq_db *db, const alert_channel_row *r, int64_t *id, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
				    "INSERT INTO alert_channels (name, kind, enabled, lang, config, "
				    "secrets, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
				    err);
	int rc;

	if (!st)
		return err->code;
	bind_channel(st, r);
	zq_stmt_bind_str(st, 6, r->created_by[0] ? r->created_by : NULL);
	rc = zq_stmt_exec(st, err);
	if (rc == ZQ_ECONFLICT)
		name_taken(err, r->name);
	if (rc == 0)
		*id = (int64_t)zq_stmt_insert_id(st);
	zq_stmt_done(st);
	return rc;
}

int alert_store_channel_update(zq_db *db, const alert_channel_row *r, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db,
				    "UPDATE alert_channels SET name = ?, kind = ?, enabled = ?, "
				    "lang = ?, config = ?, secrets = ? WHERE id = ?",
				    err);
	int rc;

	if (!st)
		return err->code;
	bind_channel(st, r);
	zq_stmt_bind_i64(st, 6, r->id);
	rc = zq_stmt_exec(st, err);
	if (rc == ZQ_ECONFLICT)
		name_taken(err, r->name);
	/* CLIENT_FOUND_ROWS: affected = matched */
	if (rc == 0 && zq_stmt_affected(st) == 0)
		rc = zq_errf(err, ZQ_ENOTFOUND, "alert channel %lld not found", (long long)r->id);
	zq_stmt_done(st);
	return rc;
}

int alert_store_channel_rules(zq_db *db, int64_t id, int64_t *rules, int max, int *n,
			      zq_err *err)
{
	/* ix_arc_channel */
	return zq_db_query_ids(db, "SELECT rule_id FROM alert_rule_channels WHERE channel_id = ? "
			       "ORDER BY rule_id", id, rules, max, n, err);
}

int alert_store_channel_delete(zq_db *db, int64_t id, zq_err *err)
{
	uint64_t n = 0;
	int rc = zq_db_exec_id(db, "DELETE FROM alert_channels WHERE id = ?", id, &n, err);

	if (rc == 0 && n == 0)
		rc = zq_errf(err, ZQ_ENOTFOUND, "alert channel %lld not found", (long long)id);
	return rc;
}

int alert_store_channel_exists(zq_db *db, int64_t id, zq_err *err)
{
	int64_t one = 0;
	int rc = zq_db_query_i64(db, "SELECT 1 FROM alert_channels WHERE id = ? LOCK IN SHARE MODE",
				 id, &one, err);

	if (rc == ZQ_ENOTFOUND) {
		zq_err_clear(err);
		return 0;
	}
	return rc < 0 ? rc : 1;
}

int alert_store_event_test(zq_db *db, int64_t channel_id, const char *detail, int64_t *event_id,
			   zq_err *err)
{
	/* the facts of every event, with the database's clock for detected_at */
	zq_stmt *st = zq_db_prepare(
		db,
		"INSERT INTO alert_events (channel_id, event, facts) VALUES (?, 'test', "
		"CONCAT('{\"event\":\"test\",\"event_id\":null,\"alert_id\":null,\"rule_id\":null,"
		"\"rule_kind\":null,\"repeat\":false,\"task\":null,\"execution\":null,\"slot\":\"\","
		"\"detected_at\":\"', LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), "
		"'Z\",\"detail\":', JSON_QUOTE(?), '}'))",
		err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, channel_id);
	zq_stmt_bind_str(st, 1, detail ? detail : "");
	if ((rc = zq_stmt_exec(st, err)) == 0)
		*event_id = (int64_t)zq_stmt_insert_id(st);
	zq_stmt_done(st);
	return rc;
}

/* ---- rules ------------------------------------------------------------------------ */

void alert_rule_row_release(alert_rule_row *r)
{
	if (r) {
		free(r->params);
		r->params = NULL;
	}
}

void alert_rule_rows_free(alert_rule_row *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		alert_rule_row_release(&rows[i]);
	free(rows);
}

#define RULE_SELECT                                                                        \
	"SELECT r.id, r.task_id, t.name, r.kind, r.enabled, r.params, r.repeat_every, "      \
	"r.silenced_until, r.created_by, r.created_at, r.updated_at, (SELECT GROUP_CONCAT("  \
	"c.channel_id ORDER BY c.channel_id) FROM alert_rule_channels c WHERE c.rule_id = " \
	"r.id) FROM alert_rules r LEFT JOIN scheduled_tasks t ON t.id = r.task_id"

static void parse_ids(const char *s, alert_rule_row *r)
{
	char *end;

	r->nchannels = 0;
	while (s && *s && r->nchannels < ALERT_RULE_CHANNELS_MAX) {
		r->channels[r->nchannels++] = strtoll(s, &end, 10);
		if (*end != ',')
			break;
		s = end + 1;
	}
}

static void read_rule(zq_stmt *st, alert_rule_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = zq_stmt_i64(st, 0);
	r->task_id = zq_stmt_i64(st, 1);
	zq_stmt_copy(st, 2, r->task_name, sizeof(r->task_name));
	zq_stmt_copy(st, 3, r->kind, sizeof(r->kind));
	r->enabled = (int)zq_stmt_i64(st, 4);
	r->params = zq_stmt_dup(st, 5);
	r->repeat_every = zq_stmt_i64(st, 6);
	r->silenced_ms = zq_stmt_time(st, 7);
	zq_stmt_copy(st, 8, r->created_by, sizeof(r->created_by));
	r->created_ms = zq_stmt_time(st, 9);
	r->updated_ms = zq_stmt_time(st, 10);
	parse_ids(zq_stmt_str(st, 11), r);
}

int alert_store_rules_list(zq_db *db, int64_t task_id, int global, alert_rule_row **rows,
			   int *n, zq_err *err)
{
	/* ix_alert_rules_task for a task's and the global rules; rules are few */
	const char *sql = task_id > 0 && global
		? RULE_SELECT " WHERE r.task_id = ? OR r.task_id IS NULL ORDER BY r.id"
		: task_id > 0 ? RULE_SELECT " WHERE r.task_id = ? ORDER BY r.id"
		: global ? RULE_SELECT " WHERE r.task_id IS NULL AND ? = 0 ORDER BY r.id"
		: RULE_SELECT " WHERE ? = 0 ORDER BY r.id";
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc, cap;

	*rows = NULL;
	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, task_id > 0 ? task_id : 0);
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		cap = zq_stmt_num_rows(st);
		*rows = zq_calloc((size_t)cap + 1, sizeof(alert_rule_row));
		while (*n < cap && (rc = zq_stmt_fetch(st)) > 0)
			read_rule(st, &(*rows)[(*n)++]);
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
	}
	zq_stmt_done(st);
	return rc;
}

int alert_store_rule_get(zq_db *db, int64_t id, int for_update, alert_rule_row *r, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db, for_update ? RULE_SELECT " WHERE r.id = ? FOR UPDATE"
					   : RULE_SELECT " WHERE r.id = ?", err);
	int rc;

	memset(r, 0, sizeof(*r));
	if (!st)
		return err->code;
	if ((rc = zq_stmt_one(st, 0, id, "alert rule", err)) == 0)
		read_rule(st, r);
	zq_stmt_done(st);
	return rc;
}

static void bind_rule(zq_stmt *st, const alert_rule_row *r)
{
	zq_stmt_bind_nonneg(st, 0, r->task_id > 0 ? r->task_id : -1);
	zq_stmt_bind_str(st, 1, r->kind);
	zq_stmt_bind_i64(st, 2, r->enabled ? 1 : 0);
	zq_stmt_bind_str(st, 3, r->params);
	zq_stmt_bind_i64(st, 4, r->repeat_every);
	zq_stmt_bind_time(st, 5, r->silenced_ms);
}

static int set_channels(zq_db *db, const alert_rule_row *r, int replace, zq_err *err)
{
	char *ids = zq_db_ids_json(r->channels, r->nchannels);
	zq_stmt *st;
	int rc;

	if (replace && (rc = zq_db_exec_id(db, "DELETE FROM alert_rule_channels WHERE rule_id = ?",
					   r->id, NULL, err)) < 0)
		goto out;
	if (!(st = zq_db_prepare(db, "INSERT INTO alert_rule_channels (rule_id, channel_id) "
				 "SELECT ?, j.id FROM " ZQ_DB_IDS_TABLE, err))) {
		rc = err->code;
		goto out;
	}
	zq_stmt_bind_i64(st, 0, r->id);
	zq_stmt_bind_str(st, 1, ids);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
out:
	free(ids);
	return rc;
}

int alert_store_rule_insert(zq_db *db, alert_rule_row *r, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
				    "INSERT INTO alert_rules (task_id, kind, enabled, params, "
				    "repeat_every, silenced_until, created_by) VALUES (?, ?, ?, ?, ?, "
				    "?, ?)",
				    err);
	int rc;

	if (!st)
		return err->code;
	bind_rule(st, r);
	zq_stmt_bind_str(st, 6, r->created_by[0] ? r->created_by : NULL);
	if ((rc = zq_stmt_exec(st, err)) == 0)
		r->id = (int64_t)zq_stmt_insert_id(st);
	zq_stmt_done(st);
	return rc < 0 ? rc : set_channels(db, r, 0, err);
}

int alert_store_rule_update(zq_db *db, const alert_rule_row *r, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db,
				    "UPDATE alert_rules SET task_id = ?, kind = ?, enabled = ?, "
				    "params = ?, repeat_every = ?, silenced_until = ? WHERE id = ?",
				    err);
	int rc;

	if (!st)
		return err->code;
	bind_rule(st, r);
	zq_stmt_bind_i64(st, 6, r->id);
	rc = zq_stmt_exec(st, err);
	if (rc == 0 && zq_stmt_affected(st) == 0)
		rc = zq_errf(err, ZQ_ENOTFOUND, "alert rule %lld not found", (long long)r->id);
	zq_stmt_done(st);
	return rc < 0 ? rc : set_channels(db, r, 1, err);
}

int alert_store_rule_delete(zq_db *db, int64_t id, zq_err *err)
{
	/* PRIMARY KEY; alert_rule_channels and alerts cascade */
	uint64_t n = 0;
	int rc = zq_db_exec_id(db, "DELETE FROM alert_rules WHERE id = ?", id, &n, err);

	if (rc == 0 && n == 0)
		rc = zq_errf(err, ZQ_ENOTFOUND, "alert rule %lld not found", (long long)id);
	return rc;
}
