/* audit_store.h - the audit log: who did what to which task, when, from
 * where. Rows are written inside the transaction of the change they record
 * (so a change and its audit row commit or vanish together) and read newest
 * first. Details carry field names, never values (values may hold secrets). */
#ifndef ZQ_AUDIT_STORE_H
#define ZQ_AUDIT_STORE_H

#include <stdint.h>

#include "db.h"

typedef struct zq_audit {
	const char *actor;        /* username or "token:NAME"; NULL = unknown */
	const char *action;       /* create update delete enable disable pause resume
				   * trigger cancel login login_failed logout
				   * user_create user_update user_delete token_create
				   * token_delete */
	const char *target_type;  /* task | execution | user | token | NULL */
	int64_t target_id;        /* 0 = none */
	int64_t task_id;          /* 0 = none */
	const char *detail;       /* NULL = none */
	const char *client_addr;  /* NULL = unknown */
} zq_audit;

int audit_store_add(zq_db *db, const zq_audit *a, zq_err *err);

typedef struct audit_store_filter {
	int64_t task_id;          /* 0 = any */
	const char *actor;        /* NULL = any */
	const char *action;       /* NULL = any */
	int64_t from_ms, to_ms;   /* ZQ_TIME_NONE = open */
	int64_t skip, limit;
} audit_store_filter;

typedef struct audit_store_row {
	int64_t id;
	int64_t at_ms;
	char actor[65];
	char action[33];
	char target_type[17];
	int64_t target_id;        /* 0 = none */
	int64_t task_id;          /* 0 = none */
	char *detail;             /* heap or NULL */
	char client_addr[65];
} audit_store_row;

/* A page newest first (by at, then id) and the number of matching rows:
 * exact up to 1,000, or one row past the page when it ends beyond that;
 * beyond, *total is that limit and *total_capped is set. rows: free with
 * audit_store_rows_free. */
int audit_store_list(zq_db *db, const audit_store_filter *f, audit_store_row **rows, int *n,
		     int64_t *total, int *total_capped, zq_err *err);
void audit_store_rows_free(audit_store_row *rows, int n);

#endif
