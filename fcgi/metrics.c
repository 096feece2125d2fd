/* metrics.c - fixed-size counter arrays; statuses are bucketed to the codes
 * the API answers with, so the array never grows at run time. */
#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_outbox.h"
#include "mem.h"
#include "metrics_store.h"
#include "timeutil.h"

static const int status_codes[] = {200, 201, 202, 204, 400, 401, 403, 404,
				   405, 409, 413, 429, 500, 503, 0 /* other */};
#define NSTATUS ((int)(sizeof(status_codes) / sizeof(status_codes[0])))

/* latency buckets, seconds (upper bounds) */
static const double bucket_le[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				   0.1,   0.25,   0.5,   1,    2.5,   5,    10};
#define NBUCKET ((int)(sizeof(bucket_le) / sizeof(bucket_le[0])))

struct zq_metrics {
	int nslots;                    /* routes + 1 (unmatched) */
	atomic_uint_fast64_t *count;   /* [slot][status] */
	atomic_uint_fast64_t buckets[NBUCKET + 1]; /* last: +Inf */
	atomic_uint_fast64_t sum_us;
	atomic_uint_fast64_t db_errors;
	atomic_int in_flight;
	pthread_mutex_t db_mu;         /* the cached database gauges */
	int64_t db_at_mono;            /* when read; 0 = never */
	metrics_db_gauges db;
};

zq_metrics *zq_metrics_new(int nroutes)
{
	zq_metrics *m = zq_calloc(1, sizeof(*m));

	m->nslots = nroutes + 1;
	pthread_mutex_init(&m->db_mu, NULL);
	m->count = zq_calloc((size_t)m->nslots * NSTATUS, sizeof(*m->count));
	return m;
}

void zq_metrics_free(zq_metrics *m)
{
	if (!m)
		return;
	free(m->count);
	pthread_mutex_destroy(&m->db_mu);
	free(m);
}

static int status_slot(int status)
{
	for (int i = 0; i < NSTATUS - 1; i++)
		if (status_codes[i] == status)
			return i;
	return NSTATUS - 1;
}

void zq_metrics_observe(zq_metrics *m, int route, int status, int64_t us)
{
	int slot = route >= 0 && route < m->nslots - 1 ? route : m->nslots - 1;
	int b = 0;

	atomic_fetch_add_explicit(&m->count[slot * NSTATUS + status_slot(status)], 1,
				  memory_order_relaxed);
	while (b < NBUCKET && (double)us / 1e6 > bucket_le[b])
		b++;
	atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->sum_us, (uint64_t)(us > 0 ? us : 0), memory_order_relaxed);
}

void zq_metrics_db_error(zq_metrics *m)
{
	atomic_fetch_add_explicit(&m->db_errors, 1, memory_order_relaxed);
}

void zq_metrics_in_flight(zq_metrics *m, int delta)
{
	atomic_fetch_add_explicit(&m->in_flight, delta, memory_order_relaxed);
}

static uint64_t load(atomic_uint_fast64_t *a)
{
	return (uint64_t)atomic_load_explicit(a, memory_order_relaxed);
}

static void render_requests(zq_metrics *m, const zq_route *routes, int nroutes, zq_buf *out)
{
	zq_buf_puts(out, "# HELP zq_api_requests_total HTTP requests by route and status.\n"
			 "# TYPE zq_api_requests_total counter\n");
	for (int s = 0; s < m->nslots; s++)
		for (int k = 0; k < NSTATUS; k++) {
			uint64_t v = load(&m->count[s * NSTATUS + k]);
			char status[8];
			if (!v)
				continue;
			if (status_codes[k])
				snprintf(status, sizeof(status), "%d", status_codes[k]);
			else
				strcpy(status, "other");
			if (s < nroutes)
				zq_buf_printf(out,
					      "zq_api_requests_total{method=\"%s\",route=\"%s\","
					      "status=\"%s\"} %llu\n",
					      routes[s].method, routes[s].pattern, status,
					      (unsigned long long)v);
			else
				zq_buf_printf(out,
					      "zq_api_requests_total{method=\"\",route=\"unmatched\","
					      "status=\"%s\"} %llu\n",
					      status, (unsigned long long)v);
		}
}

static void render_latency(zq_metrics *m, zq_buf *out)
{
	uint64_t cum = 0;

	zq_buf_puts(out, "# HELP zq_api_request_duration_seconds Time from request read to "
			 "response written.\n"
			 "# TYPE zq_api_request_duration_seconds histogram\n");
	for (int b = 0; b <= NBUCKET; b++) {
		cum += load(&m->buckets[b]);
		if (b < NBUCKET)
			zq_buf_printf(out, "zq_api_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
				      bucket_le[b], (unsigned long long)cum);
		else
			zq_buf_printf(out,
				      "zq_api_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
				      (unsigned long long)cum);
	}
	zq_buf_printf(out, "zq_api_request_duration_seconds_sum %.6f\n",
		      (double)load(&m->sum_us) / 1e6);
	zq_buf_printf(out, "zq_api_request_duration_seconds_count %llu\n", (unsigned long long)cum);
}

void zq_metrics_render(zq_metrics *m, const zq_route *routes, int nroutes, zq_buf *out)
{
	render_requests(m, routes, nroutes, out);
	render_latency(m, out);
	zq_buf_printf(out,
		      "# HELP zq_api_db_errors_total Requests that failed on a database error.\n"
		      "# TYPE zq_api_db_errors_total counter\nzq_api_db_errors_total %llu\n",
		      (unsigned long long)load(&m->db_errors));
	zq_buf_printf(out,
		      "# HELP zq_api_requests_in_flight Requests being handled now.\n"
		      "# TYPE zq_api_requests_in_flight gauge\nzq_api_requests_in_flight %d\n",
		      atomic_load_explicit(&m->in_flight, memory_order_relaxed));
}

void zq_metrics_render_alerts(const alert_outbox_stats *s, zq_buf *out)
{
	zq_buf_puts(out, "# HELP zq_alert_events Alert events in the outbox by event and delivery status "
			 "(read from the database; rows older than scheduler.history_days are purged).\n"
			 "# TYPE zq_alert_events gauge\n");
	for (int i = 0; i < s->nrows; i++)
		zq_buf_printf(out, "zq_alert_events{event=\"%s\",status=\"%s\"} %lld\n", s->rows[i].event,
			      s->rows[i].status, (long long)s->rows[i].n);
	zq_buf_puts(out, "# HELP zq_alert_send_latency_ms Latency of the last attempt of the events, by event "
			 "and status: sum and count.\n# TYPE zq_alert_send_latency_ms summary\n");
	for (int i = 0; i < s->nrows; i++) {
		const alert_outbox_count *c = &s->rows[i];
		if (!c->latency_n)
			continue;
		zq_buf_printf(out, "zq_alert_send_latency_ms_sum{event=\"%s\",status=\"%s\"} %lld\n"
				   "zq_alert_send_latency_ms_count{event=\"%s\",status=\"%s\"} %lld\n",
			      c->event, c->status, (long long)c->latency_sum_ms, c->event, c->status,
			      (long long)c->latency_n);
	}
	zq_buf_printf(out, "# HELP zq_alert_backlog Events due for delivery now (pending, or sending with "
			   "an expired lease).\n# TYPE zq_alert_backlog gauge\nzq_alert_backlog %lld\n"
			   "# HELP zq_alert_backlog_oldest_seconds How long the oldest due event has waited.\n"
			   "# TYPE zq_alert_backlog_oldest_seconds gauge\nzq_alert_backlog_oldest_seconds %.3f\n"
			   "# HELP zq_alerts_open Open alerts.\n# TYPE zq_alerts_open gauge\nzq_alerts_open %lld\n",
		      (long long)s->due, s->oldest_due_s, (long long)s->open_alerts);
}

/* The cached gauges, read again once older than the TTL (one reader at a
 * time: the others wait for its few milliseconds and share the figures). */
static int db_gauges(zq_metrics *m, zq_db *db, int lease_s, metrics_db_gauges *g, zq_err *err)
{
	int64_t now = zq_mono_ms();
	int rc = 0;

	pthread_mutex_lock(&m->db_mu);
	if (!m->db_at_mono || now - m->db_at_mono >= ZQ_METRICS_DB_TTL_MS) {
		if ((rc = metrics_store_gauges(db, lease_s, &m->db, err)) == 0)
			m->db_at_mono = now;
	}
	*g = m->db;
	pthread_mutex_unlock(&m->db_mu);
	return rc;
}

int zq_metrics_render_db(zq_metrics *m, zq_db *db, int lease_s, zq_buf *out, zq_err *err)
{
	metrics_db_gauges g;
	int rc = db_gauges(m, db, lease_s, &g, err);

	if (rc < 0)
		return rc;
	zq_buf_printf(out, "# HELP zq_tasks Tasks by state (from the database: the same from any "
			   "process).\n# TYPE zq_tasks gauge\n"
			   "zq_tasks{state=\"enabled\"} %lld\nzq_tasks{state=\"disabled\"} %lld\n"
			   "zq_tasks{state=\"paused\"} %lld\n",
		      (long long)g.tasks_enabled, (long long)g.tasks_disabled, (long long)g.tasks_paused);
	zq_buf_printf(out, "# HELP zq_executions Executions running or pending (from the database; "
			   "counts capped at %d).\n# TYPE zq_executions gauge\n"
			   "zq_executions{status=\"running\"} %lld\nzq_executions{status=\"pending\"} "
			   "%lld\n", METRICS_COUNT_CAP, (long long)g.exec_running,
		      (long long)g.exec_pending);
	zq_buf_printf(out, "# HELP zq_executions_oldest_pending_seconds How long the oldest pending "
			   "execution that may start has waited (0: none).\n"
			   "# TYPE zq_executions_oldest_pending_seconds gauge\n"
			   "zq_executions_oldest_pending_seconds %.3f\n"
			   "# HELP zq_nodes_alive zq-scheduler nodes running with a heartbeat "
			   "within scheduler.lease_s (from the database).\n"
			   "# TYPE zq_nodes_alive gauge\nzq_nodes_alive %lld\n",
		      g.oldest_pending_s, (long long)g.nodes_alive);
	return 0;
}
