/* h_auth.c - login / logout / me, users and long-lived API tokens.
 *
 * Secrets: a password is only ever hashed or verified, a token is shown once
 * in the response that creates it; neither is logged or stored in clear,
 * and audit rows name the user or token, never a secret. A password, role
 * or disabled change ends the user's sessions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "handlers.h"
#include "jsonin.h"
#include "log.h"
#include "mem.h"
#include "secret.h"
#include "timeutil.h"
#include "user_store.h"

/* ---- login / logout / me ------------------------------------------------------------- */

/* username / password from a JSON body: the route takes no form posts (a
 * page on another site can submit a form here without a CORS preflight, and
 * log its visitor in as the attacker); the pipeline refuses other media
 * types with 400. OAuth2 password-grant fields are accepted and ignored. */
static int credentials(zq_ctx *c, const char **user, const char **pw)
{
	static const char *const allowed[] = {"username", "password", "grant_type", "scope",
					      "client_id", "client_secret", NULL};
	int rc;

	*user = *pw = NULL;
	if (c->body) {
		if (!cJSON_IsObject(c->body))
			return zq_errf(&c->err, ZQ_EINVAL, "body: must be a JSON object");
		if ((rc = jin_check_fields(c->body, "", allowed, NULL, &c->err)) < 0)
			return rc;
		if (jin_get(c->body, "username") &&
		    jin_string(jin_get(c->body, "username"), "username", 0, 64, 1, user, &c->err) < 0)
			return ZQ_EINVAL;
		if (jin_get(c->body, "password") &&
		    jin_string(jin_get(c->body, "password"), "password", 0, ZQ_PASSWORD_MAX, 1, pw,
			       &c->err) < 0)
			return ZQ_EINVAL;
	}
	if (!*user || !**user)
		return zq_errf(&c->err, ZQ_EINVAL, "username: required");
	if (!*pw || !**pw)
		return zq_errf(&c->err, ZQ_EINVAL, "password: required");
	if (strlen(*user) > 64 || strlen(*pw) > ZQ_PASSWORD_MAX)
		return zq_errf(&c->err, ZQ_EINVAL, "username or password too long");
	return 0;
}

int h_login(zq_ctx *c)
{
	char token[ZQ_TOKEN_MAX];
	const char *user, *pw;
	int64_t expires;
	zq_user u;
	int rc;

	memset(&u, 0, sizeof(u));
	if ((rc = credentials(c, &user, &pw)) < 0)
		return rc;
	if ((rc = auth_login(c, user, pw, token, &expires, &u)) < 0)
		return rc;
	zq_info("LOGIN user=%s addr=%s", u.username, c->req->remote_addr);
	jw_obj_begin(&c->w);
	jw_kstr(&c->w, "access_token", token);
	jw_kstr(&c->w, "token_type", "bearer");
	jw_kint(&c->w, "expires_in", c->api->cfg->api_token_ttl);
	jw_ktime(&c->w, "expires_at", expires);
	jw_key(&c->w, "user");
	jw_obj_begin(&c->w);
	jw_kint(&c->w, "id", u.id);
	jw_kstr(&c->w, "username", u.username);
	jw_kstr(&c->w, "role", zq_role_name(u.role));
	jw_obj_end(&c->w);
	jw_obj_end(&c->w);
	sodium_memzero(token, sizeof(token));
	return 0;
}

static int logout_tx(zq_ctx *c, void *arg)
{
	int rc = token_store_delete(c->db, c->who.token_id, "session", &c->err);

	(void)arg;
	return rc == 0 ? api_audit(c, "logout", "user", c->who.user_id, 0, NULL) : rc;
}

int h_logout(zq_ctx *c)
{
	int rc;

	if (strcmp(c->who.kind, "session") != 0)
		return zq_errf(&c->err, ZQ_EINVAL, "this is an API token, not a session: revoke it "
			       "with DELETE /api/v1/tokens/{id}");
	if ((rc = api_tx(c, logout_tx, NULL)) < 0)
		return rc;
	jw_obj_begin(&c->w);
	jw_kbool(&c->w, "logged_out", 1);
	jw_obj_end(&c->w);
	return 0;
}

int h_me(zq_ctx *c)
{
	zq_jw *w = &c->w;

	jw_obj_begin(w);
	jw_kint_or_null(w, "id", c->who.user_id, 0);
	jw_kstr(w, "username", c->who.username[0] ? c->who.username : NULL);
	jw_kstr(w, "role", zq_role_name(c->who.role));
	jw_key(w, "token");
	jw_obj_begin(w);
	jw_kint(w, "id", c->who.token_id);
	jw_kstr(w, "kind", c->who.kind);
	jw_kstr(w, "name", c->who.token_name);
	jw_ktime(w, "expires_at", c->who.expires_ms);
	jw_obj_end(w);
	jw_obj_end(w);
	return 0;
}

/* ---- users ------------------------------------------------------------------------------- */

static void view_user(zq_jw *w, const zq_user *u)
{
	jw_obj_begin(w);
	jw_kint(w, "id", u->id);
	jw_kstr(w, "username", u->username);
	jw_kstr(w, "role", zq_role_name(u->role));
	jw_kbool(w, "disabled", u->disabled);
	jw_ktime(w, "created_at", u->created_at_ms);
	jw_ktime(w, "last_login_at", u->last_login_at_ms);
	jw_obj_end(w);
}

static int respond_user(zq_ctx *c, int64_t id, int status)
{
	zq_user u;
	int rc = user_store_get(c->db, id, &u, &c->err);

	if (rc == 0) {
		api_status(c, status);
		view_user(&c->w, &u);
	}
	sodium_memzero(u.password_hash, sizeof(u.password_hash));
	return rc;
}

int h_users_list(zq_ctx *c)
{
	int64_t skip, limit, total = 0;
	zq_user *users = NULL;
	int n = 0, rc;

	if ((rc = api_paging(c, 100, 1000, &skip, &limit)) < 0 ||
	    (rc = user_store_list(c->db, skip, limit, &users, &n, &total, &c->err)) < 0)
		return rc;
	api_page_begin(c, "users");
	for (int i = 0; i < n; i++)
		view_user(&c->w, &users[i]);
	api_page_end(c, total, skip, limit);
	free(users);
	return 0;
}

static int get_role(zq_ctx *c, const cJSON *v, int *role)
{
	if (!cJSON_IsString(v) || (*role = zq_role_parse(v->valuestring)) < 0)
		return zq_errf(&c->err, ZQ_EINVAL, "role: must be admin, operator or viewer");
	return 0;
}

struct user_new {
	const char *username;
	int role, disabled;
	char hash[ZQ_PWHASH_MAX];
	int64_t id;
};

static int user_create_tx(zq_ctx *c, void *arg)
{
	struct user_new *u = arg;
	int rc = user_store_create(c->db, u->username, u->role, u->hash, &u->id, &c->err);

	if (rc == 0 && u->disabled)
		rc = user_store_update(c->db, u->id, -1, 1, NULL, &c->err);
	if (rc == 0)
		rc = api_audit(c, "user_create", "user", u->id, 0, u->username);
	return rc;
}

static int user_create_parse(zq_ctx *c, struct user_new *u, const char **pw)
{
	static const char *const allowed[] = {"username", "password", "role", "disabled", NULL};
	static const char *const ro[] = {"id", "created_at", "last_login_at", NULL};
	const cJSON *b = c->body;
	int rc;

	if (!b || !cJSON_IsObject(b))
		return zq_errf(&c->err, ZQ_EINVAL, "body: required (username, password, role)");
	if ((rc = jin_check_fields(b, "", allowed, ro, &c->err)) < 0)
		return rc;
	if (!jin_get(b, "username") || !jin_get(b, "password"))
		return zq_errf(&c->err, ZQ_EINVAL, "%s: required",
			       jin_get(b, "username") ? "password" : "username");
	if (jin_string(jin_get(b, "username"), "username", 1, 64, 0, &u->username, &c->err) < 0 ||
	    user_store_check_name(u->username, &c->err) < 0 ||
	    jin_string(jin_get(b, "password"), "password", 0, ZQ_PASSWORD_MAX, 1, pw, &c->err) < 0)
		return ZQ_EINVAL;
	u->role = ZQ_ROLE_VIEWER;
	if (jin_get(b, "role") && (rc = get_role(c, jin_get(b, "role"), &u->role)) < 0)
		return rc;
	if (jin_get(b, "disabled") && jin_bool(jin_get(b, "disabled"), "disabled", &u->disabled,
					       &c->err) < 0)
		return ZQ_EINVAL;
	return 0;
}

int h_user_create(zq_ctx *c)
{
	struct user_new u;
	const char *pw = NULL;
	int rc;

	memset(&u, 0, sizeof(u));
	if ((rc = user_create_parse(c, &u, &pw)) < 0 || (rc = auth_hash_password(c, pw, u.hash)) < 0)
		goto out;
	if ((rc = api_tx(c, user_create_tx, &u)) < 0)
		goto out;
	zq_info("USER CREATE user=%s role=%s by=%s", u.username, zq_role_name(u.role),
		c->who.actor);
	rc = respond_user(c, u.id, 201);
out:
	sodium_memzero(u.hash, sizeof(u.hash));
	return rc;
}

struct user_patch {
	int64_t id;
	int role, disabled;         /* -1 = keep */
	int has_password;
	char hash[ZQ_PWHASH_MAX];
	char fields[64];
};

/* The last enabled admin may not lose that. */
static int keep_an_admin(zq_ctx *c, const struct user_patch *p, const zq_user *cur, int deleting)
{
	int64_t others;
	int rc;
	int loses = cur->role == ZQ_ROLE_ADMIN && !cur->disabled &&
		    (deleting || (p->role >= 0 && p->role != ZQ_ROLE_ADMIN) || p->disabled == 1);

	if (!loses)
		return 0;
	if ((rc = user_store_count_admins(c->db, cur->id, &others, &c->err)) < 0)
		return rc;
	if (others == 0)
		return zq_errf(&c->err, ZQ_ECONFLICT, "user '%s' is the last enabled admin",
			       cur->username);
	return 0;
}

static int user_update_tx(zq_ctx *c, void *arg)
{
	struct user_patch *p = arg;
	zq_user cur;
	int rc;

	if ((rc = user_store_get(c->db, p->id, &cur, &c->err)) < 0 ||
	    (rc = keep_an_admin(c, p, &cur, 0)) < 0 ||
	    (rc = user_store_update(c->db, p->id, p->role, p->disabled,
				    p->has_password ? p->hash : NULL, &c->err)) < 0 ||
	    (rc = token_store_revoke_sessions(c->db, p->id, &c->err)) < 0)
		goto out;
	rc = api_audit(c, "user_update", "user", p->id, 0, p->fields);
out:
	sodium_memzero(cur.password_hash, sizeof(cur.password_hash));
	return rc;
}

static int user_patch_parse(zq_ctx *c, struct user_patch *p, const char **pw)
{
	static const char *const allowed[] = {"role", "password", "disabled", NULL};
	static const char *const ro[] = {"id", "username", "created_at", "last_login_at", NULL};
	const cJSON *b = c->body;
	int rc;

	if (!b || !cJSON_IsObject(b) || !b->child)
		return zq_errf(&c->err, ZQ_EINVAL, "body: required (role, password and/or disabled)");
	if ((rc = jin_check_fields(b, "", allowed, ro, &c->err)) < 0)
		return rc;
	if (jin_get(b, "role") && (rc = get_role(c, jin_get(b, "role"), &p->role)) < 0)
		return rc;
	if (jin_get(b, "disabled") && jin_bool(jin_get(b, "disabled"), "disabled", &p->disabled,
					       &c->err) < 0)
		return ZQ_EINVAL;
	if (jin_get(b, "password") && jin_string(jin_get(b, "password"), "password", 0,
						 ZQ_PASSWORD_MAX, 1, pw, &c->err) < 0)
		return ZQ_EINVAL;
	snprintf(p->fields, sizeof(p->fields), "%s%s%s", p->role >= 0 ? "role " : "",
		 p->disabled >= 0 ? "disabled " : "", *pw ? "password" : "");
	return 0;
}

int h_user_update(zq_ctx *c)
{
	struct user_patch p;
	const char *pw = NULL;
	int rc;

	memset(&p, 0, sizeof(p));
	p.id = c->p[0];
	p.role = p.disabled = -1;
	if ((rc = user_patch_parse(c, &p, &pw)) < 0)
		goto out;
	if (pw) {
		if ((rc = auth_hash_password(c, pw, p.hash)) < 0)
			goto out;
		p.has_password = 1;
	}
	if ((rc = api_tx(c, user_update_tx, &p)) < 0)
		goto out;
	zq_info("USER UPDATE id=%lld fields=%s by=%s", (long long)p.id, p.fields, c->who.actor);
	rc = respond_user(c, p.id, 200);
out:
	sodium_memzero(p.hash, sizeof(p.hash));
	return rc;
}

static int user_delete_tx(zq_ctx *c, void *arg)
{
	struct user_patch *p = arg;
	zq_user cur;
	int rc;

	if ((rc = user_store_get(c->db, p->id, &cur, &c->err)) < 0 ||
	    (rc = keep_an_admin(c, p, &cur, 1)) < 0 ||
	    (rc = user_store_delete(c->db, p->id, &c->err)) < 0)
		goto out;
	rc = api_audit(c, "user_delete", "user", p->id, 0, cur.username);
out:
	sodium_memzero(cur.password_hash, sizeof(cur.password_hash));
	return rc;
}

int h_user_delete(zq_ctx *c)
{
	struct user_patch p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.id = c->p[0];
	p.role = p.disabled = -1;
	if ((rc = api_tx(c, user_delete_tx, &p)) < 0)
		return rc;
	jw_obj_begin(&c->w);
	jw_kbool(&c->w, "deleted", 1);
	jw_kint(&c->w, "id", p.id);
	jw_obj_end(&c->w);
	return 0;
}

/* ---- API tokens ---------------------------------------------------------------------------- */

static void view_token(zq_jw *w, const zq_token_row *t)
{
	jw_obj_begin(w);
	jw_kint(w, "id", t->id);
	jw_kstr(w, "name", t->name);
	jw_kstr(w, "prefix", t->prefix);
	jw_kstr(w, "role", zq_role_name(t->role));
	jw_kint_or_null(w, "user_id", t->user_id, 0);
	jw_kstr(w, "created_by", t->created_by[0] ? t->created_by : NULL);
	jw_ktime(w, "created_at", t->created_ms);
	jw_ktime(w, "expires_at", t->expires_ms);
	jw_ktime(w, "last_used_at", t->last_used_ms);
	jw_obj_end(w);
}

int h_tokens_list(zq_ctx *c)
{
	int64_t skip, limit, total = 0;
	zq_token_row *rows = NULL;
	int n = 0, rc;

	if ((rc = api_paging(c, 100, 1000, &skip, &limit)) < 0 ||
	    (rc = token_store_list(c->db, "api", skip, limit, &rows, &n, &total, &c->err)) < 0)
		return rc;
	api_page_begin(c, "tokens");
	for (int i = 0; i < n; i++)
		view_token(&c->w, &rows[i]);
	api_page_end(c, total, skip, limit);
	free(rows);
	return 0;
}

struct token_new {
	const char *name;
	int role;
	int64_t expires_ms;
	char token[ZQ_TOKEN_MAX];
	int64_t id;
};

static int token_create_tx(zq_ctx *c, void *arg)
{
	struct token_new *t = arg;
	int rc = token_store_create(c->db, "api", t->name, c->who.user_id, t->role, c->who.actor,
				    t->expires_ms, t->token, &t->id, &c->err);

	return rc == 0 ? api_audit(c, "token_create", "token", t->id, 0, t->name) : rc;
}

static int token_parse(zq_ctx *c, struct token_new *t)
{
	static const char *const allowed[] = {"name", "role", "expires_days", "expires_at", NULL};
	static const char *const ro[] = {"id", "token", "prefix", "created_at", "created_by",
					 "last_used_at", "user_id", NULL};
	const cJSON *b = c->body, *v;
	int64_t days;
	int rc;

	if (!b || !cJSON_IsObject(b))
		return zq_errf(&c->err, ZQ_EINVAL, "body: required (name, role)");
	if ((rc = jin_check_fields(b, "", allowed, ro, &c->err)) < 0)
		return rc;
	if (!(v = jin_get(b, "name")))
		return zq_errf(&c->err, ZQ_EINVAL, "name: required");
	if (jin_string(v, "name", 1, 128, 0, &t->name, &c->err) < 0)
		return ZQ_EINVAL;
	if (!(v = jin_get(b, "role")))
		return zq_errf(&c->err, ZQ_EINVAL, "role: required (admin, operator or viewer)");
	if ((rc = get_role(c, v, &t->role)) < 0)
		return rc;
	if (t->role > c->who.role)
		return zq_errf(&c->err, ZQ_EPERM, "role: cannot exceed your own role");
	t->expires_ms = ZQ_TIME_NONE;
	if ((v = jin_get(b, "expires_days")) && !cJSON_IsNull(v)) {
		if (jin_int(v, "expires_days", 1, 36500, &days, &c->err) < 0)
			return ZQ_EINVAL;
		t->expires_ms = zq_wall_ms() + days * 86400000LL;
	}
	if ((v = jin_get(b, "expires_at")) && !cJSON_IsNull(v)) {
		if (jin_time(v, "expires_at", &t->expires_ms, &c->err) < 0)
			return ZQ_EINVAL;
		if (t->expires_ms <= zq_wall_ms())
			return zq_errf(&c->err, ZQ_EINVAL, "expires_at: must be in the future");
	}
	return 0;
}

int h_token_create(zq_ctx *c)
{
	struct token_new t;
	zq_jw *w = &c->w;
	char prefix[13];
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = token_parse(c, &t)) < 0 || (rc = api_tx(c, token_create_tx, &t)) < 0)
		goto out;
	zq_info("TOKEN CREATE id=%lld role=%s by=%s", (long long)t.id, zq_role_name(t.role),
		c->who.actor);
	zq_strlcpy(prefix, t.token, sizeof(prefix));
	api_status(c, 201);
	jw_obj_begin(w);
	jw_kint(w, "id", t.id);
	jw_kstr(w, "name", t.name);
	jw_kstr(w, "role", zq_role_name(t.role));
	jw_kstr(w, "prefix", prefix);
	jw_kstr(w, "token", t.token);
	jw_ktime(w, "expires_at", t.expires_ms);
	jw_kstr(w, "note", "shown once: store it now");
	jw_obj_end(w);
out:
	sodium_memzero(t.token, sizeof(t.token));
	return rc;
}

static int token_delete_tx(zq_ctx *c, void *arg)
{
	int64_t id = *(int64_t *)arg;
	int rc = token_store_delete(c->db, id, "api", &c->err);

	return rc == 0 ? api_audit(c, "token_delete", "token", id, 0, NULL) : rc;
}

int h_token_delete(zq_ctx *c)
{
	int64_t id = c->p[0];
	int rc = api_tx(c, token_delete_tx, &id);

	if (rc < 0)
		return rc;
	jw_obj_begin(&c->w);
	jw_kbool(&c->w, "deleted", 1);
	jw_kint(&c->w, "id", id);
	jw_obj_end(&c->w);
	return 0;
}
