/* alert_sign.h - the signatures and encodings alert deliveries carry.
 *
 * HMAC-SHA256 with a key of any length (libsodium), lowercase hex,
 * standard padded base64, RFC 3986 percent-encoding, and the three
 * receivers' signatures:
 *   webhook   X-Zq-Signature: "sha256=" + hex(HMAC(secret, "<ts_s>.<body>"))
 *   DingTalk  base64(HMAC(key = secret, msg = "<ts_ms>\n<secret>")), sent
 *             url-encoded as &sign= (the caller encodes it)
 *   Feishu    base64(HMAC(key = "<ts_s>\n<secret>", msg = ""))
 * Every char * returned is malloc'd (zq_malloc; free()) and never NULL.
 * Nothing here logs. Pure and thread-safe (libsodium needs no init for
 * these). */
#ifndef ZQ_ALERT_SIGN_H
#define ZQ_ALERT_SIGN_H

#include <stddef.h>

void alert_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
		       unsigned char out[32]);
/* lowercase hex of in[0..n) */
char *alert_hex(const unsigned char *in, size_t n);
/* standard alphabet, '=' padded */
char *alert_base64(const unsigned char *in, size_t n);
/* RFC 3986: A-Z a-z 0-9 - . _ ~ kept, every other byte as %XX (uppercase) */
char *alert_urlencode(const char *s);
/* "sha256=<hex of HMAC(secret, "<ts>.<body>")>" */
char *alert_sign_webhook(const char *secret, long long ts_s, const char *body, size_t len);
/* base64(HMAC(key=secret, "<ts_ms>\n<secret>")), NOT url-encoded */
char *alert_sign_dingtalk(const char *secret, long long ts_ms);
/* base64(HMAC(key="<ts_s>\n<secret>", "")) */
char *alert_sign_feishu(const char *secret, long long ts_s);

#endif
