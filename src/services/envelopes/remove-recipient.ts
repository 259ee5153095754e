import type { EnvelopeState } from "../../domain/envelope";
import type { Actor, Deps } from "../deps";
import { command } from "../envelope-stub";
import { senderActor } from "./access";
import { getEnvelope } from "./get-envelope";

export type RemoveRecipient = { envelopeId: string; recipientId: string };

export async function removeRecipient(deps: Deps, actor: Actor, input: RemoveRecipient): Promise<EnvelopeState> {
  await getEnvelope(deps, actor, input);
  return command(deps.envelopeObject(input.envelopeId).removeRecipient(input.recipientId, senderActor(actor)));
}
