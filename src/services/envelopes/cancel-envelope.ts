import type { z } from "zod";
import { cancelInputSchema, type EnvelopeState } from "../../domain/envelope";
import type { Actor, Deps } from "../deps";
import { command } from "../envelope-stub";
import { validated } from "../validate";
import { senderActor } from "./access";
import { getEnvelope } from "./get-envelope";

export type CancelEnvelope = z.input<typeof cancelInputSchema> & { envelopeId: string };

/** Cancels a draft or an envelope out for signing; the reason is required and kept in the evidence. */
export async function cancelEnvelope(deps: Deps, actor: Actor, input: CancelEnvelope): Promise<EnvelopeState> {
  await getEnvelope(deps, actor, input);
  const { reason } = validated(cancelInputSchema, { reason: input.reason });
  const cancelled = await command(deps.envelopeObject(input.envelopeId).cancel({ actor: senderActor(actor), reason, context: deps.client }));
  await deps.audit.record(actor, "envelope.cancelled", { type: "envelope", id: input.envelopeId });
  return cancelled;
}
