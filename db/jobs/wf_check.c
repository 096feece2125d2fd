/* wf_check.c - workflow checks against the database: one lookup for all the
 * referenced tasks, then a bounded walk through nested workflows. */
#include "wf_check.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "task.h"
#include "task_store.h"

#define WALK_MAX 2000

char *wf_check_ids_json(const zq_workflow *wf)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);

	zq_buf_putc(&b, '[');
	for (int i = 0; i < wf->n; i++)
		zq_buf_printf(&b, "%s%lld", i ? "," : "", (long long)wf->nodes[i].task_id);
	zq_buf_putc(&b, ']');
	return zq_buf_detach(&b, NULL);
}

/* Does workflow start (a node of ours) reach wf_id through workflow_nodes? */
static int reaches(zq_db *db, int64_t start, int64_t wf_id, int *found, zq_err *err)
{
	int64_t *queue = zq_calloc(WALK_MAX, sizeof(int64_t)), kids[ZQ_WF_MAX_NODES];
	int head = 0, tail = 0, rc = 0, nk;

	*found = 0;
	queue[tail++] = start;
	while (head < tail && !*found) {
		if ((rc = task_store_child_workflows(db, queue[head++], kids, ZQ_WF_MAX_NODES, &nk,
						     err)) < 0)
			break;
		for (int i = 0; i < nk && !*found; i++) {
			int seen = 0;
			*found = kids[i] == wf_id;
			for (int j = 0; j < tail && !seen; j++)
				seen = queue[j] == kids[i];
			if (!seen && tail < WALK_MAX)
				queue[tail++] = kids[i];
		}
	}
	free(queue);
	return rc;
}

static void add_list(zq_wf_errors *errs, const char *what, const int64_t *ids, int n)
{
	zq_buf b = ZQ_BUF_INIT(400);

	for (int i = 0; i < n; i++)
		if (zq_buf_printf(&b, "%s%lld", i ? ", " : "", (long long)ids[i]) < 0)
			break;
	zq_wf_errors_add(errs, "%s: %s", what, b.data);
	zq_buf_release(&b);
}

int wf_check_db(zq_db *db, int64_t wf_id, const zq_workflow *wf, const char *prefix,
	       zq_wf_errors *errs, zq_err *err)
{
	task_store_ref *refs = zq_calloc((size_t)wf->n + 1, sizeof(*refs));
	int64_t *missing = zq_calloc((size_t)wf->n + 1, sizeof(int64_t));
	int64_t *disabled = zq_calloc((size_t)wf->n + 1, sizeof(int64_t));
	char *ids = wf_check_ids_json(wf);
	int n = 0, nm = 0, nd = 0, rc;

	if ((rc = task_store_refs(db, ids, refs, wf->n, &n, err)) < 0)
		goto out;
	for (int i = 0; i < n; i++) {
		int found = 0;
		if (!refs[i].exists) {
			missing[nm++] = refs[i].id;
			continue;
		}
		if (!refs[i].enabled)
			disabled[nd++] = refs[i].id;
		if (wf_id && refs[i].id == wf_id) {
			zq_wf_errors_add(errs, "%s%stasks[%d].task_id: a workflow cannot contain itself "
					 "(task %lld)", prefix, *prefix ? "." : "", i,
					 (long long)wf_id);
			continue;
		}
		if (!wf_id || refs[i].type != ZQ_TASK_WORKFLOW)
			continue;
		if ((rc = reaches(db, refs[i].id, wf_id, &found, err)) < 0)
			goto out;
		if (found)
			zq_wf_errors_add(errs, "%s%stasks[%d].task_id: workflow %lld contains this "
					 "workflow, so nesting it here would make a cycle", prefix,
					 *prefix ? "." : "", i, (long long)refs[i].id);
	}
	if (nm)
		add_list(errs, "these tasks do not exist", missing, nm);
	if (nd)
		add_list(errs, "these tasks are disabled", disabled, nd);
out:
	free(refs);
	free(missing);
	free(disabled);
	free(ids);
	return rc;
}
