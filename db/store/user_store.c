/* user_store.c - SQL for users and api_tokens. */
#include "user_store.h"

#include <ctype.h>
#include <stdlib.h>
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
	/* uk_users_name finds the row(s) the collation folds together; the
	 * byte comparison keeps the exact one */
	zq_stmt *st = zq_db_prepare(db,
				    "SELECT id, username, password_hash, role, disabled, created_at, "
				    "last_login_at FROM users WHERE username = ? AND "
				    "BINARY username = BINARY ?",
				    err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, username);
	zq_stmt_bind_str(st, 1, username);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) <= 0) {
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed")
			    : zq_errf(err, ZQ_ENOTFOUND, "user '%s' not found", username);
		goto out;
	}
	memset(u, 0, sizeof(*u));
	u->id = zq_stmt_i64(st, 0);
	zq_stmt_copy(st, 1, u->username, sizeof(u->username));
	zq_stmt_copy(st, 2, u->password_hash, sizeof(u->password_hash));
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
	if (!(st = zq_db_prepare(db, "UPDATE users SET password_hash = ? WHERE username = ? AND "
				 "BINARY username = BINARY ?", err))) {
		rc = err->code;
		goto out;
	}
	zq_stmt_bind_str(st, 0, pwhash);
	zq_stmt_bind_str(st, 1, username);
	zq_stmt_bind_str(st, 2, username);
	rc = zq_stmt_exec(st, err);
	if (rc == 0 && zq_stmt_affected(st) == 0)
		rc = zq_errf(err, ZQ_ENOTFOUND, "user '%s' not found", username);
	zq_stmt_done(st);
	if (rc < 0)
		goto out;
	/* a password change ends every session of that user */
	if (!(st = zq_db_prepare(db,
				 "DELETE k FROM api_tokens k JOIN users u ON u.id = k.user_id "
				 "WHERE u.username = ? AND BINARY u.username = BINARY ? AND "
				 "k.kind = 'session'",
				 err))) {
		rc = err->code;
		goto out;
	}
	zq_stmt_bind_str(st, 0, username);
	zq_stmt_bind_str(st, 1, username);
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

static void read_user(zq_stmt *st, zq_user *u, int with_hash)
{
	memset(u, 0, sizeof(*u));
	u->id = zq_stmt_i64(st, 0);
	zq_stmt_copy(st, 1, u->username, sizeof(u->username));
	u->role = zq_role_parse(zq_stmt_str(st, 2));
	u->disabled = (int)zq_stmt_i64(st, 3);
	u->created_at_ms = zq_stmt_time(st, 4);
	u->last_login_at_ms = zq_stmt_time(st, 5);
	if (with_hash)
		zq_stmt_copy(st, 6, u->password_hash, sizeof(u->password_hash));
}

int user_store_get(zq_db *db, int64_t id, zq_user *u, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db,
				    "SELECT id, username, role, disabled, created_at, last_login_at, "
				    "password_hash FROM users WHERE id = ?",
				    err);
	int rc;

	if (!st)
		return err->code;
	if ((rc = zq_stmt_one(st, 0, id, "user", err)) == 0)
		read_user(st, u, 1);
	zq_stmt_done(st);
	return rc;
}

int user_store_list(zq_db *db, int64_t skip, int64_t limit, zq_user **users, int *n,
		    int64_t *total, zq_err *err)
{
	zq_stmt *st;
	int rc, cap;

	*users = NULL;
	*n = 0;
	if ((rc = zq_db_query_i64(db, "SELECT COUNT(*) FROM users", ZQ_NO_PARAM, total, err)) < 0)
		return rc;
	/* PRIMARY KEY order */
	st = zq_db_prepare(db,
			   "SELECT id, username, role, disabled, created_at, last_login_at FROM users "
			   "ORDER BY id LIMIT ? OFFSET ?",
			   err);
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, limit);
	zq_stmt_bind_i64(st, 1, skip);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	cap = zq_stmt_num_rows(st);
	*users = zq_calloc((size_t)cap + 1, sizeof(zq_user));
	while (*n < cap && (rc = zq_stmt_fetch(st)) > 0)
		read_user(st, &(*users)[(*n)++], 0);
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int user_store_update(zq_db *db, int64_t id, int role, int disabled, const char *pwhash,
		      zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db,
				    "UPDATE users SET role = COALESCE(?, role), disabled = "
				    "COALESCE(?, disabled), password_hash = COALESCE(?, password_hash) "
				    "WHERE id = ?",
				    err);

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, role >= 0 ? zq_role_name(role) : NULL);
	if (disabled >= 0)
		zq_stmt_bind_i64(st, 1, disabled ? 1 : 0);
	else
		zq_stmt_bind_null(st, 1);
	zq_stmt_bind_str(st, 2, pwhash);
	zq_stmt_bind_i64(st, 3, id);
	return zq_stmt_exec_found(st, id, "user", err);
}

int user_store_delete(zq_db *db, int64_t id, zq_err *err)
{
	/* PRIMARY KEY; api_tokens cascade */
	uint64_t n = 0;
	int rc = zq_db_exec_id(db, "DELETE FROM users WHERE id = ?", id, &n, err);

	if (rc == 0 && n == 0)
		rc = zq_errf(err, ZQ_ENOTFOUND, "user %lld not found", (long long)id);
	return rc;
}

int user_store_count_admins(zq_db *db, int64_t except_id, int64_t *n, zq_err *err)
{
	/* users is small: a scan */
	return zq_db_query_i64(db,
			       "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 "
			       "AND id <> ?",
			       except_id, n, err);
}

int user_store_touch_login(zq_db *db, int64_t id, zq_err *err)
{
	return zq_db_exec_id(db, "UPDATE users SET last_login_at = UTC_TIMESTAMP(3) WHERE id = ?",
			     id, NULL, err);
}

/* ---- tokens ---------------------------------------------------------------- */

void token_store_read(zq_stmt *st, int c, zq_token_info *ti)
{
	const char *s;

	memset(ti, 0, sizeof(*ti));
	ti->id = zq_stmt_i64(st, c);
	zq_stmt_copy(st, c + 1, ti->kind, sizeof(ti->kind));
	zq_stmt_copy(st, c + 2, ti->name, sizeof(ti->name));
	ti->user_id = zq_stmt_i64(st, c + 3);
	ti->role = zq_role_parse(zq_stmt_str(st, c + 4));
	ti->expires_ms = zq_stmt_time(st, c + 5);
	ti->last_used_ms = zq_stmt_time(st, c + 6);
	if ((s = zq_stmt_str(st, c + 7)) && zq_stmt_len(st, c + 7) == ZQ_TOKEN_HASH_LEN)
		memcpy(ti->hash, s, ZQ_TOKEN_HASH_LEN);
	zq_stmt_copy(st, c + 8, ti->username, sizeof(ti->username));
	ti->user_disabled = (int)zq_stmt_i64(st, c + 9);
	ti->user_role = zq_stmt_isnull(st, c + 10) ? -1 : zq_role_parse(zq_stmt_str(st, c + 10));
}

int token_effective_role(const zq_token_info *ti)
{
	if (ti->role < 0)
		return -1;
	if (ti->user_id <= 0)
		return ti->role;
	if (ti->user_role < 0)
		return -1;  /* the user is gone (or has no valid role) */
	return ti->role < ti->user_role ? ti->role : ti->user_role;
}

int token_store_lookup(zq_db *db, const unsigned char hash[ZQ_TOKEN_HASH_LEN],
		       zq_token_info *ti, zq_err *err)
{
	/* uk_tokens_hash, then users PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db, "SELECT " TOKEN_STORE_COLUMNS " FROM " TOKEN_STORE_FROM
				    " WHERE k.token_hash = ?", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_blob(st, 0, hash, ZQ_TOKEN_HASH_LEN);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) <= 0) {
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed")
			    : zq_errf(err, ZQ_ENOTFOUND, "no such token");
		goto out;
	}
	token_store_read(st, 0, ti);
	rc = 0;
out:
	zq_stmt_done(st);
	return rc;
}

int token_store_touch(zq_db *db, int64_t id, zq_err *err)
{
	/* PRIMARY KEY */
	return zq_db_exec_id(db, "UPDATE api_tokens SET last_used_at = UTC_TIMESTAMP(3) WHERE id = ?",
			     id, NULL, err);
}

int token_store_delete(zq_db *db, int64_t id, const char *kind, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db, "DELETE FROM api_tokens WHERE id = ? AND "
				    "(? IS NULL OR kind = ?)", err);

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, id);
	zq_stmt_bind_str(st, 1, kind);
	zq_stmt_bind_str(st, 2, kind);
	return zq_stmt_exec_found(st, id, "token", err);
}

int token_store_revoke_sessions(zq_db *db, int64_t user_id, zq_err *err)
{
	/* ix_tokens_user */
	return zq_db_exec_id(db, "DELETE FROM api_tokens WHERE user_id = ? AND kind = 'session'",
			     user_id, NULL, err);
}

static void read_token_row(zq_stmt *st, zq_token_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = zq_stmt_i64(st, 0);
	zq_stmt_copy(st, 1, r->name, sizeof(r->name));
	zq_stmt_copy(st, 2, r->prefix, sizeof(r->prefix));
	zq_stmt_copy(st, 3, r->kind, sizeof(r->kind));
	r->role = zq_role_parse(zq_stmt_str(st, 4));
	r->user_id = zq_stmt_i64(st, 5);
	zq_stmt_copy(st, 6, r->created_by, sizeof(r->created_by));
	r->created_ms = zq_stmt_time(st, 7);
	r->expires_ms = zq_stmt_time(st, 8);
	r->last_used_ms = zq_stmt_time(st, 9);
}

int token_store_list(zq_db *db, const char *kind, int64_t skip, int64_t limit,
		     zq_token_row **rows, int *n, int64_t *total, zq_err *err)
{
	zq_stmt *st;
	int rc, cap;

	*rows = NULL;
	*n = 0;
	/* api_tokens holds sessions too; a scan is fine at these sizes */
	if (!(st = zq_db_prepare(db, "SELECT COUNT(*) FROM api_tokens WHERE kind = ?", err)))
		return err->code;
	zq_stmt_bind_str(st, 0, kind);
	if ((rc = zq_stmt_exec(st, err)) == 0 && zq_stmt_fetch(st) > 0)
		*total = zq_stmt_i64(st, 0);
	zq_stmt_done(st);
	if (rc < 0)
		return rc;
	st = zq_db_prepare(db,
			   "SELECT id, name, prefix, kind, role, user_id, created_by, created_at, "
			   "expires_at, last_used_at FROM api_tokens WHERE kind = ? ORDER BY id DESC "
			   "LIMIT ? OFFSET ?",
			   err);
	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, kind);
	zq_stmt_bind_i64(st, 1, limit);
	zq_stmt_bind_i64(st, 2, skip);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	cap = zq_stmt_num_rows(st);
	*rows = zq_calloc((size_t)cap + 1, sizeof(zq_token_row));
	while (*n < cap && (rc = zq_stmt_fetch(st)) > 0)
		read_token_row(st, &(*rows)[(*n)++]);
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

/* ---- failed-login throttling ------------------------------------------------ */

int user_store_login_locked(zq_db *db, const char *a, const char *b, int64_t *retry_after_s,
			    zq_err *err)
{
	/* PRIMARY KEY (subject), two points; the database's clock decides, so
	 * every API host agrees */
	zq_stmt *st = zq_db_prepare(db,
				    "SELECT CEIL(TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), "
				    "MAX(locked_until)) / 1000000) FROM login_attempts WHERE subject "
				    "IN (?, ?) AND locked_until > UTC_TIMESTAMP(3)",
				    err);
	int rc;

	*retry_after_s = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, a);
	zq_stmt_bind_str(st, 1, b ? b : a);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	rc = 0;
	if (zq_stmt_fetch(st) > 0 && !zq_stmt_isnull(st, 0)) {
		*retry_after_s = zq_stmt_i64(st, 0);
		if (*retry_after_s < 1)
			*retry_after_s = 1;
		rc = 1;
	}
out:
	zq_stmt_done(st);
	return rc;
}

int user_store_login_attempt(zq_db *db, const char *subject, int max_failures, int window_s,
			     int lockout_s, int64_t *count, zq_err *err)
{
	/* PRIMARY KEY. LAST_INSERT_ID(expr) hands this statement's new count
	 * back (mysql_insert_id) under the row lock: no other attempt can slip
	 * in between the increment and the read. Assignments run left to right
	 * and see the new values. */
	zq_stmt *st = zq_db_prepare(
		db,
		"INSERT INTO login_attempts (subject, failures, window_start, locked_until) "
		"VALUES (?, LAST_INSERT_ID(1), UTC_TIMESTAMP(3), IF(1 >= ?, UTC_TIMESTAMP(3) + "
		"INTERVAL ? SECOND, NULL)) ON DUPLICATE KEY UPDATE "
		"failures = LAST_INSERT_ID(IF(window_start < UTC_TIMESTAMP(3) - INTERVAL ? SECOND "
		"AND (locked_until IS NULL OR locked_until <= UTC_TIMESTAMP(3)), 1, failures + 1)), "
		"window_start = IF(failures = 1, UTC_TIMESTAMP(3), window_start), "
		"locked_until = IF(failures >= ?, IF(locked_until > UTC_TIMESTAMP(3), locked_until, "
		"UTC_TIMESTAMP(3) + INTERVAL ? SECOND), IF(failures = 1, NULL, locked_until))",
		err);
	int rc;

	*count = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, subject);
	zq_stmt_bind_i64(st, 1, max_failures);
	zq_stmt_bind_i64(st, 2, lockout_s);
	zq_stmt_bind_i64(st, 3, window_s);
	zq_stmt_bind_i64(st, 4, max_failures);
	zq_stmt_bind_i64(st, 5, lockout_s);
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		*count = (int64_t)zq_stmt_insert_id(st);
		if (*count < 1)
			rc = zq_errf(err, ZQ_EDB, "login_attempts: no count returned");
	}
	zq_stmt_done(st);
	return rc;
}

int user_store_login_forgive(zq_db *db, const char *subject, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db, "UPDATE login_attempts SET failures = failures - 1 "
				    "WHERE subject = ? AND failures > 0", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, subject);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

int user_store_login_clear(zq_db *db, const char *subject, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db, "DELETE FROM login_attempts WHERE subject = ?", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, subject);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}
