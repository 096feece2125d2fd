/* alert_check.h - the checks of an alert channel's and an alert rule's
 * fields, shared by the API (fcgi/h_alert_channels.c, h_alert_rules.c: a
 * request body) and the setup importer (setup_alerts.c: a document's
 * item). Errors name the field behind a prefix: "body." gives
 * "body.kind: ..." (the API's), "" gives "kind: ..." (the importer puts the
 * item's path in front). A channel's config is alert_chan_check's
 * (db/core/alert_chan.h), a rule's params alert_rule_params_parse's. */
#ifndef ZQ_ALERT_CHECK_H
#define ZQ_ALERT_CHECK_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "alert_store.h"
#include "err.h"

#define ALERT_CHECK_REPEAT_MAX (7 * 86400)  /* repeat_every, seconds */

/* name (1-128 characters), kind, enabled, lang (en, zh) of obj into r;
 * name and kind required when create. *kind_changed (may be NULL): the
 * kind is given and differs from r's. */
int alert_check_channel(const cJSON *obj, const char *pfx, int create, alert_channel_row *r,
			int *kind_changed, zq_err *err);

/* enabled and repeat_every (0 .. 7 days, seconds) of obj into r. */
int alert_check_rule_opts(const cJSON *obj, const char *pfx, alert_rule_row *r, zq_err *err);
/* kind (absent: r's, required) and params (absent: stored; null: the
 * defaults) of obj, checked and normalised into r->kind and r->params. A
 * scheduler_down rule must be global (r->task_id 0): task_key is the name
 * of the task's field in that error. */
int alert_check_rule_kind(const cJSON *obj, const char *pfx, const char *task_key,
			  const cJSON *stored, alert_rule_row *r, zq_err *err);

/* One element of a rule's channels (an id for the API, a name for the
 * importer) -> the channel's id; field names it in errors. */
typedef int (*alert_check_ref_fn)(const cJSON *e, const char *field, void *arg, int64_t *id,
				  zq_err *err);
/* A rule's channels: a non-empty array of what ("channel ids"), at most
 * ALERT_RULE_CHANNELS_MAX, each resolved by ref, none twice, into r. */
int alert_check_rule_channels(const cJSON *v, const char *pfx, const char *what,
			      alert_check_ref_fn ref, void *arg, alert_rule_row *r, zq_err *err);

#endif
