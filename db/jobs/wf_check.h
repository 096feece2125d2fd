/* wf_check.h - the database half of workflow validation: the tasks a
 * workflow names exist ("these tasks do not exist: 12, 15"), are enabled,
 * are not the workflow itself, and are not workflows that contain it
 * (directly or through other workflows), which would nest it into a cycle.
 * The structural rules are db/core/wf_graph.c's. */
#ifndef ZQ_WFCHECK_H
#define ZQ_WFCHECK_H

#include <stdint.h>

#include "db.h"
#include "wf_graph.h"

/* Append problems to errs (prefix as for zq_workflow_from_json). wf_id is
 * the workflow being saved (0 for a new one). Returns 0 (problems, if any,
 * are in errs) or a database error in err. */
int wf_check_db(zq_db *db, int64_t wf_id, const zq_workflow *wf, const char *prefix,
	       zq_wf_errors *errs, zq_err *err);

/* The node task ids as a JSON array "[3,5,8]" (free()). */
char *wf_check_ids_json(const zq_workflow *wf);

#endif
