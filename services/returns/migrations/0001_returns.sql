-- Returns (退货), their per-plant, per-year number sequence, the parts they carry (for the part
-- filter) and their history. Times are UTC DATETIME(6). Limits match services/returns/return.h.

CREATE TABLE IF NOT EXISTS return_numbers (
  plant VARCHAR(16) NOT NULL,
  year SMALLINT NOT NULL,
  last_sequence BIGINT NOT NULL,
  PRIMARY KEY (plant, year)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per return: what lists filter on as columns, the rest of the record (lines, receipts,
-- rework orders, urgent production, analysis) as JSON in `record`.
CREATE TABLE IF NOT EXISTS returns (
  id BIGINT NOT NULL AUTO_INCREMENT,
  plant VARCHAR(16) NOT NULL,
  number VARCHAR(40) NOT NULL,
  request_id VARCHAR(64) NULL,
  request_fingerprint CHAR(64) NOT NULL,
  customer VARCHAR(64) NOT NULL,
  complaint VARCHAR(255) NOT NULL,
  bulk BOOLEAN NOT NULL,
  without_goods BOOLEAN NOT NULL,
  state VARCHAR(16) NOT NULL,
  record MEDIUMTEXT NOT NULL,
  -- The earliest open deadline (lifecycle.h NextDue); NULL when none is open.
  next_due_time DATETIME(6) NULL,
  analysis_archived BOOLEAN NOT NULL DEFAULT FALSE,
  version BIGINT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  close_time DATETIME(6) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY returns_number (plant, number),
  UNIQUE KEY returns_request (plant, request_id),
  KEY returns_plant (plant, id),
  KEY returns_customer (plant, customer, id),
  KEY returns_complaint (plant, complaint, id),
  KEY returns_state (plant, state, id),
  KEY returns_due (plant, next_due_time),
  KEY returns_created (plant, create_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS return_parts (
  return_id BIGINT NOT NULL,
  part_number VARCHAR(64) NOT NULL,
  PRIMARY KEY (return_id, part_number),
  KEY return_parts_part (part_number, return_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every change, never updated or deleted by the service.
CREATE TABLE IF NOT EXISTS return_history (
  id BIGINT NOT NULL AUTO_INCREMENT,
  return_id BIGINT NOT NULL,
  action VARCHAR(64) NOT NULL,
  actor VARCHAR(128) NOT NULL,
  from_state VARCHAR(16) NOT NULL,
  to_state VARCHAR(16) NOT NULL,
  time DATETIME(6) NOT NULL,
  details MEDIUMTEXT NOT NULL,
  PRIMARY KEY (id),
  KEY return_history_return (return_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
