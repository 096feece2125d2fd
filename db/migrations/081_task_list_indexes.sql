-- 081_task_list_indexes: indexes for the task list's filters at a million
-- tasks (README "REST API"; db/store/task_list.c names each in the query that
-- uses it, tests/integration/test_task_list_plans.py checks the plans).
-- Additive only: new indexes, nothing dropped or changed, so the previous
-- release's binaries keep running while it is applied. Every statement is
-- idempotent (an index that exists is left alone) so a half-applied run can
-- be repeated. Built online (ALGORITHM=INPLACE, LOCK=NONE: reads and writes
-- go on meanwhile); measured about 15 s for all five over 1,000,000 tasks on
-- a busy 2-core VM.
--
-- None of these columns is written by a fire: the scheduler's hot writes
-- (next_run_at, last_fire_at, a state row's latest_* columns) touch none of
-- these indexes; an execution's start and end move its task's entry in
-- ix_runstate_active (active 0 -> 1 -> 0), and a change of the newest
-- finished status moves it in ix_runstate_finished.

-- enabled = true / false and status=disabled: in id order, stops after a page.
SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE scheduled_tasks ADD INDEX ix_tasks_enabled (enabled, id), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'scheduled_tasks' AND index_name = 'ix_tasks_enabled');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

-- status=paused (paused = 1, enabled = 1) and the statuses of enabled,
-- unpaused tasks read in id order (pending; failed / running past the count cap).
SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE scheduled_tasks ADD INDEX ix_tasks_paused (paused, enabled, id), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'scheduled_tasks' AND index_name = 'ix_tasks_paused');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

-- status=success (in task order) and status=failed (the other finished statuses).
SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE task_run_state ADD INDEX ix_runstate_finished (last_finished_status, task_id), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'task_run_state' AND index_name = 'ix_runstate_finished');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

-- status=running: the tasks with an execution pending or running.
SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE task_run_state ADD INDEX ix_runstate_active (active, task_id), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'task_run_state' AND index_name = 'ix_runstate_active');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

-- name substring, and the filters combined: every task in id order with each
-- column a filter tests, narrow (about 60 MB at a million tasks), so a test
-- never reads a row: a common substring meets a page at once, a rare one
-- reads the whole index once, never the table; the status filters join their
-- tasks through it.
SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE scheduled_tasks ADD INDEX ix_tasks_list (id, name, task_type, enabled, paused), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'scheduled_tasks' AND index_name = 'ix_tasks_list');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;
