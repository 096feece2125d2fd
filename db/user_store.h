/* user_store.h - users and bearer tokens (sessions and long-lived API tokens).
 * Passwords arrive already hashed (secret.h); tokens are generated here and
 * only their hash is stored. */
#ifndef ZQ_USER_STORE_H
#define ZQ_USER_STORE_H

#include <stdint.h>

#include "db.h"
#include "secret.h"

enum zq_role { ZQ_ROLE_VIEWER = 0, ZQ_ROLE_OPERATOR = 1, ZQ_ROLE_ADMIN = 2 };

const char *zq_role_name(int role);
int zq_role_parse(const char *s);   /* -1 when unknown */

typedef struct zq_user {
	int64_t id;
	char username[257];
	char password_hash[ZQ_PWHASH_MAX];
	int role;
	int disabled;
	int64_t created_at_ms, last_login_at_ms;
} zq_user;

/* Username rule: 1-64 of [A-Za-z0-9_.@-]. EINVAL naming "username". */
int user_store_check_name(const char *username, zq_err *err);

/* ZQ_ECONFLICT when the username is taken. */
int user_store_create(zq_db *db, const char *username, int role, const char *pwhash,
		      int64_t *id, zq_err *err);
/* ZQ_ENOTFOUND when absent. */
int user_store_get_by_name(zq_db *db, const char *username, zq_user *u, zq_err *err);
/* Sets the hash and revokes the user's sessions. ZQ_ENOTFOUND when absent. */
int user_store_set_password(zq_db *db, const char *username, const char *pwhash, zq_err *err);

/* Create a token: writes the token text (shown once) into token_out. kind is
 * "session" or "api"; user_id 0 = none; expires_ms ZQ_TIME_NONE = never. */
int token_store_create(zq_db *db, const char *kind, const char *name, int64_t user_id, int role,
		       const char *created_by, int64_t expires_ms, char token_out[ZQ_TOKEN_MAX],
		       int64_t *id, zq_err *err);

#endif
