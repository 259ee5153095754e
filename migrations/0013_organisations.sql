-- Organisations beyond the personal one: invitations by email and organisation settings.

-- An invitation is a single-use link sent to one address. id is the SHA-256 of the
-- link's token (the token exists only in the queue message and the email). The owner
-- role is never given by invitation, only by transferring ownership.
CREATE TABLE org_invitations (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  email TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'user')),
  invited_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  accepted_at TEXT,
  revoked_at TEXT
);
CREATE INDEX org_invitations_org ON org_invitations (org_id, created_at);

-- One row per organisation that changed a setting; no row means the defaults.
CREATE TABLE org_settings (
  org_id TEXT PRIMARY KEY,
  require_two_factor INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);
