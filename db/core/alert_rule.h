/* alert_rule.h - alert rule kinds, their params, and deadline instants.
 *
 * Params per kind (a JSON object; NULL = {}; unknown keys are errors that
 * name them, "params.foo: unknown field"):
 *   on_failure      {"each_attempt": false}
 *   on_timeout, on_recovery, on_skipped   {}
 *   deadline        {"time": "HH:MM" (required), "timezone": IANA ("" or
 *                   absent = the task's), "days": cron day-of-week ("*")}
 *   not_started     {"after": 1-86400 s, default 300}
 *   duration        {"max_seconds": 1-2678400} and/or {"factor": 1-1000,
 *                   "min_runs": 1-20 (default 5)}; at least one of the two
 *   scheduler_down  {"after": 1-86400 s, default 60}
 * Pure (zones come from tz.h's cache). */
#ifndef ZQ_ALERT_RULE_H
#define ZQ_ALERT_RULE_H

#include <cjson/cJSON.h>

#include "err.h"

typedef enum { AR_ON_FAILURE, AR_ON_TIMEOUT, AR_ON_RECOVERY, AR_ON_SKIPPED, AR_DEADLINE,
	       AR_NOT_STARTED, AR_DURATION, AR_SCHEDULER_DOWN, AR_KIND_COUNT } alert_rule_kind;

/* -1 unknown */
int alert_rule_kind_parse(const char *s);
/* "on_failure" ...; "?" out of range */
const char *alert_rule_kind_name(alert_rule_kind k);

typedef struct {
	int each_attempt;                 /* on_failure */
	int minute_of_day;                /* deadline: HH*60+MM */
	char timezone[64];                /* deadline ("" = the task's) */
	unsigned char dow_mask;           /* deadline: bit d for ISO weekday d (1=Mon..7=Sun); cron 0 and 7 = Sunday */
	char days[64];                    /* deadline: the days field as given, "*" default */
	int after_s;                      /* not_started (default 300), scheduler_down (default 60) */
	long long max_seconds;            /* duration; 0 = none */
	double factor;                    /* duration; 0 = none */
	int min_runs;                     /* duration with factor; default 5 */
} alert_rule_params;

/* Check params (NULL = {}) for kind and fill *p (defaults for what is
 * absent); unknown keys, wrong types, ranges -> ZQ_EINVAL, err
 * "params.time: must be HH:MM (00:00-23:59)". */
int alert_rule_params_parse(alert_rule_kind k, const cJSON *params, alert_rule_params *p,
			    zq_err *err);
/* The normalised form that is stored (a new object; cJSON_Delete). */
cJSON *alert_rule_params_json(alert_rule_kind k, const alert_rule_params *p);

/* deadline: the latest deadline instant <= now_ms on a matching local day
 * in zone tz (IANA; tz.h; p->timezone is not consulted: the caller picks
 * it or the task's); fills *deadline_ms, *day_start_ms (local midnight of
 * that day, UTC ms), slot "YYYY-MM-DD". 0, or -1 when none in the last 8
 * days (or the zone does not load). A wall time skipped by a DST jump is
 * the first instant after the gap. */
int alert_deadline_last(const alert_rule_params *p, const char *tz, long long now_ms,
			long long *deadline_ms, long long *day_start_ms, char slot[11]);

#endif
