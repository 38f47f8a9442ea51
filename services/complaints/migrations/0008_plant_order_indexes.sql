-- The master log and the findings list, newest first, of one plant without other filters:
-- an index in that order, so a page is read from the index instead of sorting the plant's rows.
ALTER TABLE complaints ADD KEY complaints_plant (plant, id);
ALTER TABLE audit_findings ADD KEY audit_findings_plant (plant, id);
