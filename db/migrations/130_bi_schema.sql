-- 130_bi_schema: the reporting schema as a contract (README "Reporting (BI)").
--
-- bi_meta          one row: schema_version 2 and what it promises.
-- bi_tasks         one row per task: its schedule in words, calendar, owner,
--                  enabled / paused, current state.
-- bi_executions    every run (the columns of 001/111 first, in their order),
--                  then its times in the task's zone, lateness, who triggered
--                  it, its workflow and node.
-- bi_task_daily    per task per UTC day (task_stats_daily; columns of 001 first).
-- bi_task_daily_p95  the same days' p50 / p95 durations, computed from the
--                  executions on every read (MariaDB has no percentile
--                  aggregate to keep): filter it by task_id.
-- bi_workflow_runs one row per workflow run: nodes, outcome, durations.
-- bi_alerts        one row per alert.
-- bi_dictionary    every column of every bi_* view and what it means: the one
--                  source of the README's data dictionary (tests/
--                  integration/bi_reports.py writes it; test_bi_reports.py
--                  keeps the views, this table and the README identical).
--                  Views cannot carry column comments in MariaDB, so the
--                  meanings live in the table bi_columns.
--
-- The contract: a later migration may add views and add columns at the end of
-- a view (with their bi_columns rows); renaming, dropping, reordering or
-- changing the meaning of a column needs schema_version 3.
--
-- Times are UTC DATETIME(3); the *_local columns are the same instants in the
-- task's time zone (CONVERT_TZ), NULL when MariaDB's time zone tables are not
-- loaded (./zq up and the package load them; bi_meta.tz_tables_loaded says).
--
-- task_executions gets lateness_seconds (start - scheduled, VIRTUAL: no row
-- is rewritten, ALGORITHM=INSTANT) and an index on it so "late starts" reads
-- only the late rows (built online, ALGORITHM=INPLACE, LOCK=NONE; one more
-- secondary index entry written per execution).
--
-- Additive only; every statement is idempotent.

SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE task_executions ADD COLUMN lateness_seconds DECIMAL(16,3) AS (TIMESTAMPDIFF(MICROSECOND, scheduled_time, start_time) / 1000000) VIRTUAL COMMENT ''start_time - scheduled_time in seconds (BI)'', ALGORITHM=INSTANT',
  'DO 0') FROM information_schema.columns WHERE table_schema = DATABASE()
  AND table_name = 'task_executions' AND column_name = 'lateness_seconds');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

-- late starts in a time range: range on lateness, start_time from the index
SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE task_executions ADD INDEX ix_exec_lateness (lateness_seconds, start_time), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'task_executions' AND index_name = 'ix_exec_lateness');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

-- The data dictionary. `type` is the column's kind: int, decimal, string,
-- datetime, date (what a BI tool needs to know; the test checks it against
-- information_schema).
CREATE TABLE IF NOT EXISTS bi_columns (
  view_name    VARCHAR(64)   NOT NULL,
  column_name  VARCHAR(64)   NOT NULL,
  position     INT           NOT NULL COMMENT 'ordinal position in the view, from 1',
  type         VARCHAR(16)   NOT NULL COMMENT 'int|decimal|string|datetime|date',
  meaning      VARCHAR(1024) NOT NULL,
  PRIMARY KEY (view_name, column_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE OR REPLACE VIEW bi_meta AS
  SELECT 2 AS schema_version, 130 AS since_migration,
         'UTC' AS times_in,
         (CONVERT_TZ(TIMESTAMP'2000-01-01 00:00:00', 'UTC', 'America/New_York') IS NOT NULL) AS tz_tables_loaded,
         'Columns are only added (at the end of a view); renaming, dropping, reordering or a new meaning needs a new schema_version' AS promise;

CREATE OR REPLACE VIEW bi_dictionary AS
  SELECT view_name, position, column_name, type, meaning FROM bi_columns;

CREATE OR REPLACE VIEW bi_tasks AS
  SELECT t.id AS task_id, t.name AS task_name, t.job_id, t.task_type,
         CASE WHEN t.cron_expression IS NOT NULL THEN 'cron'
              WHEN t.interval_seconds IS NOT NULL THEN 'interval'
              WHEN t.run_at IS NOT NULL THEN 'once' ELSE 'manual' END AS schedule_kind,
         CONCAT(CASE WHEN t.cron_expression IS NOT NULL
                     THEN CONCAT('cron ', t.cron_expression, ' (', t.timezone, ')')
                     WHEN t.interval_seconds IS NOT NULL
                     THEN CONCAT('every ', t.interval_seconds, ' s',
                                 IF(t.start_at IS NULL, '', CONCAT(' from ', t.start_at, ' UTC')))
                     WHEN t.run_at IS NOT NULL THEN CONCAT('once at ', t.run_at, ' UTC')
                     ELSE 'manual' END,
                IF(c.name IS NULL, '', CONCAT(', calendar ', c.name, ' (', t.calendar_rule, ')')))
           AS schedule_text,
         t.cron_expression, t.interval_seconds, t.start_at, t.run_at, t.timezone,
         t.calendar_id, c.name AS calendar_name, t.calendar_rule,
         t.created_by AS owner, t.created_at, t.updated_at, t.enabled, t.paused,
         CASE WHEN NOT t.enabled THEN 'disabled' WHEN t.paused THEN 'paused'
              WHEN rs.active > 0 THEN 'running'
              WHEN rs.last_finished_status IS NULL THEN 'pending'
              WHEN rs.last_finished_status = 'success' THEN 'success' ELSE 'failed' END AS state,
         rs.latest_execution_id, rs.latest_status, rs.latest_time, rs.last_finished_status,
         COALESCE(rs.active, 0) AS active_executions, t.next_run_at,
         IF(t.timezone = 'UTC', t.next_run_at, CONVERT_TZ(t.next_run_at, 'UTC', t.timezone))
           AS next_run_at_local,
         t.max_retries, t.retry_interval AS retry_interval_seconds, t.timeout_seconds,
         t.version
    FROM scheduled_tasks t
    LEFT JOIN calendars c ON c.id = t.calendar_id
    LEFT JOIN task_run_state rs ON rs.task_id = t.id;

CREATE OR REPLACE VIEW bi_executions AS
  SELECT e.id AS execution_id, e.task_id, t.name AS task_name, t.task_type,
         e.trigger_type, e.status, e.scheduled_time, e.start_time, e.end_time,
         e.duration_ms / 1000 AS duration_seconds, e.retry_count, e.error_message,
         e.parent_execution_id, e.node_id, e.business_date, e.backfill_id,
         t.timezone,
         IF(t.timezone = 'UTC', e.scheduled_time, CONVERT_TZ(e.scheduled_time, 'UTC', t.timezone))
           AS scheduled_time_local,
         IF(t.timezone = 'UTC', e.start_time, CONVERT_TZ(e.start_time, 'UTC', t.timezone))
           AS start_time_local,
         IF(t.timezone = 'UTC', e.end_time, CONVERT_TZ(e.end_time, 'UTC', t.timezone))
           AS end_time_local,
         e.lateness_seconds, e.created_by AS triggered_by,
         p.task_id AS workflow_task_id, pt.name AS workflow_name,
         n.name AS node_name, n.host AS node_host
    FROM task_executions e
    -- LEFT: every execution has its task (fk_exec_task), and a report that
    -- names no task column then reads task_executions alone (MariaDB's table
    -- elimination): "late starts" through ix_exec_lateness only
    LEFT JOIN scheduled_tasks t ON t.id = e.task_id
    LEFT JOIN (task_executions p JOIN scheduled_tasks pt ON pt.id = p.task_id)
           ON p.id = e.parent_execution_id
    LEFT JOIN scheduler_nodes n ON n.id = e.node_id;

CREATE OR REPLACE VIEW bi_task_daily AS
  SELECT s.day, s.task_id, t.name AS task_name, t.task_type, s.runs, s.successes,
         s.failures, s.terminations, s.skipped,
         CASE WHEN s.runs > 0 THEN s.successes / s.runs END AS success_rate,
         CASE WHEN s.runs > 0 THEN s.total_duration_ms / s.runs / 1000 END AS avg_duration_seconds,
         s.max_duration_ms / 1000 AS max_duration_seconds,
         s.total_duration_ms / 1000 AS total_duration_seconds, s.last_end_at
    FROM task_stats_daily s JOIN scheduled_tasks t ON t.id = s.task_id;

-- The window's partition (task_id, day) takes a WHERE on task_id into the
-- view (MariaDB's condition pushdown): one task's finished executions through
-- ix_exec_task_status, not the whole table.
CREATE OR REPLACE VIEW bi_task_daily_p95 AS
  SELECT DISTINCT e.task_id, t.name AS task_name, DATE(e.end_time) AS day,
         COUNT(*) OVER (PARTITION BY e.task_id, DATE(e.end_time)) AS runs,
         PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY e.duration_ms)
           OVER (PARTITION BY e.task_id, DATE(e.end_time)) / 1000 AS p50_duration_seconds,
         PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY e.duration_ms)
           OVER (PARTITION BY e.task_id, DATE(e.end_time)) / 1000 AS p95_duration_seconds
    FROM task_executions e JOIN scheduled_tasks t ON t.id = e.task_id
   WHERE e.status IN ('success', 'failed', 'completed', 'terminated')
     AND e.duration_ms IS NOT NULL AND e.end_time IS NOT NULL;

-- critical_path_seconds: a serial run's nodes run one after another, so all
-- of them; a parallel run's longest chain of nodes through the plan's
-- dependencies, each node weighing the run times of its attempts in this run.
-- MariaDB has no recursive query per row (and a stored function would need
-- SUPER on a server with a binary log), so the chains are followed 6 nodes
-- deep by joins of the plan with itself; a deeper chain gives NULL.
CREATE OR REPLACE VIEW bi_workflow_runs AS
  SELECT p.id AS execution_id, p.task_id AS workflow_id, t.name AS workflow_name,
         p.trigger_type, p.status, p.parent_execution_id, p.scheduled_time, p.start_time,
         p.end_time, t.timezone,
         IF(t.timezone = 'UTC', p.start_time, CONVERT_TZ(p.start_time, 'UTC', t.timezone))
           AS start_time_local,
         p.business_date,
         TIMESTAMPDIFF(MICROSECOND, p.start_time, p.end_time) / 1000000 AS wall_seconds,
         JSON_VALUE(wr.plan, '$.workflow_type') AS workflow_type,
         JSON_LENGTH(wr.plan, '$.tasks') AS nodes_total,
         CAST(JSON_VALUE(p.result, '$.nodes_succeeded') AS INT) AS nodes_succeeded,
         CAST(JSON_VALUE(p.result, '$.nodes_failed') AS INT) AS nodes_failed,
         CAST(JSON_VALUE(p.result, '$.nodes_skipped') AS INT) AS nodes_skipped,
         CAST(JSON_VALUE(p.result, '$.nodes_not_run') AS INT) AS nodes_not_run,
         (SELECT COUNT(*) FROM task_executions c WHERE c.parent_execution_id = p.id)
           AS node_runs,
         (SELECT TIMESTAMPDIFF(MICROSECOND, MIN(c.start_time), MAX(c.end_time)) / 1000000
            FROM task_executions c WHERE c.parent_execution_id = p.id) AS nodes_span_seconds,
         (SELECT SUM(c.duration_ms) / 1000 FROM task_executions c
           WHERE c.parent_execution_id = p.id) AS nodes_busy_seconds,
         IF(JSON_VALUE(wr.plan, '$.workflow_type') = 'serial',
            (SELECT SUM(c.duration_ms) / 1000 FROM task_executions c
              WHERE c.parent_execution_id = p.id),
         (SELECT IF(MAX(JSON_LENGTH(n5.deps)) > 0, NULL, MAX(
                 COALESCE((SELECT SUM(c.duration_ms) FROM task_executions c
                            WHERE c.parent_execution_id = p.id AND c.task_id = n0.tid), 0) +
                 COALESCE((SELECT SUM(c.duration_ms) FROM task_executions c
                            WHERE c.parent_execution_id = p.id AND c.task_id = n1.tid), 0) +
                 COALESCE((SELECT SUM(c.duration_ms) FROM task_executions c
                            WHERE c.parent_execution_id = p.id AND c.task_id = n2.tid), 0) +
                 COALESCE((SELECT SUM(c.duration_ms) FROM task_executions c
                            WHERE c.parent_execution_id = p.id AND c.task_id = n3.tid), 0) +
                 COALESCE((SELECT SUM(c.duration_ms) FROM task_executions c
                            WHERE c.parent_execution_id = p.id AND c.task_id = n4.tid), 0) +
                 COALESCE((SELECT SUM(c.duration_ms) FROM task_executions c
                            WHERE c.parent_execution_id = p.id AND c.task_id = n5.tid), 0)
                 ) / 1000)
            FROM JSON_TABLE(wr.plan, '$.tasks[*]' COLUMNS (tid BIGINT PATH '$.task_id', deps JSON PATH '$.dependencies')) n0
            LEFT JOIN JSON_TABLE(wr.plan, '$.tasks[*]' COLUMNS (tid BIGINT PATH '$.task_id', deps JSON PATH '$.dependencies')) n1
              ON JSON_CONTAINS(n0.deps, CAST(n1.tid AS CHAR))
            LEFT JOIN JSON_TABLE(wr.plan, '$.tasks[*]' COLUMNS (tid BIGINT PATH '$.task_id', deps JSON PATH '$.dependencies')) n2
              ON JSON_CONTAINS(n1.deps, CAST(n2.tid AS CHAR))
            LEFT JOIN JSON_TABLE(wr.plan, '$.tasks[*]' COLUMNS (tid BIGINT PATH '$.task_id', deps JSON PATH '$.dependencies')) n3
              ON JSON_CONTAINS(n2.deps, CAST(n3.tid AS CHAR))
            LEFT JOIN JSON_TABLE(wr.plan, '$.tasks[*]' COLUMNS (tid BIGINT PATH '$.task_id', deps JSON PATH '$.dependencies')) n4
              ON JSON_CONTAINS(n3.deps, CAST(n4.tid AS CHAR))
            LEFT JOIN JSON_TABLE(wr.plan, '$.tasks[*]' COLUMNS (tid BIGINT PATH '$.task_id', deps JSON PATH '$.dependencies')) n5
              ON JSON_CONTAINS(n4.deps, CAST(n5.tid AS CHAR))
           )) AS critical_path_seconds,
         p.error_message
    FROM task_executions p
    JOIN scheduled_tasks t ON t.id = p.task_id AND t.task_type = 'workflow'
    LEFT JOIN workflow_runs wr ON wr.execution_id = p.id;

CREATE OR REPLACE VIEW bi_alerts AS
  SELECT a.id AS alert_id, a.rule_id, a.kind, a.task_id, t.name AS task_name,
         a.execution_id, a.state, a.slot, a.summary, a.opened_at, a.last_sent_at,
         a.acked_by, a.acked_at, a.silenced_until, a.closed_at, a.closed_reason,
         TIMESTAMPDIFF(MICROSECOND, a.opened_at, COALESCE(a.closed_at, UTC_TIMESTAMP(3))) / 1000000
           AS open_seconds,
         t.timezone,
         IF(t.timezone IS NULL OR t.timezone = 'UTC', a.opened_at,
            CONVERT_TZ(a.opened_at, 'UTC', t.timezone)) AS opened_at_local
    FROM alerts a LEFT JOIN scheduled_tasks t ON t.id = a.task_id;

-- The data dictionary (bi_dictionary): one row per column of every bi_* view.
REPLACE INTO bi_columns (view_name, column_name, position, type, meaning) VALUES
  ('bi_meta', 'schema_version', 1, 'int',
   'Version of the reporting schema: 2. A report written for version 2 keeps working while this is 2'),
  ('bi_meta', 'since_migration', 2, 'int',
   'The zq migration that introduced this schema version (130)'),
  ('bi_meta', 'times_in', 3, 'string',
   'Zone of every time column without _local: UTC'),
  ('bi_meta', 'tz_tables_loaded', 4, 'int',
   '1 when MariaDB''s time zone tables are loaded (the *_local columns work), 0 when they are NULL'),
  ('bi_meta', 'promise', 5, 'string',
   'The compatibility rule: columns are only added, at the end of a view'),
  ('bi_dictionary', 'view_name', 1, 'string',
   'A bi_* view'),
  ('bi_dictionary', 'position', 2, 'int',
   'The column''s position in the view, from 1'),
  ('bi_dictionary', 'column_name', 3, 'string',
   'The column'),
  ('bi_dictionary', 'type', 4, 'string',
   'Its kind: int, decimal, string, datetime (UTC unless named _local), date'),
  ('bi_dictionary', 'meaning', 5, 'string',
   'What it means (this text)'),
  ('bi_tasks', 'task_id', 1, 'int',
   'Task id (scheduled_tasks.id)'),
  ('bi_tasks', 'task_name', 2, 'string',
   'Task name (unique)'),
  ('bi_tasks', 'job_id', 3, 'string',
   'Stable external id of the task'),
  ('bi_tasks', 'task_type', 4, 'string',
   'manual_task, common_task, workflow or example_task'),
  ('bi_tasks', 'schedule_kind', 5, 'string',
   'cron, interval, once or manual (no schedule: runs only when triggered)'),
  ('bi_tasks', 'schedule_text', 6, 'string',
   'The schedule in words: ''cron 0 9 * * 1-5 (Asia/Shanghai)'', ''every 300 s'', ''once at 2026-05-01 09:00:00.000 UTC'', ''manual''; then '', calendar NAME (RULE)'' when it follows a calendar'),
  ('bi_tasks', 'cron_expression', 7, 'string',
   'Cron expression, read in the task''s time zone (NULL unless cron)'),
  ('bi_tasks', 'interval_seconds', 8, 'int',
   'Interval between fires (NULL unless interval)'),
  ('bi_tasks', 'start_at', 9, 'datetime',
   'Interval anchor: fires at start_at + k * interval_seconds (UTC)'),
  ('bi_tasks', 'run_at', 10, 'datetime',
   'Fire time of a one-off schedule (UTC)'),
  ('bi_tasks', 'timezone', 11, 'string',
   'The task''s IANA time zone: its cron and the *_local columns of its runs'),
  ('bi_tasks', 'calendar_id', 12, 'int',
   'Business calendar the schedule follows (NULL: none)'),
  ('bi_tasks', 'calendar_name', 13, 'string',
   'That calendar''s name'),
  ('bi_tasks', 'calendar_rule', 14, 'string',
   'only, next or previous: what a fire on a non-business day does'),
  ('bi_tasks', 'owner', 15, 'string',
   'User who created the task (scheduled_tasks.created_by)'),
  ('bi_tasks', 'created_at', 16, 'datetime',
   'When the task was created (UTC)'),
  ('bi_tasks', 'updated_at', 17, 'datetime',
   'When the task row was last updated (UTC)'),
  ('bi_tasks', 'enabled', 18, 'int',
   '1 enabled, 0 disabled'),
  ('bi_tasks', 'paused', 19, 'int',
   '1 paused (no fires), 0 not'),
  ('bi_tasks', 'state', 20, 'string',
   'disabled, paused, running (a run pending or running), pending (nothing finished yet), success or failed (the newest finished run)'),
  ('bi_tasks', 'latest_execution_id', 21, 'int',
   'The task''s newest execution (NULL: none)'),
  ('bi_tasks', 'latest_status', 22, 'string',
   'Its status'),
  ('bi_tasks', 'latest_time', 23, 'datetime',
   'Its start time, else its creation time (UTC)'),
  ('bi_tasks', 'last_finished_status', 24, 'string',
   'Status of the newest finished run: success, failed, completed or terminated'),
  ('bi_tasks', 'active_executions', 25, 'int',
   'Executions pending or running now'),
  ('bi_tasks', 'next_run_at', 26, 'datetime',
   'Next fire (UTC; NULL: not due to fire)'),
  ('bi_tasks', 'next_run_at_local', 27, 'datetime',
   'next_run_at in the task''s time zone'),
  ('bi_tasks', 'max_retries', 28, 'int',
   'Retries after a failed run'),
  ('bi_tasks', 'retry_interval_seconds', 29, 'int',
   'Wait before a retry'),
  ('bi_tasks', 'timeout_seconds', 30, 'int',
   'Run time limit (NULL: none)'),
  ('bi_tasks', 'version', 31, 'int',
   'The task definition''s version (README "Versions")'),
  ('bi_executions', 'execution_id', 1, 'int',
   'Execution id'),
  ('bi_executions', 'task_id', 2, 'int',
   'Its task'),
  ('bi_executions', 'task_name', 3, 'string',
   'The task''s name now'),
  ('bi_executions', 'task_type', 4, 'string',
   'The task''s type'),
  ('bi_executions', 'trigger_type', 5, 'string',
   'schedule, manual, retry or workflow (a workflow''s node)'),
  ('bi_executions', 'status', 6, 'string',
   'pending, running, success, failed, completed (workflow with failed nodes), terminated (cancelled) or skipped'),
  ('bi_executions', 'scheduled_time', 7, 'datetime',
   'When it was due: the schedule slot, a trigger''s or a retry''s due time (UTC)'),
  ('bi_executions', 'start_time', 8, 'datetime',
   'When it started (UTC; NULL: not started)'),
  ('bi_executions', 'end_time', 9, 'datetime',
   'When it ended (UTC)'),
  ('bi_executions', 'duration_seconds', 10, 'decimal',
   'Run time in seconds (NULL until it ends)'),
  ('bi_executions', 'retry_count', 11, 'int',
   '0 for the first attempt, k for the k-th retry'),
  ('bi_executions', 'error_message', 12, 'string',
   'Why it failed'),
  ('bi_executions', 'parent_execution_id', 13, 'int',
   'The workflow run this node run belongs to (NULL: not a node)'),
  ('bi_executions', 'node_id', 14, 'int',
   'Scheduler daemon that ran it (scheduler_nodes.id)'),
  ('bi_executions', 'business_date', 15, 'date',
   'Business date of the run (README "Calendars and business dates"; NULL for runs written before it)'),
  ('bi_executions', 'backfill_id', 16, 'int',
   'The backfill it belongs to (NULL: none)'),
  ('bi_executions', 'timezone', 17, 'string',
   'The task''s time zone'),
  ('bi_executions', 'scheduled_time_local', 18, 'datetime',
   'scheduled_time in the task''s time zone'),
  ('bi_executions', 'start_time_local', 19, 'datetime',
   'start_time in the task''s time zone'),
  ('bi_executions', 'end_time_local', 20, 'datetime',
   'end_time in the task''s time zone'),
  ('bi_executions', 'lateness_seconds', 21, 'decimal',
   'start_time - scheduled_time in seconds (indexed: filter on it)'),
  ('bi_executions', 'triggered_by', 22, 'string',
   'User or token that triggered a manual run (NULL for fires)'),
  ('bi_executions', 'workflow_task_id', 23, 'int',
   'For a node run: the workflow task'),
  ('bi_executions', 'workflow_name', 24, 'string',
   'For a node run: the workflow''s name'),
  ('bi_executions', 'node_name', 25, 'string',
   'Name of the scheduler daemon that ran it'),
  ('bi_executions', 'node_host', 26, 'string',
   'Host of that daemon'),
  ('bi_task_daily', 'day', 1, 'date',
   'UTC day the runs ended'),
  ('bi_task_daily', 'task_id', 2, 'int',
   'Task'),
  ('bi_task_daily', 'task_name', 3, 'string',
   'The task''s name now'),
  ('bi_task_daily', 'task_type', 4, 'string',
   'The task''s type'),
  ('bi_task_daily', 'runs', 5, 'int',
   'Runs that ended that day, skipped ones not counted'),
  ('bi_task_daily', 'successes', 6, 'int',
   'Of them, success'),
  ('bi_task_daily', 'failures', 7, 'int',
   'Of them, failed (completed workflows count in runs only)'),
  ('bi_task_daily', 'terminations', 8, 'int',
   'Of them, terminated (cancelled)'),
  ('bi_task_daily', 'skipped', 9, 'int',
   'Runs skipped that day (not in runs)'),
  ('bi_task_daily', 'success_rate', 10, 'decimal',
   'successes / runs (NULL without runs)'),
  ('bi_task_daily', 'avg_duration_seconds', 11, 'decimal',
   'Average run time of the runs'),
  ('bi_task_daily', 'max_duration_seconds', 12, 'decimal',
   'Longest run time'),
  ('bi_task_daily', 'total_duration_seconds', 13, 'decimal',
   'Sum of the run times'),
  ('bi_task_daily', 'last_end_at', 14, 'datetime',
   'When the last of them ended (UTC)'),
  ('bi_task_daily_p95', 'task_id', 1, 'int',
   'Task (filter on it: computed from its executions on every read)'),
  ('bi_task_daily_p95', 'task_name', 2, 'string',
   'The task''s name now'),
  ('bi_task_daily_p95', 'day', 3, 'date',
   'UTC day the runs ended (as bi_task_daily)'),
  ('bi_task_daily_p95', 'runs', 4, 'int',
   'Finished runs with a duration that day (success, failed, completed, terminated)'),
  ('bi_task_daily_p95', 'p50_duration_seconds', 5, 'decimal',
   'Median run time (PERCENTILE_CONT(0.5))'),
  ('bi_task_daily_p95', 'p95_duration_seconds', 6, 'decimal',
   '95th percentile run time (PERCENTILE_CONT(0.95), interpolated)'),
  ('bi_workflow_runs', 'execution_id', 1, 'int',
   'The run (its parent execution''s id)'),
  ('bi_workflow_runs', 'workflow_id', 2, 'int',
   'The workflow task'),
  ('bi_workflow_runs', 'workflow_name', 3, 'string',
   'Its name now'),
  ('bi_workflow_runs', 'trigger_type', 4, 'string',
   'schedule, manual or workflow (a nested run)'),
  ('bi_workflow_runs', 'status', 5, 'string',
   'Outcome: pending, running, success, failed, completed (some nodes failed, on_failure continue) or terminated'),
  ('bi_workflow_runs', 'parent_execution_id', 6, 'int',
   'For a nested run: the outer run'),
  ('bi_workflow_runs', 'scheduled_time', 7, 'datetime',
   'When it was due (UTC)'),
  ('bi_workflow_runs', 'start_time', 8, 'datetime',
   'When it started (UTC)'),
  ('bi_workflow_runs', 'end_time', 9, 'datetime',
   'When it ended (UTC)'),
  ('bi_workflow_runs', 'timezone', 10, 'string',
   'The workflow''s time zone'),
  ('bi_workflow_runs', 'start_time_local', 11, 'datetime',
   'start_time in the workflow''s time zone'),
  ('bi_workflow_runs', 'business_date', 12, 'date',
   'Business date of the run'),
  ('bi_workflow_runs', 'wall_seconds', 13, 'decimal',
   'end_time - start_time in seconds'),
  ('bi_workflow_runs', 'workflow_type', 14, 'string',
   'serial or parallel, as the run''s plan says'),
  ('bi_workflow_runs', 'nodes_total', 15, 'int',
   'Nodes in the run''s plan'),
  ('bi_workflow_runs', 'nodes_succeeded', 16, 'int',
   'Nodes that succeeded (from the run''s result; NULL until it ends)'),
  ('bi_workflow_runs', 'nodes_failed', 17, 'int',
   'Nodes that failed after their retries'),
  ('bi_workflow_runs', 'nodes_skipped', 18, 'int',
   'Nodes skipped (a dependency failed)'),
  ('bi_workflow_runs', 'nodes_not_run', 19, 'int',
   'Nodes never started (the run stopped first)'),
  ('bi_workflow_runs', 'node_runs', 20, 'int',
   'Node executions, retries included'),
  ('bi_workflow_runs', 'nodes_span_seconds', 21, 'decimal',
   'First node start to last node end, in seconds'),
  ('bi_workflow_runs', 'nodes_busy_seconds', 22, 'decimal',
   'Sum of the node executions'' run times'),
  ('bi_workflow_runs', 'critical_path_seconds', 23, 'decimal',
   'How long the run takes with no waiting between nodes: serial, the sum of the node run times; parallel, the longest chain of dependent nodes, each counted with the run times of its attempts (NULL for a chain deeper than 6 nodes, or before the run has a plan)'),
  ('bi_workflow_runs', 'error_message', 24, 'string',
   'Why the run failed'),
  ('bi_alerts', 'alert_id', 1, 'int',
   'Alert id'),
  ('bi_alerts', 'rule_id', 2, 'int',
   'The alert rule'),
  ('bi_alerts', 'kind', 3, 'string',
   'on_failure, on_timeout, on_recovery, on_skipped, deadline, not_started, duration or scheduler_down'),
  ('bi_alerts', 'task_id', 4, 'int',
   'Its task (NULL for scheduler_down)'),
  ('bi_alerts', 'task_name', 5, 'string',
   'The task''s name now'),
  ('bi_alerts', 'execution_id', 6, 'int',
   'The run it is about'),
  ('bi_alerts', 'state', 7, 'string',
   'open or closed'),
  ('bi_alerts', 'slot', 8, 'string',
   'The occurrence: scheduled time, execution id, local date or outage start'),
  ('bi_alerts', 'summary', 9, 'string',
   'One line saying what happened'),
  ('bi_alerts', 'opened_at', 10, 'datetime',
   'When it opened (UTC)'),
  ('bi_alerts', 'last_sent_at', 11, 'datetime',
   'Last message sent for it (UTC)'),
  ('bi_alerts', 'acked_by', 12, 'string',
   'Who acknowledged it'),
  ('bi_alerts', 'acked_at', 13, 'datetime',
   'When (UTC)'),
  ('bi_alerts', 'silenced_until', 14, 'datetime',
   'Messages held until then (UTC)'),
  ('bi_alerts', 'closed_at', 15, 'datetime',
   'When it closed (UTC)'),
  ('bi_alerts', 'closed_reason', 16, 'string',
   'recovered, succeeded, started, finished, up or rule_deleted'),
  ('bi_alerts', 'open_seconds', 17, 'decimal',
   'How long it was (or has been) open, in seconds'),
  ('bi_alerts', 'timezone', 18, 'string',
   'The task''s time zone (NULL without a task)'),
  ('bi_alerts', 'opened_at_local', 19, 'datetime',
   'opened_at in the task''s time zone (UTC without a task)');
