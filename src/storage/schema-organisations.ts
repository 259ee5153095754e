/** D1 tables for organisations: invitations and settings. Re-exported by schema.ts. Keep in step with migrations/0013_organisations.sql. */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** A single-use invitation link; `id` is the SHA-256 of its token. */
export const orgInvitations = sqliteTable("org_invitations", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  email: text("email").notNull(),
  role: text("role", { enum: ["admin", "manager", "user"] }).notNull(),
  invitedBy: text("invited_by").notNull(),
  createdAt: text("created_at").notNull(),
  expiresAt: text("expires_at").notNull(),
  acceptedAt: text("accepted_at"),
  revokedAt: text("revoked_at"),
}, (t) => [index("org_invitations_org").on(t.orgId, t.createdAt)]);

/** Organisation settings; no row means the defaults. */
export const orgSettings = sqliteTable("org_settings", {
  orgId: text("org_id").primaryKey(),
  requireTwoFactor: integer("require_two_factor", { mode: "boolean" }).notNull().default(false),
  updatedAt: text("updated_at").notNull(),
});
