/** D1 tables for two-factor authentication. Re-exported by schema.ts. Keep in step with migrations/0009_two_factor.sql. */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** A user's TOTP secret, encrypted under its own data key (wrapped by a KEK); enabledAt null until confirmed. */
export const twoFactor = sqliteTable("two_factor", {
  userId: text("user_id").primaryKey(),
  orgId: text("org_id").notNull(),
  kekId: text("kek_id").notNull(),
  wrappedKey: text("wrapped_key").notNull(),
  secretCiphertext: text("secret_ciphertext").notNull(),
  createdAt: text("created_at").notNull(),
  enabledAt: text("enabled_at"),
  /** The newest TOTP time step accepted: a code at or before it is a replay. */
  lastUsedStep: integer("last_used_step"),
});

/** Single-use recovery codes, stored only as SHA-256 of user id and code. */
export const twoFactorRecoveryCodes = sqliteTable("two_factor_recovery_codes", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  userId: text("user_id").notNull(),
  codeHash: text("code_hash").notNull(),
  createdAt: text("created_at").notNull(),
  usedAt: text("used_at"),
}, (t) => [uniqueIndex("two_factor_recovery_codes_hash").on(t.userId, t.codeHash)]);

/** The second step of a login: id is the SHA-256 of a token in a 5-minute cookie. Not a session. */
export const loginChallenges = sqliteTable("login_challenges", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  userId: text("user_id").notNull(),
  createdAt: text("created_at").notNull(),
  expiresAt: text("expires_at").notNull(),
  usedAt: text("used_at"),
}, (t) => [index("login_challenges_user").on(t.userId)]);
