-- The transactional outbox (common/outbox.h) of a service that arms response timers, and the
-- rows its relay moved aside because the receiver refused them for good. Included in a
-- service's migrations by qms_migrations(... OUTBOX); versions 9000 and up are the outbox's, a
-- service's own migrations stay below. Complaints created these tables in its own migrations
-- 0002-0006 before they were shared: there these statements find them and do nothing.

-- Every row is pending: the relay deletes the rows it delivered in the claiming transaction.
CREATE TABLE IF NOT EXISTS outbox (
  id BIGINT NOT NULL AUTO_INCREMENT,
  kind VARCHAR(16) NOT NULL,
  plant VARCHAR(16) NOT NULL,
  subject VARCHAR(255) NOT NULL,
  policy VARCHAR(64) NOT NULL,
  start_time DATETIME(6) NULL,
  due_time DATETIME(6) NULL,
  detail VARCHAR(512) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_time DATETIME(6) NOT NULL,
  customer VARCHAR(255) NOT NULL DEFAULT '',
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Refused for good (INVALID_ARGUMENT, ...): kept, counted in qms_outbox_dead, replayed by hand
-- (README: "Dead timer commands").
CREATE TABLE IF NOT EXISTS outbox_dead (
  id BIGINT NOT NULL,
  kind VARCHAR(16) NOT NULL,
  plant VARCHAR(16) NOT NULL,
  subject VARCHAR(255) NOT NULL,
  policy VARCHAR(64) NOT NULL,
  start_time DATETIME(6) NULL,
  due_time DATETIME(6) NULL,
  detail VARCHAR(512) NOT NULL,
  customer VARCHAR(255) NOT NULL DEFAULT '',
  create_time DATETIME(6) NOT NULL,
  attempts INT NOT NULL,
  dead_time DATETIME(6) NOT NULL,
  error VARCHAR(1024) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB;
