/**
 * Key-encryption-key rotation: rewraps the data keys of documents whose kek_id is not
 * KEK_CURRENT_ID. Only the wrapped key in D1 changes; the blobs in R2 are never read or
 * written, because the data key that encrypted them stays the same. Runs in bounded
 * batches from the daily cron and from `npm run kek:rotate`; an old KEK may be removed
 * from KEK_KEYS only once `remaining` is 0.
 */
import { and, asc, count, eq, gt, isNotNull, ne } from "drizzle-orm";
import { DomainError } from "../domain/errors";
import type { Env } from "../env";
import type { Db } from "../storage/db";
import { rewrapDataKey } from "../storage/document-crypto";
import { documents } from "../storage/schema";
import { keyring } from "./keyring";

export type RewrapCounts = {
  /** The KEK that now wraps the rewrapped keys. */
  currentKekId: string;
  rewrapped: number;
  /** Data keys still wrapped by another KEK after this run (failed ones included). */
  remaining: number;
  /** Keys that could not be unwrapped (their KEK is missing, or the row is damaged); left as they were. */
  failed: number;
};

/** Rows read and written per D1 round trip: 50 updates of 5 parameters each in one batch. */
const CHUNK = 50;

export async function rewrapDataKeys(env: Pick<Env, "KEK_KEYS" | "KEK_CURRENT_ID">, db: Db, { limit }: { limit: number }): Promise<RewrapCounts> {
  const ring = await keyring(env);
  const current = ring.currentId;
  const stale = and(ne(documents.kekId, current), isNotNull(documents.wrappedKey));
  let rewrapped = 0;
  let failed = 0;
  let seen = 0;
  // Keyset pagination by id, so a key that fails is passed over, not read again in this run.
  let after = "";
  while (seen < limit) {
    const rows = await db
      .select({ id: documents.id, kekId: documents.kekId, wrappedKey: documents.wrappedKey })
      .from(documents)
      .where(and(stale, gt(documents.id, after)))
      .orderBy(asc(documents.id))
      .limit(Math.min(CHUNK, limit - seen));
    if (rows.length === 0) break;
    seen += rows.length;
    after = rows[rows.length - 1]!.id;

    const updates = [];
    for (const row of rows) {
      try {
        const next = await rewrapDataKey(ring, row.id, { kekId: row.kekId, wrapped: row.wrappedKey! });
        // Conditional: a concurrent run that got here first, or a retention sweep that
        // shredded the key meanwhile, leaves nothing for this update to match.
        updates.push(
          db
            .update(documents)
            .set({ wrappedKey: next.wrapped, kekId: next.kekId })
            .where(and(eq(documents.id, row.id), eq(documents.kekId, row.kekId), eq(documents.wrappedKey, row.wrappedKey!))),
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        failed++;
        // Ids and key ids only: never key material.
        console.error(JSON.stringify({ msg: "kek rewrap failed", documentId: row.id, kekId: row.kekId, error: error.message }));
      }
    }
    if (updates.length > 0) {
      const results = await db.batch(updates as unknown as Parameters<Db["batch"]>[0]);
      for (const result of results as unknown as D1Result[]) rewrapped += result.meta.changes;
    }
  }
  const [left] = await db.select({ n: count() }).from(documents).where(stale);
  return { currentKekId: current, rewrapped, remaining: left?.n ?? 0, failed };
}
