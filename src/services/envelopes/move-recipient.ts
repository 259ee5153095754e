import { z } from "zod";
import type { EnvelopeState } from "../../domain/envelope";
import type { Actor, Deps } from "../deps";
import { command } from "../envelope-stub";
import { validated } from "../validate";
import { senderActor } from "./access";
import { getEnvelope } from "./get-envelope";

export const moveDirectionSchema = z.enum(["up", "down"]);
export type MoveRecipient = { envelopeId: string; recipientId: string; direction: z.input<typeof moveDirectionSchema> };

/** One place earlier or later in a draft's signing order. */
export async function moveRecipient(deps: Deps, actor: Actor, input: MoveRecipient): Promise<EnvelopeState> {
  await getEnvelope(deps, actor, input);
  const direction = validated(moveDirectionSchema, input.direction);
  return command(deps.envelopeObject(input.envelopeId).moveRecipient(input.recipientId, direction, senderActor(actor)));
}
