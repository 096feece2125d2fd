/* views.h - how tasks and executions look in API responses (one place, so
 * every endpoint returns the same shape; fcgi/openapi.json describes it).
 *
 * A task carries its stored fields (config as an object), next_run_time and
 * what its executions say: latest_execution_id / _time / _status and
 * schedule_status; workflows also node_count.
 *
 * An execution's `result` is the seed's shape: the stored result object
 * (the scheduler's summary) plus current_step, total_steps,
 * progress_percent, message (the progress message, unless the summary has
 * its own) and status; with steps[] when the steps were loaded. */
#ifndef ZQ_VIEWS_H
#define ZQ_VIEWS_H

#include "exec_api.h"
#include "jsonw.h"
#include "output_store.h"
#include "task_store.h"

/* reveal: show env values of configs (admins); otherwise each is "***". */
void view_task(zq_jw *w, const task_store_row *r, int reveal);
/* steps may be NULL (lists: no steps array). An execution carries its
 * config_override (env masked unless reveal) and params (null when none). */
void view_execution(zq_jw *w, const hist_exec *e, const hist_step *steps, int nsteps,
		    int reveal);
/* The members alone, inside an object the caller opened (to add more). */
void view_execution_fields(zq_jw *w, const hist_exec *e, const hist_step *steps, int nsteps,
			   int reveal);
/* The merged result object alone. */
void view_exec_result(zq_jw *w, const hist_exec *e, const hist_step *steps, int nsteps);

#endif
