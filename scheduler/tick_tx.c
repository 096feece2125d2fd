/* tick_tx.c - the loop's transaction object (see tick_tx.h). */
#include "tick_tx.h"

#include <string.h>

#include "log.h"

void tick_tx_init(tick_tx *tx, zq_db *db)
{
	memset(tx, 0, sizeof(*tx));
	tx->db = db;
	stats_batch_init(&tx->stats);
	run_state_ids_init(&tx->touched);
	zq_buf_init(&tx->events, 1 << 20);
	zq_buf_init(&tx->warns, 1 << 20);
	cal_cache_init(&tx->cals);
}

void tick_tx_release(tick_tx *tx)
{
	stats_batch_release(&tx->stats);
	run_state_ids_release(&tx->touched);
	zq_buf_release(&tx->events);
	zq_buf_release(&tx->warns);
	cal_cache_release(&tx->cals);
}

int tick_tx_begin(tick_tx *tx, int64_t now_ms, zq_err *err)
{
	tx->now_ms = now_ms;
	tx->commit_sent = 0;
	stats_batch_reset(&tx->stats);
	run_state_ids_reset(&tx->touched);
	zq_buf_reset(&tx->events);
	zq_buf_reset(&tx->warns);
	return zq_db_begin(tx->db, err);
}

int tick_tx_commit(tick_tx *tx, zq_err *err)
{
	int rc;

	/* last: after every write to executions (run_state_store.h) */
	if ((rc = run_state_store_refresh(tx->db, &tx->touched, err)) < 0 ||
	    (rc = stats_store_upsert(tx->db, &tx->stats, err)) < 0)
		return rc;
	tx->commit_sent = 1;
	if ((rc = zq_db_commit(tx->db, err)) < 0)
		return rc;
	/* a few writes a tick, not one a line */
	if (tx->warns.len)
		zq_log_lines(ZQ_LOG_WARN, tx->warns.data);
	if (tx->events.len)
		zq_log_lines(ZQ_LOG_INFO, tx->events.data);
	return 0;
}

void tick_tx_rollback(tick_tx *tx)
{
	zq_db_rollback(tx->db);
}
