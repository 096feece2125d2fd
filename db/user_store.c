/* user_store.c - SQL for users and api_tokens. */
#include "user_store.h"

#include <ctype.h>
#include <string.h>

#include "mem.h"
#include "timeutil.h"

static const char *const role_names[] = {"viewer", "operator", "admin"};

const char *zq_role_name(int role)
{
	return role >= 0 && role <= 2 ? role_names[role] : "unknown";
}

int zq_role_parse(const char *s)
{
	for (int i = 0; s && i <= 2; i++)
		if (strcmp(s, role_names[i]) == 0)
			return i;
	return -1;
}

int user_store_check_name(const char *name, zq_err *err)
{
	size_t n = strlen(name);

	if (n < 1 || n > 64)
		return zq_errf(err, ZQ_EINVAL, "username: must be 1-64 characters");
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.@-", *p))
			return zq_errf(err, ZQ_EINVAL,
				       "username: only letters, digits and _ . @ - are allowed");
	return 0;
}

int user_store_create(zq_db *db, const char *username, int role, const char *pwhash, int64_t *id,
		      zq_err *err)
{
	zq_stmt *st = zq_db_prepare(
		db, "INSERT INTO users (username, password_hash, role) VALUES (?, ?, ?)", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, username);
	zq_stmt_bind_str(st, 1, pwhash);
	zq_stmt_bind_str(st, 2, zq_role_name(role));
	rc = zq_stmt_exec(st, err);
	if (rc == ZQ_ECONFLICT)
		zq_errf(err, rc, "username: user '%s' already exists", username);
	if (rc == 0 && id)
		*id = (int64_t)zq_stmt_insert_id(st);
	zq_stmt_done(st);
	return rc;
}

int user_store_get_by_name(zq_db *db, const char *username, zq_user *u, zq_err *err)
{
	/* uk_users_name */
	zq_stmt *st = zq_db_prepare(db,
				    "SELECT id, username, password_hash, role, disabled, created_at, "
				    "last_login_at FROM users WHERE username = ?",
				    err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, username);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) <= 0) {
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed")
			    : zq_errf(err, ZQ_ENOTFOUND, "user '%s' not found", username);
		goto out;
	}
	memset(u, 0, sizeof(*u));
	u->id = zq_stmt_i64(st, 0);
	zq_strlcpy(u->username, zq_stmt_str(st, 1), sizeof(u->username));
	zq_strlcpy(u->password_hash, zq_stmt_str(st, 2), sizeof(u->password_hash));
	u->role = zq_role_parse(zq_stmt_str(st, 3));
	u->disabled = (int)zq_stmt_i64(st, 4);
	u->created_at_ms = zq_stmt_time(st, 5);
	u->last_login_at_ms = zq_stmt_time(st, 6);
	rc = 0;
out:
	zq_stmt_done(st);
	return rc;
}

int user_store_set_password(zq_db *db, const char *username, const char *pwhash, zq_err *err)
{
	zq_stmt *st;
	int rc;

	if ((rc = zq_db_begin(db, err)) < 0)
		return rc;
	if (!(st = zq_db_prepare(db, "UPDATE users SET password_hash = ? WHERE username = ?", err))) {
		rc = err->code;
		goto out;
	}
	zq_stmt_bind_str(st, 0, pwhash);
	zq_stmt_bind_str(st, 1, username);
	rc = zq_stmt_exec(st, err);
	if (rc == 0 && zq_stmt_affected(st) == 0)
		rc = zq_errf(err, ZQ_ENOTFOUND, "user '%s' not found", username);
	zq_stmt_done(st);
	if (rc < 0)
		goto out;
	/* a password change ends every session of that user */
	if (!(st = zq_db_prepare(db,
				 "DELETE k FROM api_tokens k JOIN users u ON u.id = k.user_id "
				 "WHERE u.username = ? AND k.kind = 'session'",
				 err))) {
		rc = err->code;
		goto out;
	}
	zq_stmt_bind_str(st, 0, username);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	if (rc == 0)
		rc = zq_db_commit(db, err);
out:
	if (rc < 0)
		zq_db_rollback(db);
	return rc;
}

int token_store_create(zq_db *db, const char *kind, const char *name, int64_t user_id, int role,
		       const char *created_by, int64_t expires_ms, char token_out[ZQ_TOKEN_MAX],
		       int64_t *id, zq_err *err)
{
	unsigned char hash[ZQ_TOKEN_HASH_LEN];
	char prefix[13];
	zq_stmt *st;
	int rc;

	zq_token_new(strcmp(kind, "session") == 0 ? "zqs_" : "zqt_", token_out);
	zq_token_hash(token_out, hash);
	zq_strlcpy(prefix, token_out, sizeof(prefix));
	st = zq_db_prepare(db,
			   "INSERT INTO api_tokens (token_hash, prefix, kind, name, user_id, role, "
			   "created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			   err);
	if (!st)
		return err->code;
	zq_stmt_bind_blob(st, 0, hash, sizeof(hash));
	zq_stmt_bind_str(st, 1, prefix);
	zq_stmt_bind_str(st, 2, kind);
	zq_stmt_bind_str(st, 3, name);
	if (user_id > 0)
		zq_stmt_bind_i64(st, 4, user_id);
	else
		zq_stmt_bind_null(st, 4);
	zq_stmt_bind_str(st, 5, zq_role_name(role));
	zq_stmt_bind_str(st, 6, created_by);
	zq_stmt_bind_time(st, 7, expires_ms);
	rc = zq_stmt_exec(st, err);
	if (rc == 0 && id)
		*id = (int64_t)zq_stmt_insert_id(st);
	zq_stmt_done(st);
	return rc;
}
