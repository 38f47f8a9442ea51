-- The 8D record, response times, serious flags and the reopen chain on each complaint; the
-- append-only change history; the outbox of timer commands for the notification service.

ALTER TABLE complaints
  ADD COLUMN record LONGTEXT NULL,
  ADD COLUMN contain_time DATETIME(6) NULL,
  ADD COLUMN reply_time DATETIME(6) NULL,
  ADD COLUMN close_time DATETIME(6) NULL,
  ADD COLUMN corrective_action_due DATETIME(6) NULL,
  ADD COLUMN improvement_date DATE NULL,
  ADD COLUMN serious_reasons VARCHAR(128) NOT NULL DEFAULT '',
  ADD COLUMN reopened_from VARCHAR(40) NOT NULL DEFAULT '',
  ADD COLUMN reopened_as VARCHAR(40) NOT NULL DEFAULT '',
  ADD COLUMN reopen_index INT NOT NULL DEFAULT 0,
  ADD KEY complaints_defect (plant, part_number, defect_code, received_time),
  ADD KEY complaints_customer_received (plant, customer, received_time);

-- Every change, never updated or deleted by the service.
CREATE TABLE IF NOT EXISTS complaint_history (
  id BIGINT NOT NULL AUTO_INCREMENT,
  plant VARCHAR(16) NOT NULL,
  number VARCHAR(40) NOT NULL,
  action VARCHAR(64) NOT NULL,
  actor VARCHAR(128) NOT NULL,
  from_status VARCHAR(32) NOT NULL,
  to_status VARCHAR(32) NOT NULL,
  time DATETIME(6) NOT NULL,
  details TEXT NOT NULL,
  PRIMARY KEY (id),
  KEY complaint_history_complaint (plant, number, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The shape common/outbox.h writes and its relay reads.
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
  deliver_time DATETIME(6) NULL,
  PRIMARY KEY (id),
  KEY outbox_pending (deliver_time, next_attempt_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
