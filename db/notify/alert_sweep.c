/* alert_sweep.c - one sweep round (alert_sweep.h): under the session lock
 * 'zq.alert_sweep', each check of db/store/alert_detect.h in its own short
 * transaction, on the database clock. A check that fails is logged and the
 * round goes on with the next (a lost connection ends the round). */
#include "alert_sweep.h"

#include "alert_detect.h"
#include "log.h"
#include "timeutil.h"

typedef enum { CK_DOWN, CK_NOT_STARTED, CK_DURATION, CK_DEADLINE, CK_CLEARED, CK_REPEATS,
	       CK_COUNT } sweep_check;

static const char *const check_names[CK_COUNT] = {
	"scheduler_down", "not_started", "duration", "deadline", "closing", "repeats",
};

static int run_check(zq_db *db, sweep_check c, zq_err *err)
{
	int64_t now_ms;
	int rc;

	switch (c) {
	case CK_DOWN:
		return alert_detect_scheduler_down(db, NULL, err);
	case CK_NOT_STARTED:
		return alert_detect_not_started(db, NULL, err);
	case CK_DURATION:
		return alert_detect_duration(db, NULL, err);
	case CK_DEADLINE:
		if ((rc = alert_detect_now_ms(db, &now_ms, err)) < 0)
			return rc;
		return alert_detect_deadline(db, now_ms, NULL, err);
	case CK_CLEARED:
		return alert_detect_close_cleared(db, err);
	case CK_REPEATS:
		return alert_detect_repeats(db, NULL, err);
	default:
		return 0;
	}
}

#define WARN_EVERY_MS 60000   /* a check that keeps failing is said once a minute */

/* One check in its own transaction. */
static int one_check(zq_db *db, sweep_check c, zq_err *err)
{
	static int64_t warned_at[CK_COUNT];   /* the alert thread's: one per process */
	static int suppressed[CK_COUNT];
	int64_t now = zq_mono_ms();
	int rc;

	if ((rc = zq_db_begin(db, err)) == 0 && (rc = run_check(db, c, err)) == 0)
		rc = zq_db_commit(db, err);
	if (rc < 0) {
		zq_db_rollback(db);
		if (rc == ZQ_EDBDOWN || rc == ZQ_EBUSY) {
			/* the next round tries again */
		} else if (!warned_at[c] || now - warned_at[c] >= WARN_EVERY_MS) {
			zq_warn("alerts: sweep check %s: %s (%d more since the last report)",
				check_names[c], err->msg, suppressed[c]);
			warned_at[c] = now;
			suppressed[c] = 0;
		} else {
			suppressed[c]++;
		}
	}
	return rc;
}

int alert_sweep_run(zq_db *db, const zq_config *cfg, zq_err *err)
{
	int64_t got = 0, released;
	zq_err ignored = ZQ_ERR_INIT;
	int rc;

	(void)cfg;
	if ((rc = alert_detect_any_rule(db, err)) <= 0)
		return rc;
	if ((rc = zq_db_query_i64(db, "SELECT GET_LOCK('zq.alert_sweep', 0)", ZQ_NO_PARAM, &got,
				  err)) < 0 || got != 1)
		return rc;  /* another process sweeps this round */
	for (int c = 0; c < CK_COUNT; c++) {
		if ((rc = one_check(db, (sweep_check)c, err)) == ZQ_EDBDOWN)
			return rc;  /* the session, and its lock, are gone */
		if (rc < 0)
			zq_err_clear(err);
	}
	(void)zq_db_query_i64(db, "SELECT RELEASE_LOCK('zq.alert_sweep')", ZQ_NO_PARAM, &released,
			      &ignored);
	return 0;
}
