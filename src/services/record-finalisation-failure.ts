/**
 * The finalisation job gave up (its message was dead-lettered): the Envelope object records
 * `finalisation_failed` once, which tells the sender and queues the webhook through its outbox,
 * and operators get one log line. The line carries ids and a reason category only: no names,
 * addresses, document contents or error text.
 */
import { nextFinalisationRetryAt } from "../domain/envelope";
import type { Env } from "../env";
import { command, envelopeStub } from "./envelope-stub";

export async function recordFinalisationFailure(env: Pick<Env, "ENVELOPE">, input: { envelopeId: string; queueMessageId: string }): Promise<void> {
  const stub = envelopeStub(env, input.envelopeId);
  const before = await stub.getState();
  if (!before || before.finalisation !== "pending") return; // completed meanwhile, or already recorded
  const state = await command(stub.recordFinalisationFailed(input.queueMessageId));
  if (state.finalisation !== "failed" || state.version === before.version) return;
  const failure = state.finalisationFailure!;
  console.error(
    JSON.stringify({
      msg: "envelope finalisation failed",
      envelopeId: state.id,
      orgId: state.orgId,
      reason: failure.reason,
      failures: failure.failures,
      automaticRetries: failure.automaticRetries,
      nextRetryAt: nextFinalisationRetryAt(state),
      queueMessageId: input.queueMessageId,
    }),
  );
}
