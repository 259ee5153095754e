/** D1 tables for reminders and warnings. Re-exported by schema.ts. Keep in step with migrations/0011_reminders.sql. */
import { sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One row per envelope whose sender was warned before deletion: the cron warns once. */
export const deletionWarnings = sqliteTable("deletion_warnings", {
  envelopeId: text("envelope_id").primaryKey(),
  orgId: text("org_id").notNull(),
  deletesAt: text("deletes_at").notNull(),
  queuedAt: text("queued_at").notNull(),
});
