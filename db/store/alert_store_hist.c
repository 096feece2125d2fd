/* alert_store_hist.c - SQL for alerts and alert_events as the API reads
 * them (pages newest first by id), and the ack / silence of an alert
 * (alert_store.h). */
#include "alert_store.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "timeutil.h"

/* ---- alerts ---------------------------------------------------------------------- */

void alert_rows_free(alert_row *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		free(rows[i].summary);
	free(rows);
}

#define ALERT_SELECT                                                                        \
	"SELECT a.id, a.rule_id, a.task_id, t.name, a.kind, a.slot, a.state, a.execution_id, " \
	"a.summary, a.opened_at, a.last_sent_at, a.acked_by, a.acked_at, a.silenced_until, "   \
	"a.closed_at, a.closed_reason FROM alerts a LEFT JOIN scheduled_tasks t ON t.id = "    \
	"a.task_id"

static void read_alert(zq_stmt *st, alert_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = zq_stmt_i64(st, 0);
	r->rule_id = zq_stmt_i64(st, 1);
	r->task_id = zq_stmt_i64(st, 2);
	zq_stmt_copy(st, 3, r->task_name, sizeof(r->task_name));
	zq_stmt_copy(st, 4, r->kind, sizeof(r->kind));
	zq_stmt_copy(st, 5, r->slot, sizeof(r->slot));
	zq_stmt_copy(st, 6, r->state, sizeof(r->state));
	r->execution_id = zq_stmt_i64(st, 7);
	r->summary = zq_stmt_dup(st, 8);
	r->opened_ms = zq_stmt_time(st, 9);
	r->last_sent_ms = zq_stmt_time(st, 10);
	zq_stmt_copy(st, 11, r->acked_by, sizeof(r->acked_by));
	r->acked_ms = zq_stmt_time(st, 12);
	r->silenced_ms = zq_stmt_time(st, 13);
	r->closed_ms = zq_stmt_time(st, 14);
	zq_stmt_copy(st, 15, r->closed_reason, sizeof(r->closed_reason));
}

/* Run st (its filter bound in [0, bound), LIMIT next) for limit + 1 rows:
 * the extra one only says there is a next page. */
static int read_page(zq_stmt *st, int bound, int64_t limit, size_t elem, zq_row_read read,
		     int64_t (*id_of)(const void *row), void **rows, int *n, int64_t *next,
		     zq_err *err)
{
	char *out = NULL;
	int rc, cap;

	*n = 0;
	*next = 0;
	zq_stmt_bind_i64(st, bound, limit + 1);
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		cap = zq_stmt_num_rows(st);
		if (cap > limit)
			cap = (int)limit;
		out = zq_calloc((size_t)cap + 1, elem);
		while (*n < cap && (rc = zq_stmt_fetch(st)) > 0)
			read(st, out + (size_t)(*n)++ * elem);
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
		if (rc == 0 && zq_stmt_num_rows(st) > limit && *n > 0)
			*next = id_of(out + (size_t)(*n - 1) * elem);
	}
	zq_stmt_done(st);
	*rows = out;
	return rc;
}

static int64_t alert_id_of(const void *row)
{
	return ((const alert_row *)row)->id;
}

static void read_alert_v(zq_stmt *st, void *row)
{
	read_alert(st, row);
}

/* Filters choose the statement's text (each shape one cached statement
 * that keeps its index): ix_alerts_state (state, id), ix_alerts_task. */
int alert_store_alerts_list(zq_db *db, const alert_filter *f, alert_row **rows, int *n,
			    int64_t *next_before_id, zq_err *err)
{
	zq_buf sql = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	zq_stmt *st;
	void *page = NULL;
	int i = 0, rc;

	*rows = NULL;
	zq_buf_puts(&sql, ALERT_SELECT " WHERE 1 = 1");
	if (f->state)
		zq_buf_puts(&sql, " AND a.state = ?");
	if (f->task_id)
		zq_buf_puts(&sql, " AND a.task_id = ?");
	if (f->before_id)
		zq_buf_puts(&sql, " AND a.id < ?");
	zq_buf_puts(&sql, " ORDER BY a.id DESC LIMIT ?");
	st = zq_db_prepare(db, sql.data, err);
	zq_buf_release(&sql);
	if (!st)
		return err->code;
	if (f->state)
		zq_stmt_bind_str(st, i++, f->state);
	if (f->task_id)
		zq_stmt_bind_i64(st, i++, f->task_id);
	if (f->before_id)
		zq_stmt_bind_i64(st, i++, f->before_id);
	rc = read_page(st, i, f->limit, sizeof(alert_row), read_alert_v, alert_id_of, &page, n,
		       next_before_id, err);
	*rows = page;
	return rc;
}

int alert_store_alert_get(zq_db *db, int64_t id, alert_row *r, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db, ALERT_SELECT " WHERE a.id = ?", err);
	int rc;

	memset(r, 0, sizeof(*r));
	if (!st)
		return err->code;
	if ((rc = zq_stmt_one(st, 0, id, "alert", err)) == 0)
		read_alert(st, r);
	zq_stmt_done(st);
	return rc;
}

int alert_store_alert_ack(zq_db *db, int64_t id, const char *actor, zq_err *err)
{
	/* PRIMARY KEY; the database's clock */
	zq_stmt *st = zq_db_prepare(db,
				    "UPDATE alerts SET acked_by = IF(acked_at IS NULL, ?, acked_by), "
				    "acked_at = COALESCE(acked_at, UTC_TIMESTAMP(3)) WHERE id = ?",
				    err);
	char who[65];

	if (!st)
		return err->code;
	zq_strlcpy(who, actor ? actor : "", sizeof(who));
	zq_stmt_bind_str(st, 0, who);
	zq_stmt_bind_i64(st, 1, id);
	return zq_stmt_exec_found(st, id, "alert", err);
}

int alert_store_alert_silence(zq_db *db, int64_t id, int64_t until_ms, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db, "UPDATE alerts SET silenced_until = ? WHERE id = ?", err);

	if (!st)
		return err->code;
	zq_stmt_bind_time(st, 0, until_ms);
	zq_stmt_bind_i64(st, 1, id);
	return zq_stmt_exec_found(st, id, "alert", err);
}

/* ---- events ------------------------------------------------------------------------ */

void alert_event_rows_free(alert_event_row *rows, int n)
{
	for (int i = 0; rows && i < n; i++) {
		free(rows[i].last_error);
		free(rows[i].facts);
	}
	free(rows);
}

#define EVENT_SELECT                                                                          \
	"SELECT e.id, e.alert_id, e.channel_id, c.name, c.kind, e.rule_id, e.task_id, "          \
	"e.execution_id, e.event, e.is_repeat, e.status, e.attempts, e.next_at, e.last_code, "   \
	"e.last_error, e.latency_ms, e.created_at, e.sent_at, e.facts FROM alert_events e LEFT " \
	"JOIN alert_channels c ON c.id = e.channel_id"

static void read_event(zq_stmt *st, void *row)
{
	alert_event_row *r = row;

	memset(r, 0, sizeof(*r));
	r->id = zq_stmt_i64(st, 0);
	r->alert_id = zq_stmt_i64(st, 1);
	r->channel_id = zq_stmt_i64(st, 2);
	zq_stmt_copy(st, 3, r->channel_name, sizeof(r->channel_name));
	zq_stmt_copy(st, 4, r->channel_kind, sizeof(r->channel_kind));
	r->rule_id = zq_stmt_i64(st, 5);
	r->task_id = zq_stmt_i64(st, 6);
	r->execution_id = zq_stmt_i64(st, 7);
	zq_stmt_copy(st, 8, r->event, sizeof(r->event));
	r->repeat = (int)zq_stmt_i64(st, 9);
	zq_stmt_copy(st, 10, r->status, sizeof(r->status));
	r->attempts = zq_stmt_i64(st, 11);
	r->next_ms = zq_stmt_time(st, 12);
	r->last_code = zq_stmt_isnull(st, 13) ? -1 : zq_stmt_i64(st, 13);
	r->last_error = zq_stmt_dup(st, 14);
	r->latency_ms = zq_stmt_isnull(st, 15) ? -1 : zq_stmt_i64(st, 15);
	r->created_ms = zq_stmt_time(st, 16);
	r->sent_ms = zq_stmt_time(st, 17);
	r->facts = zq_stmt_dup(st, 18);
}

static int64_t event_id_of(const void *row)
{
	return ((const alert_event_row *)row)->id;
}

/* ix_alert_events_channel (channel_id, id), ix_alert_events_task (task_id,
 * id), ix_alert_events_alert, else PRIMARY KEY backwards. */
static void event_where(zq_buf *sql, const alert_event_filter *f)
{
	zq_buf_puts(sql, " WHERE 1 = 1");
	if (f->status)
		zq_buf_puts(sql, " AND e.status = ?");
	if (f->channel_id)
		zq_buf_puts(sql, " AND e.channel_id = ?");
	if (f->task_id)
		zq_buf_puts(sql, " AND e.task_id = ?");
	if (f->alert_id)
		zq_buf_puts(sql, " AND e.alert_id = ?");
	if (f->before_id)
		zq_buf_puts(sql, " AND e.id < ?");
}

static int event_bind(zq_stmt *st, const alert_event_filter *f)
{
	int i = 0;

	if (f->status)
		zq_stmt_bind_str(st, i++, f->status);
	if (f->channel_id)
		zq_stmt_bind_i64(st, i++, f->channel_id);
	if (f->task_id)
		zq_stmt_bind_i64(st, i++, f->task_id);
	if (f->alert_id)
		zq_stmt_bind_i64(st, i++, f->alert_id);
	if (f->before_id)
		zq_stmt_bind_i64(st, i++, f->before_id);
	return i;
}

int alert_store_events_list(zq_db *db, const alert_event_filter *f, alert_event_row **rows,
			    int *n, int64_t *next_before_id, zq_err *err)
{
	zq_buf sql = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	zq_stmt *st;
	void *page = NULL;
	int rc;

	*rows = NULL;
	zq_buf_puts(&sql, EVENT_SELECT);
	event_where(&sql, f);
	zq_buf_puts(&sql, " ORDER BY e.id DESC LIMIT ?");
	st = zq_db_prepare(db, sql.data, err);
	zq_buf_release(&sql);
	if (!st)
		return err->code;
	rc = read_page(st, event_bind(st, f), f->limit, sizeof(alert_event_row), read_event,
		       event_id_of, &page, n, next_before_id, err);
	*rows = page;
	return rc;
}

int alert_store_event_get(zq_db *db, int64_t id, alert_event_row *r, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db, EVENT_SELECT " WHERE e.id = ?", err);
	int rc;

	memset(r, 0, sizeof(*r));
	if (!st)
		return err->code;
	if ((rc = zq_stmt_one(st, 0, id, "alert event", err)) == 0)
		read_event(st, r);
	zq_stmt_done(st);
	return rc;
}
