/** Storing and reading encrypted documents: the one place that pairs D1 metadata with R2 bytes. */
import { DomainError } from "../domain/errors";
import { sha256Hex } from "../domain/encoding";
import type { EnvelopeState } from "../domain/envelope";
import { canActOnEnvelope, type Role } from "../domain/permissions";
import type { Env } from "../env";
import type { Db } from "../storage/db";
import { decryptDocument, encryptDocumentParts, newDataKey, unwrapDataKey } from "../storage/document-crypto";
import { type DocumentRow, findDocument, getBlob, insertDocument, objectKey, putBlob } from "../storage/documents";
import type { Deps } from "./deps";
import { keyring } from "./keyring";

type StoreInput = { id: string; orgId: string; ownerId: string; kind: DocumentRow["kind"]; filename: string; bytes: Uint8Array; pages: number };

/**
 * A stored, readable document this member may act on; null for another sender's (unless the
 * member manages every envelope), a shredded one, or none: all are equally unknown.
 */
export async function documentForMember(db: Db, member: { id: string; orgId: string; role: Role }, documentId: string): Promise<DocumentRow | null> {
  const row = await findDocument(db, member.orgId, documentId);
  if (!row || !canActOnEnvelope(member, row) || !row.wrappedKey) return null;
  return row;
}

/** Encrypts under a fresh data key and stores it: bytes in R2 first, then the row that makes them readable. */
export async function storeNewDocument(env: Env, db: Db, input: StoreInput): Promise<DocumentRow> {
  const keys = await keyring(env);
  const { key, wrapped } = await newDataKey(keys, input.id);
  const r2Key = objectKey(input.orgId, input.id);
  await putBlob(env.DOCUMENTS, r2Key, await encryptDocumentParts(key, input.id, input.bytes), { kekId: wrapped.kekId });
  const row: DocumentRow = {
    id: input.id,
    orgId: input.orgId,
    ownerId: input.ownerId,
    kind: input.kind,
    filename: input.filename,
    sha256: await sha256Hex(input.bytes),
    pages: input.pages,
    size: input.bytes.length,
    r2Key,
    wrappedKey: wrapped.wrapped,
    kekId: wrapped.kekId,
    createdAt: new Date().toISOString(),
  };
  await insertDocument(db, row);
  return row;
}

/** The plaintext of a stored document, whole or not at all. */
export async function readDocument(env: Pick<Env, "DOCUMENTS" | "KEK_KEYS" | "KEK_CURRENT_ID">, row: DocumentRow): Promise<Uint8Array> {
  if (!row.wrappedKey) throw new DomainError("not_found", "This document has been deleted");
  const blob = await getBlob(env.DOCUMENTS, row.r2Key);
  if (!blob) throw new DomainError("not_found", "This document is no longer stored");
  const key = await unwrapDataKey(await keyring(env), row.id, { kekId: row.kekId, wrapped: row.wrappedKey });
  return decryptDocument(key, row.id, blob);
}

/** The original or the signed PDF of an envelope, for a caller that has already checked who may read it. */
export async function documentOf(deps: Pick<Deps, "db" | "documents">, state: EnvelopeState, which: "original" | "signed") {
  const documentId = which === "original" ? state.document.id : state.signedDocument?.documentId;
  if (!documentId) throw new DomainError("not_found", "The signed document is not ready");
  const row = await findDocument(deps.db, state.orgId, documentId);
  if (!row) throw new DomainError("not_found", "No such document");
  const bytes = await deps.documents.read(row);
  return { bytes, filename: row.filename };
}
