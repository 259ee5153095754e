/** Document metadata in D1 and encrypted bytes in R2. The only code that touches the bucket. */
import { and, eq } from "drizzle-orm";
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
