-- API access: keys (stored only as the SHA-256 of the whole key) and the answers to
-- POSTs made with an Idempotency-Key, kept 24 hours so a retry gets the first answer.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  created_by TEXT NOT NULL,
  name TEXT NOT NULL,
  -- The visible start of the key (pk_live_1a2b3c4d), to tell keys apart; not a secret.
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  -- Space-separated: "read", "write" or "read write".
  scopes TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (key_hash);
CREATE INDEX api_keys_org ON api_keys (org_id, created_at);

CREATE TABLE api_idempotency (
  org_id TEXT NOT NULL,
  -- SHA-256 of the client's Idempotency-Key header.
  key_hash TEXT NOT NULL,
  -- SHA-256 of method, path and body: the same key with another request is refused.
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
  status INTEGER,
  headers TEXT,
  body TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (org_id, key_hash)
);
CREATE INDEX api_idempotency_expiry ON api_idempotency (expires_at);
