-- Deleting an account: the user row stays (envelopes, audit entries and API keys point
-- at it) but is emptied of personal data and marked with the time it was deleted.
ALTER TABLE users ADD COLUMN deleted_at TEXT;

-- "Your data" and account deletion look a person up across organisations: by what they
-- sent and by the audit entries they made or that concern them.
CREATE INDEX envelopes_owner ON envelopes (owner_id, org_id);
CREATE INDEX audit_log_actor_id ON audit_log (actor_id, org_id);
CREATE INDEX audit_log_target_id ON audit_log (target_id, org_id);
