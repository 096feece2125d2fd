/* test_alert_text.c - the message of an event on each channel kind
 * (db/core/alert_text*.c): every kind's body parses as JSON with the
 * vendor's fields, signatures verify (recomputed with alert_sign.h), times
 * in the task's zone, the error cut at a character boundary, vendors'
 * markdown escaped, zh titles valid UTF-8, the email with both parts and an
 * RFC 2047 subject, and the judge of replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_sign.h"
#include "alert_text.h"
#include "utf8.h"

#define NOW_MS 1796119205123LL   /* 2026-12-01T10:00:05.123Z */
#define EID 42

static const char *facts_failure =
	"{\"event\":\"failure\",\"event_id\":null,\"alert_id\":5,\"rule_id\":3,"
	"\"rule_kind\":\"on_failure\",\"repeat\":false,"
	"\"task\":{\"id\":7,\"name\":\"sync_daily_data\",\"type\":\"common_task\","
	"\"timezone\":\"Asia/Shanghai\"},"
	"\"execution\":{\"id\":991,\"status\":\"failed\",\"trigger_type\":\"schedule\","
	"\"scheduled_time\":\"2026-12-01T10:00:00.000Z\",\"start_time\":\"2026-12-01T10:00:03.000Z\","
	"\"end_time\":\"2026-12-01T10:00:04.234Z\",\"duration_ms\":1234,\"retry_count\":2,"
	"\"max_retries\":2,\"error\":\"exit status 1\"},"
	"\"slot\":\"2026-12-01T10:00:00.000Z\",\"detected_at\":\"2026-12-01T10:00:05.123Z\"}";

static cJSON *pub_of(const char *json)
{
	cJSON *j = cJSON_Parse(json);
	assert_non_null(j);
	return j;
}

typedef struct {
	alert_chan_view ch;
	cJSON *pub, *sec, *facts;
	alert_msg m;
} fixture;

static void build(fixture *f, alert_chan_kind k, const char *lang, const char *pub,
		  const char *sec, const char *facts, const char *base)
{
	zq_err err = ZQ_ERR_INIT;

	memset(f, 0, sizeof(*f));
	f->pub = pub_of(pub);
	f->sec = sec ? pub_of(sec) : NULL;
	f->facts = pub_of(facts);
	f->ch = (alert_chan_view){11, "ops-room", k, lang, f->pub, f->sec};
	if (alert_msg_build(&f->ch, f->facts, EID, base, NOW_MS, &f->m, &err) != 0)
		fail_msg("build: %s", err.msg);
	assert_non_null(f->m.body);
	assert_int_equal(strlen(f->m.body), f->m.body_len);
	assert_non_null(f->m.title);
	assert_int_equal(zq_utf8_check(f->m.title, strlen(f->m.title), NULL), 0);
	assert_int_equal(zq_utf8_check(f->m.body, f->m.body_len, NULL), 0);
}

static void done(fixture *f)
{
	alert_msg_free(&f->m);
	cJSON_Delete(f->pub);
	cJSON_Delete(f->sec);
	cJSON_Delete(f->facts);
}

static const char *hdr(const alert_msg *m, const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; i < m->nheaders; i++)
		if (strncmp(m->headers[i], name, n) == 0 && m->headers[i][n] == ':')
			return m->headers[i] + n + 2;
	return NULL;
}

static const char *sget(const cJSON *o, const char *path)
{
	char buf[128], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, atoi(k))
				     : cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(o) ? o->valuestring : NULL;
}

static void webhook_payload_v1_signed(void **state)
{
	(void)state;
	fixture f;
	build(&f, AC_WEBHOOK, "en", "{\"url\":\"https://hooks.example/in\"}",
	      "{\"secret\":\"s3cr3t\",\"headers\":{\"X-Team\":\"ops\"}}", facts_failure,
	      "https://zq.example/");
	assert_string_equal(f.m.url, "https://hooks.example/in");
	assert_string_equal(f.m.title, "[zq] FAILED sync_daily_data (attempt 3/3)");
	cJSON *b = cJSON_Parse(f.m.body);
	assert_non_null(b);
	assert_int_equal(cJSON_GetObjectItem(b, "version")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(b, "event_id")->valueint, EID);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "channel"), "id")->valueint, 11);
	assert_string_equal(sget(b, "channel.name"), "ops-room");
	assert_string_equal(sget(b, "event"), "failure");
	assert_string_equal(sget(b, "task.name"), "sync_daily_data");
	assert_string_equal(sget(b, "execution.error"), "exit status 1");
	assert_string_equal(sget(b, "title"), f.m.title);
	assert_string_equal(sget(b, "url"), "https://zq.example/#/tasks/7/executions/991");
	const char *text = sget(b, "text");
	assert_non_null(strstr(text, "Scheduled: 2026-12-01 18:00:00 +08:00 (Asia/Shanghai)"));
	assert_non_null(strstr(text, "Started: 2026-12-01 18:00:03 +08:00 (Asia/Shanghai)"));
	assert_non_null(strstr(text, "Duration: 1.2 s"));
	assert_non_null(strstr(text, "Attempt: 3/3"));
	assert_non_null(strstr(text, "Error: exit status 1"));
	cJSON_Delete(b);

	assert_string_equal(hdr(&f.m, "Content-Type"), "application/json");
	assert_string_equal(hdr(&f.m, "X-Zq-Event-Id"), "42");
	assert_string_equal(hdr(&f.m, "X-Zq-Timestamp"), "1796119205");
	assert_string_equal(hdr(&f.m, "X-Team"), "ops");
	char *want = alert_sign_webhook("s3cr3t", NOW_MS / 1000, f.m.body, f.m.body_len);
	assert_string_equal(hdr(&f.m, "X-Zq-Signature"), want);
	assert_int_equal(strncmp(want, "sha256=", 7), 0);
	free(want);
	assert_null(strstr(f.m.body, "s3cr3t"));
	done(&f);

	/* no secret: no signature; no base_url: no url */
	build(&f, AC_WEBHOOK, "en", "{\"url\":\"https://hooks.example/in\"}", NULL, facts_failure, "");
	assert_null(hdr(&f.m, "X-Zq-Signature"));
	b = cJSON_Parse(f.m.body);
	assert_null(cJSON_GetObjectItem(b, "url"));
	cJSON_Delete(b);
	done(&f);
}

static void dingtalk_signed_url(void **state)
{
	(void)state;
	fixture f;
	build(&f, AC_DINGTALK, "en", "{}",
	      "{\"url\":\"https://oapi.dingtalk.com/robot/send?access_token=T\",\"secret\":\"SEC1\"}",
	      facts_failure, NULL);
	char *sign = alert_sign_dingtalk("SEC1", NOW_MS), *enc = alert_urlencode(sign), want[512];
	snprintf(want, sizeof(want),
		 "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=%lld&sign=%s",
		 NOW_MS, enc);
	assert_string_equal(f.m.url, want);
	free(sign);
	free(enc);
	cJSON *b = cJSON_Parse(f.m.body);
	assert_string_equal(sget(b, "msgtype"), "markdown");
	assert_string_equal(sget(b, "markdown.title"), f.m.title);
	assert_non_null(strstr(sget(b, "markdown.text"), "**Task:** sync\\_daily\\_data (#7)"));
	assert_null(strstr(f.m.body, "SEC1"));
	cJSON_Delete(b);
	done(&f);
	build(&f, AC_DINGTALK, "en", "{}", "{\"url\":\"https://oapi.dingtalk.com/robot/send?x=1\"}",
	      facts_failure, NULL);
	assert_string_equal(f.m.url, "https://oapi.dingtalk.com/robot/send?x=1");
	done(&f);
}

static const char *facts_odd =
	"{\"event\":\"failure\",\"task\":{\"id\":8,\"name\":\"a*b_<c>[d](e)`&\","
	"\"timezone\":\"UTC\"},\"execution\":{\"id\":5,\"status\":\"failed\","
	"\"start_time\":\"2026-12-01T10:00:03.000Z\",\"retry_count\":0,\"max_retries\":0,"
	"\"error\":\"line1\\nline2 <@all>\"}}";

static void wecom_feishu_slack_bodies(void **state)
{
	(void)state;
	fixture f;

	build(&f, AC_WECOM, "en", "{}", "{\"url\":\"https://qyapi.weixin.qq.com/x?key=K\"}",
	      facts_odd, "https://zq.example");
	cJSON *b = cJSON_Parse(f.m.body);
	const char *c = sget(b, "markdown.content");
	assert_string_equal(sget(b, "msgtype"), "markdown");
	assert_non_null(strstr(c, "a\\*b\\_\\<c\\>\\[d\\](e)\\`&"));
	assert_non_null(strstr(c, "line1 ↵ line2 \\<@all\\>"));
	assert_non_null(strstr(c, "Started: 2026-12-01 10:00:03 UTC") || strstr(c, "10:00:03 UTC"));
	assert_non_null(strstr(c, "[Open the run](https://zq.example/#/tasks/8/executions/5)"));
	assert_true(strlen(c) <= 4096);
	cJSON_Delete(b);
	done(&f);

	build(&f, AC_FEISHU, "zh", "{}", "{\"url\":\"https://open.feishu.cn/h\",\"secret\":\"FS\"}",
	      facts_odd, NULL);
	b = cJSON_Parse(f.m.body);
	char ts[32];
	snprintf(ts, sizeof(ts), "%lld", NOW_MS / 1000);
	assert_string_equal(sget(b, "timestamp"), ts);
	char *sign = alert_sign_feishu("FS", NOW_MS / 1000);
	assert_string_equal(sget(b, "sign"), sign);
	free(sign);
	assert_string_equal(sget(b, "msg_type"), "interactive");
	assert_string_equal(sget(b, "card.header.title.tag"), "plain_text");
	assert_string_equal(sget(b, "card.header.title.content"), f.m.title);
	assert_string_equal(sget(b, "card.elements.0.tag"), "markdown");
	c = sget(b, "card.elements.0.content");
	assert_non_null(strstr(c, "a&#42;b&#95;&lt;c&gt;&#91;d&#93;(e)&#96;&amp;"));
	assert_non_null(strstr(c, "**任务：**"));
	assert_string_equal(f.m.url, "https://open.feishu.cn/h");
	cJSON_Delete(b);
	done(&f);

	build(&f, AC_SLACK, "en", "{}", "{\"url\":\"https://hooks.slack.com/services/X\"}", facts_odd,
	      "https://zq.example");
	b = cJSON_Parse(f.m.body);
	assert_string_equal(sget(b, "text"), f.m.title);
	assert_string_equal(sget(b, "blocks.0.type"), "header");
	assert_string_equal(sget(b, "blocks.0.text.type"), "plain_text");
	assert_string_equal(sget(b, "blocks.1.type"), "section");
	assert_string_equal(sget(b, "blocks.1.text.type"), "mrkdwn");
	c = sget(b, "blocks.1.text.text");
	assert_non_null(strstr(c, "a*b_&lt;c&gt;[d](e)`&amp;"));
	assert_non_null(strstr(c, "<https://zq.example/#/tasks/8/executions/5|Open the run>"));
	assert_non_null(strstr(c, "*Task:*"));
	cJSON_Delete(b);
	done(&f);
}

static const char *events[] = {"failure", "timeout", "recovery", "skipped", "deadline",
			       "not_started", "duration", "scheduler_down", "scheduler_up", "test"};

/* Every event on every kind in both languages: a JSON body for HTTP kinds,
 * a one-line valid UTF-8 title that starts "[zq] ". */
static void every_event_every_kind(void **state)
{
	(void)state;
	const char *pubs[AC_KIND_COUNT] = {
		"{\"url\":\"https://h.example/\"}", "{}", "{}", "{}", "{}",
		"{\"smtp_url\":\"smtp://m.example\",\"tls\":\"starttls\",\"from\":\"zq@example.com\","
		"\"to\":[\"ops@example.com\"]}",
	};
	const char *sec = "{\"url\":\"https://robot.example/x\",\"secret\":\"k\"}";

	for (size_t e = 0; e < sizeof(events) / sizeof(events[0]); e++)
		for (int k = 0; k < AC_KIND_COUNT; k++)
			for (int zh = 0; zh < 2; zh++) {
				char facts[2048];
				int glob = strncmp(events[e], "scheduler", 9) == 0 ||
					   strcmp(events[e], "test") == 0;
				snprintf(facts, sizeof(facts),
					 "{\"event\":\"%s\",\"repeat\":%s,\"task\":%s,\"execution\":%s,"
					 "\"detail\":\"no success by 08:45 Asia/Shanghai\","
					 "\"detected_at\":\"2026-12-01T00:45:00.000Z\"}",
					 events[e], e % 2 ? "true" : "false",
					 glob ? "null" : "{\"id\":7,\"name\":\"任务_一\",\"timezone\":\"Asia/Shanghai\"}",
					 glob ? "null" : "{\"id\":9,\"status\":\"running\",\"start_time\":\"2026-12-01T00:00:00.000Z\"}");
				fixture f;
				build(&f, k, zh ? "zh" : "en", pubs[k], sec, facts, "http://zq");
				assert_int_equal(strncmp(f.m.title, "[zq] ", 5), 0);
				assert_null(strpbrk(f.m.title, "\r\n"));
				if (k != AC_EMAIL) {
					cJSON *b = cJSON_Parse(f.m.body);
					if (!b)
						fail_msg("%s/%d: body is not JSON", events[e], k);
					cJSON_Delete(b);
				}
				done(&f);
			}
}

static void titles_en_zh(void **state)
{
	(void)state;
	fixture f;
	build(&f, AC_SLACK, "zh", "{}", "{\"url\":\"https://h.example/\"}", facts_failure, NULL);
	assert_string_equal(f.m.title, "[zq] 失败 sync_daily_data（第 3/3 次）");
	assert_non_null(strstr(f.m.body, "开始时间"));
	done(&f);
	build(&f, AC_SLACK, "en", "{}", "{\"url\":\"https://h.example/\"}",
	      "{\"event\":\"recovery\",\"repeat\":true,\"task\":{\"id\":1,\"name\":\"t\"}}", NULL);
	assert_string_equal(f.m.title, "[zq] RECOVERED t (repeated)");
	done(&f);
	build(&f, AC_SLACK, "zh", "{}", "{\"url\":\"https://h.example/\"}", "{\"event\":\"test\"}",
	      NULL);
	assert_string_equal(f.m.title, "[zq] 测试（渠道 ops-room）");
	done(&f);
	build(&f, AC_SLACK, "en", "{}", "{\"url\":\"https://h.example/\"}",
	      "{\"event\":\"scheduler_down\",\"detail\":\"no node alive for 60 s\"}", NULL);
	assert_string_equal(f.m.title, "[zq] SCHEDULER DOWN");
	assert_non_null(strstr(f.m.body, "no node alive for 60 s"));
	done(&f);
	build(&f, AC_SLACK, "en", "{}", "{\"url\":\"https://h.example/\"}",
	      "{\"event\":\"not_started\",\"slot\":\"2026-12-01T10:00:00.000Z\",\"task\":"
	      "{\"id\":1,\"name\":\"t\",\"timezone\":\"Asia/Shanghai\"}}", NULL);
	assert_string_equal(f.m.title, "[zq] NOT STARTED t");
	assert_non_null(strstr(f.m.body, "*Scheduled:* 2026-12-01 18:00:00 +08:00 (Asia/Shanghai)"));
	done(&f);
}

static void error_cut_at_a_character(void **state)
{
	(void)state;
	size_t n = 600 * 2;
	char *err = malloc(n + 1), *facts = malloc(n + 256);
	for (size_t i = 0; i < n; i += 2)
		memcpy(err + i, "\xc3\xa9", 2);   /* é */
	err[n] = '\0';
	snprintf(facts, n + 256, "{\"event\":\"failure\",\"task\":{\"id\":1,\"name\":\"t\"},"
		 "\"execution\":{\"id\":2,\"error\":\"%s\"}}", err);
	fixture f;
	build(&f, AC_WEBHOOK, "en", "{\"url\":\"https://h.example/\"}", NULL, facts, NULL);
	cJSON *b = cJSON_Parse(f.m.body);
	const char *text = sget(b, "text"), *e = strstr(text, "Error: ");
	assert_non_null(e);
	e += 7;
	const char *end = strstr(e, "…");
	assert_non_null(end);
	assert_int_equal(end - e, 500 * 2);
	cJSON_Delete(b);
	done(&f);
	free(err);
	free(facts);
}

/* Decode standard base64 (test helper). */
static size_t unb64(const char *in, size_t n, char *out)
{
	static const char *al = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned v = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n && in[i] != '='; i++) {
		const char *p = strchr(al, in[i]);
		if (!p || !in[i])
			continue;
		v = (v << 6) | (unsigned)(p - al);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((v >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return o;
}

/* The decoded body of the part whose Content-Type starts with type. */
static char *part_of(const char *msg, const char *type)
{
	char want[64];
	snprintf(want, sizeof(want), "Content-Type: %s; charset=UTF-8\r\n", type);
	const char *p = strstr(msg, want);
	if (!p)
		return NULL;
	p = strstr(p, "\r\n\r\n") + 4;
	const char *end = strstr(p, "\r\n--");
	char *out = malloc((size_t)(end - p) + 1);
	unb64(p, (size_t)(end - p), out);
	return out;
}

static void email_message(void **state)
{
	(void)state;
	fixture f;
	const char *facts = "{\"event\":\"failure\",\"task\":{\"id\":7,\"name\":\"<b>x</b>&y\","
			    "\"timezone\":\"Asia/Shanghai\"},\"execution\":{\"id\":991,\"status\":"
			    "\"failed\",\"retry_count\":0,\"max_retries\":0,\"error\":\"boom\"}}";
	build(&f, AC_EMAIL, "zh",
	      "{\"smtp_url\":\"smtps://mail.example:465\",\"tls\":\"tls\",\"from\":\"zq@example.com\","
	      "\"to\":[\"ops@example.com\",\"dev@example.org\"]}", "{\"password\":\"pw\"}", facts,
	      "https://zq.example");
	const char *msg = f.m.body;
	assert_string_equal(f.m.url, "smtps://mail.example:465");
	assert_string_equal(f.m.mail_from, "<zq@example.com>");
	assert_int_equal(f.m.nrcpt, 2);
	assert_string_equal(f.m.rcpt[0], "<ops@example.com>");
	assert_string_equal(f.m.rcpt[1], "<dev@example.org>");
	assert_non_null(strstr(msg, "\r\nFrom: zq@example.com\r\n"));
	assert_non_null(strstr(msg, "\r\nTo: ops@example.com, dev@example.org\r\n"));
	assert_int_equal(strncmp(msg, "Date: Tue, 01 Dec 2026 10:00:05 +0000\r\n", 39), 0);
	assert_non_null(strstr(msg, "\r\nMessage-ID: <zq.event.42."));
	assert_non_null(strstr(msg, "@example.com>\r\n"));
	assert_non_null(strstr(msg, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(msg, "Content-Type: multipart/alternative; boundary="));
	assert_null(strstr(msg, "pw\r\n"));

	/* the subject: RFC 2047 words that decode to the title */
	const char *s = strstr(msg, "\r\nSubject: ");
	assert_non_null(s);
	s += 11;
	char subject[512] = "";
	while (strncmp(s, "=?UTF-8?B?", 10) == 0) {
		const char *e = strstr(s + 10, "?=");
		char dec[256];
		assert_true(e - s <= 75);
		unb64(s + 10, (size_t)(e - s - 10), dec);
		assert_int_equal(zq_utf8_check(dec, strlen(dec), NULL), 0);  /* whole characters */
		strcat(subject, dec);
		s = e + 2;
		if (strncmp(s, "\r\n ", 3) == 0)
			s += 3;
	}
	assert_int_equal(strncmp(s, "\r\n", 2), 0);
	assert_string_equal(subject, f.m.title);
	assert_non_null(strstr(subject, "[zq] 失败 <b>x</b>&y"));

	char *text = part_of(msg, "text/plain"), *html = part_of(msg, "text/html");
	assert_non_null(text);
	assert_non_null(html);
	assert_non_null(strstr(text, "<b>x</b>&y (#7)"));
	assert_non_null(strstr(text, "https://zq.example/#/tasks/7/executions/991"));
	assert_non_null(strstr(html, "&lt;b&gt;x&lt;/b&gt;&amp;y"));
	assert_null(strstr(html, "<b>x"));
	assert_non_null(strstr(html, "<a href=\"https://zq.example/#/tasks/7/executions/991\">"));
	assert_int_equal(zq_utf8_check(text, strlen(text), NULL), 0);
	assert_int_equal(zq_utf8_check(html, strlen(html), NULL), 0);
	free(text);
	free(html);
	done(&f);

	/* ASCII subjects stay plain */
	build(&f, AC_EMAIL, "en",
	      "{\"smtp_url\":\"smtp://m.example\",\"from\":\"zq@example.com\",\"to\":[\"o@example.com\"]}",
	      NULL, facts_failure, NULL);
	assert_non_null(strstr(f.m.body, "\r\nSubject: [zq] FAILED sync_daily_data (attempt 3/3)\r\n"));
	done(&f);
}

static void bad_input(void **state)
{
	(void)state;
	alert_msg m;
	zq_err err = ZQ_ERR_INIT;
	cJSON *pub = cJSON_Parse("{}"), *facts = cJSON_Parse("{\"event\":\"test\"}");
	alert_chan_view ch = {1, "c", AC_SLACK, "en", pub, NULL};

	assert_int_equal(alert_msg_build(&ch, facts, 1, NULL, NOW_MS, &m, &err), ZQ_EINVAL);
	assert_null(m.body);
	ch.kind = AC_EMAIL;
	assert_int_equal(alert_msg_build(&ch, facts, 1, NULL, NOW_MS, &m, &err), ZQ_EINVAL);
	assert_int_equal(alert_msg_build(&ch, NULL, 1, NULL, NOW_MS, &m, &err), ZQ_EINVAL);
	alert_msg_free(&m);
	cJSON_Delete(pub);
	cJSON_Delete(facts);
}

static void judge(void **state)
{
	(void)state;
	zq_err err = ZQ_ERR_INIT;
#define J(k, code, body) alert_msg_judge(k, code, body, strlen(body), &err)
	assert_int_equal(J(AC_WEBHOOK, 204, ""), 0);
	assert_int_equal(J(AC_WEBHOOK, 500, "oops"), -1);
	assert_string_equal(err.msg, "HTTP 500: oops");
	assert_int_equal(J(AC_WEBHOOK, 302, ""), -1);
	assert_string_equal(err.msg, "HTTP 302");
	assert_int_equal(J(AC_DINGTALK, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}"), 0);
	assert_int_equal(J(AC_DINGTALK, 200, "{\"errcode\":310000,\"errmsg\":\"sign not match\"}"), -1);
	assert_string_equal(err.msg, "errcode 310000: sign not match");
	assert_int_equal(J(AC_WECOM, 200, "{\"errcode\":93000,\"errmsg\":\"invalid webhook url\"}"), -1);
	assert_string_equal(err.msg, "errcode 93000: invalid webhook url");
	assert_int_equal(J(AC_WECOM, 200, "<html>"), -1);
	assert_int_equal(J(AC_FEISHU, 200, "{\"code\":0,\"msg\":\"success\"}"), 0);
	assert_int_equal(J(AC_FEISHU, 200, "{\"StatusCode\":0,\"StatusMessage\":\"success\"}"), 0);
	assert_int_equal(J(AC_FEISHU, 200, "{\"code\":19021,\"msg\":\"sign match fail\"}"), -1);
	assert_string_equal(err.msg, "code 19021: sign match fail");
	assert_int_equal(J(AC_SLACK, 200, "ok"), 0);
	assert_int_equal(J(AC_SLACK, 200, "not ok"), -1);
	assert_int_equal(J(AC_SLACK, 403, "invalid_token"), -1);
	assert_string_equal(err.msg, "HTTP 403: invalid_token");
	assert_int_equal(J(AC_EMAIL, 250, ""), 0);
	assert_int_equal(J(AC_EMAIL, 535, ""), -1);
	assert_string_equal(err.msg, "SMTP 535");
	assert_int_equal(alert_msg_judge(AC_DINGTALK, 200, NULL, 0, &err), -1);
#undef J
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(webhook_payload_v1_signed),
		cmocka_unit_test(dingtalk_signed_url),
		cmocka_unit_test(wecom_feishu_slack_bodies),
		cmocka_unit_test(every_event_every_kind),
		cmocka_unit_test(titles_en_zh),
		cmocka_unit_test(error_cut_at_a_character),
		cmocka_unit_test(email_message),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(judge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
