import type { z } from "zod";
import type { EnvelopeState } from "../../domain/envelope";
import type { envelopeSettingsSchema } from "../../domain/envelope-input";
import type { Actor, Deps } from "../deps";
import { command } from "../envelope-stub";
import { senderActor } from "./access";
import { draftOf } from "./drafts";

export type CreateDraftEnvelope = z.input<typeof envelopeSettingsSchema> & {
  envelopeId: string;
  document: EnvelopeState["document"];
};

/**
 * A draft envelope around a document that is already stored (an upload, or an agreement
 * written in Pactly), ready for recipients.
 */
export async function createDraftEnvelope(deps: Deps, actor: Actor, input: CreateDraftEnvelope): Promise<string> {
  await command(deps.envelopeObject(input.envelopeId).create(draftOf(deps, actor, input), senderActor(actor)));
  await deps.audit.record(actor, "envelope.created", { type: "envelope", id: input.envelopeId }, { documentId: input.document.id });
  return input.envelopeId;
}
