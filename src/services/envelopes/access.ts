/** Who may act on an envelope, shared by the sender's use cases. */
import type { Actor as EnvelopeActor } from "../../domain/envelope";
import { DomainError } from "../../domain/errors";
import { canActOnEnvelope } from "../../domain/permissions";
import { envelopeOwnership } from "../../storage/envelope-projection";
import type { Actor, Deps } from "../deps";

/** The sender as the Envelope Durable Object records them. */
export const senderActor = (actor: Actor): EnvelopeActor => ({ kind: "sender", userId: actor.id });

/**
 * The D1 row that says this sender may see the envelope: their own, or any in the
 * organisation for a role that manages all envelopes (domain/permissions). Anything
 * else, another organisation's above all, is "not found", so ids reveal nothing.
 */
export async function ownedEnvelopeRow(deps: Pick<Deps, "db">, actor: Actor, envelopeId: string) {
  const row = await envelopeOwnership(deps.db, actor.orgId, envelopeId);
  if (!row || !canActOnEnvelope(actor, row)) throw new DomainError("not_found", "No such envelope");
  return row;
}
