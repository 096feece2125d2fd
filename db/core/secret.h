/* secret.h - passwords (argon2id) and bearer tokens (random, stored hashed).
 * Nothing here logs; callers must never log what passes through. */
#ifndef ZQ_SECRET_H
#define ZQ_SECRET_H

#include <stddef.h>

#include "err.h"

#define ZQ_PWHASH_MAX 128     /* crypto_pwhash_STRBYTES */
#define ZQ_TOKEN_MAX 64       /* "zqs_" + 43 base64url chars + NUL fits */
#define ZQ_TOKEN_HASH_LEN 32
#define ZQ_PASSWORD_MIN 8
#define ZQ_PASSWORD_MAX 1024

/* sodium_init; call once before threads. ZQ_EINTERNAL if it fails. */
int zq_secret_init(void);

/* argon2id string (crypto_pwhash_str, INTERACTIVE limits) into out. */
int zq_password_hash(const char *password, char out[ZQ_PWHASH_MAX], zq_err *err);
/* 0 when password matches hash, ZQ_EAUTH otherwise. */
int zq_password_verify(const char *hash, const char *password);
/* Burn the same time as a verify, for unknown users (no user enumeration by timing). */
void zq_password_verify_dummy(const char *password);
/* Policy check for new passwords: length ZQ_PASSWORD_MIN..MAX. */
int zq_password_check(const char *password, zq_err *err);

/* New random token: prefix + 43 chars of base64url (256 bits). */
void zq_token_new(const char *prefix, char out[ZQ_TOKEN_MAX]);
/* BLAKE2b-256 of the token: what the database stores and looks up. */
void zq_token_hash(const char *token, unsigned char out[ZQ_TOKEN_HASH_LEN]);
/* Constant-time comparison of two hashes: 1 when equal. */
int zq_hash_equal(const unsigned char *a, const unsigned char *b, size_t n);

/* A random password of n-1 characters from [A-Za-z0-9] into out[n]. */
void zq_random_password(char *out, size_t n);

#endif
