/**
 * The D1 schema. Every row carries its organisation id so the data can later be
 * sharded by organisation. Keep in step with migrations/*.sql.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { locales } from "../i18n/locales";

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull(),
  name: text("name").notNull(),
  passwordHash: text("password_hash").notNull(),
  locale: text("locale", { enum: locales }).notNull(),
  personalOrgId: text("personal_org_id").notNull(),
  createdAt: text("created_at").notNull(),
  /** When the user proved they read mail at `email`; null until then (they may not send envelopes). */
  emailVerifiedAt: text("email_verified_at"),
  /** When the person deleted their account; the row is then emptied of personal data (migration 0014). */
  deletedAt: text("deleted_at"),
}, (t) => [uniqueIndex("users_email").on(t.email)]);

export const organisations = sqliteTable("organisations", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  personal: integer("personal", { mode: "boolean" }).notNull(),
  createdAt: text("created_at").notNull(),
});

export const memberships = sqliteTable("memberships", {
  orgId: text("org_id").notNull(),
  userId: text("user_id").notNull(),
  role: text("role", { enum: ["owner", "admin", "manager", "user"] }).notNull(),
  createdAt: text("created_at").notNull(),
}, (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index("memberships_user").on(t.userId)]);

/** Server-side sessions; `id` is the SHA-256 of the cookie's token. */
export const sessions = sqliteTable("sessions", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  userId: text("user_id").notNull(),
  createdAt: text("created_at").notNull(),
  lastSeenAt: text("last_seen_at").notNull(),
  expiresAt: text("expires_at").notNull(),
  revokedAt: text("revoked_at"),
  ip: text("ip"),
  userAgent: text("user_agent"),
}, (t) => [index("sessions_user").on(t.userId)]);

export const documents = sqliteTable("documents", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  ownerId: text("owner_id").notNull(),
  kind: text("kind", { enum: ["original", "signed"] }).notNull(),
  filename: text("filename").notNull(),
  sha256: text("sha256").notNull(),
  pages: integer("pages").notNull(),
  size: integer("size").notNull(),
  r2Key: text("r2_key").notNull(),
  /** The per-document AES-256-GCM data key, wrapped by the key-encryption key `kekId`. */
  wrappedKey: text("wrapped_key"),
  kekId: text("kek_id").notNull(),
  createdAt: text("created_at").notNull(),
}, (t) => [index("documents_org").on(t.orgId)]);

/** A projection of the Envelope Durable Object for listing; the object is the authority. */
export const envelopes = sqliteTable("envelopes", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  ownerId: text("owner_id").notNull(),
  documentId: text("document_id").notNull(),
  title: text("title").notNull(),
  status: text("status").notNull(),
  signingOrder: text("signing_order").notNull(),
  /** IANA time zone chosen for the envelope (migration 0002). */
  timeZone: text("time_zone").notNull().default("Europe/Oslo"),
  /** Days between automatic reminders; 0 is off (migration 0002). */
  reminderEveryDays: integer("reminder_every_days").notNull().default(3),
  createdAt: text("created_at").notNull(),
  sentAt: text("sent_at"),
  expiresAt: text("expires_at"),
  endedAt: text("ended_at"),
  signedDocumentId: text("signed_document_id"),
  /** none | pending | done | failed: the object's finalisation, for the list (migration 0015). */
  finalisation: text("finalisation").notNull().default("none"),
  /** Why a failed finalisation failed (a category), else null (migration 0015). */
  finalisationFailureReason: text("finalisation_failure_reason"),
  /** When the cron may next retry a failed finalisation; null when it will not (migration 0015). */
  finalisationRetryAt: text("finalisation_retry_at"),
  eventHead: text("event_head"),
  version: integer("version").notNull(),
}, (t) => [
  index("envelopes_org_created").on(t.orgId, t.createdAt),
  index("envelopes_document").on(t.documentId),
  index("envelopes_owner_status_created").on(t.orgId, t.ownerId, t.status, t.createdAt, t.id),
  index("envelopes_owner_created").on(t.orgId, t.ownerId, t.createdAt, t.id),
  /** Everything one person sent, across organisations (migration 0014). */
  index("envelopes_owner").on(t.ownerId, t.orgId),
]);

export const recipients = sqliteTable("recipients", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  envelopeId: text("envelope_id").notNull(),
  name: text("name").notNull(),
  email: text("email").notNull(),
  /** E.164 or null (migration 0002). */
  phone: text("phone"),
  role: text("role").notNull(),
  method: text("method").notNull(),
  signingOrder: integer("signing_order").notNull(),
  locale: text("locale").notNull(),
  status: text("status").notNull(),
  signedAt: text("signed_at"),
  declinedAt: text("declined_at"),
  /** When the newest invitation or reminder was queued (migration 0002). */
  lastInvitedAt: text("last_invited_at"),
}, (t) => [index("recipients_envelope").on(t.envelopeId)]);

/** Signing links by the SHA-256 of their token, to find the envelope; the Envelope object decides validity. */
export const signingLinks = sqliteTable("signing_links", {
  tokenHash: text("token_hash").primaryKey(),
  orgId: text("org_id").notNull(),
  envelopeId: text("envelope_id").notNull(),
  recipientId: text("recipient_id").notNull(),
});

/** A copy of the envelope's event chain for listing; the Durable Object holds the original. */
export const events = sqliteTable("events", {
  envelopeId: text("envelope_id").notNull(),
  seq: integer("seq").notNull(),
  orgId: text("org_id").notNull(),
  type: text("type").notNull(),
  at: text("at").notNull(),
  recipientId: text("recipient_id"),
  body: text("body").notNull(),
  hash: text("hash").notNull(),
}, (t) => [primaryKey({ columns: [t.envelopeId, t.seq] })]);

/** Results of POSTs made with an idempotency key, so a retry gets the first answer. */
export const idempotencyKeys = sqliteTable("idempotency_keys", {
  key: text("key").notNull(),
  orgId: text("org_id").notNull(),
  scope: text("scope").notNull(),
  result: text("result").notNull(),
  createdAt: text("created_at").notNull(),
}, (t) => [primaryKey({ columns: [t.orgId, t.scope, t.key] })]);

export * from "./schema-api";
export * from "./schema-account";
export * from "./schema-eid";
export * from "./schema-notifications";
export * from "./schema-two-factor";
export * from "./schema-retention";
export * from "./schema-reminders";
export * from "./schema-organisations";
export * from "./schema-audit";
export * from "./schema-webhooks";
export * from "./schema-finalisation";
