/** D1 tables for account security (verification, resets, 2FA). Re-exported by schema.ts. Keep in step with migrations/*.sql. */
import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Single-use links sent by email: confirm an address (at sign-up or when changing it)
 * or reset a password. `id` is the SHA-256 of the token; the token itself exists only
 * in the email. `email` is the address the link was sent to.
 */
export const accountTokens = sqliteTable("account_tokens", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  userId: text("user_id").notNull(),
  purpose: text("purpose", { enum: ["verify_email", "change_email", "reset_password"] }).notNull(),
  email: text("email").notNull(),
  createdAt: text("created_at").notNull(),
  expiresAt: text("expires_at").notNull(),
  usedAt: text("used_at"),
}, (t) => [index("account_tokens_user").on(t.userId, t.purpose, t.createdAt)]);
