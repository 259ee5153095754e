/**
 * The finalisation job, run by the queue consumer (never in a page request): builds
 * the signed PDF (original pages + certificate), stores it encrypted under a
 * write-once key, and reports to the Envelope object, which records it once.
 * Safe to retry at any step: the D1 row holding the wrapped key is written before
 * the bytes, and a retry reuses that key and overwrites the same object.
 */
import type { EnvelopeState, FinalisationFailureReason, SignedDocument } from "../domain/envelope";
import { newId, sha256Hex } from "../domain/encoding";
import { DomainError } from "../domain/errors";
import type { PdfServiceEnv } from "../env";
import { translator, type MessageKey } from "../i18n";
import { buildEvidenceBundle, evidenceFilename, serialiseEvidenceBundle, type EvidenceBundle } from "../domain/evidence";
import { buildSignedPdf, type CertificateLabels, type CertificateView } from "../pdf/certificate";
import { sealDocument } from "./seal";
import { database } from "../storage/db";
import { encryptDocumentParts, newDataKey, unwrapDataKey } from "../storage/document-crypto";
import { blobExists, findDocument, objectKey, putBlob, upsertDocument } from "../storage/documents";
import { readDocument } from "./documents";
import { command, envelopeStub } from "./envelope-stub";
import { keyring } from "./keyring";

/** The signed version's document id is derived from the envelope, so every retry finds the same row. */
export function signedDocumentId(envelopeId: string): string {
  return `doc_signed_${envelopeId.replace(/^env_/, "")}`;
}

/** Where a crash can happen between the writes; tests inject failures at each. */
export type FinaliseStep = "built" | "row_written" | "object_written";
export type FinaliseHooks = { afterStep?: (step: FinaliseStep) => void | Promise<void> };

/** Longer than any finalisation takes; a crashed attempt blocks others at most this long. */
const LEASE_MS = 2 * 60_000;

export async function finaliseEnvelope(env: PdfServiceEnv, envelopeId: string, hooks: FinaliseHooks = {}): Promise<void> {
  const stub = envelopeStub(env, envelopeId);
  const state = await stub.getState();
  if (!state || state.finalisation !== "pending") return; // already recorded, or nothing to do
  const attemptId = newId("fin");
  if (!(await stub.claimFinalisation(attemptId, LEASE_MS))) throw new Error("Another finalisation of this envelope is running; retry later");
  try {
    const stored = await storedSignedVersion(env, state) ?? await buildAndStore(env, state, hooks);
    await command(stub.recordFinalised(stored));
  } catch (error) {
    // The object keeps the category (never the message) for the record made if the job gives up.
    const reason = error instanceof FinalisationError ? error.reason : "unknown";
    await stub.noteFinalisationFailure(reason).catch(() => undefined);
    // The kind of error, for the operator: its class and code, never its message (it could quote the document).
    console.error(JSON.stringify({ msg: "finalisation attempt failed", envelopeId, orgId: state.orgId, reason, cause: errorKind(error instanceof FinalisationError ? error.cause : error) }));
    throw error;
  } finally {
    await stub.releaseFinalisation(attemptId);
  }
}

/** A signed version left by an earlier attempt, if its bytes decrypt and match their row; otherwise null. */
async function storedSignedVersion(env: PdfServiceEnv, state: EnvelopeState): Promise<SignedDocument | null> {
  const row = await findDocument(database(env.DB), state.orgId, signedDocumentId(state.id));
  if (!row || !(await blobExists(env.DOCUMENTS, row.r2Key))) return null;
  try {
    const bytes = await readDocument(env, row);
    if ((await sha256Hex(bytes)) !== row.sha256) return null;
  } catch (error) {
    if (error instanceof DomainError) return null; // unreadable: build it again
    throw error;
  }
  return { documentId: row.id, sha256: row.sha256, pages: row.pages, size: row.size };
}

/** A failed attempt with the category the sender and operators are told (the cause stays in `cause`, for logs only). */
export class FinalisationError extends Error {
  constructor(readonly reason: FinalisationFailureReason, cause: unknown) {
    super(`finalisation failed: ${reason}`, { cause });
    this.name = "FinalisationError";
  }
}

function errorKind(error: unknown): string {
  if (error instanceof DomainError) return `DomainError:${error.code}`;
  return error instanceof Error ? error.name : typeof error;
}

/** Runs one step; whatever it throws is classified as `reason`. */
async function step<T>(reason: FinalisationFailureReason, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new FinalisationError(reason, error);
  }
}

async function buildAndStore(env: PdfServiceEnv, state: EnvelopeState, hooks: FinaliseHooks): Promise<SignedDocument> {
  const db = database(env.DB);
  const id = signedDocumentId(state.id);
  const r2Key = objectKey(state.orgId, id);
  const originalBytes = await step("document_unreadable", async () => {
    const original = await findDocument(db, state.orgId, state.document.id);
    if (!original) throw new DomainError("not_found", "The original document is missing");
    return readDocument(env, original);
  });
  const events = await envelopeStub(env, state.id).getEvents();
  const evidence = buildEvidenceBundle(state, events, { generatedAt: new Date().toISOString() });
  const certified = await step("document_unsealable", () =>
    buildSignedPdf({
      original: originalBytes,
      certificate: certificateView(env, state, evidence),
      labels: certificateLabels(state),
      evidence: { json: serialiseEvidenceBundle(evidence), filename: evidenceFilename(state.id) },
    }),
  );
  // The seal is the last revision and covers everything before it.
  const sealed = await step("seal_unavailable", () => sealDocument(env, certified.bytes, translator(state.sender.locale)("seal.reason")));
  const signed = { bytes: sealed, pages: certified.pages };
  await hooks.afterStep?.("built");

  // The row with the wrapped key first: bytes in R2 are never left without the key that reads them.
  // A retry reuses the key of an earlier attempt's row and overwrites the same write-once object key.
  const keys = await keyring(env);
  const existing = await findDocument(db, state.orgId, id);
  const wrapped = existing?.wrappedKey ? { kekId: existing.kekId, wrapped: existing.wrappedKey } : (await newDataKey(keys, id)).wrapped;
  const key = await unwrapDataKey(keys, id, wrapped);
  const row = {
    id,
    orgId: state.orgId,
    ownerId: state.ownerId,
    kind: "signed" as const,
    filename: state.document.filename.replace(/\.pdf$/i, "") + "-signed.pdf",
    sha256: await sha256Hex(signed.bytes),
    pages: signed.pages,
    size: signed.bytes.length,
    r2Key,
    wrappedKey: wrapped.wrapped,
    kekId: wrapped.kekId,
    createdAt: new Date().toISOString(),
  };
  await step("storage_unavailable", () => upsertDocument(db, row));
  await hooks.afterStep?.("row_written");
  await step("storage_unavailable", async () => putBlob(env.DOCUMENTS, r2Key, await encryptDocumentParts(key, id, signed.bytes), { kekId: wrapped.kekId }));
  await hooks.afterStep?.("object_written");
  return { documentId: id, sha256: row.sha256, pages: row.pages, size: row.size };
}

function certificateView(env: PdfServiceEnv, state: EnvelopeState, evidence: EvidenceBundle): CertificateView {
  const t = translator(state.sender.locale);
  return {
    envelopeId: state.id,
    title: state.title,
    documentSha256: state.document.sha256,
    originalPages: state.document.pages,
    // The time completion was decided, so a retried finalisation states the same time.
    completedAt: evidence.envelope.completedAt ?? new Date().toISOString(),
    timeZone: state.timeZone,
    locale: state.sender.locale,
    verificationUrl: `${(env.APP_URL ?? "").replace(/\/$/, "")}/verify`,
    eventHead: evidence.chain.head,
    signers: state.recipients
      .filter((r) => r.role === "signer")
      .map((r) => ({
        name: r.name,
        email: r.email,
        method: t(`method.${r.method}` as MessageKey, { email: r.email }),
        ...(r.identification?.method === "eid"
          ? { eidScheme: t(`eid.scheme.${r.identification.scheme}` as MessageKey), assuranceLevel: r.identification.assurance }
          : {}),
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
    completed: t("cert.completedTime"),
    signers: t("cert.signers"),
    name: t("cert.name"),
    email: t("cert.email"),
    method: t("cert.method"),
    signedAt: t("cert.signedTime"),
    ipAddress: t("cert.ip"),
    device: t("cert.device"),
    typedName: t("cert.typedName"),
    eventChainHead: t("cert.eventHead"),
    eidScheme: t("cert.eidScheme"),
    assuranceLevel: t("cert.assuranceLevel"),
    verification: t("cert.verification"),
    verificationHint: t("cert.verificationHint"),
    evidenceAttached: t("cert.evidenceAttached"),
    evidenceSha256: t("cert.evidenceSha256"),
    evidenceDescription: t("cert.evidenceDescription"),
    footer: t("cert.footer"),
  };
}
