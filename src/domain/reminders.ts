/**
 * When automatic reminders and warnings are due. Pure: no clock, no bindings; callers pass
 * the times. The Envelope Durable Object keeps the results in its table of due times (behind
 * its one alarm) and the daily cron is the safety net.
 *
 * - A signer whose turn it is and who has not acted is reminded every `reminderEveryDays`
 *   days after their newest invitation or reminder (manual ones included), at most
 *   MAX_AUTOMATIC_REMINDERS times, and never at or after the expiry. A time that falls in
 *   the night (20:00–09:00 in the envelope's time zone) moves to the next 09:00 there.
 * - Signers who have not signed are warned once, at 09:00 in the envelope's time zone two days
 *   before the expiry (one day for envelopes that are out for less than five days).
 * - The sender is warned seven days before an ended envelope is deleted.
 */
import { DAY_MS } from "./limits";
import { localParts, localTimeToUtc } from "./zoned-time";

/** Automatic reminders per signer; after that only the sender can remind (manually). */
export const MAX_AUTOMATIC_REMINDERS = 5;
/** Local hours in which automatic messages go out: from 09:00 until 20:00. */
export const DAYTIME = { from: 9, until: 20 } as const;
/** Envelopes out for at least this long are warned two days before the expiry; shorter ones one day. */
export const LONG_LIVED_DAYS = 5;
/** The sender is warned this many days before an ended envelope is deleted. */
export const DELETION_WARNING_DAYS = 7;

export type ReminderSchedule = { everyDays: number; timeZone: string; expiresAt: string | null };
export type ReminderProgress = { lastInvitedAt: string | null; automaticReminders: number };

/**
 * When this signer's next automatic reminder is due (ms since the epoch), or null: never
 * when reminders are off, the signer was never invited, the cap is reached, or it would
 * fall at or after the expiry. The caller decides whether the signer is still due at all.
 */
export function reminderDueAt(schedule: ReminderSchedule, progress: ReminderProgress): number | null {
  if (schedule.everyDays <= 0 || !progress.lastInvitedAt) return null;
  if (progress.automaticReminders >= MAX_AUTOMATIC_REMINDERS) return null;
  const at = inDaytime(Date.parse(progress.lastInvitedAt) + schedule.everyDays * DAY_MS, schedule.timeZone);
  if (schedule.expiresAt && at >= Date.parse(schedule.expiresAt)) return null;
  return at;
}

/** Days before the expiry that the warning goes out: 2, or 1 for an envelope out for less than 5 days. */
export function expiryWarningLeadDays(sentAt: string, expiresAt: string): number {
  return Date.parse(expiresAt) - Date.parse(sentAt) < LONG_LIVED_DAYS * DAY_MS ? 1 : 2;
}

/**
 * When the expiry warning is due: 09:00 local on the day `lead` days before the expiry.
 * Null when there is no expiry, or when that moment is not after sending (an envelope
 * out for less than a day gets no warning: its invitation is still fresh).
 */
export function expiryWarningAt(input: { sentAt: string | null; expiresAt: string | null; timeZone: string }): number | null {
  if (!input.sentAt || !input.expiresAt) return null;
  const lead = expiryWarningLeadDays(input.sentAt, input.expiresAt);
  const day = localParts(Date.parse(input.expiresAt) - lead * DAY_MS, input.timeZone);
  const at = localTimeToUtc(day.year, day.month, day.day, DAYTIME.from, input.timeZone);
  return at > Date.parse(input.sentAt) ? at : null;
}

/** When the sender is warned about a deletion on `deletesAt` (ISO). */
export function deletionWarningAt(deletesAt: string): string {
  return new Date(Date.parse(deletesAt) - DELETION_WARNING_DAYS * DAY_MS).toISOString();
}

/** Whole days from `at` until `until`, rounded up (a deletion in 6.5 days is "in 7 days"). */
export function daysUntil(at: string, until: string): number {
  return Math.max(0, Math.ceil((Date.parse(until) - Date.parse(at)) / DAY_MS));
}

/** The same instant if it is daytime in the zone, else the next 09:00 there. */
export function inDaytime(instant: number, timeZone: string): number {
  const local = localParts(instant, timeZone);
  if (local.hour >= DAYTIME.from && local.hour < DAYTIME.until) return instant;
  // Evening: tomorrow morning. Early morning: this morning. Date.UTC rolls day 32 into the next month.
  const day = local.hour >= DAYTIME.until ? local.day + 1 : local.day;
  const next = new Date(Date.UTC(local.year, local.month - 1, day));
  return localTimeToUtc(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), DAYTIME.from, timeZone);
}

