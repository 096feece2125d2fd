/* test_alert_sign.c - HMAC-SHA256 (RFC 4231 vectors, a key longer than the
 * block), hex, base64, RFC 3986 encoding and the webhook / DingTalk /
 * Feishu signatures. The expected values were computed independently with
 * Python's hmac, hashlib, base64 and urllib.parse, following the vendors'
 * documented algorithms:
 *   DingTalk  base64(hmac(key=secret, msg=f"{ts_ms}\n{secret}"))
 *   Feishu    base64(hmac(key=f"{ts_s}\n{secret}", msg=b""))
 *   webhook   "sha256=" + hmac(key=secret, msg=f"{ts}.{body}").hexdigest() */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "alert_sign.h"

#define SECRET "SECtest0123456789abcdef"

static void check_hex_mac(const char *key, size_t klen, const char *msg, const char *want)
{
	unsigned char mac[32];

	alert_hmac_sha256(key, klen, msg, strlen(msg), mac);
	char *hex = alert_hex(mac, sizeof(mac));
	assert_string_equal(hex, want);
	free(hex);
}

static void hmac_matches_rfc4231(void **state)
{
	char k1[20], k6[131];

	(void)state;
	memset(k1, 0x0b, sizeof(k1));
	memset(k6, 0xaa, sizeof(k6));
	check_hex_mac(k1, sizeof(k1), "Hi There",
		      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	/* a key longer than the 64-byte block is hashed first */
	check_hex_mac(k6, sizeof(k6), "Test Using Larger Than Block-Size Key - Hash Key First",
		      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	check_hex_mac("", 0, "", "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void hex_and_base64(void **state)
{
	static const unsigned char b[] = {0xfb, 0xff, 0xfe};
	struct { const char *in; const char *want; } cases[] = {
		{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
	};
	char *s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = alert_base64((const unsigned char *)cases[i].in, strlen(cases[i].in));
		assert_string_equal(s, cases[i].want);
		free(s);
	}
	s = alert_base64(b, sizeof(b)); /* the standard alphabet, not URL-safe */
	assert_string_equal(s, "+//+");
	free(s);
	s = alert_hex(b, sizeof(b));
	assert_string_equal(s, "fbfffe");
	free(s);
	s = alert_hex(b, 0);
	assert_string_equal(s, "");
	free(s);
}

static void urlencode_keeps_only_unreserved(void **state)
{
	char *s;

	(void)state;
	s = alert_urlencode("a b+c/d=\xc3\xa9~_.-");
	assert_string_equal(s, "a%20b%2Bc%2Fd%3D%C3%A9~_.-");
	free(s);
	s = alert_urlencode("");
	assert_string_equal(s, "");
	free(s);
	s = alert_urlencode("AZaz09&?#%");
	assert_string_equal(s, "AZaz09%26%3F%23%25");
	free(s);
}

static void webhook_signature(void **state)
{
	const char *body = "{\"event\":\"test\",\"event_id\":1}";

	(void)state;
	char *s = alert_sign_webhook(SECRET, 1764590400, body, strlen(body));
	assert_string_equal(s, "sha256=1de8ea46f77e3d6912d294ca792c21744f5f1c4588e6a9c15dde02dfb57b5fb6");
	free(s);
	/* the body's length is what is signed, not up to a NUL */
	s = alert_sign_webhook(SECRET, 1764590400, body, strlen(body) - 1);
	assert_string_not_equal(s, "sha256=1de8ea46f77e3d6912d294ca792c21744f5f1c4588e6a9c15dde02dfb57b5fb6");
	free(s);
}

static void dingtalk_signature(void **state)
{
	char long_secret[101];

	(void)state;
	char *s = alert_sign_dingtalk(SECRET, 1764590400123LL);
	assert_string_equal(s, "KGR3BQSKLSlHPKzKiScHxLrEPgKo480HFgnsxVCyU3w=");
	char *u = alert_urlencode(s); /* what goes after &sign= */
	assert_string_equal(u, "KGR3BQSKLSlHPKzKiScHxLrEPgKo480HFgnsxVCyU3w%3D");
	free(u);
	free(s);
	memset(long_secret, 'S', 100);
	long_secret[100] = '\0';
	s = alert_sign_dingtalk(long_secret, 1764590400123LL);
	assert_string_equal(s, "eifdJ1YZJWE7grFCQYr209rn1wQDFAsZuBzz1zpCpug=");
	free(s);
}

static void feishu_signature(void **state)
{
	char long_secret[101];

	(void)state;
	char *s = alert_sign_feishu(SECRET, 1764590400);
	assert_string_equal(s, "4zpy/NXelYo7UQ452Yyr6EM8O8Eu7FETTtmDDt2rP4c=");
	free(s);
	memset(long_secret, 'S', 100);
	long_secret[100] = '\0';
	s = alert_sign_feishu(long_secret, 1764590400);
	assert_string_equal(s, "rR24T+wIKT/LSdTOOzvWZr08nL2j7JUugsCi2qOXodY=");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hmac_matches_rfc4231),
		cmocka_unit_test(hex_and_base64),
		cmocka_unit_test(urlencode_keeps_only_unreserved),
		cmocka_unit_test(webhook_signature),
		cmocka_unit_test(dingtalk_signature),
		cmocka_unit_test(feishu_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
