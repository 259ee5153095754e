/**
 * For tests that fake the clock: the faked calendar, reading the development outbox and
 * posting forms while the faked clock stands still (waits use real timers).
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { Client } from "./client";
import { eventually, queueSettled } from "./eventually";

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * The year these tests fake in place of 2026 (and the one after, in place of 2027): the first
 * year after the real clock's whose next year has no 29 February, like 2027, so every
 * "90 days later" and every DST change stays as the tests write it. It must lie ahead of the
 * real clock: workerd fires a Durable Object alarm by the real clock, so an alarm set at a
 * faked moment in the real past would fire on its own, whatever the test expects.
 * Read at module load, before any test fakes the clock.
 */
export const FAKED_YEAR = (() => {
  let year = new Date().getUTCFullYear() + 1;
  while (isLeapYear(year + 1)) year++;
  return year;
})();

/** A date, time or sentence written for 2026–2027, moved onto the faked calendar. */
export function faked(text: string): string {
  return text.replace(/\b202([67])\b/g, (_, y: string) => String(FAKED_YEAR + Number(y) - 6));
}

export type Mail = { to: string; subject: string; text: string; link: string | null };

/** Every message to these addresses, oldest first. */
export async function mailTo(addresses: string[]): Promise<Mail[]> {
  const marks = addresses.map(() => "?").join(", ");
  const rows = await env.DB.prepare(`SELECT to_address AS "to", subject, text, link FROM dev_outbox WHERE to_address IN (${marks}) ORDER BY created_at, rowid`)
    .bind(...addresses)
    .all<Mail>();
  return rows.results;
}

/**
 * Waits (on real timers: the faked clock stands still) until `count` messages are there, then until the
 * queue has handled everything sent so far, and expects exactly `count`: no more arrive.
 */
export async function expectMailCount(addresses: string[], count: number): Promise<Mail[]> {
  await eventually(async () => (await mailTo(addresses)).length >= count, { what: `${count} messages to ${addresses.join(", ")}` });
  await queueSettled();
  const mail = await mailTo(addresses);
  expect(mail.map((m) => `${m.to}: ${m.subject}`)).toHaveLength(count);
  return mail;
}

/** Posts a form found on `path` to `action`, as the page's own form would; expects the redirect. */
export async function post(client: Client, path: string, action: string, fields: Record<string, string>): Promise<void> {
  const { csrf } = await client.page(path);
  const res = await client.post(action, fields, csrf);
  expect(res.status, action).toBe(303);
}
