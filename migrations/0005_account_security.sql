-- Account security: verified email addresses and single-use account links (verification, password reset).

-- Null until the user opens the link sent to their address. Accounts created before
-- verification existed are treated as verified: they were never asked.
ALTER TABLE users ADD COLUMN email_verified_at TEXT;
UPDATE users SET email_verified_at = created_at WHERE email_verified_at IS NULL;

-- id is the SHA-256 of the token; the token itself exists only in the email.
CREATE TABLE account_tokens (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'change_email', 'reset_password')),
  email TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose, created_at);
