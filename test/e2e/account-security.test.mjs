// Account security in a real browser, as a sender uses it: two-factor authentication
// (enrolment from the QR page's setup key, the code step at login, a wrong code, a
// replayed code), recovery codes (each works once), sessions on two devices (revoke one,
// revoke all others, and logout ending the session on the server), API keys (shown
// once, scopes enforced, "last used", revoked → 401) and turning 2FA off again.
//
// The authenticator app is played by the test itself: RFC 6238 (SHA-1, 6 digits, 30 s)
// with node:crypto below, deliberately not importing src/domain/totp.ts, so a bug there
// cannot cancel itself out. Tests 1, 2 and 5 follow one account in order.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { BASE_URL, axeViolations, launch, shot, signUpSender } from "./browser.mjs";

const PASSWORD = "correct horse battery staple"; // what signUpSender chooses
const SESSION_COOKIE = "__Host-pactly-session";
// Fixed user agents, so the sessions list has something definite to say about each device.
const LINUX_CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const IPHONE_SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

// ---------------------------------------------------------------------------
// the authenticator app (RFC 4648 base32, RFC 4226 HOTP, RFC 6238 TOTP)

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const STEP_MS = 30_000;

function base32Decode(text) {
  const clean = text.replace(/[\s=]/g, "").toUpperCase();
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const index = BASE32.indexOf(ch);
    assert.ok(index >= 0, `the setup key holds a character that is not base32: ${ch}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

function hotp(key, counter) {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}
// RFC 6238 appendix B (SHA-1, T = 59 s → 94287082): the stand-in app is itself right.
assert.equal(hotp(Buffer.from("12345678901234567890"), 1), "287082");

/**
 * A code the server accepts now and still in `marginMs`, for a step after `after` (a step
 * is accepted once only). The server accepts the steps next to its own (TOTP_WINDOW = 1,
 * for phones whose clock is a little off), so when the current step is used or about to
 * end, this is the next step's code, as an app running up to 30 s fast would show; no
 * waiting for the clock. Only when the next step is used as well does it wait for the
 * step to change (it ends exactly when the next step begins).
 */
async function appCode(secret, { after = -1, marginMs = 5_000 } = {}) {
  const key = base32Decode(secret);
  for (;;) {
    const now = Date.now();
    const step = Math.floor(now / STEP_MS);
    const left = (step + 1) * STEP_MS - now;
    const next = Math.max(after + 1, left >= marginMs ? step : step + 1);
    if (next <= step + 1) return { code: hotp(key, next), step: next };
    await new Promise((r) => setTimeout(r, left + 50));
  }
}

/** A 6-digit code that is none of the codes the server accepts around now (±2 steps). */
function wrongCode(secret) {
  const key = base32Decode(secret);
  const step = Math.floor(Date.now() / STEP_MS);
  const near = new Set([-2, -1, 0, 1, 2].map((d) => hotp(key, step + d)));
  for (let n = 123456; ; n = (n + 111_111) % 1_000_000) {
    const code = String(n).padStart(6, "0");
    if (!near.has(code)) return code;
  }
}

// ---------------------------------------------------------------------------
// pages, as a person finds them

async function logIn(page, email) {
  await page.goto(`${BASE_URL}/login?lang=en`);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
}

/** Logs in up to the 2FA step: the page asks for a code, and nobody is signed in yet. */
async function logInToCodeStep(page, email) {
  await logIn(page, email);
  await page.getByRole("heading", { name: "Enter your code", level: 1 }).waitFor();
  assert.equal(await signedIn(page.context()), false, "the password alone does not sign in when 2FA is on");
}

async function enterCode(page, label, code) {
  await page.getByLabel(label).fill(code);
  await page.getByRole("button", { name: "Continue" }).click();
}

async function landedOnEnvelopes(page) {
  await page.getByRole("heading", { name: "Envelopes", level: 1 }).waitFor();
  assert.equal(await signedIn(page.context()), true);
}

/** The error summary's message, after it appears (the GOV.UK pattern: a heading and the list). */
async function errorSummary(page) {
  const summary = page.locator(".error-summary");
  await summary.getByRole("heading", { name: "There is a problem" }).waitFor();
  return (await summary.getByRole("listitem").allInnerTexts()).join("\n");
}

/** The "Log out" in the header; the sessions table's buttons say more, so the name is exact. */
async function logOut(page) {
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await page.getByText("You are logged out.").waitFor();
}

/** Whether this browser's cookies open a signed-in page (the account page), asked of the server. */
async function signedIn(context) {
  const res = await context.request.get(`${BASE_URL}/account`, { maxRedirects: 0 });
  return res.status() === 200;
}

/** The same question with nothing but a session cookie's value, as a thief holding a copied cookie would ask. */
async function cookieSignsIn(token) {
  const res = await fetch(`${BASE_URL}/account`, { headers: { Cookie: `${SESSION_COOKIE}=${token}` }, redirect: "manual" });
  return res.status === 200;
}

async function sessionToken(context) {
  const cookie = (await context.cookies(BASE_URL)).find((c) => c.name === SESSION_COOKIE);
  assert.ok(cookie, "the browser holds a session cookie");
  return cookie.value;
}

async function audit(page, state) {
  const found = await axeViolations(page, state);
  assert.deepEqual(found, [], `axe found WCAG violations:\n${found.join("\n")}`);
}

/** One row of the sessions table, found by the device name it shows. */
function sessionRow(page, device) {
  return page.getByRole("region", { name: "Where you are logged in" }).getByRole("row").filter({ hasText: device });
}

/** The text in a table row under the column headed `column`. */
async function cellUnder(table, row, column) {
  const headers = await table.getByRole("columnheader").allInnerTexts();
  const index = headers.findIndex((h) => h.trim() === column);
  assert.ok(index >= 0, `a column headed ${column}`);
  return (await row.getByRole("cell").or(row.getByRole("rowheader")).nth(index).innerText()).trim();
}

// ---------------------------------------------------------------------------
// one account with 2FA, followed through tests 1, 2 and 5

const twoFactorUser = { email: "", secret: "", recoveryCodes: [], lastStep: -1 };
let twoFactorPage;

test("TOTP enrolment: QR code and setup key, confirm with an app code, ten recovery codes once; login needs the code, refuses a wrong and a replayed one", async () => {
  twoFactorPage = await (await browser.newContext()).newPage();
  const page = twoFactorPage;
  twoFactorUser.email = await signUpSender(page, "Tove Totp");

  await page.goto(`${BASE_URL}/account?lang=en`);
  await page.getByRole("heading", { name: /Two-factor authentication Off/ }).waitFor();
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  await page.getByRole("heading", { name: "Set up two-factor authentication", level: 1 }).waitFor();

  // The QR code: inline SVG (no request for an image that would carry the secret), with a text alternative.
  const qr = page.getByRole("img", { name: /QR code that adds your Pactly account to an authenticator app/ });
  assert.equal(await qr.evaluate((el) => el.tagName.toLowerCase()), "svg");
  assert.ok(await qr.locator("path").count(), "the SVG draws the symbol");
  // …and the same secret as text, for people who cannot scan.
  const secretText = await page.locator("dl").filter({ hasText: "Setup key" }).locator("dd").innerText();
  twoFactorUser.secret = secretText.replace(/\s/g, "");
  assert.match(twoFactorUser.secret, /^[A-Z2-7]{32}$/, "a 160-bit base32 setup key");
  // The secret is on screen: the browser must not keep the page.
  const setup = await page.reload();
  assert.match(setup.headers()["cache-control"] ?? "", /no-store/);
  assert.equal((await page.locator("dl").filter({ hasText: "Setup key" }).locator("dd").innerText()).replace(/\s/g, ""), twoFactorUser.secret, "reloading keeps the same pending secret");
  await shot(page, "account-security-01-totp-setup");
  await audit(page, "two-factor-setup");

  // Confirm with the code the app shows.
  const enrol = await appCode(twoFactorUser.secret);
  twoFactorUser.lastStep = enrol.step;
  await page.getByLabel("Code from your authenticator app").fill(enrol.code);
  const [confirmed] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/account/two-factor/confirm") && r.request().method() === "POST"),
    page.getByRole("button", { name: "Turn on two-factor authentication" }).click(),
  ]);
  await page.getByRole("heading", { name: "Your recovery codes", level: 1 }).waitFor();
  assert.match(confirmed.headers()["cache-control"] ?? "", /no-store/, "the recovery codes are never cached");
  await page.getByText("Two-factor authentication is on.").waitFor();
  twoFactorUser.recoveryCodes = (await page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem").allInnerTexts()).map((c) => c.trim());
  assert.equal(twoFactorUser.recoveryCodes.length, 10);
  assert.equal(new Set(twoFactorUser.recoveryCodes).size, 10, "ten different codes");
  for (const code of twoFactorUser.recoveryCodes) assert.match(code, /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
  await shot(page, "account-security-02-recovery-codes");
  await audit(page, "recovery-codes");

  // Shown once: the account page counts them but never shows them again.
  await page.getByRole("link", { name: "I have saved my recovery codes" }).click();
  await page.getByRole("heading", { name: /Two-factor authentication On/ }).waitFor();
  await page.getByText("Unused recovery codes: 10 of 10.").waitFor();
  const accountHtml = await page.content();
  for (const code of twoFactorUser.recoveryCodes) assert.ok(!accountHtml.includes(code), "a recovery code is shown again");
  assert.ok(!accountHtml.includes(twoFactorUser.secret.slice(0, 8)), "the secret is shown again");

  // Log out; the password alone now leads to the code step.
  await logOut(page);
  await logInToCodeStep(page, twoFactorUser.email);

  // A wrong code: a clear error in the summary and beside the field, still not signed in.
  await enterCode(page, "Code from your authenticator app", wrongCode(twoFactorUser.secret));
  assert.match(await errorSummary(page), /The code is not correct/);
  assert.equal(await signedIn(page.context()), false, "a wrong code does not sign in");
  await shot(page, "account-security-03-login-wrong-code");

  // The right code (the app's next one: the enrolment used this step up) signs in. The
  // wider margin keeps the replay below inside the same 30 s.
  const login = await appCode(twoFactorUser.secret, { after: twoFactorUser.lastStep, marginMs: 12_000 });
  twoFactorUser.lastStep = login.step;
  await enterCode(page, "Code from your authenticator app", login.code);
  await landedOnEnvelopes(page);

  // Replay: the same code again, still inside its 30 s, is refused.
  await logOut(page);
  await logInToCodeStep(page, twoFactorUser.email);
  await enterCode(page, "Code from your authenticator app", login.code);
  assert.match(await errorSummary(page), /That code has already been used/);
  assert.equal(await signedIn(page.context()), false, "a replayed code does not sign in");
});

test("recovery codes: one logs in instead of the app code, once; the same code again is refused", async () => {
  assert.ok(twoFactorUser.recoveryCodes.length === 10, "needs the account enrolled by the first test");
  const page = twoFactorPage;
  const [first] = twoFactorUser.recoveryCodes;

  await logInToCodeStep(page, twoFactorUser.email);
  await page.getByRole("link", { name: "No access to your phone? Use a recovery code instead" }).click();
  await enterCode(page, "Recovery code", first);
  await landedOnEnvelopes(page);
  await page.goto(`${BASE_URL}/account?lang=en`);
  await page.getByText("Unused recovery codes: 9 of 10.").waitFor();

  await logOut(page);
  await logInToCodeStep(page, twoFactorUser.email);
  await page.getByRole("link", { name: "No access to your phone? Use a recovery code instead" }).click();
  await enterCode(page, "Recovery code", first);
  assert.match(await errorSummary(page), /The code is not correct/);
  assert.equal(await signedIn(page.context()), false, "a used recovery code does not sign in");
});

test("sessions: two devices are listed, the other one is logged out from the first (one, then all others), and logout ends the session on the server", async () => {
  const laptop = await browser.newContext({ userAgent: LINUX_CHROME });
  const phone = await browser.newContext({ userAgent: IPHONE_SAFARI });
  const a = await laptop.newPage();
  const b = await phone.newPage();
  const email = await signUpSender(a, "Siri Sessions");
  await logIn(b, email);
  await landedOnEnvelopes(b);

  // Device A sees both sessions, named from their user agents; its own is marked.
  await a.goto(`${BASE_URL}/account?lang=en`);
  const mine = sessionRow(a, "Chrome on Linux");
  const other = sessionRow(a, "Safari on iOS");
  assert.equal(await mine.count(), 1);
  assert.equal(await other.count(), 1);
  assert.match(await mine.innerText(), /This session/);
  assert.doesNotMatch(await other.innerText(), /This session/);
  await shot(a, "account-security-04-sessions");
  await audit(a, "sessions");

  // A logs out the phone; the phone's next page asks it to log in.
  await other.getByRole("button", { name: /^Log out Safari on iOS/ }).click();
  await a.getByText("That session has been logged out.").waitFor();
  assert.equal(await sessionRow(a, "Safari on iOS").count(), 0);
  await b.goto(`${BASE_URL}/envelopes?lang=en`);
  await b.getByRole("heading", { name: "Log in", level: 1 }).waitFor();
  assert.equal(new URL(b.url()).pathname, "/login");

  // The phone logs in again; "Log out every other session" ends it the same way, and keeps A.
  await logIn(b, email);
  await landedOnEnvelopes(b);
  await a.reload();
  await a.getByRole("button", { name: "Log out every other session" }).click();
  await a.getByText("Every other session has been logged out.").waitFor();
  assert.equal(await sessionRow(a, "Safari on iOS").count(), 0);
  assert.equal(await signedIn(laptop), true, "the device that asked stays logged in");
  await b.goto(`${BASE_URL}/account?lang=en`);
  assert.equal(new URL(b.url()).pathname, "/login");

  // Logging out ends the session on the server: a copy of the cookie taken before is worthless after.
  const copied = await sessionToken(laptop);
  assert.equal(await cookieSignsIn(copied), true, "the copied cookie works while the session lives");
  await logOut(a);
  assert.equal(await cookieSignsIn(copied), false, "the copied cookie still signs in after logout");

  await laptop.close();
  await phone.close();
});

test("API keys: created on the page and shown once, a read key reads but cannot write, last used moves, and a revoked key gets 401", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUpSender(page, "Arne Api");
  const name = "Accounting read-only";

  await page.goto(`${BASE_URL}/settings/api-keys?lang=en`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  // Read is ticked already; write stays off.
  assert.equal(await page.getByLabel(/^Read:/).isChecked(), true);
  assert.equal(await page.getByLabel(/^Write:/).isChecked(), false);
  await page.getByRole("button", { name: "Create key" }).click();
  await page.getByRole("heading", { name: "Your new API key" }).waitFor();
  const key = await page.getByLabel(`API key “${name}”`).inputValue();
  assert.ok(key.length >= 32, `a long key, got ${key.length} characters`);
  await shot(page, "account-security-05-api-key-shown-once");
  await audit(page, "api-key-created");

  // Visiting the page again: the key is gone for good, only its start is listed, never used.
  await page.goto(`${BASE_URL}/settings/api-keys?lang=en`);
  await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor();
  assert.equal(await page.getByRole("heading", { name: "Your new API key" }).count(), 0);
  assert.ok(!(await page.content()).includes(key), "the key is shown again");
  const table = page.getByRole("table", { name: "API keys, newest first" });
  const row = table.getByRole("row").filter({ hasText: name });
  assert.equal(await cellUnder(table, row, "Last used"), "Never");
  await audit(page, "api-keys");

  // The key reads…
  const auth = { Authorization: `Bearer ${key}` };
  const list = await fetch(`${BASE_URL}/api/v1/envelopes`, { headers: auth });
  assert.equal(list.status, 200);
  assert.match(list.headers.get("content-type") ?? "", /^application\/json/);
  assert.ok(Array.isArray((await list.json()).data));
  // …but may not write: 403 with the scope it lacks.
  const write = await fetch(`${BASE_URL}/api/v1/envelopes`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify({ title: "Should not exist" }) });
  assert.equal(write.status, 403);
  assert.match(write.headers.get("content-type") ?? "", /^application\/problem\+json/);
  const refused = await write.json();
  assert.equal(refused.code, "insufficient_scope");
  assert.equal(refused.requiredScope, "write");

  // The page now says when the key was last used.
  await page.reload();
  assert.notEqual(await cellUnder(table, row, "Last used"), "Never");

  // Revoke it on the page (a confirmation page first), then the same key is refused.
  await page.getByRole("link", { name: `Revoke ${name}` }).click();
  await page.getByRole("heading", { name: `Revoke the API key “${name}”?` }).waitFor();
  await page.getByRole("button", { name: "Revoke key" }).click();
  await page.getByText(`The API key “${name}” was revoked.`).waitFor();
  assert.match(await cellUnder(table, row, "Status"), /^Revoked /);
  const after = await fetch(`${BASE_URL}/api/v1/envelopes`, { headers: auth });
  assert.equal(after.status, 401);
  assert.match(after.headers.get("content-type") ?? "", /^application\/problem\+json/);
  assert.equal((await after.json()).status, 401);

  await context.close();
});

test("turning 2FA off needs the password and a code; afterwards the password alone logs in", async () => {
  assert.ok(twoFactorUser.secret, "needs the account enrolled by the first test");
  const page = twoFactorPage;

  // Signed in with a second recovery code (the first is spent).
  await logInToCodeStep(page, twoFactorUser.email);
  await page.getByRole("link", { name: "No access to your phone? Use a recovery code instead" }).click();
  await enterCode(page, "Recovery code", twoFactorUser.recoveryCodes[1]);
  await landedOnEnvelopes(page);

  await page.goto(`${BASE_URL}/account?lang=en`);
  await page.getByRole("link", { name: "Turn off two-factor authentication" }).click();
  await page.getByRole("heading", { name: "Turn off two-factor authentication", level: 1 }).waitFor();
  await audit(page, "two-factor-disable");

  // A wrong password is refused before any code is looked at.
  const code = await appCode(twoFactorUser.secret, { after: twoFactorUser.lastStep });
  await page.getByLabel("Current password").fill("not my password at all");
  await page.getByLabel("Code from your authenticator app").fill(code.code);
  await page.getByRole("button", { name: "Turn off two-factor authentication" }).click();
  assert.match(await errorSummary(page), /password/i);

  // Password and the app's current code: off.
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("Code from your authenticator app").fill(code.code);
  await page.getByRole("button", { name: "Turn off two-factor authentication" }).click();
  await page.getByText("Two-factor authentication is off.").waitFor();
  await page.getByRole("heading", { name: /Two-factor authentication Off/ }).waitFor();

  await logOut(page);
  await logIn(page, twoFactorUser.email);
  await landedOnEnvelopes(page);
});
