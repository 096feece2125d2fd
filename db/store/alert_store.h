/* alert_store.h - alert_channels, alert_rules (+ alert_rule_channels),
 * alerts and alert_events as the API reads and writes them (the scheduler's
 * and the alert thread's statements live with them in db/notify and the
 * outbox store). Every statement is prepared; writes run in the caller's
 * transaction (a rule and its channel list commit together). alerts and
 * alert_events are read in alert_store_hist.c.
 *
 * Secrets: a channel's `secrets` column is read with the channel (the API
 * needs it for the masked view and to keep "***" values on update); callers
 * must never log or return it. Releasing a row wipes it.
 *
 * Pages of alerts and events are newest first by id: before_id (0 = from
 * the newest) and limit; one row more than the page is read so
 * *next_before_id tells whether there is another page (0 = none). */
#ifndef ZQ_ALERT_STORE_H
#define ZQ_ALERT_STORE_H

#include <stdint.h>

#include "db.h"

#define ALERT_NAME_BYTES 513      /* 128 utf8mb4 characters + NUL */
#define ALERT_RULE_CHANNELS_MAX 32
#define ALERT_PAGE_DEFAULT 50
#define ALERT_PAGE_MAX 500

/* ---- channels ---------------------------------------------------------------- */

typedef struct alert_channel_row {
	int64_t id;
	char name[ALERT_NAME_BYTES];
	char kind[17];
	int enabled;
	char lang[9];
	char *config;             /* JSON text (heap) */
	char *secrets;            /* JSON text (heap) or NULL: never log or return it */
	char created_by[65];
	int64_t created_ms, updated_ms;
} alert_channel_row;

void alert_channel_row_release(alert_channel_row *r);
void alert_channel_rows_free(alert_channel_row *rows, int n);

/* Every channel by id. */
int alert_store_channels_list(zq_db *db, alert_channel_row **rows, int *n, zq_err *err);
/* One channel with its secrets; for_update locks the row. ZQ_ENOTFOUND. */
int alert_store_channel_get(zq_db *db, int64_t id, int for_update, alert_channel_row *r,
			    zq_err *err);
/* ZQ_ECONFLICT "body.name: a channel named '...' already exists". */
int alert_store_channel_insert(zq_db *db, const alert_channel_row *r, int64_t *id, zq_err *err);
/* Write name, kind, enabled, lang, config, secrets of r->id (ZQ_ENOTFOUND,
 * ZQ_ECONFLICT as insert). */
int alert_store_channel_update(zq_db *db, const alert_channel_row *r, zq_err *err);
/* The rules that send to channel id (at most max ids, ascending). */
int alert_store_channel_rules(zq_db *db, int64_t id, int64_t *rules, int max, int *n,
			      zq_err *err);
/* Delete it (its alert_rule_channels rows cascade). ZQ_ENOTFOUND. */
int alert_store_channel_delete(zq_db *db, int64_t id, zq_err *err);
/* 1 when channel id exists (locked in share mode for the transaction), 0 when not. */
int alert_store_channel_exists(zq_db *db, int64_t id, zq_err *err);
/* Write a `test` event for channel id (pending, due now) with facts
 * {"event": "test", ..., "detected_at": <database clock>, "detail": detail}. */
int alert_store_event_test(zq_db *db, int64_t channel_id, const char *detail, int64_t *event_id,
			   zq_err *err);

/* ---- rules --------------------------------------------------------------------- */

typedef struct alert_rule_row {
	int64_t id;
	int64_t task_id;          /* 0 = global */
	char task_name[ALERT_NAME_BYTES];
	char kind[17];
	int enabled;
	char *params;             /* JSON text (heap) */
	int64_t channels[ALERT_RULE_CHANNELS_MAX];
	int nchannels;
	int64_t repeat_every;
	int64_t silenced_ms;      /* ZQ_TIME_NONE = not silenced */
	char created_by[65];
	int64_t created_ms, updated_ms;
} alert_rule_row;

void alert_rule_row_release(alert_rule_row *r);
void alert_rule_rows_free(alert_rule_row *rows, int n);

/* Rules by id: of task_id (> 0), the global ones (global), or all; with
 * both task_id and global, the task's own rules and the global ones. */
int alert_store_rules_list(zq_db *db, int64_t task_id, int global, alert_rule_row **rows,
			   int *n, zq_err *err);
/* ZQ_ENOTFOUND. for_update locks the rule. */
int alert_store_rule_get(zq_db *db, int64_t id, int for_update, alert_rule_row *r, zq_err *err);
/* Insert r with its channels (r->id is set). */
int alert_store_rule_insert(zq_db *db, alert_rule_row *r, zq_err *err);
/* Write every field of r->id and replace its channel list. ZQ_ENOTFOUND. */
int alert_store_rule_update(zq_db *db, const alert_rule_row *r, zq_err *err);
/* Its channel rows and its alerts go with it (events stay, as history). ZQ_ENOTFOUND. */
int alert_store_rule_delete(zq_db *db, int64_t id, zq_err *err);

/* ---- alerts ---------------------------------------------------------------------- */

typedef struct alert_row {
	int64_t id, rule_id, task_id, execution_id;   /* 0 = none */
	char task_name[ALERT_NAME_BYTES];
	char kind[17];
	char slot[257];
	char state[9];
	char *summary;            /* heap or NULL */
	int64_t opened_ms, last_sent_ms, acked_ms, silenced_ms, closed_ms;
	char acked_by[65];
	char closed_reason[33];
} alert_row;

typedef struct alert_filter {
	const char *state;        /* "open" | "closed" | NULL = all */
	int64_t task_id;          /* 0 = any */
	int64_t before_id;        /* 0 = newest */
	int64_t limit;
} alert_filter;

void alert_rows_free(alert_row *rows, int n);
int alert_store_alerts_list(zq_db *db, const alert_filter *f, alert_row **rows, int *n,
			    int64_t *next_before_id, zq_err *err);
/* ZQ_ENOTFOUND. */
int alert_store_alert_get(zq_db *db, int64_t id, alert_row *r, zq_err *err);
/* Acknowledge (the first ack is kept). ZQ_ENOTFOUND. */
int alert_store_alert_ack(zq_db *db, int64_t id, const char *actor, zq_err *err);
/* silenced_until = until_ms (ZQ_TIME_NONE clears it). ZQ_ENOTFOUND. */
int alert_store_alert_silence(zq_db *db, int64_t id, int64_t until_ms, zq_err *err);

/* ---- events ------------------------------------------------------------------------ */

typedef struct alert_event_row {
	int64_t id, alert_id, channel_id, rule_id, task_id, execution_id;  /* 0 = none */
	char channel_name[ALERT_NAME_BYTES];   /* "" when the channel is gone */
	char channel_kind[17];
	char event[17];
	int repeat;
	char status[13];
	int64_t attempts;
	int64_t next_ms, sent_ms, created_ms;
	int64_t last_code, latency_ms;         /* -1 = none */
	char *last_error;                      /* heap or NULL */
	char *facts;                           /* JSON text (heap) */
} alert_event_row;

typedef struct alert_event_filter {
	const char *status;       /* NULL = any */
	int64_t channel_id, task_id, alert_id;  /* 0 = any */
	int64_t before_id, limit;
} alert_event_filter;

void alert_event_rows_free(alert_event_row *rows, int n);
int alert_store_events_list(zq_db *db, const alert_event_filter *f, alert_event_row **rows,
			    int *n, int64_t *next_before_id, zq_err *err);
/* ZQ_ENOTFOUND. */
int alert_store_event_get(zq_db *db, int64_t id, alert_event_row *r, zq_err *err);

#endif
