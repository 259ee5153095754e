/**
 * Retention: deleting ended envelopes when their time is up (the daily sweep), or at once
 * when their sender asks. One path for both, in resumable steps recorded per envelope
 * (envelope_purges.step), so a run killed after any step is finished by the next one:
 *   1. destroy the wrapped data keys (crypto-shredding: every copy of the bytes, backups
 *      included, is unreadable once D1's 30-day history has rolled past);
 *   2. delete the R2 objects (the original, the signed PDF, an agreement's source);
 *   3. purge the Envelope Durable Object (it records `envelope_purged`, mirrors it to D1,
 *      then deletes its storage and alarm);
 *   4. anonymise the D1 rows, keeping minimal evidence (ids, hashes, times, outcome).
 * Each step is idempotent on its own, so repeating a step after a crash is harmless.
 */
import type { Actor } from "../domain/envelope";
import { DomainError } from "../domain/errors";
import {
  deletionDate,
  dueCutoffs,
  isEnded,
  PURGE_DONE,
  purgeSteps,
  type PurgeReason,
  type PurgeStep,
  type RetentionPolicy,
} from "../domain/retention";
import type { CommandResult } from "../envelope/envelope-object";
import type { Env } from "../env";
import type { Db } from "../storage/db";
import { deleteBlobs, listBlobs, objectKey } from "../storage/documents";
import {
  anonymiseEnvelope,
  destroyDataKeys,
  documentObjectKeys,
  dueForPurge,
  existingDocuments,
  findPurge,
  purgeTarget,
  type PurgeTarget,
  readCursor,
  setPurgeStep,
  startPurge,
  unfinishedPurges,
  writeCursor,
} from "../storage/sweeps";
import { DELETION_WARNING_DAYS } from "../domain/reminders";
import { DAY_MS } from "../domain/limits";
import { dueForDeletionWarning, recordDeletionWarning } from "../storage/reminders";
import type { SessionUser } from "./accounts";
import { sourceObjectKey } from "./agreements";
import { envelopeStub } from "./envelope-stub";
import { getEnvelope } from "./envelopes/get-envelope";
import { audit, deletionStarted } from "./audit";

/** Test seam: called after each step is recorded (a test throws here to simulate a crash). */
export type PurgeHooks = { afterStep?: (step: PurgeStep, envelopeId: string) => void | Promise<void> };

/**
 * One structured line per deletion step, for operators following a sweep in the logs
 * (`wrangler tail`); the organisation's audit log gets one `envelope.deleted` entry when
 * the deletion starts.
 */
function auditDeletion(entry: { envelopeId: string; orgId: string; step: PurgeStep | "started"; reason: PurgeReason; actor: Actor; at: string; outcome?: string }): void {
  const actor = entry.actor.kind === "sender" ? { kind: "sender", userId: entry.actor.userId } : { kind: entry.actor.kind };
  console.log(JSON.stringify({ msg: "audit", action: "envelope.deletion", ...entry, actor }));
}

const documentIdsOf = (target: PurgeTarget): string[] => [target.documentId, ...(target.signedDocumentId ? [target.signedDocumentId] : [])];

/**
 * Runs (or resumes) the deletion of one envelope to the end. Safe to call again at any
 * point: steps already recorded are skipped, and each step tolerates being repeated.
 */
export async function purgeEnvelope(
  env: Env,
  db: Db,
  input: { target: PurgeTarget; reason: PurgeReason; actor: Actor; now?: Date },
  hooks: PurgeHooks = {},
): Promise<void> {
  const { target, reason, actor } = input;
  const at = (input.now ?? new Date()).toISOString();
  const { envelopeId, orgId } = target;
  const progress = await startPurge(db, { target, reason, at });
  if (progress.step === 0) auditDeletion({ envelopeId, orgId, step: "started", reason: progress.reason, actor, at, outcome: progress.outcome });
  if (progress.step === 0) await audit(db, deletionStarted({ orgId, envelopeId, senderId: actor.kind === "sender" ? actor.userId : null, reason: progress.reason }));
  const documentIds = documentIdsOf(target);
  const done = async (index: number) => {
    const step = purgeSteps[index]!;
    auditDeletion({ envelopeId, orgId, step, reason: progress.reason, actor, at });
    await hooks.afterStep?.(step, envelopeId);
  };

  if (progress.step < 1) {
    await destroyDataKeys(db, { orgId, envelopeId, documentIds, step: 1 });
    await done(0);
  }
  if (progress.step < 2) {
    const keys = new Set([...(await documentObjectKeys(db, orgId, documentIds)), ...documentIds.map((id) => objectKey(orgId, id)), sourceObjectKey(orgId, target.documentId)]);
    await deleteBlobs(env.DOCUMENTS, [...keys]);
    await setPurgeStep(db, envelopeId, 2);
    await done(1);
  }
  if (progress.step < 3) {
    const result = (await envelopeStub(env, envelopeId).purge({ actor, reason: progress.reason })) as CommandResult;
    // "not found": an earlier run already emptied the object.
    if (!result.ok && result.code !== "not_found") throw new DomainError(result.code, `Purging the envelope object failed: ${result.message}`, result.details);
    await setPurgeStep(db, envelopeId, 3);
    await done(2);
  }
  if (progress.step < 4) {
    await anonymiseEnvelope(db, { orgId, envelopeId, documentIds, step: PURGE_DONE, finishedAt: new Date().toISOString() });
    await done(3);
  }
}

export type SweepResult = { purged: number; resumed: number; failed: number };

/**
 * The daily sweep: first finishes deletions a killed run left part-way, then starts the
 * ones due, `limit` envelopes in all. One envelope failing does not stop the others; it
 * is retried the next day.
 */
export async function sweepRetention(
  env: Env,
  db: Db,
  input: { now: Date; policy: RetentionPolicy; limit: number },
  hooks: PurgeHooks = {},
): Promise<SweepResult> {
  const unfinished = await unfinishedPurges(db, input.limit);
  const due = await dueForPurge(db, { ...dueCutoffs(input.policy, input.now), limit: input.limit - unfinished.length });
  const resuming = new Set(unfinished.map((t) => t.envelopeId));
  const targets = [...unfinished, ...due.filter((t) => !resuming.has(t.envelopeId))];
  const result: SweepResult = { purged: 0, resumed: 0, failed: 0 };
  for (const target of targets) {
    try {
      await purgeEnvelope(env, db, { target, reason: "retention", actor: { kind: "system" }, now: input.now }, hooks);
      if (resuming.has(target.envelopeId)) result.resumed++;
      else result.purged++;
    } catch (error) {
      result.failed++;
      console.error(JSON.stringify({ msg: "retention purge failed; the next run resumes it", envelopeId: target.envelopeId, error: String(error) }));
    }
  }
  return result;
}

/**
 * The daily warning to senders: every ended envelope that is deleted within the next
 * DELETION_WARNING_DAYS days, and was not warned about yet, gets one `deletion_warning`. The
 * Envelope object queues it (and refuses a second); the D1 record lets later runs skip it.
 * An envelope already past its date is not warned: the sweep deletes it.
 */
export async function warnBeforeDeletions(env: Env, db: Db, input: { now: Date; policy: RetentionPolicy; limit: number }): Promise<number> {
  const now = dueCutoffs(input.policy, input.now);
  const soon = dueCutoffs(input.policy, new Date(input.now.getTime() + DELETION_WARNING_DAYS * DAY_MS));
  const targets = await dueForDeletionWarning(db, {
    completedBefore: now.completedBefore,
    warnCompletedBefore: soon.completedBefore,
    endedBefore: now.endedBefore,
    warnEndedBefore: soon.endedBefore,
    limit: input.limit,
  });
  let warned = 0;
  for (const target of targets) {
    const deletesAt = deletionDate(target.status, target.endedAt, input.policy)!;
    try {
      const result = (await envelopeStub(env, target.envelopeId).warnDeletion(deletesAt)) as CommandResult;
      if (!result.ok) throw new DomainError(result.code, result.message, result.details);
      await recordDeletionWarning(db, { envelopeId: target.envelopeId, orgId: target.orgId, deletesAt, queuedAt: input.now.toISOString() });
      warned++;
    } catch (error) {
      console.error(JSON.stringify({ msg: "deletion warning failed; the next run retries it", envelopeId: target.envelopeId, error: String(error) }));
    }
  }
  return warned;
}

/**
 * The sender's "Delete now": the same deletion, at once, for an envelope of theirs that
 * has ended. Someone else's envelope is "not found"; one still in progress is refused.
 */
export async function deleteEnvelopeNow(env: Env, db: Db, user: SessionUser, envelopeId: string): Promise<void> {
  const actor: Actor = { kind: "sender", userId: user.id };
  const started = await findPurge(db, user.orgId, envelopeId);
  if (!started) {
    const state = await getEnvelope({ db, envelopeObject: (id) => envelopeStub(env, id) }, user, { envelopeId });
    if (!isEnded(state.status)) {
      throw new DomainError("invalid_transition", `An envelope that is ${state.status} cannot be deleted yet`, { reason: "not_ended" });
    }
  }
  const target = await purgeTarget(db, user.orgId, envelopeId);
  if (!target) throw new DomainError("not_found", "No such envelope");
  await purgeEnvelope(env, db, { target, reason: "sender", actor });
}

/** What a purged envelope's page can still say: when it was deleted, why, and how it had ended. */
export async function purgeRecord(db: Db, orgId: string, envelopeId: string) {
  return findPurge(db, orgId, envelopeId);
}

export type OrphanReport = { listed: number; orphans: number; sample: string[]; complete: boolean };

/** Objects younger than this may be an upload whose row is still being written. */
const ORPHAN_MIN_AGE_MS = 3600_000;

/**
 * Lists one bounded page of R2 objects under documents/ (continuing where the last run
 * stopped) and reports those with no document row. It only reports: an object without a
 * row is unreadable anyway (its data key lived in the row), and an operator should see why
 * it exists before anything deletes it.
 */
export async function reconcileObjects(env: Env, db: Db, input: { now: Date; limit: number }): Promise<OrphanReport> {
  const startAfter = (await readCursor(db, "r2_reconcile")) ?? undefined;
  const listed = await listBlobs(env.DOCUMENTS, { prefix: "documents/", limit: input.limit, startAfter });
  const parsed = listed.objects.map((o) => ({ key: o.key, uploaded: o.uploaded, ...parseDocumentKey(o.key) }));
  const present = await existingDocuments(
    db,
    parsed.filter((p) => p.documentId).map((p) => ({ orgId: p.orgId!, documentId: p.documentId! })),
  );
  const orphans = parsed.filter(
    (p) => (!p.documentId || !present.has(`${p.orgId}/${p.documentId}`)) && input.now.getTime() - p.uploaded.getTime() >= ORPHAN_MIN_AGE_MS,
  );
  // At the end of the bucket the next run starts from the beginning again.
  await writeCursor(db, "r2_reconcile", listed.truncated ? (listed.objects.at(-1)?.key ?? null) : null);
  return { listed: listed.objects.length, orphans: orphans.length, sample: orphans.slice(0, 20).map((o) => o.key), complete: !listed.truncated };
}

/** documents/{org}/{doc}.v1 or documents/{org}/{doc}.source.v1 (see objectKey and sourceObjectKey). */
function parseDocumentKey(key: string): { orgId?: string; documentId?: string } {
  const match = /^documents\/([^/]+)\/([^/.]+)\.(?:source\.)?v\d+$/.exec(key);
  return match ? { orgId: match[1]!, documentId: match[2]! } : {};
}
