/* fuzz_alert.c - libFuzzer target for an alert channel's config check, its
 * masked view and the message built for an event.
 *
 * Input: byte 0 picks the channel kind, byte 1 the language; the rest is the
 * channel's config JSON, then (after the first 0xff byte, if any) the
 * event's facts JSON. Besides crashes and sanitizer reports it checks what
 * an attacker who controls a channel body or an error message must never
 * get: a secret (or a webhook header's value) in the
 * masked view, a "***" that does not keep the stored
 * value, a header line an HTTP or mail header value could smuggle in (CR or
 * LF in a header, a Bcc: in the mail's header block), or an HTTP body that
 * is not JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "alert_chan.h"
#include "alert_text.h"
#include "netaddr.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static netaddr_list *allow;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!(allow = netaddr_list_parse("127.0.0.1/32", NULL)))
		abort();
	return 0;
}

/* Every secret string (8 bytes or more, not already said in the public
 * part) is absent from the masked view. */
static void check_masked(alert_chan_kind k, const cJSON *pub, const cJSON *sec)
{
	cJSON *m = alert_chan_masked(k, pub, sec);
	char *mtext = m ? cJSON_PrintUnformatted(m) : NULL;
	char *ptext = cJSON_PrintUnformatted(pub);
	const cJSON *s;

	if (!m || !mtext || !ptext)
		abort();
	cJSON_ArrayForEach(s, sec) {
		const cJSON *v = s;
		if (cJSON_IsObject(s))   /* a webhook's headers: each value */
			v = s->child;
		for (; v; v = cJSON_IsObject(s) ? v->next : NULL)
			if (cJSON_IsString(v) && strlen(v->valuestring) >= 8 &&
			    !strstr(ptext, v->valuestring) && strstr(mtext, v->valuestring))
				abort();
	}
	cJSON_free(mtext);
	cJSON_free(ptext);
	cJSON_Delete(m);
}

/* The body again with "***" for every secret, checked against the stored
 * secrets: it passes and keeps them exactly. */
static void check_round_trip(alert_chan_kind k, const cJSON *config, const cJSON *sec)
{
	cJSON *body = cJSON_Duplicate(config, 1), *pub2 = NULL, *sec2 = NULL;
	const cJSON *s;

	if (!body)
		abort();
	cJSON_ArrayForEach(s, sec) {
		cJSON *b = cJSON_GetObjectItemCaseSensitive(body, s->string), *h;
		if (b && cJSON_IsObject(s)) {   /* a webhook's headers: each value */
			cJSON_ArrayForEach(h, b)
				cJSON_SetValuestring(h, "***");
		} else if (b) {
			cJSON_ReplaceItemInObjectCaseSensitive(body, s->string, cJSON_CreateString("***"));
		}
	}
	if (alert_chan_check(k, body, sec, allow, 1, &pub2, &sec2, NULL) != 0 ||
	    !cJSON_Compare(sec, sec2, 1))
		abort();
	cJSON_Delete(pub2);
	cJSON_Delete(sec2);
	cJSON_Delete(body);
}

static void check_header_block(const alert_msg *m)
{
	const char *end = strstr(m->body, "\r\n\r\n");
	size_t n = end ? (size_t)(end - m->body) : m->body_len;

	for (size_t i = 0; i + 4 <= n; i++)
		if ((i == 0 || m->body[i - 1] == '\n') && strncasecmp(m->body + i, "bcc:", 4) == 0)
			abort();
	for (size_t i = 0; i < n; i++)   /* no bare CR or LF inside the headers */
		if ((m->body[i] == '\n' && (i == 0 || m->body[i - 1] != '\r')) ||
		    (m->body[i] == '\r' && m->body[i + 1] != '\n'))
			abort();
}

static void check_msg(alert_chan_kind k, const char *lang, const cJSON *pub, const cJSON *sec,
		      const cJSON *facts)
{
	alert_chan_view v = {7, "fuzz", k, lang, pub, sec};
	alert_msg m;
	zq_err err = ZQ_ERR_INIT;

	memset(&m, 0, sizeof(m));
	if (alert_msg_build(&v, facts, 42, "https://zq.example", INT64_C(1764590000000), &m, &err) != 0) {
		if (!err.msg[0])
			abort();
		alert_msg_free(&m);
		return;
	}
	for (int i = 0; i < m.nheaders; i++)
		if (strpbrk(m.headers[i], "\r\n"))
			abort();
	if (m.title && strpbrk(m.title, "\r\n"))
		abort();
	if (k == AC_EMAIL) {
		check_header_block(&m);
	} else {
		cJSON *j = cJSON_ParseWithLength(m.body, m.body_len);
		if (!j)
			abort();
		cJSON_Delete(j);
	}
	(void)alert_msg_judge(k, 200, m.body, m.body_len, NULL);
	alert_msg_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	alert_chan_kind k;
	const char *lang, *rest, *sep;
	cJSON *config, *facts = NULL, *pub = NULL, *sec = NULL;
	zq_err err = ZQ_ERR_INIT;
	size_t n;

	if (size < 3)
		return 0;
	k = (alert_chan_kind)(data[0] % AC_KIND_COUNT);
	lang = data[1] & 1 ? "zh" : "en";
	rest = (const char *)data + 2;
	n = size - 2;
	sep = memchr(rest, 0xff, n);
	if (!(config = cJSON_ParseWithLength(rest, sep ? (size_t)(sep - rest) : n)))
		return 0;
	if (alert_chan_check(k, config, NULL, allow, 1, &pub, &sec, &err) != 0) {
		if (err.code != ZQ_EINVAL || !err.msg[0] || pub || sec)
			abort();
		cJSON_Delete(config);
		return 0;
	}
	check_masked(k, pub, sec);
	check_round_trip(k, config, sec);
	if (sep)
		facts = cJSON_ParseWithLength(sep + 1, n - (size_t)(sep + 1 - rest));
	if (facts)
		check_msg(k, lang, pub, sec, facts);
	cJSON_Delete(facts);
	cJSON_Delete(pub);
	cJSON_Delete(sec);
	cJSON_Delete(config);
	return 0;
}
