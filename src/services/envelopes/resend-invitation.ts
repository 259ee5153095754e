import type { EnvelopeState } from "../../domain/envelope";
import type { Actor, Deps } from "../deps";
import { command } from "../envelope-stub";
import { senderActor } from "./access";
import { getEnvelope } from "./get-envelope";

export type ResendInvitation = { envelopeId: string; recipientId: string };

/** A fresh invitation for one signer whose turn it is (at most once an hour). */
export async function resendInvitation(deps: Deps, actor: Actor, input: ResendInvitation): Promise<EnvelopeState> {
  await getEnvelope(deps, actor, input);
  return command(deps.envelopeObject(input.envelopeId).resendInvitation({ recipientId: input.recipientId, actor: senderActor(actor), context: deps.client }));
}
