/* auth.h - bearer tokens and password logins.
 *
 * A request's token is hashed (BLAKE2b) and looked up by that hash - one
 * indexed query per request, joined with its user, nothing cached - and the
 * stored hash is compared again in constant time. Expired tokens, and tokens
 * of disabled users, are refused. A token's effective role is the lower of
 * its own and its user's current role (an API token's user is its creator),
 * so demoting a user demotes every token they made from the next request
 * on; deleting the user deletes them. last_used_at is written at most once
 * a minute per token so reads stay reads.
 *
 * Logins: the name must follow the username rule (user_store_check_name)
 * and match byte for byte; anything else is nobody, at the cost of a dummy
 * hash. Each attempt is counted BEFORE its password is checked (one atomic
 * statement per subject, in login_attempts, shared by every zq-api): per
 * user ("user:ID"; unknown names "name:lower-cased") past
 * api.login_max_failures -> 429 with Retry-After, no hash, for
 * api.login_lockout seconds; per client address ("addr:IP", four times that)
 * -> each further attempt waits 100 ms doubling to 3 s, so the address's
 * other users still get in. At most api.hash_concurrency argon2id
 * verifications run at once. Passwords and tokens never reach a log line. */
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
