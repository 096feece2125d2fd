/* output_store.h - execution_steps and execution_output: the steps a
 * running execution reports and the tails of its output, as the API reads
 * them. The scheduler's writes of both tables (exec_store_put_steps,
 * exec_store_put_output) are declared in exec_store.h with the rest of its
 * execution lifecycle and defined in output_store.c. */
#ifndef ZQ_OUTPUT_STORE_H
#define ZQ_OUTPUT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

typedef struct hist_step {
	int step;
	char status[17];
	char *message;
	int64_t at_ms;
} hist_step;
/* Steps in order (at most max). *steps: free each message, then the array. */
int history_store_steps(zq_db *db, int64_t exec_id, int max, hist_step **steps, int *n,
			zq_err *err);
void hist_steps_free(hist_step *steps, int n);

typedef struct hist_output {
	int found;
	char *stdout_tail, *stderr_tail;
	size_t stdout_len, stderr_len;   /* tails may hold any bytes */
	int64_t stdout_bytes, stderr_bytes;
	int has_exit_code, exit_code;
	int has_term_signal, term_signal;
} hist_output;
int history_store_output(zq_db *db, int64_t exec_id, hist_output *o, zq_err *err);
void hist_output_release(hist_output *o);

#endif
