/** The audit log in D1: append one link at a time, list with filters, read the chain in order. */
import { and, asc, desc, eq, gt, gte, lt, or, sql, type SQL } from "drizzle-orm";
import type { AuditAction, AuditActor, AuditEntry } from "../domain/audit";
import { canonicalJson } from "../domain/event-chain";
import type { Db } from "./db";
import { auditLog } from "./schema";

type AuditRow = typeof auditLog.$inferSelect;

export function entryOf(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    orgId: row.orgId,
    seq: row.seq,
    at: row.at,
    actor: { type: row.actorType, id: row.actorId, label: row.actorLabel } as AuditActor,
    action: row.action as AuditAction,
    target: row.targetType && row.targetId ? { type: row.targetType, id: row.targetId } : null,
    ip: row.ip,
    userAgent: row.userAgent,
    details: parseDetails(row.details),
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

/** Details that no longer parse (edited by hand) still load, and then fail the hash check. */
function parseDetails(text: string): AuditEntry["details"] {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return value as AuditEntry["details"];
  } catch {
    // fall through
  }
  return { unreadable: text };
}

/** The newest link of an organisation's chain, or null before its first entry. */
export async function chainHead(db: Db, orgId: string): Promise<{ seq: number; hash: string } | null> {
  const row = (await db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).where(eq(auditLog.orgId, orgId)).orderBy(desc(auditLog.seq)).limit(1))[0];
  return row ?? null;
}

/**
 * Inserts the entry only if the chain's head is still the one it was hashed against
 * (one statement, so SQLite checks and writes atomically); UNIQUE (org_id, seq) backs
 * that up. Returns false when another append won; the caller re-reads and retries.
 */
export async function appendIfHead(db: Db, entry: AuditEntry): Promise<boolean> {
  try {
    const result = await db.run(sql`
      INSERT INTO audit_log (id, org_id, seq, at, actor_type, actor_id, actor_label, action, target_type, target_id, ip, user_agent, details, prev_hash, hash)
      SELECT ${entry.id}, ${entry.orgId}, ${entry.seq}, ${entry.at}, ${entry.actor.type}, ${entry.actor.id}, ${entry.actor.label}, ${entry.action},
             ${entry.target?.type ?? null}, ${entry.target?.id ?? null}, ${entry.ip}, ${entry.userAgent}, ${canonicalJson(entry.details)}, ${entry.prevHash}, ${entry.hash}
      WHERE (SELECT coalesce(max(seq), 0) FROM audit_log WHERE org_id = ${entry.orgId}) = ${entry.seq - 1}`);
    return (result.meta?.changes ?? 0) === 1;
  } catch (error) {
    if (String(error).includes("UNIQUE")) return false;
    throw error;
  }
}

export type AuditFilter = {
  /** An exact action, or a dotted prefix such as "auth" or "auth.login". */
  action?: string;
  /** The actor's email or key prefix (any case), or their user or key id. */
  actor?: string;
  /** Inclusive ISO lower bound of `at`. */
  from?: string;
  /** Exclusive ISO upper bound of `at`. */
  to?: string;
};

function filterClause(orgId: string, filter: AuditFilter): SQL {
  const clauses: (SQL | undefined)[] = [eq(auditLog.orgId, orgId)];
  if (filter.action) {
    // Prefix match by substr, not LIKE: "_" in action names is not a wildcard.
    const prefix = `${filter.action}.`;
    clauses.push(or(eq(auditLog.action, filter.action), sql`substr(${auditLog.action}, 1, ${prefix.length}) = ${prefix}`));
  }
  if (filter.actor) clauses.push(or(eq(auditLog.actorId, filter.actor), sql`lower(${auditLog.actorLabel}) = ${filter.actor.toLowerCase()}`));
  if (filter.from) clauses.push(gte(auditLog.at, filter.from));
  if (filter.to) clauses.push(lt(auditLog.at, filter.to));
  return and(...clauses)!;
}

/** Newest first, `limit` entries older than `beforeSeq`. */
export async function listAuditEntries(db: Db, orgId: string, filter: AuditFilter, page: { beforeSeq?: number; limit: number }): Promise<AuditEntry[]> {
  const where = page.beforeSeq ? and(filterClause(orgId, filter), lt(auditLog.seq, page.beforeSeq)) : filterClause(orgId, filter);
  const rows = await db.select().from(auditLog).where(where).orderBy(desc(auditLog.seq)).limit(page.limit);
  return rows.map(entryOf);
}

/** The chain in order, `limit` links after `afterSeq`, for verification. */
export async function chainAfter(db: Db, orgId: string, afterSeq: number, limit: number): Promise<AuditEntry[]> {
  const rows = await db.select().from(auditLog).where(and(eq(auditLog.orgId, orgId), gt(auditLog.seq, afterSeq))).orderBy(asc(auditLog.seq)).limit(limit);
  return rows.map(entryOf);
}
