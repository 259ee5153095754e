-- Nordic eID through an OIDC broker: the server-side half of each authorization request.
-- The broker may post the callback cross-site (form_post), where SameSite=Lax cookies are
-- not sent, so the OIDC `state` is looked up here. id is the SHA-256 of `state`; the state
-- itself exists only in the signer's browser and at the broker. A row is deleted when the
-- callback consumes it (single use) and is worthless after expires_at (10 minutes).
CREATE TABLE eid_states (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  envelope_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  scheme TEXT NOT NULL CHECK (scheme IN ('no_bankid', 'se_bankid', 'dk_mitid', 'fi_ftn')),
  code_verifier TEXT NOT NULL,
  nonce_salt TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX eid_states_expiry ON eid_states (expires_at);
