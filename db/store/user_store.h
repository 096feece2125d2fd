/* user_store.h - users, bearer tokens (sessions and long-lived API tokens)
 * and failed-login throttling. Passwords arrive already hashed (secret.h);
 * tokens are generated here and only their hash is stored. Nothing here
 * logs: callers must never log a password, hash or token. */
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
/* Names compare byte for byte (the column's utf8mb4_unicode_ci would take
 * "ADMIN" or "admin\u200b" for "admin"), so only the exact name matches.
 * ZQ_ENOTFOUND when absent. */
int user_store_get_by_name(zq_db *db, const char *username, zq_user *u, zq_err *err);
/* Sets the hash and revokes the user's sessions (exact name, as above).
 * ZQ_ENOTFOUND when absent. */
int user_store_set_password(zq_db *db, const char *username, const char *pwhash, zq_err *err);

/* Create a token: writes the token text (shown once) into token_out. kind is
 * "session" or "api"; user_id 0 = none; expires_ms ZQ_TIME_NONE = never. */
int token_store_create(zq_db *db, const char *kind, const char *name, int64_t user_id, int role,
		       const char *created_by, int64_t expires_ms, char token_out[ZQ_TOKEN_MAX],
		       int64_t *id, zq_err *err);

/* One user by id (password_hash filled). ZQ_ENOTFOUND when absent. */
int user_store_get(zq_db *db, int64_t id, zq_user *u, zq_err *err);
/* A page of users by id (password_hash left empty); *users is a heap
 * array (free()). */
int user_store_list(zq_db *db, int64_t skip, int64_t limit, zq_user **users, int *n,
		    int64_t *total, zq_err *err);
/* Change any of role (-1 = keep), disabled (-1 = keep) and password hash
 * (NULL = keep) in the caller's transaction. Does not revoke sessions:
 * call token_store_revoke_sessions. ZQ_ENOTFOUND when absent. */
int user_store_update(zq_db *db, int64_t id, int role, int disabled, const char *pwhash,
		      zq_err *err);
/* Tokens cascade. ZQ_ENOTFOUND when absent. */
int user_store_delete(zq_db *db, int64_t id, zq_err *err);
/* Enabled admins other than except_id (0 = count all). */
int user_store_count_admins(zq_db *db, int64_t except_id, int64_t *n, zq_err *err);
int user_store_touch_login(zq_db *db, int64_t id, zq_err *err);

/* What a bearer token grants, from one indexed lookup of its hash, joined
 * with the user it belongs to (a session's owner, an API token's creator):
 * a token never grants more than that user's current role (see
 * token_effective_role). */
typedef struct zq_token_info {
	int64_t id;
	char kind[16];                    /* session | api */
	char name[129];
	int64_t user_id;                  /* 0 = none */
	int role;                         /* the token's role */
	int64_t expires_ms;               /* ZQ_TIME_NONE = never */
	int64_t last_used_ms;
	unsigned char hash[ZQ_TOKEN_HASH_LEN];
	char username[257];               /* "" when no user */
	int user_disabled;
	int user_role;                    /* the user's role now; -1 when no user */
} zq_token_info;

/* min(token's role, its user's current role); a token without a user (from
 * zq-db) has its own role. -1 when it grants nothing: its user is gone or
 * the role is unknown. (A disabled user's tokens are refused by the caller.) */
int token_effective_role(const zq_token_info *ti);

/* The lookup's columns and tables, for statements that read a token
 * together with what the request asks for (one round trip): alias k for
 * api_tokens, u for users. */
#define TOKEN_STORE_COLUMNS                                                     \
	"k.id, k.kind, k.name, k.user_id, k.role, k.expires_at, k.last_used_at, " \
	"k.token_hash, u.username, u.disabled, u.role"
#define TOKEN_STORE_NCOLS 11
#define TOKEN_STORE_FROM "api_tokens k LEFT JOIN users u ON u.id = k.user_id"
/* Fill ti from the current row, columns col0 .. col0 + TOKEN_STORE_NCOLS - 1. */
void token_store_read(zq_stmt *st, int col0, zq_token_info *ti);

/* ZQ_ENOTFOUND when no token has this hash. */
int token_store_lookup(zq_db *db, const unsigned char hash[ZQ_TOKEN_HASH_LEN],
		       zq_token_info *ti, zq_err *err);
/* Set last_used_at = now. */
int token_store_touch(zq_db *db, int64_t id, zq_err *err);
/* Delete token id of kind ("session" / "api"; NULL = any). ZQ_ENOTFOUND
 * when absent. */
int token_store_delete(zq_db *db, int64_t id, const char *kind, zq_err *err);
/* End every session of a user. */
int token_store_revoke_sessions(zq_db *db, int64_t user_id, zq_err *err);

typedef struct zq_token_row {
	int64_t id;
	char name[129];
	char prefix[17];
	char kind[16];
	int role;
	int64_t user_id;
	char created_by[65];
	int64_t created_ms, expires_ms, last_used_ms;
} zq_token_row;
/* A page of tokens of kind, newest first; *rows is a heap array (free()). */
int token_store_list(zq_db *db, const char *kind, int64_t skip, int64_t limit,
		     zq_token_row **rows, int *n, int64_t *total, zq_err *err);

/* ---- failed-login throttling (login_attempts; shared by every zq-api) ----
 * Subjects are "user:ID" (a known user), "name:NAME" (an unknown, valid,
 * lower-cased name) and "addr:IP" (canonical text): keys the table's
 * case-insensitive collation cannot fold together. */

/* 1 when subject a or b (b may be NULL) is locked out now, with
 * *retry_after_s the seconds left; 0 when not. */
int user_store_login_locked(zq_db *db, const char *a, const char *b, int64_t *retry_after_s,
			    zq_err *err);
/* Count one login attempt of subject BEFORE its password is checked, in one
 * statement, so parallel attempts each get their own number: *count is this
 * attempt's number in the current window of window_s seconds (the window
 * restarts once it has passed and no lock holds). The attempt numbered
 * max_failures locks subject for lockout_s seconds; a caller refuses any
 * attempt numbered above max_failures without checking the password. */
int user_store_login_attempt(zq_db *db, const char *subject, int max_failures, int window_s,
			     int lockout_s, int64_t *count, zq_err *err);
/* Take one attempt of subject back (it was a successful login). */
int user_store_login_forgive(zq_db *db, const char *subject, zq_err *err);
/* Forget subject's failures (after a successful login). */
int user_store_login_clear(zq_db *db, const char *subject, zq_err *err);

#endif
