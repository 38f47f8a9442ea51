-- Customer audit findings under the 2485 rule. Due times are stored so that the blacklist ledger
-- is one indexed query.

CREATE TABLE IF NOT EXISTS audit_findings (
  id BIGINT NOT NULL AUTO_INCREMENT,
  plant VARCHAR(16) NOT NULL,
  request_id VARCHAR(64) NULL,
  request_fingerprint CHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL,
  customer VARCHAR(64) NOT NULL,
  audited_area VARCHAR(128) NOT NULL,
  finding TEXT NOT NULL,
  owner VARCHAR(128) NOT NULL,
  raised_time DATETIME(6) NOT NULL,
  countermeasure TEXT NOT NULL,
  countermeasure_time DATETIME(6) NULL,
  countermeasure_due DATETIME(6) NOT NULL,
  root_cause TEXT NOT NULL,
  long_term_action TEXT NOT NULL,
  analysis_time DATETIME(6) NULL,
  analysis_due DATETIME(6) NOT NULL,
  closing_notes TEXT NOT NULL,
  close_time DATETIME(6) NULL,
  close_due DATETIME(6) NOT NULL,
  version BIGINT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY audit_findings_request (plant, request_id),
  KEY audit_findings_raised (plant, raised_time),
  KEY audit_findings_status (plant, status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
