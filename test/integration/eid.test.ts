/**
 * Nordic eID through an OIDC broker, end to end through the Worker's routes, against a
 * local issuer that signs real ID tokens. The app is built with the issuer as its network
 * edge (createApp({ edgeFetch })); everything else is the real Worker and its bindings.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import type { Env } from "../../src/env";
import type { IdentificationEvidence } from "../../src/domain/identification";
import { namesMatch, nationalIdOf } from "../../src/services/eid/claims";
import { Client, ORIGIN } from "../support/client";
import { createEnvelope, freshIp, invitationLink, mainOf, newSender, newSigner, openLink, sendEnvelope, titleOf, type Signer } from "../support/flows";
import { createOidcIssuer, TEST_NATIONAL_ID, type IssuerMode, type OidcIssuer } from "../support/oidc-issuer";

const NATIONAL_ID_KEY = "test-national-id-hmac-key-0123456789abcdef";

let issuer: OidcIssuer;
beforeAll(async () => {
  issuer = await createOidcIssuer();
});

/** The structured lines the Worker logs while a test runs (it runs in this isolate). */
let logged: string[] = [];
beforeAll(() => {
  for (const level of ["log", "error", "warn"] as const) {
    const original = console[level].bind(console);
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(" "));
      original(...args);
    });
  }
});
afterEach(() => {
  logged = [];
});
function eidLog(event: string): Record<string, string>[] {
  return logged.filter((l) => l.startsWith('{"msg":"eid"')).map((l) => JSON.parse(l) as Record<string, string>).filter((l) => l.event === event);
}

function eidEnv(i: OidcIssuer, extra: Partial<Env> = {}): Env {
  return { ...env, EID_ISSUER: i.url, EID_CLIENT_ID: i.clientId, EID_CLIENT_SECRET: i.clientSecret, EID_NATIONAL_ID_KEY: NATIONAL_ID_KEY, ...extra } as Env;
}

/** Drives the app built with the issuer as its edge, keeping the client's cookies like a browser. */
async function viaApp(client: Client, path: string, init: RequestInit & { env?: Env; edge?: OidcIssuer } = {}): Promise<Response> {
  const edge = init.edge ?? issuer;
  const app = createApp({ edgeFetch: edge.fetch });
  const headers = new Headers(init.headers);
  if (client.cookies.size > 0) headers.set("Cookie", [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
  headers.set("CF-Connecting-IP", client.ip);
  headers.set("User-Agent", "PactlyTest/1.0");
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(new URL(path, ORIGIN), { ...init, headers, redirect: "manual" }), init.env ?? eidEnv(edge), ctx);
  await waitOnExecutionContext(ctx);
  for (const line of res.headers.getSetCookie()) {
    const [pair = "", ...attrs] = line.split(";");
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (value === "" || attrs.some((a) => /max-age=0\b/i.test(a))) client.cookies.delete(name);
    else client.cookies.set(name, value);
  }
  return res;
}

function form(fields: Record<string, string>, headers: Record<string, string> = { Origin: ORIGIN, "Sec-Fetch-Site": "same-origin" }): RequestInit {
  return { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(fields) };
}

type EidSigner = Signer & { client: Client; envelopeId: string; envelopePath: string; sender: Client; recipientId: string; signPath: string; csrf: string };

/** A sent envelope with one signer who identifies by eID, whose signing link is open in their browser. */
async function eidSigner(name = "Kari Nordmann"): Promise<EidSigner> {
  const sender = await newSender();
  const { path, id } = await createEnvelope(sender.client);
  const signer = newSigner(name);
  const { csrf: builderCsrf } = await sender.client.page(path);
  const added = await sender.client.post(`${path}/recipients`, { name: signer.name, email: signer.email, locale: "en", method: "eid" }, builderCsrf);
  expect(added.status).toBe(303);
  await sendEnvelope(sender.client, path);
  const client = new Client(freshIp());
  const opened = await openLink(client, await invitationLink(sender.client, signer.email));
  return { ...signer, client, envelopeId: id, envelopePath: path, sender: sender.client, recipientId: opened.recipientId, signPath: opened.signPath, csrf: opened.csrf };
}

/** Presses "Identify with eID": the answer is a 303 to the broker. */
async function start(s: EidSigner, fields: Record<string, string> = {}, opts: { env?: Env; edge?: OidcIssuer } = {}): Promise<Response> {
  return viaApp(s.client, `${s.signPath}/eid/start`, { ...form({ _csrf: s.csrf, ...fields }), ...opts });
}

async function startedAt(s: EidSigner, edge: OidcIssuer = issuer): Promise<URL> {
  const res = await start(s, {}, { edge });
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get("Location")!);
  expect(location.origin).toBe(edge.url);
  return location;
}

/** The broker's form_post arriving cross-site, with no cookies at all (SameSite=Lax ones are not sent). */
async function callback(fields: Record<string, string>, edge: OidcIssuer = issuer): Promise<Response> {
  return viaApp(new Client(freshIp()), "/eid/callback", { ...form(fields, { Origin: edge.url, "Sec-Fetch-Site": "cross-site" }), edge });
}

async function identifyWith(s: EidSigner, mode: IssuerMode, edge: OidcIssuer = issuer): Promise<Response> {
  const url = await startedAt(s, edge);
  edge.mode = mode;
  try {
    const post = await edge.formPost(url.toString());
    return await callback(post.fields, edge);
  } finally {
    edge.mode = "ok";
  }
}

async function recipientState(s: EidSigner) {
  const state = await env.ENVELOPE.get(env.ENVELOPE.idFromName(s.envelopeId)).getState();
  return state!.recipients.find((r) => r.id === s.recipientId)!;
}

async function events(envelopeId: string) {
  return env.ENVELOPE.get(env.ENVELOPE.idFromName(envelopeId)).getEvents();
}

/** Follows a failure redirect and returns the page the signer sees. */
async function failurePage(s: EidSigner, res: Response): Promise<{ status: number; html: string }> {
  expect(res.status).toBe(303);
  const location = res.headers.get("Location")!;
  expect(location).toMatch(new RegExp(`^/sign/${s.recipientId}/eid/problem\\?reason=`));
  const page = await viaApp(s.client, location);
  return { status: page.status, html: await page.text() };
}

describe("eID start", () => {
  it("sends the signer to the broker with PKCE S256, state, nonce, acr_values and our callback", async () => {
    const s = await eidSigner();
    const url = await startedAt(s);
    const q = url.searchParams;
    expect(url.pathname).toBe("/oauth2/authorize");
    expect(q.get("response_type")).toBe("code");
    expect(q.get("response_mode")).toBe("form_post");
    expect(q.get("client_id")).toBe(issuer.clientId);
    expect(q.get("scope")).toBe("openid");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("acr_values")).toBe("urn:grn:authn:no:bankid");
    expect(q.get("redirect_uri")).toBe(`${env.APP_URL}/eid/callback`);
    // The state is kept only as its hash.
    const rows = await env.DB.prepare("SELECT * FROM eid_states WHERE recipient_id = ?").bind(s.recipientId).all();
    expect(rows.results).toHaveLength(1);
    expect(JSON.stringify(rows.results)).not.toContain(q.get("state"));
    // A second attempt gets a fresh state and nonce (a new salt).
    const again = (await startedAt(s)).searchParams;
    expect(again.get("state")).not.toBe(q.get("state"));
    expect(again.get("nonce")).not.toBe(q.get("nonce"));
  });

  it("lets the signer choose when several eIDs are offered, and refuses one that is not", async () => {
    const s = await eidSigner();
    const several = eidEnv(issuer, { EID_SCHEMES: "no_bankid, se_bankid,dk_mitid" });
    const chooser = await start(s, {}, { env: several });
    expect(chooser.status).toBe(200);
    const html = await chooser.text();
    expect(html).toContain("<legend>Which eID do you want to use?</legend>");
    expect(html).toMatch(/<input id="scheme" name="scheme" type="radio" value="no_bankid"/);
    expect(html).toContain("Swedish BankID");
    expect(html).toContain("MitID (Denmark)");
    expect(html).not.toContain("Finnish Trust Network");

    const wrong = await start(s, { scheme: "fi_ftn" }, { env: several });
    expect(wrong.status).toBe(422);
    const wrongHtml = await wrong.text();
    expect(titleOf(wrongHtml)).toMatch(/^Error: /);
    expect(wrongHtml).toContain('<a href="#scheme">Choose the eID you want to use</a>');

    const chosen = await start(s, { scheme: "se_bankid" }, { env: several });
    expect(chosen.status).toBe(303);
    expect(new URL(chosen.headers.get("Location")!).searchParams.get("acr_values")).toBe("urn:grn:authn:se:bankid:same-device");
  });

  it("says clearly that eID is not available when the deployment has no broker, and changes nothing", async () => {
    const s = await eidSigner();
    const res = await start(s, {}, { env: env as Env });
    expect(res.status).toBe(503);
    const html = await res.text();
    expect(titleOf(html)).toContain("eID is not available");
    expect(mainOf(html)).toContain("eID is not available on this deployment");
    expect((await recipientState(s)).status).not.toBe("identified");
  });

  it("says the eID provider cannot be reached when the broker is down, and writes nothing", async () => {
    const s = await eidSigner();
    const down: OidcIssuer = { ...issuer, url: "https://down-broker.example", fetch: async () => new Response("Bad gateway", { status: 502 }) };
    const res = await start(s, {}, { edge: down });
    expect(res.status).toBe(503);
    const html = await res.text();
    expect(titleOf(html)).toContain("Your eID provider cannot be reached");
    expect(mainOf(html)).toContain(">Try again</button>");
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM eid_states WHERE recipient_id = ?").bind(s.recipientId).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it("needs the signer's own session: without the signing cookie nothing starts", async () => {
    const s = await eidSigner();
    // Someone else's browser, with a valid form token of its own but no signing cookie.
    const stranger = new Client(freshIp());
    const { csrf } = await stranger.page("/login");
    const res = await viaApp(stranger, `${s.signPath}/eid/start`, form({ _csrf: csrf }));
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(s.signPath);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM eid_states WHERE recipient_id = ?").bind(s.recipientId).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });
});

describe("eID callback", () => {
  it("identifies the signer from a cross-site form_post without cookies, then they can sign; the number is stored nowhere", async () => {
    const s = await eidSigner();
    const res = await identifyWith(s, "ok");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(s.signPath);
    expect(issuer.tokenAuth.at(-1)).toBe("client_secret_basic");
    expect(eidLog("identified")).toEqual([expect.objectContaining({ recipientId: s.recipientId, scheme: "no_bankid" })]);
    expect(logged.join("\n")).not.toContain(TEST_NATIONAL_ID);

    const recipient = await recipientState(s);
    expect(recipient.status).toBe("identified");
    const evidence = recipient.identification as Extract<IdentificationEvidence, { method: "eid" }>;
    expect(evidence).toMatchObject({
      method: "eid",
      provider: issuer.url,
      scheme: "no_bankid",
      assurance: "urn:grn:authn:no:bankid",
      name: "Kari Nordmann",
      subject: "{b7f1c9e2-pseudonymous-subject}",
      nameMismatch: false,
    });
    expect(evidence.nationalIdHash).toMatch(/^[0-9a-f]{64}$/);

    // The state is single use: its row is gone.
    const left = await env.DB.prepare("SELECT count(*) AS n FROM eid_states WHERE recipient_id = ?").bind(s.recipientId).first<{ n: number }>();
    expect(left!.n).toBe(0);

    // Now the signer signs as usual.
    const page = await s.client.page(s.signPath);
    expect(page.res.status).toBe(200);
    const signed = await s.client.post(`${s.signPath}/sign`, { typedName: "Kari Nordmann", consent: "yes" }, page.csrf);
    expect(signed.status).toBe(303);
    expect((await recipientState(s)).status).toBe("signed");

    // The national id number is nowhere: not in D1, not in the object's events or state, not in the evidence bundle.
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>();
    for (const { name } of tables.results) {
      const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      expect(JSON.stringify(rows.results), name).not.toContain(TEST_NATIONAL_ID);
    }
    const chain = await events(s.envelopeId);
    expect(chain.some((e) => e.type === "recipient_identified")).toBe(true);
    expect(JSON.stringify(chain)).not.toContain(TEST_NATIONAL_ID);
    expect(JSON.stringify(await recipientState(s))).not.toContain(TEST_NATIONAL_ID);
    const bundle = await s.sender.get(`${s.envelopePath}/evidence.json`);
    expect(bundle.status).toBe(200);
    const bundleText = await bundle.text();
    expect(bundleText).toContain(evidence.nationalIdHash!);
    expect(bundleText).not.toContain(TEST_NATIONAL_ID);
  });

  it("authenticates with client_secret_post when that is all the broker offers", async () => {
    const postOnly = await createOidcIssuer({ authMethods: ["client_secret_post"] });
    const s = await eidSigner();
    const res = await identifyWith(s, "ok", postOnly);
    expect(res.headers.get("Location")).toBe(s.signPath);
    expect(postOnly.tokenAuth).toEqual(["client_secret_post"]);
    expect((await recipientState(s)).status).toBe("identified");
  });

  it("flags a returned name that does not match the signer's, but still identifies them", async () => {
    const s = await eidSigner();
    issuer.claims = { name: "Ola Hansen" };
    try {
      await identifyWith(s, "ok");
    } finally {
      issuer.claims = {};
    }
    const evidence = (await recipientState(s)).identification as Extract<IdentificationEvidence, { method: "eid" }>;
    expect(evidence.name).toBe("Ola Hansen");
    expect(evidence.nameMismatch).toBe(true);
    // The sender is warned on the envelope page, with both names.
    const page = await (await s.sender.get(s.envelopePath)).text();
    expect(page).toContain("Identified with Norwegian BankID");
    expect(page).toMatch(/the eID returned the name “Ola Hansen”, which does not match “Kari Nordmann”/);
  });

  it("shows no name warning to the sender when the names match", async () => {
    const s = await eidSigner();
    await identifyWith(s, "ok");
    const page = await (await s.sender.get(s.envelopePath)).text();
    expect(page).toContain("Identified with Norwegian BankID");
    expect(page).not.toContain("does not match");
  });

  const rejections: [IssuerMode, string, RegExp][] = [
    ["wrongNonce", "a token with another nonce", /^nonce_mismatch/],
    ["wrongAudience", "a token for another client", /^id_token_invalid:ERR_JWT_CLAIM_VALIDATION_FAILED: unexpected "aud"/],
    ["expired", "an expired token", /^id_token_invalid:ERR_JWT_EXPIRED/],
    ["algNone", "an unsigned token (alg: none)", /^id_token_invalid:ERR_JOSE_ALG_NOT_ALLOWED/],
    ["unknownKey", "a token signed by a key not in the JWKS", /^id_token_invalid:ERR_JWS_SIGNATURE_VERIFICATION_FAILED/],
    ["wrongIssuer", "a token from another issuer", /^id_token_invalid:ERR_JWT_CLAIM_VALIDATION_FAILED: unexpected "iss"/],
  ];
  for (const [mode, what, reason] of rejections) {
    it(`refuses ${what}: not identified, a clear page with Try again, one log line without secrets`, async () => {
      const s = await eidSigner();
      const url = await startedAt(s);
      const post = await issuer.formPost(url.toString());
      // The broker misbehaves when it issues the ID token (at the code exchange during the callback).
      issuer.mode = mode;
      const res = await callback(post.fields).finally(() => (issuer.mode = "ok"));
      const refused = eidLog("refused");
      expect(refused).toHaveLength(1);
      expect(refused[0]!.reason).toMatch(reason);
      expect(refused[0]!.recipientId).toBe(s.recipientId);
      // Nothing that could be replayed or identifies the person is logged.
      for (const secret of [post.fields.state!, post.fields.code!, TEST_NATIONAL_ID]) expect(logged.join("\n")).not.toContain(secret);
      const { status, html } = await failurePage(s, res);
      expect(status).toBe(200);
      expect(titleOf(html)).toContain("We could not confirm who you are");
      expect(mainOf(html)).toContain("Nothing has been signed");
      expect(mainOf(html)).toMatch(new RegExp(`<form method="post" action="/sign/${s.recipientId}/eid/start">`));
      expect(mainOf(html)).toContain(">Try again</button>");
      const recipient = await recipientState(s);
      expect(recipient.status).not.toBe("identified");
      expect(recipient.identification).toBeNull();
      // And signing is still refused.
      const page = await s.client.page(s.signPath);
      await s.client.post(`${s.signPath}/sign`, { typedName: s.name, consent: "yes" }, page.csrf);
      expect((await recipientState(s)).status).not.toBe("signed");
    });
  }

  it("shows that the signer cancelled at the broker, and Try again starts a fresh attempt", async () => {
    const s = await eidSigner();
    const { html } = await failurePage(s, await identifyWith(s, "cancel"));
    expect(titleOf(html)).toContain("You cancelled the identification");
    expect((await recipientState(s)).status).not.toBe("identified");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const again = await viaApp(s.client, `${s.signPath}/eid/start`, form({ _csrf: csrf }));
    expect(again.status).toBe(303);
    expect(new URL(again.headers.get("Location")!).origin).toBe(issuer.url);
  });

  it("refuses a state it never issued", async () => {
    const s = await eidSigner();
    const url = await startedAt(s);
    const post = await issuer.formPost(url.toString());
    const res = await callback({ ...post.fields, state: "A".repeat(43) });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(titleOf(html)).toContain("This identification cannot be completed");
    expect(html).not.toContain("Internal");
    expect((await recipientState(s)).status).not.toBe("identified");
  });

  it("refuses a reused state: a replayed callback changes nothing", async () => {
    const s = await eidSigner();
    const url = await startedAt(s);
    const post = await issuer.formPost(url.toString());
    expect((await callback(post.fields)).headers.get("Location")).toBe(s.signPath);
    const replay = await callback(post.fields);
    expect(replay.status).toBe(400);
    expect(titleOf(await replay.text())).toContain("This identification cannot be completed");
    expect((await events(s.envelopeId)).filter((e) => e.type === "recipient_identified")).toHaveLength(1);
  });

  it("refuses an expired state (older than 10 minutes)", async () => {
    const s = await eidSigner();
    const url = await startedAt(s);
    const post = await issuer.formPost(url.toString());
    // Ten minutes pass at the broker.
    await env.DB.prepare("UPDATE eid_states SET expires_at = ? WHERE recipient_id = ?").bind(new Date(Date.now() - 1000).toISOString(), s.recipientId).run();
    const { html } = await failurePage(s, await callback(post.fields));
    expect(titleOf(html)).toContain("The identification took too long");
    expect((await recipientState(s)).status).not.toBe("identified");
  });

  it("does not let one envelope's signer complete with another signer's state", async () => {
    const a = await eidSigner("Kari Nordmann");
    const b = await eidSigner("Kari Nordmann");
    const urlA = await startedAt(a);
    const urlB = await startedAt(b);
    const postA = await issuer.formPost(urlA.toString());
    // A's code (bound to A's nonce and PKCE verifier) with B's state.
    const res = await callback({ code: postA.fields.code!, state: urlB.searchParams.get("state")! });
    await failurePage(b, res);
    expect((await recipientState(a)).status).not.toBe("identified");
    expect((await recipientState(b)).status).not.toBe("identified");
  });

  it("refuses a token minted for another attempt even when the code exchange succeeds (nonce binds the document and signer)", async () => {
    const s = await eidSigner();
    const first = await startedAt(s);
    const second = await startedAt(s);
    // The broker answers the second attempt with the first attempt's nonce.
    const post = await issuer.formPost(second.toString().replace(second.searchParams.get("nonce")!, first.searchParams.get("nonce")!));
    const { html } = await failurePage(s, await callback(post.fields));
    expect(titleOf(html)).toContain("We could not confirm who you are");
    expect((await recipientState(s)).status).not.toBe("identified");
  });

  it("exempts only the callback from the CSRF check: a cross-site post to start is refused", async () => {
    const s = await eidSigner();
    const crossSite = { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" };
    const res = await viaApp(s.client, `${s.signPath}/eid/start`, form({}, crossSite));
    expect(res.status).toBe(403);
    const lookalike = await viaApp(new Client(freshIp()), "/eid/callback/", form({ state: "A".repeat(43), code: "x" }, crossSite));
    expect(lookalike.status).toBe(403);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM eid_states WHERE recipient_id = ?").bind(s.recipientId).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it("answers a malformed callback with a clear page, never a 500", async () => {
    const res = await callback({ nothing: "here" });
    expect(res.status).toBe(400);
    const get = await viaApp(new Client(freshIp()), "/eid/callback?error=access_denied");
    expect(get.status).toBe(400);
  });
});

describe("eID claims", () => {
  it("compares names without case, diacritics or a missing middle name", () => {
    expect(namesMatch("Bjørn-Åge Ødegård", "BJORN AGE ODEGARD")).toBe(true);
    expect(namesMatch("Kari Nordmann", "Kari Elisabeth Nordmann")).toBe(true);
    expect(namesMatch("Kari Nordmann", "Ola Nordmann")).toBe(false);
    expect(namesMatch("Kari Nordmann", "")).toBe(false);
  });

  it("reads the national identity number from the brokers' claim names", () => {
    expect(nationalIdOf({ socialno: "010170 12345" })).toBe("01017012345");
    expect(nationalIdOf({ cprNumberIdentifier: "0101701234" })).toBe("0101701234");
    expect(nationalIdOf({ hetu: "010170-123a" })).toBe("010170-123A");
    expect(nationalIdOf({ sub: "x" })).toBeNull();
  });
});
