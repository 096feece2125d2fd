/* stmt.c - prepared statements on a zq_db (db.h): the per-connection
 * statement cache, parameter binds, result buffers, execute (with the one
 * transparent retry after a lost connection) and the column accessors.
 *
 * Design: a zq_stmt outlives reconnects. On connection loss every MYSQL_STMT
 * is closed and the zq_stmt marked stale (db.c); the next use re-prepares
 * it here. */
#include "db_impl.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "timeutil.h"

#define RBUF_KEEP 4096               /* column buffer bytes a cached statement keeps */

/* Release the result rows. The column buffers stay for the next execute,
 * except large ones (a result or an output tail): a cached statement keeps
 * at most RBUF_KEEP bytes per column between executes. */
static void stmt_free_result(zq_stmt *st)
{
	if (st->ms && st->has_result)
		mysql_stmt_free_result(st->ms);
	for (size_t i = 0; i < st->rslots; i++)
		if (st->rcol[i].cap > RBUF_KEEP) {
			free(st->rcol[i].buf);
			st->rcol[i].buf = NULL;
			st->rcol[i].cap = 0;
		}
	st->ncols = 0;
	st->has_result = 0;
}

static void stmt_free_buffers(zq_stmt *st)
{
	for (size_t i = 0; i < st->rslots; i++)
		free(st->rcol[i].buf);
	free(st->rcol);
	free(st->rbind);
	st->rcol = NULL;
	st->rbind = NULL;
	st->rslots = st->rbind_cap = 0;
}

void stmt_close_handle(zq_stmt *st)
{
	stmt_free_result(st);
	stmt_free_buffers(st);
	if (st->ms)
		mysql_stmt_close(st->ms);
	st->ms = NULL;
}

void stmt_destroy(zq_stmt *st)
{
	stmt_close_handle(st);
	free(st->pbind);
	free(st->pval);
	free(st->plen);
	free(st->pnull);
	free(st->sql);
	free(st);
}

static int stmt_fail(zq_stmt *st, zq_err *err)
{
	unsigned e = mysql_stmt_errno(st->ms);
	char msg[512];

	zq_strlcpy(msg, mysql_stmt_error(st->ms), sizeof(msg));
	return db_fail(st->db, e, msg, err);
}

/* Prepare st->sql on the current connection. */
static int stmt_prepare_handle(zq_stmt *st, zq_err *err)
{
	zq_db *db = st->db;
	int n;

	if (!(st->ms = mysql_stmt_init(db->m)))
		return db_conn_fail(db, err);
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

	if (db_ensure(db, err) < 0)
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

/* Room for n result columns in the per-statement arrays; new columns
 * start without storage. */
static void result_slots(zq_stmt *st, int n)
{
	size_t old = st->rslots;

	st->rbind = zq_grow(st->rbind, &st->rbind_cap, (size_t)n, sizeof(*st->rbind));
	st->rcol = zq_grow(st->rcol, &st->rslots, (size_t)n, sizeof(*st->rcol));
	if (st->rslots > old)
		memset(&st->rcol[old], 0, (st->rslots - old) * sizeof(*st->rcol));
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
	for (int i = 0; i < n; i++) {
		MYSQL_BIND *b = &st->rbind[i];
		struct zq_col *c = &st->rcol[i];
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
		c->len = 0;
		c->null = c->err = 0;
		if (c->cap < sz + 1) {
			free(c->buf);
			c->buf = zq_calloc(1, sz + 1);
			c->cap = sz + 1;
		}
		b->buffer = c->buf;
		b->buffer_length = sz;
		b->length = &c->len;
		b->is_null = &c->null;
		b->error = &c->err;
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
	if ((rc = db_ensure(db, err)) < 0)
		return rc;
	in_tx = db->in_tx;  /* a lost connection clears it: never retry outside the transaction */
	rc = exec_once(st, err);
	if (rc == ZQ_EDBDOWN && !in_tx) {
		/* The server went away since our last call: one fresh try. */
		db->next_attempt_ms = 0;
		if (db_ensure(db, err) == 0)
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
	return col < 0 || col >= st->ncols || st->rcol[col].null;
}

int64_t zq_stmt_i64(const zq_stmt *st, int col)
{
	if (zq_stmt_isnull(st, col))
		return 0;
	switch (st->rbind[col].buffer_type) {
	case MYSQL_TYPE_LONGLONG:
		return *(long long *)(void *)st->rcol[col].buf;
	case MYSQL_TYPE_DOUBLE:
		return (int64_t)*(double *)(void *)st->rcol[col].buf;
	case MYSQL_TYPE_STRING:
		return strtoll(st->rcol[col].buf, NULL, 10);
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
		return (double)*(long long *)(void *)st->rcol[col].buf;
	case MYSQL_TYPE_DOUBLE:
		return *(double *)(void *)st->rcol[col].buf;
	case MYSQL_TYPE_STRING:
		return strtod(st->rcol[col].buf, NULL);
	default:
		return 0;
	}
}

const char *zq_stmt_str(zq_stmt *st, int col)
{
	if (zq_stmt_isnull(st, col))
		return NULL;
	if (st->rbind[col].buffer_type == MYSQL_TYPE_STRING) {
		size_t n = st->rcol[col].len < st->rbind[col].buffer_length ? st->rcol[col].len
									 : st->rbind[col].buffer_length;
		st->rcol[col].buf[n] = '\0';
		return st->rcol[col].buf;
	}
	return NULL; /* numbers and times: use the typed accessors */
}

size_t zq_stmt_len(zq_stmt *st, int col)
{
	return zq_stmt_isnull(st, col) ? 0 : st->rcol[col].len;
}

int64_t zq_stmt_time(const zq_stmt *st, int col)
{
	const MYSQL_TIME *t;
	zq_civil c;

	if (zq_stmt_isnull(st, col) || st->rbind[col].buffer_type != MYSQL_TYPE_DATETIME)
		return ZQ_TIME_NONE;
	t = (const MYSQL_TIME *)(const void *)st->rcol[col].buf;
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
