/* alert_sweep.h - the rules that watch the clock: deadline, not_started,
 * duration, scheduler_down/up, the repeats of open alerts and the closing of
 * alerts whose condition cleared. The alert thread (alert_thread.h) calls
 * alert_sweep_run every alerts.sweep_ms on its own connection. */
#ifndef ZQ_NOTIFY_ALERT_SWEEP_H
#define ZQ_NOTIFY_ALERT_SWEEP_H

#include "config.h"
#include "db.h"
#include "err.h"

/* One round: takes GET_LOCK('zq.alert_sweep', 0) on db (returns 0 at once
 * when another process holds it), runs each check in its own short
 * transaction on the database clock (NOW(3)), releases the lock. Opening
 * an alert is INSERT IGNORE on uk_alerts_slot; its events are written only
 * when that insert created the row (or a repeat is due), so two sweepers
 * never double-alert. db must not be inside a transaction. 0, or a ZQ_E*
 * code with err filled (the round stopped at the failing check; the next
 * round starts over). */
int alert_sweep_run(zq_db *db, const zq_config *cfg, zq_err *err);

#endif
