/**
 * Sessions on the account page (list, revoke one, revoke all others), idle and
 * absolute timeouts, another user's session, CSRF on the account forms, and 429s
 * on bursts against the login, reset and verification endpoints.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashToken } from "../../src/domain/encoding";
import { SESSION_IDLE_MS, resumeSession, rotateSession } from "../../src/services/accounts";
import { database } from "../../src/storage/db";
import { Client } from "../support/client";
import { PASSWORD, SAME_ORIGIN, decode, freshIp, mainOf, newSender, rawPost } from "../support/flows";

const SESSION = "__Host-pactly-session";
const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

/** A client that always sends this browser's User-Agent. */
class Browser extends Client {
  constructor(ip: string, readonly userAgent: string) {
    super(ip);
  }
  override fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("User-Agent", this.userAgent);
    return super.fetch(path, { ...init, headers });
  }
}

async function logIn(client: Client, email: string, password = PASSWORD): Promise<Response> {
  const { csrf } = await client.page("/login");
  return client.post("/login", { email, password }, csrf);
}

async function isSignedIn(client: Client): Promise<boolean> {
  return (await client.get("/envelopes")).status === 200;
}

function sessionId(client: Client): string {
  return hashToken(client.cookies.get(SESSION)!);
}

/** The rows of the sessions table as text, and the revoke form actions on the page. */
async function sessionsPage(client: Client) {
  const { res, html, csrf } = await client.page("/account");
  expect(res.status).toBe(200);
  const body = /<table class="sessions">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? "";
  const rows = [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => decode(m[1]!.replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ").trim());
  const revokeActions = [...html.matchAll(/action="(\/account\/sessions\/[0-9a-f]{64}\/revoke)"/g)].map((m) => m[1]!);
  return { rows, revokeActions, csrf, html };
}

describe("the sessions list", () => {
  it("shows each session's device, address and times, marks this one, and revokes one so its cookie stops working", async () => {
    const { email } = await newSender("Siri Sessions");
    const laptop = new Browser("192.0.2.44", FIREFOX_WINDOWS);
    expect((await logIn(laptop, email)).status).toBe(303);
    const phone = new Browser("192.0.2.45", SAFARI_IPHONE);
    expect((await logIn(phone, email)).status).toBe(303);

    const { rows, revokeActions, csrf } = await sessionsPage(laptop);
    expect(rows.length).toBe(3);
    expect(rows[0]).toMatch(/^Safari on iOS 192\.0\.2\.45 /);
    const mine = rows.find((r) => r.includes("This session"))!;
    expect(mine).toMatch(/^Firefox on Windows This session 192\.0\.2\.44 \d/);
    // Every other session can be revoked from here; this one is ended with "Log out".
    expect(revokeActions).toHaveLength(2);
    expect(revokeActions).not.toContain(`/account/sessions/${sessionId(laptop)}/revoke`);

    const phoneId = sessionId(phone);
    const res = await laptop.post(`/account/sessions/${phoneId}/revoke`, {}, csrf);
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account?done=revoked");
    expect(await isSignedIn(phone)).toBe(false);
    expect(await isSignedIn(laptop)).toBe(true);
    expect((await sessionsPage(laptop)).rows.length).toBe(2);
    // Revoking it again finds nothing.
    expect((await laptop.post(`/account/sessions/${phoneId}/revoke`, {}, csrf)).status).toBe(404);
  });

  it("revokes every other session at once and keeps this one", async () => {
    const { client, email } = await newSender("Otto Others");
    const a = new Client(freshIp());
    const b = new Client(freshIp());
    expect((await logIn(a, email)).status).toBe(303);
    expect((await logIn(b, email)).status).toBe(303);
    const { csrf } = await sessionsPage(client);
    const res = await client.post("/account/sessions/revoke-others", {}, csrf);
    expect(res.status).toBe(303);
    expect(await isSignedIn(a)).toBe(false);
    expect(await isSignedIn(b)).toBe(false);
    expect(await isSignedIn(client)).toBe(true);
    const after = await sessionsPage(client);
    expect(after.rows).toHaveLength(1);
    expect(after.rows[0]).toContain("This session");
    expect(mainOf(after.html)).not.toContain("Log out every other session");
  });

  it("cannot revoke another user's session: 404, and that session keeps working", async () => {
    const alice = await newSender("Alice Owner");
    const mallory = await newSender("Mallory Other");
    const { csrf } = await sessionsPage(mallory.client);
    const res = await mallory.client.post(`/account/sessions/${sessionId(alice.client)}/revoke`, {}, csrf);
    expect(res.status).toBe(404);
    expect(await isSignedIn(alice.client)).toBe(true);
    // Mallory's own list never shows Alice's session.
    expect((await sessionsPage(mallory.client)).html).not.toContain(sessionId(alice.client));
    expect((await mallory.client.post("/account/sessions/not-a-session/revoke", {}, csrf)).status).toBe(404);
    expect(await isSignedIn(mallory.client)).toBe(true);
  });

  it("sends anonymous visitors to the login page", async () => {
    const anonymous = new Client(freshIp());
    for (const path of ["/account", "/account/password", "/account/email"]) {
      const res = await anonymous.get(path);
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe("/login");
    }
  });
});

describe("session timeouts", () => {
  it("end a session idle for more than 8 hours, server side", async () => {
    const { client } = await newSender("Ida Idle");
    const id = sessionId(client);
    await env.DB.prepare("UPDATE sessions SET last_seen_at = ? WHERE id = ?").bind(new Date(Date.now() - SESSION_IDLE_MS - 60_000).toISOString(), id).run();
    const res = await client.get("/envelopes");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login");
    const row = await env.DB.prepare("SELECT revoked_at FROM sessions WHERE id = ?").bind(id).first<{ revoked_at: string | null }>();
    expect(row!.revoked_at).not.toBeNull();
  });

  it("keep a session active within 8 hours, writing last seen at most every 5 minutes", async () => {
    const { client } = await newSender("Aktiv Anna");
    const id = sessionId(client);
    const lastSeen = async () => (await env.DB.prepare("SELECT last_seen_at FROM sessions WHERE id = ?").bind(id).first<{ last_seen_at: string }>())!.last_seen_at;
    const recent = new Date(Date.now() - 60_000).toISOString();
    await env.DB.prepare("UPDATE sessions SET last_seen_at = ? WHERE id = ?").bind(recent, id).run();
    expect(await isSignedIn(client)).toBe(true);
    expect(await lastSeen()).toBe(recent); // no write for a request a minute later

    const hoursAgo = new Date(Date.now() - 7 * 3600_000).toISOString();
    await env.DB.prepare("UPDATE sessions SET last_seen_at = ? WHERE id = ?").bind(hoursAgo, id).run();
    expect(await isSignedIn(client)).toBe(true);
    expect(Date.parse(await lastSeen())).toBeGreaterThan(Date.now() - 60_000);
  });

  it("end a session at its absolute expiry however active it is", async () => {
    const { client } = await newSender("Abe Absolute");
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE id = ?").bind(new Date(Date.now() - 1000).toISOString(), sessionId(client)).run();
    const res = await client.get("/envelopes");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login");
    expect(client.cookies.has(SESSION)).toBe(false);
  });

  it("give a new session an absolute expiry 30 days out and a cookie that lasts no longer", async () => {
    const client = new Client(freshIp());
    const { email } = await newSender("Tia Thirty");
    const res = await logIn(client, email);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION}=`))!;
    expect(Number(/Max-Age=(\d+)/i.exec(cookie)![1])).toBe(30 * 24 * 3600);
    const row = await env.DB.prepare("SELECT created_at, expires_at FROM sessions WHERE id = ?").bind(sessionId(client)).first<{ created_at: string; expires_at: string }>();
    expect(Date.parse(row!.expires_at) - Date.parse(row!.created_at)).toBe(30 * 24 * 3600_000);
  });
});

describe("session rotation at a privilege change", () => {
  it("gives a new session id and ends the old one", async () => {
    const { client } = await newSender("Rolf Rotate");
    const db = database(env.DB);
    const oldToken = client.cookies.get(SESSION)!;
    const user = (await resumeSession(db, oldToken))!;
    const newToken = await rotateSession(db, user, { ip: "192.0.2.9", userAgent: FIREFOX_WINDOWS });
    expect(newToken).not.toBe(oldToken);
    expect(await resumeSession(db, oldToken)).toBeNull();
    expect((await resumeSession(db, newToken))!.id).toBe(user.id);
  });
});

describe("CSRF on the account forms", () => {
  it("refuses posts without the form token or from another site, and changes nothing", async () => {
    const { client, email } = await newSender("Cora Csrf");
    const other = new Client(freshIp());
    expect((await logIn(other, email)).status).toBe(303);
    const forged: [string, Record<string, string>][] = [
      ["/account/password", { currentPassword: PASSWORD, newPassword: "forged new passphrase" }],
      ["/account/email", { email: "attacker@example.com", password: PASSWORD }],
      ["/account/sessions/revoke-others", {}],
      [`/account/sessions/${sessionId(other)}/revoke`, {}],
      ["/account/verification", {}],
      ["/password/forgot", { email }],
    ];
    for (const [path, fields] of forged) {
      const noToken = await rawPost(client, path, fields, SAME_ORIGIN);
      expect(noToken.status, path).toBe(403);
      const crossSite = await rawPost(client, path, { ...fields, _csrf: client.cookies.get("__Host-pactly-csrf") ?? "" }, { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" });
      expect(crossSite.status, path).toBe(403);
    }
    expect(await isSignedIn(other)).toBe(true);
    const login = new Client(freshIp());
    expect((await logIn(login, email)).status).toBe(303);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM account_tokens WHERE email = 'attacker@example.com'").first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });
});

describe("rate limits", () => {
  async function burst(path: string, fields: () => Record<string, string>, form: string): Promise<Response> {
    const client = new Client(freshIp());
    // The Rate Limiting binding counts in fixed windows on the wall clock: a burst that straddles a boundary is split in two, so it takes up to twice the limit (+1) to be sure of a 429.
    for (let i = 0; i < 21; i++) {
      const { csrf } = await client.page(form);
      const res = await client.post(path, fields(), csrf);
      if (res.status === 429) return res;
    }
    throw new Error(`no 429 from ${path}`);
  }

  it("answer a burst of password-reset requests from one address with 429 and Retry-After", async () => {
    let n = 0;
    const res = await burst("/password/forgot", () => ({ email: `burst-${n++}@example.com` }), "/password/forgot");
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await res.text()).toContain("Too many attempts");
  });

  it("answer a burst of logins from one address with 429 before checking the password", async () => {
    let n = 0;
    const res = await burst("/login", () => ({ email: `guess-${n++}@example.com`, password: "guessing a password" }), "/login");
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
  });

  it("answer a burst of password-change attempts on one account with 429", async () => {
    const { client } = await newSender("Gustav Guesser");
    let limited: Response | null = null;
    // The Rate Limiting binding counts in fixed windows on the wall clock: a burst that straddles a boundary is split in two, so it takes up to twice the limit (+1) to be sure of a 429.
    for (let i = 0; i < 21 && !limited; i++) {
      const { csrf } = await client.page("/account/password");
      const res = await client.post("/account/password", { currentPassword: `wrong guess ${i}`, newPassword: "never applied passphrase" }, csrf);
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(422);
    }
    expect(limited).not.toBeNull();
    expect(Number(limited!.headers.get("Retry-After"))).toBeGreaterThan(0);
  });
});
