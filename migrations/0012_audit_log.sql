-- The account audit log: one hash chain per organisation (see src/domain/audit.ts).
-- UNIQUE (org_id, seq) is what keeps the chain from forking: of two appends that read
-- the same head, exactly one inserts seq n; the other re-reads the head and retries.
CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  -- "none" for failed logins to addresses without an account (read by no user).
  org_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  -- UTC, ISO 8601 with milliseconds.
  at TEXT NOT NULL,
  actor_type TEXT NOT NULL CHECK (actor_type IN ('user', 'apikey', 'system', 'anonymous')),
  actor_id TEXT,
  -- The user's email or the key's prefix, as it was at the time.
  actor_label TEXT,
  action TEXT NOT NULL,
  target_type TEXT,
  target_id TEXT,
  ip TEXT,
  user_agent TEXT,
  -- Canonical JSON object; never secrets.
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE UNIQUE INDEX audit_log_chain ON audit_log (org_id, seq);
CREATE INDEX audit_log_org_at ON audit_log (org_id, at);
CREATE INDEX audit_log_org_action ON audit_log (org_id, action, seq);
CREATE INDEX audit_log_org_actor ON audit_log (org_id, actor_label, seq);
