import type { EnvelopeState } from "../../domain/envelope";
import { DomainError } from "../../domain/errors";
import type { ChainedEvent } from "../../domain/event-chain";
import type { Actor, Deps } from "../deps";
import { ownedEnvelopeRow } from "./access";

export type GetEnvelope = { envelopeId: string };

/**
 * The envelope if this sender may see it. The D1 projection answers "whose is it";
 * the Durable Object answers "what is its state". Someone else's id is "not found".
 */
export async function getEnvelope(deps: Pick<Deps, "db" | "envelopeObject">, actor: Actor, input: GetEnvelope): Promise<EnvelopeState> {
  await ownedEnvelopeRow(deps, actor, input.envelopeId);
  const state = await deps.envelopeObject(input.envelopeId).getState();
  if (!state || state.orgId !== actor.orgId) throw new DomainError("not_found", "No such envelope");
  return state;
}

/** The chained events of an envelope already read with `getEnvelope`. */
export async function envelopeEvents(deps: Pick<Deps, "envelopeObject">, state: EnvelopeState): Promise<ChainedEvent[]> {
  return deps.envelopeObject(state.id).getEvents();
}
