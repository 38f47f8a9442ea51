-- The working time that passed while a timer was paused, beside the wall time (paused_micros): a
-- deadline in working hours or working days moves by the working time of its pauses (a pause
-- over a weekend or a holiday moves it not at all), one in calendar hours by the wall time.
ALTER TABLE timers
  ADD COLUMN paused_working_micros BIGINT NOT NULL DEFAULT 0;
