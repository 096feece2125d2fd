-- 090_run_status: the running / finished part of a task's schedule_status
-- as a column of its task_run_state row, with one index that yields the
-- tasks of each status in id order (README "REST API"; db/store/task_list.c
-- drives status=running / success / failed by it, the plan test
-- tests/integration/test_task_list_plans.py checks the plans).
--
-- run_status is GENERATED from the row's own columns, so no writer sets it:
-- the recomputation (db/store/run_state_store.c) and the previous release's
-- binaries, which do not know it, keep it right alike. Its value is what
-- task_store_schedule_status says for an enabled, unpaused task: running
-- (an execution pending or running), else pending (nothing finished yet),
-- else success or failed (the newest finished: success, or failed /
-- completed / terminated). A task without a state row has no executions:
-- pending, with no entry here.
--
-- VIRTUAL: adding the column changes no row (an instant change of the table
-- definition); the index stores the value. Additive only, and every statement
-- is idempotent (what exists is left alone) so a half-applied run can be
-- repeated. The index is built online (ALGORITHM=INPLACE, LOCK=NONE: reads
-- and writes go on meanwhile): measured 0.5 s for 200,000 state rows and
-- 4.4 s for 1,000,000 on a busy 2-core VM, a writer updating state rows in a
-- loop meanwhile (slowest update 220 ms, at the end of the build). PERSISTENT
-- would need ALGORITHM=COPY, a rebuild that blocks writers (1.3 s at 200,000
-- rows). ix_runstate_finished and ix_runstate_active (081) are no longer
-- read by this release; dropping them waits for the next.

SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE task_run_state ADD COLUMN run_status VARCHAR(8) AS (CASE WHEN active > 0 THEN ''running'' WHEN last_finished_status IS NULL THEN ''pending'' WHEN last_finished_status = ''success'' THEN ''success'' ELSE ''failed'' END) VIRTUAL COMMENT ''running|pending|success|failed: schedule_status of an enabled, unpaused task'', ALGORITHM=INSTANT',
  'DO 0') FROM information_schema.columns WHERE table_schema = DATABASE()
  AND table_name = 'task_run_state' AND column_name = 'run_status');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE task_run_state ADD INDEX ix_runstate_status (run_status, task_id), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'task_run_state' AND index_name = 'ix_runstate_status');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;
