-- 080_stats_all_tasks: the statistics of all tasks per UTC day, so that
-- GET /scheduler/stats without a task reads a few rows per day instead of
-- every (task, day) row of task_stats_daily (300+ ms at 200 tasks x 120
-- days on the 2-core VM; db/store/stats_store.c reads this table for all tasks).
--
-- Kept by the writers: db/stats_store.c's stats_store_upsert adds each
-- transaction's counts here in the same statement sequence and transaction
-- that adds them to task_stats_daily, so the two never disagree (a run's
-- counts appear in a task's figures and in the global ones, or in neither).
-- A day has up to 4 rows (`slot`, the writing connection's id modulo 4):
-- two daemons finishing runs at the same moment then rarely wait on each
-- other's lock of one "today" row until their commits; the reader sums the
-- slots. Rows of a task deleted later stay counted here (task_stats_daily
-- loses them by its foreign key): the global figures count every execution
-- that ended, as they happened.
--
-- Additive only (a new table); the backfill below copies task_stats_daily
-- as it is when the migration runs. The previous release's daemons, if they
-- keep running after it, add to task_stats_daily only: their runs are in the
-- tasks' figures and missing from the global ones until the new daemons take
-- over (README "Upgrades": restart the schedulers right after migrating).
-- Idempotent: the backfill only fills an empty table, so a repeated run after
-- a partial one neither doubles nor loses counts.
CREATE TABLE IF NOT EXISTS task_stats_daily_all (
  day               DATE    NOT NULL COMMENT 'UTC day the executions ended',
  slot              TINYINT NOT NULL DEFAULT 0 COMMENT 'writer connection id MOD 4',
  runs              BIGINT  NOT NULL DEFAULT 0,
  successes         BIGINT  NOT NULL DEFAULT 0,
  failures          BIGINT  NOT NULL DEFAULT 0,
  terminations      BIGINT  NOT NULL DEFAULT 0,
  skipped           BIGINT  NOT NULL DEFAULT 0,
  total_duration_ms BIGINT  NOT NULL DEFAULT 0,
  max_duration_ms   BIGINT  NOT NULL DEFAULT 0,
  last_end_at       DATETIME(3) NULL,
  PRIMARY KEY (day, slot)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO task_stats_daily_all (day, slot, runs, successes, failures, terminations, skipped,
                                  total_duration_ms, max_duration_ms, last_end_at)
SELECT day, 0, SUM(runs), SUM(successes), SUM(failures), SUM(terminations), SUM(skipped),
       SUM(total_duration_ms), MAX(max_duration_ms), MAX(last_end_at)
  FROM task_stats_daily
 WHERE NOT EXISTS (SELECT 1 FROM task_stats_daily_all)
 GROUP BY day;
