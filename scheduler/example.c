/* example.c - example_task executor (see example.h). */
#include "example.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "task.h"
#include "timeutil.h"

static char *result_json(const run *r, int success)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddBoolToObject(o, "success", success);
	cJSON_AddStringToObject(o, "message", r->cfg.message);
	cJSON_AddNumberToObject(o, "duration_seconds",
				round((double)(zq_mono_ms() - r->start_mono)) / 1000.0);
	cJSON_AddNumberToObject(o, "steps_total", r->cfg.steps);
	if (r->params)  /* what it was asked to do (an example has nothing else to use them for) */
		cJSON_AddItemToObject(o, "params", cJSON_Duplicate(r->params, 1));
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* One step: running, sleep, completed. Returns a stop reason or 0. */
static int do_step(run *r, int i, int n, int64_t step_ms)
{
	char msg[64];
	int len, stop;

	len = snprintf(msg, sizeof(msg), "step %d/%d", i, n);
	run_progress(r, (i - 1) * 100 / n, i, n, msg, (size_t)len);
	len = snprintf(msg, sizeof(msg), "step %d/%d running", i, n);
	run_step_set(r, i, EXEC_STEP_RUNNING, msg, (size_t)len);
	if ((stop = run_sleep(r, step_ms)) != 0) {
		len = snprintf(msg, sizeof(msg), "step %d/%d interrupted", i, n);
		run_step_set(r, i, EXEC_STEP_FAILED, msg, (size_t)len);
		return stop;
	}
	len = snprintf(msg, sizeof(msg), "step %d/%d done", i, n);
	run_step_set(r, i, EXEC_STEP_COMPLETED, msg, (size_t)len);
	run_progress(r, i * 100 / n, i, n, NULL, 0);
	return 0;
}

void example_run(run *r)
{
	const taskcfg *c = &r->cfg;  /* defaults and ranges: db/core/taskcfg.c */
	int64_t total_ms, done_ms = 0;
	int stop = 0, ok;
	char *res, err[96];

	if (!r->config) {
		run_end(r, ZQ_EXEC_FAILED, 0, r->config_error, NULL);
		return;
	}
	total_ms = (int64_t)llround(c->duration_s * 1000);
	for (int i = 1; i <= c->steps && !stop; i++) {
		/* spread the remainder so the steps add up to the duration */
		int64_t until = total_ms * i / c->steps;
		stop = do_step(r, i, c->steps, until - done_ms);
		done_ms = until;
	}
	if (stop) {
		res = result_json(r, 0);
		run_end_stopped(r, stop, res);
		cJSON_free(res);
		return;
	}
	ok = c->success_rate >= 1.0 ||
	     randombytes_uniform(1000000) < (uint32_t)(c->success_rate * 1000000.0);
	run_progress(r, -1, -1, -1, ok ? c->message : "example task failed",
		     strlen(ok ? c->message : "example task failed"));
	res = result_json(r, ok);
	snprintf(err, sizeof(err), "example task failed (success_rate %.2f)", c->success_rate);
	run_end(r, ok ? ZQ_EXEC_SUCCESS : ZQ_EXEC_FAILED, 1, ok ? NULL : err, res);
	cJSON_free(res);
}
