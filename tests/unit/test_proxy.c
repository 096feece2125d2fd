/* test_proxy.c - api.trusted_proxies: only a trusted FastCGI peer's
 * REMOTE_ADDR names the client; any other peer is the client itself, so a
 * forged REMOTE_ADDR gains nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "http.h"

static struct sockaddr_in v4(const char *s)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, s, &a.sin_addr), 1);
	return a;
}

static struct sockaddr_in6 v6(const char *s)
{
	struct sockaddr_in6 a;

	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, s, &a.sin6_addr), 1);
	return a;
}

static const char *client(const zq_proxies *p, const void *peer, size_t len, const char *ra)
{
	static char out[ZQ_ADDR_MAX];

	zq_client_addr(p, peer, len, ra, out);
	return out;
}

static void the_default_trusts_a_local_nginx_only(void **state)
{
	zq_proxies p;
	zq_err err = ZQ_ERR_INIT;
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	struct sockaddr_in lo = v4("127.0.0.1"), other = v4("192.0.2.7");
	struct sockaddr_in6 lo6 = v6("::1"), mapped = v6("::ffff:127.0.0.9"), far6 = v6("2001:db8::1");

	(void)state;
	assert_int_equal(zq_proxies_parse(&p, "loopback, unix", &err), 0);
	assert_true(zq_proxies_trust(&p, &un, sizeof(un)));
	assert_true(zq_proxies_trust(&p, &lo, sizeof(lo)));
	assert_true(zq_proxies_trust(&p, &lo6, sizeof(lo6)));
	assert_true(zq_proxies_trust(&p, &mapped, sizeof(mapped)));
	assert_false(zq_proxies_trust(&p, &other, sizeof(other)));
	assert_false(zq_proxies_trust(&p, &far6, sizeof(far6)));
	assert_false(zq_proxies_trust(&p, NULL, 0));
	/* nginx over the socket: its $remote_addr, canonical */
	assert_string_equal(client(&p, &un, sizeof(un), "203.0.113.5"), "203.0.113.5");
	assert_string_equal(client(&p, &un, sizeof(un), "2001:DB8:0::5"), "2001:db8::5");
	assert_string_equal(client(&p, &un, sizeof(un), "::ffff:198.51.100.1"), "198.51.100.1");
	/* garbage from a trusted peer: not an address, so none */
	assert_string_equal(client(&p, &un, sizeof(un), "1.2.3.4, 5.6.7.8"), "");
	assert_string_equal(client(&p, &un, sizeof(un), NULL), "");
	/* an untrusted peer speaking FastCGI itself: it is the client, whatever it says */
	assert_string_equal(client(&p, &other, sizeof(other), "127.0.0.1"), "192.0.2.7");
	assert_string_equal(client(&p, &far6, sizeof(far6), "10.0.0.1"), "2001:db8::1");
}

static void networks_match_by_prefix(void **state)
{
	zq_proxies p;
	zq_err err = ZQ_ERR_INIT;
	struct sockaddr_in in = v4("10.1.255.3"), out = v4("10.2.0.1"), exact = v4("192.0.2.10");
	struct sockaddr_in6 in6 = v6("fd12:3456::9"), out6 = v6("fd12:3457::9");
	struct sockaddr_un un = {.sun_family = AF_UNIX};

	(void)state;
	assert_int_equal(zq_proxies_parse(&p, " 10.1.0.0/15 192.0.2.10,fd12:3456::/32,", &err), 0);
	assert_int_equal(p.n, 3);
	assert_true(zq_proxies_trust(&p, &in, sizeof(in)));
	assert_false(zq_proxies_trust(&p, &out, sizeof(out)));
	assert_true(zq_proxies_trust(&p, &exact, sizeof(exact)));
	assert_true(zq_proxies_trust(&p, &in6, sizeof(in6)));
	assert_false(zq_proxies_trust(&p, &out6, sizeof(out6)));
	assert_false(zq_proxies_trust(&p, &un, sizeof(un))); /* "unix" not listed */
	assert_string_equal(client(&p, &un, sizeof(un), "203.0.113.5"), "");
	/* "" trusts nobody */
	assert_int_equal(zq_proxies_parse(&p, "", &err), 0);
	assert_false(zq_proxies_trust(&p, &in, sizeof(in)));
	assert_string_equal(client(&p, &in, sizeof(in), "203.0.113.5"), "10.1.255.3");
}

static void bad_entries_are_named(void **state)
{
	static const char *const bad[] = {"localhost", "10.0.0.0/33", "::1/129", "10.0.0.1/",
					  "10.0.0/8", "1.2.3.4/x", "unix:/run/x", NULL};
	zq_proxies p;

	(void)state;
	for (int i = 0; bad[i]; i++) {
		zq_err err = ZQ_ERR_INIT;

		assert_int_equal(zq_proxies_parse(&p, bad[i], &err), ZQ_EINVAL);
		assert_non_null(strstr(err.msg, "api.trusted_proxies"));
		assert_non_null(strstr(err.msg, bad[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_default_trusts_a_local_nginx_only),
		cmocka_unit_test(networks_match_by_prefix),
		cmocka_unit_test(bad_entries_are_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
