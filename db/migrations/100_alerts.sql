-- 100_alerts: alert channels, rules, open alerts and the outbox of alert
-- events (README "Alerts").
--
-- alert_channels  where a message goes: webhook, dingtalk, wecom, feishu,
--                 slack, email. `config` holds the kind's settings without
--                 secrets; `secrets` the write-only values (webhook/robot
--                 signing secret, SMTP password, robot URLs with their token),
--                 never returned by the API nor logged.
-- alert_rules     when to tell: a kind and its params, for one task or for
--                 every task (task_id NULL: the global default of that kind,
--                 which a task's own rule of the same kind replaces).
-- alert_rule_channels  the channels a rule sends to.
-- alerts          one open alert per (rule, task, slot): what dedupes,
--                 repeats, silences, acknowledges and closes. `slot` names the
--                 occurrence: the run's scheduled time or execution id, the
--                 deadline's local date, the outage's start.
-- alert_events    the outbox: one row per (event, channel), written in the
--                 transaction that settles the run (or that detects the
--                 condition), so no event is lost on a crash and none is
--                 invented for a rolled-back run. Senders claim due rows with
--                 SKIP LOCKED and a lease (`lease_until`): a sender killed
--                 mid-delivery leaves the row to be claimed again when the
--                 lease ends (at least once; receivers dedupe by event id).
--
-- Additive only (new tables); every statement is idempotent.

CREATE TABLE IF NOT EXISTS alert_channels (
  id          BIGINT       NOT NULL AUTO_INCREMENT,
  name        VARCHAR(128) NOT NULL,
  kind        VARCHAR(16)  NOT NULL COMMENT 'webhook|dingtalk|wecom|feishu|slack|email',
  enabled     TINYINT(1)   NOT NULL DEFAULT 1,
  lang        VARCHAR(8)   NOT NULL DEFAULT 'en' COMMENT 'en|zh: language of the messages',
  config      JSON         NOT NULL COMMENT 'the kind''s settings, no secrets',
  secrets     JSON         NULL COMMENT 'write-only values: secret, password, url of robots',
  created_by  VARCHAR(64)  NULL,
  created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY uk_alert_channels_name (name),
  CONSTRAINT ck_alert_channels_kind CHECK (kind IN ('webhook','dingtalk','wecom','feishu','slack','email')),
  CONSTRAINT ck_alert_channels_lang CHECK (lang IN ('en','zh'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS alert_rules (
  id              BIGINT      NOT NULL AUTO_INCREMENT,
  task_id         BIGINT      NULL COMMENT 'NULL: the global default of this kind',
  kind            VARCHAR(16) NOT NULL COMMENT 'on_failure|on_timeout|on_recovery|on_skipped|deadline|not_started|duration|scheduler_down',
  enabled         TINYINT(1)  NOT NULL DEFAULT 1,
  params          JSON        NOT NULL COMMENT 'the kind''s parameters',
  repeat_every    INT         NOT NULL DEFAULT 0 COMMENT 'seconds between repeats while open; 0 = once',
  silenced_until  DATETIME(3) NULL COMMENT 'events before this are recorded, not sent',
  created_by      VARCHAR(64) NULL,
  created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  KEY ix_alert_rules_task (task_id, kind),
  KEY ix_alert_rules_kind (kind, enabled),
  CONSTRAINT fk_alert_rules_task FOREIGN KEY (task_id) REFERENCES scheduled_tasks (id) ON DELETE CASCADE,
  CONSTRAINT ck_alert_rules_kind CHECK (kind IN ('on_failure','on_timeout','on_recovery','on_skipped','deadline','not_started','duration','scheduler_down'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS alert_rule_channels (
  rule_id     BIGINT NOT NULL,
  channel_id  BIGINT NOT NULL,
  PRIMARY KEY (rule_id, channel_id),
  KEY ix_arc_channel (channel_id),
  CONSTRAINT fk_arc_rule FOREIGN KEY (rule_id) REFERENCES alert_rules (id) ON DELETE CASCADE,
  CONSTRAINT fk_arc_channel FOREIGN KEY (channel_id) REFERENCES alert_channels (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS alerts (
  id              BIGINT       NOT NULL AUTO_INCREMENT,
  rule_id         BIGINT       NOT NULL,
  task_id         BIGINT       NULL COMMENT 'NULL for scheduler_down',
  task_key        BIGINT       AS (COALESCE(task_id, 0)) PERSISTENT COMMENT 'task_id, 0 for none: part of the dedupe key',
  slot            VARCHAR(64)  NOT NULL COMMENT 'the occurrence: scheduled time, execution id, local date, outage start',
  kind            VARCHAR(16)  NOT NULL COMMENT 'the rule''s kind when it opened',
  state           VARCHAR(8)   NOT NULL DEFAULT 'open' COMMENT 'open|closed',
  execution_id    BIGINT       NULL,
  summary         VARCHAR(1024) NULL,
  opened_at       DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  last_sent_at    DATETIME(3)  NULL COMMENT 'last event written for it (repeats count from here)',
  acked_by        VARCHAR(64)  NULL,
  acked_at        DATETIME(3)  NULL COMMENT 'acknowledged: no more repeats',
  silenced_until  DATETIME(3)  NULL,
  closed_at       DATETIME(3)  NULL,
  closed_reason   VARCHAR(32)  NULL COMMENT 'recovered|succeeded|started|finished|up|rule_deleted',
  PRIMARY KEY (id),
  UNIQUE KEY uk_alerts_slot (rule_id, task_key, slot),
  KEY ix_alerts_state (state, id),
  KEY ix_alerts_task (task_id, state),
  CONSTRAINT fk_alerts_rule FOREIGN KEY (rule_id) REFERENCES alert_rules (id) ON DELETE CASCADE,
  CONSTRAINT ck_alerts_state CHECK (state IN ('open','closed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS alert_events (
  id              BIGINT       NOT NULL AUTO_INCREMENT,
  alert_id        BIGINT       NULL COMMENT 'NULL for a channel test',
  channel_id      BIGINT       NOT NULL,
  rule_id         BIGINT       NULL,
  task_id         BIGINT       NULL,
  execution_id    BIGINT       NULL,
  event           VARCHAR(16)  NOT NULL COMMENT 'failure|timeout|recovery|skipped|deadline|not_started|duration|scheduler_down|scheduler_up|test',
  is_repeat       TINYINT(1)   NOT NULL DEFAULT 0,
  facts           JSON         NOT NULL COMMENT 'what the message says, as of the event (task, execution, times)',
  status          VARCHAR(12)  NOT NULL DEFAULT 'pending' COMMENT 'pending|sending|sent|failed|silenced',
  attempts        INT          NOT NULL DEFAULT 0,
  next_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'a pending row is due from here',
  lease_until     DATETIME(3)  NULL COMMENT 'a sending row is its sender''s until here',
  sender          VARCHAR(255) NULL COMMENT 'node or process that claimed it last',
  last_code       INT          NULL COMMENT 'HTTP status or SMTP reply code of the last attempt',
  last_error      VARCHAR(512) NULL,
  latency_ms      INT          NULL COMMENT 'of the last attempt',
  created_at      DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  sent_at         DATETIME(3)  NULL,
  PRIMARY KEY (id),
  KEY ix_alert_events_due (status, next_at),
  KEY ix_alert_events_alert (alert_id),
  KEY ix_alert_events_channel (channel_id, id),
  KEY ix_alert_events_task (task_id, id),
  CONSTRAINT ck_alert_events_status CHECK (status IN ('pending','sending','sent','failed','silenced'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
