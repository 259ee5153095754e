/**
 * For tests that fake the clock: reading the development outbox and posting forms while
 * the faked clock stands still (waits use real timers).
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { Client } from "./client";

export type Mail = { to: string; subject: string; text: string; link: string | null };

/** Every message to these addresses, oldest first. */
export async function mailTo(addresses: string[]): Promise<Mail[]> {
  const marks = addresses.map(() => "?").join(", ");
  const rows = await env.DB.prepare(`SELECT to_address AS "to", subject, text, link FROM dev_outbox WHERE to_address IN (${marks}) ORDER BY created_at, rowid`)
    .bind(...addresses)
    .all<Mail>();
  return rows.results;
}

/** Waits (on real timers: the faked clock stands still) until exactly `count` messages are there, and no more arrive. */
export async function expectMailCount(addresses: string[], count: number): Promise<Mail[]> {
  for (let i = 0; i < 150 && (await mailTo(addresses)).length < count; i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 400));
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
