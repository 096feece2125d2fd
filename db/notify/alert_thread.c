/* alert_thread.c - the alert thread (alert_thread.h): a round every
 * alerts.sweep_ms on a connection of its own (connected on first use,
 * reconnected by db.c after an outage): the sweep (alert_sweep.h), then
 * the sender: claim up to ALERT_BATCH due events (alert_outbox.h), deliver
 * each outside any transaction (deliver.h), record its outcome, and claim
 * again while a batch came full.
 *
 * Retries: a failed attempt n (counting from 1) is due again
 * min(2^n, 300) s later on the database clock; the attempt that reaches
 * alerts.max_attempts, a refused destination (the SSRF guard, a redirect),
 * a message that cannot be built and a disabled or deleted channel end the
 * event `failed`. A claim's lease is timeout_s * 2 + 5 s: a sender killed
 * mid-delivery leaves the row to whoever claims it after the lease (at
 * least once; the receiver dedupes by event id).
 *
 * Stop: the delivery under way completes; the rest of the batch is given
 * back untried (pending, due now, the attempt not counted). */
#include "alert_thread.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "alert_outbox.h"
#include "alert_sweep.h"
#include "alert_text.h"
#include "db.h"
#include "deliver.h"
#include "log.h"
#include "mem.h"
#include "netaddr.h"
#include "timeutil.h"

#define ALERT_BATCH 20

alert_counts alert_thread_counts;
#define ALERT_BACKOFF_MAX_S 300
#define ALERT_RETRY_MS 1000     /* after a failed claim */

struct alert_thread {
	const zq_config *cfg;
	char *who;
	netaddr_list *allow;
	deliver_opts opts;
	zq_db *db;                   /* the thread's own */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;           /* CLOCK_MONOTONIC */
	int stop;                    /* under mu */
	char last_err[ZQ_ERR_MSG_MAX];/* the thread's: said at warn once, then at debug */
};

static int stopping(alert_thread *T)
{
	int s;

	pthread_mutex_lock(&T->mu);
	s = T->stop;
	pthread_mutex_unlock(&T->mu);
	return s;
}

int alert_backoff_s(int attempts)
{
	return attempts >= 9 ? ALERT_BACKOFF_MAX_S : 1 << (attempts < 0 ? 0 : attempts);
}

/* A round's error: a new one at warn, the same again at debug. */
static void round_error(alert_thread *T, const char *what, const zq_err *err)
{
	if (strcmp(T->last_err, err->msg) != 0) {
		zq_warn("alert: %s: %s (again every round until it clears)", what, err->msg);
		snprintf(T->last_err, sizeof(T->last_err), "%s", err->msg);
	} else {
		zq_debug("alert: %s: %s", what, err->msg);
	}
}

/* What one event is about, for its log line: "12 (failure, dingtalk 'ops')". */
typedef struct {
	const alert_outbox_row *row;
	const alert_outbox_channel *ch;
} ev_desc;

#define EV_FMT "alert: event %lld (%s, %s '%s')"
#define EV_ARGS(d) (long long)(d)->row->id, (d)->row->event, (d)->ch->found ? (d)->ch->kind : "?", \
	(d)->ch->found ? (d)->ch->name : "?"

/* Write the outcome and say it in one line. */
static void finish(alert_thread *T, const ev_desc *d, alert_outbox_result *res)
{
	zq_err err = ZQ_ERR_INIT;
	int stale = 0;

	if (alert_outbox_record(T->db, d->row->id, d->row->attempts, res, &stale, &err) < 0) {
		zq_warn(EV_FMT " outcome not recorded: %s (it is sent again after its lease)",
			EV_ARGS(d), err.msg);
		return;
	}
	if (stale)
		zq_warn(EV_FMT " outcome not recorded: its lease ended and another sender took it",
			EV_ARGS(d));
	atomic_fetch_add(res->outcome == ALERT_SENT    ? &alert_thread_counts.sent
			 : res->outcome == ALERT_RETRY ? &alert_thread_counts.retry
						       : &alert_thread_counts.failed, 1);
	if (res->outcome == ALERT_SENT)
		zq_info(EV_FMT " sent in %lld ms", EV_ARGS(d), (long long)res->latency_ms);
	else if (res->outcome == ALERT_RETRY)
		zq_warn(EV_FMT " attempt %d failed: %s; next in %d s", EV_ARGS(d), d->row->attempts,
			res->error, res->retry_s);
	else
		zq_warn(EV_FMT " attempt %d failed: %s; not retried (failed)", EV_ARGS(d),
			d->row->attempts, res->error);
}

static void fail_now(alert_thread *T, const ev_desc *d, const char *why)
{
	alert_outbox_result res = {.outcome = ALERT_FAILED, .error = why, .latency_ms = -1};

	finish(T, d, &res);
}

/* Build the message of row for ch and deliver it once. */
static void attempt(alert_thread *T, const ev_desc *d, int kind)
{
	const alert_outbox_channel *ch = d->ch;
	cJSON *pub = cJSON_Parse(ch->config ? ch->config : "{}"),
	      *sec = ch->secrets ? cJSON_Parse(ch->secrets) : NULL,
	      *facts = cJSON_Parse(d->row->facts ? d->row->facts : "{}");
	alert_chan_view view = {.id = d->row->channel_id, .name = ch->name,
				.kind = (alert_chan_kind)kind, .lang = ch->lang, .pub = pub,
				.secrets = sec};
	alert_outbox_result res = {.latency_ms = -1};
	alert_msg m;
	deliver_result dr;
	zq_err err = ZQ_ERR_INIT;
	int built;

	memset(&m, 0, sizeof(m));
	built = pub && facts &&
		alert_msg_build(&view, facts, d->row->id, T->cfg->alerts_base_url, zq_wall_ms(), &m,
				&err) == 0;
	if (!built) {
		zq_err_prefix(&err, "message: ");
		fail_now(T, d, err.msg[0] ? err.msg : "message: the stored config or facts are not JSON");
		goto out;
	}
	if (deliver_send(&view, &m, &T->opts, &dr, &err) == 0) {
		res.outcome = ALERT_SENT;
	} else {
		res.error = err.msg;
		res.outcome = dr.refused || d->row->attempts >= T->cfg->alerts_max_attempts ?
			ALERT_FAILED : ALERT_RETRY;
		res.retry_s = alert_backoff_s(d->row->attempts);
	}
	res.code = dr.code;
	res.latency_ms = dr.latency_ms;
	finish(T, d, &res);
out:
	alert_msg_free(&m);
	cJSON_Delete(pub);
	cJSON_Delete(sec);
	cJSON_Delete(facts);
}

static void send_one(alert_thread *T, const alert_outbox_row *row)
{
	alert_outbox_channel ch;
	ev_desc d = {row, &ch};
	zq_err err = ZQ_ERR_INIT;
	int kind;

	if (alert_outbox_channel_get(T->db, row->channel_id, &ch, &err) < 0) {
		zq_warn("alert: event %lld: channel %lld: %s (it is sent again after its lease)",
			(long long)row->id, (long long)row->channel_id, err.msg);
		return;
	}
	kind = ch.found ? alert_chan_kind_parse(ch.kind) : -1;
	if (!ch.found)
		fail_now(T, &d, "channel deleted");
	else if (!ch.enabled)
		fail_now(T, &d, "channel disabled");
	else if (kind < 0)
		fail_now(T, &d, "unknown channel kind");
	else
		attempt(T, &d, kind);
	alert_outbox_channel_release(&ch);
}

/* One claim and its deliveries: how many rows it claimed, -1 on error. */
static int send_batch(alert_thread *T)
{
	alert_outbox_row rows[ALERT_BATCH];
	zq_err err = ZQ_ERR_INIT;
	int n = 0, i, rc;

	rc = alert_outbox_claim(T->db, T->who, T->cfg->alerts_timeout_s * 2 + 5, ALERT_BATCH, rows,
				&n, &err);
	if (rc == ZQ_EBUSY)
		return 0;
	if (rc < 0) {
		round_error(T, "claim", &err);
		return -1;
	}
	for (i = 0; i < n && !stopping(T); i++)
		send_one(T, &rows[i]);
	for (; i < n; i++)
		if (alert_outbox_release(T->db, rows[i].id, rows[i].attempts, &err) < 0)
			zq_debug("alert: release event %lld: %s", (long long)rows[i].id, err.msg);
	alert_outbox_rows_release(rows, n);
	return n;
}

static int one_round(alert_thread *T)
{
	zq_err err = ZQ_ERR_INIT;
	int n, swept = alert_sweep_run(T->db, T->cfg, &err);

	if (swept < 0)
		round_error(T, "sweep", &err);
	while ((n = send_batch(T)) == ALERT_BATCH && !stopping(T))
		;
	if (swept == 0 && n >= 0)
		T->last_err[0] = '\0';
	return swept < 0 || n < 0 ? -1 : 0;
}

static void *alert_main(void *arg)
{
	alert_thread *T = arg;
	int64_t next = zq_mono_ms();

	zq_db_thread_init();
	T->db = zq_db_new(T->cfg);
	pthread_mutex_lock(&T->mu);
	while (!T->stop) {
		struct timespec ts;
		int rc;

		if (zq_mono_ms() < next) {
			ts.tv_sec = (time_t)(next / 1000);
			ts.tv_nsec = (long)(next % 1000) * 1000000L;
			pthread_cond_timedwait(&T->cv, &T->mu, &ts);
			continue;
		}
		pthread_mutex_unlock(&T->mu);
		rc = one_round(T);
		next = zq_mono_ms() + (rc < 0 && T->cfg->alerts_sweep_ms < ALERT_RETRY_MS ?
				       ALERT_RETRY_MS : T->cfg->alerts_sweep_ms);
		pthread_mutex_lock(&T->mu);
	}
	pthread_mutex_unlock(&T->mu);
	zq_db_free(T->db);
	T->db = NULL;
	zq_db_thread_end();
	return NULL;
}

static void thread_free(alert_thread *T)
{
	pthread_cond_destroy(&T->cv);
	pthread_mutex_destroy(&T->mu);
	netaddr_list_free(T->allow);
	free(T->who);
	free(T);
}

alert_thread *alert_thread_start(const zq_config *cfg, const char *who, zq_err *err)
{
	alert_thread *T;
	pthread_condattr_t ca;
	netaddr_list *allow;
	int rc;

	if (!cfg->alerts_enabled)
		return NULL;
	if (!(allow = netaddr_list_parse(cfg->alerts_allow, err)))
		return NULL;
	deliver_global_init();
	T = zq_calloc(1, sizeof(*T));
	T->cfg = cfg;
	T->who = zq_strdup(who ? who : "?");
	T->allow = allow;
	T->opts = (deliver_opts){.allow = allow, .deny_private = cfg->alerts_deny_private,
				 .timeout_s = cfg->alerts_timeout_s, .ca_file = cfg->alerts_ca_file};
	pthread_mutex_init(&T->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&T->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&T->thread, NULL, alert_main, T)) != 0) {
		zq_errf(err, ZQ_EIO, "alert thread: %s", strerror(rc));
		thread_free(T);
		return NULL;
	}
	zq_info("alerts: sending as '%s' every %d ms (timeout %d s, %d attempts)", T->who,
		cfg->alerts_sweep_ms, cfg->alerts_timeout_s, cfg->alerts_max_attempts);
	return T;
}

void alert_thread_request_stop(alert_thread *T)
{
	if (!T)
		return;
	pthread_mutex_lock(&T->mu);
	T->stop = 1;
	pthread_cond_signal(&T->cv);
	pthread_mutex_unlock(&T->mu);
}

void alert_thread_stop(alert_thread *T)
{
	if (!T)
		return;
	alert_thread_request_stop(T);
	pthread_join(T->thread, NULL);
	thread_free(T);
}
