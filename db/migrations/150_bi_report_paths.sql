-- 150_bi_report_paths: reports over millions of executions read an index
-- only (README "Reporting (BI)", "Reports").
--
-- Why bi_executions was slow for them. bi_executions LEFT JOINs the task,
-- the workflow run and the node. A report that names none of their columns
-- does not read those tables (table elimination), but MariaDB still reads
-- e.task_id, e.parent_execution_id and e.node_id, the join columns, so no
-- secondary index covers the query: every matching execution is a row
-- lookup in the clustered index. Measured on 1,000,000 executions with a
-- 128 MB pool: "late starts" read 13,451 index entries and 40,400 pages
-- (9,749 from disk) in 1.6 s, the same SQL over task_executions 60 pages in
-- 30 ms; at 5,000,000 it took 6.9 s.
--
-- bi_execution_facts: the executions' own columns, no join. A report over
-- it reads only the columns it names: "late starts" is index-only on
-- ix_exec_lateness (lateness_seconds, start_time, + id).
--
-- ix_exec_task_status_start (task_id, status, start_time) gains duration_ms
-- at its end, so a task's finished runs in a time range with their
-- durations (the p95 trend) are index-only too. It is written (task_id,
-- status, start_time, id, duration_ms): InnoDB appends the primary key to
-- every secondary index anyway, and naming id before duration_ms keeps the
-- entries in (start_time, id) order, the order the API's history pages read
-- backwards and stop after a page (with duration_ms before id, a page of a
-- status and a time range became a filesort of the whole range:
-- test_query_plans). Same index, same name (the
-- API's history statements name it in FORCE INDEX: the old definition
-- serves them until the new one replaces it at the end of the statement);
-- duration_ms is written in the same UPDATE as the status (the settle), so
-- no statement rewrites an entry it did not already rewrite; 8 bytes more
-- per entry. Built online (ALGORITHM=INPLACE, LOCK=NONE: reads and writes go
-- on while it builds, about 100 s per 10 million executions, README
-- "Upgrades").
--
-- Additive (a view and its dictionary rows; an index that keeps its name and
-- its leading columns); every statement is idempotent.

SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE task_executions DROP INDEX ix_exec_task_status_start, ADD INDEX ix_exec_task_status_start (task_id, status, start_time, id, duration_ms), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'task_executions' AND index_name = 'ix_exec_task_status_start'
  AND seq_in_index = 5 AND column_name = 'duration_ms');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

CREATE OR REPLACE VIEW bi_execution_facts AS
  SELECT e.id AS execution_id, e.task_id, e.trigger_type, e.status, e.scheduled_time,
         e.start_time, e.end_time, e.duration_ms / 1000 AS duration_seconds,
         e.lateness_seconds, e.retry_count, e.parent_execution_id, e.node_id,
         e.business_date, e.backfill_id
    FROM task_executions e;

REPLACE INTO bi_columns (view_name, column_name, position, type, meaning) VALUES
  ('bi_execution_facts', 'execution_id', 1, 'int',
   'Execution id (the same rows as bi_executions, without the joined names and local times: a report over many runs reads only the index it needs)'),
  ('bi_execution_facts', 'task_id', 2, 'int',
   'Its task (join bi_tasks for the name)'),
  ('bi_execution_facts', 'trigger_type', 3, 'string',
   'schedule, manual, retry or workflow (a workflow''s node)'),
  ('bi_execution_facts', 'status', 4, 'string',
   'pending, running, success, failed, completed (workflow with failed nodes), terminated (cancelled) or skipped'),
  ('bi_execution_facts', 'scheduled_time', 5, 'datetime',
   'When it was due (UTC)'),
  ('bi_execution_facts', 'start_time', 6, 'datetime',
   'When it started (UTC; NULL: not started)'),
  ('bi_execution_facts', 'end_time', 7, 'datetime',
   'When it ended (UTC)'),
  ('bi_execution_facts', 'duration_seconds', 8, 'decimal',
   'Run time in seconds (NULL until it ends; indexed with task_id, status, start_time)'),
  ('bi_execution_facts', 'lateness_seconds', 9, 'decimal',
   'start_time - scheduled_time in seconds (indexed with start_time: filter on it)'),
  ('bi_execution_facts', 'retry_count', 10, 'int',
   '0 for the first attempt, k for the k-th retry'),
  ('bi_execution_facts', 'parent_execution_id', 11, 'int',
   'The workflow run this node run belongs to (NULL: not a node)'),
  ('bi_execution_facts', 'node_id', 12, 'int',
   'Scheduler daemon that ran it (scheduler_nodes.id)'),
  ('bi_execution_facts', 'business_date', 13, 'date',
   'Business date of the run (NULL for runs written before calendars)'),
  ('bi_execution_facts', 'backfill_id', 14, 'int',
   'The backfill it belongs to (NULL: none)');
