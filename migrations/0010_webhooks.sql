-- Webhooks: endpoints registered per organisation, and the log of every delivery attempt.
-- Signing secrets are stored encrypted like documents (an AES-256-GCM data key wrapped by
-- the KEK), because every delivery must be signed with them; the secret itself is shown once.
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  created_by TEXT NOT NULL,
  url TEXT NOT NULL,
  description TEXT NOT NULL,
  -- Space-separated event types, e.g. "envelope.sent envelope.completed".
  events TEXT NOT NULL,
  kek_id TEXT NOT NULL,
  wrapped_key TEXT NOT NULL,
  secret_ciphertext TEXT NOT NULL,
  -- After a rotation the old secret still signs (beside the new one) until previous_expires_at.
  previous_kek_id TEXT,
  previous_wrapped_key TEXT,
  previous_secret_ciphertext TEXT,
  previous_expires_at TEXT,
  created_at TEXT NOT NULL,
  rotated_at TEXT
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id, created_at);

-- One row per attempt; outcome "succeeded" for a delivery means it is never sent again.
CREATE TABLE webhook_attempts (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  -- Our delivery message id: the webhook-id header, stable across retries.
  delivery_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  -- succeeded | retrying | failed (retries exhausted)
  outcome TEXT NOT NULL,
  http_status INTEGER,
  error TEXT,
  duration_ms INTEGER,
  at TEXT NOT NULL
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, at);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
