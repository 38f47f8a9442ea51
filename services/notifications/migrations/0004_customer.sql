-- The customer a response is owed to (sent by the arming service), for breaches by customer.
ALTER TABLE timers
  ADD COLUMN customer VARCHAR(255) NOT NULL DEFAULT '';
