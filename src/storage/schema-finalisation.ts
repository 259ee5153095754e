/** D1 tables for failed finalisations. Re-exported by schema.ts. Keep in step with migrations/0015_finalisation_failed.sql. */
import { sqliteTable, text } from "drizzle-orm/sqlite-core";

/** An operator's request to retry one envelope's failed finalisation; the cron hands it to the object and deletes it. */
export const finalisationRetryRequests = sqliteTable("finalisation_retry_requests", {
  envelopeId: text("envelope_id").primaryKey(),
  orgId: text("org_id").notNull(),
  requestedAt: text("requested_at").notNull(),
});
