/* test_alert_chan.c - the check of a channel's config (db/core/alert_chan.c):
 * keys per kind, URLs (schemes, https for robots, userinfo, length, literal
 * private IPs and alerts.allow), email addresses and tls defaults, webhook
 * headers (CR/LF injection, reserved names), the split into config and
 * secrets, "***" keeping a stored secret, and a masked view that never
 * carries one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_chan.h"
#include "netaddr.h"

static netaddr_list *allow_local;

static int setup(void **state)
{
	(void)state;
	allow_local = netaddr_list_parse("127.0.0.1/32", NULL);
	return allow_local ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	netaddr_list_free(allow_local);
	return 0;
}

/* Check config (JSON text) for kind; returns the code, err filled. */
static int check(alert_chan_kind k, const char *json, const char *stored, cJSON **pub,
		 cJSON **sec, zq_err *err)
{
	cJSON *c = cJSON_Parse(json), *s = stored ? cJSON_Parse(stored) : NULL;
	assert_non_null(c);
	zq_err_clear(err);
	int rc = alert_chan_check(k, c, s, allow_local, 1, pub, sec, err);
	cJSON_Delete(c);
	cJSON_Delete(s);
	return rc;
}

static void refused(alert_chan_kind k, const char *json, const char *want)
{
	cJSON *pub = NULL, *sec = NULL;
	zq_err err = ZQ_ERR_INIT;
	int rc = check(k, json, NULL, &pub, &sec, &err);
	if (rc != ZQ_EINVAL || !strstr(err.msg, want))
		fail_msg("%s: rc %d, err '%s', wanted '%s'", json, rc, err.msg, want);
	assert_null(pub);
	assert_null(sec);
}

static void accepted(alert_chan_kind k, const char *json)
{
	cJSON *pub = NULL, *sec = NULL;
	zq_err err = ZQ_ERR_INIT;
	if (check(k, json, NULL, &pub, &sec, &err) != 0)
		fail_msg("%s: refused: %s", json, err.msg);
	cJSON_Delete(pub);
	cJSON_Delete(sec);
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void kind_names_round_trip(void **state)
{
	(void)state;
	for (int k = 0; k < AC_KIND_COUNT; k++)
		assert_int_equal(alert_chan_kind_parse(alert_chan_kind_name(k)), k);
	assert_int_equal(alert_chan_kind_parse("sms"), -1);
	assert_int_equal(alert_chan_kind_parse(NULL), -1);
	assert_int_equal(alert_chan_kind_parse("Webhook"), -1);
}

static void unknown_and_missing_fields(void **state)
{
	(void)state;
	refused(AC_WEBHOOK, "{\"url\":\"https://h.example/x\",\"token\":\"t\"}",
		"config.token: unknown field");
	refused(AC_WECOM, "{\"url\":\"https://qyapi.weixin.qq.com/x\",\"secret\":\"s\"}",
		"config.secret: unknown field");
	refused(AC_SLACK, "{\"url\":\"https://hooks.slack.com/x\",\"headers\":{}}",
		"config.headers: unknown field");
	refused(AC_EMAIL, "{\"url\":\"smtp://m\"}", "config.url: unknown field");
	refused(AC_DINGTALK, "{}", "config.url: required");
	refused(AC_WEBHOOK, "{}", "config.url: required");
	refused(AC_EMAIL, "{\"smtp_url\":\"smtp://m.example\",\"to\":[\"a@b.example\"]}",
		"config.from: required");
	cJSON *pub = NULL, *sec = NULL;
	zq_err err = ZQ_ERR_INIT;
	cJSON *arr = cJSON_CreateArray();
	assert_int_equal(alert_chan_check(AC_WEBHOOK, arr, NULL, NULL, 1, &pub, &sec, &err),
			 ZQ_EINVAL);
	assert_string_equal(err.msg, "config: must be an object");
	cJSON_Delete(arr);
}

static void urls(void **state)
{
	(void)state;
	accepted(AC_WEBHOOK, "{\"url\":\"http://hooks.example:8080/in?a=1\"}");
	accepted(AC_WEBHOOK, "{\"url\":\"HTTPS://hooks.example/in\"}");
	refused(AC_WEBHOOK, "{\"url\":\"ftp://hooks.example/in\"}",
		"config.url: must be an http:// or https:// URL");
	refused(AC_WEBHOOK, "{\"url\":\"hooks.example/in\"}", "config.url: must be an absolute URL");
	refused(AC_WEBHOOK, "{\"url\":\"https://user:pw@hooks.example/in\"}",
		"config.url: must not carry a user name or password");
	refused(AC_WEBHOOK, "{\"url\":\"https:///in\"}", "config.url: has no host");
	refused(AC_WEBHOOK, "{\"url\":\"https://h.example:0/\"}", "config.url: has a bad port");
	refused(AC_WEBHOOK, "{\"url\":\"https://h.example:99999/\"}", "config.url: has a bad port");
	refused(AC_WEBHOOK, "{\"url\":\"https://h.example/a b\"}", "config.url: must be printable");
	refused(AC_WEBHOOK, "{\"url\":\"https://h.example/\\r\\nX: y\"}", "config.url:");
	refused(AC_WEBHOOK, "{\"url\":5}", "config.url: must be a string");
	char *big = malloc(2200), *json = malloc(2300);
	memset(big, 'a', 2100);
	big[2100] = '\0';
	snprintf(json, 2300, "{\"url\":\"https://h.example/%s\"}", big);
	refused(AC_WEBHOOK, json, "config.url: must be 1-2048 characters");
	free(big);
	free(json);
	/* robots: https only, unless the host is a literal IP in alerts.allow */
	refused(AC_DINGTALK, "{\"url\":\"http://oapi.dingtalk.com/robot/send?access_token=x\"}",
		"config.url: must be an https URL");
	refused(AC_SLACK, "{\"url\":\"http://10.1.2.3/x\"}", "config.url: must be an https URL");
	accepted(AC_SLACK, "{\"url\":\"http://127.0.0.1:9000/x\"}");
	accepted(AC_FEISHU, "{\"url\":\"https://open.feishu.cn/open-apis/bot/v2/hook/x\"}");
}

static void private_literals(void **state)
{
	(void)state;
	refused(AC_WEBHOOK, "{\"url\":\"http://127.0.0.2/x\"}",
		"config.url: 127.0.0.2 is a loopback address: refused by alerts.deny_private "
		"(allow it with alerts.allow)");
	refused(AC_WEBHOOK, "{\"url\":\"http://10.0.0.1/x\"}", "10.0.0.1 is a private address");
	refused(AC_WEBHOOK, "{\"url\":\"http://[::1]:8080/x\"}", "config.url: [::1] is");
	refused(AC_WEBHOOK, "{\"url\":\"http://169.254.169.254/latest\"}", "169.254.169.254 is");
	refused(AC_EMAIL,
		"{\"smtp_url\":\"smtp://192.168.1.1\",\"from\":\"a@b.example\",\"to\":[\"c@d.example\"]}",
		"config.smtp_url: 192.168.1.1 is");
	accepted(AC_WEBHOOK, "{\"url\":\"http://127.0.0.1:8080/x\"}");
	accepted(AC_WEBHOOK, "{\"url\":\"http://93.184.216.34/x\"}");
	accepted(AC_WEBHOOK, "{\"url\":\"http://localhost/x\"}");   /* names: at send time */

	cJSON *c = cJSON_Parse("{\"url\":\"http://10.0.0.1/x\"}"), *pub, *sec;
	zq_err err = ZQ_ERR_INIT;
	assert_int_equal(alert_chan_check(AC_WEBHOOK, c, NULL, NULL, 0, &pub, &sec, &err), 0);
	cJSON_Delete(pub);
	cJSON_Delete(sec);
	cJSON_Delete(c);
}

static void robots_split_url_and_secret(void **state)
{
	(void)state;
	cJSON *pub, *sec;
	zq_err err = ZQ_ERR_INIT;
	const char *u = "https://oapi.dingtalk.com/robot/send?access_token=tok123";
	char json[256];

	snprintf(json, sizeof(json), "{\"url\":\"%s\",\"secret\":\"SECabc\"}", u);
	assert_int_equal(check(AC_DINGTALK, json, NULL, &pub, &sec, &err), 0);
	assert_null(cJSON_GetObjectItemCaseSensitive(pub, "url"));
	assert_string_equal(str(sec, "url"), u);
	assert_string_equal(str(sec, "secret"), "SECabc");

	cJSON *m = alert_chan_masked(AC_DINGTALK, pub, sec);
	char *txt = cJSON_PrintUnformatted(m);
	assert_null(strstr(txt, "tok123"));
	assert_null(strstr(txt, "SECabc"));
	assert_string_equal(str(m, "url"), "***");
	assert_string_equal(str(m, "secret"), "***");
	assert_string_equal(str(m, "url_host"), "oapi.dingtalk.com");
	free(txt);

	/* the masked view sent back keeps both ("url_host" is accepted and ignored) */
	cJSON *pub2, *sec2;
	assert_int_equal(alert_chan_check(AC_DINGTALK, m, sec, NULL, 1, &pub2, &sec2, &err), 0);
	assert_string_equal(str(sec2, "url"), u);
	assert_string_equal(str(sec2, "secret"), "SECabc");
	assert_null(cJSON_GetObjectItemCaseSensitive(pub2, "url_host"));
	cJSON_Delete(pub2);
	cJSON_Delete(sec2);
	cJSON_Delete(m);
	cJSON_Delete(pub);
	cJSON_Delete(sec);
}

static void stars_without_stored_value(void **state)
{
	(void)state;
	cJSON *pub, *sec;
	zq_err err = ZQ_ERR_INIT;

	assert_int_equal(check(AC_WEBHOOK, "{\"url\":\"https://h.example/\",\"secret\":\"***\"}",
			       NULL, &pub, &sec, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "config.secret: \"***\" keeps the stored value, and there is "
				     "none: send the value");
	assert_int_equal(check(AC_WEBHOOK, "{\"url\":\"https://h.example/\",\"secret\":\"***\"}",
			       "{\"password\":\"x\"}", &pub, &sec, &err), ZQ_EINVAL);
	assert_int_equal(check(AC_SLACK, "{\"url\":\"***\"}", "{}", &pub, &sec, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "config.url: \"***\" keeps the stored value, and there is "
				     "none: send the value");
	/* a new value replaces, none (or "") removes */
	assert_int_equal(check(AC_WEBHOOK, "{\"url\":\"https://h.example/\",\"secret\":\"new\"}",
			       "{\"secret\":\"old\"}", &pub, &sec, &err), 0);
	assert_string_equal(str(sec, "secret"), "new");
	assert_string_equal(str(pub, "url"), "https://h.example/");
	cJSON_Delete(pub);
	cJSON_Delete(sec);
	assert_int_equal(check(AC_WEBHOOK, "{\"url\":\"https://h.example/\",\"secret\":\"\"}",
			       "{\"secret\":\"old\"}", &pub, &sec, &err), 0);
	assert_null(sec->child);
	cJSON *m = alert_chan_masked(AC_WEBHOOK, pub, sec);
	assert_null(cJSON_GetObjectItemCaseSensitive(m, "secret"));
	assert_null(cJSON_GetObjectItemCaseSensitive(m, "url_host"));
	assert_string_equal(str(m, "url"), "https://h.example/");
	cJSON_Delete(m);
	cJSON_Delete(pub);
	cJSON_Delete(sec);
}

static void webhook_headers(void **state)
{
	(void)state;
	cJSON *pub, *sec;
	zq_err err = ZQ_ERR_INIT;

	assert_int_equal(check(AC_WEBHOOK,
			       "{\"url\":\"https://h.example/\",\"headers\":{\"Authorization\":"
			       "\"Bearer abc\",\"X-Team\":\"ops\"}}", NULL, &pub, &sec, &err), 0);
	/* the values are secrets: none in the public part, "***" in the view */
	assert_null(cJSON_GetObjectItemCaseSensitive(pub, "headers"));
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(sec, "headers");
	assert_string_equal(str(h, "Authorization"), "Bearer abc");
	assert_string_equal(str(h, "X-Team"), "ops");
	cJSON *m = alert_chan_masked(AC_WEBHOOK, pub, sec);
	char *mt = cJSON_PrintUnformatted(m);
	assert_null(strstr(mt, "Bearer abc"));
	assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(m, "headers"), "Authorization"), "***");
	/* "***" keeps each stored value; a new name with "***" has none to keep */
	cJSON *pub2, *sec2;
	char *st = cJSON_PrintUnformatted(sec);
	assert_int_equal(check(AC_WEBHOOK,
			       "{\"url\":\"https://h.example/\",\"headers\":{\"Authorization\":"
			       "\"***\",\"X-Team\":\"dev\"}}", st, &pub2, &sec2, &err), 0);
	h = cJSON_GetObjectItemCaseSensitive(sec2, "headers");
	assert_string_equal(str(h, "Authorization"), "Bearer abc");
	assert_string_equal(str(h, "X-Team"), "dev");
	cJSON_Delete(pub2);
	cJSON_Delete(sec2);
	assert_int_not_equal(check(AC_WEBHOOK,
				   "{\"url\":\"https://h.example/\",\"headers\":{\"X-New\":\"***\"}}",
				   st, &pub2, &sec2, &err), 0);
	assert_non_null(strstr(err.msg, "config.headers.X-New: \"***\" keeps the stored value"));
	cJSON_free(st);
	cJSON_free(mt);
	cJSON_Delete(m);
	cJSON_Delete(pub);
	cJSON_Delete(sec);

	refused(AC_WEBHOOK, "{\"url\":\"https://h.example/\",\"headers\":{\"X-A\":\"v\\r\\nHost: evil\"}}",
		"config.headers.X-A:");
	refused(AC_WEBHOOK, "{\"url\":\"https://h.example/\",\"headers\":{\"X-A\":\"v\\nX-B: w\"}}",
		"config.headers.X-A:");
	refused(AC_WEBHOOK, "{\"url\":\"https://h.example/\",\"headers\":{\"X-A\\r\\nX-B\":\"v\"}}",
		"must be a header name");
	refused(AC_WEBHOOK, "{\"url\":\"https://h.example/\",\"headers\":{\"Bad Name\":\"v\"}}",
		"must be a header name");
	refused(AC_WEBHOOK, "{\"url\":\"https://h.example/\",\"headers\":{\"X-A\":1}}",
		"config.headers.X-A: must be a string");
	refused(AC_WEBHOOK, "{\"url\":\"https://h.example/\",\"headers\":[\"a\"]}",
		"config.headers: must be an object");
	const char *reserved[] = {"Content-Type", "content-length", "HOST", "X-Zq-Signature",
				  "x-zq-event-id"};
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		char json[200];
		snprintf(json, sizeof(json),
			 "{\"url\":\"https://h.example/\",\"headers\":{\"%s\":\"v\"}}", reserved[i]);
		refused(AC_WEBHOOK, json, "not allowed");
	}
	refused(AC_WEBHOOK, "{\"url\":\"https://h.example/\",\"headers\":{\"X-A\":\"1\",\"x-a\":\"2\"}}",
		"given twice");
	char json[2048] = "{\"url\":\"https://h.example/\",\"headers\":{";
	for (int i = 0; i < 17; i++) {
		char one[32];
		snprintf(one, sizeof(one), "%s\"X-H%d\":\"v\"", i ? "," : "", i);
		strcat(json, one);
	}
	strcat(json, "}}");
	refused(AC_WEBHOOK, json, "config.headers: at most 16 headers");
}

static void email(void **state)
{
	(void)state;
	cJSON *pub, *sec;
	zq_err err = ZQ_ERR_INIT;

	assert_int_equal(check(AC_EMAIL,
			       "{\"smtp_url\":\"smtp://mail.example:587\",\"username\":\"zq\","
			       "\"password\":\"pw1\",\"from\":\"zq@example.com\","
			       "\"to\":[\"ops@example.com\",\"a.b+c@sub.example.org\"]}",
			       NULL, &pub, &sec, &err), 0);
	assert_string_equal(str(pub, "tls"), "starttls");
	assert_string_equal(str(pub, "username"), "zq");
	assert_null(cJSON_GetObjectItemCaseSensitive(pub, "password"));
	assert_string_equal(str(sec, "password"), "pw1");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(pub, "to")), 2);
	cJSON *m = alert_chan_masked(AC_EMAIL, pub, sec);
	char *txt = cJSON_PrintUnformatted(m);
	assert_null(strstr(txt, "pw1"));
	assert_string_equal(str(m, "password"), "***");
	assert_null(cJSON_GetObjectItemCaseSensitive(m, "url_host"));
	free(txt);
	cJSON_Delete(m);
	cJSON_Delete(pub);
	cJSON_Delete(sec);

	assert_int_equal(check(AC_EMAIL, "{\"smtp_url\":\"smtps://mail.example\",\"from\":"
			       "\"zq@example.com\",\"to\":[\"ops@example.com\"]}",
			       NULL, &pub, &sec, &err), 0);
	assert_string_equal(str(pub, "tls"), "tls");
	cJSON_Delete(pub);
	cJSON_Delete(sec);
	accepted(AC_EMAIL, "{\"smtp_url\":\"smtp://127.0.0.1:2525\",\"tls\":\"none\",\"from\":"
			   "\"zq@example.com\",\"to\":[\"ops@example.com\"]}");

	const char *base = "\"smtp_url\":\"smtp://mail.example\",\"from\":\"zq@example.com\"";
	struct { const char *rest, *want; } bad[] = {
		{",\"to\":[]", "config.to: must be a non-empty array"},
		{",\"to\":\"ops@example.com\"", "config.to: must be a non-empty array"},
		{",\"to\":[\"ops\"]", "config.to[0]: must be an address"},
		{",\"to\":[\"ok@example.com\",\"a@b@c\"]", "config.to[1]:"},
		{",\"to\":[\"ops@example.com\\r\\nBcc: x@evil.example\"]", "config.to[0]:"},
		{",\"to\":[\"<ops@example.com>\"]", "config.to[0]:"},
		{",\"to\":[\"ops@exa mple.com\"]", "config.to[0]:"},
		{",\"to\":[\"ops@.example\"]", "config.to[0]:"},
		{",\"to\":[\"ops@example.com\"],\"tls\":\"ssl\"", "config.tls: must be"},
		{",\"to\":[\"ops@example.com\"],\"tls\":\"tls\"", "config.tls: \"tls\" needs an smtps://"},
		{",\"to\":[\"ops@example.com\"],\"username\":\"a\\nb\"", "config.username:"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char json[512];
		snprintf(json, sizeof(json), "{%s%s}", base, bad[i].rest);
		refused(AC_EMAIL, json, bad[i].want);
	}
	refused(AC_EMAIL, "{\"smtp_url\":\"smtps://m.example\",\"tls\":\"starttls\",\"from\":"
			  "\"zq@example.com\",\"to\":[\"o@example.com\"]}",
		"config.tls: smtps:// is TLS from the start");
	refused(AC_EMAIL, "{\"smtp_url\":\"https://m.example\",\"from\":\"zq@example.com\","
			  "\"to\":[\"o@example.com\"]}",
		"config.smtp_url: must be an smtp:// or smtps:// URL");
	refused(AC_EMAIL, "{\"smtp_url\":\"smtp://m.example\",\"from\":\"zq@example.com\\r\\nBcc: "
			  "x@y.example\",\"to\":[\"o@example.com\"]}",
		"config.from:");
	char to[4096] = "";
	for (int i = 0; i < 33; i++)
		strcat(to, i ? ",\"a@b.example\"" : "\"a@b.example\"");
	char json[4300];
	snprintf(json, sizeof(json), "{%s,\"to\":[%s]}", base, to);
	refused(AC_EMAIL, json, "config.to: at most 32 addresses");
}

/* Whatever the kind, the masked view carries no secret, and marks each set one. */
static void masked_never_shows_a_secret(void **state)
{
	(void)state;
	const char *cfg[AC_KIND_COUNT] = {
		"{\"url\":\"https://h.example/in\",\"secret\":\"SEKRET-1\"}",
		"{\"url\":\"https://oapi.dingtalk.com/robot/send?access_token=SEKRET-2\",\"secret\":\"SEKRET-3\"}",
		"{\"url\":\"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SEKRET-4\"}",
		"{\"url\":\"https://open.feishu.cn/open-apis/bot/v2/hook/SEKRET-5\",\"secret\":\"SEKRET-6\"}",
		"{\"url\":\"https://hooks.slack.com/services/SEKRET-7\"}",
		"{\"smtp_url\":\"smtp://m.example\",\"username\":\"u\",\"password\":\"SEKRET-8\","
		"\"from\":\"zq@example.com\",\"to\":[\"o@example.com\"]}",
	};
	for (int k = 0; k < AC_KIND_COUNT; k++) {
		cJSON *pub, *sec;
		zq_err err = ZQ_ERR_INIT;
		if (check(k, cfg[k], NULL, &pub, &sec, &err) != 0)
			fail_msg("%s: %s", cfg[k], err.msg);
		char *p = cJSON_PrintUnformatted(pub);
		assert_null(strstr(p, "SEKRET"));
		free(p);
		cJSON *m = alert_chan_masked(k, pub, sec);
		char *txt = cJSON_PrintUnformatted(m);
		assert_null(strstr(txt, "SEKRET"));
		assert_non_null(strstr(txt, "\"***\""));
		assert_true((str(m, "url_host") != NULL) == (k != AC_WEBHOOK && k != AC_EMAIL));
		free(txt);
		cJSON_Delete(m);
		cJSON_Delete(pub);
		cJSON_Delete(sec);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kind_names_round_trip),
		cmocka_unit_test(unknown_and_missing_fields),
		cmocka_unit_test(urls),
		cmocka_unit_test(private_literals),
		cmocka_unit_test(robots_split_url_and_secret),
		cmocka_unit_test(stars_without_stored_value),
		cmocka_unit_test(webhook_headers),
		cmocka_unit_test(email),
		cmocka_unit_test(masked_never_shows_a_secret),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
