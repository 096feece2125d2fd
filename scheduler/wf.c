/* wf.c - workflow hooks (see wf.h). No engine yet: a claimed workflow
 * execution is ended 'skipped' with a reason that says so, rather than
 * being run as a command or left pending for ever. */
#include "wf.h"

#include "task.h"

int wf_claimed(zq_db *db, run *r, zq_buf *events)
{
	(void)db;
	run_end(r, ZQ_EXEC_SKIPPED, 0,
		"workflow not run: this zq-scheduler has no workflow engine yet", NULL);
	zq_buf_printf(events, "CLAIM exec=%lld task=%lld workflow: skipped (no workflow engine)\n",
		      (long long)r->job.id, (long long)r->job.task_id);
	return 1;
}

void wf_child_ended(const run *r)
{
	(void)r;
}

int wf_advance(zq_db *db, int64_t now_ms, zq_buf *events, zq_err *err)
{
	(void)db;
	(void)now_ms;
	(void)events;
	(void)err;
	return 0;
}
