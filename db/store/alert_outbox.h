/* alert_outbox.h - the sender's SQL on alert_events, the outbox (the alert
 * thread, db/notify/alert_thread.c): claim the due rows, read their
 * channel, record each attempt's outcome.
 *
 * A claim is one short transaction: the due rows (pending with next_at
 * come, or sending with an expired lease: their sender died) read on
 * ix_alert_events_due FOR UPDATE SKIP LOCKED, so concurrent senders take
 * disjoint rows and never wait for each other, then marked sending with a
 * lease (NOW(3) + lease_s), attempts + 1 and the sender's name, and
 * committed. Delivery runs outside any transaction; the outcome is written
 * only while the row is still this claim's (status sending and the same
 * attempts): a sender that outlived its lease does not overwrite the
 * newer claim's outcome. All times are the database clock. */
#ifndef ZQ_ALERT_OUTBOX_H
#define ZQ_ALERT_OUTBOX_H

#include <stdint.h>

#include "db.h"

typedef struct alert_outbox_row {
	int64_t id;
	int64_t channel_id;
	char event[17];
	int attempts;          /* this claim's attempt, counting from 1 */
	char *facts;           /* heap JSON text, alert_outbox_rows_release frees */
} alert_outbox_row;

/* Claim up to max (<= 100) due rows into rows (*n of them), in a
 * transaction of its own (db must not be in one); sender names this
 * process (alert_events.sender). 0 or a ZQ_E* code (ZQ_EBUSY: retry). */
int alert_outbox_claim(zq_db *db, const char *sender, int lease_s, int max,
		       alert_outbox_row *rows, int *n, zq_err *err);
void alert_outbox_rows_release(alert_outbox_row *rows, int n);

/* The channel of an event as stored. found = 0 when it is gone. */
typedef struct alert_outbox_channel {
	int found;
	int enabled;
	char name[129];
	char kind[17];
	char lang[9];
	char *config;          /* heap JSON text */
	char *secrets;         /* heap JSON text, NULL when none: never log it */
} alert_outbox_channel;

int alert_outbox_channel_get(zq_db *db, int64_t channel_id, alert_outbox_channel *ch,
			     zq_err *err);
void alert_outbox_channel_release(alert_outbox_channel *ch);

/* The outcome of attempt `attempts` of row id. */
enum alert_outcome {
	ALERT_SENT,            /* sent_at = NOW(3) */
	ALERT_RETRY,           /* pending again, next_at = NOW(3) + retry_s */
	ALERT_FAILED,          /* failed for good */
};

typedef struct alert_outbox_result {
	enum alert_outcome outcome;
	int retry_s;           /* ALERT_RETRY */
	long code;             /* HTTP status / SMTP reply; <= 0 = none (NULL) */
	const char *error;     /* NULL when sent; cut to 500 bytes */
	int64_t latency_ms;    /* < 0 = none (NULL) */
} alert_outbox_result;

/* Write the outcome; *stale = 1 when the row was no longer this claim's
 * (its lease ended and another sender took it): nothing was written. */
int alert_outbox_record(zq_db *db, int64_t id, int attempts, const alert_outbox_result *r,
			int *stale, zq_err *err);

/* Give a claimed row back untried (the thread is stopping): pending, due
 * now, its attempt not counted. */
int alert_outbox_release(zq_db *db, int64_t id, int attempts, zq_err *err);

/* Retention (scheduler/retention.c, after a pass): events that are done
 * (sent, failed, silenced) and closed alerts older than days, at most 1000
 * rows of each per call, in the caller's autocommit; *n gets how many went.
 * Old rows are the low ids, so each DELETE stops early on the primary key. */
int alert_outbox_purge(zq_db *db, int days, int *n, zq_err *err);

/* The outbox as GET /metrics shows it: rows by (event, status) with the
 * sum and count of their last attempt's latency, the due backlog (pending
 * or sending rows whose time has come) and the age of its oldest row, and
 * the open alerts. Events and statuses are closed sets: at most 50 rows. */
typedef struct alert_outbox_count {
	char event[17];
	char status[13];
	int64_t n;
	int64_t latency_sum_ms, latency_n;
} alert_outbox_count;
typedef struct alert_outbox_stats {
	alert_outbox_count rows[64];
	int nrows;
	int64_t due;             /* pending/sending rows whose next_at / lease has come */
	double oldest_due_s;     /* 0 when none */
	int64_t open_alerts;
} alert_outbox_stats;
int alert_outbox_stats_get(zq_db *db, alert_outbox_stats *s, zq_err *err);

#endif
