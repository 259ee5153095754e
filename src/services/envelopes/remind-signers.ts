import type { EnvelopeState } from "../../domain/envelope";
import type { Actor, Deps } from "../deps";
import { command } from "../envelope-stub";
import { senderActor } from "./access";
import { getEnvelope } from "./get-envelope";

export type RemindSigners = { envelopeId: string };

/** Reminds every signer whose turn it is and who has not signed (each at most once an hour). */
export async function remindSigners(deps: Deps, actor: Actor, input: RemindSigners): Promise<EnvelopeState> {
  await getEnvelope(deps, actor, input);
  return command(deps.envelopeObject(input.envelopeId).remind({ actor: senderActor(actor), context: deps.client }));
}
