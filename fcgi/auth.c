/* auth.c - token authentication and password logins (see auth.h). */
#include "auth.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit_store.h"
#include "log.h"
#include "mem.h"
#include "timeutil.h"

#define TOUCH_EVERY_MS 60000
#define ADDR_FACTOR 4

/* Tokens are "zqs_" / "zqt_" + base64url: anything else is refused
 * without a database round trip. */
static int plausible_token(const char *t)
{
	size_t n = strlen(t);

	if (n < 8 || n >= ZQ_TOKEN_MAX)
		return 0;
	for (; *t; t++)
		if (!((*t >= 'A' && *t <= 'Z') || (*t >= 'a' && *t <= 'z') ||
		      (*t >= '0' && *t <= '9') || *t == '_' || *t == '-'))
			return 0;
	return 1;
}

void auth_set_actor(zq_principal *p)
{
	if (p->username[0])
		snprintf(p->actor, sizeof(p->actor), "%.130s", p->username);
	else
		snprintf(p->actor, sizeof(p->actor), "token:%.120s", p->token_name);
}

static void principal_from(zq_principal *p, const zq_token_info *ti)
{
	memset(p, 0, sizeof(*p));
	p->authenticated = 1;
	p->role = ti->role;
	p->token_id = ti->id;
	p->user_id = ti->user_id;
	p->expires_ms = ti->expires_ms;
	zq_strlcpy(p->kind, ti->kind, sizeof(p->kind));
	zq_strlcpy(p->token_name, ti->name, sizeof(p->token_name));
	zq_strlcpy(p->username, ti->username, sizeof(p->username));
	auth_set_actor(p);
}

int auth_request(zq_ctx *c)
{
	const char *token = zq_http_bearer(c->req->authorization);
	unsigned char hash[ZQ_TOKEN_HASH_LEN];
	zq_token_info ti;
	int64_t now;
	int rc;

	if (!token)
		return zq_errf(&c->err, ZQ_EAUTH, "not authenticated: send Authorization: Bearer "
			       "<token>");
	if (!plausible_token(token))
		return zq_errf(&c->err, ZQ_EAUTH, "invalid token");
	zq_token_hash(token, hash);
	if (c->api->routes[c->route_index].flags & ZQ_ROUTE_TASK_WITH_TOKEN) {
		c->task = zq_calloc(1, sizeof(*c->task));
		rc = task_store_get_row_with_token(c->db, hash, sizeof(hash), c->p[0], &ti, c->task,
						   &c->task_found, &c->err);
	} else {
		rc = token_store_lookup(c->db, hash, &ti, &c->err);
	}
	if (rc < 0)
		return rc == ZQ_ENOTFOUND ? zq_errf(&c->err, ZQ_EAUTH, "invalid or revoked token")
					  : rc;
	if (!zq_hash_equal(ti.hash, hash, sizeof(hash)))
		return zq_errf(&c->err, ZQ_EAUTH, "invalid or revoked token");
	now = zq_wall_ms();
	if (ti.expires_ms != ZQ_TIME_NONE && ti.expires_ms <= now)
		return zq_errf(&c->err, ZQ_EAUTH, "token expired; log in again");
	if (ti.user_disabled)
		return zq_errf(&c->err, ZQ_EAUTH, "user is disabled");
	if (ti.role < 0)
		return zq_errf(&c->err, ZQ_EAUTH, "token has no valid role");
	if (ti.last_used_ms == ZQ_TIME_NONE || now - ti.last_used_ms > TOUCH_EVERY_MS) {
		zq_err ignore = ZQ_ERR_INIT;
		token_store_touch(c->db, ti.id, &ignore); /* best effort */
	}
	principal_from(&c->who, &ti);
	sodium_memzero(hash, sizeof(hash));
	return 0;
}

static int locked(zq_ctx *c, const char *user_subj, const char *addr_subj)
{
	int64_t retry;
	char hdr[24];
	int rc = user_store_login_locked(c->db, user_subj, addr_subj, &retry, &c->err);

	if (rc <= 0)
		return rc;
	snprintf(hdr, sizeof(hdr), "%lld", (long long)retry);
	zq_http_resp_header(c->resp, "Retry-After", hdr);
	return zq_errf(&c->err, ZQ_ERATE, "too many failed logins; try again in %lld s",
		       (long long)retry);
}

static void record_failure(zq_ctx *c, const char *user_subj, const char *addr_subj,
			   const char *username)
{
	const zq_config *cfg = c->api->cfg;
	zq_err e = ZQ_ERR_INIT;
	zq_audit a = {username, "login_failed", "user", 0, 0, NULL, c->req->remote_addr};
	char who[80];

	user_store_login_failed(c->db, user_subj, cfg->api_login_max_failures,
				cfg->api_login_lockout, cfg->api_login_lockout, &e);
	user_store_login_failed(c->db, addr_subj, cfg->api_login_max_failures * ADDR_FACTOR,
				cfg->api_login_lockout, cfg->api_login_lockout, &e);
	snprintf(who, sizeof(who), "%.64s", username);
	a.actor = who;
	audit_store_add(c->db, &a, &e);
	zq_info("LOGIN FAILED user=%.64s addr=%s", username, c->req->remote_addr);
}

/* Verify under the limiter; unknown users burn the same time. */
static int verify(zq_ctx *c, int found, const zq_user *u, const char *password, int *ok)
{
	int rc;

	if ((rc = api_hash_acquire(c)) < 0)
		return rc;
	if (found)
		*ok = zq_password_verify(u->password_hash, password) == 0;
	else
		zq_password_verify_dummy(password);
	api_hash_release(c);
	return 0;
}

static int open_session(zq_ctx *c, zq_user *u, char token_out[ZQ_TOKEN_MAX], int64_t *expires_ms)
{
	zq_audit a = {u->username, "login", "user", u->id, 0, NULL, c->req->remote_addr};
	int64_t id;
	int rc;

	*expires_ms = zq_wall_ms() + (int64_t)c->api->cfg->api_token_ttl * 1000;
	if ((rc = zq_db_begin(c->db, &c->err)) < 0)
		return rc;
	if ((rc = token_store_create(c->db, "session", "login", u->id, u->role, u->username,
				     *expires_ms, token_out, &id, &c->err)) < 0 ||
	    (rc = user_store_touch_login(c->db, u->id, &c->err)) < 0 ||
	    (rc = audit_store_add(c->db, &a, &c->err)) < 0 ||
	    (rc = zq_db_commit(c->db, &c->err)) < 0) {
		zq_db_rollback(c->db);
		return rc;
	}
	zq_strlcpy(c->who.username, u->username, sizeof(c->who.username));
	return 0;
}

int auth_login(zq_ctx *c, const char *username, const char *password,
	       char token_out[ZQ_TOKEN_MAX], int64_t *expires_ms, zq_user *u)
{
	char user_subj[160], addr_subj[160];
	int rc, found, ok = 0;
	zq_err e = ZQ_ERR_INIT;

	snprintf(user_subj, sizeof(user_subj), "user:%.64s", username);
	snprintf(addr_subj, sizeof(addr_subj), "addr:%.64s", c->req->remote_addr);
	if ((rc = locked(c, user_subj, addr_subj)) < 0)
		return rc;
	rc = user_store_get_by_name(c->db, username, u, &e);
	if (rc < 0 && rc != ZQ_ENOTFOUND)
		return zq_errf(&c->err, rc, "%s", e.msg);
	found = rc == 0;
	if ((rc = verify(c, found, u, password, &ok)) < 0)
		goto out;
	if (!ok || u->disabled) {
		record_failure(c, user_subj, addr_subj, username);
		rc = zq_errf(&c->err, ZQ_EAUTH, "incorrect username or password");
		goto out;
	}
	user_store_login_clear(c->db, user_subj, &e);
	rc = open_session(c, u, token_out, expires_ms);
out:
	sodium_memzero(u->password_hash, sizeof(u->password_hash));
	return rc;
}

int auth_hash_password(zq_ctx *c, const char *password, char out[ZQ_PWHASH_MAX])
{
	int rc;

	if ((rc = zq_password_check(password, &c->err)) < 0)
		return rc;
	if ((rc = api_hash_acquire(c)) < 0)
		return rc;
	rc = zq_password_hash(password, out, &c->err);
	api_hash_release(c);
	return rc;
}
