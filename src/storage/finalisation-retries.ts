/** Which failed finalisations the daily cron retries: those due by their backoff, and those an operator asked for. */
import { and, asc, eq, isNotNull, lte } from "drizzle-orm";
import type { Db } from "./db";
import { envelopes, finalisationRetryRequests } from "./schema";

/** Envelopes whose failed finalisation is due for an automatic retry, oldest first, in a bounded batch. */
export async function finalisationsDueForRetry(db: Db, now: string, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: envelopes.id })
    .from(envelopes)
    .where(and(eq(envelopes.finalisation, "failed"), isNotNull(envelopes.finalisationRetryAt), lte(envelopes.finalisationRetryAt, now)))
    .orderBy(asc(envelopes.finalisationRetryAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

/**
 * Records an operator's request to retry an envelope's finalisation (the CLI does the same in
 * SQL). Answers false when no such envelope exists.
 */
export async function requestFinalisationRetry(db: Db, envelopeId: string, at: string): Promise<boolean> {
  const row = (await db.select({ orgId: envelopes.orgId }).from(envelopes).where(eq(envelopes.id, envelopeId)).limit(1))[0];
  if (!row) return false;
  await db
    .insert(finalisationRetryRequests)
    .values({ envelopeId, orgId: row.orgId, requestedAt: at })
    .onConflictDoUpdate({ target: finalisationRetryRequests.envelopeId, set: { requestedAt: at } });
  return true;
}

/** Operators' open requests, oldest first. */
export async function pendingFinalisationRetryRequests(db: Db, limit: number): Promise<{ envelopeId: string; requestedAt: string }[]> {
  return db
    .select({ envelopeId: finalisationRetryRequests.envelopeId, requestedAt: finalisationRetryRequests.requestedAt })
    .from(finalisationRetryRequests)
    .orderBy(asc(finalisationRetryRequests.requestedAt))
    .limit(limit);
}

/** Removes a handled request, unless the operator asked again since it was read. */
export async function deleteFinalisationRetryRequest(db: Db, envelopeId: string, requestedAt: string): Promise<void> {
  await db
    .delete(finalisationRetryRequests)
    .where(and(eq(finalisationRetryRequests.envelopeId, envelopeId), eq(finalisationRetryRequests.requestedAt, requestedAt)));
}
