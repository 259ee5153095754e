-- Retention: per-envelope progress of a deletion, so a sweep killed after any step resumes
-- at the next one, and the minimal evidence of what was deleted (outcome, when, why).

CREATE TABLE envelope_purges (
  envelope_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  -- 'retention' (the daily sweep) or 'sender' ("Delete now").
  reason TEXT NOT NULL CHECK (reason IN ('retention', 'sender')),
  -- The status the envelope ended with: completed, declined, cancelled or expired.
  outcome TEXT NOT NULL,
  -- Steps done, 0 to 4: keys destroyed, R2 objects deleted, Durable Object purged, D1 rows anonymised.
  step INTEGER NOT NULL DEFAULT 0 CHECK (step BETWEEN 0 AND 4),
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX envelope_purges_unfinished ON envelope_purges (finished_at, started_at);

-- Where the R2 reconciliation left off (it lists a bounded page per run).
CREATE TABLE retention_cursor (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- The sweep looks for ended envelopes by status and end time.
CREATE INDEX envelopes_status_ended ON envelopes (status, ended_at);
