import type { z } from "zod";
import type { EnvelopeState } from "../../domain/envelope";
import { recipientInputSchema } from "../../domain/envelope-input";
import type { Actor, Deps } from "../deps";
import { command } from "../envelope-stub";
import { validated } from "../validate";
import { senderActor } from "./access";
import { newRecipient } from "./drafts";
import { getEnvelope } from "./get-envelope";

export type AddRecipient = { envelopeId: string; recipient: z.input<typeof recipientInputSchema> };

/** Adds a recipient at the end of a draft's signing order. */
export async function addRecipient(deps: Deps, actor: Actor, input: AddRecipient): Promise<EnvelopeState> {
  await getEnvelope(deps, actor, input);
  const recipient = validated(recipientInputSchema, input.recipient);
  return command(deps.envelopeObject(input.envelopeId).addRecipient(newRecipient(recipient), senderActor(actor)));
}
