/* db.c - the connection (db.h): connect with reconnect/backoff, errors,
 * text statements and transactions, on the MariaDB C client. Its prepared
 * statements are stmt.c; the shared helpers db_util.c.
 *
 * Design: a zq_stmt outlives reconnects. On connection loss every MYSQL_STMT
 * is closed and the zq_stmt marked stale; the next use re-prepares it. That
 * is what lets zq_stmt_exec retry once, transparently, after the server went
 * away between two calls (an idle API thread after a MariaDB restart). */
#include "db_impl.h"

#include <errmsg.h>
#include <errno.h>
#include <fcntl.h>
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

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define PROBE_MS 1000                /* the probe that finds why a connect failed */
#define WAIT_SAY_MS 5000             /* a start-up wait says it is still waiting this often */
#define WHERE_MAX (PATH_MAX + ZQ_CFG_STR + 16)

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

int db_fail(zq_db *db, unsigned e, const char *msg, zq_err *err)
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

int db_conn_fail(zq_db *db, zq_err *err)
{
	char msg[512];

	/* copy: a lost connection is closed (and its error text freed) in db_fail */
	zq_strlcpy(msg, mysql_error(db->m), sizeof(msg));
	return db_fail(db, mysql_errno(db->m), msg, err);
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
int db_ensure(zq_db *db, zq_err *err)
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

	if ((rc = db_ensure(db, err)) < 0)
		return rc;
	if (mysql_ping(db->m) != 0) {
		db_conn_fail(db, err);
		/* one immediate reconnect: the server may simply have restarted */
		db->next_attempt_ms = 0;
		if ((rc = db_ensure(db, err)) < 0)
			return rc;
		if (mysql_ping(db->m) != 0)
			return db_conn_fail(db, err);
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

	if ((rc = db_ensure(db, err)) < 0)
		return rc;
	if (multi)
		mysql_set_server_option(db->m, MYSQL_OPTION_MULTI_STATEMENTS_ON);
	if (mysql_real_query(db->m, sql, strlen(sql)) != 0) {
		rc = db_conn_fail(db, err);
		goto out;
	}
	do {
		MYSQL_RES *res = mysql_store_result(db->m);
		if (res)
			mysql_free_result(res);
		else if (mysql_field_count(db->m) != 0) {
			rc = db_conn_fail(db, err);
			goto out;
		}
		if ((status = mysql_next_result(db->m)) > 0) {
			rc = db_conn_fail(db, err);
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
			db_conn_fail(db, NULL);
	}
	db->in_tx = 0;
}

int zq_db_in_transaction(const zq_db *db)
{
	return db->in_tx;
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
