/** What every way of creating a draft shares: its settings checked, its recipients, its id. */
import type { NewRecipient } from "../../domain/envelope";
import { envelopeSettingsSchema, type RecipientInput } from "../../domain/envelope-input";
import { newId } from "../../domain/encoding";
import type { Actor, Deps } from "../deps";
import { validated } from "../validate";
import type { CreateDraftEnvelope } from "./create-draft-envelope";

/** The Durable Object's `create` input: the settings, checked, and the sender as they are now. */
export function draftOf(deps: Pick<Deps, "now">, actor: Actor, input: CreateDraftEnvelope) {
  const settings = validated(envelopeSettingsSchema, input);
  return {
    id: input.envelopeId,
    orgId: actor.orgId,
    ownerId: actor.id,
    sender: { name: actor.name, email: actor.email, locale: actor.locale },
    ...settings,
    document: input.document,
    createdAt: deps.now().toISOString(),
  };
}

export function newRecipient(input: RecipientInput): NewRecipient {
  return { id: newId("rcp"), name: input.name, email: input.email, phone: input.phone ?? null, role: input.role, method: input.method, locale: input.locale };
}

/**
 * An uploaded document has exactly one envelope, whose id follows from the document's:
 * two requests racing to build an envelope around the same document meet in one Durable
 * Object, and the second is refused there.
 */
export function envelopeIdForDocument(documentId: string): string {
  return `env_${documentId.replace(/^doc_/, "")}`;
}
