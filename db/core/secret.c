/* secret.c - libsodium wrappers for passwords and tokens. */
#include "secret.h"

#include <sodium.h>
#include <string.h>

int zq_secret_init(void)
{
	return sodium_init() < 0 ? ZQ_EINTERNAL : 0;
}

int zq_password_hash(const char *pw, char out[ZQ_PWHASH_MAX], zq_err *err)
{
	if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return zq_errf(err, ZQ_EINTERNAL, "password hashing failed (out of memory?)");
	return 0;
}

int zq_password_verify(const char *hash, const char *pw)
{
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0 ? 0 : ZQ_EAUTH;
}

void zq_password_verify_dummy(const char *pw)
{
	static char dummy[ZQ_PWHASH_MAX];
	static int ready;

	/* benign race: every thread computes the same kind of string */
	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		char tmp[ZQ_PWHASH_MAX];
		if (crypto_pwhash_str(tmp, "zq-dummy-password", 17, crypto_pwhash_OPSLIMIT_INTERACTIVE,
				      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
			return;
		memcpy(dummy, tmp, sizeof(dummy));
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	if (crypto_pwhash_str_verify(dummy, pw, strlen(pw)) == 0) {
		/* cannot match; only the time spent matters */
	}
}

int zq_password_check(const char *pw, zq_err *err)
{
	size_t n = strlen(pw);

	if (n < ZQ_PASSWORD_MIN)
		return zq_errf(err, ZQ_EINVAL, "password: must be at least %d characters",
			       ZQ_PASSWORD_MIN);
	if (n > ZQ_PASSWORD_MAX)
		return zq_errf(err, ZQ_EINVAL, "password: must be at most %d characters",
			       ZQ_PASSWORD_MAX);
	return 0;
}

void zq_token_new(const char *prefix, char out[ZQ_TOKEN_MAX])
{
	unsigned char raw[32];
	size_t plen = strlen(prefix);

	if (plen > 8)
		plen = 8;
	memcpy(out, prefix, plen);
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out + plen, ZQ_TOKEN_MAX - plen, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void zq_token_hash(const char *token, unsigned char out[ZQ_TOKEN_HASH_LEN])
{
	crypto_generichash(out, ZQ_TOKEN_HASH_LEN, (const unsigned char *)token, strlen(token),
			   NULL, 0);
}

int zq_hash_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void zq_random_password(char *out, size_t n)
{
	static const char alphabet[] =
		"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

	if (!n)
		return;
	for (size_t i = 0; i + 1 < n; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[n - 1] = '\0';
}
