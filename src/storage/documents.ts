/** Document metadata in D1 and encrypted bytes in R2. The only code that touches the bucket. */
import { and, asc, count, eq, gt, isNotNull, ne } from "drizzle-orm";
import type { Db } from "./db";
import type { EncryptedParts } from "./document-crypto";
import { documents } from "./schema";

export type DocumentRow = typeof documents.$inferSelect;

/** One write-once object per document version. */
export function objectKey(orgId: string, documentId: string): string {
  return `documents/${orgId}/${documentId}.v1`;
}

export async function insertDocument(db: Db, row: DocumentRow): Promise<void> {
  await db.insert(documents).values(row);
}

/** Insert, or on a retry refresh what the rebuilt bytes changed while keeping the wrapped key. */
export async function upsertDocument(db: Db, row: DocumentRow): Promise<void> {
  await db
    .insert(documents)
    .values(row)
    .onConflictDoUpdate({ target: documents.id, set: { sha256: row.sha256, pages: row.pages, size: row.size } });
}

export async function findDocument(db: Db, orgId: string, documentId: string): Promise<DocumentRow | null> {
  return (await db.select().from(documents).where(and(eq(documents.id, documentId), eq(documents.orgId, orgId))).limit(1))[0] ?? null;
}

/** Documents whose data key is wrapped by another KEK than `currentKekId`, by id after `afterId`. */
export async function documentsWithStaleKeys(db: Db, input: { currentKekId: string; afterId: string; limit: number }) {
  return db
    .select({ id: documents.id, kekId: documents.kekId, wrappedKey: documents.wrappedKey })
    .from(documents)
    .where(and(staleKey(input.currentKekId), gt(documents.id, input.afterId)))
    .orderBy(asc(documents.id))
    .limit(input.limit);
}

export async function countDocumentsWithStaleKeys(db: Db, currentKekId: string): Promise<number> {
  const [left] = await db.select({ n: count() }).from(documents).where(staleKey(currentKekId));
  return left?.n ?? 0;
}

function staleKey(currentKekId: string) {
  return and(ne(documents.kekId, currentKekId), isNotNull(documents.wrappedKey));
}

export type KeyReplacement = { id: string; from: { kekId: string; wrapped: string }; to: { kekId: string; wrapped: string } };

/** Replaces wrapped data keys in one batch, each only if still `from`; returns how many rows changed. */
export async function replaceWrappedKeys(db: Db, replacements: KeyReplacement[]): Promise<number> {
  if (replacements.length === 0) return 0;
  const updates = replacements.map((r) =>
    db
      .update(documents)
      .set({ wrappedKey: r.to.wrapped, kekId: r.to.kekId })
      .where(and(eq(documents.id, r.id), eq(documents.kekId, r.from.kekId), eq(documents.wrappedKey, r.from.wrapped))),
  );
  const results = await db.batch(updates as unknown as Parameters<Db["batch"]>[0]);
  let changed = 0;
  for (const result of results as unknown as D1Result[]) changed += result.meta.changes;
  return changed;
}

/** Deletes objects from the bucket; keys already gone are no error. */
export async function deleteBlobs(bucket: R2Bucket, keys: string[]): Promise<void> {
  if (keys.length > 0) await bucket.delete(keys);
}

/** One page of the bucket's objects under a prefix, in key order after `startAfter`. */
export async function listBlobs(bucket: R2Bucket, input: { prefix: string; limit: number; startAfter?: string | undefined }): Promise<{ objects: { key: string; uploaded: Date }[]; truncated: boolean }> {
  const listed = await bucket.list({ prefix: input.prefix, limit: input.limit, ...(input.startAfter ? { startAfter: input.startAfter } : {}) });
  return { objects: listed.objects.map((o) => ({ key: o.key, uploaded: o.uploaded })), truncated: listed.truncated };
}

/** Stores a blob, given whole or in encrypted parts (streamed with a known length, so never joined in memory). */
export async function putBlob(bucket: R2Bucket, key: string, blob: Uint8Array | EncryptedParts, meta: Record<string, string>): Promise<void> {
  const options = { customMetadata: meta, httpMetadata: { contentType: "application/octet-stream" } };
  if (blob instanceof Uint8Array) {
    await bucket.put(key, blob, options);
    return;
  }
  const { readable, writable } = new FixedLengthStream(blob.length);
  const stored = bucket.put(key, readable, options);
  const writer = writable.getWriter();
  // R2 reads while we write. Whichever side fails first decides; the other is stopped, not left waiting.
  const written = (async () => {
    await writer.write(blob.header);
    await writer.write(blob.body);
    await writer.close();
  })();
  try {
    await Promise.all([stored, written]);
  } catch (error) {
    await writer.abort(error).catch(() => undefined);
    throw error;
  }
}

export async function getBlob(bucket: R2Bucket, key: string): Promise<Uint8Array | null> {
  const object = await bucket.get(key);
  return object ? new Uint8Array(await object.arrayBuffer()) : null;
}

export async function blobExists(bucket: R2Bucket, key: string): Promise<boolean> {
  return (await bucket.head(key)) !== null;
}
