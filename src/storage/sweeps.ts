import { and, eq, lte } from "drizzle-orm";
import type { Db } from "./db";
import { envelopes } from "./schema";

/** Envelopes still out for signing after their expiry time, in bounded batches. */
export async function overdueEnvelopeIds(db: Db, now: string, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: envelopes.id })
    .from(envelopes)
    .where(and(eq(envelopes.status, "sent"), lte(envelopes.expiresAt, now)))
    .limit(limit);
  return rows.map((r) => r.id);
}
