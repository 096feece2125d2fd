/* wf_graph.h - a workflow task's config: parse, validate, order.
 *
 * Config (README "Workflows"):
 *   {"workflow_type": "serial" | "parallel",
 *    "tasks": [{"task_id": 12, "name": "extract", "dependencies": [7, 9]}, ...],
 *    "on_failure": "stop" | "continue"}          (default "stop")
 * Rules: 1..ZQ_WF_MAX_NODES nodes; task_id a positive integer, unique in the
 * list; name optional (1-128 characters); dependencies optional, each a
 * task_id of another node in the list, no repeats, no self-dependency; no
 * dependency cycle. Unknown members are errors (typos must not be silently
 * ignored in something that decides what runs).
 *
 * The order is topological with ties broken by list order: among the nodes
 * whose dependencies are all placed, the one listed first comes next.
 * Serial workflows run in that order; parallel ones start every node whose
 * dependencies are done.
 *
 * Pure: no database, no clock. Whether the referenced tasks exist, are
 * enabled and do not nest the workflow into itself is the caller's check
 * (zq-api does it against the database). Thread-safe. */
#ifndef ZQ_WORKFLOW_H
#define ZQ_WORKFLOW_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "err.h"

#define ZQ_WF_MAX_NODES 500
#define ZQ_WF_MAX_ERRORS 50

enum zq_wf_type { ZQ_WF_SERIAL = 0, ZQ_WF_PARALLEL = 1 };
enum zq_wf_on_failure { ZQ_WF_STOP = 0, ZQ_WF_CONTINUE = 1 };

typedef struct zq_wf_node {
	int64_t task_id;
	char *name;          /* NULL when not given */
	int64_t *deps;       /* task ids, as listed */
	int *dep_idx;        /* the same as indexes into nodes */
	int ndeps;
} zq_wf_node;

typedef struct zq_workflow {
	int type;            /* enum zq_wf_type */
	int on_failure;      /* enum zq_wf_on_failure */
	zq_wf_node *nodes;
	int n;
	int *order;          /* n indexes into nodes, topological; NULL if invalid */
} zq_workflow;

/* Every problem found, each message naming the field or the cycle:
 * "config.tasks[1].dependencies[0]: task 9 is not in this workflow",
 * "cycle: 3 → 5 → 3". At most ZQ_WF_MAX_ERRORS are kept. */
typedef struct zq_wf_errors {
	char *msg[ZQ_WF_MAX_ERRORS];
	int n;
	int more;            /* errors beyond the cap were dropped */
} zq_wf_errors;

void zq_workflow_init(zq_workflow *wf);
void zq_workflow_release(zq_workflow *wf);
void zq_wf_errors_init(zq_wf_errors *e);
void zq_wf_errors_release(zq_wf_errors *e);
/* Add one message (printf-style); dropped (more = 1) past the cap. */
void zq_wf_errors_add(zq_wf_errors *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse and check cfg. prefix names the config in messages ("config" ->
 * "config.tasks[0].task_id"; "" -> "tasks[0].task_id"). Returns 0 when
 * valid (wf filled, order set), ZQ_EINVAL when errs->n > 0 (wf holds what
 * could be parsed; order is NULL). */
int zq_workflow_from_json(zq_workflow *wf, const cJSON *cfg, const char *prefix,
			  zq_wf_errors *errs);
/* Same from JSON text. */
int zq_workflow_parse(zq_workflow *wf, const char *json, const char *prefix, zq_wf_errors *errs);

/* Index of the node for task_id, or -1. */
int zq_workflow_find(const zq_workflow *wf, int64_t task_id);

/* Join errors into err (ZQ_EINVAL): "a; b; c (and more)". */
int zq_wf_errors_to_err(const zq_wf_errors *e, zq_err *err);

const char *zq_wf_type_name(int type);
const char *zq_wf_on_failure_name(int on_failure);

#endif
