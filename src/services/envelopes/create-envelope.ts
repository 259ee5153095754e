import type { z } from "zod";
import { envelopeCreateSchema } from "../../domain/envelope-input";
import { DomainError } from "../../domain/errors";
import { canActOnEnvelope } from "../../domain/permissions";
import { findDocument } from "../../storage/documents";
import { envelopeUsingDocument } from "../../storage/envelope-projection";
import type { Actor, Deps } from "../deps";
import { command } from "../envelope-stub";
import { validated } from "../validate";
import { senderActor } from "./access";
import { draftOf, envelopeIdForDocument, newRecipient } from "./drafts";

export type CreateEnvelope = z.input<typeof envelopeCreateSchema>;

/**
 * The API's one-step envelope: a draft around a document this organisation uploaded,
 * with its settings and every recipient in the given order, written all at once or not at all.
 */
export async function createEnvelope(deps: Deps, actor: Actor, input: CreateEnvelope): Promise<string> {
  const { documentId, recipients, ...settings } = validated(envelopeCreateSchema, input);
  const row = await findDocument(deps.db, actor.orgId, documentId);
  // A colleague's upload is theirs to send unless this member manages every envelope.
  if (!row || row.kind !== "original" || !row.wrappedKey || !canActOnEnvelope(actor, row)) throw new DomainError("not_found", "No such document");
  if (await envelopeUsingDocument(deps.db, actor.orgId, row.id)) {
    throw new DomainError("conflict", "This document is already used by another envelope; upload it again for a new one", { reason: "document_in_use" });
  }
  const envelopeId = envelopeIdForDocument(row.id);
  const document = { id: row.id, sha256: row.sha256, pages: row.pages, size: row.size, filename: row.filename };
  await command(deps.envelopeObject(envelopeId).createDraft(draftOf(deps, actor, { ...settings, envelopeId, document }), recipients.map(newRecipient), senderActor(actor)));
  await deps.audit.record(actor, "envelope.created", { type: "envelope", id: envelopeId }, { documentId: row.id });
  return envelopeId;
}
