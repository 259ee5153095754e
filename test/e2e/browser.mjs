// Shared helpers for the browser tests: Debian's Chromium through playwright-core.
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
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

/** Signs up a sender (English pages) and confirms their address from the outbox, so they can send. */
export async function signUpSender(page, name = "Sara Sender") {
  const email = uniqueEmail("sender");
  await page.goto(`${BASE_URL}/signup?lang=en`);
  await page.getByLabel("Full name").fill(name);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Envelopes" }).waitFor();
  const mail = await waitForMail(email, "Confirm your email address");
  await page.goto(`${BASE_URL}${new URL(mail.link).pathname}`);
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.getByText("Your email address is confirmed").first().waitFor();
  return email;
}

/**
 * Uploads `file` as a new envelope, adds the signers ({ name, email, method? } where method
 * is the radio's English label, e.g. "Code by email") and sends it; returns the envelope's URL.
 */
export async function sendEnvelope(page, title, signers, file) {
  await page.goto(`${BASE_URL}/envelopes/new?lang=en`);
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("PDF document").setInputFiles(file);
  await page.getByRole("button", { name: "Upload and continue" }).click();
  await page.getByRole("heading", { name: title }).waitFor();
  for (const s of signers) {
    await page.getByLabel("Full name").fill(s.name);
    await page.getByLabel("Email address").fill(s.email);
    if (s.method) await page.getByLabel(s.method, { exact: true }).check();
    await page.getByRole("button", { name: "Add signer" }).click();
    await page.getByRole("cell", { name: s.name, exact: true }).waitFor();
  }
  const url = page.url().split("?")[0];
  await page.getByRole("button", { name: "Send to signers" }).click();
  await page.getByText("Sent. The signers have been invited.").waitFor();
  return url;
}

/** Opens a signer's invitation in a fresh browser context; the page ends on the clean /sign/… URL. */
export async function openInvitation(browser, email, contextOptions = {}, subjectPart = "asks you to sign") {
  const invite = await waitForMail(email, subjectPart);
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  await page.goto(invite.link);
  return page;
}

/**
 * Presses a button or link with the keyboard. On pages with the PDF frame, headless Chromium
 * can drop a mouse click while the frame lays out; a key press always lands.
 */
export async function press(locator) {
  await locator.press("Enter");
}

/** Ticks a checkbox with the keyboard (Space), for the same reason. */
export async function tick(locator) {
  await locator.press("Space");
  if (!(await locator.isChecked())) throw new Error("the checkbox did not tick");
}

const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
let axeSource;

/**
 * axe-core (WCAG 2.x A/AA, 2.2 AA) on the page as it is now; one readable line per
 * violation. axe is evaluated through the DevTools protocol, so the strict nonce CSP
 * stays exactly as it is. Frames are not entered (the PDF frame is the browser's viewer).
 */
export async function axeViolations(page, state) {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(axeSource);
  const result = await page.evaluate((values) => window.axe.run(document, { runOnly: { type: "tag", values }, iframes: false }), WCAG_TAGS);
  return result.violations.map((v) => `${state} — ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => `${n.target.join(" ")} :: ${n.failureSummary?.split("\n")[1]?.trim() ?? ""}`).join("\n    ")}`);
}
