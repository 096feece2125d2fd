/* json_batch.h - the one JSON parameter of a batch statement: an array of
 * row objects, expanded by JSON_TABLE(?, ...) on the server, so that a
 * statement's text never depends on the batch size (one cached prepared
 * statement per connection) and a batch of any size is one round trip.
 * Row values inside the JSON are still data, never SQL text. Times are
 * "YYYY-MM-DD HH:MM:SS.mmm" strings, which DATETIME(3) columns accept. */
#ifndef ZQ_JSON_BATCH_H
#define ZQ_JSON_BATCH_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* ms as "YYYY-MM-DD HH:MM:SS.mmm" (UTC) into buf of size n (>= 24). */
void batch_sql_time(int64_t ms, char *buf, size_t n);
/* Members of a row object: a time (ZQ_TIME_NONE: null), a number, a number
 * or null, a string (NULL: null). */
void batch_put_time(cJSON *o, const char *k, int64_t ms);
void batch_put_num(cJSON *o, const char *k, double v);
void batch_put_num_or_null(cJSON *o, const char *k, int64_t v, int is_null);
void batch_put_str(cJSON *o, const char *k, const char *s);
/* Render and free a JSON array; the text is the caller's to free. Out of
 * memory aborts, like every allocation (mem.h). */
char *batch_render(cJSON *arr);

#endif
