import type { EnvelopeState } from "../../domain/envelope";
import { emailSchema } from "../../domain/envelope-input";
import { DomainError } from "../../domain/errors";
import type { Actor, Deps } from "../deps";
import { command } from "../envelope-stub";
import { senderActor } from "./access";
import { getEnvelope } from "./get-envelope";

export type CorrectRecipientEmail = { envelopeId: string; recipientId: string; email: string };

/**
 * Corrects the address of a recipient who has not opened the envelope yet: their earlier
 * links stop working and, if it is their turn, a fresh invitation goes to the new address.
 */
export async function correctRecipientEmail(deps: Deps, actor: Actor, input: CorrectRecipientEmail): Promise<EnvelopeState> {
  await getEnvelope(deps, actor, input);
  const parsed = emailSchema.safeParse(input.email);
  if (!parsed.success) throw new DomainError("validation_failed", "Enter an email address in the correct format", { field: "email", reason: "invalid_email" });
  return command(deps.envelopeObject(input.envelopeId).correctEmail({ recipientId: input.recipientId, email: parsed.data, actor: senderActor(actor), context: deps.client }));
}
