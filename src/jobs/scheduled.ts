/**
 * The daily cron: the expiry safety net, forgetting API idempotency answers older than
 * a day, and finishing any key-encryption-key rotation; the retention sweep (crypto-shredding, R2 deletion,
 * anonymisation) arrives with the notifications issue.
 */
import type { Env } from "../env";
import { envelopeStub } from "../services/envelope-stub";
import { type RewrapCounts, rewrapDataKeys } from "../services/key-rotation";
import { database } from "../storage/db";
import { sweepApiReplies } from "../storage/idempotency";
import { overdueEnvelopeIds } from "../storage/sweeps";

/** Data keys rewrapped per cron run: about 100 D1 round trips, well inside a cron's limits. */
export const REWRAP_PER_RUN = 5_000;

export async function handleScheduled(controller: ScheduledController, env: Env): Promise<{ expired: number; keys: RewrapCounts }> {
  const db = database(env.DB);
  const now = new Date(controller.scheduledTime).toISOString();
  // Expires any envelope whose alarm did not fire; the object decides, so running twice is harmless.
  const ids = await overdueEnvelopeIds(db, now, 200);
  let expired = 0;
  for (const id of ids) {
    const result = await envelopeStub(env, id).expireIfDue();
    if (result.ok && result.state.status === "expired") expired++;
  }
  await sweepApiReplies(db, controller.scheduledTime);
  const keys = await rewrapDataKeys(env, db, { limit: REWRAP_PER_RUN });
  // The operator's signal for rotation (`wrangler tail`): an old KEK may leave KEK_KEYS once remaining is 0.
  console.log(JSON.stringify({ msg: "kek rotation", ...keys }));
  return { expired, keys };
}
