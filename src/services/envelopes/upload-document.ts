import { newId } from "../../domain/encoding";
import { DomainError } from "../../domain/errors";
import { uploadLimits } from "../../domain/limits";
import type { Actor, Deps } from "../deps";

export type UploadDocument = { file: File };

/** What the sender and the API learn about a stored document. */
export type DocumentMetadata = { id: string; filename: string; sha256: string; pages: number; size: number; createdAt: string };

/**
 * Checks and stores an uploaded PDF, encrypted: too large, not a PDF, damaged,
 * password-protected or too many pages is refused before anything is stored.
 */
export async function uploadDocument(deps: Deps, actor: Actor, input: UploadDocument): Promise<DocumentMetadata> {
  const { file } = input;
  // The size is checked before the bytes are read.
  if (file.size > uploadLimits.maxBytes) throw new DomainError("pdf_too_large", "The file is too large");
  const bytes = new Uint8Array(await file.arrayBuffer());
  const { pages } = await deps.pdf.inspectUpload(bytes, uploadLimits);
  const row = await deps.documents.store({
    id: newId("doc"),
    orgId: actor.orgId,
    ownerId: actor.id,
    kind: "original",
    filename: safeFilename(file.name),
    bytes,
    pages,
  });
  await deps.audit.record(actor, "document.uploaded", { type: "document", id: row.id });
  return { id: row.id, filename: row.filename, sha256: row.sha256, pages: row.pages, size: row.size, createdAt: row.createdAt };
}

function safeFilename(name: string): string {
  const cleaned = name.replace(/[^\p{L}\p{N} ._()-]/gu, "_").slice(-120).trim();
  return cleaned.length > 0 ? cleaned : "document.pdf";
}
