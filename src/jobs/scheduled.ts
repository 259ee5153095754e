/**
 * The daily cron. The foundation runs the expiry safety net; the retention sweep
 * (crypto-shredding, R2 deletion, anonymisation) arrives with the notifications issue.
 */
import type { Env } from "../env";
import { envelopeStub } from "../services/envelope-stub";
import { database } from "../storage/db";
import { overdueEnvelopeIds } from "../storage/sweeps";

/** Expires any envelope whose alarm did not fire; the object decides, so running twice is harmless. */
export async function handleScheduled(controller: ScheduledController, env: Env): Promise<{ expired: number }> {
  const now = new Date(controller.scheduledTime).toISOString();
  const ids = await overdueEnvelopeIds(database(env.DB), now, 200);
  let expired = 0;
  for (const id of ids) {
    const result = await envelopeStub(env, id).expireIfDue();
    if (result.ok && result.state.status === "expired") expired++;
  }
  return { expired };
}
