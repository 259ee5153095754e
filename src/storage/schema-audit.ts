/** D1 table of the account audit log. Re-exported by schema.ts. Keep in step with migrations/0012_audit_log.sql and 0014. */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Append-only; each organisation's rows form a hash chain by `seq` (src/domain/audit.ts). */
export const auditLog = sqliteTable("audit_log", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  seq: integer("seq").notNull(),
  at: text("at").notNull(),
  actorType: text("actor_type", { enum: ["user", "apikey", "system", "anonymous"] }).notNull(),
  actorId: text("actor_id"),
  actorLabel: text("actor_label"),
  action: text("action").notNull(),
  targetType: text("target_type"),
  targetId: text("target_id"),
  ip: text("ip"),
  userAgent: text("user_agent"),
  details: text("details").notNull(),
  prevHash: text("prev_hash").notNull(),
  hash: text("hash").notNull(),
}, (t) => [
  uniqueIndex("audit_log_chain").on(t.orgId, t.seq),
  index("audit_log_org_at").on(t.orgId, t.at),
  index("audit_log_org_action").on(t.orgId, t.action, t.seq),
  index("audit_log_org_actor").on(t.orgId, t.actorLabel, t.seq),
  // A person's entries across organisations, for "Your data" (migration 0014).
  index("audit_log_actor_id").on(t.actorId, t.orgId),
  index("audit_log_target_id").on(t.targetId, t.orgId),
]);
