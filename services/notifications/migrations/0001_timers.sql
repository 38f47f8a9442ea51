-- Plant calendars, timers and their stages, firings (each stage at most once), subscriptions and
-- deliveries. Runs on MariaDB 10.6+ and MySQL 8.0: no RETURNING, no sequences.

CREATE TABLE IF NOT EXISTS calendars (
  plant VARCHAR(16) NOT NULL,
  definition TEXT NOT NULL,
  version BIGINT NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (plant)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- state: 0 not armed yet (a deadline was disarmed before the arm arrived), 1 armed, 2 paused,
-- 3 disarmed.
CREATE TABLE IF NOT EXISTS timers (
  id BIGINT NOT NULL AUTO_INCREMENT,
  plant VARCHAR(16) NOT NULL,
  subject VARCHAR(255) NOT NULL,
  policy VARCHAR(64) NOT NULL,
  state TINYINT NOT NULL,
  start_time DATETIME(6) NULL,
  explicit_due DATETIME(6) NULL,
  arm_time DATETIME(6) NULL,
  disarm_time DATETIME(6) NULL,
  pause_time DATETIME(6) NULL,
  paused_micros BIGINT NOT NULL DEFAULT 0,
  disarmed_deadlines VARCHAR(512) NOT NULL DEFAULT '',
  request_id VARCHAR(128) NOT NULL DEFAULT '',
  PRIMARY KEY (id),
  UNIQUE KEY timers_subject_policy (subject, policy),
  KEY timers_plant (plant, state, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- state: 1 pending, 2 fired, 3 cancelled, 4 held (timer paused). kind: 1 warning, 2 breach,
-- 3 escalation.
CREATE TABLE IF NOT EXISTS timer_stages (
  id BIGINT NOT NULL AUTO_INCREMENT,
  timer_id BIGINT NOT NULL,
  stage_index INT NOT NULL,
  deadline VARCHAR(64) NOT NULL,
  kind TINYINT NOT NULL,
  level INT NOT NULL,
  roles VARCHAR(255) NOT NULL,
  due_time DATETIME(6) NOT NULL,
  state TINYINT NOT NULL,
  fire_time DATETIME(6) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY timer_stages_index (timer_id, stage_index),
  KEY timer_stages_due (state, due_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per fired stage: the unique key is what makes a stage fire at most once. The id is the
-- event id streamed to boards and sent to receivers as idempotency key.
CREATE TABLE IF NOT EXISTS firings (
  id BIGINT NOT NULL AUTO_INCREMENT,
  timer_id BIGINT NOT NULL,
  stage_index INT NOT NULL,
  plant VARCHAR(16) NOT NULL,
  due_time DATETIME(6) NOT NULL,
  fire_time DATETIME(6) NOT NULL,
  batch BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY firings_once (timer_id, stage_index),
  KEY firings_batch (batch),
  KEY firings_plant (plant, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- channel: 1 webhook, 2 e-mail.
CREATE TABLE IF NOT EXISTS subscriptions (
  id BIGINT NOT NULL AUTO_INCREMENT,
  plant VARCHAR(16) NOT NULL,
  roles VARCHAR(512) NOT NULL,
  channel TINYINT NOT NULL,
  target VARCHAR(512) NOT NULL,
  secret VARCHAR(255) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  deleted BOOLEAN NOT NULL DEFAULT FALSE,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- state: 1 pending, 2 delivered, 3 dead.
CREATE TABLE IF NOT EXISTS deliveries (
  id BIGINT NOT NULL AUTO_INCREMENT,
  firing_id BIGINT NOT NULL,
  subscription_id BIGINT NOT NULL,
  state TINYINT NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_time DATETIME(6) NOT NULL,
  last_error VARCHAR(512) NOT NULL DEFAULT '',
  deliver_time DATETIME(6) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY deliveries_once (firing_id, subscription_id),
  KEY deliveries_due (state, next_attempt_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
