import type { EnvelopeState } from "../domain/envelope";
import { DomainError } from "../domain/errors";
import type { CommandResult } from "../envelope/envelope-object";
import type { Env } from "../env";

/** The Envelope Durable Object for an envelope id (one object per envelope). */
export function envelopeStub(env: Pick<Env, "ENVELOPE">, envelopeId: string) {
  return env.ENVELOPE.get(env.ENVELOPE.idFromName(envelopeId));
}

/** Runs a command on the object; a refusal becomes the DomainError it stands for. */
export async function command(call: Promise<CommandResult>): Promise<EnvelopeState> {
  const result = await call;
  if (!result.ok) throw new DomainError(result.code, result.message, result.details);
  return result.state;
}
