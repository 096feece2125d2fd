-- 120_task_versions: every change of a task's definition, kept (README
-- "Versions").
--
-- task_versions   one row per create, update, enable / disable, pause /
--                 resume, restore, import and delete of a task, written in the
--                 transaction of the change (so a change and its version commit
--                 or vanish together). `version` is the task's
--                 scheduled_tasks.version after the change (1 at create, + 1
--                 for each API write; the scheduler's own updates of
--                 next_run_at never bump it), so `If-Match: <version>` names
--                 both. `definition` holds every user-settable field as the
--                 API's body takes it (db/jobs/task_def.h), with the values of
--                 secret keys masked as "***": a version is readable by every
--                 role that can read the task.
--                 No foreign key to scheduled_tasks: a deleted task's versions
--                 stay (its last row has action 'delete'), so it is listed and
--                 can be restored with its id.
--                 A task that exists when this migration runs gets a 'baseline'
--                 row from zq-db migrate (written in C, masked by the same code).
--
-- Additive only; idempotent.

CREATE TABLE IF NOT EXISTS task_versions (
  task_id      BIGINT       NOT NULL COMMENT 'scheduled_tasks.id (kept after a delete)',
  version      INT          NOT NULL COMMENT 'scheduled_tasks.version after the change',
  action       VARCHAR(16)  NOT NULL COMMENT 'baseline|create|update|enable|disable|pause|resume|restore|import|delete',
  name         VARCHAR(128) NOT NULL COMMENT 'the task name at this version',
  task_type    VARCHAR(32)  NOT NULL,
  definition   JSON         NOT NULL COMMENT 'every user-settable field, secrets masked',
  actor        VARCHAR(128) NULL COMMENT 'username, token:NAME or import:FILE',
  comment      VARCHAR(512) NULL COMMENT 'X-Zq-Change-Comment, or a restore''s comment',
  client_addr  VARCHAR(64)  NULL,
  at           DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (task_id, version),
  KEY ix_versions_action_at (action, at),
  CONSTRAINT ck_task_versions_action CHECK (action IN
    ('baseline','create','update','enable','disable','pause','resume','restore','import','delete'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
