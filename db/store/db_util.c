/* db_util.c - the small helpers every store shares (db.h), one copy each:
 * one-statement shortcuts (one value, exec by id, exec with one JSON batch
 * parameter), id lists as JSON, column copies, the bind of a value that may
 * be absent, and the capped pages and counts of the API's listings. */
#include "db.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

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

int zq_db_query_ids(zq_db *db, const char *sql, int64_t param, int64_t *ids, int max, int *n,
		    zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	if (param != ZQ_NO_PARAM)
		zq_stmt_bind_i64(st, 0, param);
	rc = zq_stmt_fetch_ids(st, ids, max, n, err);
	zq_stmt_done(st);
	return rc;
}

int zq_stmt_one(zq_stmt *st, int param, int64_t id, const char *what, zq_err *err)
{
	int rc;

	zq_stmt_bind_i64(st, param, id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		return rc;
	if ((rc = zq_stmt_fetch(st)) > 0)
		return 0;
	return rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed")
		      : zq_errf(err, ZQ_ENOTFOUND, "%s %lld not found", what, (long long)id);
}

int zq_stmt_exec_found(zq_stmt *st, int64_t id, const char *what, zq_err *err)
{
	int rc = zq_stmt_exec(st, err);

	if (rc == 0 && zq_stmt_affected(st) == 0)
		rc = zq_errf(err, ZQ_ENOTFOUND, "%s %lld not found", what, (long long)id);
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

char *zq_stmt_dup(zq_stmt *st, int col)
{
	const char *s = zq_stmt_str(st, col);

	return s ? zq_strndup(s, zq_stmt_len(st, col)) : NULL;
}

void zq_stmt_copy(zq_stmt *st, int col, char *dst, size_t n)
{
	const char *s = zq_stmt_str(st, col);

	zq_strlcpy(dst, s ? s : "", n);
}

int64_t zq_db_count_limit(int64_t skip, int64_t limit)
{
	int64_t page_end = skip + limit + 1;

	return page_end > ZQ_DB_COUNT_CAP ? page_end : ZQ_DB_COUNT_CAP;
}

int zq_stmt_count_capped(zq_stmt *st, int limit_param, int64_t cap, int64_t *total,
			 int *capped, zq_err *err)
{
	int rc;

	zq_stmt_bind_i64(st, limit_param, cap + 1);
	if ((rc = zq_stmt_exec(st, err)) == 0 && (rc = zq_stmt_fetch(st)) > 0) {
		*total = zq_stmt_i64(st, 0);
		rc = 0;
	} else if (rc >= 0) {
		rc = zq_errf(err, ZQ_EDB, "count failed");
	}
	zq_stmt_done(st);
	*capped = rc == 0 && *total > cap;
	if (*capped)
		*total = cap;
	return rc;
}

int zq_stmt_page(zq_stmt *st, int bound, int64_t limit, int64_t skip, size_t elem,
		 zq_row_read read, void **rows, int *n, int64_t *total, zq_err *err)
{
	char *out = NULL;
	int rc, cap = 0;

	*n = 0;
	zq_stmt_bind_i64(st, bound, limit);
	zq_stmt_bind_i64(st, bound + 1, skip);
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		cap = zq_stmt_num_rows(st);
		out = zq_calloc((size_t)cap + 1, elem);
		while (*n < cap && (rc = zq_stmt_fetch(st)) > 0)
			read(st, out + (size_t)(*n)++ * elem);
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
	}
	zq_stmt_done(st);
	*rows = out;
	if (rc < 0)
		return rc;
	/* a page that is not full ends the matching rows: exact, no count */
	if (*n < limit && (*n > 0 || skip == 0)) {
		*total = skip + *n;
		return 1;
	}
	return 0;
}

void zq_stmt_bind_nonneg(zq_stmt *st, int i, int64_t v)
{
	if (v < 0)
		zq_stmt_bind_null(st, i);
	else
		zq_stmt_bind_i64(st, i, v);
}
