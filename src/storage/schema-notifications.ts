/**
 * D1 tables for notifications: what was delivered (keyed by our own message id, so
 * delivery is idempotent), what could not be, and the development outbox.
 * Re-exported by schema.ts. Keep in step with migrations/0001_initial.sql and 0007_notifications.sql.
 */
import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One row per queue message we delivered, keyed by our own message id (not the queue's). */
export const deliveries = sqliteTable("deliveries", {
  messageId: text("message_id").primaryKey(),
  orgId: text("org_id").notNull(),
  /** Empty for account mails, which belong to no envelope. */
  envelopeId: text("envelope_id").notNull(),
  kind: text("kind").notNull(),
  recipientId: text("recipient_id"),
  channel: text("channel").notNull(),
  deliveredAt: text("delivered_at").notNull(),
  /** The address or phone number it went to (migration 0007; null on older rows). */
  toAddress: text("to_address"),
}, (t) => [index("deliveries_envelope").on(t.envelopeId, t.deliveredAt)]);

/**
 * Messages that could not be delivered: refused by the provider for good (an invalid
 * address), or still failing after the queue's last retry (the dead-letter consumer).
 * One row per message id; the sender sees them on the envelope page.
 */
export const deliveryFailures = sqliteTable("delivery_failures", {
  messageId: text("message_id").primaryKey(),
  orgId: text("org_id").notNull(),
  envelopeId: text("envelope_id").notNull(),
  kind: text("kind").notNull(),
  recipientId: text("recipient_id"),
  channel: text("channel").notNull(),
  toAddress: text("to_address").notNull(),
  /** `rejected` (the provider will never accept it) or `retries_exhausted` (dead-lettered). */
  reason: text("reason", { enum: ["rejected", "retries_exhausted"] }).notNull(),
  /** The provider's HTTP status when there was one; never its body, which may echo the address. */
  providerStatus: text("provider_status"),
  failedAt: text("failed_at").notNull(),
}, (t) => [index("delivery_failures_envelope").on(t.envelopeId, t.failedAt)]);

/** Local development only: messages that a real provider would have sent. */
export const devOutbox = sqliteTable("dev_outbox", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  to: text("to_address").notNull(),
  subject: text("subject").notNull(),
  text: text("text").notNull(),
  link: text("link"),
  createdAt: text("created_at").notNull(),
  /** `email` or `sms` (migration 0007). An SMS has an empty subject and no HTML. */
  channel: text("channel", { enum: ["email", "sms"] }).notNull().default("email"),
  /** The HTML version of an email (migration 0007). */
  html: text("html"),
});
