/* alert_outbox.c - the sender's SQL on alert_events (alert_outbox.h). */
#include "alert_outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "utf8.h"

#define ERROR_MAX 500   /* bytes of last_error (VARCHAR(512) characters) */

/* The due rows, ix_alert_events_due: the pending range up to NOW(3) and
 * the sending range (few rows: the claims under way), no ORDER BY (a sort
 * would lock every due row before the LIMIT; the index gives pending rows
 * oldest next_at first anyway). SKIP LOCKED: another sender's claim in
 * flight is passed over, not waited for. */
static int read_due(zq_db *db, int max, alert_outbox_row *rows, int *n, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"SELECT id, channel_id, event, attempts, facts FROM alert_events "
		"WHERE (status = 'pending' AND next_at <= NOW(3)) OR "
		"(status = 'sending' AND lease_until < NOW(3)) "
		"LIMIT ? FOR UPDATE SKIP LOCKED", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, max);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*n < max && (rc = zq_stmt_fetch(st)) > 0) {
		alert_outbox_row *r = &rows[(*n)++];

		memset(r, 0, sizeof(*r));
		r->id = zq_stmt_i64(st, 0);
		r->channel_id = zq_stmt_i64(st, 1);
		zq_stmt_copy(st, 2, r->event, sizeof(r->event));
		r->attempts = (int)zq_stmt_i64(st, 3) + 1;
		r->facts = zq_stmt_dup(st, 4);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

static int mark_sending(zq_db *db, const char *sender, int lease_s, const alert_outbox_row *r,
			zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"UPDATE alert_events SET status = 'sending', attempts = attempts + 1, sender = ?, "
		"lease_until = NOW(3) + INTERVAL ? SECOND WHERE id = ?", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, sender);
	zq_stmt_bind_i64(st, 1, lease_s);
	zq_stmt_bind_i64(st, 2, r->id);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

int alert_outbox_claim(zq_db *db, const char *sender, int lease_s, int max,
		       alert_outbox_row *rows, int *n, zq_err *err)
{
	int rc;

	*n = 0;
	if (max > 100)
		max = 100;
	if ((rc = zq_db_begin(db, err)) < 0)
		return rc;
	rc = read_due(db, max, rows, n, err);
	for (int i = 0; rc == 0 && i < *n; i++)
		rc = mark_sending(db, sender, lease_s, &rows[i], err);
	if (rc == 0 && (rc = zq_db_commit(db, err)) == 0)
		return 0;
	zq_db_rollback(db);
	alert_outbox_rows_release(rows, *n);
	*n = 0;
	return rc;
}

void alert_outbox_rows_release(alert_outbox_row *rows, int n)
{
	for (int i = 0; i < n; i++) {
		free(rows[i].facts);
		rows[i].facts = NULL;
	}
}

int alert_outbox_channel_get(zq_db *db, int64_t channel_id, alert_outbox_channel *ch,
			     zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"SELECT name, kind, enabled, lang, config, secrets FROM alert_channels WHERE id = ?",
		err);
	int rc;

	memset(ch, 0, sizeof(*ch));
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, channel_id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) > 0) {
		ch->found = 1;
		zq_stmt_copy(st, 0, ch->name, sizeof(ch->name));
		zq_stmt_copy(st, 1, ch->kind, sizeof(ch->kind));
		ch->enabled = zq_stmt_i64(st, 2) != 0;
		zq_stmt_copy(st, 3, ch->lang, sizeof(ch->lang));
		ch->config = zq_stmt_dup(st, 4);
		ch->secrets = zq_stmt_dup(st, 5);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

void alert_outbox_channel_release(alert_outbox_channel *ch)
{
	free(ch->config);
	if (ch->secrets) {
		memset(ch->secrets, 0, strlen(ch->secrets));
		free(ch->secrets);
	}
	ch->config = ch->secrets = NULL;
}

int alert_outbox_record(zq_db *db, int64_t id, int attempts, const alert_outbox_result *r,
			int *stale, zq_err *err)
{
	static const char *const status[] = {"sent", "pending", "failed"};
	zq_stmt *st = zq_db_prepare(db,
		"UPDATE alert_events SET status = ?, sent_at = IF(? = 'sent', NOW(3), sent_at), "
		"next_at = IF(? = 'pending', NOW(3) + INTERVAL ? SECOND, next_at), "
		"lease_until = NULL, last_code = ?, last_error = ?, latency_ms = ? "
		"WHERE id = ? AND status = 'sending' AND attempts = ?", err);
	const char *s = status[r->outcome];
	size_t elen = r->error ? zq_utf8_cut(r->error, strlen(r->error), ERROR_MAX) : 0;
	int rc;

	*stale = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, s);
	zq_stmt_bind_str(st, 1, s);
	zq_stmt_bind_str(st, 2, s);
	zq_stmt_bind_i64(st, 3, r->outcome == ALERT_RETRY ? r->retry_s : 0);
	zq_stmt_bind_nonneg(st, 4, r->code > 0 ? r->code : -1);
	if (r->error)
		zq_stmt_bind_strn(st, 5, r->error, elen);
	else
		zq_stmt_bind_null(st, 5);
	zq_stmt_bind_nonneg(st, 6, r->latency_ms);
	zq_stmt_bind_i64(st, 7, id);
	zq_stmt_bind_i64(st, 8, attempts);
	if ((rc = zq_stmt_exec(st, err)) == 0)
		*stale = zq_stmt_affected(st) == 0;
	zq_stmt_done(st);
	return rc;
}

int alert_outbox_release(zq_db *db, int64_t id, int attempts, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"UPDATE alert_events SET status = 'pending', attempts = attempts - 1, "
		"lease_until = NULL, next_at = NOW(3) "
		"WHERE id = ? AND status = 'sending' AND attempts = ?", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, id);
	zq_stmt_bind_i64(st, 1, attempts);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

/* ---- retention and metrics ---------------------------------------------------- */

int alert_outbox_purge(zq_db *db, int days, int *n, zq_err *err)
{
	uint64_t ev = 0, al = 0;
	int rc;

	if ((rc = zq_db_exec_id(db,
			"DELETE FROM alert_events WHERE status IN ('sent', 'failed', 'silenced') "
			"AND created_at < NOW(3) - INTERVAL ? DAY ORDER BY id LIMIT 1000",
			days, &ev, err)) == 0)
		rc = zq_db_exec_id(db,
			"DELETE FROM alerts WHERE state = 'closed' "
			"AND closed_at < NOW(3) - INTERVAL ? DAY ORDER BY id LIMIT 1000",
			days, &al, err);
	*n = (int)(ev + al);
	return rc;
}

static int stats_rows(zq_db *db, alert_outbox_stats *s, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"SELECT event, status, COUNT(*), COALESCE(SUM(latency_ms), 0), COUNT(latency_ms) "
		"FROM alert_events GROUP BY event, status ORDER BY event, status LIMIT 64", err);
	int rc;

	if (!st)
		return err->code;
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		while (s->nrows < 64 && (rc = zq_stmt_fetch(st)) > 0) {
			alert_outbox_count *c = &s->rows[s->nrows++];
			snprintf(c->event, sizeof(c->event), "%s", zq_stmt_str(st, 0) ? zq_stmt_str(st, 0) : "");
			snprintf(c->status, sizeof(c->status), "%s", zq_stmt_str(st, 1) ? zq_stmt_str(st, 1) : "");
			c->n = zq_stmt_i64(st, 2);
			c->latency_sum_ms = zq_stmt_i64(st, 3);
			c->latency_n = zq_stmt_i64(st, 4);
		}
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "alert_events: fetch failed") : 0;
	}
	zq_stmt_done(st);
	return rc;
}

int alert_outbox_stats_get(zq_db *db, alert_outbox_stats *s, zq_err *err)
{
	zq_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = stats_rows(db, s, err)) < 0)
		return rc;
	/* ix_alert_events_due: the same rows a sender would claim now */
	if (!(st = zq_db_prepare(db,
		"SELECT COUNT(*), COALESCE(TIMESTAMPDIFF(MICROSECOND, MIN(IF(status = 'pending', next_at, "
		"lease_until)), NOW(3)), 0) / 1e6 FROM alert_events WHERE (status = 'pending' AND next_at "
		"<= NOW(3)) OR (status = 'sending' AND lease_until < NOW(3))", err)))
		return err->code;
	if ((rc = zq_stmt_exec(st, err)) == 0 && zq_stmt_fetch(st) > 0) {
		s->due = zq_stmt_i64(st, 0);
		s->oldest_due_s = zq_stmt_double(st, 1);
	}
	zq_stmt_done(st);
	if (rc == 0)
		rc = zq_db_query_i64(db, "SELECT COUNT(*) FROM alerts WHERE state = 'open'", ZQ_NO_PARAM,
				     &s->open_alerts, err);
	return rc;
}
