/**
 * Retention policy, pure: how long an ended envelope is kept, when it is due for
 * deletion, and the ordered steps of deleting one. No bindings, no clock: callers pass "now".
 */
import { DAY_MS } from "./limits";
import type { EnvelopeStatus } from "./envelope";

/** Days after completion a signed PDF stays downloadable, and days after any other end. */
export type RetentionPolicy = { completedDays: number; endedDays: number };

export const DEFAULT_RETENTION: RetentionPolicy = { completedDays: 90, endedDays: 30 };

/** Envelopes deleted per cron run unless the deployment says otherwise: a few hundred D1 and R2 calls. */
export const DEFAULT_PURGE_BATCH = 50;

/** How far back D1's point-in-time restore reaches: a destroyed data key can come back this long. */
export const BACKUP_HISTORY_DAYS = 30;

/** A whole number of days from a deployment variable; anything else falls back to the default. */
function days(value: string | undefined, fallback: number): number {
  if (value === undefined || !/^\s*\d{1,5}\s*$/.test(value)) return fallback;
  const n = Number(value);
  return n >= 1 ? n : fallback;
}

/** The policy from the deployment's variables (RETENTION_DAYS, RETENTION_ENDED_DAYS). */
export function retentionPolicy(vars: { RETENTION_DAYS?: string | undefined; RETENTION_ENDED_DAYS?: string | undefined }): RetentionPolicy {
  return {
    completedDays: days(vars.RETENTION_DAYS, DEFAULT_RETENTION.completedDays),
    endedDays: days(vars.RETENTION_ENDED_DAYS, DEFAULT_RETENTION.endedDays),
  };
}

/** The batch size from RETENTION_BATCH_SIZE, capped so one run stays well inside a cron's limits. */
export function purgeBatchSize(value: string | undefined): number {
  return Math.min(days(value, DEFAULT_PURGE_BATCH), 500);
}

/** The states an envelope can be deleted from: every end, signed or not. */
export const endedStatuses = ["completed", "declined", "cancelled", "expired"] as const satisfies readonly EnvelopeStatus[];
export type EndedStatus = (typeof endedStatuses)[number];

export function isEnded(status: string): status is EndedStatus {
  return (endedStatuses as readonly string[]).includes(status);
}

/** When an envelope that ended at `endedAt` is deleted (ISO), or null if it has not ended. */
export function deletionDate(status: string, endedAt: string | null, policy: RetentionPolicy): string | null {
  if (!isEnded(status) || !endedAt) return null;
  const keep = status === "completed" ? policy.completedDays : policy.endedDays;
  return new Date(Date.parse(endedAt) + keep * DAY_MS).toISOString();
}

export function isDue(status: string, endedAt: string | null, policy: RetentionPolicy, now: Date): boolean {
  const at = deletionDate(status, endedAt, policy);
  return at !== null && Date.parse(at) <= now.getTime();
}

/**
 * The same rule as `isDue`, as two cut-offs a query can use: a completed envelope is due
 * when it ended at or before `completedBefore`, any other ended one at or before `endedBefore`.
 */
export function dueCutoffs(policy: RetentionPolicy, now: Date): { completedBefore: string; endedBefore: string } {
  return {
    completedBefore: new Date(now.getTime() - policy.completedDays * DAY_MS).toISOString(),
    endedBefore: new Date(now.getTime() - policy.endedDays * DAY_MS).toISOString(),
  };
}

/** When deleted data stops being recoverable from backups too (the honest promise). */
export function unreadableFromBackupsAt(deletedAt: string): string {
  return new Date(Date.parse(deletedAt) + BACKUP_HISTORY_DAYS * DAY_MS).toISOString();
}

/**
 * The steps of deleting one envelope, in order. Progress is the number of steps done, so a
 * run killed after any step resumes at the next one. Crypto-shredding comes first: once the
 * data keys are gone, every copy of the bytes (R2, replicas, backups) is unreadable.
 */
export const purgeSteps = ["keys_destroyed", "objects_deleted", "object_purged", "anonymised"] as const;
export type PurgeStep = (typeof purgeSteps)[number];
export const PURGE_DONE = purgeSteps.length;

/** Who asked for the deletion: the retention rules, or the sender ("Delete now"). */
export type PurgeReason = "retention" | "sender";

/**
 * Event data fields that stay in the D1 copy of the events after anonymisation: hashes,
 * ids, counts and times. Everything else (names, addresses, reasons, IPs, devices) goes.
 * An allowlist, so a field added later is removed unless someone decides to keep it.
 */
export const keptEventDataFields = [
  "documentSha256",
  "documentHtmlSha256",
  "signedSha256",
  "signedDocumentId",
  "pages",
  "signers",
  "order",
  "expiresAt",
  "outcome",
  "purgedBy",
] as const;
