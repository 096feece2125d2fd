/* auth.h - bearer tokens and password logins.
 *
 * A request's token is hashed (BLAKE2b) and looked up by that hash - one
 * indexed query per request, nothing cached - and the stored hash is
 * compared again in constant time. Expired tokens, and tokens of disabled
 * users, are refused. last_used_at is written at most once a minute per
 * token so reads stay reads.
 *
 * Logins: at most api.hash_concurrency argon2id verifications run at once;
 * unknown users cost the same time as known ones; failures are counted per
 * user ("user:NAME", api.login_max_failures) and per client address
 * ("addr:IP", four times that) in login_attempts, shared by every zq-api,
 * and a locked subject gets 429 with Retry-After until api.login_lockout
 * seconds have passed. Passwords and tokens never reach a log line. */
#ifndef ZQ_AUTH_H
#define ZQ_AUTH_H

#include <stdint.h>

#include "api.h"
#include "secret.h"
#include "user_store.h"

/* Authenticate the request's Authorization header into c->who.
 * ZQ_EAUTH (401) with a reason; database errors pass through. */
int auth_request(zq_ctx *c);

/* Check username / password and open a session: token_out receives the
 * new token (shown once), *expires_ms its expiry, u the user.
 * ZQ_EAUTH for a wrong password or unknown / disabled user (one message for
 * all three), ZQ_ERATE when locked out (Retry-After header set). */
int auth_login(zq_ctx *c, const char *username, const char *password,
	       char token_out[ZQ_TOKEN_MAX], int64_t *expires_ms, zq_user *u);

/* Hash a new password under the hash limiter (policy checked first). */
int auth_hash_password(zq_ctx *c, const char *password, char out[ZQ_PWHASH_MAX]);

/* Fill a principal's actor name from its token and user. */
void auth_set_actor(zq_principal *p);

#endif
