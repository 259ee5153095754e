-- Reminders and warnings: the sender's warning before retention deletes an envelope goes
-- out once. The Envelope Durable Object refuses a second warning itself; this row lets the
-- daily cron skip envelopes already warned instead of asking each object every day.

CREATE TABLE deletion_warnings (
  envelope_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  -- When the envelope is deleted (ISO), as stated in the warning.
  deletes_at TEXT NOT NULL,
  queued_at TEXT NOT NULL
);

-- The cron's safety net looks for signers whose automatic reminder is overdue.
CREATE INDEX recipients_status_invited ON recipients (status, last_invited_at);
