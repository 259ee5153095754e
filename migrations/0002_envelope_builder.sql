-- The envelope builder: phone numbers, time zone and reminder cadence, and when each
-- recipient was last invited, mirrored from the Envelope Durable Object for listing.
ALTER TABLE envelopes ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Oslo';
ALTER TABLE envelopes ADD COLUMN reminder_every_days INTEGER NOT NULL DEFAULT 3;
ALTER TABLE recipients ADD COLUMN phone TEXT;
ALTER TABLE recipients ADD COLUMN last_invited_at TEXT;

-- An uploaded document belongs to one envelope: found by document id when another is built around it.
CREATE INDEX envelopes_document ON envelopes (document_id);
-- Revoking a recipient's links (corrected address) and deleting a draft look links up by recipient and envelope.
CREATE INDEX signing_links_recipient ON signing_links (recipient_id);
CREATE INDEX signing_links_envelope ON signing_links (envelope_id);
