-- qms_timers_open is recounted every few seconds on every replica: a covering index over the
-- open states lets the count read only open timers' index entries instead of every timer row.
ALTER TABLE timers
  ADD KEY timers_open_count (state, plant, policy);
