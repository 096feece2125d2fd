/* alert_chan.h - alert channel kinds and the check of a channel's `config`.
 *
 * A channel's config comes from the API body; alert_chan_check() checks it
 * for its kind (allowed keys, URLs, addresses, headers) and splits it into
 * the public part (alert_channels.config) and the secrets
 * (alert_channels.secrets: `secret`, `password`, `url` for the robots,
 * whose URL carries the token, and a webhook's `headers`, whose values carry
 * receivers' tokens: {"headers": {"Authorization": "Bearer ..."}}). Secrets
 * are write-only: responses show alert_chan_masked(), where each set secret,
 * and each header value, is "***". Pure. */
#ifndef ZQ_ALERT_CHAN_H
#define ZQ_ALERT_CHAN_H

#include <cjson/cJSON.h>

#include "err.h"

typedef struct netaddr_list netaddr_list;   /* netaddr.h */

typedef enum { AC_WEBHOOK, AC_DINGTALK, AC_WECOM, AC_FEISHU, AC_SLACK, AC_EMAIL,
	       AC_KIND_COUNT } alert_chan_kind;

/* "webhook" ... "email" -> kind; -1 unknown. */
int alert_chan_kind_parse(const char *s);
const char *alert_chan_kind_name(alert_chan_kind k);

/* Check a channel's `config` from the API for kind and split it into the
 * public part and the secrets. stored_secrets (NULL for a create) supplies
 * the value where the body says "***". allow/deny_private refuse literal
 * private IPs. ZQ_EINVAL + err "config.url: must be an https URL" etc.
 * *pub and *secrets are new cJSON objects (secrets may be an empty object);
 * on failure both are NULL. */
int alert_chan_check(alert_chan_kind k, const cJSON *config, const cJSON *stored_secrets,
		     const netaddr_list *allow, int deny_private, cJSON **pub, cJSON **secrets,
		     zq_err *err);

/* What responses show: pub + "***" for each secret that is set, + "url_host"
 * for robot URLs. A new object (never NULL). */
cJSON *alert_chan_masked(alert_chan_kind k, const cJSON *pub, const cJSON *secrets);

#endif
