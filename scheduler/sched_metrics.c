/* sched_metrics.c - the scheduler's counters and their Prometheus text (sched_metrics.h). */
#include "sched_metrics.h"

#include <pthread.h>
#include <string.h>

#include "alert_thread.h"
#include "err.h"
#include "fire.h"

static const double lateness_bounds[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
					 1800};
static const double duration_bounds[] = {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 3600,
					 21600};
static const double tick_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
				     2.5, 5, 10};

static const char *const skip_names[METRICS_SKIP_COUNT] = {"misfire", "max_instances",
							   "clock_jump", "other", "workflow"};

#define NB(a) ((int)(sizeof(a) / sizeof((a)[0])))

static metrics global;
static pthread_once_t global_once = PTHREAD_ONCE_INIT;

void metrics_init(metrics *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->tasks_mu, NULL);
	m->lateness.bounds = lateness_bounds;
	m->lateness.nbounds = NB(lateness_bounds);
	m->duration.bounds = duration_bounds;
	m->duration.nbounds = NB(duration_bounds);
	m->tick.bounds = tick_bounds;
	m->tick.nbounds = NB(tick_bounds);
}

static void global_init(void)
{
	metrics_init(&global);
}

metrics *metrics_global(void)
{
	pthread_once(&global_once, global_init);
	return &global;
}

void metrics_count(_Atomic uint64_t *c, uint64_t n)
{
	if (n)
		atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

void metrics_hist_observe(metrics_hist *h, int64_t ms)
{
	int i = 0;

	if (ms < 0)
		ms = 0;
	while (i < h->nbounds && (double)ms > h->bounds[i] * 1000.0)
		i++;
	atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_ms, ms, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

int metrics_skip_reason(const char *reason)
{
	if (!reason)
		return METRICS_SKIP_OTHER;
	if (strncmp(reason, "misfire", 7) == 0)
		return METRICS_SKIP_MISFIRE;
	if (strncmp(reason, "max_instances", 13) == 0)
		return METRICS_SKIP_MAX_INSTANCES;
	if (strncmp(reason, "clock jump", 10) == 0)
		return METRICS_SKIP_CLOCK_JUMP;
	return METRICS_SKIP_OTHER;
}

void metrics_started(int64_t scheduled_ms, int64_t start_ms)
{
	metrics *m = metrics_global();

	metrics_count(&m->starts, 1);
	if (scheduled_ms > 0 && start_ms > 0)
		metrics_hist_observe(&m->lateness, start_ms - scheduled_ms);
}

void metrics_settled(int64_t task_id, const char *task_name, int task_type, int status,
		     int retried, int64_t duration_ms)
{
	metrics *m = metrics_global();

	metrics_outcome(m, task_id, task_name, task_type, status);
	if (retried)
		metrics_count(&m->retries, 1);
	if (duration_ms >= 0)
		metrics_hist_observe(&m->duration, duration_ms);
}

/* ---- rendering ------------------------------------------------------------------------ */

static uint64_t ld(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static int64_t lds(_Atomic int64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

int metrics_head(zq_buf *b, const char *name, const char *type, const char *help)
{
	return zq_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int counter(zq_buf *b, const char *name, const char *help, uint64_t v)
{
	int rc = metrics_head(b, name, "counter", help);

	return rc < 0 ? rc : zq_buf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

static int gauge(zq_buf *b, const char *name, const char *help, int64_t v)
{
	int rc = metrics_head(b, name, "gauge", help);

	return rc < 0 ? rc : zq_buf_printf(b, "%s %lld\n", name, (long long)v);
}

static int hist(zq_buf *b, const char *name, const char *help, metrics_hist *h)
{
	uint64_t cum = 0;
	int rc = metrics_head(b, name, "histogram", help);

	for (int i = 0; rc == 0 && i < h->nbounds; i++) {
		cum += ld(&h->bucket[i]);
		rc = zq_buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, h->bounds[i],
				   (unsigned long long)cum);
	}
	cum += ld(&h->bucket[h->nbounds]);
	if (rc == 0)
		rc = zq_buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.3f\n%s_count %llu\n", name,
				   (unsigned long long)cum, name, (double)lds(&h->sum_ms) / 1000.0,
				   name, (unsigned long long)cum);
	return rc;
}

static int labelled(metrics *m, zq_buf *b)
{
	int rc = metrics_render_outcomes(m, b);

	if (rc == 0)
		rc = metrics_head(b, "zq_scheduler_skipped_total", "counter",
			  "Fires recorded as skipped executions, by reason.");
	for (int i = 0; rc == 0 && i < METRICS_SKIP_COUNT; i++)
		rc = zq_buf_printf(b, "zq_scheduler_skipped_total{reason=\"%s\"} %llu\n", skip_names[i],
				   (unsigned long long)ld(&m->skipped[i]));
	if (rc == 0)
		rc = metrics_head(b, "zq_scheduler_alert_deliveries_total", "counter",
			  "Alert delivery attempts by this daemon's alert thread, by outcome.");
	if (rc == 0)
		rc = zq_buf_printf(b, "zq_scheduler_alert_deliveries_total{outcome=\"sent\"} %llu\n"
				   "zq_scheduler_alert_deliveries_total{outcome=\"retry\"} %llu\n"
				   "zq_scheduler_alert_deliveries_total{outcome=\"failed\"} %llu\n",
				   atomic_load(&alert_thread_counts.sent),
				   atomic_load(&alert_thread_counts.retry),
				   atomic_load(&alert_thread_counts.failed));
	return rc;
}

int metrics_render(metrics *m, zq_buf *b)
{
	int rc = 0;

	rc = rc ? rc : gauge(b, "zq_scheduler_up", "1 while this zq-scheduler serves metrics.", 1);
	rc = rc ? rc : gauge(b, "zq_scheduler_start_time_seconds", "Unix time the daemon started.",
			     lds(&m->start_time_s));
	rc = rc ? rc : counter(b, "zq_scheduler_fires_total",
			       "Executions to run inserted by fires (not skipped ones).", ld(&m->fires));
	rc = rc ? rc : counter(b, "zq_scheduler_claims_total",
			       "Executions claimed by this daemon (including fires started at once).",
			       ld(&m->claims));
	rc = rc ? rc : counter(b, "zq_scheduler_starts_total", "Runs started on a worker.",
			       ld(&m->starts));
	rc = rc ? rc : counter(b, "zq_scheduler_retries_total",
			       "Retry executions inserted after a failed run.", ld(&m->retries));
	rc = rc ? rc : counter(b, "zq_scheduler_ticks_total", "Loop ticks.", ld(&m->ticks));
	rc = rc ? rc : counter(b, "zq_scheduler_db_errors_total",
			       "Ticks that failed on a database error (not an outage).",
			       ld(&m->db_errors));
	rc = rc ? rc : counter(b, "zq_scheduler_db_down_total",
			       "Ticks that failed because the database was unreachable (reconnects).",
			       ld(&m->db_down));
	rc = rc ? rc : labelled(m, b);
	rc = rc ? rc : gauge(b, "zq_scheduler_workers_busy", "Runs posted to workers, not yet back.",
			     lds(&m->workers_busy));
	rc = rc ? rc : gauge(b, "zq_scheduler_workers_total", "Worker threads (scheduler.threads).",
			     lds(&m->workers_total));
	rc = rc ? rc : gauge(b, "zq_scheduler_settle_queue",
			     "Finished runs waiting for their final commit.", lds(&m->settle_queue));
	rc = rc ? rc : counter(b, "zq_scheduler_output_flushes_total",
			       "Live output writes of running commands (scheduler.output_flush_ms).",
			       ld(&m->output_flushes));
	rc = rc ? rc : gauge(b, "zq_scheduler_executions_pending",
			     "Executions pending in the database, any node's (capped count, refreshed "
			     "every 5 s).", lds(&m->pending));
	rc = rc ? rc : gauge(b, "zq_scheduler_tasks_due",
			     "Enabled, unpaused tasks whose next_run_at has passed (capped count, "
			     "refreshed every 5 s).", lds(&m->due));
	rc = rc ? rc : gauge(b, "zq_scheduler_backlog_updated_seconds",
			     "Unix time the backlog gauges were last read (0: not yet).",
			     lds(&m->backlog_at_s));
	rc = rc ? rc : hist(b, "zq_scheduler_fire_lateness_seconds",
			    "Start time minus scheduled time of runs started here.", &m->lateness);
	rc = rc ? rc : hist(b, "zq_scheduler_run_duration_seconds",
			    "Duration of runs whose final state this daemon committed.", &m->duration);
	rc = rc ? rc : hist(b, "zq_scheduler_tick_duration_seconds", "Duration of each loop tick.",
			    &m->tick);
	return rc;
}

void metrics_committed(const fire_result *res, int claimed)
{
	metrics *m = metrics_global();

	metrics_count(&m->fires, (uint64_t)res->runs);
	metrics_count(&m->claims, (uint64_t)claimed);
	metrics_wf_committed(m);
	for (int i = 0; i < METRICS_SKIP_COUNT; i++)
		metrics_count(&m->skipped[i], (uint64_t)res->skip_by[i]);
}

void metrics_tick(int rc, int64_t ms, int busy, int total, int settle_queue)
{
	metrics *m = metrics_global();

	metrics_count(&m->ticks, 1);
	if (rc == ZQ_EDBDOWN)
		metrics_count(&m->db_down, 1);
	else if (rc < 0 && rc != ZQ_EBUSY)
		metrics_count(&m->db_errors, 1);
	metrics_hist_observe(&m->tick, ms);
	atomic_store_explicit(&m->workers_busy, busy, memory_order_relaxed);
	atomic_store_explicit(&m->workers_total, total, memory_order_relaxed);
	atomic_store_explicit(&m->settle_queue, settle_queue, memory_order_relaxed);
}
