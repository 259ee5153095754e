/** D1 tables for webhooks. Re-exported by schema.ts. Keep in step with migrations/0010_webhooks.sql. */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** An organisation's endpoint; its signing secret is stored only encrypted (KEK-wrapped data key). */
export const webhookEndpoints = sqliteTable("webhook_endpoints", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  createdBy: text("created_by").notNull(),
  url: text("url").notNull(),
  description: text("description").notNull(),
  /** Space-separated event types. */
  events: text("events").notNull(),
  kekId: text("kek_id").notNull(),
  wrappedKey: text("wrapped_key").notNull(),
  secretCiphertext: text("secret_ciphertext").notNull(),
  previousKekId: text("previous_kek_id"),
  previousWrappedKey: text("previous_wrapped_key"),
  previousSecretCiphertext: text("previous_secret_ciphertext"),
  previousExpiresAt: text("previous_expires_at"),
  createdAt: text("created_at").notNull(),
  rotatedAt: text("rotated_at"),
}, (t) => [index("webhook_endpoints_org").on(t.orgId, t.createdAt)]);

/** Every delivery attempt: what the endpoint's page shows, and what stops a second send. */
export const webhookAttempts = sqliteTable("webhook_attempts", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  endpointId: text("endpoint_id").notNull(),
  deliveryId: text("delivery_id").notNull(),
  eventType: text("event_type").notNull(),
  attempt: integer("attempt").notNull(),
  outcome: text("outcome", { enum: ["succeeded", "retrying", "failed"] }).notNull(),
  httpStatus: integer("http_status"),
  error: text("error"),
  durationMs: integer("duration_ms"),
  at: text("at").notNull(),
}, (t) => [index("webhook_attempts_endpoint").on(t.endpointId, t.at), index("webhook_attempts_delivery").on(t.deliveryId)]);
