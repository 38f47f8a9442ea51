-- Each claim of deliveries writes its own lease token; recording a result requires the row to be
-- still pending under that token. A worker whose lease ran out (another replica claimed the row
-- again) can then neither mark it delivered twice nor turn a delivered row back into pending.
ALTER TABLE deliveries
  ADD COLUMN lease_token BIGINT NOT NULL DEFAULT 0;
