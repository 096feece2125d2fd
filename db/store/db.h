/* db.h - one MariaDB/MySQL connection per thread, prepared statements.
 *
 * A zq_db is owned by one thread. Sessions run with time_zone '+00:00',
 * utf8mb4, strict SQL mode and READ COMMITTED. When the server goes away the
 * connection is marked down; the next call reconnects, with exponential
 * backoff between attempts (100 ms .. 5 s), logging once per outage. A
 * statement that fails because the connection was lost outside a transaction
 * is retried once on a fresh connection, transparently.
 *
 * Statements are prepared once per connection and cached by their SQL text:
 * pass string literals (or stable text). Usage:
 *
 *   zq_stmt *st = zq_db_prepare(db, "SELECT name FROM scheduled_tasks WHERE id = ?", err);
 *   if (!st) return err->code;
 *   zq_stmt_bind_i64(st, 0, id);
 *   if ((rc = zq_stmt_exec(st, err)) < 0) goto out;
 *   while ((rc = zq_stmt_fetch(st)) > 0) use(zq_stmt_str(st, 0));
 * out:
 *   zq_stmt_done(st);
 *
 * Bound strings are borrowed: keep them alive until zq_stmt_exec returns.
 * Column values are valid until the next fetch or zq_stmt_done. Every
 * prepared statement must be finished with zq_stmt_done before the same SQL is
 * prepared again on that connection.
 *
 * The connection is db.c, its statements stmt.c, the shared helpers at the
 * end of this header db_util.c. */
#ifndef ZQ_DB_H
#define ZQ_DB_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

typedef struct zq_db zq_db;
typedef struct zq_stmt zq_stmt;

/* Process-wide client library set-up: call before threads, and at exit. */
void zq_db_library_init(void);
void zq_db_library_end(void);
/* Each thread that uses a connection calls these around its life. */
void zq_db_thread_init(void);
void zq_db_thread_end(void);

/* A handle for cfg (kept by pointer; must outlive the handle). Does not
 * connect. Never returns NULL. */
zq_db *zq_db_new(const zq_config *cfg);
void zq_db_free(zq_db *db);

/* Connect now. Errors: ZQ_EAUTH for bad credentials or unknown database (a
 * configuration mistake), ZQ_EDBDOWN when the server cannot be reached. */
int zq_db_connect(zq_db *db, zq_err *err);
/* Start-up connect: retry unreachable-server errors for up to wait_s seconds;
 * fail at once on credentials. */
int zq_db_connect_wait(zq_db *db, int wait_s, zq_err *err);
/* Round trip to the server, reconnecting if needed (health checks). */
int zq_db_ping(zq_db *db, zq_err *err);
int zq_db_is_up(const zq_db *db);
/* Server's error number of the last failure (0 if none), e.g. 1062. */
unsigned zq_db_errno(const zq_db *db);

/* Run SQL without parameters or results (DDL, SET, multi-statement when
 * multi is set). */
int zq_db_exec(zq_db *db, const char *sql, zq_err *err);
int zq_db_exec_multi(zq_db *db, const char *sql, zq_err *err);
int zq_db_begin(zq_db *db, zq_err *err);
int zq_db_commit(zq_db *db, zq_err *err);
/* Never fails visibly; safe to call when no transaction is open. */
void zq_db_rollback(zq_db *db);
int zq_db_in_transaction(const zq_db *db);

/* Prepared statements. Returns NULL and fills err on failure. */
zq_stmt *zq_db_prepare(zq_db *db, const char *sql, zq_err *err);
int zq_stmt_param_count(const zq_stmt *st);
/* Bind parameter i (0-based). Out-of-range indexes make exec fail EINVAL. */
void zq_stmt_bind_i64(zq_stmt *st, int i, int64_t v);
void zq_stmt_bind_double(zq_stmt *st, int i, double v);
void zq_stmt_bind_str(zq_stmt *st, int i, const char *s);   /* NULL -> SQL NULL */
void zq_stmt_bind_strn(zq_stmt *st, int i, const char *s, size_t n);
void zq_stmt_bind_blob(zq_stmt *st, int i, const void *p, size_t n);
void zq_stmt_bind_time(zq_stmt *st, int i, int64_t ms);     /* ZQ_TIME_NONE -> NULL */
void zq_stmt_bind_null(zq_stmt *st, int i);
void zq_stmt_bind_nonneg(zq_stmt *st, int i, int64_t v);  /* v < 0 -> NULL (db_util.c) */
/* Execute. Statements that return rows have them stored client-side.
 * Errors: ZQ_ECONFLICT (duplicate key), ZQ_EBUSY (deadlock or lock wait
 * timeout: retry the transaction), ZQ_EDBDOWN, ZQ_EDB. */
int zq_stmt_exec(zq_stmt *st, zq_err *err);
/* 1 = a row, 0 = no more rows, < 0 error. */
int zq_stmt_fetch(zq_stmt *st);
int zq_stmt_num_rows(const zq_stmt *st);
int zq_stmt_ncols(const zq_stmt *st);
int zq_stmt_isnull(const zq_stmt *st, int col);
int64_t zq_stmt_i64(const zq_stmt *st, int col);       /* 0 when NULL */
double zq_stmt_double(const zq_stmt *st, int col);     /* 0 when NULL */
const char *zq_stmt_str(zq_stmt *st, int col);         /* NULL when NULL */
size_t zq_stmt_len(zq_stmt *st, int col);
int64_t zq_stmt_time(const zq_stmt *st, int col);      /* ZQ_TIME_NONE when NULL */
uint64_t zq_stmt_affected(const zq_stmt *st);
uint64_t zq_stmt_insert_id(const zq_stmt *st);
/* Release the result; the statement stays prepared for reuse. NULL is ok. */
void zq_stmt_done(zq_stmt *st);

/* One-value helpers: run sql with up to one i64 parameter (pass
 * ZQ_NO_PARAM for none) and read column 0 of the first row. ZQ_ENOTFOUND
 * when there is no row. */
#define ZQ_NO_PARAM INT64_MIN
int zq_db_query_i64(zq_db *db, const char *sql, int64_t param, int64_t *out, zq_err *err);
/* The same shape for a one-column BIGINT result: its rows into ids (at most
 * max), *n of them (zq_stmt_fetch_ids). */
int zq_db_query_ids(zq_db *db, const char *sql, int64_t param, int64_t *ids, int max, int *n,
		    zq_err *err);

/* One row by id: bind id as st's parameter `param`, execute and fetch the
 * row. 0 with the row current (read it, then zq_stmt_done), ZQ_ENOTFOUND
 * "<what> <id> not found", or an error. */
int zq_stmt_one(zq_stmt *st, int param, int64_t id, const char *what, zq_err *err);
/* Execute st, an UPDATE of one row by id whose other parameters are bound:
 * ZQ_ENOTFOUND "<what> <id> not found" when it matched no row (the
 * connection uses CLIENT_FOUND_ROWS: affected = matched). Finishes st. */
int zq_stmt_exec_found(zq_stmt *st, int64_t id, const char *what, zq_err *err);

/* Run sql (no result rows) with one i64 parameter, the common "update or
 * delete by id" shape. *affected (may be NULL) gets the affected row count. */
int zq_db_exec_id(zq_db *db, const char *sql, int64_t id, uint64_t *affected, zq_err *err);

/* The same with one JSON text parameter: a batch read by JSON_TABLE(?, ...)
 * or a ZQ_DB_IDS_TABLE list. */
int zq_db_exec_json(zq_db *db, const char *sql, const char *json, uint64_t *affected,
		    zq_err *err);

/* A list of ids bound as one JSON parameter: "... FROM " ZQ_DB_IDS_TABLE
 * " STRAIGHT_JOIN t ON t.id = j.id" probes t from the list, whatever its
 * length, as one cached statement. zq_db_ids_json renders the parameter
 * (the caller frees it). */
#define ZQ_DB_IDS_TABLE "JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j"
char *zq_db_ids_json(const int64_t *ids, int n);

/* Sort ids ascending and drop duplicates (the order that keeps
 * transactions locking the same rows from deadlocking); returns the new
 * count. */
int zq_db_ids_sort_unique(int64_t *ids, int n);

/* Execute st, whose result is one BIGINT column, into ids (at most max);
 * *n receives how many. */
int zq_stmt_fetch_ids(zq_stmt *st, int64_t *ids, int max, int *n, zq_err *err);

/* Column col of the current row: a heap copy of its stored length (NULL
 * when NULL), or copied into dst of size n ("" when NULL, truncated to fit). */
char *zq_stmt_dup(zq_stmt *st, int col);
void zq_stmt_copy(zq_stmt *st, int col, char *dst, size_t n);

/* Capped counts (the API's listings): exact up to zq_db_count_limit(skip,
 * limit), that is ZQ_DB_COUNT_CAP, or one row past the page when the page
 * ends beyond it (so a pager always knows whether there is a next page).
 * zq_stmt_count_capped runs st, a "SELECT COUNT(*) FROM (SELECT ... LIMIT ?)
 * c" whose other parameters are bound, with cap + 1 bound at limit_param:
 * *total receives the count, or cap with *capped set when there are more.
 * It finishes st. */
#define ZQ_DB_COUNT_CAP 1000
int64_t zq_db_count_limit(int64_t skip, int64_t limit);
int zq_stmt_count_capped(zq_stmt *st, int limit_param, int64_t cap, int64_t *total,
			 int *capped, zq_err *err);

/* One page of a capped listing, the page first: st selects the rows with
 * its filter bound in parameters [0, bound) and "LIMIT ? OFFSET ?" next,
 * bound here. Each row is read by read into an elem-sized slot of the
 * calloc'ed *rows (*n of them; the caller frees it, also on error). Returns
 * 1 when the page itself gives the total (a page that is not full ends the
 * matches: *total = skip + n, a rare status or a short range needs no
 * count), 0 when only a count can (zq_stmt_count_capped), or a ZQ_E* code.
 * It finishes st. */
typedef void (*zq_row_read)(zq_stmt *st, void *row);
int zq_stmt_page(zq_stmt *st, int bound, int64_t limit, int64_t skip, size_t elem,
		 zq_row_read read, void **rows, int *n, int64_t *total, zq_err *err);

/* Server identity: "10.11.6-MariaDB..." and numeric version (101106). */
const char *zq_db_server_info(zq_db *db);
unsigned long zq_db_server_version(zq_db *db);

#endif
