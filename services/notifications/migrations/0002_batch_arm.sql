-- BatchArmTimers inserts many timers with one statement and then finds the rows it created (and
-- not the ones that existed before) by this per-call marker.
ALTER TABLE timers
  ADD COLUMN arm_batch BIGINT NOT NULL DEFAULT 0,
  ADD KEY timers_arm_batch (arm_batch);
