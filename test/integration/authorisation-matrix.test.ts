/**
 * The authorisation matrix: every route of the app, read from Hono's route table, must
 * have a row below that says who may use it. A new route without a row fails the first
 * test. Every protected route is then run as anonymous, as each role of organisation A,
 * and as each role of organisation B against A's objects (envelope, recipient, document,
 * API key, member, invitation), and must answer as the row says:
 *
 * - allowed: not 401/403/404/410, not a redirect to the login page, never a 5xx;
 * - denied: 401, 403 or 404 (or the redirect to the login page), and another
 *   organisation's object is always 404, as unknown as one that never existed;
 * - no response to anyone outside organisation A contains any of A's names, titles or addresses.
 *
 * Routes that change or delete what they are given (marked `destructive`) are run only
 * by principals who must be refused, so the fixtures survive; organisations.test.ts and
 * the envelope tests cover their allowed side.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { can, roles, type Action, type Role } from "../../src/domain/permissions";
import { Client, csrfOf } from "../support/client";
import { createEnvelope, freshIp, newSigner } from "../support/flows";
import { makePdf } from "../support/pdf";
import { organisationWithEveryRole, type Organisation } from "../support/organisations";

type ObjectKind = "envelope" | "document" | "apikey" | "member" | "invitation" | "webhook";

type Rule =
  /** Anyone, signed in or not: sign-up, login, verification, health, the public API endpoints. */
  | { who: "public"; unconfigured?: true }
  /** The development outbox: exists only when ENVIRONMENT is development (checked by the dev tests). */
  | { who: "dev" }
  /** A signing link's own cookie; no sender session opens these. */
  | { who: "signer" }
  /** Any signed-in person, about their own account only. */
  | { who: "self"; destructive?: true }
  /** A member of the active organisation whose role allows `need`. */
  | { who: "member"; need: Action; object?: ObjectKind; destructive?: true; notReady?: true; body?: Record<string, string> }
  /** An API key of the organisation (acting with its creator's role). */
  | { who: "api"; object?: "envelope" | "document"; destructive?: true; notReady?: true; body?: Record<string, string> };

const own: Rule = { who: "member", need: "envelope.read_own" };
const envelope = (extra: { destructive?: true; notReady?: true } = {}): Rule => ({ who: "member", need: "envelope.read_own", object: "envelope", ...extra });

/** Who may use each route. "METHOD path" exactly as Hono lists it. */
const matrix: Record<string, Rule> = {
  "GET /": { who: "public" },
  "GET /healthz": { who: "public" },
  "GET /signup": { who: "public" },
  "POST /signup": { who: "public" },
  "GET /login": { who: "public" },
  "POST /login": { who: "public" },
  "GET /login/two-factor": { who: "public" },
  "POST /login/two-factor": { who: "public" },
  "POST /logout": { who: "self", destructive: true },
  "GET /password/forgot": { who: "public" },
  "POST /password/forgot": { who: "public" },
  "GET /password/reset": { who: "public" },
  "POST /password/reset": { who: "public" },
  "GET /password/reset/:token": { who: "public" },
  "GET /email/verify": { who: "public" },
  "POST /email/verify": { who: "public" },
  "GET /email/verify/:token": { who: "public" },
  "GET /verify": { who: "public" },
  "POST /verify": { who: "public" },
  "GET /docs/api": { who: "public" },
  // 503 while no eID broker is configured (as in tests): a configuration answer, not a failure.
  "GET /eid/callback": { who: "public", unconfigured: true },
  "POST /eid/callback": { who: "public", unconfigured: true },
  "GET /invitations/:token": { who: "public" },
  "POST /invitations/:token": { who: "public" },

  "GET /dev/outbox": { who: "dev" },
  "GET /dev/outbox.json": { who: "dev" },
  "GET /dev/outbox/:id/html": { who: "dev" },

  "GET /s/:token": { who: "signer" },
  "GET /sign/:rid": { who: "signer" },
  "GET /sign/:rid/document.pdf": { who: "signer" },
  "GET /sign/:rid/signed.pdf": { who: "signer" },
  "POST /sign/:rid/sign": { who: "signer" },
  "POST /sign/:rid/decline": { who: "signer" },
  "POST /sign/:rid/code/send": { who: "signer" },
  "POST /sign/:rid/code/confirm": { who: "signer" },
  "POST /sign/:rid/eid/start": { who: "signer" },
  "GET /sign/:rid/eid/problem": { who: "signer" },

  "GET /account": { who: "self" },
  "GET /account/email": { who: "self" },
  "POST /account/email": { who: "self", destructive: true },
  "GET /account/password": { who: "self" },
  "POST /account/password": { who: "self", destructive: true },
  "POST /account/sessions/:id/revoke": { who: "self", destructive: true },
  "POST /account/sessions/revoke-others": { who: "self", destructive: true },
  "POST /account/verification": { who: "self", destructive: true },
  "GET /account/two-factor/setup": { who: "self" },
  "POST /account/two-factor/setup": { who: "self", destructive: true },
  "POST /account/two-factor/confirm": { who: "self", destructive: true },
  "GET /account/two-factor/disable": { who: "self" },
  "POST /account/two-factor/disable": { who: "self", destructive: true },
  "GET /account/two-factor/recovery-codes": { who: "self" },
  "POST /account/two-factor/recovery-codes": { who: "self", destructive: true },
  "GET /account/data": { who: "self" },
  // Without the password it answers 422 and exports nothing; with it, only the caller's own data.
  "POST /account/data/export": { who: "self" },
  "GET /account/delete": { who: "self" },
  "POST /account/delete": { who: "self", destructive: true },
  "GET /goodbye": { who: "public" },

  "GET /envelopes": own,
  "POST /envelopes": own,
  "GET /envelopes/new": own,
  "GET /envelopes/:id": envelope(),
  "POST /envelopes/:id/settings": envelope(),
  "POST /envelopes/:id/recipients": envelope(),
  "POST /envelopes/:id/recipients/:rid/email": envelope(),
  "POST /envelopes/:id/recipients/:rid/move": envelope(),
  "POST /envelopes/:id/recipients/:rid/remove": envelope({ destructive: true }),
  "POST /envelopes/:id/recipients/:rid/resend": envelope(),
  "POST /envelopes/:id/send": envelope({ destructive: true }),
  "POST /envelopes/:id/remind": envelope(),
  "POST /envelopes/:id/cancel": envelope(),
  "GET /envelopes/:id/delete": envelope(),
  "POST /envelopes/:id/delete": envelope({ destructive: true }),
  "GET /envelopes/:id/purge": envelope(),
  "POST /envelopes/:id/purge": envelope({ destructive: true }),
  "GET /envelopes/:id/original.pdf": envelope(),
  "GET /envelopes/:id/signed.pdf": envelope({ notReady: true }),
  "GET /envelopes/:id/evidence.json": envelope(),
  "GET /agreements": own,
  "GET /agreements/:template": own,
  "POST /agreements/:template": own,
  "POST /agreements/:template/preview": own,

  "GET /settings/organisation": { who: "member", need: "members.read" },
  "POST /settings/organisation/create": { who: "member", need: "envelope.read_own", destructive: true },
  "POST /settings/organisation/switch": { who: "member", need: "envelope.read_own" },
  "POST /settings/organisation/invite": { who: "member", need: "members.manage" },
  "POST /settings/organisation/invitations/:id/revoke": { who: "member", need: "members.manage", object: "invitation", destructive: true },
  "POST /settings/organisation/members/:userId/role": { who: "member", need: "members.manage", object: "member", destructive: true, body: { role: "manager" } },
  "POST /settings/organisation/members/:userId/remove": { who: "member", need: "members.manage", object: "member", destructive: true },
  "POST /settings/organisation/two-factor": { who: "member", need: "settings.manage", destructive: true },
  "POST /settings/organisation/transfer": { who: "member", need: "org.transfer", destructive: true },
  "POST /settings/organisation/delete": { who: "member", need: "org.delete", destructive: true },

  "GET /settings/api-keys": { who: "member", need: "apikeys.manage" },
  "POST /settings/api-keys": { who: "member", need: "apikeys.manage", destructive: true },
  "GET /settings/api-keys/:id/revoke": { who: "member", need: "apikeys.manage", object: "apikey" },
  "POST /settings/api-keys/:id/revoke": { who: "member", need: "apikeys.manage", object: "apikey", destructive: true },
  "GET /settings/webhooks": { who: "member", need: "webhooks.manage" },
  "POST /settings/webhooks": { who: "member", need: "webhooks.manage", destructive: true },
  "GET /settings/webhooks/:id": { who: "member", need: "webhooks.manage", object: "webhook" },
  "GET /settings/webhooks/:id/delete": { who: "member", need: "webhooks.manage", object: "webhook" },
  "POST /settings/webhooks/:id/delete": { who: "member", need: "webhooks.manage", object: "webhook", destructive: true },
  "POST /settings/webhooks/:id/rotate": { who: "member", need: "webhooks.manage", object: "webhook", destructive: true },
  "GET /settings/audit-log": { who: "member", need: "auditlog.read" },
  "GET /settings/audit-log/export.csv": { who: "member", need: "auditlog.read" },
  "GET /settings/audit-log/export.json": { who: "member", need: "auditlog.read" },

  "GET /api/v1": { who: "public" },
  "GET /api/v1/openapi.json": { who: "public" },
  "POST /api/v1/verify": { who: "public" },
  "GET /api/v1/audit-log": { who: "api" },
  "POST /api/v1/documents": { who: "api" },
  "GET /api/v1/documents/:id": { who: "api", object: "document" },
  "GET /api/v1/envelopes": { who: "api" },
  "POST /api/v1/envelopes": { who: "api" },
  "GET /api/v1/envelopes/:id": { who: "api", object: "envelope" },
  "POST /api/v1/envelopes/:id/send": { who: "api", object: "envelope", destructive: true },
  "POST /api/v1/envelopes/:id/cancel": { who: "api", object: "envelope", destructive: true, body: { reason: "Matrix check" } },
  "POST /api/v1/envelopes/:id/remind": { who: "api", object: "envelope" },
  "GET /api/v1/envelopes/:id/signed.pdf": { who: "api", object: "envelope", notReady: true },
  "GET /api/v1/envelopes/:id/evidence.json": { who: "api", object: "envelope" },
};

/** The routes the app serves: Hono's table without middleware (registered as ALL on a wildcard). */
function appRoutes(): string[] {
  const seen = new Set<string>();
  for (const r of createApp().routes) {
    if (r.method === "ALL" && r.path.endsWith("*")) continue;
    seen.add(`${r.method} ${r.path}`);
  }
  return [...seen].sort();
}

describe("the route table", () => {
  it("has a row in the authorisation matrix for every route the app serves, and no row for a route that is gone", () => {
    const routes = appRoutes();
    expect(routes.filter((r) => !(r in matrix)), "routes without a row in the matrix").toEqual([]);
    expect(Object.keys(matrix).filter((r) => !routes.includes(r)), "rows for routes that no longer exist").toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// running it

type Principal = { label: string; client: Client; csrf: string; org: "A" | "B" | null; role: Role | null };

const MARK = `m${Date.now().toString(36)}`;
const alphaTitle = `Alpha secret lease ${MARK}`;
const alphaColleagueTitle = `Alpha manager loan ${MARK}`;
const alphaKeyName = `Alpha matrix key ${MARK}`;
const pendingEmail = `pending-${MARK}@example.com`;

let alpha: Organisation;
let bravo: Organisation;
let principals: Principal[];
let ids: { envelope: string; colleagueEnvelope: string; recipient: string; document: string; apikey: string; member: string; invitation: string; session: string };
let keys: { A: string; B: string };
let secrets: string[];

async function csrfFor(client: Client, path: string): Promise<string> {
  const { html } = await client.page(path);
  return csrfOf(html);
}

async function createKey(client: Client, name: string): Promise<string> {
  const csrf = await csrfFor(client, "/settings/api-keys");
  const res = await client.post("/settings/api-keys", { name, scopes: "read" }, csrf);
  // Both scopes: the form sends one field per box.
  expect(res.status).toBe(200);
  return /id="new-key"[^>]*value="(pk_[^"]+)"/.exec(await res.text())![1]!;
}

async function createWriteKey(client: Client, name: string): Promise<string> {
  const csrf = await csrfFor(client, "/settings/api-keys");
  const body = new URLSearchParams({ _csrf: csrf, name });
  body.append("scopes", "read");
  body.append("scopes", "write");
  const res = await client.fetch("/settings/api-keys", {
    method: "POST",
    headers: { Origin: "https://pactly.test", "Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded" },
    body,
  });
  expect(res.status).toBe(200);
  return /id="new-key"[^>]*value="(pk_[^"]+)"/.exec(await res.text())![1]!;
}

async function one<T>(sql: string, ...params: unknown[]): Promise<T> {
  const row = await env.DB.prepare(sql).bind(...params).first<T>();
  expect(row, sql).toBeTruthy();
  return row!;
}

beforeAll(async () => {
  [alpha, bravo] = await Promise.all([organisationWithEveryRole(`Alpha Matrix ${MARK}`), organisationWithEveryRole(`Bravo Matrix ${MARK}`)]);
  const signer = newSigner("Astrid Alphasen");
  const [mine, colleague] = await Promise.all([
    createEnvelope(alpha.members.user.client, { title: alphaTitle, signers: [signer] }),
    createEnvelope(alpha.members.manager.client, { title: alphaColleagueTitle }),
  ]);
  keys = { A: await createWriteKey(alpha.members.owner.client, alphaKeyName), B: await createWriteKey(bravo.members.owner.client, `Bravo key ${MARK}`) };
  await createKey(alpha.members.admin.client, `${alphaKeyName} read`);
  const upload = await apiFetch(keys.A, "/api/v1/documents", { method: "POST", headers: { "Content-Type": "application/pdf" }, body: await makePdf(1) });
  expect(upload.status).toBe(201);
  const orgCsrf = await csrfFor(alpha.members.owner.client, "/settings/organisation");
  expect((await alpha.members.owner.client.post("/settings/organisation/invite", { email: pendingEmail, role: "user" }, orgCsrf)).status).toBe(303);

  ids = {
    envelope: mine.id,
    colleagueEnvelope: colleague.id,
    recipient: (await one<{ id: string }>("SELECT id FROM recipients WHERE envelope_id = ?", mine.id)).id,
    document: ((await upload.json()) as { id: string }).id,
    apikey: (await one<{ id: string }>("SELECT id FROM api_keys WHERE org_id = ? AND name = ?", alpha.id, alphaKeyName)).id,
    member: alpha.members.user.userId,
    invitation: (await one<{ id: string }>("SELECT id FROM org_invitations WHERE org_id = ? AND email = ?", alpha.id, pendingEmail)).id,
    session: (await one<{ id: string }>("SELECT id FROM sessions WHERE user_id = ? AND org_id = ? AND revoked_at IS NULL", alpha.members.user.userId, alpha.id)).id,
  };
  secrets = [alphaTitle, alphaColleagueTitle, alphaKeyName, alpha.name, pendingEmail, signer.email, ...roles.map((r) => alpha.members[r].email)];

  const anonymous = new Client(freshIp());
  principals = [{ label: "anonymous", client: anonymous, csrf: await csrfFor(anonymous, "/login"), org: null, role: null }];
  for (const [org, name] of [[alpha, "A"], [bravo, "B"]] as const) {
    for (const role of roles) {
      const client = org.members[role].client;
      principals.push({ label: `${name} ${role}`, client, csrf: await csrfFor(client, "/settings/organisation"), org: name, role });
    }
  }
}, 180_000);

function concrete(path: string, opts: { envelope?: string } = {}): string {
  const envelopeId = opts.envelope ?? ids.envelope;
  return path
    .replace(/^\/api\/v1\/documents\/:id/, `/api/v1/documents/${ids.document}`)
    .replace(/^\/api\/v1\/envelopes\/:id/, `/api/v1/envelopes/${envelopeId}`)
    .replace(/^\/envelopes\/:id/, `/envelopes/${envelopeId}`)
    .replace(/^\/settings\/api-keys\/:id/, `/settings/api-keys/${ids.apikey}`)
    .replace(/^\/settings\/webhooks\/:id/, "/settings/webhooks/whe_AAAAAAAAAAAAAAAAAAAAAA")
    .replace(/^\/settings\/organisation\/invitations\/:id/, `/settings/organisation/invitations/${ids.invitation}`)
    .replace(/^\/account\/sessions\/:id/, `/account/sessions/${ids.session}`)
    .replace(/^\/dev\/outbox\/:id/, "/dev/outbox/msg_AAAAAAAAAAAAAAAAAAAAAA")
    .replace(":userId", ids.member)
    .replace(":rid", ids.recipient)
    .replace(":template", "nda")
    .replace(":token", "A".repeat(43));
}

async function apiFetch(key: string | null, path: string, init: RequestInit = {}): Promise<Response> {
  const client = new Client(freshIp());
  const headers = new Headers(init.headers);
  if (key) headers.set("Authorization", `Bearer ${key}`);
  if (init.method === "POST" && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  return client.fetch(path, { ...init, headers, ...(init.method === "POST" && init.body === undefined ? { body: "{}" } : {}) });
}

async function call(p: Principal, method: string, path: string, body: Record<string, string> = {}): Promise<Response> {
  if (method === "GET") return p.client.get(path);
  return p.client.post(path, body, p.csrf);
}

type Outcome = { label: string; route: string; status: number; location: string | null; body: string };

async function outcome(label: string, route: string, res: Response): Promise<Outcome> {
  // Bytes decoded leniently: PDFs are searched for leaked names too.
  return { label, route, status: res.status, location: res.headers.get("Location"), body: new TextDecoder().decode(await res.arrayBuffer()) };
}

const deniedStatuses = [401, 403, 404];
const isDenied = (o: Outcome) => deniedStatuses.includes(o.status) || (o.status === 303 && o.location === "/login");
const isAllowed = (o: Outcome, notReady = false) =>
  o.status < 500 && !(o.status === 303 && o.location === "/login") && ![401, 403, 410].includes(o.status) && (notReady || o.status !== 404);

function expectNoLeak(o: Outcome) {
  for (const secret of secrets) expect(o.body.includes(secret), `${o.label} → ${o.route} shows "${secret}"`).toBe(false);
}

describe("every route, as every principal", () => {
  it("answers anonymous visitors, each role of the organisation and each role of another organisation as the matrix says", async () => {
    const problems: string[] = [];
    const check = (ok: boolean, o: Outcome, want: string) => {
      if (!ok) problems.push(`${o.label} → ${o.route}: ${o.status}${o.location ? ` → ${o.location}` : ""}, expected ${want}`);
    };

    for (const route of appRoutes()) {
      const rule = matrix[route]!;
      const [method, pattern] = route.split(" ") as [string, string];
      const path = concrete(pattern);

      if (rule.who === "dev") continue;

      if (rule.who === "public") {
        const o = await outcome("anonymous", route, await call(principals[0]!, method, path));
        check(o.status < 500 || (rule.unconfigured === true && o.status === 503), o, "no server error");
        expectNoLeak(o);
        continue;
      }

      if (rule.who === "api") {
        const none = await outcome("no key", route, await apiFetch(null, path, { method }));
        check(none.status === 401, none, "401");
        // A session cookie is no key: the API never reads cookies.
        const cookie = await outcome("A owner's session", route, await alpha.members.owner.client.fetch(path, { method, headers: { "Content-Type": "application/json" }, ...(method === "POST" ? { body: "{}" } : {}) }));
        check(cookie.status === 401, cookie, "401");
        const init = { method, ...(rule.body ? { body: JSON.stringify(rule.body) } : {}) };
        const foreign = await outcome("B key", route, await apiFetch(keys.B, path, init));
        check(rule.object ? foreign.status === 404 : isAllowed(foreign), foreign, rule.object ? "404 for A's object" : "allowed on B's own data");
        expectNoLeak(foreign);
        if (!rule.destructive) {
          const mine = await outcome("A key", route, await apiFetch(keys.A, path, init));
          check(isAllowed(mine, rule.notReady), mine, "allowed");
        }
        continue;
      }

      for (const p of principals) {
        if (rule.who === "signer") {
          // The sender's session is no signing link; the recipient's page never opens for it.
          const o = await outcome(p.label, route, await call(p, method, path));
          check(isDenied(o) || o.status === 400 || o.status === 410 || (o.status === 303 && o.location !== path), o, "refused");
          check(!o.body.includes(alphaTitle), o, "no title");
          continue;
        }
        if (rule.who === "self") {
          const allowed = p.org !== null;
          if (allowed && rule.destructive) continue;
          const o = await outcome(p.label, route, await call(p, method, path));
          check(allowed ? isAllowed(o) : isDenied(o), o, allowed ? "allowed" : "refused");
          if (p.org !== "A") expectNoLeak(o);
          continue;
        }
        // A member route.
        const mayInOwnOrg = p.role !== null && can(p.role, rule.need);
        const allowed = p.org === "A" ? mayInOwnOrg : p.org === "B" && !rule.object ? mayInOwnOrg : false;
        if (allowed && rule.destructive) continue;
        if (rule.object === "webhook" && allowed) continue; // no webhook fixture: the id is unknown to everyone
        const o = await outcome(p.label, route, await call(p, method, path, rule.body));
        if (allowed) check(isAllowed(o, rule.notReady), o, "allowed");
        else if (p.org === "B" && rule.object && mayInOwnOrg) check(o.status === 404, o, "404 for A's object");
        else check(isDenied(o), o, "refused");
        if (p.org !== "A") expectNoLeak(o);

        // A user never reaches a colleague's envelope: it is "not found" to them.
        if (rule.object === "envelope" && p.org === "A" && p.role === "user") {
          const colleague = await outcome(p.label, `${route} (colleague's envelope)`, await call(p, method, concrete(pattern, { envelope: ids.colleagueEnvelope })));
          check(colleague.status === 404, colleague, "404");
          check(!colleague.body.includes(alphaColleagueTitle), colleague, "no colleague's title");
        }
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
