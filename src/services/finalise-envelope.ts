/**
 * The finalisation job, run by the queue consumer (never in a page request): builds
 * the signed PDF (original pages + certificate), stores it encrypted under a
 * write-once key, and reports to the Envelope object, which records it once.
 * Safe to retry at any step: the D1 row holding the wrapped key is written before
 * the bytes, and a retry reuses that key and overwrites the same object.
 */
import type { EnvelopeState } from "../domain/envelope";
import { sha256Hex } from "../domain/encoding";
import { DomainError } from "../domain/errors";
import type { Env } from "../env";
import { translator, type MessageKey } from "../i18n";
import { buildSignedPdf, type CertificateLabels } from "../pdf/certificate";
import { database } from "../storage/db";
import { encryptDocument, newDataKey, unwrapDataKey } from "../storage/document-crypto";
import { blobExists, findDocument, objectKey, putBlob, upsertDocument } from "../storage/documents";
import { readDocument } from "./documents";
import { command, envelopeStub } from "./envelope-stub";
import { keyring } from "./keyring";

/** The signed version's document id is derived from the envelope, so every retry finds the same row. */
export function signedDocumentId(envelopeId: string): string {
  return `doc_signed_${envelopeId.replace(/^env_/, "")}`;
}

export async function finaliseEnvelope(env: Env, envelopeId: string): Promise<void> {
  const stub = envelopeStub(env, envelopeId);
  const state = await stub.getState();
  if (!state || state.finalisation !== "pending") return; // already recorded, or nothing to do
  const db = database(env.DB);
  const id = signedDocumentId(envelopeId);
  const r2Key = objectKey(state.orgId, id);

  let row = await findDocument(db, state.orgId, id);
  if (!row || !(await blobExists(env.DOCUMENTS, r2Key))) {
    const original = await findDocument(db, state.orgId, state.document.id);
    if (!original) throw new DomainError("not_found", "The original document is missing");
    const events = await stub.getEvents();
    const signed = await buildSignedPdf({
      original: await readDocument(env, original),
      certificate: certificateView(state, events.at(-1)?.hash ?? ""),
      labels: certificateLabels(state),
    });
    const keys = await keyring(env);
    const wrapped = row?.wrappedKey ? { kekId: row.kekId, wrapped: row.wrappedKey } : (await newDataKey(keys, id)).wrapped;
    const key = await unwrapDataKey(keys, id, wrapped);
    // The row with the wrapped key first: bytes in R2 are never left without the key that reads them.
    row = {
      id,
      orgId: state.orgId,
      ownerId: state.ownerId,
      kind: "signed",
      filename: state.document.filename.replace(/\.pdf$/i, "") + "-signed.pdf",
      sha256: await sha256Hex(signed.bytes),
      pages: signed.pages,
      size: signed.bytes.length,
      r2Key,
      wrappedKey: wrapped.wrapped,
      kekId: wrapped.kekId,
      createdAt: new Date().toISOString(),
    };
    await upsertDocument(db, row);
    await putBlob(env.DOCUMENTS, r2Key, await encryptDocument(key, id, signed.bytes), { kekId: wrapped.kekId });
  }
  await command(stub.recordFinalised({ documentId: row.id, sha256: row.sha256, pages: row.pages, size: row.size }));
}

function certificateView(state: EnvelopeState, eventHead: string) {
  const t = translator(state.sender.locale);
  return {
    envelopeId: state.id,
    title: state.title,
    documentSha256: state.document.sha256,
    originalPages: state.document.pages,
    completedAt: new Date().toISOString(),
    eventHead,
    signers: state.recipients
      .filter((r) => r.role === "signer")
      .map((r) => ({
        name: r.name,
        email: r.email,
        method: t(`method.${r.method}` as MessageKey, { email: r.email }),
        signedAt: r.signedAt ?? "",
        ip: r.ip,
        userAgent: r.userAgent,
        typedName: r.typedName ?? "",
      })),
  };
}

function certificateLabels(state: EnvelopeState): CertificateLabels {
  const t = translator(state.sender.locale);
  return {
    heading: t("cert.heading"),
    envelope: t("cert.envelope"),
    document: t("cert.document"),
    documentSha256: t("cert.documentSha256"),
    pages: t("cert.pages"),
    completed: t("cert.completed"),
    signers: t("cert.signers"),
    name: t("cert.name"),
    email: t("cert.email"),
    method: t("cert.method"),
    signedAt: t("cert.signed"),
    ipAddress: t("cert.ip"),
    device: t("cert.device"),
    typedName: t("cert.typedName"),
    eventChainHead: t("cert.eventHead"),
    footer: t("cert.footer"),
  };
}
