-- 110_calendars: business calendars (an exchange's trading days), the
-- calendar a task's schedule follows, the business date of every run, and
-- backfills over a range of business dates (README "Calendars and business
-- dates").
--
-- calendars       a named calendar: weekend days (ISO weekdays, 1 = Monday),
--                 the days it has data for (covered_from .. covered_until: a
--                 schedule never guesses past them), `version` bumped by every
--                 change so a daemon's cached copy knows when to reload.
-- calendar_days   the exceptions: `holiday` (a weekday that is not a business
--                 day) and `workday` (a weekend day that is one). Business day
--                 = (weekday not in weekend and not a holiday) or a workday.
-- scheduled_tasks.calendar_id / calendar_rule
--                 only (a fire on a non-business day does not happen), next /
--                 previous (it moves to the same wall time on the next /
--                 previous business day, never twice on one day). A calendar in
--                 use cannot be deleted: the API's DELETE locks the calendar
--                 row and answers 409 naming the tasks (no foreign key: adding
--                 one to scheduled_tasks would rebuild the table, ALGORITHM=COPY,
--                 blocking writers for as long as that takes at 1M tasks).
-- task_executions.business_date
--                 the local date of the run's slot, moved per the rule; a
--                 manual or backfill run's given date. NULL for rows written
--                 before this migration and by daemons that predate it.
-- backfills, task_executions.backfill_id
--                 a backfill is a list of business dates to run (backfill_dates,
--                 planned when it is created), run oldest first with at most
--                 `concurrency` executions at a time, cancellable as a whole.
--
-- Additive only; every statement is idempotent (a half-applied run can be
-- repeated). The two ALTERs of the large tables add nullable columns
-- (ALGORITHM=INSTANT: no row is rewritten) and indexes built online.

CREATE TABLE IF NOT EXISTS calendars (
  id             BIGINT       NOT NULL AUTO_INCREMENT,
  name           VARCHAR(64)  NOT NULL,
  description    TEXT         NULL,
  timezone       VARCHAR(64)  NOT NULL DEFAULT 'UTC' COMMENT 'the exchange''s zone: default for tasks and "today"',
  weekend        VARCHAR(16)  NOT NULL DEFAULT '6,7' COMMENT 'ISO weekdays (1 = Monday) that are not business days',
  covered_from   DATE         NULL COMMENT 'first day the calendar has data for',
  covered_until  DATE         NULL COMMENT 'last day the calendar has data for',
  version        INT          NOT NULL DEFAULT 1 COMMENT 'bumped whenever the calendar or its days are edited',
  created_by     VARCHAR(64)  NULL,
  created_at     DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at     DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY uk_calendars_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS calendar_days (
  calendar_id  BIGINT       NOT NULL,
  day          DATE         NOT NULL,
  kind         VARCHAR(8)   NOT NULL COMMENT 'holiday|workday',
  note         VARCHAR(128) NULL,
  PRIMARY KEY (calendar_id, day),
  CONSTRAINT fk_calendar_days_cal FOREIGN KEY (calendar_id) REFERENCES calendars (id) ON DELETE CASCADE,
  CONSTRAINT ck_calendar_days_kind CHECK (kind IN ('holiday','workday'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE scheduled_tasks ADD COLUMN calendar_id BIGINT NULL COMMENT ''the business calendar the schedule follows'', ADD COLUMN calendar_rule VARCHAR(8) NULL COMMENT ''only|next|previous (NULL without a calendar)'', ALGORITHM=INSTANT',
  'DO 0') FROM information_schema.columns WHERE table_schema = DATABASE()
  AND table_name = 'scheduled_tasks' AND column_name = 'calendar_id');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE scheduled_tasks ADD KEY ix_tasks_calendar (calendar_id), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'scheduled_tasks' AND index_name = 'ix_tasks_calendar');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE task_executions ADD COLUMN business_date DATE NULL COMMENT ''local date of the slot, moved per the calendar rule; a manual or backfill run''''s given date'', ADD COLUMN backfill_id BIGINT NULL COMMENT ''the backfill this run belongs to'', ALGORITHM=INSTANT',
  'DO 0') FROM information_schema.columns WHERE table_schema = DATABASE()
  AND table_name = 'task_executions' AND column_name = 'business_date');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

SET @zq_sql = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE task_executions ADD KEY ix_exec_task_bizdate (task_id, business_date, id), ADD KEY ix_exec_backfill (backfill_id, status), ALGORITHM=INPLACE, LOCK=NONE',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = 'task_executions' AND index_name = 'ix_exec_task_bizdate');
PREPARE zq_stmt FROM @zq_sql;
EXECUTE zq_stmt;
DEALLOCATE PREPARE zq_stmt;

CREATE TABLE IF NOT EXISTS backfills (
  id           BIGINT       NOT NULL AUTO_INCREMENT,
  task_id      BIGINT       NOT NULL,
  from_date    DATE         NOT NULL,
  to_date      DATE         NOT NULL,
  mode         VARCHAR(8)   NOT NULL COMMENT 'missing|failed|all',
  concurrency  INT          NOT NULL DEFAULT 1,
  status       VARCHAR(12)  NOT NULL DEFAULT 'running' COMMENT 'running|done|cancelled',
  total        INT          NOT NULL DEFAULT 0 COMMENT 'business dates planned',
  done         INT          NOT NULL DEFAULT 0 COMMENT 'of them, runs that ended',
  failed       INT          NOT NULL DEFAULT 0 COMMENT 'of them, runs that ended other than success',
  active_key   BIGINT       NULL COMMENT 'task_id while running, else NULL: one running backfill per identical request',
  request_key  VARCHAR(64)  NULL COMMENT 'from|to|mode of a running backfill (the 409 for a second identical one)',
  created_by   VARCHAR(64)  NULL,
  created_at   DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  finished_at  DATETIME(3)  NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_backfills_running (active_key, request_key),
  KEY ix_backfills_task (task_id, id),
  KEY ix_backfills_status (status, id),
  CONSTRAINT fk_backfills_task FOREIGN KEY (task_id) REFERENCES scheduled_tasks (id) ON DELETE CASCADE,
  CONSTRAINT ck_backfills_mode CHECK (mode IN ('missing','failed','all')),
  CONSTRAINT ck_backfills_status CHECK (status IN ('running','done','cancelled'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS backfill_dates (
  backfill_id   BIGINT      NOT NULL,
  business_date DATE        NOT NULL,
  execution_id  BIGINT      NULL COMMENT 'the run, once started',
  state         VARCHAR(12) NOT NULL DEFAULT 'planned' COMMENT 'planned|started|ended|cancelled',
  PRIMARY KEY (backfill_id, business_date),
  KEY ix_backfill_dates_state (backfill_id, state, business_date),
  CONSTRAINT fk_backfill_dates_bf FOREIGN KEY (backfill_id) REFERENCES backfills (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
