-- Pactly's first schema. Every row carries its organisation id (sharding by organisation later).
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  locale TEXT NOT NULL CHECK (locale IN ('en', 'nb')),
  personal_org_id TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE organisations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  personal INTEGER NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE memberships (
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'user')),
  created_at TEXT NOT NULL,
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT,
  ip TEXT,
  user_agent TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE documents (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('original', 'signed')),
  filename TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  pages INTEGER NOT NULL,
  size INTEGER NOT NULL,
  r2_key TEXT NOT NULL,
  wrapped_key TEXT,
  kek_id TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX documents_org ON documents (org_id);

CREATE TABLE envelopes (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  document_id TEXT NOT NULL,
  title TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'completed', 'declined', 'cancelled', 'expired', 'purged')),
  signing_order TEXT NOT NULL,
  created_at TEXT NOT NULL,
  sent_at TEXT,
  expires_at TEXT,
  ended_at TEXT,
  signed_document_id TEXT,
  event_head TEXT,
  version INTEGER NOT NULL
);
CREATE INDEX envelopes_org_created ON envelopes (org_id, created_at);

CREATE TABLE recipients (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  envelope_id TEXT NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  role TEXT NOT NULL,
  method TEXT NOT NULL,
  signing_order INTEGER NOT NULL,
  locale TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'notified', 'opened', 'identified', 'signed', 'declined')),
  signed_at TEXT,
  declined_at TEXT
);
CREATE INDEX recipients_envelope ON recipients (envelope_id);

-- Signing links by the SHA-256 of their token; the token itself is never stored.
CREATE TABLE signing_links (
  token_hash TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  envelope_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL
);

CREATE TABLE events (
  envelope_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  org_id TEXT NOT NULL,
  type TEXT NOT NULL,
  at TEXT NOT NULL,
  recipient_id TEXT,
  body TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (envelope_id, seq)
);

CREATE TABLE idempotency_keys (
  key TEXT NOT NULL,
  org_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  result TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (org_id, scope, key)
);

CREATE TABLE deliveries (
  message_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  envelope_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  recipient_id TEXT,
  channel TEXT NOT NULL,
  delivered_at TEXT NOT NULL
);

CREATE TABLE dev_outbox (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  to_address TEXT NOT NULL,
  subject TEXT NOT NULL,
  text TEXT NOT NULL,
  link TEXT,
  created_at TEXT NOT NULL
);
