/* alert_check.c - the checks of alert channels' and rules' fields
 * (alert_check.h). */
#include "alert_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_chan.h"
#include "alert_rule.h"
#include "jsonin.h"
#include "mem.h"

int alert_check_channel(const cJSON *obj, const char *pfx, int create, alert_channel_row *r,
			int *kind_changed, zq_err *err)
{
	const cJSON *v;
	const char *s;
	char f[64];
	int k;

	if (kind_changed)
		*kind_changed = 0;
	if ((v = jin_get(obj, "name")) || create) {
		snprintf(f, sizeof(f), "%sname", pfx);
		if (!v)
			return zq_errf(err, ZQ_EINVAL, "%s: required", f);
		if (jin_string(v, f, 1, 128, 0, &s, err) < 0)
			return ZQ_EINVAL;
		zq_strlcpy(r->name, s, sizeof(r->name));
	}
	if ((v = jin_get(obj, "kind")) || create) {
		if (!v || !cJSON_IsString(v) || (k = alert_chan_kind_parse(v->valuestring)) < 0)
			return zq_errf(err, ZQ_EINVAL, "%skind: must be one of webhook, "
				       "dingtalk, wecom, feishu, slack, email", pfx);
		if (kind_changed)
			*kind_changed = strcmp(r->kind, alert_chan_kind_name((alert_chan_kind)k)) != 0;
		zq_strlcpy(r->kind, alert_chan_kind_name((alert_chan_kind)k), sizeof(r->kind));
	}
	snprintf(f, sizeof(f), "%senabled", pfx);
	if ((v = jin_get(obj, "enabled")) && jin_bool(v, f, &r->enabled, err) < 0)
		return ZQ_EINVAL;
	if ((v = jin_get(obj, "lang"))) {
		if (!cJSON_IsString(v) || (strcmp(v->valuestring, "en") != 0 &&
					   strcmp(v->valuestring, "zh") != 0))
			return zq_errf(err, ZQ_EINVAL, "%slang: must be en or zh", pfx);
		zq_strlcpy(r->lang, v->valuestring, sizeof(r->lang));
	}
	return 0;
}

int alert_check_rule_opts(const cJSON *obj, const char *pfx, alert_rule_row *r, zq_err *err)
{
	const cJSON *v;
	char f[64];

	snprintf(f, sizeof(f), "%srepeat_every", pfx);
	if ((v = jin_get(obj, "repeat_every")) &&
	    jin_int(v, f, 0, ALERT_CHECK_REPEAT_MAX, &r->repeat_every, err) < 0)
		return ZQ_EINVAL;
	snprintf(f, sizeof(f), "%senabled", pfx);
	if ((v = jin_get(obj, "enabled")) && jin_bool(v, f, &r->enabled, err) < 0)
		return ZQ_EINVAL;
	return 0;
}

int alert_check_rule_kind(const cJSON *obj, const char *pfx, const char *task_key,
			  const cJSON *stored, alert_rule_row *r, zq_err *err)
{
	const cJSON *v = jin_get(obj, "kind"), *params = jin_get(obj, "params");
	alert_rule_params p;
	cJSON *norm;
	int k;

	if (v && (!cJSON_IsString(v) || alert_rule_kind_parse(v->valuestring) < 0))
		return zq_errf(err, ZQ_EINVAL, "%skind: must be one of on_failure, "
			       "on_timeout, on_recovery, on_skipped, deadline, not_started, "
			       "duration, scheduler_down", pfx);
	if (v)
		zq_strlcpy(r->kind, v->valuestring, sizeof(r->kind));
	if (!r->kind[0])
		return zq_errf(err, ZQ_EINVAL, "%skind: required", pfx);
	k = alert_rule_kind_parse(r->kind);
	if (params && !cJSON_IsObject(params) && !cJSON_IsNull(params))
		return zq_errf(err, ZQ_EINVAL, "%sparams: must be an object", pfx);
	if (!params)
		params = stored;
	if (alert_rule_params_parse((alert_rule_kind)k, cJSON_IsNull(params) ? NULL : params, &p,
				    err) < 0)
		return zq_err_prefix(err, "%s", pfx);
	norm = alert_rule_params_json((alert_rule_kind)k, &p);
	free(r->params);
	r->params = cJSON_PrintUnformatted(norm);
	cJSON_Delete(norm);
	if (k == AR_SCHEDULER_DOWN && r->task_id)
		return zq_errf(err, ZQ_EINVAL, "%s%s: a scheduler_down rule is global "
			       "(%s must be null)", pfx, task_key, task_key);
	return 0;
}

int alert_check_rule_channels(const cJSON *v, const char *pfx, const char *what,
			      alert_check_ref_fn ref, void *arg, alert_rule_row *r, zq_err *err)
{
	char field[64];
	int64_t id;
	int i = 0;

	if (!cJSON_IsArray(v) || !v->child)
		return zq_errf(err, ZQ_EINVAL, "%schannels: must be a non-empty array of %s", pfx,
			       what);
	r->nchannels = 0;
	for (const cJSON *e = v->child; e; e = e->next, i++) {
		snprintf(field, sizeof(field), "%schannels[%d]", pfx, i);
		if (i >= ALERT_RULE_CHANNELS_MAX)
			return zq_errf(err, ZQ_EINVAL, "%schannels: at most %d channels", pfx,
				       ALERT_RULE_CHANNELS_MAX);
		if (ref(e, field, arg, &id, err) < 0)
			return ZQ_EINVAL;
		for (int j = 0; j < r->nchannels; j++) {
			if (r->channels[j] != id)
				continue;
			if (cJSON_IsString(e))
				return zq_errf(err, ZQ_EINVAL, "%s: channel '%.128s' given twice",
					       field, e->valuestring);
			return zq_errf(err, ZQ_EINVAL, "%s: channel %lld given twice", field,
				       (long long)id);
		}
		r->channels[r->nchannels++] = id;
	}
	return 0;
}
