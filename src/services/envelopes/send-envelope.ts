import type { EnvelopeState } from "../../domain/envelope";
import { sendInputSchema } from "../../domain/envelope-input";
import { assertVerified } from "../accounts";
import type { Actor, Deps } from "../deps";
import { command } from "../envelope-stub";
import { validated } from "../validate";
import { senderActor } from "./access";
import { getEnvelope } from "./get-envelope";

/** `expiresOn` is a date in `timeZone` (the envelope's own unless named); none means the default expiry. */
export type SendEnvelope = { envelopeId: string; expiresOn?: string; timeZone?: string };

/** Sends a draft: invitations go out, and signatures are accepted until the end of the expiry day. */
export async function sendEnvelope(deps: Deps, actor: Actor, input: SendEnvelope): Promise<EnvelopeState> {
  const state = await getEnvelope(deps, actor, input);
  const { expiresAt } = validated(sendInputSchema(deps.now()), { expiresOn: input.expiresOn, timeZone: input.timeZone ?? state.timeZone });
  // Invitations go out in the sender's name: only to someone who owns that address.
  assertVerified(actor);
  const sent = await command(deps.envelopeObject(input.envelopeId).send({ actor: senderActor(actor), expiresAt, context: deps.client }));
  await deps.audit.record(actor, "envelope.sent", { type: "envelope", id: input.envelopeId });
  return sent;
}
