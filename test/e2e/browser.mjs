// Shared helpers for the browser tests: Debian's Chromium through playwright-core.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import path from "node:path";

export const BASE_URL = process.env.BASE_URL ?? "http://localhost:8787";
export const SCREENSHOTS = path.resolve(import.meta.dirname, "../../test-results/screenshots");
mkdirSync(SCREENSHOTS, { recursive: true });

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"],
  });
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Polls the development outbox for a message to `to` whose subject contains `subjectPart`. */
export async function waitForMail(to, subjectPart, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const res = await fetch(`${BASE_URL}/dev/outbox.json`);
    const { messages } = await res.json();
    const found = messages.find((m) => m.to === to && m.subject.includes(subjectPart));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`no email to ${to} about "${subjectPart}"`);
}

let n = 0;
export function uniqueEmail(prefix) {
  n += 1;
  return `${prefix}-${Date.now().toString(36)}-${n}@example.com`;
}
