import { DomainError } from "../../domain/errors";
import type { CommandResult } from "../../envelope/envelope-object";
import { findDocument } from "../../storage/documents";
import { deleteEnvelopeRows } from "../../storage/envelope-projection";
import type { Actor, Deps } from "../deps";
import { ownedEnvelopeRow } from "./access";

export type DeleteDraft = { envelopeId: string };

/** Deletes a draft for good, as its sender asked. */
export async function deleteDraft(deps: Deps, actor: Actor, input: DeleteDraft): Promise<void> {
  await discardDraft(deps, actor, input);
  await deps.audit.record(actor, "envelope.deleted", { type: "envelope", id: input.envelopeId });
}

/**
 * The deletion itself, without an audit entry of its own (account deletion records
 * `account.deleted` instead): the Durable Object's storage first (the authority: from then
 * on every route answers "not found"), then the encrypted document and its rows. Running it
 * again after a failure part-way finishes the clean-up.
 */
export async function discardDraft(deps: Pick<Deps, "db" | "envelopeObject" | "documents">, actor: Actor, input: DeleteDraft): Promise<void> {
  const { envelopeId } = input;
  const row = await ownedEnvelopeRow(deps, actor, envelopeId);
  const result = (await deps.envelopeObject(envelopeId).deleteDraft()) as CommandResult;
  if (!result.ok && result.code !== "not_found") throw new DomainError(result.code, result.message, result.details);
  const state = result.ok ? result.state : null;
  if (state && state.orgId !== actor.orgId) throw new DomainError("not_found", "No such envelope");
  const documentId = state?.document.id ?? row.documentId;
  const document = await findDocument(deps.db, actor.orgId, documentId);
  const keys = [document?.r2Key, state?.document.agreement?.sourceKey].filter((k): k is string => typeof k === "string");
  await deps.documents.deleteBlobs(keys);
  await deleteEnvelopeRows(deps.db, { orgId: actor.orgId, envelopeId, documentIds: document ? [document.id] : [] });
}
