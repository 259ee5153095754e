-- Notifications: the address each delivery went to, failures the sender must see,
-- and HTML/SMS in the development outbox. See src/storage/schema-notifications.ts.
ALTER TABLE deliveries ADD COLUMN to_address TEXT;
CREATE INDEX deliveries_envelope ON deliveries (envelope_id, delivered_at);

CREATE TABLE delivery_failures (
  message_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  envelope_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  recipient_id TEXT,
  channel TEXT NOT NULL,
  to_address TEXT NOT NULL,
  reason TEXT NOT NULL,
  provider_status TEXT,
  failed_at TEXT NOT NULL
);
CREATE INDEX delivery_failures_envelope ON delivery_failures (envelope_id, failed_at);

ALTER TABLE dev_outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';
ALTER TABLE dev_outbox ADD COLUMN html TEXT;
