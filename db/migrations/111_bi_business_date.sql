-- 111_bi_business_date: BI gets the business date of every run (README
-- "Calendars and business dates"): bi_executions keeps its columns in their
-- order and adds business_date and backfill_id at the end, so a report that
-- names its columns, or reads them by position, is unchanged.

CREATE OR REPLACE VIEW bi_executions AS
  SELECT e.id AS execution_id, e.task_id, t.name AS task_name, t.task_type,
         e.trigger_type, e.status, e.scheduled_time, e.start_time, e.end_time,
         e.duration_ms / 1000 AS duration_seconds, e.retry_count, e.error_message,
         e.parent_execution_id, e.node_id, e.business_date, e.backfill_id
    FROM task_executions e JOIN scheduled_tasks t ON t.id = e.task_id;
