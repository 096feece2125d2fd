/* json_batch.c - building the JSON batch parameter (json_batch.h). */
#include "json_batch.h"

#include <stdio.h>
#include <stdlib.h>

#include "timeutil.h"

void batch_sql_time(int64_t ms, char *buf, size_t n)
{
	zq_civil c;

	zq_ms_to_civil(ms, &c);
	snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d.%03d", c.year, c.month, c.mday, c.hour,
		 c.min, c.sec, c.ms);
}

void batch_put_time(cJSON *o, const char *k, int64_t ms)
{
	char buf[40];

	if (ms == ZQ_TIME_NONE) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	batch_sql_time(ms, buf, sizeof(buf));
	cJSON_AddStringToObject(o, k, buf);
}

void batch_put_num(cJSON *o, const char *k, double v)
{
	cJSON_AddNumberToObject(o, k, v);
}

void batch_put_num_or_null(cJSON *o, const char *k, int64_t v, int is_null)
{
	if (is_null)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, (double)v);
}

void batch_put_str(cJSON *o, const char *k, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, k, s);
	else
		cJSON_AddNullToObject(o, k);
}

/* Render and free a JSON array; the text is the caller's to free. */
char *batch_render(cJSON *arr)
{
	char *s = cJSON_PrintUnformatted(arr);

	cJSON_Delete(arr);
	if (!s) {
		fprintf(stderr, "zq: out of memory rendering a batch\n");
		abort();
	}
	return s;
}
