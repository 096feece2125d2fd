-- 030_workflow_runs: state of the workflow engine (README "Workflows").
-- Every statement is idempotent so a half-applied run can be repeated, on
-- MariaDB and MySQL alike.

-- One row per workflow run (keyed by its parent execution): the plan it
-- started with (the workflow config, with a trigger's config_override, as it
-- was when the run was claimed: editing the workflow does not reshape runs in
-- flight) and when the engine must look at it next. Which nodes ran, and how
-- they ended, is never stored here: it is derived from the child executions.
CREATE TABLE IF NOT EXISTS workflow_runs (
  execution_id  BIGINT      NOT NULL COMMENT 'the parent execution',
  plan          JSON        NOT NULL COMMENT 'workflow config the run started with',
  deadline_at   DATETIME(3) NULL COMMENT 'start + timeout_seconds; NULL = no limit',
  check_at      DATETIME(3) NULL COMMENT 'advance the run at or after this; NULL once it ended',
  PRIMARY KEY (execution_id),
  KEY ix_wfruns_check (check_at),                 -- advance: due runs, oldest first
  CONSTRAINT fk_wfruns_exec FOREIGN KEY (execution_id) REFERENCES task_executions (id) ON DELETE CASCADE,
  CONSTRAINT ck_wfruns_plan CHECK (JSON_VALID(plan))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One child execution per node and attempt: "start node N of run P" inserts
-- (P, N, 0) with ON DUPLICATE KEY UPDATE, so no interleaving of daemons,
-- restarts or repeated ticks can start a node twice; retries add (P, N, k).
-- Rows without a parent (NULL) never collide. It also serves "children of
-- run P" (its prefix), so the older ix_exec_parent goes.
SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE task_executions ADD UNIQUE KEY uk_exec_wf_node (parent_execution_id, task_id, retry_count)',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'task_executions' AND index_name = 'uk_exec_wf_node');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

SET @zq_sql = (SELECT IF(COUNT(*) > 0, 'ALTER TABLE task_executions DROP INDEX ix_exec_parent',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'task_executions' AND index_name = 'ix_exec_parent');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;
