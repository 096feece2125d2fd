/* backfill.c - the backfill engine's round (backfill.h): end, start,
 * finish, in the tick's transaction; the statements are backfill_store.c. */
#include "backfill.h"

#include "backfill_store.h"
#include "buf.h"
#include "calendar.h"

/* End what ended, start what the room allows, finish when nothing is left. */
static int one(tick_tx *tx, const backfill_job *b, int *started, zq_err *err)
{
	int32_t days[BACKFILL_CONCURRENCY_MAX];
	int64_t ids[BACKFILL_CONCURRENCY_MAX];
	int ended = 0, failed = 0, left = 0, n = 0, finished = 0, rc;

	if ((rc = backfill_store_end_dates(tx->db, b, &ended, &failed, &left, err)) < 0)
		return rc;
	if (b->status == BF_RUNNING && left < b->concurrency &&
	    (rc = backfill_store_start_dates(tx->db, b, b->concurrency - left, days, ids, &n,
					     err)) < 0)
		return rc;
	if ((rc = backfill_store_progress(tx->db, b, ended, failed, &finished, err)) < 0)
		return rc;
	for (int i = 0; i < n; i++) {
		char d[11];
		zq_day_format(days[i], d);
		zq_buf_printf(&tx->events, "BACKFILL backfill=%lld task=%lld exec=%lld date=%s\n",
			      (long long)b->id, (long long)b->task_id, (long long)ids[i], d);
	}
	if (n)
		run_state_ids_add_unfinished(&tx->touched, b->task_id);
	if (finished)
		zq_buf_printf(&tx->events, "BACKFILL backfill=%lld task=%lld %s\n", (long long)b->id,
			      (long long)b->task_id,
			      b->status == BF_RUNNING ? "done" : "cancelled: its runs ended");
	*started += n;
	return 0;
}

int backfill_tick(tick_tx *tx, int *started, zq_err *err)
{
	backfill_job jobs[BACKFILL_TICK_MAX];
	int n = 0, rc;

	*started = 0;
	if ((rc = backfill_store_claim(tx->db, jobs, BACKFILL_TICK_MAX, &n, err)) < 0)
		return rc;
	for (int i = 0; i < n; i++)
		if ((rc = one(tx, &jobs[i], started, err)) < 0)
			return rc;
	return 0;
}
