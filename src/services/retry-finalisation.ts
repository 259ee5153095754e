/**
 * Retries failed finalisations once their cause is fixed: an operator's request (recorded by
 * src/cli/retry-finalisation.mjs) whenever it comes, and the daily cron's automatic retries,
 * bounded in number and spaced by backoff (src/domain/envelope.ts, nextFinalisationRetryAt).
 * The Envelope object decides each one, so a repeated request or run queues nothing twice.
 */
import type { EnvelopeState } from "../domain/envelope";
import type { Env } from "../env";
import type { Db } from "../storage/db";
import { deleteFinalisationRetryRequest, finalisationsDueForRetry, pendingFinalisationRetryRequests } from "../storage/finalisation-retries";
import { command, envelopeStub } from "./envelope-stub";

/** Envelopes handled per cron run, for each of the two kinds of retry. */
export const FINALISATION_RETRIES_PER_RUN = 50;

export type FinalisationRetryCounts = { requested: number; automatic: number; failed: number };

/** Queues the finalisation job again for one failed envelope; answers the envelope's state. */
export async function retryFinalisation(env: Env, envelopeId: string, by: "operator" | "cron"): Promise<EnvelopeState> {
  const stub = envelopeStub(env, envelopeId);
  const before = await stub.getState();
  const state = await command(stub.retryFinalisation(by));
  if (before && state.version !== before.version) {
    console.log(JSON.stringify({ msg: "envelope finalisation retried", envelopeId, orgId: state.orgId, by, automaticRetries: state.finalisationFailure?.automaticRetries ?? 0 }));
  }
  return state;
}

/** The cron's part: operators' requests first, then automatic retries that are due. */
export async function retryFailedFinalisations(env: Env, db: Db, now: string): Promise<FinalisationRetryCounts> {
  const counts: FinalisationRetryCounts = { requested: 0, automatic: 0, failed: 0 };
  for (const request of await pendingFinalisationRetryRequests(db, FINALISATION_RETRIES_PER_RUN)) {
    try {
      await retryFinalisation(env, request.envelopeId, "operator");
      counts.requested++;
      await deleteFinalisationRetryRequest(db, request.envelopeId, request.requestedAt);
    } catch (error) {
      counts.failed++;
      console.error(JSON.stringify({ msg: "finalisation retry request failed; the next run tries again", envelopeId: request.envelopeId, error: String(error) }));
    }
  }
  for (const id of await finalisationsDueForRetry(db, now, FINALISATION_RETRIES_PER_RUN)) {
    try {
      const before = (await envelopeStub(env, id).getState())?.version;
      const state = await retryFinalisation(env, id, "cron");
      if (state.version !== before) counts.automatic++;
    } catch (error) {
      counts.failed++;
      console.error(JSON.stringify({ msg: "automatic finalisation retry failed; the next run tries again", envelopeId: id, error: String(error) }));
    }
  }
  return counts;
}
