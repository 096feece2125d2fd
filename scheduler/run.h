/* run.h - one execution on its way through the scheduler: what to run
 * (copied from the database at claim), the flags the loop uses to stop it,
 * the progress the executor reports, and how it ended.
 *
 * Ownership: the loop creates a run (run_new) when it claims an execution,
 * posts it to a worker, and gets it back through its done queue; it frees
 * it after the final state is committed. While a worker holds the run, the
 * loop only touches `stop` (atomic) and writes `wake_fd`; everything else
 * belongs to the worker. Runs the loop settles without a worker (reaped,
 * cancelled while pending, workflow placeholders) never leave the loop. */
#ifndef ZQ_SCHED_RUN_H
#define ZQ_SCHED_RUN_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdint.h>

#include "db.h"
#include "exec_store.h"
#include "taskcfg.h"

/* Why a run was told to stop (0 = it was not). */
enum run_stop {
	RUN_STOP_NONE = 0,
	RUN_STOP_CANCEL,      /* API set cancel_requested -> terminated */
	RUN_STOP_TIMEOUT,     /* timeout_seconds passed -> failed, retried */
	RUN_STOP_LEASE,       /* the node could not renew its lease -> failed, retried */
	RUN_STOP_SHUTDOWN,    /* SIGTERM grace period over -> failed, retried */
	RUN_STOP_ORPHANED,    /* the row was reaped elsewhere or deleted: outcome dropped */
};

#define RUN_STEPS_MAX 1000        /* step rows kept per execution */
#define RUN_STEP_MSG_MAX 255      /* characters of a step message */
#define RUN_MSG_MAX 1000          /* characters of progress_message */
#define RUN_ERROR_MAX 2000        /* characters of error_message */
#define RUN_RESULT_MAX (64 << 10) /* bytes of the result JSON */

/* Settings copied from the configuration when the run is created, so a
 * SIGHUP reload never races a worker. */
typedef struct run_settings {
	int progress_ms;         /* minimum gap between progress writes */
	int kill_grace_ms;       /* TERM -> KILL */
	int output_tail;         /* bytes kept of stdout / stderr */
	int output_flush_ms;     /* live output writes at most this often; 0 = only at the end */
} run_settings;

typedef struct run_step {
	int step;
	int status;              /* enum exec_step_status */
	char *message;
	int64_t at_ms;
} run_step;

typedef struct run {
	exec_job job;            /* the execution and its task (owned) */
	taskcfg cfg;             /* the config to run, checked (db/core/taskcfg.c), override merged */
	const cJSON *config;     /* cfg.root; NULL if invalid */
	cJSON *params;           /* resolved parameter values (object) or NULL */
	char *config_error;      /* why config is NULL */
	int timeout_s;           /* effective limit, 0 = none */
	double retry_backoff;    /* >= 1 */
	int retry_max_interval_s;/* 0 = no cap */
	run_settings set;

	/* control: written by the loop, read by the worker */
	atomic_int stop;         /* enum run_stop */
	int wake_fd;             /* eventfd; the loop writes after setting stop */
	const _Atomic int64_t *lease_until; /* monotonic ms the node's lease is good until */

	/* worker side */
	zq_db *db;               /* the worker's connection while it runs the job */
	int64_t start_mono, deadline_mono;
	int64_t last_write_mono;
	int percent, current, total; /* < 0: not reported */
	char *message;           /* progress_message, clean UTF-8 */
	int dirty;               /* progress columns changed since the last write */
	run_step *steps;         /* step rows not yet written */
	int nsteps;
	size_t steps_cap;
	int last_step;           /* the step currently running (0 = none) */

	/* outcome */
	int status;              /* final enum zq_exec_status, or ZQ_EXEC_RUNNING until set */
	int retryable;
	char *error;             /* error_message */
	char *result;            /* JSON object text */
	int64_t end_ms;
	int64_t duration_ms;     /* < 0: never started */
	int has_output;
	char *out_text, *err_text;
	size_t out_len, err_len;
	int64_t out_bytes, err_bytes;
	int exit_code;           /* < 0: none */
	int term_signal;         /* 0: none */

	/* loop side */
	int owned;               /* settle must check the row is still ours */
	struct run *next;        /* done queue / settle list */
} run;

/* A run for job (moved into the run: the caller's copy is zeroed). Merges
 * config_override over the task config and checks the result with the
 * API's rules (taskcfg_parse: the same defaults and ranges), resolves the
 * execution's params against the declarations (defaults for fires), works
 * out the timeout (the smaller of the task's timeout_seconds and the
 * config's) and the retry policy ("retry_backoff", "retry_max_interval").
 * Never fails: a bad config is recorded in config_error for the executor. */
run *run_new(exec_job *job, const run_settings *set, const _Atomic int64_t *lease_until);
void run_free(run *r);

/* Loop side: ask the run to stop (the first reason wins) and wake it. */
void run_request_stop(run *r, int reason);

/* Worker side. The reason to stop now, if any: a stop request, the
 * timeout, or the lease running out (each sets `stop`). */
int run_check_stop(run *r);
/* Sleep up to ms (never past the timeout or lease), waking early on a stop
 * request; writes throttled progress meanwhile. Returns run_check_stop(). */
int run_sleep(run *r, int64_t ms);
/* How long a worker may block before it must look at the run again. */
int64_t run_poll_ms(run *r, int64_t want_ms);

/* Progress: values < 0 / NULL message leave that part as it is. msg is
 * copied (cleaned, cut to RUN_MSG_MAX characters). */
void run_progress(run *r, int percent, int current, int total, const char *msg, size_t len);
/* Record step `step` with a status (steps > RUN_STEPS_MAX are not kept). */
void run_step_set(run *r, int step, int status, const char *msg, size_t len);
/* Write progress and steps if due (every set.progress_ms, never in the
 * first progress_ms of a run, so short runs write nothing until they end). */
void run_flush(run *r);

/* Record the outcome. error and result may be NULL; they are copied. */
void run_end(run *r, int status, int retryable, const char *error, const char *result);
/* The outcome for a stop reason, with what the message needs. */
void run_end_stopped(run *r, int reason, const char *result);

/* Start / end times (wall ms) and duration bookkeeping. */
void run_started(run *r);

#endif
