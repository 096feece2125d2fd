/* alert_rule.c - rule kinds, their params, and the last deadline instant.
 *
 * The days field of a deadline is a cron day-of-week field, parsed by
 * cron.c itself (as the fifth field of "0 0 * * <days>"), so the syntax is
 * the schedules' one: '*', lists, ranges, steps, MON-SUN, 0 and 7 Sunday.
 *
 * Local wall time to UTC: a wall time that occurs twice (DST ends) is its
 * first occurrence; one that does not occur (DST starts) is the first
 * instant after the gap, the transition itself. */
#include "alert_rule.h"

#include <stdio.h>
#include <string.h>

#include "cron.h"
#include "jsonin.h"
#include "mem.h"
#include "timeutil.h"
#include "tz.h"

static const char *const kind_names[AR_KIND_COUNT] = {
	"on_failure", "on_timeout", "on_recovery", "on_skipped",
	"deadline", "not_started", "duration", "scheduler_down",
};

int alert_rule_kind_parse(const char *s)
{
	for (int i = 0; s && i < AR_KIND_COUNT; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

const char *alert_rule_kind_name(alert_rule_kind k)
{
	return (unsigned)k < AR_KIND_COUNT ? kind_names[k] : "?";
}

/* ---- params ---------------------------------------------------------------- */

static const char *const keys_failure[] = {"each_attempt", NULL};
static const char *const keys_none[] = {NULL};
static const char *const keys_deadline[] = {"time", "timezone", "days", NULL};
static const char *const keys_after[] = {"after", NULL};
static const char *const keys_duration[] = {"max_seconds", "factor", "min_runs", NULL};

static const char *const *kind_keys(alert_rule_kind k)
{
	switch (k) {
	case AR_ON_FAILURE: return keys_failure;
	case AR_DEADLINE: return keys_deadline;
	case AR_NOT_STARTED:
	case AR_SCHEDULER_DOWN: return keys_after;
	case AR_DURATION: return keys_duration;
	default: return keys_none;
	}
}

/* "HH:MM", 00:00-23:59, two digits each */
static int parse_hhmm(const char *s, int *minute)
{
	for (int i = 0; i < 5; i++)
		if (i == 2 ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
			return -1;
	if (s[5] != '\0')
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	*minute = h * 60 + m;
	return 0;
}

/* a cron day-of-week field -> bit d for ISO weekday d (1 = Mon .. 7 = Sun) */
static int parse_days(const char *days, unsigned char *mask, zq_err *err)
{
	char expr[96];
	zq_cron c;
	zq_err e = ZQ_ERR_INIT;

	if (!*days || days[strcspn(days, " \t\r\n")] != '\0')
		return zq_errf(err, ZQ_EINVAL,
			       "params.days: must be one cron day-of-week field (\"1-5\", \"MON,WED\", \"*\")");
	if (strchr(days, '#'))
		return zq_errf(err, ZQ_EINVAL, "params.days: 'D#K' (K-th weekday) is not allowed here");
	snprintf(expr, sizeof(expr), "0 0 * * %s", days);
	if (zq_cron_parse(&c, expr, &e) != 0)
		return zq_errf(err, ZQ_EINVAL, "params.days: %s", e.msg);
	*mask = (unsigned char)((c.dow & 0x7e) | ((c.dow & 1) << 7));
	if (!*mask)
		return zq_errf(err, ZQ_EINVAL, "params.days: matches no day");
	return 0;
}

static int parse_deadline(const cJSON *o, alert_rule_params *p, zq_err *err)
{
	const cJSON *v;
	const char *s;

	if (!(v = jin_get(o, "time")))
		return zq_errf(err, ZQ_EINVAL, "params.time: required (HH:MM)");
	if (jin_string(v, "params.time", 5, 5, 0, &s, NULL) != 0 ||
	    parse_hhmm(s, &p->minute_of_day) != 0)
		return zq_errf(err, ZQ_EINVAL, "params.time: must be HH:MM (00:00-23:59)");
	if ((v = jin_get(o, "timezone")) && !cJSON_IsNull(v)) {
		zq_err e = ZQ_ERR_INIT;

		if (jin_string(v, "params.timezone", 0, ZQ_TZ_NAME_MAX - 1, 0, &s, err) != 0)
			return ZQ_EINVAL;
		if (*s && !zq_tz_get(s, &e))
			return zq_errf(err, ZQ_EINVAL, "params.timezone: %s", e.msg);
		zq_strlcpy(p->timezone, s, sizeof(p->timezone));
	}
	if ((v = jin_get(o, "days"))) {
		if (jin_string(v, "params.days", 1, sizeof(p->days) - 1, 0, &s, err) != 0)
			return ZQ_EINVAL;
		zq_strlcpy(p->days, s, sizeof(p->days));
	}
	return parse_days(p->days, &p->dow_mask, err);
}

static int parse_duration(const cJSON *o, alert_rule_params *p, zq_err *err)
{
	const cJSON *v;
	int64_t n;

	if ((v = jin_get(o, "max_seconds"))) {
		if (jin_int(v, "params.max_seconds", 1, 31 * 86400, &n, err) != 0)
			return ZQ_EINVAL;
		p->max_seconds = n;
	}
	if ((v = jin_get(o, "factor")) &&
	    jin_number(v, "params.factor", 1.0, 1000.0, &p->factor, err) != 0)
		return ZQ_EINVAL;
	if ((v = jin_get(o, "min_runs"))) {
		if (!jin_get(o, "factor"))
			return zq_errf(err, ZQ_EINVAL, "params.min_runs: only with params.factor");
		if (jin_int(v, "params.min_runs", 1, 20, &n, err) != 0)
			return ZQ_EINVAL;
		p->min_runs = (int)n;
	}
	if (!p->max_seconds && p->factor == 0)
		return zq_errf(err, ZQ_EINVAL,
			       "params.max_seconds: a duration rule needs max_seconds, factor or both");
	return 0;
}

static void defaults(alert_rule_kind k, alert_rule_params *p)
{
	memset(p, 0, sizeof(*p));
	zq_strlcpy(p->days, "*", sizeof(p->days));
	p->dow_mask = 0xfe;
	p->min_runs = 5;
	p->after_s = k == AR_SCHEDULER_DOWN ? 60 : k == AR_NOT_STARTED ? 300 : 0;
}

int alert_rule_params_parse(alert_rule_kind k, const cJSON *params, alert_rule_params *p,
			    zq_err *err)
{
	const cJSON *v;
	int64_t n;

	if ((unsigned)k >= AR_KIND_COUNT)
		return zq_errf(err, ZQ_EINVAL, "kind: unknown rule kind");
	defaults(k, p);
	if (!params || cJSON_IsNull(params))
		return k == AR_DEADLINE ? zq_errf(err, ZQ_EINVAL, "params.time: required (HH:MM)")
		     : k == AR_DURATION ? parse_duration(params, p, err) : 0;
	if (!cJSON_IsObject(params))
		return zq_errf(err, ZQ_EINVAL, "params: must be an object");
	if (jin_check_fields(params, "params.", kind_keys(k), NULL, err) != 0)
		return ZQ_EINVAL;
	switch (k) {
	case AR_ON_FAILURE:
		if ((v = jin_get(params, "each_attempt")) &&
		    jin_bool(v, "params.each_attempt", &p->each_attempt, err) != 0)
			return ZQ_EINVAL;
		return 0;
	case AR_DEADLINE:
		return parse_deadline(params, p, err);
	case AR_NOT_STARTED:
	case AR_SCHEDULER_DOWN:
		if ((v = jin_get(params, "after"))) {
			if (jin_int(v, "params.after", 1, 86400, &n, err) != 0)
				return ZQ_EINVAL;
			p->after_s = (int)n;
		}
		return 0;
	case AR_DURATION:
		return parse_duration(params, p, err);
	default:
		return 0;
	}
}

cJSON *alert_rule_params_json(alert_rule_kind k, const alert_rule_params *p)
{
	cJSON *o = cJSON_CreateObject();
	char hhmm[8];

	switch (k) {
	case AR_ON_FAILURE:
		cJSON_AddBoolToObject(o, "each_attempt", p->each_attempt != 0);
		break;
	case AR_DEADLINE:
		snprintf(hhmm, sizeof(hhmm), "%02d:%02d", p->minute_of_day / 60 % 24,
			 p->minute_of_day % 60);
		cJSON_AddStringToObject(o, "time", hhmm);
		if (p->timezone[0])
			cJSON_AddStringToObject(o, "timezone", p->timezone);
		cJSON_AddStringToObject(o, "days", p->days[0] ? p->days : "*");
		break;
	case AR_NOT_STARTED:
	case AR_SCHEDULER_DOWN:
		cJSON_AddNumberToObject(o, "after", p->after_s);
		break;
	case AR_DURATION:
		if (p->max_seconds)
			cJSON_AddNumberToObject(o, "max_seconds", (double)p->max_seconds);
		if (p->factor != 0) {
			cJSON_AddNumberToObject(o, "factor", p->factor);
			cJSON_AddNumberToObject(o, "min_runs", p->min_runs);
		}
		break;
	default:
		break;
	}
	return o;
}

/* ---- deadlines ------------------------------------------------------------- */

/* UTC seconds of local wall seconds w (seconds since the epoch as if the
 * zone were UTC): the first occurrence, or the end of the gap w falls in. */
static int64_t wall_to_utc(const zq_tz *tz, int64_t w)
{
	int32_t cand[3];
	int64_t best = INT64_MAX;
	int32_t lo = INT32_MAX;

	cand[0] = zq_tz_offset_at(tz, (w - 26 * 3600) * 1000);
	cand[1] = zq_tz_offset_at(tz, w * 1000);
	cand[2] = zq_tz_offset_at(tz, (w + 26 * 3600) * 1000);
	for (int i = 0; i < 3; i++) {
		int64_t t = w - cand[i];

		if (zq_tz_offset_at(tz, t * 1000) == cand[i] && t < best)
			best = t;
		if (cand[i] < lo)
			lo = cand[i];
	}
	if (best != INT64_MAX)
		return best;
	/* in a gap: w - (the offset before it) lies just after the jump */
	zq_tz_span sp;

	zq_tz_span_at(tz, w - lo, &sp);
	return sp.start != INT64_MIN ? sp.start : w - lo;
}

int alert_deadline_last(const alert_rule_params *p, const char *tzname, long long now_ms,
			long long *deadline_ms, long long *day_start_ms, char slot[11])
{
	const zq_tz *tz = zq_tz_get(tzname && *tzname ? tzname : "UTC", NULL);

	if (!tz)
		return -1;
	int64_t now_s = (int64_t)(now_ms >= 0 ? now_ms / 1000 : (now_ms - 999) / 1000);
	int64_t local = now_s + zq_tz_offset_at(tz, now_ms);
	int64_t today = local >= 0 ? local / 86400 : (local - 86399) / 86400;

	for (int k = 0; k < 8; k++) {
		int64_t day = today - k;
		int wd = zq_weekday_from_days(day), iso = wd == 0 ? 7 : wd;

		if (!(p->dow_mask >> iso & 1))
			continue;
		int64_t dl = wall_to_utc(tz, day * 86400 + (int64_t)p->minute_of_day * 60) * 1000;
		if (dl > now_ms)
			continue;
		int y, m, d;

		zq_civil_from_days(day, &y, &m, &d);
		snprintf(slot, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
			 (unsigned)d % 100u);
		*deadline_ms = dl;
		*day_start_ms = wall_to_utc(tz, day * 86400) * 1000;
		return 0;
	}
	return -1;
}
