-- The complaint master log (客户抱怨处理总表) and the per-plant, per-year number sequence.
-- Times are UTC DATETIME(6). Column limits match services/complaints/complaint.h.

CREATE TABLE IF NOT EXISTS complaint_numbers (
  plant VARCHAR(16) NOT NULL,
  year SMALLINT NOT NULL,
  last_sequence BIGINT NOT NULL,
  PRIMARY KEY (plant, year)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS complaints (
  id BIGINT NOT NULL AUTO_INCREMENT,
  plant VARCHAR(16) NOT NULL,
  number VARCHAR(40) NOT NULL,
  request_id VARCHAR(64) NULL,
  request_fingerprint CHAR(64) NOT NULL,
  status VARCHAR(32) NOT NULL,
  customer VARCHAR(64) NOT NULL,
  customer_contact VARCHAR(256) NOT NULL,
  part_number VARCHAR(64) NOT NULL,
  order_number VARCHAR(64) NOT NULL,
  lot_number VARCHAR(64) NOT NULL,
  delivery_date DATE NULL,
  quantity_delivered BIGINT NOT NULL,
  quantity_defective BIGINT NOT NULL,
  defect_code VARCHAR(32) NOT NULL,
  defect_description TEXT NOT NULL,
  goods_returned BOOLEAN NOT NULL,
  customer_production_affected BOOLEAN NOT NULL,
  customer_delivery_affected BOOLEAN NOT NULL,
  customer_required_reply_time DATETIME(6) NULL,
  channel VARCHAR(16) NOT NULL,
  received_time DATETIME(6) NOT NULL,
  version BIGINT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY complaints_number (plant, number),
  UNIQUE KEY complaints_request (plant, request_id),
  KEY complaints_customer (plant, customer, id),
  KEY complaints_status (plant, status, id),
  KEY complaints_received (plant, received_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
