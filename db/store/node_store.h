/* node_store.h - scheduler_nodes: one row per zq-scheduler process, its
 * heartbeat (database clock) and load; how daemons learn that another one
 * is gone (the scheduler's writes), and the API's list of nodes. */
#ifndef ZQ_NODE_STORE_H
#define ZQ_NODE_STORE_H

#include <stdint.h>

#include "db.h"

/* Insert this process's row (state running, heartbeat now); *id receives
 * its id. */
int node_store_register(zq_db *db, const char *name, const char *host, int pid,
			const char *version, int threads, int64_t *id, zq_err *err);
/* Heartbeat: state ("running" | "stopping" | "stopped"), threads, busy.
 * "stopped" also sets stopped_at. ZQ_ENOTFOUND when the row is gone. */
int node_store_heartbeat(zq_db *db, int64_t id, const char *state, int threads, int busy,
			 zq_err *err);
/* Mark nodes silent for more than lease_s seconds 'lost'; *n how many. */
int node_store_mark_lost(zq_db *db, int lease_s, int *n, zq_err *err);
/* Delete rows of stopped or lost nodes older than keep_days. */
int node_store_purge(zq_db *db, int keep_days, int *n, zq_err *err);

/* ---- the API's read ------------------------------------------------------- */

typedef struct hist_node {
	int64_t id;
	char name[256], host[256], version[33], state[17];
	int pid, threads, busy;
	int64_t running;                 /* executions running on it */
	int64_t started_ms, heartbeat_ms, stopped_ms;
	int64_t heartbeat_age_ms;        /* by the database clock */
} hist_node;
/* Nodes newest first: running or stopping ones, and others seen in the
 * last day unless all. *rows: free(). */
int history_store_nodes(zq_db *db, int all, hist_node **rows, int *n, zq_err *err);

#endif
