/**
 * Accounts through the real routes: confirming the address at sign-up, password
 * reset by email link, change of password and of email, and the password rule.
 * Time passes by moving stored times into the past.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors";
import { assertVerified, resumeSession } from "../../src/services/accounts";
import { database } from "../../src/storage/db";
import { Client, uniqueEmail } from "../support/client";
import { PASSWORD, decode, freshIp, mainOf, newSender, outboxMessages, titleOf, verifyEmail, waitForMessage } from "../support/flows";
import { eventually } from "../support/eventually";

const SESSION = "__Host-pactly-session";

async function userRow(email: string) {
  return env.DB.prepare("SELECT id, email, email_verified_at FROM users WHERE email = ?").bind(email).first<{ id: string; email: string; email_verified_at: string | null }>();
}

async function canLogIn(email: string, password: string): Promise<boolean> {
  const client = new Client(freshIp());
  const { csrf } = await client.page("/login");
  return (await client.post("/login", { email, password }, csrf)).status === 303;
}

async function logIn(email: string, password = PASSWORD): Promise<Client> {
  const client = new Client(freshIp());
  const { csrf } = await client.page("/login");
  expect((await client.post("/login", { email, password }, csrf)).status).toBe(303);
  return client;
}

/** Whether this client's session cookie still opens a sender page. */
async function isSignedIn(client: Client): Promise<boolean> {
  const res = await client.get("/envelopes");
  return res.status === 200;
}

/** Follows an emailed account link like a browser: the GET moves the token into a cookie. */
async function openAccountLink(client: Client, link: string, cleanPath: string): Promise<{ status: number; html: string; csrf: string }> {
  const opened = await client.get(new URL(link).pathname);
  expect(opened.status).toBe(303);
  expect(opened.headers.get("Location")).toBe(cleanPath);
  const page = await client.page(cleanPath);
  // A spent link's page has no form; a forged POST still needs the browser's form token to reach the route.
  return { status: page.res.status, html: page.html, csrf: page.csrf || client.cookies.get("__Host-pactly-csrf")! };
}

function text(html: string): string {
  return decode(mainOf(html).replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ").trim();
}

async function requestReset(client: Client, email: string): Promise<{ res: Response; html: string }> {
  const { csrf } = await client.page("/password/forgot");
  const res = await client.post("/password/forgot", { email }, csrf);
  return { res, html: await res.text() };
}

// ---------------------------------------------------------------------------

describe("confirming the email address at sign-up", () => {
  it("sends a single-use link: the link's GET changes nothing, the confirming POST does, and a second use fails", async () => {
    const { client, email } = await newSender("Vera Verify", { verified: false });
    expect((await userRow(email))!.email_verified_at).toBeNull();
    const account = await client.page("/account");
    expect(text(account.html)).toContain("Not confirmed");
    expect(text(account.html)).toContain("you can prepare envelopes, but not send them");

    const mail = await waitForMessage(client, email, "Confirm your email address");
    expect(mail.link).toMatch(/^http:\/\/localhost:8787\/email\/verify\/[A-Za-z0-9_-]{43}$/);
    expect(mail.text).toContain("24 hours");
    // The token lives in the email only: D1 holds its SHA-256.
    const token = mail.link!.split("/").pop()!;
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM account_tokens WHERE id = ?").bind(token).first<{ n: number }>();
    expect(stored!.n).toBe(0);

    // A mail scanner's GET confirms nothing.
    const scanner = new Client(freshIp());
    const scanned = await openAccountLink(scanner, mail.link!, "/email/verify");
    expect(scanned.status).toBe(200);
    expect(text(scanned.html)).toContain(`Confirm that ${email} is your email address`);
    expect((await userRow(email))!.email_verified_at).toBeNull();

    const opened = await openAccountLink(client, mail.link!, "/email/verify");
    const confirmed = await client.post("/email/verify", {}, opened.csrf);
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get("Location")).toBe("/account?done=verified");
    expect((await userRow(email))!.email_verified_at).not.toBeNull();
    expect(text((await client.page("/account?done=verified")).html)).toContain("Your email address is confirmed. You can now send envelopes.");

    // The scanner's copy of the link is spent now.
    const again = await scanner.page("/email/verify");
    expect(again.res.status).toBe(410);
    expect(titleOf(again.html)).toContain("This link no longer works");
    expect((await scanner.post("/email/verify", {}, scanner.cookies.get("__Host-pactly-csrf")!)).status).toBe(410);
  });

  it("refuses an expired link and leaves the address unconfirmed", async () => {
    const { client, email } = await newSender("Ella Expired", { verified: false });
    const mail = await waitForMessage(client, email, "Confirm your email address");
    const user = await userRow(email);
    await env.DB.prepare("UPDATE account_tokens SET expires_at = ? WHERE user_id = ?").bind(new Date(Date.now() - 1000).toISOString(), user!.id).run();
    const opened = await openAccountLink(client, mail.link!, "/email/verify");
    expect(opened.status).toBe(410);
    expect(text(opened.html)).toContain("expired");
    expect((await client.post("/email/verify", {}, opened.csrf)).status).toBe(410);
    expect((await userRow(email))!.email_verified_at).toBeNull();
  });

  it("answers a made-up link with 404 and confirms nothing", async () => {
    const client = new Client(freshIp());
    const opened = await openAccountLink(client, `http://x/email/verify/${"A".repeat(43)}`, "/email/verify");
    expect(opened.status).toBe(404);
    expect((await client.get("/email/verify/not-a-token")).status).toBe(404);
  });

  it("lets an unconfirmed sender log in, but the sending check refuses them until they confirm", async () => {
    const { client, email } = await newSender("Uma Unverified", { verified: false });
    const again = await logIn(email);
    expect(await isSignedIn(again)).toBe(true);
    const db = database(env.DB);
    const before = await resumeSession(db, again.cookies.get(SESSION)!);
    expect(before!.emailVerified).toBe(false);
    let refused: unknown = null;
    try {
      assertVerified(before!);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).status).toBe(403);

    await verifyEmail(client, email);
    const after = await resumeSession(db, again.cookies.get(SESSION)!);
    expect(after!.emailVerified).toBe(true);
    expect(() => assertVerified(after!)).not.toThrow();
  });

  it("sends the link again at most once a minute per account, answering 429 with Retry-After", async () => {
    const { client, email } = await newSender("Rita Resend", { verified: false });
    await waitForMessage(client, email, "Confirm your email address");
    const { csrf } = await client.page("/account");
    const tooSoon = await client.post("/account/verification", {}, csrf);
    expect(tooSoon.status).toBe(429);
    expect(Number(tooSoon.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await tooSoon.text()).toContain("Too many attempts");

    const user = await userRow(email);
    await env.DB.prepare("UPDATE account_tokens SET created_at = ? WHERE user_id = ?").bind(new Date(Date.now() - 120_000).toISOString(), user!.id).run();
    const resent = await client.post("/account/verification", {}, csrf);
    expect(resent.status).toBe(303);
    expect(resent.headers.get("Location")).toBe("/account?done=verification-sent");
    const links = await eventually(
      async () => {
        const count = (await outboxMessages(client)).filter((m) => m.to === email && m.subject.includes("Confirm your email address")).length;
        return count >= 2 && count;
      },
      { what: `a second confirmation link to ${email}` },
    );
    expect(links).toBe(2);
  });
});

// ---------------------------------------------------------------------------

describe("password reset by email link", () => {
  it("works end to end: every old session ends, the old password fails, the link works once, and the address is told", async () => {
    const { client: first, email } = await newSender("Reidun Reset");
    const second = await logIn(email);
    expect(await isSignedIn(first)).toBe(true);

    const stranger = new Client(freshIp());
    const asked = await requestReset(stranger, email);
    expect(asked.res.status).toBe(200);
    expect(text(asked.html)).toContain(`If there is a Pactly account for ${email}`);
    const mail = await waitForMessage(stranger, email, "Reset your Pactly password");
    expect(mail.link).toMatch(/\/password\/reset\/[A-Za-z0-9_-]{43}$/);

    const form = await openAccountLink(stranger, mail.link!, "/password/reset");
    expect(form.status).toBe(200);
    expect(text(form.html)).toContain(`Choose a new password for ${email}`);
    const done = await stranger.post("/password/reset", { newPassword: "lantern meadow copper violin" }, form.csrf);
    expect(done.status).toBe(303);
    expect(done.headers.get("Location")).toBe("/login?done=reset");
    expect(text((await stranger.page("/login?done=reset")).html)).toContain("Your password is changed");

    expect(await isSignedIn(first)).toBe(false);
    expect(await isSignedIn(second)).toBe(false);
    expect(await canLogIn(email, PASSWORD)).toBe(false);
    expect(await canLogIn(email, "lantern meadow copper violin")).toBe(true);

    // The same link, again (another browser, or the same one), is spent.
    const reuse = await openAccountLink(new Client(freshIp()), mail.link!, "/password/reset");
    expect(reuse.status).toBe(410);
    const replay = await openAccountLink(stranger, mail.link!, "/password/reset");
    expect((await stranger.post("/password/reset", { newPassword: "another fine passphrase" }, replay.csrf)).status).toBe(410);
    expect(await canLogIn(email, "another fine passphrase")).toBe(false);

    const notice = await waitForMessage(stranger, email, "Your Pactly password was changed");
    expect(notice.text).toContain("/password/forgot");
  });

  it("gives the same answer whether or not an account has the address, and mails only a real account", async () => {
    const { email } = await newSender("Enid Enumeration");
    const unknown = uniqueEmail("nobody");
    const a = await requestReset(new Client(freshIp()), email);
    const b = await requestReset(new Client(freshIp()), unknown);
    expect(a.res.status).toBe(b.res.status);
    const strip = (html: string, address: string) => mainOf(html).replaceAll(address, "ADDRESS").replace(/name="_csrf" value="[^"]*"/g, "");
    expect(strip(a.html, email)).toBe(strip(b.html, unknown));
    const client = new Client(freshIp());
    await waitForMessage(client, email, "Reset your Pactly password");
    expect((await outboxMessages(client)).some((m) => m.to === unknown)).toBe(false);
  });

  it("refuses a short, common or personal new password with the specific reason, and the link still works after", async () => {
    const { email } = await newSender("Petronella Passphrase");
    const client = new Client(freshIp());
    await requestReset(client, email);
    const mail = await waitForMessage(client, email, "Reset your Pactly password");
    const form = await openAccountLink(client, mail.link!, "/password/reset");
    const attempts: [string, string][] = [
      ["short one", "12 characters or more"],
      ["Password1234!", "too common"],
      ["Petronella rules the world", "must not contain your name or your email address"],
    ];
    for (const [password, message] of attempts) {
      const res = await client.post("/password/reset", { newPassword: password }, form.csrf);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(titleOf(html)).toMatch(/^Error: /);
      expect(text(html)).toContain(message);
      expect(html).not.toContain(password);
    }
    expect(await canLogIn(email, PASSWORD)).toBe(true);
    expect((await client.post("/password/reset", { newPassword: "quiet harbour lights" }, form.csrf)).status).toBe(303);
    expect(await canLogIn(email, "quiet harbour lights")).toBe(true);
  });

  it("refuses a reset link older than an hour", async () => {
    const { email } = await newSender("Otto Old Link");
    const client = new Client(freshIp());
    await requestReset(client, email);
    const mail = await waitForMessage(client, email, "Reset your Pactly password");
    const user = await userRow(email);
    await env.DB.prepare("UPDATE account_tokens SET expires_at = ? WHERE user_id = ? AND purpose = 'reset_password'").bind(new Date(Date.now() - 1).toISOString(), user!.id).run();
    const form = await openAccountLink(client, mail.link!, "/password/reset");
    expect(form.status).toBe(410);
    expect(text(form.html)).toContain("reset links work for 1 hour");
    expect((await client.post("/password/reset", { newPassword: "too late for this" }, form.csrf)).status).toBe(410);
    expect(await canLogIn(email, PASSWORD)).toBe(true);
  });
});

// ---------------------------------------------------------------------------

describe("change of password", () => {
  it("requires the current password first and changes nothing when it is wrong", async () => {
    const { client, email } = await newSender("Carl Current");
    const { csrf } = await client.page("/account/password");
    const res = await client.post("/account/password", { currentPassword: "not my password at all", newPassword: "silver birch canoe trip" }, csrf);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(text(html)).toContain("Your current password is not correct");
    expect(html).toMatch(/<input[^>]*id="currentPassword"[^>]*aria-invalid="true"/);
    expect(await canLogIn(email, PASSWORD)).toBe(true);
    expect(await canLogIn(email, "silver birch canoe trip")).toBe(false);

    const empty = await client.post("/account/password", { currentPassword: "", newPassword: "" }, csrf);
    expect(empty.status).toBe(422);
    const emptyText = text(await empty.text());
    expect(emptyText).toContain("Enter your current password");
    expect(emptyText).toContain("Enter a new password");
  });

  it("gives this browser a new session id, ends every other session, and tells the address", async () => {
    const { client, email } = await newSender("Cecilie Change");
    const other = await logIn(email);
    const before = client.cookies.get(SESSION)!;
    const { csrf } = await client.page("/account/password");
    const res = await client.post("/account/password", { currentPassword: PASSWORD, newPassword: "orange kayak on the fjord" }, csrf);
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account?done=password");
    const after = client.cookies.get(SESSION)!;
    expect(after).not.toBe(before);
    expect(await isSignedIn(client)).toBe(true);
    expect(await isSignedIn(other)).toBe(false);
    const old = new Client(freshIp());
    old.cookies.set(SESSION, before);
    expect(await isSignedIn(old)).toBe(false);
    expect(await canLogIn(email, PASSWORD)).toBe(false);
    expect(await canLogIn(email, "orange kayak on the fjord")).toBe(true);
    await waitForMessage(client, email, "Your Pactly password was changed");
  });

  it("refuses a new password that contains the email address's name part", async () => {
    const client = new Client(freshIp());
    const email = `${uniqueEmail("marta").split("@")[0]!.replace(/-/g, "")}@example.com`;
    const local = email.split("@")[0]!;
    const signup = await client.page("/signup");
    expect((await client.post("/signup", { name: "Marta Mail", email, password: PASSWORD, locale: "en" }, signup.csrf)).status).toBe(303);
    const { csrf } = await client.page("/account/password");
    const res = await client.post("/account/password", { currentPassword: PASSWORD, newPassword: `My ${local} secret!` }, csrf);
    expect(res.status).toBe(422);
    expect(text(await res.text())).toContain("must not contain your name or your email address");
    expect(await canLogIn(email, PASSWORD)).toBe(true);
  });
});

// ---------------------------------------------------------------------------

describe("change of email", () => {
  it("needs the password, mails a link to the new address and a notice to the old, and applies only when the link is opened", async () => {
    const { client, email } = await newSender("Eirik Email");
    const newEmail = uniqueEmail("eirik-new");
    const { csrf } = await client.page("/account/email");

    const wrong = await client.post("/account/email", { email: newEmail, password: "wrong password here" }, csrf);
    expect(wrong.status).toBe(422);
    const wrongHtml = await wrong.text();
    expect(text(wrongHtml)).toContain("Your current password is not correct");
    expect(wrongHtml).toMatch(/<input[^>]*id="email"[^>]*value="[^"]*"/);

    const same = await client.post("/account/email", { email, password: PASSWORD }, csrf);
    expect(same.status).toBe(422);
    expect(text(await same.text())).toContain("This is already your email address");

    const asked = await client.post("/account/email", { email: newEmail, password: PASSWORD }, csrf);
    expect(asked.status).toBe(303);
    const notice = await waitForMessage(client, email, "about to change");
    expect(notice.text).toContain(newEmail);
    const link = await waitForMessage(client, newEmail, "Confirm your new email address");

    // Nothing changed yet: the old address still logs in, the page shows the pending address.
    expect((await userRow(email))).not.toBeNull();
    expect(text((await client.page("/account")).html)).toContain(`Changing to ${newEmail}`);
    expect(await canLogIn(newEmail, PASSWORD)).toBe(false);

    const opened = await openAccountLink(client, link.link!, "/email/verify");
    expect(text(opened.html)).toContain(`use ${newEmail} for your Pactly account`);
    const confirmed = await client.post("/email/verify", {}, opened.csrf);
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get("Location")).toBe("/account?done=email-changed");
    expect(await userRow(email)).toBeNull();
    expect((await userRow(newEmail))!.email_verified_at).not.toBeNull();
    expect(await canLogIn(newEmail, PASSWORD)).toBe(true);
    expect(await canLogIn(email, PASSWORD)).toBe(false);
    // The audit log records the request and the change, in that order, under the account.
    const userId = (await userRow(newEmail))!.id;
    const entries = await env.DB.prepare("SELECT action FROM audit_log WHERE target_id = ? AND action LIKE 'account.email.%' ORDER BY at, seq").bind(userId).all<{ action: string }>();
    expect(entries.results.map((e) => e.action)).toEqual(["account.email.change_requested", "account.email.changed"]);
  });

  it("keeps the old address when the new one has meanwhile been taken by another account", async () => {
    const { client, email } = await newSender("Tove Taken");
    const wanted = uniqueEmail("wanted");
    const { csrf } = await client.page("/account/email");
    expect((await client.post("/account/email", { email: wanted, password: PASSWORD }, csrf)).status).toBe(303);
    const link = await waitForMessage(client, wanted, "Confirm your new email address");

    const rival = new Client(freshIp());
    const signup = await rival.page("/signup");
    expect((await rival.post("/signup", { name: "Rival Person", email: wanted, password: PASSWORD, locale: "en" }, signup.csrf)).status).toBe(303);

    const opened = await openAccountLink(client, link.link!, "/email/verify");
    const res = await client.post("/email/verify", {}, opened.csrf);
    expect(res.status).toBe(409);
    expect(text(await res.text())).toContain("Another Pactly account now uses this email address");
    expect((await userRow(email))).not.toBeNull();
    expect(await canLogIn(email, PASSWORD)).toBe(true);
  });
});

// ---------------------------------------------------------------------------

describe("the password rule at sign-up", () => {
  async function signUpWith(name: string, email: string, password: string) {
    const client = new Client(freshIp());
    const { csrf } = await client.page("/signup");
    const res = await client.post("/signup", { name, email, password, locale: "en" }, csrf);
    return { res, html: await res.text() };
  }

  it.each([
    ["a short password", "Kim Short", "tiny pass", "Password must be 12 characters or more"],
    ["a common password with digits added", "Kim Common", "Sunshine2024!!", "This password is too common"],
    ["a keyboard run", "Kim Keyboard", "qwertyuiopas", "This password is too common"],
    ["a word repeated", "Kim Repeat", "monkeymonkeymonkey", "This password is too common"],
    ["the person's own name", "Kristoffer Nilsen", "kristoffer-is-the-best", "must not contain your name or your email address"],
  ])("refuses %s with the specific reason and creates no account", async (_label, name, password, message) => {
    const email = uniqueEmail("rule");
    const { res, html } = await signUpWith(name, email, password);
    expect(res.status).toBe(422);
    expect(text(html)).toContain(message);
    expect(html).not.toContain(password);
    expect(await userRow(email)).toBeNull();
  });

  it("refuses a password containing the email address's local part", async () => {
    const email = `zebrafinch${Date.now().toString(36)}@example.com`;
    const { res, html } = await signUpWith("Ann Other", email, `My ${email.split("@")[0]} password`);
    expect(res.status).toBe(422);
    expect(text(html)).toContain("must not contain your name or your email address");
  });
});
