/* deliver.h - one delivery attempt of an alert message with libcurl: an
 * HTTP POST (webhook and the robots) or an SMTP send (email), behind the
 * SSRF guard (netaddr.h).
 *
 * The guard: the URL is parsed (curl_url), its host resolved here
 * (getaddrinfo), and the attempt refused when ANY address is refused by
 * netaddr_refuse (alerts.deny_private, alerts.allow); otherwise curl is
 * pinned to exactly the checked addresses (CURLOPT_RESOLVE), so a second
 * lookup (DNS rebinding) cannot move it, and every socket curl opens is
 * checked again before it connects. No redirects, no proxy (the
 * environment's http_proxy is ignored), protocols http/https (email
 * smtp/smtps), TLS verification on (alerts.ca_file as the CA bundle when
 * set), alerts.timeout_s for the whole attempt, the reply read up to 64
 * KiB. */
#ifndef ZQ_NOTIFY_DELIVER_H
#define ZQ_NOTIFY_DELIVER_H

#include <stdint.h>

#include "alert_text.h"
#include "err.h"
#include "netaddr.h"

/* curl_global_init, once per process (pthread_once): call before the
 * first delivery, from any thread. */
void deliver_global_init(void);

typedef struct deliver_opts {
	const netaddr_list *allow;   /* alerts.allow (NULL = empty) */
	int deny_private;            /* alerts.deny_private */
	int timeout_s;               /* alerts.timeout_s */
	const char *ca_file;         /* alerts.ca_file, "" or NULL = the system's */
} deliver_opts;

typedef struct deliver_result {
	long code;                   /* HTTP status / last SMTP reply, 0 = none */
	int refused;                 /* the guard refused: do not retry */
	int64_t latency_ms;          /* of the attempt, -1 when none was made */
	char host[256];              /* the URL's host (for logs: never the URL) */
} deliver_result;

/* Deliver m to ch (its kind; email reads tls/username from ch->pub and
 * password from ch->secrets). 0 = delivered (judged by alert_msg_judge
 * for HTTP, by the SMTP replies for email); -1 = not, with err the reason
 * ("HTTP 500", "errcode 310000: sign not match", "refused: 127.0.0.2 is a
 * loopback address (alerts.deny_private)", "connect: ..."), never a
 * secret or a full URL. */
int deliver_send(const alert_chan_view *ch, const alert_msg *m, const deliver_opts *o,
		 deliver_result *r, zq_err *err);

#endif
