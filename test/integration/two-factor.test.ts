/**
 * Two-factor authentication over HTTP, as a browser and as an attacker would use it:
 * enrolment with the QR code and the setup key, the login's second step, single-use
 * codes, the exact per-account lock (also under concurrent guesses), recovery codes,
 * turning 2FA off with password and code, the half-logged-in cookie, and the secret
 * at rest.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { base32Decode, totp } from "../../src/domain/totp";
import { hashToken } from "../../src/domain/encoding";
import { checkSecondFactor, rewrapTwoFactorKeys } from "../../src/services/two-factor";
import { database } from "../../src/storage/db";
import { loadKeyring } from "../../src/storage/document-crypto";
import { Client } from "../support/client";
import { PASSWORD, decode, freshIp, newSender } from "../support/flows";

const SESSION = "__Host-pactly-session";
const LOGIN_STEP = "__Host-pactly-login-step";

/**
 * A code from the user's "app": `offset` steps from now. The clock (the Worker's too: it runs in this
 * isolate) then stands still, so the server sees the same step; in the last seconds of a step it is
 * first moved to the next one, as if those seconds had been waited out.
 */
async function appCode(secret: Uint8Array, offset = 0): Promise<string> {
  const now = Date.now();
  const intoStep = now % 30_000;
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(intoStep > 27_000 ? now - intoStep + 30_000 + 200 : now);
  return totp(secret, Date.now() + offset * 30_000);
}

afterEach(() => {
  vi.useRealTimers();
});

/** Six digits that are none of the codes the server would accept now. */
function wrongCode(secret: Uint8Array): string {
  const valid = new Set([-2, -1, 0, 1, 2].map((o) => totp(secret, Date.now() + o * 30_000)));
  for (let n = 100_000; ; n++) if (!valid.has(String(n))) return String(n);
}

async function logIn(client: Client, email: string, password = PASSWORD): Promise<Response> {
  const { csrf } = await client.page("/login");
  return client.post("/login", { email, password }, csrf);
}

async function submitCode(client: Client, code: string, kind: "totp" | "recovery" = "totp"): Promise<Response> {
  const { csrf } = await client.page(`/login/two-factor${kind === "recovery" ? "?kind=recovery" : ""}`);
  return client.post("/login/two-factor", { code, kind }, csrf);
}

async function logOut(client: Client): Promise<void> {
  const { csrf } = await client.page("/account");
  await client.post("/logout", {}, csrf);
  expect(client.cookies.has(SESSION)).toBe(false);
}

async function signedIn(client: Client): Promise<boolean> {
  return (await client.get("/envelopes")).status === 200;
}

/** Starts enrolment on /account and reads the setup page as the user sees it. */
async function startSetup(client: Client) {
  const { csrf } = await client.page("/account");
  const started = await client.post("/account/two-factor/setup", {}, csrf);
  expect(started.status).toBe(303);
  expect(started.headers.get("Location")).toBe("/account/two-factor/setup");
  const page = await client.page("/account/two-factor/setup");
  expect(page.res.status).toBe(200);
  const grouped = decode(/<code class="secret">([^<]+)<\/code>/.exec(page.html)![1]!);
  const secretText = grouped.replace(/\s/g, "");
  return { ...page, grouped, secretText, secret: base32Decode(secretText)! };
}

/** A signed-in sender with 2FA on; returns the secret and the ten recovery codes. */
async function enrolledSender(name = "Tove Totp") {
  const { client, email } = await newSender(name);
  const setup = await startSetup(client);
  const confirmed = await client.post("/account/two-factor/confirm", { code: await appCode(setup.secret, -1) }, setup.csrf);
  expect(confirmed.status).toBe(200);
  const html = await confirmed.text();
  const recoveryCodes = [...html.matchAll(/<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})<\/code><\/li>/g)].map((m) => m[1]!);
  expect(recoveryCodes).toHaveLength(10);
  return { client, email, secret: setup.secret, secretText: setup.secretText, recoveryCodes };
}

describe("enrolment", () => {
  it("shows a labelled QR code and the key as text, refuses a wrong code with an error summary, and turns on with a right one", async () => {
    const { client } = await newSender("Ola Oppsett");
    const setup = await startSetup(client);
    expect(setup.secretText).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.grouped).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
    expect(setup.html).toMatch(/<svg class="qr" role="img" aria-label="QR code that adds your Pactly account[^"]*"[^>]*viewBox="0 0 (\d+) \1"/);
    expect(setup.html).toMatch(/<path d="M4 4h7v1h-7z/); // the finder pattern's top row, inside the quiet zone
    expect(setup.html).toMatch(/<input[^>]*id="code"[^>]*autocomplete="one-time-code"[^>]*inputmode="numeric"/);
    expect(setup.res.headers.get("Cache-Control")).toBe("no-store");

    const wrong = await client.post("/account/two-factor/confirm", { code: wrongCode(setup.secret) }, setup.csrf);
    expect(wrong.status).toBe(422);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toMatch(/<title>Error: /);
    expect(wrongHtml).toContain('<a href="#code">The code is not correct');
    expect(wrongHtml).toContain(setup.grouped); // the same secret again, not a new one

    const letters = await client.post("/account/two-factor/confirm", { code: "12a456" }, setup.csrf);
    expect(letters.status).toBe(422);
    expect(await letters.text()).toContain("Enter the 6-digit code from your authenticator app");

    const ok = await client.post("/account/two-factor/confirm", { code: await appCode(setup.secret) }, setup.csrf);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("Cache-Control")).toBe("no-store");
    const html = await ok.text();
    expect(html).toContain('<ol class="recovery-codes" aria-labelledby="recovery-codes-heading">');
    const account = await client.page("/account");
    expect(account.html).toMatch(/Two-factor authentication <strong class="tag tag--completed">On<\/strong>/);
    expect(account.html).toContain("Unused recovery codes: 10 of 10.");
    // Once on, set-up cannot start again over it.
    expect((await client.post("/account/two-factor/setup", {}, account.csrf)).status).toBe(409);
  });

  it("keeps the secret out of D1 in any readable form", async () => {
    const { client, secretText, secret, recoveryCodes } = await enrolledSender("Sara Secret");
    const session = await env.DB.prepare("SELECT user_id FROM sessions WHERE id = ?").bind(hashToken(client.cookies.get(SESSION)!)).first<{ user_id: string }>();
    const row = await env.DB.prepare("SELECT kek_id, secret_ciphertext FROM two_factor WHERE user_id = ?").bind(session!.user_id).first<Record<string, string>>();
    expect(row?.kek_id).toBe("k1");
    expect(row?.secret_ciphertext?.length).toBeGreaterThan(40);
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>();
    let dump = "";
    for (const { name } of tables.results) dump += JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results);
    expect(dump).toContain(row!.secret_ciphertext); // the scan does see the 2FA table
    const hex = [...secret].map((b) => b.toString(16).padStart(2, "0")).join("");
    const b64 = btoa(String.fromCharCode(...secret));
    for (const form of [secretText, secretText.toLowerCase(), hex, b64]) expect(dump).not.toContain(form);
    for (const code of recoveryCodes) {
      expect(dump).not.toContain(code);
      expect(dump).not.toContain(code.replace(/-/g, ""));
    }
  });
});

describe("key rotation", () => {
  it("rewraps a secret's data key under the new KEK, after which codes still check", async () => {
    const { client, secret } = await enrolledSender("Kai Kek");
    const session = await env.DB.prepare("SELECT user_id FROM sessions WHERE id = ?").bind(hashToken(client.cookies.get(SESSION)!)).first<{ user_id: string }>();
    const userId = session!.user_id;
    const before = await env.DB.prepare("SELECT kek_id, wrapped_key, secret_ciphertext FROM two_factor WHERE user_id = ?").bind(userId).first<Record<string, string>>();
    const k2 = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const ring = loadKeyring(JSON.stringify({ ...JSON.parse(env.KEK_KEYS), k2 }), "k2");
    const deps = { db: database(env.DB), keyring: () => ring, attempts: env.ATTEMPT_COUNTER };

    const counts = await rewrapTwoFactorKeys(deps, { limit: 10_000 });
    expect(counts.rewrapped).toBeGreaterThan(0);
    const after = await env.DB.prepare("SELECT kek_id, wrapped_key, secret_ciphertext FROM two_factor WHERE user_id = ?").bind(userId).first<Record<string, string>>();
    expect(after?.kek_id).toBe("k2");
    expect(after?.wrapped_key).not.toBe(before?.wrapped_key);
    expect(after?.secret_ciphertext).toBe(before?.secret_ciphertext);
    expect(await checkSecondFactor(deps, userId, await appCode(secret, 1))).toEqual({ ok: true, via: "totp" });
    // Back under k1, so the Worker (which knows only k1) keeps working for later tests.
    await env.DB.prepare("UPDATE two_factor SET kek_id = ?, wrapped_key = ? WHERE user_id = ?").bind(before!.kek_id, before!.wrapped_key, userId).run();
  });
});

describe("logging in with 2FA", () => {
  it("asks for a code after the password, gives a new session id only after it, and refuses the same code twice", async () => {
    const { client, email, secret } = await enrolledSender();
    await logOut(client);

    const browser = new Client(freshIp());
    const step1 = await logIn(browser, email);
    expect(step1.status).toBe(303);
    expect(step1.headers.get("Location")).toBe("/login/two-factor");
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(browser.cookies.get(LOGIN_STEP)).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const form = await browser.page("/login/two-factor");
    expect(form.html).toMatch(/<input[^>]*id="code"[^>]*autocomplete="one-time-code"[^>]*inputmode="numeric"/);
    expect(form.html).toContain('href="/login/two-factor?kind=recovery"');

    const code = await appCode(secret, 1);
    const done = await submitCode(browser, code);
    expect(done.status).toBe(303);
    expect(done.headers.get("Location")).toBe("/envelopes");
    expect(browser.cookies.has(LOGIN_STEP)).toBe(false);
    expect(await signedIn(browser)).toBe(true);

    // The same code again, on a fresh login, within its window: refused.
    const other = new Client(freshIp());
    expect((await logIn(other, email)).headers.get("Location")).toBe("/login/two-factor");
    const replay = await submitCode(other, code);
    expect(replay.status).toBe(401);
    expect(await replay.text()).toContain("That code has already been used");
    expect(other.cookies.has(SESSION)).toBe(false);
  });

  it("keeps the half-logged-in cookie away from everything but the code form", async () => {
    const { client, email } = await enrolledSender("Hanne Halv");
    await logOut(client);
    const half = new Client(freshIp());
    await logIn(half, email);
    expect(half.cookies.has(LOGIN_STEP)).toBe(true);
    for (const path of ["/envelopes", "/settings/api-keys", "/account", "/account/two-factor/disable", "/envelopes/new"]) {
      const res = await half.get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get("Location"), path).toBe("/login");
    }
    // Presented as a session cookie, the token is no session either.
    const forged = new Client(freshIp());
    forged.cookies.set(SESSION, half.cookies.get(LOGIN_STEP)!);
    expect((await forged.get("/envelopes")).headers.get("Location")).toBe("/login");
    expect((await half.get("/login/two-factor")).status).toBe(200);
  });

  it("does not let another user finish someone's pending login with their own code, nor reuse a finished one", async () => {
    const alice = await enrolledSender("Alice Ventende");
    const mallory = await enrolledSender("Mallory Mellommann");
    await logOut(alice.client);

    const aliceBrowser = new Client(freshIp());
    await logIn(aliceBrowser, alice.email);
    const stolen = aliceBrowser.cookies.get(LOGIN_STEP)!;

    const attacker = new Client(freshIp());
    attacker.cookies.set(LOGIN_STEP, stolen);
    const res = await submitCode(attacker, await appCode(mallory.secret, 1));
    expect(res.status).toBe(401);
    expect(attacker.cookies.has(SESSION)).toBe(false);
    const useRecovery = await submitCode(attacker, mallory.recoveryCodes[0]!, "recovery");
    expect(useRecovery.status).toBe(401);
    expect(attacker.cookies.has(SESSION)).toBe(false);

    // Alice finishes; the token is spent for her and for anyone holding a copy.
    expect((await submitCode(aliceBrowser, await appCode(alice.secret, 1))).status).toBe(303);
    const form = await attacker.get("/login/two-factor");
    expect(form.headers.get("Location")).toBe("/login?done=expired");
    const { csrf } = await attacker.page("/login");
    attacker.cookies.set(LOGIN_STEP, stolen);
    const again = await attacker.post("/login/two-factor", { code: await appCode(alice.secret, 0) }, csrf);
    expect(again.status).toBe(303);
    expect(again.headers.get("Location")).toBe("/login?done=expired");
    expect(attacker.cookies.has(SESSION)).toBe(false);
  });

  it("locks after exactly five wrong codes, even when ten arrive at once, and then refuses the right code too", async () => {
    const { client, email, secret } = await enrolledSender("Lars Laas");
    await logOut(client);
    const browser = new Client(freshIp());
    await logIn(browser, email);
    const token = browser.cookies.get(LOGIN_STEP)!;
    const { csrf } = await browser.page("/login/two-factor");
    const bad = wrongCode(secret);

    // Ten guesses in parallel, each from its own address (the per-address limit is not what stops them).
    const guesses = await Promise.all(
      Array.from({ length: 10 }, () => {
        const c = new Client(freshIp());
        for (const [k, v] of browser.cookies) c.cookies.set(k, v);
        return c.post("/login/two-factor", { code: bad }, csrf);
      }),
    );
    const statuses = guesses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5); // evaluated and wrong
    expect(statuses.filter((s) => s === 429)).toHaveLength(5); // refused by the lock, unread
    const locked = guesses.find((r) => r.status === 429)!;
    expect(Number(locked.headers.get("Retry-After"))).toBeGreaterThan(800);
    expect(await locked.text()).toContain("Too many wrong codes. For your security, codes are refused for 15 minutes");

    const late = new Client(freshIp());
    late.cookies.set(LOGIN_STEP, token);
    const right = await submitCode(late, await appCode(secret));
    expect(right.status).toBe(429);
    expect(late.cookies.has(SESSION)).toBe(false);
  });

  it("lets each recovery code in once", async () => {
    const { client, email, recoveryCodes } = await enrolledSender("Rita Reserve");
    await logOut(client);
    const first = new Client(freshIp());
    await logIn(first, email);
    const form = await first.page("/login/two-factor?kind=recovery");
    expect(form.html).toMatch(/<input[^>]*id="code"[^>]*autocomplete="off"[^>]*inputmode="text"/);
    const used = await first.post("/login/two-factor", { code: recoveryCodes[3]!.toUpperCase(), kind: "recovery" }, form.csrf);
    expect(used.status).toBe(303);
    expect(await signedIn(first)).toBe(true);
    expect((await first.page("/account")).html).toContain("Unused recovery codes: 9 of 10.");

    const second = new Client(freshIp());
    await logIn(second, email);
    const reused = await submitCode(second, recoveryCodes[3]!, "recovery");
    expect(reused.status).toBe(401);
    expect(second.cookies.has(SESSION)).toBe(false);
  });
});

describe("privilege changes", () => {
  it("changes the session id and ends other sessions when 2FA is turned on", async () => {
    const { client, email } = await newSender("Petter Privilegium");
    const phone = new Client(freshIp());
    expect((await logIn(phone, email)).status).toBe(303);
    const before = client.cookies.get(SESSION)!;
    const setup = await startSetup(client);
    const ok = await client.post("/account/two-factor/confirm", { code: await appCode(setup.secret) }, setup.csrf);
    expect(ok.status).toBe(200);
    const after = client.cookies.get(SESSION)!;
    expect(after).not.toBe(before);
    expect(await signedIn(client)).toBe(true);
    const stale = new Client(freshIp());
    stale.cookies.set(SESSION, before);
    expect(await signedIn(stale)).toBe(false);
    expect(await signedIn(phone)).toBe(false);
    const row = await env.DB.prepare("SELECT revoked_at FROM sessions WHERE id = ?").bind(hashToken(before)).first<{ revoked_at: string | null }>();
    expect(row?.revoked_at).not.toBeNull();
  });

  it("turns off only with the password and a code, then changes the session id and logs in without a code", async () => {
    const { client, email, secret } = await enrolledSender("Dina Deaktiver");
    const page = await client.page("/account/two-factor/disable");
    expect(page.html).toMatch(/autocomplete="current-password"/);

    const wrongPassword = await client.post("/account/two-factor/disable", { password: "not the password at all", code: await appCode(secret, 1) }, page.csrf);
    expect(wrongPassword.status).toBe(422);
    expect(await wrongPassword.text()).toContain('<a href="#password">Your current password is not correct');

    const wrongCodeRes = await client.post("/account/two-factor/disable", { password: PASSWORD, code: wrongCode(secret) }, page.csrf);
    expect(wrongCodeRes.status).toBe(422);
    expect(await wrongCodeRes.text()).toContain('<a href="#code">The code is not correct');

    const missing = await client.post("/account/two-factor/disable", { password: PASSWORD, code: "" }, page.csrf);
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain('<a href="#code">Enter the code');

    const before = client.cookies.get(SESSION)!;
    const off = await client.post("/account/two-factor/disable", { password: PASSWORD, code: await appCode(secret, 1) }, page.csrf);
    expect(off.status).toBe(303);
    expect(off.headers.get("Location")).toBe("/account?done=2fa-off");
    expect(client.cookies.get(SESSION)).not.toBe(before);
    expect((await client.page("/account?done=2fa-off")).html).toContain("Two-factor authentication is off. Every other session has been logged out.");

    await logOut(client);
    const browser = new Client(freshIp());
    const res = await logIn(browser, email);
    expect(res.headers.get("Location")).toBe("/envelopes");
    expect(browser.cookies.has(SESSION)).toBe(true);
  });

  it("replaces the recovery codes after re-authentication; the old ones stop working", async () => {
    const { client, email, secret, recoveryCodes } = await enrolledSender("Nina Nye");
    const page = await client.page("/account/two-factor/recovery-codes");
    const res = await client.post("/account/two-factor/recovery-codes", { password: PASSWORD, code: await appCode(secret, 1) }, page.csrf);
    expect(res.status).toBe(200);
    const fresh = [...(await res.text()).matchAll(/<li><code>([a-z2-7-]{19})<\/code><\/li>/g)].map((m) => m[1]!);
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(recoveryCodes[0]);

    await logOut(client);
    const browser = new Client(freshIp());
    await logIn(browser, email);
    expect((await submitCode(browser, recoveryCodes[0]!, "recovery")).status).toBe(401);
    expect((await submitCode(browser, fresh[0]!, "recovery")).status).toBe(303);
  });

  it("answers another user's pending set-up page with a redirect, never their secret", async () => {
    const owner = await newSender("Eva Eier");
    await startSetup(owner.client);
    const other = await newSender("Ivar Inntrenger");
    const res = await other.client.get("/account/two-factor/setup");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account");
  });
});
