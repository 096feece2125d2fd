/* test_deliver.c - the delivery half of the SSRF guard without a network:
 * denied addresses (literal, loose IPv4, mapped IPv6, v6 loopback) refused
 * before any connection, schemes outside the kind's protocols and user
 * info refused, an allowed address tried (and failing to connect, not
 * refused); the retry backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alert_thread.h"
#include "deliver.h"

static int try_url(alert_chan_kind kind, const char *url, const netaddr_list *allow,
		   int deny_private, deliver_result *r, zq_err *err)
{
	alert_chan_view ch = {.id = 1, .name = "t", .kind = kind, .lang = "en"};
	alert_msg m;
	deliver_opts o = {.allow = allow, .deny_private = deny_private, .timeout_s = 2};

	memset(&m, 0, sizeof(m));
	m.url = (char *)url;
	m.body = (char *)"{}";
	m.body_len = 2;
	zq_err_clear(err);
	return deliver_send(&ch, &m, &o, r, err);
}

static void refused_before_connecting(void **state)
{
	static const struct {
		alert_chan_kind kind;
		const char *url, *want;
	} cases[] = {
		{AC_WEBHOOK, "http://127.0.0.2:9/x",
		 "refused: 127.0.0.2 is a loopback address (alerts.deny_private)"},
		{AC_WEBHOOK, "http://127.1:9/", "refused: 127.0.0.1 is a loopback address"},
		{AC_DINGTALK, "https://169.254.169.254/?access_token=x", "a link-local address"},
		{AC_WEBHOOK, "http://[::1]:9/", "refused: ::1 is a loopback address"},
		{AC_WEBHOOK, "http://[::ffff:10.1.2.3]:9/", "a private address"},
		{AC_EMAIL, "smtp://192.168.0.1:25", "refused: 192.168.0.1 is a private address"},
		{AC_WEBHOOK, "http://localhost:9/", "refused: localhost resolves to "},
		{AC_WEBHOOK, "ftp://example.com/", "refused: scheme ftp (only http,https)"},
		{AC_EMAIL, "http://example.com/", "refused: scheme http (only smtp,smtps)"},
		{AC_WEBHOOK, "http://user:pw@example.com/", "refused: user info in the URL"},
		{AC_WEBHOOK, "not a url", "refused: "},
	};
	deliver_result r;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(try_url(cases[i].kind, cases[i].url, NULL, 1, &r, &err), -1);
		if (!strstr(err.msg, cases[i].want))
			fail_msg("%s: got '%s', want '%s'", cases[i].url, err.msg, cases[i].want);
		assert_int_equal(r.refused, 1);
		assert_int_equal(r.latency_ms, -1);   /* no attempt was made */
		assert_null(strstr(err.msg, "pw"));
	}
}

/* A free loopback port nobody listens on. */
static int closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void allowed_addresses_are_tried(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	netaddr_list *allow = netaddr_list_parse("127.0.0.1/32", &err);
	deliver_result r;
	char url[64];

	(void)state;
	assert_non_null(allow);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", closed_port());
	assert_int_equal(try_url(AC_WEBHOOK, url, allow, 1, &r, &err), -1);
	assert_int_equal(r.refused, 0);       /* a failed attempt, retried later */
	assert_true(r.latency_ms >= 0);
	assert_string_equal(r.host, "127.0.0.1");
	/* deny_private off: nothing is refused for its range */
	assert_int_equal(try_url(AC_WEBHOOK, url, NULL, 0, &r, &err), -1);
	assert_int_equal(r.refused, 0);
	netaddr_list_free(allow);
}

static void backoff(void **state)
{
	(void)state;
	assert_int_equal(alert_backoff_s(1), 2);
	assert_int_equal(alert_backoff_s(2), 4);
	assert_int_equal(alert_backoff_s(3), 8);
	assert_int_equal(alert_backoff_s(8), 256);
	assert_int_equal(alert_backoff_s(9), 300);
	assert_int_equal(alert_backoff_s(1000), 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refused_before_connecting),
		cmocka_unit_test(allowed_addresses_are_tried),
		cmocka_unit_test(backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
