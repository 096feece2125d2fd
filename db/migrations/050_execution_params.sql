-- 050_execution_params: the parameter values a run was triggered with
-- (README "REST API", trigger {"params": {...}}), after their check
-- against the task's declarations and with the defaults filled in. The
-- scheduler hands them to the command as ZQ_PARAM_<NAME> environment
-- variables; NULL for fires and for triggers of tasks without params.
-- Additive: the previous release's daemons never name the column.
ALTER TABLE task_executions
  ADD COLUMN IF NOT EXISTS params JSON NULL COMMENT 'resolved trigger parameters {name: value}';
