/* alert_sign.c - HMAC-SHA256 (libsodium, keys of any length), hex, base64,
 * percent-encoding and the receivers' signatures. */
#include "alert_sign.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

void alert_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
		       unsigned char out[32])
{
	crypto_auth_hmacsha256_state st;

	/* init takes any key length (a longer key is hashed first, as RFC 2104) */
	crypto_auth_hmacsha256_init(&st, key, klen);
	crypto_auth_hmacsha256_update(&st, msg, mlen);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

char *alert_hex(const unsigned char *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *out = zq_malloc(n * 2 + 1);

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[n * 2] = '\0';
	return out;
}

char *alert_base64(const unsigned char *in, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *out = zq_malloc(len);

	sodium_bin2base64(out, len, in, n, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

char *alert_urlencode(const char *s)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = zq_malloc(n * 3 + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (unreserved(*p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = digits[*p >> 4];
			*o++ = digits[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

char *alert_sign_webhook(const char *secret, long long ts_s, const char *body, size_t len)
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[32];
	char ts[32];
	int tl = snprintf(ts, sizeof(ts), "%lld.", ts_s);

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (size_t)tl);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));

	char *hex = alert_hex(mac, sizeof(mac));
	size_t hl = strlen(hex);
	char *out = zq_malloc(7 + hl + 1);

	memcpy(out, "sha256=", 7);
	memcpy(out + 7, hex, hl + 1);
	free(hex);
	return out;
}

/* "<ts>\n<secret>" in a new string */
static char *ts_nl_secret(long long ts, const char *secret, size_t *len)
{
	size_t sl = strlen(secret);
	char *s = zq_malloc(32 + sl);
	int tl = snprintf(s, 32, "%lld\n", ts);

	memcpy(s + tl, secret, sl + 1);
	*len = (size_t)tl + sl;
	return s;
}

char *alert_sign_dingtalk(const char *secret, long long ts_ms)
{
	unsigned char mac[32];
	size_t len;
	char *msg = ts_nl_secret(ts_ms, secret, &len);

	alert_hmac_sha256(secret, strlen(secret), msg, len, mac);
	sodium_memzero(msg, len);
	free(msg);
	return alert_base64(mac, sizeof(mac));
}

char *alert_sign_feishu(const char *secret, long long ts_s)
{
	unsigned char mac[32];
	size_t len;
	char *key = ts_nl_secret(ts_s, secret, &len);

	alert_hmac_sha256(key, len, "", 0, mac);
	sodium_memzero(key, len);
	free(key);
	return alert_base64(mac, sizeof(mac));
}
