-- A sent envelope whose seal could not be made (`finalisation_failed`): the projection says
-- so for the envelope list, and when the daily cron may next retry it (null: not at all).
ALTER TABLE envelopes ADD COLUMN finalisation TEXT NOT NULL DEFAULT 'none';
ALTER TABLE envelopes ADD COLUMN finalisation_failure_reason TEXT;
ALTER TABLE envelopes ADD COLUMN finalisation_retry_at TEXT;
CREATE INDEX envelopes_finalisation_retry ON envelopes (finalisation_retry_at) WHERE finalisation_retry_at IS NOT NULL;

-- An operator's request to retry a failed finalisation now (src/cli/retry-finalisation.mjs);
-- the next cron run hands it to the Envelope object, which decides, and deletes the request.
CREATE TABLE finalisation_retry_requests (
  envelope_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  requested_at TEXT NOT NULL
);
