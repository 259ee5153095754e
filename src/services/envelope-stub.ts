import { errorFromRpc } from "../domain/errors";
import type { Env } from "../env";

/** The Envelope Durable Object for an envelope id (one object per envelope). */
export function envelopeStub(env: Pick<Env, "ENVELOPE">, envelopeId: string) {
  return env.ENVELOPE.get(env.ENVELOPE.idFromName(envelopeId));
}

/** Calls the object and restores typed domain errors that crossed RPC as plain errors. */
export async function callEnvelope<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw errorFromRpc(error);
  }
}
