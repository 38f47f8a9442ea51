-- The returns of a complaint's goods, as the returns service told them (RecordReturn): one row
-- per return, so that a repeated message changes nothing.
CREATE TABLE IF NOT EXISTS complaint_returns (
  complaint_id BIGINT NOT NULL,
  return_name VARCHAR(255) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (complaint_id, return_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
