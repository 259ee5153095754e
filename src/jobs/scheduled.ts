/**
 * The daily cron: the expiry, reminder and expiry-warning safety nets, retries of failed
 * finalisations (operators' requests, and automatic ones with backoff), the senders' warnings
 * seven days before deletion, forgetting API idempotency answers older than
 * a day and login challenges long expired, finishing any key-encryption-key rotation
 * (document, 2FA and webhook-secret data keys), and retention: deleting ended envelopes
 * whose time is up (src/services/retention.ts) and reporting R2 objects without a row.
 */
import { purgeBatchSize, retentionPolicy } from "../domain/retention";
import type { Env } from "../env";
import { envelopeStub } from "../services/envelope-stub";
import { type RewrapCounts, rewrapDataKeys } from "../services/key-rotation";
import { type OrphanReport, reconcileObjects, type SweepResult, sweepRetention, warnBeforeDeletions } from "../services/retention";
import { envelopesWithDueReminders } from "../storage/reminders";
import { database } from "../storage/db";
import { sweepApiReplies } from "../storage/idempotency";
import { rewrapTwoFactorKeys, twoFactorDeps } from "../services/two-factor";
import { rewrapWebhookKeys } from "../services/webhooks/endpoints";
import { keyring } from "../services/keyring";
import { countStaleWebhookKeys } from "../storage/webhooks";
import { countStaleTwoFactorKeys, sweepLoginChallenges } from "../storage/two-factor";
import { overdueEnvelopeIds } from "../storage/sweeps";
import { type FinalisationRetryCounts, retryFailedFinalisations } from "../services/retry-finalisation";

/** Data keys rewrapped per cron run: about 100 D1 round trips, well inside a cron's limits. */
export const REWRAP_PER_RUN = 5_000;

/** R2 objects checked for a row per run; the next run continues after the last one. */
export const RECONCILE_PER_RUN = 1_000;

export type ScheduledResult = {
  expired: number;
  /** Envelopes whose overdue reminders or expiry warning the cron asked for (each object sends only what is due). */
  remindersChecked: number;
  deletionWarnings: number;
  /** Failed finalisations queued again: on an operator's request, and automatically when due. */
  finalisations: FinalisationRetryCounts;
  keys: RewrapCounts;
  retention: SweepResult;
  orphans: OrphanReport;
};

export async function handleScheduled(controller: ScheduledController, env: Env): Promise<ScheduledResult> {
  const db = database(env.DB);
  const at = new Date(controller.scheduledTime);
  const now = at.toISOString();
  // Expires any envelope whose alarm did not fire; the object decides, so running twice is harmless.
  const ids = await overdueEnvelopeIds(db, now, 200);
  let expired = 0;
  for (const id of ids) {
    const result = await envelopeStub(env, id).expireIfDue();
    if (result.ok && result.state.status === "expired") expired++;
  }
  // Reminders and expiry warnings whose alarm did not fire; the object does only what is due, once.
  const remindIds = await envelopesWithDueReminders(db, now, 200);
  for (const id of remindIds) {
    try {
      await envelopeStub(env, id).runDue();
    } catch (error) {
      console.error(JSON.stringify({ msg: "reminder safety net failed for an envelope; tomorrow's run retries", envelopeId: id, error: String(error) }));
    }
  }
  // Failed finalisations: operators' requests, then automatic retries with backoff (bounded in number).
  const finalisations = await retryFailedFinalisations(env, db, now);
  if (finalisations.requested + finalisations.automatic + finalisations.failed > 0) console.log(JSON.stringify({ msg: "finalisation retries", ...finalisations }));
  await sweepApiReplies(db, controller.scheduledTime);
  await sweepLoginChallenges(db, at);
  const keys = await rewrapDataKeys(env, db, { limit: REWRAP_PER_RUN });
  // 2FA secrets are wrapped by the same KEKs as documents: rotation covers both.
  const twoFactor = await rewrapTwoFactorKeys(twoFactorDeps(env), { limit: REWRAP_PER_RUN });
  const twoFactorRemaining = await countStaleTwoFactorKeys(db, keys.currentKekId);
  // Webhook signing secrets too: they are encrypted, not hashed, because Pactly signs with them.
  const webhooks = await rewrapWebhookKeys({ db, keyring: () => keyring(env) }, { limit: REWRAP_PER_RUN });
  const webhooksRemaining = await countStaleWebhookKeys(db, keys.currentKekId);
  // The operator's signal for rotation (`wrangler tail`): an old KEK may leave KEK_KEYS once every remaining count is 0.
  console.log(
    JSON.stringify({ msg: "kek rotation", ...keys, twoFactor: { ...twoFactor, remaining: twoFactorRemaining }, webhooks: { ...webhooks, remaining: webhooksRemaining } }),
  );
  // Warnings first, so an envelope is never both warned and deleted in one run (the warning skips what is due).
  const deletionWarnings = await warnBeforeDeletions(env, db, { now: at, policy: retentionPolicy(env), limit: purgeBatchSize(env.RETENTION_BATCH_SIZE) });
  const retention = await sweepRetention(env, db, { now: at, policy: retentionPolicy(env), limit: purgeBatchSize(env.RETENTION_BATCH_SIZE) });
  const orphans = await reconcileObjects(env, db, { now: at, limit: RECONCILE_PER_RUN });
  // One line per run for the operator: what was deleted, what failed (retried tomorrow), and R2 objects with no row.
  console.log(JSON.stringify({ msg: "retention sweep", ...retention, orphanObjects: orphans.orphans, orphanSample: orphans.sample, objectsListed: orphans.listed }));
  return { expired, remindersChecked: remindIds.length, finalisations, deletionWarnings, keys, retention, orphans };
}
