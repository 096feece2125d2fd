-- 001_init: the whole data model (README "Database and zq-db"). Times are UTC DATETIME(3).
-- Every statement is idempotent so a half-applied run can be repeated.

CREATE TABLE IF NOT EXISTS scheduled_tasks (
  id                    BIGINT       NOT NULL AUTO_INCREMENT,
  name                  VARCHAR(128) NOT NULL,
  job_id                VARCHAR(64)  NOT NULL COMMENT 'stable external id',
  task_type             VARCHAR(16)  NOT NULL COMMENT 'manual_task|common_task|workflow|example_task',
  cron_expression       VARCHAR(255) NULL,
  interval_seconds      INT          NULL,
  start_at              DATETIME(3)  NULL COMMENT 'interval anchor: fires at start_at + k*interval',
  run_at                DATETIME(3)  NULL COMMENT 'one-off fire time',
  timezone              VARCHAR(64)  NOT NULL DEFAULT 'UTC',
  enabled               TINYINT(1)   NOT NULL DEFAULT 1,
  paused                TINYINT(1)   NOT NULL DEFAULT 0,
  description           TEXT         NULL,
  config                JSON         NOT NULL,
  max_retries           INT          NOT NULL DEFAULT 0,
  retry_interval        INT          NOT NULL DEFAULT 60 COMMENT 'seconds',
  timeout_seconds       INT          NULL COMMENT 'NULL = no limit',
  max_instances         INT          NOT NULL DEFAULT 1,
  misfire_grace_seconds INT          NOT NULL DEFAULT 60,
  coalesce_misfires     TINYINT(1)   NOT NULL DEFAULT 1,
  next_run_at           DATETIME(3)  NULL COMMENT 'NULL exactly when the task is not due to fire',
  last_fire_at          DATETIME(3)  NULL COMMENT 'scheduled time of the latest schedule fire',
  version               INT          NOT NULL DEFAULT 1,
  created_by            VARCHAR(64)  NULL,
  created_at            DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at            DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY uk_tasks_name (name),
  UNIQUE KEY uk_tasks_job_id (job_id),
  KEY ix_tasks_next_run (next_run_at),            -- fire: next_run_at <= now ORDER BY next_run_at
  KEY ix_tasks_type (task_type, id),              -- list filter by type
  CONSTRAINT ck_tasks_type CHECK (task_type IN ('manual_task','common_task','workflow','example_task')),
  CONSTRAINT ck_tasks_config CHECK (JSON_VALID(config))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Which tasks each workflow uses (derived from the workflow's config by the
-- API on every create/update): hides sub-tasks in lists, answers "used by".
CREATE TABLE IF NOT EXISTS workflow_nodes (
  workflow_id  BIGINT NOT NULL,
  task_id      BIGINT NOT NULL,
  position     INT    NOT NULL,
  PRIMARY KEY (workflow_id, task_id),
  KEY ix_wfnodes_task (task_id),
  CONSTRAINT fk_wfnodes_workflow FOREIGN KEY (workflow_id) REFERENCES scheduled_tasks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS scheduler_nodes (
  id            BIGINT       NOT NULL AUTO_INCREMENT,
  name          VARCHAR(255) NOT NULL,
  host          VARCHAR(255) NOT NULL,
  pid           INT          NOT NULL,
  version       VARCHAR(32)  NOT NULL,
  state         VARCHAR(16)  NOT NULL DEFAULT 'running' COMMENT 'running|stopping|stopped|lost',
  threads       INT          NOT NULL DEFAULT 0,
  busy          INT          NOT NULL DEFAULT 0,
  started_at    DATETIME(3)  NOT NULL,
  heartbeat_at  DATETIME(3)  NOT NULL,
  stopped_at    DATETIME(3)  NULL,
  PRIMARY KEY (id),
  KEY ix_nodes_heartbeat (state, heartbeat_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS task_executions (
  id                  BIGINT        NOT NULL AUTO_INCREMENT,
  task_id             BIGINT        NOT NULL,
  parent_execution_id BIGINT        NULL COMMENT 'workflow run this child belongs to',
  trigger_type        VARCHAR(16)   NOT NULL COMMENT 'schedule|manual|retry|workflow',
  status              VARCHAR(16)   NOT NULL COMMENT 'pending|running|success|failed|completed|terminated|skipped',
  scheduled_time      DATETIME(3)   NULL,
  fire_key            DATETIME(3)   NULL COMMENT 'scheduled_time for schedule fires, else NULL',
  not_before          DATETIME(3)   NOT NULL COMMENT 'may not start earlier (retries wait here)',
  start_time          DATETIME(3)   NULL,
  end_time            DATETIME(3)   NULL,
  duration_ms         BIGINT        NULL,
  retry_count         INT           NOT NULL DEFAULT 0,
  progress_percent    SMALLINT      NULL,
  current_step        INT           NULL,
  total_steps         INT           NULL,
  progress_message    VARCHAR(1024) NULL,
  result              JSON          NULL COMMENT 'slimmed summary',
  error_message       TEXT          NULL,
  config_override     JSON          NULL COMMENT 'per-run config from a manual trigger',
  node_id             BIGINT        NULL,
  heartbeat_at        DATETIME(3)   NULL,
  cancel_requested    TINYINT(1)    NOT NULL DEFAULT 0,
  created_by          VARCHAR(64)   NULL,
  created_at          DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at          DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY uk_exec_fire (task_id, fire_key),    -- one execution per scheduled slot
  KEY ix_exec_task_id (task_id, id),              -- history newest first; latest per task
  KEY ix_exec_task_status (task_id, status, id),  -- history filtered by status; instances running
  KEY ix_exec_claim (status, not_before),         -- claim: pending and due
  KEY ix_exec_node (node_id, status),             -- running on node X
  KEY ix_exec_heartbeat (status, heartbeat_at),   -- reaper: running with stale heartbeat
  KEY ix_exec_parent (parent_execution_id),
  KEY ix_exec_created (created_at),               -- retention purge
  CONSTRAINT fk_exec_task FOREIGN KEY (task_id) REFERENCES scheduled_tasks (id) ON DELETE CASCADE,
  CONSTRAINT ck_exec_result CHECK (result IS NULL OR JSON_VALID(result)),
  CONSTRAINT ck_exec_override CHECK (config_override IS NULL OR JSON_VALID(config_override))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS execution_steps (
  execution_id BIGINT        NOT NULL,
  step         INT           NOT NULL,
  status       VARCHAR(16)   NOT NULL,
  message      VARCHAR(1024) NULL,
  at           DATETIME(3)   NOT NULL,
  PRIMARY KEY (execution_id, step),
  CONSTRAINT fk_steps_exec FOREIGN KEY (execution_id) REFERENCES task_executions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS execution_output (
  execution_id     BIGINT     NOT NULL,
  stdout_tail      MEDIUMTEXT NULL,
  stderr_tail      MEDIUMTEXT NULL,
  stdout_bytes     BIGINT     NOT NULL DEFAULT 0 COMMENT 'total bytes seen',
  stderr_bytes     BIGINT     NOT NULL DEFAULT 0,
  exit_code        INT        NULL,
  term_signal      INT        NULL,
  PRIMARY KEY (execution_id),
  CONSTRAINT fk_output_exec FOREIGN KEY (execution_id) REFERENCES task_executions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS task_stats_daily (
  task_id           BIGINT NOT NULL,
  day               DATE   NOT NULL COMMENT 'UTC day the execution ended',
  runs              INT    NOT NULL DEFAULT 0,
  successes         INT    NOT NULL DEFAULT 0,
  failures          INT    NOT NULL DEFAULT 0,
  terminations      INT    NOT NULL DEFAULT 0 COMMENT 'cancelled runs',
  skipped           INT    NOT NULL DEFAULT 0,
  total_duration_ms BIGINT NOT NULL DEFAULT 0,
  max_duration_ms   BIGINT NOT NULL DEFAULT 0,
  last_end_at       DATETIME(3) NULL,
  PRIMARY KEY (task_id, day),
  KEY ix_stats_day (day),
  CONSTRAINT fk_stats_task FOREIGN KEY (task_id) REFERENCES scheduled_tasks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS users (
  id             BIGINT       NOT NULL AUTO_INCREMENT,
  username       VARCHAR(64)  NOT NULL,
  password_hash  VARCHAR(255) NOT NULL COMMENT 'argon2id, libsodium crypto_pwhash_str',
  role           VARCHAR(16)  NOT NULL COMMENT 'admin|operator|viewer',
  disabled       TINYINT(1)   NOT NULL DEFAULT 0,
  created_at     DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at     DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  last_login_at  DATETIME(3)  NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_users_name (username),
  CONSTRAINT ck_users_role CHECK (role IN ('admin','operator','viewer'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Login sessions and long-lived API tokens. Only a hash of the token is kept.
CREATE TABLE IF NOT EXISTS api_tokens (
  id            BIGINT       NOT NULL AUTO_INCREMENT,
  token_hash    BINARY(32)   NOT NULL COMMENT 'BLAKE2b-256 of the token',
  prefix        VARCHAR(16)  NOT NULL COMMENT 'first characters, to recognise a token',
  kind          VARCHAR(16)  NOT NULL COMMENT 'session|api',
  name          VARCHAR(128) NULL,
  user_id       BIGINT       NULL COMMENT 'session owner, or the user who created an api token',
  role          VARCHAR(16)  NOT NULL,
  created_by    VARCHAR(64)  NULL,
  created_at    DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  expires_at    DATETIME(3)  NULL COMMENT 'NULL = never',
  last_used_at  DATETIME(3)  NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_tokens_hash (token_hash),
  KEY ix_tokens_user (user_id, kind),
  CONSTRAINT fk_tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT ck_tokens_role CHECK (role IN ('admin','operator','viewer'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Failed-login throttling shared by every zq-api process.
CREATE TABLE IF NOT EXISTS login_attempts (
  subject       VARCHAR(160) NOT NULL COMMENT 'user:NAME or addr:IP',
  failures      INT          NOT NULL DEFAULT 0,
  window_start  DATETIME(3)  NOT NULL,
  locked_until  DATETIME(3)  NULL,
  PRIMARY KEY (subject)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS audit_log (
  id           BIGINT       NOT NULL AUTO_INCREMENT,
  at           DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  actor        VARCHAR(64)  NULL COMMENT 'username or token name',
  action       VARCHAR(32)  NOT NULL,
  target_type  VARCHAR(16)  NULL COMMENT 'task|execution|user|token',
  target_id    BIGINT       NULL,
  task_id      BIGINT       NULL,
  detail       TEXT         NULL,
  client_addr  VARCHAR(64)  NULL,
  PRIMARY KEY (id),
  KEY ix_audit_at (at),
  KEY ix_audit_task (task_id, id),
  KEY ix_audit_actor (actor, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- BI: read-only views for tools that read MySQL directly.
CREATE OR REPLACE VIEW bi_executions AS
  SELECT e.id AS execution_id, e.task_id, t.name AS task_name, t.task_type,
         e.trigger_type, e.status, e.scheduled_time, e.start_time, e.end_time,
         e.duration_ms / 1000 AS duration_seconds, e.retry_count, e.error_message,
         e.parent_execution_id, e.node_id
    FROM task_executions e JOIN scheduled_tasks t ON t.id = e.task_id;

CREATE OR REPLACE VIEW bi_task_daily AS
  SELECT s.day, s.task_id, t.name AS task_name, t.task_type, s.runs, s.successes,
         s.failures, s.terminations, s.skipped,
         CASE WHEN s.runs > 0 THEN s.successes / s.runs END AS success_rate,
         CASE WHEN s.runs > 0 THEN s.total_duration_ms / s.runs / 1000 END AS avg_duration_seconds,
         s.max_duration_ms / 1000 AS max_duration_seconds
    FROM task_stats_daily s JOIN scheduled_tasks t ON t.id = s.task_id;
