/* alert_thread.h - the alert thread every zq process runs when
 * alerts.enabled: on a database connection of its own, every
 * alerts.sweep_ms it sweeps the rules that watch the clock (alert_sweep.h)
 * and sends the due events of the outbox (db/store/alert_outbox.h). Any
 * number of processes may run one: the sweep takes a session lock, the
 * sender claims rows with SKIP LOCKED and a lease. */
#ifndef ZQ_NOTIFY_ALERT_THREAD_H
#define ZQ_NOTIFY_ALERT_THREAD_H

#include <stdatomic.h>

#include "config.h"
#include "err.h"

typedef struct alert_thread alert_thread;

/* Start the thread (it connects on its first round); `who` names this
 * process in alert_events.sender ("zq-scheduler host:pid"). cfg must
 * outlive it. Returns NULL without an error when alerts.enabled is false;
 * NULL + err when the thread cannot be created. */
alert_thread *alert_thread_start(const zq_config *cfg, const char *who, zq_err *err);
/* Ask the thread to stop after the delivery under way, without waiting. */
void alert_thread_request_stop(alert_thread *T);
/* Stop (the delivery under way completes), join and free. NULL is ok. */
void alert_thread_stop(alert_thread *T);

/* Delivery outcomes of every alert thread in this process, for metrics
 * (scheduler/sched_metrics.h): attempts sent, failed and retried, failed for good. */
typedef struct alert_counts {
	_Atomic unsigned long long sent, retry, failed;
} alert_counts;
extern alert_counts alert_thread_counts;

/* Seconds before the retry of an event whose attempt `attempts` (from 1)
 * failed: min(2^attempts, 300). */
int alert_backoff_s(int attempts);

#endif
