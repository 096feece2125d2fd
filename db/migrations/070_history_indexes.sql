-- 070_history_indexes: indexes for the history, statistics and audit reads
-- of the API (README "REST API"), each named in the query that uses it
-- (db/store/exec_api.c, db/store/audit_store.c; tests/integration/
-- test_query_plans.py checks the plans).
-- Additive only: new indexes, nothing dropped or changed, so the previous
-- release's binaries keep running while it is applied. Every statement is
-- idempotent (an index that exists is left alone) so a half-applied run can
-- be repeated, on MariaDB and MySQL alike.
--
-- On a big table: InnoDB builds a secondary index online
-- (ALGORITHM=INPLACE, LOCK=NONE: reads and writes of task_executions go on
-- while it is built; the statement fails rather than lock the table if the
-- server cannot do that), in one pass over the table, sorting in tmpdir
-- (measured: 104 s for (task_id, start_time) over 10 million executions on a
-- busy 2-core VM with a 128 MB buffer pool, tests/bench/bench_history.py
-- --index-build; two such indexes here). Writes made meanwhile are kept in a log
-- (innodb_online_alter_log_max_size, default 128 MB) and applied at the end.

-- A task's executions in a start_time range, newest first (the history page's
-- days): range on (task_id, start_time), read backwards, stops after a page.
SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE task_executions ADD INDEX ix_exec_task_start (task_id, start_time), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'task_executions' AND index_name = 'ix_exec_task_start');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

-- The same with a status (failed runs of last week): without it, a rare
-- status in a wide range reads every row of the range to find a page.
SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE task_executions ADD INDEX ix_exec_task_status_start (task_id, status, start_time), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'task_executions' AND index_name = 'ix_exec_task_status_start');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

-- The statistics of every task per day: the sums straight from the index,
-- without a row lookup per (task, day).
SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE task_stats_daily ADD INDEX ix_stats_day_sums (day, runs, successes, failures, terminations, skipped, total_duration_ms, max_duration_ms), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'task_stats_daily' AND index_name = 'ix_stats_day_sums');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

-- The audit log, newest first by `at` for every filter the API offers
-- (task_id, actor, action, the two pairs the audit page combines, and a
-- time range on each); audit rows are written by people's actions, so the
-- write cost of these is small.
SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE audit_log ADD INDEX ix_audit_task_at (task_id, at), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'audit_log' AND index_name = 'ix_audit_task_at');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE audit_log ADD INDEX ix_audit_actor_at (actor, at), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'audit_log' AND index_name = 'ix_audit_actor_at');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE audit_log ADD INDEX ix_audit_action_at (action, at), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'audit_log' AND index_name = 'ix_audit_action_at');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE audit_log ADD INDEX ix_audit_task_action_at (task_id, action, at), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'audit_log' AND index_name = 'ix_audit_task_action_at');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE audit_log ADD INDEX ix_audit_actor_action_at (actor, action, at), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'audit_log' AND index_name = 'ix_audit_actor_action_at');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;
