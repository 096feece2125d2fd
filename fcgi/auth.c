/* auth.c - token authentication and password logins (see auth.h). */
#include "auth.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit_store.h"
#include "log.h"
#include "mem.h"
#include "timeutil.h"
#include "utf8.h"

#define TOUCH_EVERY_MS 60000
#define ADDR_FACTOR 4
#define ADDR_DELAY_MS 100LL
#define ADDR_DELAY_MAX_MS 3000LL

static atomic_int delayed;  /* logins waiting out an address delay now */

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

/* Copy at most max bytes of s into out, cut at a whole UTF-8 character. */
static size_t copy_whole_chars(char *out, const char *s, size_t max)
{
	size_t n = zq_utf8_cut(s, strlen(s), max);

	memcpy(out, s, n);
	out[n] = '\0';
	return n;
}

/* The audit log's actor column holds 64 characters: a session is its user,
 * an API token "token:NAME (by USER)" (USER: who created it), a token from
 * zq-db "token:NAME". Byte-counted, cut at whole characters. */
void auth_set_actor(zq_principal *p)
{
	char name[64], user[48];

	if (strcmp(p->kind, "api") != 0 && p->username[0]) {
		copy_whole_chars(p->actor, p->username, 64);
		return;
	}
	if (!p->username[0]) {
		copy_whole_chars(name, p->token_name, 64 - 6);
		snprintf(p->actor, sizeof(p->actor), "token:%s", name);
		return;
	}
	copy_whole_chars(user, p->username, 24);
	copy_whole_chars(name, p->token_name, 64 - 12 - strlen(user));
	snprintf(p->actor, sizeof(p->actor), "token:%s (by %s)", name, user);
}

static void principal_from(zq_principal *p, const zq_token_info *ti, int role)
{
	memset(p, 0, sizeof(*p));
	p->authenticated = 1;
	p->role = role;
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
	int rc, role;

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
	/* never more than its user may do now: a demoted creator's admin token
	 * is a viewer token from the next request on */
	if ((role = token_effective_role(&ti)) < 0)
		return zq_errf(&c->err, ZQ_EAUTH, "token has no valid role");
	if (ti.last_used_ms == ZQ_TIME_NONE || now - ti.last_used_ms > TOUCH_EVERY_MS) {
		zq_err ignore = ZQ_ERR_INIT;
		token_store_touch(c->db, ti.id, &ignore); /* best effort */
	}
	principal_from(&c->who, &ti, role);
	sodium_memzero(hash, sizeof(hash));
	return 0;
}

static int too_many(zq_ctx *c, const char *subject)
{
	int64_t retry = 0;
	char hdr[24];
	zq_err e = ZQ_ERR_INIT;

	if (user_store_login_locked(c->db, subject, NULL, &retry, &e) <= 0 || retry < 1)
		retry = 1;
	snprintf(hdr, sizeof(hdr), "%lld", (long long)retry);
	zq_http_resp_header(c->resp, "Retry-After", hdr);
	return zq_errf(&c->err, ZQ_ERATE, "too many failed logins; try again in %lld s",
		       (long long)retry);
}

/* An address past its limit: every attempt from it waits a growing delay
 * (100 ms doubling per attempt, at most ADDR_DELAY_MAX_MS), the right
 * password included, so a legitimate user behind the same address still
 * gets in while a guesser gets a few tries a second. While too many
 * requests wait already, the rest get 429 instead of holding a thread. */
static int address_delay(zq_ctx *c, int64_t over)
{
	int64_t ms = ADDR_DELAY_MS << (over > 6 ? 6 : over - 1);
	int limit = c->api->cfg->api_threads / 2 > 0 ? c->api->cfg->api_threads / 2 : 1;
	struct timespec ts;
	char hdr[24];

	if (ms > ADDR_DELAY_MAX_MS)
		ms = ADDR_DELAY_MAX_MS;
	if (atomic_fetch_add(&delayed, 1) >= limit) {
		atomic_fetch_sub(&delayed, 1);
		snprintf(hdr, sizeof(hdr), "%lld", (long long)(ms + 999) / 1000);
		zq_http_resp_header(c->resp, "Retry-After", hdr);
		return zq_errf(&c->err, ZQ_ERATE, "too many failed logins from your address; try "
			       "again in %lld s", (long long)(ms + 999) / 1000);
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	atomic_fetch_sub(&delayed, 1);
	return 0;
}

static void record_failure(zq_ctx *c, const char *username)
{
	zq_err e = ZQ_ERR_INIT;
	zq_audit a = {username, "login_failed", "user", 0, 0, NULL, c->req->remote_addr};
	char who[65];

	/* the name as sent, escaped and cut to the column (it may be anything) */
	zq_log_escape(username, strlen(username), who, sizeof(who));
	a.actor = who;
	audit_store_add(c->db, &a, &e);
	zq_info("LOGIN FAILED user=%s addr=%s", username, c->req->remote_addr); /* escaped */
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

/* Count the attempt against the user (or the unknown name) and the address
 * before any hash: at most api.login_max_failures passwords are checked per
 * subject and window, however many arrive at once. */
static int count_attempt(zq_ctx *c, const char *user_subj, const char *addr_subj)
{
	const zq_config *cfg = c->api->cfg;
	int64_t n_user = 0, n_addr = 0;
	int max = cfg->api_login_max_failures, rc;

	if (user_subj && (rc = user_store_login_attempt(c->db, user_subj, max, cfg->api_login_lockout,
							cfg->api_login_lockout, &n_user, &c->err)) < 0)
		return rc;
	if ((rc = user_store_login_attempt(c->db, addr_subj, max * ADDR_FACTOR,
					   cfg->api_login_lockout, cfg->api_login_lockout, &n_addr,
					   &c->err)) < 0)
		return rc;
	if (n_user > max) {
		zq_info("LOGIN LOCKED subject=%s addr=%s", user_subj, c->req->remote_addr);
		return too_many(c, user_subj);
	}
	if (n_addr > (int64_t)max * ADDR_FACTOR)
		return address_delay(c, n_addr - (int64_t)max * ADDR_FACTOR);
	return 0;
}

int auth_login(zq_ctx *c, const char *username, const char *password,
	       char token_out[ZQ_TOKEN_MAX], int64_t *expires_ms, zq_user *u)
{
	char user_subj[160], addr_subj[160];
	int rc, valid, found = 0, ok = 0;
	zq_err e = ZQ_ERR_INIT;

	snprintf(addr_subj, sizeof(addr_subj), "addr:%.64s", c->req->remote_addr);
	/* the rule names were created under: a name with control, format or
	 * other characters outside it is no user's (a wrong password, same cost) */
	valid = user_store_check_name(username, &e) == 0;
	if (valid) {
		rc = user_store_get_by_name(c->db, username, u, &e);
		if (rc < 0 && rc != ZQ_ENOTFOUND)
			return zq_errf(&c->err, rc, "%s", e.msg);
		found = rc == 0;
	}
	if (found) {
		snprintf(user_subj, sizeof(user_subj), "user:%lld", (long long)u->id);
	} else {
		size_t i;

		/* valid names are ASCII: lower-cased, one budget for every case */
		for (i = 0; valid && username[i] && i < 64; i++)
			user_subj[5 + i] = (char)tolower((unsigned char)username[i]);
		memcpy(user_subj, "name:", 5);
		user_subj[5 + i] = '\0';
	}
	if ((rc = count_attempt(c, valid ? user_subj : NULL, addr_subj)) < 0)
		goto out;
	if ((rc = verify(c, found, u, password, &ok)) < 0)
		goto out;
	if (!ok || u->disabled) {
		record_failure(c, username);
		rc = zq_errf(&c->err, ZQ_EAUTH, "incorrect username or password");
		goto out;
	}
	user_store_login_clear(c->db, user_subj, &e);
	user_store_login_forgive(c->db, addr_subj, &e);
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
