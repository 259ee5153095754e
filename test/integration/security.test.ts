/**
 * What an attacker (or a careful user) would notice: response headers, CSRF, sessions,
 * another tenant's envelopes, signing links, double submission, error pages, and the
 * few unauthenticated endpoints. Everything goes through the Worker's real fetch handler.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { Client, ORIGIN, csrfOf, uniqueEmail } from "../support/client";
import {
  PASSWORD,
  SAME_ORIGIN,
  cancelEnvelope,
  createEnvelope,
  envelopeStatus,
  freshIp,
  mainOf,
  newSender,
  newSigner,
  openLink,
  outboxMessages,
  rawPost,
  sendEnvelope,
  sentEnvelope,
  signerRows,
  timeline,
  titleOf,
} from "../support/flows";
import { eventually } from "../support/eventually";

// ---------------------------------------------------------------------------
// helpers

function cspOf(res: Response): Map<string, string[]> {
  const header = res.headers.get("Content-Security-Policy");
  expect(header, "Content-Security-Policy header").toBeTruthy();
  const directives = new Map<string, string[]>();
  for (const part of header!.split(";")) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), values);
  }
  return directives;
}

function nonceOf(res: Response): string {
  const sources = cspOf(res).get("script-src") ?? [];
  const nonce = sources.map((s) => /^'nonce-([A-Za-z0-9+/_=-]+)'$/.exec(s)?.[1]).find(Boolean);
  expect(nonce, "a nonce in script-src").toBeTruthy();
  return nonce!;
}

/** The headers every Worker response must carry; only PDFs may be framed, and only by our own pages. */
function expectStrictHeaders(res: Response, kind: "page" | "pdf" = "page") {
  const csp = cspOf(res);
  expect(csp.get("object-src")).toEqual(["'none'"]);
  expect(csp.get("base-uri")).toEqual(["'none'"]);
  expect(csp.get("frame-ancestors")).toEqual([kind === "pdf" ? "'self'" : "'none'"]);
  const scripts = csp.get("script-src") ?? [];
  expect(scripts.some((s) => s.startsWith("'nonce-"))).toBe(true);
  for (const loose of ["'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"]) expect(scripts).not.toContain(loose);
  nonceOf(res);

  const hsts = res.headers.get("Strict-Transport-Security") ?? "";
  expect(Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? 0)).toBeGreaterThanOrEqual(31_536_000);
  expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(["same-origin", "no-referrer"]).toContain(res.headers.get("Referrer-Policy"));
  const permissions = res.headers.get("Permissions-Policy") ?? "";
  for (const feature of ["camera=()", "microphone=()", "geolocation=()"]) expect(permissions).toContain(feature);
  if (kind === "pdf") {
    // X-Frame-Options: DENY would stop our own signing page from showing the PDF inline.
    expect([null, "SAMEORIGIN"]).toContain(res.headers.get("X-Frame-Options"));
  }
}

type SetCookie = { name: string; value: string; attrs: Map<string, string> };

function setCookies(res: Response): SetCookie[] {
  return res.headers.getSetCookie().map((line) => {
    const [pair = "", ...rest] = line.split(";");
    const eq = pair.indexOf("=");
    const attrs = new Map<string, string>();
    for (const a of rest) {
      const [k = "", ...v] = a.trim().split("=");
      attrs.set(k.toLowerCase(), v.join("="));
    }
    return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attrs };
  });
}

function expectHostOnlyCookie(cookie: SetCookie | undefined) {
  expect(cookie).toBeDefined();
  expect(cookie!.name.startsWith("__Host-")).toBe(true);
  expect(cookie!.attrs.has("httponly")).toBe(true);
  expect(cookie!.attrs.has("secure")).toBe(true);
  expect(cookie!.attrs.get("samesite")?.toLowerCase()).toBe("lax");
  expect(cookie!.attrs.get("path")).toBe("/");
  expect(cookie!.attrs.has("domain")).toBe(false);
}

const SESSION = "__Host-pactly-session";
const randomToken = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** Things an error page must never show: stack frames, source paths, error classes, storage internals. */
function expectNothingInternal(page: string) {
  // Random form tokens and nonces could spell anything; they are not what we look for.
  const html = page.replace(/(value|nonce)="[^"]*"/g, "");
  expect(html).not.toMatch(/\bat [\w.<>]+ \(|:\d+:\d+\)/); // stack frames
  expect(html).not.toMatch(/\.(ts|tsx|mjs|js):\d+/);
  expect(html).not.toMatch(/node_modules|\/src\/|\/work\/|file:\/\//);
  expect(html).not.toMatch(/\b\w*(Error|Exception)\b(?!-)/); // DomainError, TypeError, HTTPException, OperationError …
  expect(html).not.toMatch(/decrypt|cipher|wrapped|sqlite|drizzle|stack/i);
  expect(html).not.toMatch(/\bR2\b|\bD1\b/);
  expect(html).not.toMatch(/No such envelope|No such document|\[not_found\]|internal/);
}

type Attack = { name: string; fields: (token: string, foreign: string) => Record<string, string>; headers: Record<string, string> };

/** Each way a forged form post can arrive; every one must be refused on its own. */
const ATTACKS: Attack[] = [
  { name: "without the _csrf field", fields: () => ({}), headers: { ...SAME_ORIGIN } },
  { name: "with another browser's token", fields: (_t, foreign) => ({ _csrf: foreign }), headers: { ...SAME_ORIGIN } },
  { name: "with a made-up token", fields: () => ({ _csrf: randomToken() }), headers: { ...SAME_ORIGIN } },
  { name: "marked Sec-Fetch-Site: cross-site", fields: (t) => ({ _csrf: t }), headers: { "Sec-Fetch-Site": "cross-site" } },
  { name: "marked Sec-Fetch-Site: same-site", fields: (t) => ({ _csrf: t }), headers: { "Sec-Fetch-Site": "same-site" } },
  { name: "from a foreign Origin", fields: (t) => ({ _csrf: t }), headers: { Origin: "https://evil.example" } },
];

/** Runs every attack against one form and expects a 403 "form expired" page each time. */
async function expectAllRefused(client: Client, path: string, fields: Record<string, string>, token: string) {
  const foreign = csrfOf((await new Client(freshIp()).page("/login")).html);
  expect(foreign).not.toBe("");
  expect(foreign).not.toBe(token);
  for (const attack of ATTACKS) {
    const res = await rawPost(client, path, { ...fields, ...attack.fields(token, foreign) }, attack.headers);
    expect(res.status, `${path} ${attack.name}`).toBe(403);
    const html = await res.text();
    expect(titleOf(html), `${path} ${attack.name}`).toMatch(/^Your form expired/);
    expect(res.headers.get("Location")).toBeNull();
  }
}

async function waitUntilCompleted(sender: Client, path: string) {
  await eventually(async () => (await envelopeStatus(sender, path)) === "Completed", { what: `${path} to complete`, within: 20_000 });
}

// ---------------------------------------------------------------------------

describe("security headers", () => {
  it("are strict on an HTML page", async () => {
    const res = await new Client(freshIp()).get("/signup");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    expectStrictHeaders(res);
  });

  it("are strict on the 404 page", async () => {
    const res = await new Client(freshIp()).get("/no/such/page");
    expect(res.status).toBe(404);
    expectStrictHeaders(res);
  });

  it("are strict on /healthz", async () => {
    const res = await new Client(freshIp()).get("/healthz");
    expect(res.status).toBe(200);
    expectStrictHeaders(res);
  });

  it("let only our own pages frame a PDF download, and nothing else", async () => {
    const { client } = await newSender();
    const { path } = await createEnvelope(client);
    const pdf = await client.get(`${path}/original.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("Content-Type")).toBe("application/pdf");
    expect(new TextDecoder().decode(new Uint8Array(await pdf.arrayBuffer()).subarray(0, 5))).toBe("%PDF-");
    expectStrictHeaders(pdf, "pdf");
    // The envelope page itself, served to the same sender, still refuses all framing.
    const page = await client.get(path);
    expectStrictHeaders(page, "page");
  });

  it("let the signing page frame the signer's inline PDF", async () => {
    const signer = newSigner("Inline Reader");
    const { links } = await sentEnvelope([signer]);
    const { signPath, html } = await openLink(links[0]!.client, links[0]!.link);
    expect(html).toContain(`src="${signPath}/document.pdf"`);
    const inline = await links[0]!.client.get(`${signPath}/document.pdf`);
    expect(inline.status).toBe(200);
    expect(inline.headers.get("Content-Disposition")).toMatch(/^inline/);
    expectStrictHeaders(inline, "pdf");
  });

  it("use a fresh nonce per response, carried by every script tag of a page that loads scripts", async () => {
    const { client } = await newSender();
    const { path } = await createEnvelope(client);
    const nonces = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const res = await client.get(path);
      expect(res.status).toBe(200);
      const nonce = nonceOf(res);
      nonces.add(nonce);
      const html = await res.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/gi)].map((m) => m[0]);
      expect(scripts.length).toBeGreaterThan(0);
      expect(scripts.some((s) => /src="\/htmx[^"]*\.js"/.test(s))).toBe(true);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
      // No inline handlers or htmx hx-on (evaluated with eval), which a nonce cannot cover.
      expect(html).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html).not.toMatch(/hx-on/i);
    }
    expect(nonces.size).toBe(2);
  });
});

describe("CSRF protection", () => {
  it("refuses forged sign-up posts and creates no account", async () => {
    const client = new Client(freshIp());
    const { csrf } = await client.page("/signup");
    const email = uniqueEmail("csrf-signup");
    await expectAllRefused(client, "/signup", { name: "Forged Person", email, password: PASSWORD, locale: "en" }, csrf);
    expect(client.cookies.has(SESSION)).toBe(false);
    // The address is still free: a real sign-up with it succeeds.
    const real = await client.post("/signup", { name: "Real Person", email, password: PASSWORD, locale: "en" }, csrf);
    expect(real.status).toBe(303);
    expect(real.headers.get("Location")).toBe("/envelopes");
  });

  it("refuses forged login posts and starts no session", async () => {
    const { email } = await newSender();
    const victim = new Client(freshIp());
    const { csrf } = await victim.page("/login");
    await expectAllRefused(victim, "/login", { email, password: PASSWORD }, csrf);
    expect(victim.cookies.has(SESSION)).toBe(false);
    const envelopes = await victim.get("/envelopes");
    expect(envelopes.status).toBe(303);
    expect(envelopes.headers.get("Location")).toBe("/login");
  });

  it("refuses forged add-signer posts and adds no signer", async () => {
    const { client } = await newSender();
    const { path } = await createEnvelope(client);
    const { csrf } = await client.page(path);
    const email = uniqueEmail("csrf-signer");
    await expectAllRefused(client, `${path}/recipients`, { name: "Mallory", email, locale: "en" }, csrf);
    expect(await signerRows(client, path)).toEqual([]);
    expect((await client.page(path)).html).not.toContain(email);
    expect(await timeline(client, path)).not.toContain("Signer added");
  });

  it("refuses forged send posts and leaves the envelope a draft", async () => {
    const { client } = await newSender();
    const signer = newSigner("Not Invited");
    const { path } = await createEnvelope(client, { signers: [signer] });
    const { csrf } = await client.page(path);
    await expectAllRefused(client, `${path}/send`, { expiryDays: "30" }, csrf);
    expect(await envelopeStatus(client, path)).toBe("Draft");
    expect(await timeline(client, path)).not.toContain("Sent for signing");
  });

  it("refuses forged sign posts and records no signature", async () => {
    const signer = newSigner("Forged Signer");
    const { sender, path, links } = await sentEnvelope([signer]);
    const { signPath, csrf } = await openLink(links[0]!.client, links[0]!.link);
    await expectAllRefused(links[0]!.client, `${signPath}/sign`, { typedName: signer.name, consent: "yes" }, csrf);
    expect((await timeline(sender.client, path)).some((e) => e.startsWith("Signed"))).toBe(false);
    const page = await links[0]!.client.page(signPath);
    expect(page.res.status).toBe(200);
    expect(page.html).toContain("Sign the document");
  });

  it("refuses a forged logout and keeps the session", async () => {
    const { client } = await newSender();
    const { csrf } = await client.page("/envelopes");
    await expectAllRefused(client, "/logout", {}, csrf);
    expect((await client.get("/envelopes")).status).toBe(200);
  });
});

describe("sessions", () => {
  it("keep the session in a __Host- cookie that is HttpOnly, Secure and SameSite=Lax, at sign-up and at login", async () => {
    const client = new Client(freshIp());
    const { csrf } = await client.page("/signup");
    const email = uniqueEmail("cookie");
    const signedUp = await client.post("/signup", { name: "Cookie Person", email, password: PASSWORD, locale: "en" }, csrf);
    expect(signedUp.status).toBe(303);
    expectHostOnlyCookie(setCookies(signedUp).find((c) => c.name === SESSION));

    const other = new Client(freshIp());
    const login = await other.page("/login");
    const loggedIn = await other.post("/login", { email, password: PASSWORD }, login.csrf);
    expect(loggedIn.status).toBe(303);
    const cookie = setCookies(loggedIn).find((c) => c.name === SESSION);
    expectHostOnlyCookie(cookie);
    // Each login starts its own session.
    expect(cookie!.value).not.toBe(client.cookies.get(SESSION));
  });

  it("never adopt a session token planted before login", async () => {
    const { email } = await newSender();
    const client = new Client(freshIp());
    const planted = randomToken();
    client.cookies.set(SESSION, planted);
    const { csrf } = await client.page("/login");
    const res = await client.post("/login", { email, password: PASSWORD }, csrf);
    expect(res.status).toBe(303);
    expect(client.cookies.get(SESSION)).toBeDefined();
    expect(client.cookies.get(SESSION)).not.toBe(planted);
    const attacker = new Client(freshIp());
    attacker.cookies.set(SESSION, planted);
    const replay = await attacker.get("/envelopes");
    expect(replay.status).toBe(303);
    expect(replay.headers.get("Location")).toBe("/login");
  });

  it("end on the server at logout, so a replayed cookie is sent to the login page", async () => {
    const { client } = await newSender();
    const stolen = client.cookies.get(SESSION)!;
    const thief = new Client(freshIp());
    thief.cookies.set(SESSION, stolen);
    expect((await thief.get("/envelopes")).status).toBe(200); // the copy works while the session lives

    const { csrf } = await client.page("/envelopes");
    const out = await client.post("/logout", {}, csrf);
    expect(out.status).toBeLessThan(400);
    expect(await out.text()).toContain("You are logged out.");
    expect(client.cookies.has(SESSION)).toBe(false);

    const replay = await thief.get("/envelopes");
    expect(replay.status).toBe(303);
    expect(replay.headers.get("Location")).toBe("/login");
  });

  it("treat a forged random session cookie as anonymous", async () => {
    const client = new Client(freshIp());
    client.cookies.set(SESSION, randomToken());
    const res = await client.get("/envelopes");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login");
    // The bogus cookie is cleared.
    expect(client.cookies.has(SESSION)).toBe(false);
    client.cookies.set(SESSION, randomToken());
    const home = await client.page("/");
    expect(home.res.status).toBe(200);
    expect(home.html).toContain('href="/login"');
    expect(home.html).not.toContain('action="/logout"');
  });
});

describe("another tenant", () => {
  it("cannot see, download, change, send or cancel someone else's envelope, and every route answers 404", async () => {
    const a = await newSender("Alice Owner");
    const signer = newSigner("Sam Signer");
    const draft = await createEnvelope(a.client, { title: "Alice's draft", signers: [signer] });
    const before = { rows: await signerRows(a.client, draft.path), events: await timeline(a.client, draft.path) };
    const rid = /action="\/envelopes\/env_[^/]+\/recipients\/(rcp_[^/]+)\/remove"/.exec((await a.client.page(draft.path)).html)![1]!;

    // A completed envelope too, so signed.pdf exists for Alice.
    const done = await sentEnvelope([newSigner("Done Signer")], { title: "Alice's signed" });
    const { signPath, csrf: signCsrf } = await openLink(done.links[0]!.client, done.links[0]!.link);
    expect((await done.links[0]!.client.post(`${signPath}/sign`, { typedName: "Done Signer", consent: "yes" }, signCsrf)).status).toBe(303);
    await waitUntilCompleted(done.sender.client, done.path);
    expect((await done.sender.client.get(`${done.path}/signed.pdf`)).status).toBe(200);

    const b = await newSender("Bob Other");
    const { csrf } = await b.client.page("/envelopes/new");
    const gets = [draft.path, `${draft.path}/original.pdf`, done.path, `${done.path}/original.pdf`, `${done.path}/signed.pdf`];
    const posts: [string, Record<string, string>][] = [
      [`${draft.path}/recipients`, { name: "Bob's friend", email: uniqueEmail("intruder"), locale: "en" }],
      [`${draft.path}/recipients/${rid}/remove`, {}],
      [`${draft.path}/send`, { expiryDays: "30" }],
      [`${draft.path}/cancel`, { reason: "" }],
      [`${done.path}/cancel`, { reason: "" }],
    ];
    // The 404 for someone else's envelope looks exactly like one for an id that never existed.
    const unknown = await b.client.page(`/envelopes/env_${"Z".repeat(21)}`);
    expect(unknown.res.status).toBe(404);
    for (const path of gets) {
      const res = await b.client.get(path);
      expect(res.status, `GET ${path}`).toBe(404);
      expect(res.headers.get("Content-Type"), `GET ${path}`).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).not.toContain("Alice");
      expect(titleOf(html)).toBe(titleOf(unknown.html));
    }
    for (const [path, fields] of posts) {
      const res = await b.client.post(path, fields, csrf);
      expect(res.status, `POST ${path}`).toBe(404);
      expect(await res.text()).not.toContain("Alice");
    }
    expect((await b.client.page("/envelopes")).html).not.toContain("Alice");

    // Nothing changed for Alice.
    expect(await envelopeStatus(a.client, draft.path)).toBe("Draft");
    expect(await signerRows(a.client, draft.path)).toEqual(before.rows);
    expect(await timeline(a.client, draft.path)).toEqual(before.events);
    expect(await envelopeStatus(done.sender.client, done.path)).toBe("Completed");
  });

  it("anonymous visitors are sent to the login page by every sender route", async () => {
    const a = await newSender("Alice Owner");
    const signer = newSigner("Sam Signer");
    const { path } = await createEnvelope(a.client, { signers: [signer] });
    const rid = /\/recipients\/(rcp_[^/]+)\/remove"/.exec((await a.client.page(path)).html)![1]!;
    const before = await timeline(a.client, path);

    const anonymous = new Client(freshIp());
    const { csrf } = await anonymous.page("/login");
    const gets = ["/envelopes", "/envelopes/new", path, `${path}/original.pdf`, `${path}/signed.pdf`];
    const posts: [string, Record<string, string>][] = [
      ["/envelopes", { title: "Anonymous upload", order: "parallel" }],
      [`${path}/recipients`, { name: "Anon", email: uniqueEmail("anon"), locale: "en" }],
      [`${path}/recipients/${rid}/remove`, {}],
      [`${path}/send`, { expiryDays: "30" }],
      [`${path}/cancel`, { reason: "" }],
    ];
    for (const p of gets) {
      const res = await anonymous.get(p);
      expect(res.status, `GET ${p}`).toBe(303);
      expect(res.headers.get("Location"), `GET ${p}`).toBe("/login");
    }
    for (const [p, fields] of posts) {
      const res = await anonymous.post(p, fields, csrf);
      expect(res.status, `POST ${p}`).toBe(303);
      expect(res.headers.get("Location"), `POST ${p}`).toBe("/login");
    }
    expect(await timeline(a.client, path)).toEqual(before);
    expect(await envelopeStatus(a.client, path)).toBe("Draft");
  });
});

describe("signing links", () => {
  it("move the token into a __Host- cookie, redirect to a clean URL and record nothing on the GET", async () => {
    const signer = newSigner("Clean Url");
    const { sender, path, links } = await sentEnvelope([signer]);
    const { client, link } = links[0]!;
    const token = link.split("/").pop()!;
    const before = await timeline(sender.client, path);
    expect(before).toContain("Invitation sent — Clean Url");

    const res = await client.get(link);
    expect(res.status).toBe(303);
    const location = res.headers.get("Location")!;
    expect(location).toMatch(/^\/sign\/rcp_[A-Za-z0-9_-]+(\?|$)/);
    expect(location).not.toContain(token);
    const rid = location.split("?")[0]!.split("/").pop()!;
    const cookie = setCookies(res).find((c) => c.name.startsWith("__Host-pactly-sign-"));
    expectHostOnlyCookie(cookie);
    expect(cookie!.name).toBe(`__Host-pactly-sign-${rid}`);

    // A mail scanner that follows the redirect still records nothing.
    const page = await client.page(location);
    expect(page.res.status).toBe(200);
    expect(page.html).not.toContain(token);
    expect(await timeline(sender.client, path)).toEqual(before);
    expect((await sender.client.page(path)).html).not.toContain(token);

    // Reading the document is a real action: now "Opened" appears.
    expect((await client.get(`/sign/${rid}/document.pdf`)).status).toBe(200);
    expect(await timeline(sender.client, path)).toContain("Opened — Clean Url");
  });

  it("answer a wrong or malformed token with a 404 page that reveals nothing", async () => {
    const signer = newSigner("Real Person");
    const { links } = await sentEnvelope([signer]);
    const token = links[0]!.link.split("/").pop()!;
    const flipped = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    const guesser = new Client(freshIp());
    const mains: string[] = [];
    for (const guess of [flipped, randomToken(), "abc", "not a token!", "%00%27%22<script>", "A".repeat(200)]) {
      const res = await guesser.get(`/s/${guess}`);
      expect(res.status, guess).toBe(404);
      expect(setCookies(res).some((c) => c.name.startsWith("__Host-pactly-sign-"))).toBe(false);
      const html = await res.text();
      expect(html).not.toMatch(/rcp_|env_/);
      expect(html).not.toContain("Real Person");
      expect(html).not.toContain("<script>");
      expectNothingInternal(html);
      mains.push(mainOf(html));
    }
    // Almost right and nonsense look the same.
    expect(new Set(mains).size).toBe(1);
  });

  it("give a signer's cookie no access to another recipient's signing page", async () => {
    const first = newSigner("First Signer");
    const second = newSigner("Second Signer");
    const { sender, path, links } = await sentEnvelope([first, second]);
    const one = await openLink(links[0]!.client, links[0]!.link);
    // Learn the second recipient's id the way only the second signer could.
    const two = await openLink(links[1]!.client, links[1]!.link);
    const firstCookie = links[0]!.client.cookies.get(`__Host-pactly-sign-${one.recipientId}`)!;
    const before = await timeline(sender.client, path);

    const attacker = links[0]!.client;
    const page = await attacker.page(two.signPath);
    expect(page.res.status).toBe(404);
    expect(page.html).not.toContain(second.email);
    expect(page.html).not.toContain("Sign the document");
    expect((await attacker.get(`${two.signPath}/document.pdf`)).status).toBe(404);
    expect((await attacker.post(`${two.signPath}/sign`, { typedName: "Second Signer", consent: "yes" }, one.csrf)).status).toBe(404);

    // Even with the first signer's token copied under the second recipient's cookie name.
    const forger = new Client(freshIp());
    const { csrf: forgerCsrf } = await forger.page("/login");
    forger.cookies.set(`__Host-pactly-sign-${two.recipientId}`, firstCookie);
    const forged = await forger.page(two.signPath);
    expect(forged.res.status).toBe(404);
    expect(forged.html).not.toContain(second.email);
    expect((await forger.post(`${two.signPath}/sign`, { typedName: "Second Signer", consent: "yes" }, forgerCsrf)).status).toBe(404);
    expect((await forger.post(`${two.signPath}/decline`, { reason: "Forged" }, forgerCsrf)).status).toBe(404);

    const after = await timeline(sender.client, path);
    expect(after).toEqual(before);
    expect(await envelopeStatus(sender.client, path)).toBe("Out for signing");
  });

  it("stop a signer from signing once the sender has cancelled", async () => {
    const signer = newSigner("Late Signer");
    const { sender, path, links } = await sentEnvelope([signer]);
    const { signPath, csrf } = await openLink(links[0]!.client, links[0]!.link);
    await cancelEnvelope(sender.client, path);

    const res = await links[0]!.client.post(`${signPath}/sign`, { typedName: signer.name, consent: "yes" }, csrf);
    expect(res.status).not.toBe(303);
    const html = await res.text();
    expect(html).toContain("This envelope was cancelled");
    expect(html).not.toContain('action="' + signPath + '/sign"');
    const declined = await links[0]!.client.post(`${signPath}/decline`, { reason: "Too late" }, csrf);
    expect(await declined.text()).toContain("This envelope was cancelled");

    const page = await links[0]!.client.page(signPath);
    expect(page.html).toContain("This envelope was cancelled");
    const events = await timeline(sender.client, path);
    expect(events).toContain("Envelope cancelled");
    expect(events.some((e) => e.startsWith("Signed") || e.startsWith("Declined"))).toBe(false);
    expect(await envelopeStatus(sender.client, path)).toBe("Cancelled");
  });

  it("answer repeated guessing from one address with 429 and a Retry-After header", async () => {
    const guesser = new Client(freshIp());
    let limited: { res: Response; html: string } | null = null;
    // The link limiter allows 30 lookups a minute per address; the 31st in a window is refused.
    // The Rate Limiting binding counts in fixed windows on the wall clock: a burst that straddles a boundary is split in two, so it takes up to twice the limit (+1) to be sure of a 429.
    for (let i = 0; i < 61 && !limited; i++) {
      const res = await guesser.get(`/s/${randomToken()}`);
      const html = await res.text();
      if (res.status === 429) limited = { res, html };
      else expect(res.status).toBe(404);
    }
    expect(limited).not.toBeNull();
    expect(Number(limited!.res.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(limited!.html).toContain("Too many attempts");
    // A different address is not affected.
    expect((await new Client(freshIp()).get(`/s/${randomToken()}`)).status).toBe(404);
  });
});

describe("double submission", () => {
  it("of the sign form answers 303 twice and records exactly one signature", async () => {
    const first = newSigner("Double Clicker");
    const second = newSigner("Still Waiting");
    const { sender, path, links } = await sentEnvelope([first, second]);
    const { signPath, csrf } = await openLink(links[0]!.client, links[0]!.link);
    const fields = { typedName: first.name, consent: "yes" };
    const [a, b] = await Promise.all([links[0]!.client.post(`${signPath}/sign`, fields, csrf), links[0]!.client.post(`${signPath}/sign`, fields, csrf)]);
    const c = await links[0]!.client.post(`${signPath}/sign`, fields, csrf);
    for (const res of [a, b, c]) {
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe(signPath);
    }
    const events = await timeline(sender.client, path);
    expect(events.filter((e) => e === "Signed — Double Clicker")).toHaveLength(1);
    expect(events.filter((e) => e.startsWith("Signed"))).toHaveLength(1);
  });
});

describe("error pages", () => {
  it("the 404 page reveals nothing internal", async () => {
    const res = await new Client(freshIp()).get("/wp-admin/../../etc/passwd.php");
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(titleOf(html)).toMatch(/^Page not found/);
    expectNothingInternal(html);
  });

  it("a missing envelope reveals nothing internal to its sender either", async () => {
    const { client } = await newSender();
    for (const path of [`/envelopes/env_${"x".repeat(20)}`, "/envelopes/not-an-id", `/envelopes/env_${"x".repeat(20)}/signed.pdf`]) {
      const res = await client.get(path);
      expect(res.status, path).toBe(404);
      expectNothingInternal(await res.text());
    }
  });

  it("a document that fails decryption gets a clear page (never partial bytes) with nothing internal", async () => {
    const { client } = await newSender();
    const { path, id } = await createEnvelope(client);
    // Corrupt the stored ciphertext: decryption must fail on the next download.
    const row = await env.DB.prepare("SELECT d.r2_key AS key FROM envelopes e JOIN documents d ON d.id = e.document_id WHERE e.id = ?").bind(id).first<{ key: string }>();
    expect(row?.key).toBeTruthy();
    const stored = new Uint8Array(await (await env.DOCUMENTS.get(row!.key))!.arrayBuffer());
    stored[stored.length - 1]! ^= 0xff;
    stored[Math.floor(stored.length / 2)]! ^= 0xff;
    await env.DOCUMENTS.put(row!.key, stored);

    const res = await client.get(`${path}/original.pdf`);
    expect(res.status).toBe(500);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    expectStrictHeaders(res);
    const html = await res.text();
    expect(titleOf(html)).toMatch(/^This document cannot be opened/);
    expect(html).not.toContain("%PDF");
    expect(html).not.toContain(row!.key);
    expectNothingInternal(html);
  });

  it("a malformed form body is refused as a bad request, not a server error, and reveals nothing", async () => {
    const client = new Client(freshIp());
    const { csrf } = await client.page("/signup");
    for (const type of ["multipart/form-data", "multipart/form-data; boundary=xyz"]) {
      const res = await client.fetch("/signup", {
        method: "POST",
        headers: { ...SAME_ORIGIN, "Content-Type": type },
        body: `--nope\r\n_csrf=${csrf}`,
      });
      expect(res.status, type).toBeGreaterThanOrEqual(400);
      expect(res.status, type).toBeLessThan(500);
      expectNothingInternal(await res.text());
    }
  });
});

describe("unauthenticated endpoints", () => {
  it("/healthz answers {\"status\":\"ok\"}", async () => {
    const res = await new Client(freshIp()).get("/healthz");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("the development outbox exists in development and shows sent invitations", async () => {
    expect(env.ENVIRONMENT).toBe("development");
    const signer = newSigner("Outbox Reader");
    const { sender } = await sentEnvelope([signer]);
    const messages = await outboxMessages(sender.client);
    const invite = messages.find((m) => m.to === signer.email);
    expect(invite?.link).toMatch(/\/s\/[A-Za-z0-9_-]{22,}$/);
    const page = await sender.client.page("/dev/outbox");
    expect(page.res.status).toBe(200);
    expect(page.html).toContain(signer.email);
    expectStrictHeaders(page.res);
  });

  it("the development outbox does not exist when the same app runs with ENVIRONMENT=production", async () => {
    const app = createApp();
    const production = { ...env, ENVIRONMENT: "production" } as typeof env;
    // Make sure the outbox holds something that could leak.
    await sentEnvelope([newSigner("Prod Check")]);
    for (const path of ["/dev/outbox", "/dev/outbox.json"]) {
      const ctx = createExecutionContext();
      const res = await app.fetch(new Request(new URL(path, ORIGIN), { headers: { "CF-Connecting-IP": freshIp() } }), production, ctx);
      await waitOnExecutionContext(ctx);
      expect(res.status, path).toBe(404);
      const body = await res.text();
      expect(body).not.toContain("/s/");
      expect(body).not.toContain("@example.com");
    }
    // The same app with the development vars does serve it (so the 404 above is the environment's doing).
    const ctx = createExecutionContext();
    const dev = await app.fetch(new Request(new URL("/dev/outbox.json", ORIGIN)), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(dev.status).toBe(200);
  });

  it("the development outbox does not exist for a Worker deployed with ENVIRONMENT=development, at its public address or with a public APP_URL", async () => {
    const app = createApp();
    await sentEnvelope([newSigner("Misdeployed Check")]);
    const deployed = { ...env, ENVIRONMENT: "development", APP_URL: "https://sign.pactly.example" } as typeof env;
    const cases: [string, typeof env][] = [
      ["https://sign.pactly.example", env], // development vars, but a request to a public host
      ["https://pactly.workers.dev", env],
      [ORIGIN, deployed], // a local-looking host, but the app's own URL is public
    ];
    for (const [origin, vars] of cases) {
      for (const path of ["/dev/outbox", "/dev/outbox.json"]) {
        const ctx = createExecutionContext();
        const res = await app.fetch(new Request(new URL(path, origin), { headers: { "CF-Connecting-IP": freshIp() } }), vars, ctx);
        await waitOnExecutionContext(ctx);
        expect(res.status, `${origin}${path}`).toBe(404);
        const body = await res.text();
        expect(body).not.toContain("/s/");
        expect(body).not.toContain("@example.com");
      }
    }
  });

  it("an API request without a key answers 401 as application/problem+json with status, title and detail, even for an unknown endpoint", async () => {
    const client = new Client(freshIp());
    for (const init of [{ method: "GET" }, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }]) {
      const res = await client.fetch("/api/v1/no-such-endpoint", init);
      // Authentication comes before routing, so the API's shape is not revealed to strangers.
      expect(res.status, init.method).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
      expect(res.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body.status).toBe(401);
      expect(typeof body.title).toBe("string");
      expect((body.title as string).length).toBeGreaterThan(0);
      expect(typeof body.detail).toBe("string");
      expect((body.detail as string).length).toBeGreaterThan(0);
      expectStrictHeaders(res);
    }
  });
});
