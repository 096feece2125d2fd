/* test_netaddr.c - the SSRF guard's pure half: alerts.allow lists (IPv4,
 * IPv6, CIDR prefixes, bad entries named), every denied range at its
 * edges, IPv4-mapped and IPv4-compatible IPv6 forms, the allow list
 * overriding the ranges, and literal URL hosts (including the loose IPv4
 * spellings resolvers accept). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "netaddr.h"

/* a sockaddr for a literal address (v4 or v6) */
static const struct sockaddr *sa_of(const char *ip)
{
	static struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
	}
	return (const struct sockaddr *)&ss;
}

static void lists_parse(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	netaddr_list *l;

	(void)state;
	l = netaddr_list_parse("", &err);
	assert_non_null(l);
	assert_int_equal(netaddr_list_contains(l, sa_of("127.0.0.1")), 0);
	netaddr_list_free(l);
	l = netaddr_list_parse(NULL, &err);
	assert_non_null(l);
	netaddr_list_free(l);
	l = netaddr_list_parse(" 127.0.0.1/32, ::1,10.0.0.0/8  fd00::/8,", &err);
	assert_non_null(l);
	assert_true(netaddr_list_contains(l, sa_of("127.0.0.1")));
	assert_false(netaddr_list_contains(l, sa_of("127.0.0.2")));
	assert_true(netaddr_list_contains(l, sa_of("::1")));
	assert_true(netaddr_list_contains(l, sa_of("10.255.0.1")));
	assert_false(netaddr_list_contains(l, sa_of("11.0.0.1")));
	assert_true(netaddr_list_contains(l, sa_of("fd12::1")));
	assert_false(netaddr_list_contains(l, sa_of("fc00::1")));
	/* an IPv4 entry covers the address's IPv6 forms */
	assert_true(netaddr_list_contains(l, sa_of("::ffff:10.1.2.3")));
	assert_true(netaddr_list_contains(l, sa_of("::10.1.2.3")));
	assert_true(netaddr_list_contains(l, sa_of("::ffff:127.0.0.1")));
	assert_false(netaddr_list_contains(NULL, sa_of("127.0.0.1")));
	netaddr_list_free(l);
	netaddr_list_free(NULL);
	l = netaddr_list_parse("0.0.0.0/0", &err); /* everything v4, nothing v6 */
	assert_true(netaddr_list_contains(l, sa_of("203.0.113.9")));
	assert_false(netaddr_list_contains(l, sa_of("2001:db8::1")));
	netaddr_list_free(l);
}

static void bad_entries_are_named(void **state)
{
	static const char *const bad[] = {
		"x", "127.0.0.1/33", "::1/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8a",
		"10.0.0.0/0008", "127.1", "1.2.3.4.5", "::1::2", "localhost", "10.0.0.0/8/8",
	};
	char want[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		zq_err err = ZQ_ERR_INIT;
		char spec[64];

		snprintf(spec, sizeof(spec), "127.0.0.1, %s", bad[i]);
		assert_null(netaddr_list_parse(spec, &err));
		assert_int_equal(err.code, ZQ_EINVAL);
		snprintf(want, sizeof(want), "alerts.allow: '%s' is not an IP or CIDR", bad[i]);
		assert_string_equal(err.msg, want);
	}
}

struct reason_case {
	const char *ip, *why; /* why NULL = public */
};

static const struct reason_case reasons[] = {
	{"8.8.8.8", NULL}, {"1.1.1.1", NULL}, {"203.0.113.9", NULL},
	{"0.0.0.0", "an unspecified address"}, {"0.255.255.255", "an unspecified address"},
	{"1.0.0.0", NULL}, {"9.255.255.255", NULL},
	{"10.0.0.0", "a private address"}, {"10.255.255.255", "a private address"}, {"11.0.0.0", NULL},
	{"100.63.255.255", NULL}, {"100.64.0.0", "a shared (carrier-grade NAT) address"},
	{"100.127.255.255", "a shared (carrier-grade NAT) address"}, {"100.128.0.0", NULL},
	{"126.255.255.255", NULL}, {"127.0.0.1", "a loopback address"},
	{"127.255.255.254", "a loopback address"}, {"128.0.0.0", NULL},
	{"169.253.255.255", NULL}, {"169.254.169.254", "a link-local address"}, {"169.255.0.0", NULL},
	{"172.15.255.255", NULL}, {"172.16.0.0", "a private address"},
	{"172.31.255.255", "a private address"}, {"172.32.0.0", NULL},
	{"192.0.0.8", "a reserved (IETF protocol) address"}, {"192.0.1.0", NULL},
	{"192.167.255.255", NULL}, {"192.168.1.1", "a private address"}, {"192.169.0.0", NULL},
	{"198.17.255.255", NULL}, {"198.18.0.0", "a reserved (benchmarking) address"},
	{"198.19.255.255", "a reserved (benchmarking) address"}, {"198.20.0.0", NULL},
	{"223.255.255.255", NULL}, {"224.0.0.1", "a multicast address"},
	{"239.255.255.255", "a multicast address"}, {"240.0.0.1", "a reserved address"},
	{"255.255.255.254", "a reserved address"}, {"255.255.255.255", "a broadcast address"},
	{"::", "an unspecified address"}, {"::1", "a loopback address"},
	{"2001:4860:4860::8888", NULL}, {"2001:db8::1", NULL},
	{"fbff:ffff::1", NULL}, {"fc00::1", "a private (unique local) address"},
	{"fdff:ffff::1", "a private (unique local) address"}, {"fe00::1", NULL},
	{"fe80::1", "a link-local address"}, {"febf:ffff::1", "a link-local address"},
	{"fec0::1", NULL}, {"ff02::1", "a multicast address"}, {"ff0e::1", "a multicast address"},
	/* IPv4-mapped and IPv4-compatible forms are judged as the IPv4 address */
	{"::ffff:127.0.0.1", "a loopback address"}, {"::ffff:10.0.0.1", "a private address"},
	{"::ffff:169.254.1.1", "a link-local address"}, {"::ffff:8.8.8.8", NULL},
	{"::127.0.0.1", "a loopback address"}, {"::192.168.0.1", "a private address"},
	{"::8.8.8.8", NULL}, {"::2", "an unspecified address"},
	{"::ffff:0.0.0.0", "an unspecified address"},
};

static void every_range_at_its_edges(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		const char *why = netaddr_private_reason(sa_of(reasons[i].ip));

		if (!reasons[i].why) {
			if (why)
				fail_msg("%s: expected public, got '%s'", reasons[i].ip, why);
		} else {
			if (!why)
				fail_msg("%s: expected '%s', got public", reasons[i].ip, reasons[i].why);
			assert_string_equal(why, reasons[i].why);
		}
		/* the verdict follows: refused when denied, unless deny_private is off */
		const char *v = netaddr_refuse(sa_of(reasons[i].ip), NULL, 1);
		assert_true((v == NULL) == (reasons[i].why == NULL));
		assert_null(netaddr_refuse(sa_of(reasons[i].ip), NULL, 0));
	}
}

static void allow_list_overrides(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	netaddr_list *l = netaddr_list_parse("127.0.0.1/32,192.168.0.0/16,::1", &err);
	struct sockaddr_un un = {.sun_family = AF_UNIX};

	(void)state;
	assert_non_null(l);
	assert_null(netaddr_refuse(sa_of("127.0.0.1"), l, 1));
	assert_null(netaddr_refuse(sa_of("::ffff:127.0.0.1"), l, 1));
	assert_string_equal(netaddr_refuse(sa_of("127.0.0.2"), l, 1), "a loopback address");
	assert_null(netaddr_refuse(sa_of("192.168.77.1"), l, 1));
	assert_string_equal(netaddr_refuse(sa_of("10.0.0.1"), l, 1), "a private address");
	assert_null(netaddr_refuse(sa_of("::1"), l, 1));
	assert_null(netaddr_refuse(sa_of("8.8.8.8"), l, 1));
	/* neither IPv4 nor IPv6: always refused */
	assert_non_null(netaddr_refuse((const struct sockaddr *)&un, l, 0));
	assert_non_null(netaddr_private_reason((const struct sockaddr *)&un));
	assert_false(netaddr_list_contains(l, (const struct sockaddr *)&un));
	netaddr_list_free(l);
}

static void literal_hosts(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	netaddr_list *l = netaddr_list_parse("127.0.0.1/32", &err);

	(void)state;
	assert_string_equal(netaddr_literal_refuse("127.0.0.1", NULL, 1), "a loopback address");
	assert_null(netaddr_literal_refuse("127.0.0.1", NULL, 0));
	assert_null(netaddr_literal_refuse("127.0.0.1", l, 1));
	assert_string_equal(netaddr_literal_refuse("127.0.0.2", l, 1), "a loopback address");
	assert_string_equal(netaddr_literal_refuse("[::1]", l, 1), "a loopback address");
	assert_null(netaddr_literal_refuse("[::ffff:127.0.0.1]", l, 1));
	assert_string_equal(netaddr_literal_refuse("[::ffff:192.168.1.1]", NULL, 1),
			    "a private address");
	assert_string_equal(netaddr_literal_refuse("[fe80::1%25eth0]", NULL, 1),
			    "a link-local address");
	assert_string_equal(netaddr_literal_refuse("169.254.169.254", NULL, 1),
			    "a link-local address");
	/* spellings a resolver takes as 127.0.0.1 */
	assert_string_equal(netaddr_literal_refuse("127.1", NULL, 1), "a loopback address");
	assert_string_equal(netaddr_literal_refuse("2130706433", NULL, 1), "a loopback address");
	assert_string_equal(netaddr_literal_refuse("0x7f000001", NULL, 1), "a loopback address");
	assert_string_equal(netaddr_literal_refuse("0177.0.0.1", NULL, 1), "a loopback address");
	assert_string_equal(netaddr_literal_refuse("0", NULL, 1), "an unspecified address");
	/* public literals and names pass (names are checked at send time) */
	assert_null(netaddr_literal_refuse("8.8.8.8", NULL, 1));
	assert_null(netaddr_literal_refuse("[2001:db8::1]", NULL, 1));
	assert_null(netaddr_literal_refuse("example.com", NULL, 1));
	assert_null(netaddr_literal_refuse("localhost", NULL, 1));
	assert_null(netaddr_literal_refuse("deadbeef", NULL, 1));
	assert_null(netaddr_literal_refuse("[not-an-ip]", NULL, 1));
	assert_null(netaddr_literal_refuse("", NULL, 1));
	assert_null(netaddr_literal_refuse(NULL, NULL, 1));
	netaddr_list_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lists_parse),
		cmocka_unit_test(bad_entries_are_named),
		cmocka_unit_test(every_range_at_its_edges),
		cmocka_unit_test(allow_list_overrides),
		cmocka_unit_test(literal_hosts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
