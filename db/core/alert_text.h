/* alert_text.h - the message for one alert event on one channel.
 *
 * alert_msg_build() renders an event's facts (as stored in
 * alert_events.facts) into the request db/notify delivers: the URL, the
 * body (JSON for HTTP kinds, a whole RFC 5322 message for email), the
 * headers and, for email, sender and recipients. Titles and texts are in the
 * channel's language (en, zh); times in the task's zone. alert_msg_judge()
 * decides whether a reply means delivered. Pure (no curl, no clock: now_ms
 * is passed in). */
#ifndef ZQ_ALERT_TEXT_H
#define ZQ_ALERT_TEXT_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "alert_chan.h"
#include "err.h"

typedef struct {
	long long id;
	const char *name;
	alert_chan_kind kind;
	const char *lang;                          /* "en" | "zh" */
	const cJSON *pub;                          /* as stored */
	const cJSON *secrets;                      /* as stored (may be NULL) */
} alert_chan_view;

typedef struct {
	char *url;            /* where to POST (dingtalk: with &timestamp=&sign=); email: smtp_url */
	char *body;           /* HTTP body, or the whole RFC 5322 email message */
	size_t body_len;
	char *headers[20];    /* "Name: value" lines (HTTP): zq's 4 + up to 16 of a webhook's own */
	int nheaders;
	char *mail_from;      /* email: "<a@b>", as CURLOPT_MAIL_FROM takes it */
	char *rcpt[32];       /* email: "<a@b>" each (CURLOPT_MAIL_RCPT) */
	int nrcpt;
	char *title;          /* the one-line summary (email Subject) */
} alert_msg;

/* The request for one event. facts as stored; event_id the row id; base_url
 * for links (may be "" or NULL); now_ms for timestamps and signatures.
 * 0, or ZQ_EINVAL + err (m is then empty). */
int alert_msg_build(const alert_chan_view *ch, const cJSON *facts, long long event_id,
		    const char *base_url, long long now_ms, alert_msg *m, zq_err *err);
void alert_msg_free(alert_msg *m);

/* Judge a reply: 0 = delivered, -1 = not, with a short reason in err
 * ("HTTP 500", "errcode 310000: sign not match"). */
int alert_msg_judge(alert_chan_kind k, long code, const char *body, size_t len, zq_err *err);

#endif
