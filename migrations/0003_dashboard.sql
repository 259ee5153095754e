-- The sender's dashboard (src/services/envelope-list.ts): a sender's envelopes counted by
-- status, and listed newest first (id breaks ties), with or without a status filter. Both
-- read only the sender's own rows, in index order, instead of sorting the organisation's.
CREATE INDEX envelopes_owner_status_created ON envelopes (org_id, owner_id, status, created_at, id);
CREATE INDEX envelopes_owner_created ON envelopes (org_id, owner_id, created_at, id);
