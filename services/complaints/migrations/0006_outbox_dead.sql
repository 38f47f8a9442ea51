-- Outbox rows the receiver refused for good (INVALID_ARGUMENT, ...). The relay moves such a row
-- here, in the transaction that claimed it, instead of dropping it: a timer command must never
-- vanish with only a log line. Counted in qms_outbox_dead (alert QmsOutboxDeadCommands); listed
-- and replayed with the queries in the README ("Dead timer commands").
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
