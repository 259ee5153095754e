/** D1 tables for API access (keys, idempotent replies). Re-exported by schema.ts. Keep in step with migrations/0004_api_keys.sql. */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** API keys; only the SHA-256 of the whole key is stored, `prefix` is its visible start. */
export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  createdBy: text("created_by").notNull(),
  name: text("name").notNull(),
  prefix: text("prefix").notNull(),
  keyHash: text("key_hash").notNull(),
  /** Space-separated scopes: "read", "write". */
  scopes: text("scopes").notNull(),
  createdAt: text("created_at").notNull(),
  lastUsedAt: text("last_used_at"),
  revokedAt: text("revoked_at"),
}, (t) => [uniqueIndex("api_keys_hash").on(t.keyHash), index("api_keys_org").on(t.orgId, t.createdAt)]);

/** The first answer to a POST with an Idempotency-Key, per organisation, for 24 hours. */
export const apiIdempotency = sqliteTable("api_idempotency", {
  orgId: text("org_id").notNull(),
  keyHash: text("key_hash").notNull(),
  requestHash: text("request_hash").notNull(),
  state: text("state", { enum: ["pending", "done"] }).notNull(),
  status: integer("status"),
  /** JSON object of the response headers worth replaying. */
  headers: text("headers"),
  body: text("body"),
  createdAt: text("created_at").notNull(),
  expiresAt: text("expires_at").notNull(),
}, (t) => [primaryKey({ columns: [t.orgId, t.keyHash] }), index("api_idempotency_expiry").on(t.expiresAt)]);
