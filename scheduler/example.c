/* example.c - example_task executor (see example.h). */
#include "example.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "task.h"
#include "timeutil.h"

#define EXAMPLE_MAX_STEPS 100000
#define EXAMPLE_MAX_SECONDS (7 * 86400.0)

struct example_cfg {
	double duration_s, success_rate;
	int steps;
	const char *message;
};

static double num(const cJSON *cfg, const char *k, double dflt, double lo, double hi)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, k);
	double d = cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : dflt;

	return d < lo ? lo : d > hi ? hi : d;
}

static void read_cfg(const cJSON *cfg, struct example_cfg *c)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(cfg, "message");

	c->duration_s = num(cfg, "duration_seconds", 3, 0, EXAMPLE_MAX_SECONDS);
	c->success_rate = num(cfg, "success_rate", 1.0, 0, 1);
	c->steps = (int)num(cfg, "steps", 5, 1, EXAMPLE_MAX_STEPS);
	c->message = cJSON_IsString(m) ? m->valuestring : "example task finished";
}

static char *result_json(const run *r, const struct example_cfg *c, int success)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddBoolToObject(o, "success", success);
	cJSON_AddStringToObject(o, "message", c->message);
	cJSON_AddNumberToObject(o, "duration_seconds",
				round((double)(zq_mono_ms() - r->start_mono)) / 1000.0);
	cJSON_AddNumberToObject(o, "steps_total", c->steps);
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
	struct example_cfg c;
	int64_t total_ms, done_ms = 0;
	int stop = 0, ok;
	char *res, err[96];

	if (!r->config) {
		run_end(r, ZQ_EXEC_FAILED, 0, r->config_error, NULL);
		return;
	}
	read_cfg(r->config, &c);
	total_ms = (int64_t)llround(c.duration_s * 1000);
	for (int i = 1; i <= c.steps && !stop; i++) {
		/* spread the remainder so the steps add up to the duration */
		int64_t until = total_ms * i / c.steps;
		stop = do_step(r, i, c.steps, until - done_ms);
		done_ms = until;
	}
	if (stop) {
		res = result_json(r, &c, 0);
		run_end_stopped(r, stop, res);
		cJSON_free(res);
		return;
	}
	ok = c.success_rate >= 1.0 ||
	     randombytes_uniform(1000000) < (uint32_t)(c.success_rate * 1000000.0);
	run_progress(r, -1, -1, -1, ok ? c.message : "example task failed",
		     strlen(ok ? c.message : "example task failed"));
	res = result_json(r, &c, ok);
	snprintf(err, sizeof(err), "example task failed (success_rate %.2f)", c.success_rate);
	run_end(r, ok ? ZQ_EXEC_SUCCESS : ZQ_EXEC_FAILED, 1, ok ? NULL : err, res);
	cJSON_free(res);
}
