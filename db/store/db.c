/* db.c - connection with reconnect/backoff and a per-connection statement
 * cache on top of the MariaDB C client's prepared statement API.
 *
 * Design: a zq_stmt outlives reconnects. On connection loss every MYSQL_STMT
 * is closed and the zq_stmt marked stale; the next use re-prepares it. That
 * is what lets zq_stmt_exec retry once, transparently, after the server went
 * away between two calls (an idle API thread after a MariaDB restart). */
#include "db.h"

#include <errmsg.h>
#include <errno.h>
#include <fcntl.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "timeutil.h"

#define STMT_CACHE_MAX 128
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define RBUF_KEEP 4096               /* column buffer bytes a cached statement keeps */
#define PROBE_MS 1000                /* the probe that finds why a connect failed */
#define WAIT_SAY_MS 5000             /* a start-up wait says it is still waiting this often */
#define WHERE_MAX (PATH_MAX + ZQ_CFG_STR + 16)

union param_val {
	long long i;
	double d;
	MYSQL_TIME t;
};

struct zq_stmt {
	zq_db *db;
	char *sql;
	MYSQL_STMT *ms;              /* NULL while stale */
	int nparams;
	MYSQL_BIND *pbind;
	union param_val *pval;
	unsigned long *plen;
	my_bool *pnull;
	int bad_bind;                /* a bind index was out of range */
	/* result: the arrays and column buffers are kept from one execute to
	 * the next (grown when a result needs more), not allocated per execute */
	int ncols;
	int rslots;                  /* columns the arrays below have room for */
	MYSQL_BIND *rbind;
	char **rbuf;                 /* per column storage */
	size_t *rcap;                /* its size */
	unsigned long *rlen;
	my_bool *rnull, *rerr;
	int has_result;
	int in_use;
	uint64_t affected, insert_id;
	uint64_t last_used;
};

struct zq_db {
	const zq_config *cfg;
	MYSQL *m;
	int up;
	int in_tx;
	unsigned last_errno;
	int64_t down_since_ms;       /* monotonic; 0 when up */
	int64_t next_attempt_ms;
	int backoff_ms;
	int outage_logged;
	char why[256];               /* why the last connect failed */
	zq_stmt *cache[STMT_CACHE_MAX];
	int ncache;
	uint64_t use_clock;
};

void zq_db_library_init(void)
{
	mysql_library_init(0, NULL, NULL);
}

void zq_db_library_end(void)
{
	mysql_library_end();
}

void zq_db_thread_init(void)
{
	mysql_thread_init();
}

void zq_db_thread_end(void)
{
	mysql_thread_end();
}

zq_db *zq_db_new(const zq_config *cfg)
{
	zq_db *db = zq_calloc(1, sizeof(*db));

	db->cfg = cfg;
	db->backoff_ms = BACKOFF_MIN_MS;
	return db;
}

static int is_conn_lost(unsigned e)
{
	switch (e) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_LOST_EXTENDED:
	case ER_CONNECTION_KILLED:
	case ER_SERVER_SHUTDOWN:
	case ER_NET_READ_ERROR:
	case ER_NET_ERROR_ON_WRITE:
	case 4031: /* disconnected by server because of inactivity */
		return 1;
	}
	return 0;
}

/* Release the result rows. The column buffers stay for the next execute,
 * except large ones (a result or an output tail): a cached statement keeps
 * at most RBUF_KEEP bytes per column between executes. */
static void stmt_free_result(zq_stmt *st)
{
	if (st->ms && st->has_result)
		mysql_stmt_free_result(st->ms);
	for (int i = 0; i < st->rslots; i++)
		if (st->rcap[i] > RBUF_KEEP) {
			free(st->rbuf[i]);
			st->rbuf[i] = NULL;
			st->rcap[i] = 0;
		}
	st->ncols = 0;
	st->has_result = 0;
}

static void stmt_free_buffers(zq_stmt *st)
{
	for (int i = 0; i < st->rslots; i++)
		free(st->rbuf[i]);
	free(st->rbuf);
	free(st->rcap);
	free(st->rbind);
	free(st->rlen);
	free(st->rnull);
	free(st->rerr);
	st->rbuf = NULL;
	st->rcap = NULL;
	st->rbind = NULL;
	st->rlen = NULL;
	st->rnull = st->rerr = NULL;
	st->rslots = 0;
}

static void stmt_close_handle(zq_stmt *st)
{
	stmt_free_result(st);
	stmt_free_buffers(st);
	if (st->ms)
		mysql_stmt_close(st->ms);
	st->ms = NULL;
}

static void stmt_destroy(zq_stmt *st)
{
	stmt_close_handle(st);
	free(st->pbind);
	free(st->pval);
	free(st->plen);
	free(st->pnull);
	free(st->sql);
	free(st);
}

/* Connection lost: drop the handle, keep the zq_stmts (stale). */
static void mark_down(zq_db *db, const char *why)
{
	for (int i = 0; i < db->ncache; i++)
		stmt_close_handle(db->cache[i]);
	if (db->m)
		mysql_close(db->m);
	db->m = NULL;
	db->in_tx = 0;
	if (db->up || !db->down_since_ms) {
		db->down_since_ms = zq_mono_ms();
		db->next_attempt_ms = 0;
		db->backoff_ms = BACKOFF_MIN_MS;
	}
	if (!db->outage_logged) {
		zq_warn("DB DOWN: %s", why);
		db->outage_logged = 1;
	}
	db->up = 0;
}

static int db_fail(zq_db *db, unsigned e, const char *msg, zq_err *err)
{
	db->last_errno = e;
	if (is_conn_lost(e)) {
		mark_down(db, msg);
		return zq_errf(err, ZQ_EDBDOWN, "database unavailable: %s", msg);
	}
	if (e == ER_DUP_ENTRY || e == ER_DUP_KEY)
		return zq_errf(err, ZQ_ECONFLICT, "%s", msg);
	if (e == ER_LOCK_DEADLOCK || e == ER_LOCK_WAIT_TIMEOUT)
		return zq_errf(err, ZQ_EBUSY, "%s", msg);
	if (e == ER_ROW_IS_REFERENCED_2 || e == ER_NO_REFERENCED_ROW_2)
		return zq_errf(err, ZQ_ECONFLICT, "%s", msg);
	return zq_errf(err, ZQ_EDB, "database error %u: %s", e, msg);
}

static int conn_fail(zq_db *db, zq_err *err)
{
	char msg[512];

	/* copy: a lost connection is closed (and its error text freed) in db_fail */
	zq_strlcpy(msg, mysql_error(db->m), sizeof(msg));
	return db_fail(db, mysql_errno(db->m), msg, err);
}

static int stmt_fail(zq_stmt *st, zq_err *err)
{
	unsigned e = mysql_stmt_errno(st->ms);
	char msg[512];

	zq_strlcpy(msg, mysql_stmt_error(st->ms), sizeof(msg));
	return db_fail(st->db, e, msg, err);
}

static const char *session_sql =
	"SET time_zone = '+00:00', "
	"sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
	"NO_ENGINE_SUBSTITUTION'";
static const char *isolation_sql = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";

/* Where a connection goes: the socket when one is set and the host is empty
 * or localhost, else host:port (127.0.0.1 when no host is set). *sockp and
 * *hostp receive what mysql_real_connect takes. */
static void conn_target(const zq_config *c, const char **hostp, const char **sockp, char *where,
			size_t n)
{
	const char *host = c->db_host[0] ? c->db_host : NULL;
	const char *sock = c->db_socket[0] ? c->db_socket : NULL;

	if (sock && (!host || strcmp(host, "localhost") == 0)) {
		host = "localhost";
		snprintf(where, n, "%s", sock);
	} else {
		sock = NULL;
		if (!host)
			host = "127.0.0.1";
		snprintf(where, n, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, c->db_port);
	}
	*hostp = host;
	*sockp = sock;
}

/* Wait up to ms for a non-blocking connect on fd: 0, or the errno. */
static int probe_fd(int fd, const struct sockaddr *sa, socklen_t len, int ms)
{
	struct pollfd pf = {fd, POLLOUT, 0};
	int e = 0;
	socklen_t el = sizeof(e);

	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return errno;
	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EAGAIN)
		return errno;
	if (poll(&pf, 1, ms) <= 0)
		return ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
		return errno;
	return e;
}

/* Why the server cannot be reached. The MariaDB client reports the errno of
 * its non-blocking connect (115, EINPROGRESS) instead of the outcome, so try
 * the same connect ourselves, briefly. Returns 1 with the reason in out, or 0
 * when the probe connects (the failure came later: keep the client's text). */
static int unreachable_why(const zq_config *c, const char *host, const char *sock, char *out,
			   size_t n)
{
	char port[16];
	struct addrinfo hints = {0}, *ai = NULL, *a;
	int rc, e = 0;

	if (sock) {
		struct sockaddr_un sun = {0};
		int fd;

		if (strlen(sock) >= sizeof(sun.sun_path)) {
			snprintf(out, n, "socket path too long");
			return 1;
		}
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, sock, strlen(sock) + 1);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			e = errno;
		else
			e = probe_fd(fd, (struct sockaddr *)&sun, sizeof(sun), PROBE_MS), close(fd);
	} else {
		snprintf(port, sizeof(port), "%d", c->db_port);
		hints.ai_socktype = SOCK_STREAM;
		if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
			snprintf(out, n, "unknown host (%s)", gai_strerror(rc));
			return 1;
		}
		e = ENOENT;
		for (a = ai; a && e; a = a->ai_next) {
			int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);

			if (fd < 0) {
				e = errno;
				continue;
			}
			e = probe_fd(fd, a->ai_addr, a->ai_addrlen, PROBE_MS);
			close(fd);
		}
		freeaddrinfo(ai);
	}
	if (!e)
		return 0;
	snprintf(out, n, "%s", strerror(e));
	return 1;
}

static int do_connect(zq_db *db, zq_err *err)
{
	const zq_config *c = db->cfg;
	unsigned int ct = (unsigned)c->db_connect_timeout, rw = (unsigned)c->db_rw_timeout;
	const char *host, *sock;
	char where[WHERE_MAX], why[256];
	unsigned e;
	int64_t t0;
	MYSQL *m = mysql_init(NULL);

	if (!m)
		return zq_errf(err, ZQ_EDB, "mysql_init failed");
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rw);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rw);
	mysql_options(m, MYSQL_INIT_COMMAND, session_sql);
	mysql_options(m, MYSQL_INIT_COMMAND, isolation_sql);
	conn_target(c, &host, &sock, where, sizeof(where));
	t0 = zq_mono_ms();
	if (!mysql_real_connect(m, host, c->db_user, c->db_password, c->db_name,
				(unsigned)c->db_port, sock, CLIENT_MULTI_RESULTS | CLIENT_FOUND_ROWS)) {
		e = mysql_errno(m);
		db->last_errno = e;
		/* Credentials or database name wrong: a configuration mistake that
		 * waiting will not fix. Anything else: the server is unreachable. */
		int code = (e == ER_ACCESS_DENIED_ERROR || e == ER_BAD_DB_ERROR ||
			    e == ER_DBACCESS_DENIED_ERROR || e == ER_ACCESS_DENIED_NO_PASSWORD_ERROR)
				   ? ZQ_EAUTH
				   : ZQ_EDBDOWN;
		snprintf(why, sizeof(why), "%s", mysql_error(m));
		if (code == ZQ_EAUTH) {
			zq_errf(err, code, "cannot connect to MariaDB at %s (database '%s', user '%s'): %s",
				where, c->db_name, c->db_user, why);
		} else {
			if (e == CR_CONN_HOST_ERROR || e == CR_CONNECTION_ERROR || e == CR_UNKNOWN_HOST) {
				if (zq_mono_ms() - t0 >= (int64_t)ct * 1000 - 100)
					snprintf(why, sizeof(why), "no answer within db.connect_timeout (%u s)", ct);
				else
					unreachable_why(c, host, sock, why, sizeof(why));
			}
			zq_errf(err, code, "cannot connect to MariaDB at %s: %s", where, why);
		}
		zq_strlcpy(db->why, why, sizeof(db->why));
		mysql_close(m);
		return code;
	}
	db->m = m;
	db->up = 1;
	db->in_tx = 0;
	if (db->outage_logged)
		zq_info("DB UP: reconnected after %lld ms",
			(long long)(zq_mono_ms() - db->down_since_ms));
	db->outage_logged = 0;
	db->down_since_ms = 0;
	db->backoff_ms = BACKOFF_MIN_MS;
	return 0;
}

int zq_db_connect(zq_db *db, zq_err *err)
{
	if (db->up)
		return 0;
	return do_connect(db, err);
}

int zq_db_connect_wait(zq_db *db, int wait_s, zq_err *err)
{
	int64_t start = zq_mono_ms(), deadline = start + (int64_t)wait_s * 1000, next_say = 0, now;
	zq_err e = ZQ_ERR_INIT;
	char where[WHERE_MAX];
	const char *host, *sock;
	int rc;

	conn_target(db->cfg, &host, &sock, where, sizeof(where));
	for (;;) {
		if ((rc = do_connect(db, &e)) != ZQ_EDBDOWN || (now = zq_mono_ms()) >= deadline)
			break;
		/* say so at once, then every WAIT_SAY_MS: a silent start-up
		 * looks hung */
		if (!next_say) {
			zq_warn("waiting up to %d s for the database at %s: %s", wait_s, where, db->why);
			next_say = now + WAIT_SAY_MS;
		} else if (now >= next_say) {
			zq_warn("still waiting for the database at %s (%lld s of %d s): %s", where,
				(long long)((now - start) / 1000), wait_s, db->why);
			next_say += WAIT_SAY_MS;
		}
		struct timespec ts = {0, 250 * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (rc == 0 && next_say)
		zq_info("the database at %s is up after %lld ms", where,
			(long long)(zq_mono_ms() - start));
	if (rc < 0 && err)
		*err = e;
	return rc;
}

/* Make sure there is a live connection, honouring the backoff. */
static int ensure(zq_db *db, zq_err *err)
{
	int64_t now;
	int rc;

	if (db->up)
		return 0;
	now = zq_mono_ms();
	if (now < db->next_attempt_ms)
		return zq_errf(err, ZQ_EDBDOWN, "database unavailable (retrying)");
	if ((rc = do_connect(db, err)) < 0) {
		if (!db->down_since_ms)
			db->down_since_ms = now;
		if (!db->outage_logged) {
			zq_warn("DB DOWN: %s", err ? err->msg : "connect failed");
			db->outage_logged = 1;
		}
		db->next_attempt_ms = now + db->backoff_ms;
		db->backoff_ms = db->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : db->backoff_ms * 2;
		if (err)
			err->code = ZQ_EDBDOWN;
		return ZQ_EDBDOWN;
	}
	return 0;
}

int zq_db_ping(zq_db *db, zq_err *err)
{
	int rc;

	if ((rc = ensure(db, err)) < 0)
		return rc;
	if (mysql_ping(db->m) != 0) {
		conn_fail(db, err);
		/* one immediate reconnect: the server may simply have restarted */
		db->next_attempt_ms = 0;
		if ((rc = ensure(db, err)) < 0)
			return rc;
		if (mysql_ping(db->m) != 0)
			return conn_fail(db, err);
	}
	return 0;
}

int zq_db_is_up(const zq_db *db)
{
	return db->up;
}

unsigned zq_db_errno(const zq_db *db)
{
	return db->last_errno;
}

static int exec_text(zq_db *db, const char *sql, int multi, zq_err *err)
{
	int rc, status;

	if ((rc = ensure(db, err)) < 0)
		return rc;
	if (multi)
		mysql_set_server_option(db->m, MYSQL_OPTION_MULTI_STATEMENTS_ON);
	if (mysql_real_query(db->m, sql, strlen(sql)) != 0) {
		rc = conn_fail(db, err);
		goto out;
	}
	do {
		MYSQL_RES *res = mysql_store_result(db->m);
		if (res)
			mysql_free_result(res);
		else if (mysql_field_count(db->m) != 0) {
			rc = conn_fail(db, err);
			goto out;
		}
		if ((status = mysql_next_result(db->m)) > 0) {
			rc = conn_fail(db, err);
			goto out;
		}
	} while (status == 0);
	db->last_errno = 0;
out:
	if (multi && db->up)
		mysql_set_server_option(db->m, MYSQL_OPTION_MULTI_STATEMENTS_OFF);
	return rc;
}

int zq_db_exec(zq_db *db, const char *sql, zq_err *err)
{
	return exec_text(db, sql, 0, err);
}

int zq_db_exec_multi(zq_db *db, const char *sql, zq_err *err)
{
	return exec_text(db, sql, 1, err);
}

int zq_db_begin(zq_db *db, zq_err *err)
{
	int rc;

	if (db->in_tx)
		return zq_errf(err, ZQ_EINTERNAL, "transaction already open");
	if ((rc = zq_db_exec(db, "START TRANSACTION", err)) < 0)
		return rc;
	db->in_tx = 1;
	return 0;
}

int zq_db_commit(zq_db *db, zq_err *err)
{
	int rc;

	if (!db->in_tx)
		return zq_errf(err, ZQ_EINTERNAL, "no transaction open");
	rc = zq_db_exec(db, "COMMIT", err);
	db->in_tx = 0;
	return rc;
}

void zq_db_rollback(zq_db *db)
{
	if (db->in_tx && db->up) {
		if (mysql_real_query(db->m, "ROLLBACK", 8) != 0)
			conn_fail(db, NULL);
	}
	db->in_tx = 0;
}

int zq_db_in_transaction(const zq_db *db)
{
	return db->in_tx;
}

/* Prepare st->sql on the current connection. */
static int stmt_prepare_handle(zq_stmt *st, zq_err *err)
{
	zq_db *db = st->db;
	int n;

	if (!(st->ms = mysql_stmt_init(db->m)))
		return conn_fail(db, err);
	if (mysql_stmt_prepare(st->ms, st->sql, strlen(st->sql)) != 0) {
		int rc = stmt_fail(st, err);
		if (st->ms)
			mysql_stmt_close(st->ms);
		st->ms = NULL;
		return rc;
	}
	n = (int)mysql_stmt_param_count(st->ms);
	if (!st->pbind) {
		st->nparams = n;
		st->pbind = zq_calloc((size_t)n + 1, sizeof(MYSQL_BIND));
		st->pval = zq_calloc((size_t)n + 1, sizeof(union param_val));
		st->plen = zq_calloc((size_t)n + 1, sizeof(unsigned long));
		st->pnull = zq_calloc((size_t)n + 1, sizeof(my_bool));
		for (int i = 0; i < n; i++) {
			st->pnull[i] = 1;
			st->pbind[i].buffer_type = MYSQL_TYPE_NULL;
			st->pbind[i].is_null = &st->pnull[i];
			st->pbind[i].length = &st->plen[i];
		}
	}
	return 0;
}

static zq_stmt *cache_find(zq_db *db, const char *sql)
{
	for (int i = 0; i < db->ncache; i++)
		if (db->cache[i]->sql == sql)
			return db->cache[i];
	for (int i = 0; i < db->ncache; i++)
		if (strcmp(db->cache[i]->sql, sql) == 0)
			return db->cache[i];
	return NULL;
}

static void cache_evict_one(zq_db *db)
{
	int victim = -1;

	for (int i = 0; i < db->ncache; i++)
		if (!db->cache[i]->in_use &&
		    (victim < 0 || db->cache[i]->last_used < db->cache[victim]->last_used))
			victim = i;
	if (victim < 0)
		return;
	stmt_destroy(db->cache[victim]);
	db->cache[victim] = db->cache[--db->ncache];
}

zq_stmt *zq_db_prepare(zq_db *db, const char *sql, zq_err *err)
{
	zq_stmt *st;

	if (ensure(db, err) < 0)
		return NULL;
	st = cache_find(db, sql);
	if (st && st->in_use) {
		zq_errf(err, ZQ_EINTERNAL, "statement still in use (missing zq_stmt_done): %.80s", sql);
		return NULL;
	}
	if (!st) {
		if (db->ncache == STMT_CACHE_MAX)
			cache_evict_one(db);
		if (db->ncache == STMT_CACHE_MAX) {
			zq_errf(err, ZQ_EINTERNAL, "too many statements in use");
			return NULL;
		}
		st = zq_calloc(1, sizeof(*st));
		st->db = db;
		st->sql = zq_strdup(sql);
		db->cache[db->ncache++] = st;
	}
	if (!st->ms && stmt_prepare_handle(st, err) < 0) {
		/* a bad statement must not stay cached */
		for (int i = 0; i < db->ncache; i++)
			if (db->cache[i] == st) {
				db->cache[i] = db->cache[--db->ncache];
				break;
			}
		stmt_destroy(st);
		return NULL;
	}
	st->in_use = 1;
	st->bad_bind = 0;
	st->last_used = ++db->use_clock;
	return st;
}

int zq_stmt_param_count(const zq_stmt *st)
{
	return st->nparams;
}

static MYSQL_BIND *param(zq_stmt *st, int i)
{
	if (i < 0 || i >= st->nparams) {
		st->bad_bind = 1;
		return NULL;
	}
	memset(&st->pbind[i], 0, sizeof(MYSQL_BIND));
	st->pbind[i].is_null = &st->pnull[i];
	st->pbind[i].length = &st->plen[i];
	st->pnull[i] = 0;
	return &st->pbind[i];
}

void zq_stmt_bind_i64(zq_stmt *st, int i, int64_t v)
{
	MYSQL_BIND *b = param(st, i);

	if (!b)
		return;
	st->pval[i].i = v;
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = &st->pval[i].i;
}

void zq_stmt_bind_double(zq_stmt *st, int i, double v)
{
	MYSQL_BIND *b = param(st, i);

	if (!b)
		return;
	st->pval[i].d = v;
	b->buffer_type = MYSQL_TYPE_DOUBLE;
	b->buffer = &st->pval[i].d;
}

void zq_stmt_bind_strn(zq_stmt *st, int i, const char *s, size_t n)
{
	MYSQL_BIND *b = param(st, i);

	if (!b)
		return;
	if (!s) {
		st->pnull[i] = 1;
		b->buffer_type = MYSQL_TYPE_NULL;
		return;
	}
	b->buffer_type = MYSQL_TYPE_STRING;
	b->buffer = (void *)s;
	b->buffer_length = n;
	st->plen[i] = n;
}

void zq_stmt_bind_str(zq_stmt *st, int i, const char *s)
{
	zq_stmt_bind_strn(st, i, s, s ? strlen(s) : 0);
}

void zq_stmt_bind_blob(zq_stmt *st, int i, const void *p, size_t n)
{
	zq_stmt_bind_strn(st, i, p, n);
	if (i >= 0 && i < st->nparams && p)
		st->pbind[i].buffer_type = MYSQL_TYPE_BLOB;
}

void zq_stmt_bind_time(zq_stmt *st, int i, int64_t ms)
{
	MYSQL_BIND *b;
	zq_civil c;

	if (ms == ZQ_TIME_NONE) {
		zq_stmt_bind_null(st, i);
		return;
	}
	if (!(b = param(st, i)))
		return;
	zq_ms_to_civil(ms, &c);
	memset(&st->pval[i].t, 0, sizeof(MYSQL_TIME));
	st->pval[i].t.year = (unsigned)c.year;
	st->pval[i].t.month = (unsigned)c.month;
	st->pval[i].t.day = (unsigned)c.mday;
	st->pval[i].t.hour = (unsigned)c.hour;
	st->pval[i].t.minute = (unsigned)c.min;
	st->pval[i].t.second = (unsigned)c.sec;
	st->pval[i].t.second_part = (unsigned long)c.ms * 1000;
	st->pval[i].t.time_type = MYSQL_TIMESTAMP_DATETIME;
	b->buffer_type = MYSQL_TYPE_DATETIME;
	b->buffer = &st->pval[i].t;
}

void zq_stmt_bind_null(zq_stmt *st, int i)
{
	MYSQL_BIND *b = param(st, i);

	if (!b)
		return;
	st->pnull[i] = 1;
	b->buffer_type = MYSQL_TYPE_NULL;
}

static enum enum_field_types result_type(enum enum_field_types t)
{
	switch (t) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_YEAR:
	case MYSQL_TYPE_BIT:
		return MYSQL_TYPE_LONGLONG;
	case MYSQL_TYPE_FLOAT:
	case MYSQL_TYPE_DOUBLE:
		return MYSQL_TYPE_DOUBLE;
	case MYSQL_TYPE_DATE:
	case MYSQL_TYPE_DATETIME:
	case MYSQL_TYPE_TIMESTAMP:
		return MYSQL_TYPE_DATETIME;
	default:
		return MYSQL_TYPE_STRING;
	}
}

/* Room for n result columns in the per-statement arrays. */
static void result_slots(zq_stmt *st, int n)
{
	size_t k = (size_t)n;

	if (n <= st->rslots)
		return;
	st->rbind = zq_realloc(st->rbind, k * sizeof(MYSQL_BIND));
	st->rbuf = zq_realloc(st->rbuf, k * sizeof(char *));
	st->rcap = zq_realloc(st->rcap, k * sizeof(size_t));
	st->rlen = zq_realloc(st->rlen, k * sizeof(unsigned long));
	st->rnull = zq_realloc(st->rnull, k * sizeof(my_bool));
	st->rerr = zq_realloc(st->rerr, k * sizeof(my_bool));
	for (int i = st->rslots; i < n; i++) {
		st->rbuf[i] = NULL;
		st->rcap[i] = 0;
	}
	st->rslots = n;
}

/* Bind result buffers sized from the stored result's max_length (reusing
 * the previous execute's buffers when they are large enough). */
static int stmt_bind_result(zq_stmt *st, zq_err *err)
{
	MYSQL_RES *meta = mysql_stmt_result_metadata(st->ms);
	MYSQL_FIELD *f;
	int n;

	if (!meta)
		return 0;
	n = (int)mysql_num_fields(meta);
	f = mysql_fetch_fields(meta);
	result_slots(st, n);
	st->ncols = n;
	memset(st->rbind, 0, (size_t)n * sizeof(MYSQL_BIND));
	memset(st->rlen, 0, (size_t)n * sizeof(unsigned long));
	memset(st->rnull, 0, (size_t)n * sizeof(my_bool));
	memset(st->rerr, 0, (size_t)n * sizeof(my_bool));
	for (int i = 0; i < n; i++) {
		MYSQL_BIND *b = &st->rbind[i];
		size_t sz;
		b->buffer_type = result_type(f[i].type);
		if (b->buffer_type == MYSQL_TYPE_LONGLONG) {
			sz = sizeof(long long);
			b->is_unsigned = (f[i].flags & UNSIGNED_FLAG) != 0;
		} else if (b->buffer_type == MYSQL_TYPE_DOUBLE) {
			sz = sizeof(double);
		} else if (b->buffer_type == MYSQL_TYPE_DATETIME) {
			sz = sizeof(MYSQL_TIME);
		} else {
			sz = f[i].max_length + 1;
		}
		if (st->rcap[i] < sz + 1) {
			free(st->rbuf[i]);
			st->rbuf[i] = zq_calloc(1, sz + 1);
			st->rcap[i] = sz + 1;
		}
		b->buffer = st->rbuf[i];
		b->buffer_length = sz;
		b->length = &st->rlen[i];
		b->is_null = &st->rnull[i];
		b->error = &st->rerr[i];
	}
	mysql_free_result(meta);
	if (mysql_stmt_bind_result(st->ms, st->rbind) != 0)
		return stmt_fail(st, err);
	return 0;
}

static int exec_once(zq_stmt *st, zq_err *err)
{
	my_bool one = 1;
	int rc;

	if (!st->ms && (rc = stmt_prepare_handle(st, err)) < 0)
		return rc;
	stmt_free_result(st);
	if (st->nparams && mysql_stmt_bind_param(st->ms, st->pbind) != 0)
		return stmt_fail(st, err);
	if (mysql_stmt_execute(st->ms) != 0)
		return stmt_fail(st, err);
	st->affected = mysql_stmt_affected_rows(st->ms);
	st->insert_id = mysql_stmt_insert_id(st->ms);
	if (mysql_stmt_field_count(st->ms) == 0)
		return 0;
	mysql_stmt_attr_set(st->ms, STMT_ATTR_UPDATE_MAX_LENGTH, &one);
	if (mysql_stmt_store_result(st->ms) != 0)
		return stmt_fail(st, err);
	st->has_result = 1;
	return stmt_bind_result(st, err);
}

int zq_stmt_exec(zq_stmt *st, zq_err *err)
{
	zq_db *db = st->db;
	int rc, in_tx;

	if (st->bad_bind)
		return zq_errf(err, ZQ_EINVAL, "parameter index out of range for: %.80s", st->sql);
	if ((rc = ensure(db, err)) < 0)
		return rc;
	in_tx = db->in_tx;  /* a lost connection clears it: never retry outside the transaction */
	rc = exec_once(st, err);
	if (rc == ZQ_EDBDOWN && !in_tx) {
		/* The server went away since our last call: one fresh try. */
		db->next_attempt_ms = 0;
		if (ensure(db, err) == 0)
			rc = exec_once(st, err);
	}
	if (rc == 0)
		db->last_errno = 0;
	return rc;
}

int zq_stmt_fetch(zq_stmt *st)
{
	int r;

	if (!st->has_result)
		return 0;
	r = mysql_stmt_fetch(st->ms);
	if (r == 0 || r == MYSQL_DATA_TRUNCATED)
		return 1;
	if (r == MYSQL_NO_DATA)
		return 0;
	stmt_fail(st, NULL);
	return ZQ_EDB;
}

int zq_stmt_num_rows(const zq_stmt *st)
{
	return st->has_result ? (int)mysql_stmt_num_rows(st->ms) : 0;
}

int zq_stmt_ncols(const zq_stmt *st)
{
	return st->ncols;
}

int zq_stmt_isnull(const zq_stmt *st, int col)
{
	return col < 0 || col >= st->ncols || st->rnull[col];
}

int64_t zq_stmt_i64(const zq_stmt *st, int col)
{
	if (zq_stmt_isnull(st, col))
		return 0;
	switch (st->rbind[col].buffer_type) {
	case MYSQL_TYPE_LONGLONG:
		return *(long long *)(void *)st->rbuf[col];
	case MYSQL_TYPE_DOUBLE:
		return (int64_t)*(double *)(void *)st->rbuf[col];
	case MYSQL_TYPE_STRING:
		return strtoll(st->rbuf[col], NULL, 10);
	default:
		return 0;
	}
}

double zq_stmt_double(const zq_stmt *st, int col)
{
	if (zq_stmt_isnull(st, col))
		return 0;
	switch (st->rbind[col].buffer_type) {
	case MYSQL_TYPE_LONGLONG:
		return (double)*(long long *)(void *)st->rbuf[col];
	case MYSQL_TYPE_DOUBLE:
		return *(double *)(void *)st->rbuf[col];
	case MYSQL_TYPE_STRING:
		return strtod(st->rbuf[col], NULL);
	default:
		return 0;
	}
}

const char *zq_stmt_str(zq_stmt *st, int col)
{
	if (zq_stmt_isnull(st, col))
		return NULL;
	if (st->rbind[col].buffer_type == MYSQL_TYPE_STRING) {
		size_t n = st->rlen[col] < st->rbind[col].buffer_length ? st->rlen[col]
									 : st->rbind[col].buffer_length;
		st->rbuf[col][n] = '\0';
		return st->rbuf[col];
	}
	return NULL; /* numbers and times: use the typed accessors */
}

size_t zq_stmt_len(zq_stmt *st, int col)
{
	return zq_stmt_isnull(st, col) ? 0 : st->rlen[col];
}

int64_t zq_stmt_time(const zq_stmt *st, int col)
{
	const MYSQL_TIME *t;
	zq_civil c;

	if (zq_stmt_isnull(st, col) || st->rbind[col].buffer_type != MYSQL_TYPE_DATETIME)
		return ZQ_TIME_NONE;
	t = (const MYSQL_TIME *)(const void *)st->rbuf[col];
	if (t->year == 0 && t->month == 0)
		return ZQ_TIME_NONE;
	c.year = (int)t->year;
	c.month = (int)(t->month ? t->month : 1);
	c.mday = (int)(t->day ? t->day : 1);
	c.hour = (int)t->hour;
	c.min = (int)t->minute;
	c.sec = (int)t->second;
	c.ms = (int)(t->second_part / 1000);
	return zq_civil_to_ms(&c);
}

uint64_t zq_stmt_affected(const zq_stmt *st)
{
	return st->affected;
}

uint64_t zq_stmt_insert_id(const zq_stmt *st)
{
	return st->insert_id;
}

void zq_stmt_done(zq_stmt *st)
{
	if (!st)
		return;
	/* No mysql_stmt_reset(): in Connector/C it sends COM_STMT_RESET, a
	 * second round trip per statement; the result is stored client-side
	 * and freed here, and no long data is ever sent, so nothing on the
	 * server needs resetting before the next execute. */
	stmt_free_result(st);
	st->in_use = 0;
}

int zq_db_query_i64(zq_db *db, const char *sql, int64_t param, int64_t *out, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc;

	if (!st)
		return err ? err->code : ZQ_EDB;
	if (param != ZQ_NO_PARAM)
		zq_stmt_bind_i64(st, 0, param);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) <= 0) {
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed")
			    : zq_errf(err, ZQ_ENOTFOUND, "no row");
		goto out;
	}
	*out = zq_stmt_i64(st, 0);
	rc = 0;
out:
	zq_stmt_done(st);
	return rc;
}

int zq_db_exec_id(zq_db *db, const char *sql, int64_t id, uint64_t *affected, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc;

	if (!st)
		return err ? err->code : ZQ_EDB;
	zq_stmt_bind_i64(st, 0, id);
	rc = zq_stmt_exec(st, err);
	if (affected)
		*affected = rc == 0 ? zq_stmt_affected(st) : 0;
	zq_stmt_done(st);
	return rc;
}

int zq_db_exec_json(zq_db *db, const char *sql, const char *json, uint64_t *affected,
		    zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc;

	if (!st)
		return err ? err->code : ZQ_EDB;
	zq_stmt_bind_str(st, 0, json);
	rc = zq_stmt_exec(st, err);
	if (affected)
		*affected = rc == 0 ? zq_stmt_affected(st) : 0;
	zq_stmt_done(st);
	return rc;
}

char *zq_db_ids_json(const int64_t *ids, int n)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);

	zq_buf_putc(&b, '[');
	for (int i = 0; i < n; i++)
		zq_buf_printf(&b, "%s%lld", i ? "," : "", (long long)ids[i]);
	zq_buf_putc(&b, ']');
	return zq_buf_detach(&b, NULL);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int zq_db_ids_sort_unique(int64_t *ids, int n)
{
	int k = 0;

	if (n <= 0)
		return 0;
	qsort(ids, (size_t)n, sizeof(int64_t), cmp_i64);
	for (int i = 0; i < n; i++)
		if (k == 0 || ids[k - 1] != ids[i])
			ids[k++] = ids[i];
	return k;
}

int zq_stmt_fetch_ids(zq_stmt *st, int64_t *ids, int max, int *n, zq_err *err)
{
	int rc;

	*n = 0;
	if ((rc = zq_stmt_exec(st, err)) < 0)
		return rc;
	while (*n < max && (rc = zq_stmt_fetch(st)) > 0)
		ids[(*n)++] = zq_stmt_i64(st, 0);
	return rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
}

const char *zq_db_server_info(zq_db *db)
{
	return db->m ? mysql_get_server_info(db->m) : "";
}

unsigned long zq_db_server_version(zq_db *db)
{
	return db->m ? mysql_get_server_version(db->m) : 0;
}

void zq_db_free(zq_db *db)
{
	if (!db)
		return;
	for (int i = 0; i < db->ncache; i++)
		stmt_destroy(db->cache[i]);
	if (db->m)
		mysql_close(db->m);
	free(db);
}
