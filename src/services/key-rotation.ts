/**
 * Key-encryption-key rotation: rewraps the data keys of documents whose kek_id is not
 * KEK_CURRENT_ID. Only the wrapped key in D1 changes; the blobs in R2 are never read or
 * written, because the data key that encrypted them stays the same. Runs in bounded
 * batches from the daily cron and from `npm run kek:rotate`; an old KEK may be removed
 * from KEK_KEYS only once `remaining` is 0.
 */
import { DomainError } from "../domain/errors";
import type { Env } from "../env";
import type { Db } from "../storage/db";
import { rewrapDataKey } from "../storage/document-crypto";
import { countDocumentsWithStaleKeys, documentsWithStaleKeys, type KeyReplacement, replaceWrappedKeys } from "../storage/documents";
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
  let rewrapped = 0;
  let failed = 0;
  let seen = 0;
  // Keyset pagination by id, so a key that fails is passed over, not read again in this run.
  let after = "";
  while (seen < limit) {
    const rows = await documentsWithStaleKeys(db, { currentKekId: current, afterId: after, limit: Math.min(CHUNK, limit - seen) });
    if (rows.length === 0) break;
    seen += rows.length;
    after = rows[rows.length - 1]!.id;

    const updates: KeyReplacement[] = [];
    for (const row of rows) {
      try {
        const next = await rewrapDataKey(ring, row.id, { kekId: row.kekId, wrapped: row.wrappedKey! });
        // Conditional: a concurrent run that got here first, or a retention sweep that
        // shredded the key meanwhile, leaves nothing for this update to match.
        updates.push({ id: row.id, from: { kekId: row.kekId, wrapped: row.wrappedKey! }, to: next });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        failed++;
        // Ids and key ids only: never key material.
        console.error(JSON.stringify({ msg: "kek rewrap failed", documentId: row.id, kekId: row.kekId, error: error.message }));
      }
    }
    rewrapped += await replaceWrappedKeys(db, updates);
  }
  return { currentKekId: current, rewrapped, remaining: await countDocumentsWithStaleKeys(db, current), failed };
}
