/**
 * The daily cron's queries for reminders and warnings, on the D1 projection. The Envelope
 * object decides what is really due (its alarm normally did it already); these only find
 * the envelopes worth asking, in bounded batches.
 */
import { and, asc, eq, gt, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "./db";
import { deletionWarnings, envelopes, recipients, users } from "./schema";

/**
 * How far back an overdue reminder or warning is still looked for. An alarm that did not fire
 * is caught by the next daily run; a reminder the object refused (the cap) leaves this window
 * after a few days instead of being asked about every day until the expiry.
 */
const LOOK_BACK_DAYS = 3;
/** The expiry warning goes out at most 2 days and a morning before the expiry. */
const WARNING_LOOK_AHEAD_DAYS = 3;

/**
 * Envelopes out for signing with a signer whose automatic reminder is overdue (by the
 * projection's last invitation and cadence), or whose expiry warning may be due.
 */
export async function envelopesWithDueReminders(db: Db, now: string, limit: number): Promise<string[]> {
  const nowDay = sql`julianday(${now})`;
  const overdueReminder = sql`exists (select 1 from ${recipients} r where r.envelope_id = ${envelopes.id}
    and r.role = 'signer' and r.status not in ('signed', 'declined') and r.last_invited_at is not null
    and julianday(r.last_invited_at) + ${envelopes.reminderEveryDays} <= ${nowDay}
    and julianday(r.last_invited_at) + ${envelopes.reminderEveryDays} > ${nowDay} - ${LOOK_BACK_DAYS})`;
  const warningWindow = and(gt(envelopes.expiresAt, now), sql`julianday(${envelopes.expiresAt}) <= ${nowDay} + ${WARNING_LOOK_AHEAD_DAYS}`);
  const rows = await db
    .select({ id: envelopes.id })
    .from(envelopes)
    .where(and(eq(envelopes.status, "sent"), or(and(gt(envelopes.reminderEveryDays, 0), overdueReminder), warningWindow)))
    .orderBy(asc(envelopes.expiresAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

export type DeletionWarningTarget = { envelopeId: string; orgId: string; status: string; endedAt: string };

/**
 * Ended envelopes whose deletion is due within the warning period but has not come yet, and
 * whose sender has not been warned: completed ones ended between `completedBefore` (deleted
 * from then) and `warnCompletedBefore`, the others likewise with their own period.
 */
export async function dueForDeletionWarning(
  db: Db,
  input: { completedBefore: string; warnCompletedBefore: string; endedBefore: string; warnEndedBefore: string; limit: number },
): Promise<DeletionWarningTarget[]> {
  const rows = await db
    .select({ envelopeId: envelopes.id, orgId: envelopes.orgId, status: envelopes.status, endedAt: envelopes.endedAt })
    .from(envelopes)
    .leftJoin(deletionWarnings, eq(deletionWarnings.envelopeId, envelopes.id))
    // A sender who deleted their account gets no more mail about what they sent.
    .innerJoin(users, eq(users.id, envelopes.ownerId))
    .where(
      and(
        isNull(deletionWarnings.envelopeId),
        isNull(users.deletedAt),
        or(
          and(eq(envelopes.status, "completed"), gt(envelopes.endedAt, input.completedBefore), lte(envelopes.endedAt, input.warnCompletedBefore)),
          and(inArray(envelopes.status, ["declined", "cancelled", "expired"]), gt(envelopes.endedAt, input.endedBefore), lte(envelopes.endedAt, input.warnEndedBefore)),
        ),
      ),
    )
    .orderBy(asc(envelopes.endedAt))
    .limit(input.limit);
  return rows.filter((r): r is DeletionWarningTarget => r.endedAt !== null);
}

/** Records that the sender was warned (once: a second record changes nothing). */
export async function recordDeletionWarning(db: Db, input: { envelopeId: string; orgId: string; deletesAt: string; queuedAt: string }): Promise<void> {
  await db.insert(deletionWarnings).values(input).onConflictDoNothing();
}
