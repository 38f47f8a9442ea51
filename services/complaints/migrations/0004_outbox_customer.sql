-- Timer commands carry the customer the response is owed to, so the notification service can
-- report breaches by customer.
ALTER TABLE outbox
  ADD COLUMN customer VARCHAR(255) NOT NULL DEFAULT '';
