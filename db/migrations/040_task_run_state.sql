-- 040_task_run_state: each task's execution state as the API shows it
-- (README "REST API"), so that a task or a page of tasks is read with a
-- primary-key join instead of dives into each task's history.
-- Every statement is idempotent so a half-applied run can be repeated.

-- Never incremented: recomputed from task_executions, for the tasks a
-- transaction touched, by every transaction that inserts executions,
-- changes their status or deletes them, before it commits
-- (db/run_state_store.c), so it cannot drift. A task without a row has no
-- executions. BI tools may read it like any other table.
CREATE TABLE IF NOT EXISTS task_run_state (
  task_id               BIGINT      NOT NULL,
  latest_execution_id   BIGINT      NULL COMMENT 'newest execution (highest id)',
  latest_status         VARCHAR(16) NULL COMMENT 'its status',
  latest_time           DATETIME(3) NULL COMMENT 'its start_time, else its created_at',
  last_finished_status  VARCHAR(16) NULL COMMENT 'newest success|failed|completed|terminated',
  active                INT         NOT NULL DEFAULT 0 COMMENT 'executions pending or running',
  updated_at            DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'last recomputed',
  PRIMARY KEY (task_id),
  CONSTRAINT fk_runstate_task FOREIGN KEY (task_id) REFERENCES scheduled_tasks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Backfill the tasks that already have executions (an upgrade; zq daemons
-- are stopped while zq-db migrate runs). Repeating it recomputes the same rows.
INSERT INTO task_run_state (task_id, latest_execution_id, latest_status, latest_time,
                            last_finished_status, active, updated_at)
SELECT t.id, le.id, le.status, COALESCE(le.start_time, le.created_at),
  (SELECT f.status FROM task_executions f WHERE f.task_id = t.id
     AND f.status IN ('success', 'failed', 'completed', 'terminated') ORDER BY f.id DESC LIMIT 1),
  (SELECT COUNT(*) FROM task_executions a WHERE a.task_id = t.id
     AND a.status IN ('pending', 'running')),
  UTC_TIMESTAMP(3)
FROM scheduled_tasks t
JOIN task_executions le ON le.id = (SELECT MAX(m.id) FROM task_executions m WHERE m.task_id = t.id)
ON DUPLICATE KEY UPDATE latest_execution_id = VALUES(latest_execution_id),
  latest_status = VALUES(latest_status), latest_time = VALUES(latest_time),
  last_finished_status = VALUES(last_finished_status), active = VALUES(active),
  updated_at = VALUES(updated_at);
