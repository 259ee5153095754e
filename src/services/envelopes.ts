/**
 * The sender's use cases: upload a document, build a draft envelope around it (settings,
 * recipients, order), send, remind, resend, correct an address, cancel, delete a draft,
 * and read documents. Every lookup is scoped to the sender's organisation and answers
 * "not found" for anything else, so ids reveal nothing. Each lifecycle action is one
 * command on the Envelope Durable Object, which checks it against the state machine.
 */
import type { ClientInfo } from "../domain/client-info";
import type { Actor, DraftSettings, EnvelopeState, NewRecipient, SigningOrder } from "../domain/envelope";
import { cancelReason } from "../domain/envelope";
import {
  DEFAULT_TIME_ZONE,
  emailSchema,
  reminderEveryDays as reminderDefaults,
  type EnvelopeCreateInput,
  type EnvelopeSettings,
  type RecipientInput,
} from "../domain/envelope-input";
import { newId } from "../domain/encoding";
import { DomainError } from "../domain/errors";
import { canActOnEnvelope } from "../domain/permissions";
import { uploadLimits } from "../domain/limits";
import type { ChainedEvent } from "../domain/event-chain";
import { buildEvidenceBundle, type EvidenceBundle } from "../domain/evidence";
import type { CommandResult } from "../envelope/envelope-object";
import type { Env } from "../env";
import type { Db } from "../storage/db";
import { deleteBlobs, findDocument } from "../storage/documents";
import { deleteEnvelopeRows, envelopeOwnership, envelopeUsingDocument } from "../storage/envelope-projection";
import { assertVerified, type SessionUser } from "./accounts";
import { readDocument, storeNewDocument } from "./documents";
import { command, envelopeStub } from "./envelope-stub";
import { audit } from "./audit";
import { inspectUpload } from "./pdf";

const senderActor = (user: SessionUser): Actor => ({ kind: "sender", userId: user.id });

/** What the sender and the API learn about a stored document. */
export type DocumentMetadata = { id: string; filename: string; sha256: string; pages: number; size: number; createdAt: string };

/**
 * Checks and stores an uploaded PDF, encrypted: too large, not a PDF, damaged,
 * password-protected or too many pages is refused before anything is stored.
 */
export async function uploadDocument(env: Env, db: Db, user: SessionUser, file: File): Promise<DocumentMetadata> {
  // The size is checked before the bytes are read.
  if (file.size > uploadLimits.maxBytes) throw new DomainError("pdf_too_large", "The file is too large");
  const bytes = new Uint8Array(await file.arrayBuffer());
  const { pages } = await inspectUpload(env, bytes, uploadLimits);
  const row = await storeNewDocument(env, db, {
    id: newId("doc"),
    orgId: user.orgId,
    ownerId: user.id,
    kind: "original",
    filename: safeFilename(file.name),
    bytes,
    pages,
  });
  return { id: row.id, filename: row.filename, sha256: row.sha256, pages: row.pages, size: row.size, createdAt: row.createdAt };
}

/**
 * An uploaded document has exactly one envelope, whose id follows from the document's:
 * two requests racing to build an envelope around the same document meet in one Durable
 * Object, and the second is refused there.
 */
export function envelopeIdForDocument(documentId: string): string {
  return `env_${documentId.replace(/^doc_/, "")}`;
}

/** The web's one-step upload: the document and a draft around it with these settings. */
export async function createEnvelopeFromUpload(env: Env, db: Db, user: SessionUser, input: EnvelopeSettings & { file: File }): Promise<string> {
  const document = await uploadDocument(env, db, user, input.file);
  return createDraftEnvelope(env, user, {
    ...input,
    envelopeId: envelopeIdForDocument(document.id),
    document: { id: document.id, sha256: document.sha256, pages: document.pages, size: document.size, filename: document.filename },
  });
}

type DraftInput = {
  envelopeId: string;
  title: string;
  message: string;
  signingOrder?: SigningOrder;
  /** The older name of `signingOrder`, still accepted. */
  order?: SigningOrder;
  timeZone?: string;
  reminderEveryDays?: number;
  document: EnvelopeState["document"];
};

function createInput(user: SessionUser, input: DraftInput) {
  return {
    id: input.envelopeId,
    orgId: user.orgId,
    ownerId: user.id,
    sender: { name: user.name, email: user.email, locale: user.locale },
    title: input.title,
    message: input.message,
    document: input.document,
    signingOrder: input.signingOrder ?? input.order ?? "parallel",
    timeZone: input.timeZone ?? DEFAULT_TIME_ZONE,
    reminderEveryDays: input.reminderEveryDays ?? reminderDefaults.default,
    createdAt: new Date().toISOString(),
  };
}

/**
 * A draft envelope around a document that is already stored, such as an agreement
 * written in Pactly: the same draft an upload makes, ready for recipients.
 */
export async function createDraftEnvelope(env: Env, user: SessionUser, input: DraftInput): Promise<string> {
  await command(envelopeStub(env, input.envelopeId).create(createInput(user, input), senderActor(user)));
  return input.envelopeId;
}

function newRecipient(input: RecipientInput): NewRecipient {
  return { id: newId("rcp"), name: input.name, email: input.email, phone: input.phone ?? null, role: input.role, method: input.method, locale: input.locale };
}

/**
 * The API's one-step envelope: a draft around a document this organisation uploaded,
 * with its settings and every recipient in the given order, written all at once or not at all.
 */
export async function createEnvelope(env: Env, db: Db, user: SessionUser, input: EnvelopeCreateInput): Promise<string> {
  const row = await findDocument(db, user.orgId, input.documentId);
  // A colleague's upload is theirs to send unless this member manages every envelope.
  if (!row || row.kind !== "original" || !row.wrappedKey || !canActOnEnvelope(user, row)) throw new DomainError("not_found", "No such document");
  if (await envelopeUsingDocument(db, user.orgId, row.id)) {
    throw new DomainError("conflict", "This document is already used by another envelope; upload it again for a new one", { reason: "document_in_use" });
  }
  const envelopeId = envelopeIdForDocument(row.id);
  await command(
    envelopeStub(env, envelopeId).createDraft(
      createInput(user, {
        ...input,
        envelopeId,
        document: { id: row.id, sha256: row.sha256, pages: row.pages, size: row.size, filename: row.filename },
      }),
      input.recipients.map(newRecipient),
      senderActor(user),
    ),
  );
  return envelopeId;
}

function safeFilename(name: string): string {
  const cleaned = name.replace(/[^\p{L}\p{N} ._()-]/gu, "_").slice(-120).trim();
  return cleaned.length > 0 ? cleaned : "document.pdf";
}

/**
 * The D1 row that says this sender may see the envelope: their own, or any in the
 * organisation for a role that manages all envelopes (domain/permissions). Anything
 * else, another organisation's above all, is "not found".
 */
async function ownedRow(db: Db, user: SessionUser, envelopeId: string) {
  const row = await envelopeOwnership(db, user.orgId, envelopeId);
  if (!row || !canActOnEnvelope(user, row)) throw new DomainError("not_found", "No such envelope");
  return row;
}

/**
 * The envelope if this sender may see it. The D1 projection answers "whose is it";
 * the Durable Object answers "what is its state". Someone else's id is "not found".
 */
export async function envelopeForSender(env: Env, db: Db, user: SessionUser, envelopeId: string): Promise<EnvelopeState> {
  await ownedRow(db, user, envelopeId);
  const state = await envelopeStub(env, envelopeId).getState();
  if (!state || state.orgId !== user.orgId) throw new DomainError("not_found", "No such envelope");
  return state;
}

/** The evidence bundle as it stands now (the signed PDF embeds the one made at completion). */
export async function senderEvidence(env: Env, db: Db, user: SessionUser, envelopeId: string): Promise<EvidenceBundle> {
  const state = await envelopeForSender(env, db, user, envelopeId);
  return buildEvidenceBundle(state, await envelopeEvents(env, envelopeId), { generatedAt: new Date().toISOString() });
}

export async function envelopeEvents(env: Env, envelopeId: string): Promise<ChainedEvent[]> {
  return envelopeStub(env, envelopeId).getEvents();
}

// ---- building a draft ----

export async function updateDraftSettings(env: Env, db: Db, user: SessionUser, envelopeId: string, settings: DraftSettings) {
  await envelopeForSender(env, db, user, envelopeId);
  return command(envelopeStub(env, envelopeId).updateDraft(settings, senderActor(user)));
}

export async function addRecipient(env: Env, db: Db, user: SessionUser, envelopeId: string, input: RecipientInput) {
  await envelopeForSender(env, db, user, envelopeId);
  return command(envelopeStub(env, envelopeId).addRecipient(newRecipient(input), senderActor(user)));
}

export async function removeRecipient(env: Env, db: Db, user: SessionUser, envelopeId: string, recipientId: string) {
  await envelopeForSender(env, db, user, envelopeId);
  return command(envelopeStub(env, envelopeId).removeRecipient(recipientId, senderActor(user)));
}

export async function moveRecipient(env: Env, db: Db, user: SessionUser, envelopeId: string, recipientId: string, direction: "up" | "down") {
  await envelopeForSender(env, db, user, envelopeId);
  return command(envelopeStub(env, envelopeId).moveRecipient(recipientId, direction, senderActor(user)));
}

// ---- the lifecycle ----

/** Sends with the expiry from `sendInputSchema` (the end of the chosen day in the envelope's time zone). */
export async function sendEnvelope(env: Env, db: Db, user: SessionUser, envelopeId: string, input: { expiresAt: string }, context: ClientInfo) {
  await envelopeForSender(env, db, user, envelopeId);
  // Invitations go out in the sender's name: only to someone who owns that address.
  assertVerified(user);
  const sent = await command(envelopeStub(env, envelopeId).send({ actor: senderActor(user), expiresAt: input.expiresAt, context }));
  await audit(db, { user, action: "envelope.sent", target: { type: "envelope", id: envelopeId }, client: context });
  return sent;
}

/** Reminds every signer whose turn it is and who has not signed (each at most once an hour). */
export async function remindSigners(env: Env, db: Db, user: SessionUser, envelopeId: string, context: ClientInfo) {
  await envelopeForSender(env, db, user, envelopeId);
  return command(envelopeStub(env, envelopeId).remind({ actor: senderActor(user), context }));
}

/** A fresh invitation for one signer whose turn it is (at most once an hour). */
export async function resendInvitation(env: Env, db: Db, user: SessionUser, envelopeId: string, recipientId: string, context: ClientInfo) {
  await envelopeForSender(env, db, user, envelopeId);
  return command(envelopeStub(env, envelopeId).resendInvitation({ recipientId, actor: senderActor(user), context }));
}

/**
 * Corrects the address of a recipient who has not opened the envelope yet: their earlier
 * links stop working and, if it is their turn, a fresh invitation goes to the new address.
 */
export async function correctRecipientEmail(
  env: Env,
  db: Db,
  user: SessionUser,
  envelopeId: string,
  recipientId: string,
  newEmail: string,
  context: ClientInfo,
) {
  await envelopeForSender(env, db, user, envelopeId);
  const parsed = emailSchema.safeParse(newEmail);
  if (!parsed.success) throw new DomainError("validation_failed", "Enter an email address in the correct format", { field: "email", reason: "invalid_email" });
  return command(envelopeStub(env, envelopeId).correctEmail({ recipientId, email: parsed.data, actor: senderActor(user), context }));
}

/** Cancels a draft or an envelope out for signing; the reason is required and kept in the evidence. */
export async function cancelEnvelope(env: Env, db: Db, user: SessionUser, envelopeId: string, reason: string, context: ClientInfo) {
  await envelopeForSender(env, db, user, envelopeId);
  const cancelled = await command(envelopeStub(env, envelopeId).cancel({ actor: senderActor(user), reason: cancelReason(reason), context }));
  await audit(db, { user, action: "envelope.cancelled", target: { type: "envelope", id: envelopeId }, client: context });
  return cancelled;
}

/**
 * Deletes a draft for good: the Durable Object's storage first (the authority: from then on
 * every route answers "not found"), then the encrypted document and its rows. Running it
 * again after a failure part-way finishes the clean-up.
 */
export async function deleteDraft(env: Env, db: Db, user: SessionUser, envelopeId: string): Promise<void> {
  const row = await ownedRow(db, user, envelopeId);
  const result = (await envelopeStub(env, envelopeId).deleteDraft()) as CommandResult;
  if (!result.ok && result.code !== "not_found") throw new DomainError(result.code, result.message, result.details);
  const state = result.ok ? result.state : null;
  if (state && state.orgId !== user.orgId) throw new DomainError("not_found", "No such envelope");
  const documentId = state?.document.id ?? row.documentId;
  const document = await findDocument(db, user.orgId, documentId);
  const keys = [document?.r2Key, state?.document.agreement?.sourceKey].filter((k): k is string => typeof k === "string");
  await deleteBlobs(env.DOCUMENTS, keys);
  await deleteEnvelopeRows(db, { orgId: user.orgId, envelopeId, documentIds: document ? [document.id] : [] });
}

// ---- documents ----

/** The original or (once completed) the signed PDF of an envelope this sender may see. */
export async function senderDocument(env: Env, db: Db, user: SessionUser, envelopeId: string, which: "original" | "signed") {
  const state = await envelopeForSender(env, db, user, envelopeId);
  return documentOf(env, db, state, which);
}

export async function documentOf(env: Env, db: Db, state: EnvelopeState, which: "original" | "signed") {
  const documentId = which === "original" ? state.document.id : state.signedDocument?.documentId;
  if (!documentId) throw new DomainError("not_found", "The signed document is not ready");
  const row = await findDocument(db, state.orgId, documentId);
  if (!row) throw new DomainError("not_found", "No such document");
  const bytes = await readDocument(env, row);
  return { bytes, filename: row.filename };
}
