/* ctl_follow.c - a run's live output as it comes (zqctl trigger --follow,
 * zqctl output): GET .../executions/{eid}/output?stream=...&after=OFFSET for
 * both streams (README "Live output"), each printed once, in order, on
 * zqctl's own stdout / stderr. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const char *const stream_name[2] = {"stdout", "stderr"};

static long long int_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

/* The answer r for stream s: its data printed, the bytes lost behind the
 * cap said on stderr, the offset moved on. */
static void print_answer(ctl_follow *f, int s, const cJSON *r)
{
	const char *data = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "data"));
	long long start = int_of(r, "offset_start"), end = int_of(r, "offset_end");
	FILE *to = s ? stderr : stdout;

	if (f->bar && ((data && *data) || f->after[s] < start))
		fputs("\r\033[K", stderr);  /* the progress bar's line, redrawn after */
	if (f->after[s] < start)
		fprintf(stderr, "zqctl: %lld bytes of %s dropped (more than scheduler.output_tail "
			"behind)\n", (long long)(start - f->after[s]), stream_name[s]);
	if (data && *data) {
		fputs(data, to);
		fflush(to);
	}
	if (end > f->after[s])
		f->after[s] = end;
}

int ctl_follow_step(ctl *c, ctl_follow *f, int *running)
{
	char path[192];
	int rc = CTL_OK;

	*running = 0;
	for (int s = 0; s < 2 && rc == CTL_OK; s++) {
		cJSON *r = NULL;
		snprintf(path, sizeof(path), "/scheduler/tasks/%lld/executions/%lld/output?stream=%s"
			 "&after=%lld", f->id, f->eid, stream_name[s], f->after[s]);
		if ((rc = ctl_call(c, "GET", path, NULL, &r)) == CTL_OK) {
			print_answer(f, s, r);
			*running |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "running"));
		}
		cJSON_Delete(r);
	}
	return rc;
}

static int all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* zqctl output ID EID [--follow]: what is kept of both streams (--json: the
 * API's two answers), or with --follow the run's output until it ends and
 * its outcome as the exit code. */
int cmd_output(ctl *c, int argc, char **argv)
{
	ctl_follow f = {0};
	cJSON *both, *r = NULL;
	char path[192];
	int follow = argc == 4 && strcmp(argv[3], "--follow") == 0, running, rc = CTL_OK;

	if ((argc != 3 && !follow) || !all_digits(argv[1]) || !all_digits(argv[2]))
		return ctl_usage("output ID EID [--follow]");
	f.id = strtoll(argv[1], NULL, 10);
	f.eid = strtoll(argv[2], NULL, 10);
	if (follow)
		return ctl_wait_run(c, f.id, f.eid, 1);
	if (!c->json)
		return ctl_follow_step(c, &f, &running);
	both = cJSON_CreateObject();
	for (int s = 0; s < 2 && rc == CTL_OK; s++) {
		snprintf(path, sizeof(path), "/scheduler/tasks/%lld/executions/%lld/output?stream=%s",
			 f.id, f.eid, stream_name[s]);
		if ((rc = ctl_call(c, "GET", path, NULL, &r)) == CTL_OK)
			cJSON_AddItemToObject(both, stream_name[s], r);
		else
			cJSON_Delete(r);
		r = NULL;
	}
	if (rc == CTL_OK)
		ctl_print_json(both);
	cJSON_Delete(both);
	return rc;
}
