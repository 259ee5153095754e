/** D1 tables for retention. Re-exported by schema.ts. Keep in step with migrations/0008_retention.sql. */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One row per envelope being (or having been) deleted: its progress and the minimal evidence of the deletion. */
export const envelopePurges = sqliteTable("envelope_purges", {
  envelopeId: text("envelope_id").primaryKey(),
  orgId: text("org_id").notNull(),
  reason: text("reason", { enum: ["retention", "sender"] }).notNull(),
  /** The status it ended with before it was purged. */
  outcome: text("outcome").notNull(),
  /** Steps done (see purgeSteps in src/domain/retention.ts); 4 is finished. */
  step: integer("step").notNull().default(0),
  startedAt: text("started_at").notNull(),
  finishedAt: text("finished_at"),
}, (t) => [index("envelope_purges_unfinished").on(t.finishedAt, t.startedAt)]);

/** Small named positions, e.g. where the R2 reconciliation continues next run. */
export const retentionCursor = sqliteTable("retention_cursor", {
  name: text("name").primaryKey(),
  value: text("value").notNull(),
});
