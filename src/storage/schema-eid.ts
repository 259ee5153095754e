/** D1 tables for Nordic eID (OIDC) sign-in. Re-exported by schema.ts. Keep in step with migrations/0006_eid.sql. */
import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The server-side half of an authorization request, keyed by the SHA-256 of its `state`.
 * Single use: the callback deletes the row as it reads it.
 */
export const eidStates = sqliteTable("eid_states", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  envelopeId: text("envelope_id").notNull(),
  recipientId: text("recipient_id").notNull(),
  scheme: text("scheme", { enum: ["no_bankid", "se_bankid", "dk_mitid", "fi_ftn"] }).notNull(),
  /** PKCE verifier, sent to the token endpoint once; useless without the broker's one-time code. */
  codeVerifier: text("code_verifier").notNull(),
  /** Random salt mixed into the nonce with the document hash and the signer. */
  nonceSalt: text("nonce_salt").notNull(),
  createdAt: text("created_at").notNull(),
  expiresAt: text("expires_at").notNull(),
}, (t) => [index("eid_states_expiry").on(t.expiresAt)]);
