/**
 * The sender's use cases: create an envelope from an upload, add and remove signers,
 * send, cancel, list, and read documents. Every lookup is scoped to the sender's
 * organisation and answers "not found" for anything else, so ids reveal nothing.
 */
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Actor, EnvelopeState, RequestContext } from "../domain/envelope";
import { newId } from "../domain/encoding";
import { DomainError } from "../domain/errors";
import { DAY_MS, expiryDays, uploadLimits } from "../domain/limits";
import type { ChainedEvent } from "../domain/event-chain";
import { buildEvidenceBundle, type EvidenceBundle } from "../domain/evidence";
import type { Env } from "../env";
import { inspectPdf } from "../pdf/inspect";
import type { Db } from "../storage/db";
import { findDocument } from "../storage/documents";
import { envelopes } from "../storage/schema";
import type { SessionUser } from "./accounts";
import { readDocument, storeNewDocument } from "./documents";
import { command, envelopeStub } from "./envelope-stub";

export const newEnvelopeSchema = z.object({
  title: z.string({ error: "new.error.title" }).trim().min(1, "new.error.title").max(200, "new.error.titleLong"),
  message: z.string().trim().max(2000, "new.error.message").default(""),
  order: z.enum(["parallel", "sequential"]).catch("parallel"),
});

export const addRecipientSchema = z.object({
  name: z.string({ error: "envelope.add.error.name" }).trim().min(1, "envelope.add.error.name").max(200, "envelope.add.error.name"),
  email: z.string({ error: "envelope.add.error.email" }).trim().toLowerCase().pipe(z.email("envelope.add.error.email")).pipe(z.string().max(254, "envelope.add.error.email")),
  locale: z.enum(["en", "nb"]).catch("en"),
});

export const sendSchema = z.object({
  expiryDays: z.coerce
    .number({ error: "envelope.send.error.expiry" })
    .int("envelope.send.error.expiry")
    .min(expiryDays.min, "envelope.send.error.expiry")
    .max(expiryDays.max, "envelope.send.error.expiry"),
});

const senderActor = (user: SessionUser): Actor => ({ kind: "sender", userId: user.id });

export async function createEnvelopeFromUpload(
  env: Env,
  db: Db,
  user: SessionUser,
  input: z.infer<typeof newEnvelopeSchema> & { file: File },
): Promise<string> {
  // The size is checked before the bytes are read.
  if (input.file.size > uploadLimits.maxBytes) throw new DomainError("pdf_too_large", "The file is too large");
  const bytes = new Uint8Array(await input.file.arrayBuffer());
  const { pages } = await inspectPdf(bytes, uploadLimits);
  const document = await storeNewDocument(env, db, {
    id: newId("doc"),
    orgId: user.orgId,
    ownerId: user.id,
    kind: "original",
    filename: safeFilename(input.file.name),
    bytes,
    pages,
  });
  return createDraftEnvelope(env, user, {
    title: input.title,
    message: input.message,
    order: input.order,
    envelopeId: newId("env"),
    document: { id: document.id, sha256: document.sha256, pages, size: document.size, filename: document.filename },
  });
}

/**
 * A draft envelope around a document that is already stored, such as an agreement
 * written in Pactly: the same draft an upload makes, ready for signers.
 */
export async function createDraftEnvelope(
  env: Env,
  user: SessionUser,
  input: z.infer<typeof newEnvelopeSchema> & { envelopeId: string; document: EnvelopeState["document"] },
): Promise<string> {
  await command(
    envelopeStub(env, input.envelopeId).create(
      {
        id: input.envelopeId,
        orgId: user.orgId,
        ownerId: user.id,
        sender: { name: user.name, email: user.email, locale: user.locale },
        title: input.title,
        message: input.message,
        document: input.document,
        signingOrder: input.order,
        timeZone: "Europe/Oslo",
        createdAt: new Date().toISOString(),
      },
      senderActor(user),
    ),
  );
  return input.envelopeId;
}

function safeFilename(name: string): string {
  const cleaned = name.replace(/[^\p{L}\p{N} ._()-]/gu, "_").slice(-120).trim();
  return cleaned.length > 0 ? cleaned : "document.pdf";
}

/**
 * The envelope if this sender may see it. The D1 projection answers "whose is it";
 * the Durable Object answers "what is its state". Someone else's id is "not found".
 */
export async function envelopeForSender(env: Env, db: Db, user: SessionUser, envelopeId: string): Promise<EnvelopeState> {
  const row = (
    await db
      .select({ id: envelopes.id })
      .from(envelopes)
      .where(and(eq(envelopes.id, envelopeId), eq(envelopes.orgId, user.orgId), eq(envelopes.ownerId, user.id)))
      .limit(1)
  )[0];
  if (!row) throw new DomainError("not_found", "No such envelope");
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

export async function addSigner(env: Env, db: Db, user: SessionUser, envelopeId: string, input: z.infer<typeof addRecipientSchema>) {
  await envelopeForSender(env, db, user, envelopeId);
  return command(
    envelopeStub(env, envelopeId).addRecipient(
      { id: newId("rcp"), name: input.name, email: input.email, role: "signer", method: "email_link", locale: input.locale },
      senderActor(user),
    ),
  );
}

export async function removeSigner(env: Env, db: Db, user: SessionUser, envelopeId: string, recipientId: string) {
  await envelopeForSender(env, db, user, envelopeId);
  return command(envelopeStub(env, envelopeId).removeRecipient(recipientId, senderActor(user)));
}

export async function sendEnvelope(env: Env, db: Db, user: SessionUser, envelopeId: string, days: number, context: RequestContext) {
  await envelopeForSender(env, db, user, envelopeId);
  const expiresAt = new Date(Date.now() + days * DAY_MS).toISOString();
  return command(envelopeStub(env, envelopeId).send({ actor: senderActor(user), expiresAt, context }));
}

export async function cancelEnvelope(env: Env, db: Db, user: SessionUser, envelopeId: string, reason: string, context: RequestContext) {
  await envelopeForSender(env, db, user, envelopeId);
  return command(envelopeStub(env, envelopeId).cancel({ actor: senderActor(user), reason, context }));
}

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
