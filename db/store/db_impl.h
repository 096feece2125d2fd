/* db_impl.h - what db.c (the connection) and stmt.c (its prepared
 * statements) share: the two handles and the calls one makes into the
 * other. Not for stores: they use db.h. */
#ifndef ZQ_DB_IMPL_H
#define ZQ_DB_IMPL_H

#include <mysql.h>

#include "db.h"

#define STMT_CACHE_MAX 128

union param_val {
	long long i;
	double d;
	MYSQL_TIME t;
};

/* One result column's storage, kept from one execute to the next. */
struct zq_col {
	char *buf;
	size_t cap;                  /* bytes in buf */
	unsigned long len;
	my_bool null, err;
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
	size_t rslots;               /* columns rcol has room for */
	size_t rbind_cap;            /* columns rbind has room for */
	MYSQL_BIND *rbind;
	struct zq_col *rcol;
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

/* db.c: a live connection (reconnecting, with backoff); a failure with
 * server error e (a lost connection marks the handle down); the
 * connection's last error. */
int db_ensure(zq_db *db, zq_err *err);
int db_fail(zq_db *db, unsigned e, const char *msg, zq_err *err);
int db_conn_fail(zq_db *db, zq_err *err);

/* stmt.c: close a statement's server handle (it turns stale), or free it. */
void stmt_close_handle(zq_stmt *st);
void stmt_destroy(zq_stmt *st);

#endif
