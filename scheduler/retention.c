/* retention.c - history retention on a thread of its own (retention.h).
 *
 * The thread owns its connection; the loop only sets history_days (SIGHUP),
 * marks itself busy and stops the thread, all under R->mu. A pass finds the
 * newest execution id created before the cutoff once, then walks the ids up
 * to it in chunks (retention_store.h): a chunk is one short transaction
 * that reads the next RETENTION_CHUNK ids without locks, deletes the ones
 * that may go by primary-key ranges (children first), refreshes the run
 * state of the tasks whose newest or newest finished execution went, and
 * commits. The run state rows, the only rows the loop's tick also locks,
 * are locked only from the refresh to the COMMIT: the loop's fires do not
 * wait for a chunk's deletes, and inserts never wait (READ COMMITTED: no
 * gap locks).
 *
 * Pacing: a chunk costs the database about 85 us of CPU per execution
 * (eleven secondary indexes), on one core. When a chunk runs no slower per
 * row than RETENTION_CONTENDED times the fastest one this thread has seen,
 * nothing else wants the machine and the next chunk follows at once; when
 * it runs slower, something does (the API, the loop, other work), and the
 * thread sleeps t * (100 - duty) / duty ms after a chunk that took t ms
 * (scheduler.retention_duty, percent of the time a contended pass may
 * work), so that the API and the loop keep most of the CPU; and at least
 * RETENTION_YIELD_MS while the loop is busy. */
#include "retention.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "mem.h"
#include "alert_outbox.h"
#include "node_store.h"
#include "retention_store.h"
#include "run_state_store.h"
#include "timeutil.h"

#define RETENTION_PERIOD_MS 60000
#define RETENTION_RETRY_MS 5000      /* after an error */
#define RETENTION_CHUNK 1000         /* executions read per transaction (50-150 ms) */
#define RETENTION_CONTENDED 1.5     /* x the fastest chunk per row: the machine is busy */
#define RETENTION_YIELD_MS 10        /* between chunks while the loop is busy, at least */
#define RETENTION_BUSY_MS 1000       /* the loop counts as busy this long after a busy tick */
#define RETENTION_LOG_MS 10000       /* progress line during a long pass */
#define NODE_KEEP_DAYS 7

struct retention {
	const zq_config *cfg;
	zq_db *db;                   /* the thread's own */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;           /* CLOCK_MONOTONIC */
	int days;                    /* under mu, as the other fields below */
	int duty;                    /* scheduler.retention_duty, 1-100 */
	int kick;                    /* start a pass now (a retention key changed) */
	int stop;
	int64_t busy_until;          /* monotonic ms */
	int chunk;                   /* the thread's: RETENTION_CHUNK */
	double best_us;              /* the thread's: fastest chunk so far, per row deleted */
	run_state_ids touched;       /* the thread's */
};

static void wait_until(retention *R, int64_t mono_deadline)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(mono_deadline / 1000);
	ts.tv_nsec = (long)(mono_deadline % 1000) * 1000000L;
	pthread_cond_timedwait(&R->cv, &R->mu, &ts);
}

/* One chunk after *after (up to hi), one transaction. */
static int purge_chunk(retention *R, int64_t cutoff, int64_t *after, int64_t hi, int *read,
		       int *n, zq_err *err)
{
	int64_t at = *after;
	int rc;

	*n = *read = 0;
	run_state_ids_reset(&R->touched);
	if ((rc = zq_db_begin(R->db, err)) < 0)
		return rc;
	rc = retention_store_chunk(R->db, cutoff, &at, hi, R->chunk, read, n, &R->touched, err);
	if (rc == 0 && (rc = run_state_store_refresh(R->db, &R->touched, err)) == 0)
		rc = zq_db_commit(R->db, err);
	if (rc < 0) {
		zq_db_rollback(R->db);
		*n = *read = 0;
		return rc;
	}
	*after = at;
	return 0;
}

/* Pace the pass: a chunk that deleted n rows took work_us. Only chunks
 * that deleted at least half of what they read are compared (one that
 * mostly read rows that stay is cheap, and is not paced). 1 when the pass
 * must end (stop) or start over (days changed). */
static int yield(retention *R, int days, int64_t work_us, int n)
{
	double per_row = (double)work_us / (n > 0 ? n : 1);
	int contended = 0, rc;
	int64_t until;

	if (n >= R->chunk / 2) {
		if (R->best_us <= 0 || per_row < R->best_us)
			R->best_us = per_row;
		contended = per_row > RETENTION_CONTENDED * R->best_us;
	}

	pthread_mutex_lock(&R->mu);
	until = zq_mono_ms() + (contended ? work_us * (100 - R->duty) / R->duty / 1000 : 0);
	if (zq_mono_ms() < R->busy_until && until < zq_mono_ms() + RETENTION_YIELD_MS)
		until = zq_mono_ms() + RETENTION_YIELD_MS;
	while (!R->stop && R->days == days && zq_mono_ms() < until)
		wait_until(R, until);
	rc = R->stop || R->days != days;
	pthread_mutex_unlock(&R->mu);
	return rc;
}

static int stopping(retention *R)
{
	int rc;

	pthread_mutex_lock(&R->mu);
	rc = R->stop;
	pthread_mutex_unlock(&R->mu);
	return rc;
}

/* A pass over the history older than days. 0, or a ZQ_E* code. */
static int pass(retention *R, int days)
{
	zq_err err = ZQ_ERR_INIT;
	int64_t cutoff = zq_wall_ms() - (int64_t)days * 86400000, total = 0, t0 = zq_mono_ms(),
		logged = t0, hi = 0, after = 0;
	int read = 0, n = 0, nodes = 0, alerts = 0, rc, cut = 0, got = 0;

	if ((rc = retention_store_lock(R->db, &got, &err)) < 0 || !got) {
		if (rc < 0)
			zq_debug("retention: %s (again in %d s)", err.msg, RETENTION_RETRY_MS / 1000);
		else
			zq_debug("retention: another daemon is running a pass");
		return rc;
	}
	if ((rc = retention_store_bound(R->db, cutoff, &hi, &err)) < 0)
		zq_debug("retention: %s (again in %d s)", err.msg, RETENTION_RETRY_MS / 1000);
	while (rc == 0 && after < hi) {
		int64_t c0 = zq_mono_us();

		for (int attempt = 0; attempt < 3; attempt++)
			if ((rc = purge_chunk(R, cutoff, &after, hi, &read, &n, &err)) != ZQ_EBUSY ||
			    stopping(R))
				break;
		if (rc < 0) {
			zq_debug("retention: %s (again in %d s)", err.msg, RETENTION_RETRY_MS / 1000);
			break;
		}
		total += n;
		if (read < R->chunk)
			break;   /* nothing left up to hi */
		if (zq_mono_ms() - logged >= RETENTION_LOG_MS) {
			logged = zq_mono_ms();
			zq_info("retention: %lld executions older than %d days deleted so far",
				(long long)total, days);
		}
		if (yield(R, days, zq_mono_us() - c0, n)) {
			cut = 1;
			break;
		}
	}
	if (rc == 0 && !cut && node_store_purge(R->db, NODE_KEEP_DAYS, &nodes, &err) < 0)
		zq_debug("retention: nodes: %s", err.msg);
	if (rc == 0 && !cut && alert_outbox_purge(R->db, days, &alerts, &err) < 0)
		zq_debug("retention: alerts: %s", err.msg);
	retention_store_unlock(R->db);
	if (total)
		zq_info("retention: deleted %lld executions older than %d days in %lld ms%s",
			(long long)total, days, (long long)(zq_mono_ms() - t0),
			cut ? " (interrupted)" : "");
	return rc;
}

static void *retention_main(void *arg)
{
	retention *R = arg;
	int64_t next = zq_mono_ms();  /* a pass at start */

	zq_db_thread_init();
	R->db = zq_db_new(R->cfg);
	pthread_mutex_lock(&R->mu);
	while (!R->stop) {
		int days, rc;

		if (!R->kick && zq_mono_ms() < next) {
			wait_until(R, next);
			continue;
		}
		R->kick = 0;
		days = R->days;
		pthread_mutex_unlock(&R->mu);
		rc = days > 0 ? pass(R, days) : 0;
		next = zq_mono_ms() + (rc < 0 ? RETENTION_RETRY_MS : RETENTION_PERIOD_MS);
		pthread_mutex_lock(&R->mu);   /* changed meanwhile: kick is set */
	}
	pthread_mutex_unlock(&R->mu);
	zq_db_free(R->db);
	R->db = NULL;
	zq_db_thread_end();
	return NULL;
}

static int duty_of(int duty)
{
	return duty >= 1 && duty <= 100 ? duty : 100;
}

retention *retention_start(const zq_config *cfg, int history_days, zq_err *err)
{
	retention *R = zq_calloc(1, sizeof(*R));
	pthread_condattr_t ca;
	int rc;

	R->cfg = cfg;
	R->days = history_days;
	R->duty = duty_of(cfg->sched_retention_duty);
	R->chunk = RETENTION_CHUNK;
	run_state_ids_init(&R->touched);
	pthread_mutex_init(&R->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&R->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&R->thread, NULL, retention_main, R)) != 0) {
		zq_errf(err, ZQ_EIO, "retention thread: %s", strerror(rc));
		pthread_cond_destroy(&R->cv);
		pthread_mutex_destroy(&R->mu);
		run_state_ids_release(&R->touched);
		free(R);
		return NULL;
	}
	return R;
}

void retention_set(retention *R, int history_days, int duty)
{
	if (!R)
		return;
	duty = duty_of(duty);
	pthread_mutex_lock(&R->mu);
	if (history_days > 0 && (history_days != R->days || duty != R->duty)) {
		R->kick = 1;
		zq_info("retention: history_days %d -> %d, retention_duty %d -> %d: a pass starts now",
			R->days, history_days, R->duty, duty);
	}
	R->days = history_days;
	R->duty = duty;
	pthread_cond_signal(&R->cv);
	pthread_mutex_unlock(&R->mu);
}

void retention_loop_busy(retention *R)
{
	if (!R)
		return;
	pthread_mutex_lock(&R->mu);
	R->busy_until = zq_mono_ms() + RETENTION_BUSY_MS;
	pthread_mutex_unlock(&R->mu);
}

void retention_request_stop(retention *R)
{
	if (!R)
		return;
	pthread_mutex_lock(&R->mu);
	R->stop = 1;
	pthread_cond_signal(&R->cv);
	pthread_mutex_unlock(&R->mu);
}

void retention_stop(retention *R)
{
	if (!R)
		return;
	retention_request_stop(R);
	pthread_join(R->thread, NULL);
	pthread_cond_destroy(&R->cv);
	pthread_mutex_destroy(&R->mu);
	run_state_ids_release(&R->touched);
	free(R);
}
