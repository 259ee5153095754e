-- Two-factor authentication: TOTP secrets (encrypted), recovery codes (hashed) and
-- the short-lived second step of a login (hashed token).

-- One row per user. The secret is encrypted under its own AES-256-GCM data key, which
-- is stored only wrapped by a KEK from secrets. enabled_at is null while the user has
-- scanned but not yet confirmed. last_used_step makes every code single use.
CREATE TABLE two_factor (
  user_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  kek_id TEXT NOT NULL,
  wrapped_key TEXT NOT NULL,
  secret_ciphertext TEXT NOT NULL,
  created_at TEXT NOT NULL,
  enabled_at TEXT,
  last_used_step INTEGER
);

-- code_hash is the SHA-256 of the user id and the 80-bit code; the code is shown once.
CREATE TABLE two_factor_recovery_codes (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  used_at TEXT
);
CREATE UNIQUE INDEX two_factor_recovery_codes_hash ON two_factor_recovery_codes (user_id, code_hash);

-- The half of a login between a correct password and a correct code: not a session.
-- id is the SHA-256 of the token held in a 5-minute cookie.
CREATE TABLE login_challenges (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);
CREATE INDEX login_challenges_user ON login_challenges (user_id);
