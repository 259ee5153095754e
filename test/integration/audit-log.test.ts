/**
 * The account audit log as an admin, an auditor's script and an attacker meet it: a
 * scripted session whose every security-relevant step shows on the page and in the API
 * with actor, IP, user agent, UTC time and target; filters, paging and exports (CSV
 * escaping included); the hash chain verified, then tampered with in D1; concurrent
 * appends; and another tenant who sees none of it.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NO_ORG, type AuditEntry } from "../../src/domain/audit";
import { base32Decode, totp } from "../../src/domain/totp";
import { audit, verifyAuditChain } from "../../src/services/audit";
import { database } from "../../src/storage/db";
import { Client, uniqueEmail } from "../support/client";
import { PASSWORD, cancelEnvelope, createEnvelope, decode, freshIp, mainOf, newSender, newSigner, sendEnvelope, titleOf } from "../support/flows";
import { makePdf } from "../support/pdf";
import { apiClient, createKeyOnPage, expectProblem, keySecret } from "./api-helpers";

type Page = { data: AuditEntry[]; nextCursor: string | null };

async function orgOf(email: string): Promise<string> {
  const row = await env.DB.prepare("SELECT personal_org_id AS org FROM users WHERE email = ?").bind(email).first<{ org: string }>();
  return row!.org;
}

async function logIn(client: Client, email: string, password = PASSWORD): Promise<Response> {
  const { csrf } = await client.page("/login");
  return client.post("/login", { email, password }, csrf);
}

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

async function enableTwoFactor(client: Client): Promise<{ secret: Uint8Array; recoveryCodes: string[] }> {
  const { csrf } = await client.page("/account");
  expect((await client.post("/account/two-factor/setup", {}, csrf)).status).toBe(303);
  const page = await client.page("/account/two-factor/setup");
  const secret = base32Decode(decode(/<code class="secret">([^<]+)<\/code>/.exec(page.html)![1]!).replace(/\s/g, ""))!;
  const confirmed = await client.post("/account/two-factor/confirm", { code: await appCode(secret, -1) }, page.csrf);
  expect(confirmed.status).toBe(200);
  const recoveryCodes = [...(await confirmed.text()).matchAll(/<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})<\/code><\/li>/g)].map((m) => m[1]!);
  return { secret, recoveryCodes };
}

async function secondStep(client: Client, code: string, kind: "totp" | "recovery" = "totp"): Promise<Response> {
  const { csrf } = await client.page(`/login/two-factor${kind === "recovery" ? "?kind=recovery" : ""}`);
  return client.post("/login/two-factor", { code, kind }, csrf);
}

async function allEntries(key: string, query = ""): Promise<AuditEntry[]> {
  const api = apiClient(key);
  const out: AuditEntry[] = [];
  let cursor: string | null = null;
  do {
    const res = await api.call(`/api/v1/audit-log?limit=7${query}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.status, await res.clone().text()).toBe(200);
    const page = (await res.json()) as Page;
    out.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Entries written straight through the service, for tests about listing rather than hooks. */
async function seed(orgId: string, n: number, overrides: Partial<{ userAgent: string; label: string; action: "envelope.sent" | "auth.logout" }> = {}) {
  for (let i = 0; i < n; i++) {
    await audit(env, {
      orgId,
      actor: { type: "user", id: "usr_seeded", label: overrides.label ?? "seed@example.com" },
      action: overrides.action ?? (i % 2 === 0 ? "envelope.sent" : "auth.logout"),
      target: { type: "envelope", id: `env_seed${i}` },
      client: { ip: "192.0.2.1", userAgent: overrides.userAgent ?? "SeedAgent/1" },
    });
  }
}

describe("a scripted session", () => {
  it("shows every security-relevant step on the page and in the API, with actor, IP, user agent, UTC time and target", async () => {
    const { client, email } = await newSender("Aud Auditson");
    const orgId = await orgOf(email);
    const userId = (await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>())!.id;

    // Someone guesses the password from elsewhere.
    const attacker = new Client(freshIp());
    expect((await logIn(attacker, email, "not the password at all")).status).toBe(401);

    const { secret, recoveryCodes } = await enableTwoFactor(client);

    // A second browser logs in with password and code.
    const laptop = new Client(freshIp());
    expect((await logIn(laptop, email)).status).toBe(303);
    expect((await secondStep(laptop, await appCode(secret))).status).toBe(303);

    // An API key made and revoked, and one kept for reading the log.
    await createKeyOnPage(client, "Short-lived", ["write"]);
    const keysPage = await client.page("/settings/api-keys");
    const revokePath = /href="(\/settings\/api-keys\/key_[^"]+\/revoke)"/.exec(keysPage.html)![1]!;
    const revokeKeyId = revokePath.split("/")[3]!;
    const confirm = await client.page(revokePath);
    expect((await client.post(revokePath, {}, confirm.csrf)).status).toBe(303);
    const { key: readKey } = await createKeyOnPage(client, "Auditor", ["read"]);

    // An envelope uploaded, sent, downloaded and cancelled.
    const { path, id: envelopeId } = await createEnvelope(client, { signers: [newSigner("Siri Signer")] });
    await sendEnvelope(client, path);
    expect((await client.get(`${path}/original.pdf`)).status).toBe(200);
    await cancelEnvelope(client, path);

    // The laptop ends the first browser's session, then logs out.
    const account = await laptop.page("/account");
    expect((await laptop.post("/account/sessions/revoke-others", {}, account.csrf)).status).toBe(303);
    expect((await laptop.post("/logout", {}, account.csrf)).status).toBe(200);

    const entries = await allEntries(readKey);
    const find = (action: string, pred: (e: AuditEntry) => boolean = () => true) => {
      const found = entries.find((e) => e.action === action && pred(e));
      expect(found, `${action} in ${entries.map((e) => e.action).join(", ")}`).toBeDefined();
      return found!;
    };
    const utc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
    const byUser = { type: "user", id: userId, label: email };
    const expectations: [AuditEntry, { actor: object; ip: string; target: object | null }][] = [
      [find("account.created"), { actor: byUser, ip: client.ip, target: { type: "user", id: userId } }],
      [find("auth.login.failed"), { actor: { type: "anonymous", id: null, label: null }, ip: attacker.ip, target: { type: "user", id: userId } }],
      [find("auth.2fa.enabled"), { actor: byUser, ip: client.ip, target: { type: "user", id: userId } }],
      [find("auth.login.succeeded", (e) => e.ip === laptop.ip), { actor: byUser, ip: laptop.ip, target: { type: "user", id: userId } }],
      [find("apikey.created"), { actor: byUser, ip: client.ip, target: expect.objectContaining({ type: "apikey" }) }],
      [find("apikey.revoked"), { actor: byUser, ip: client.ip, target: { type: "apikey", id: revokeKeyId } }],
      [find("document.uploaded"), { actor: byUser, ip: client.ip, target: { type: "document", id: `doc_${envelopeId.slice(4)}` } }],
      [find("envelope.created"), { actor: byUser, ip: client.ip, target: { type: "envelope", id: envelopeId } }],
      [find("envelope.sent"), { actor: byUser, ip: client.ip, target: { type: "envelope", id: envelopeId } }],
      [find("envelope.downloaded"), { actor: byUser, ip: client.ip, target: { type: "envelope", id: envelopeId } }],
      [find("envelope.cancelled"), { actor: byUser, ip: client.ip, target: { type: "envelope", id: envelopeId } }],
      [find("session.revoked"), { actor: byUser, ip: laptop.ip, target: { type: "user", id: userId } }],
      [find("auth.logout"), { actor: byUser, ip: laptop.ip, target: expect.objectContaining({ type: "session" }) }],
    ];
    for (const [entry, expected] of expectations) {
      expect(entry, entry.action).toMatchObject({ orgId, ...expected, userAgent: "PactlyTest/1.0" });
      expect(entry.at, entry.action).toMatch(utc);
    }
    expect(find("auth.login.succeeded", (e) => e.ip === laptop.ip).details).toEqual({ secondFactor: "totp" });
    expect(find("envelope.downloaded").details).toEqual({ file: "original" });
    // Nothing secret was written: not the password, not the recovery codes, not the key.
    const stored = JSON.stringify((await env.DB.prepare("SELECT * FROM audit_log WHERE org_id = ?").bind(orgId).all()).results);
    expect(stored).not.toContain(PASSWORD);
    expect(stored).not.toContain("not the password at all");
    for (const code of recoveryCodes) expect(stored).not.toContain(code);
    expect(stored).not.toContain(keySecret(readKey));
    // Seq runs 1..N without gaps, newest first in the API.
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => entries.length - i));

    // The page, for the admin signed in again (with a recovery code).
    const desk = new Client(freshIp());
    expect((await logIn(desk, email)).status).toBe(303);
    expect((await secondStep(desk, recoveryCodes[0]!, "recovery")).status).toBe(303);
    const page = await desk.page("/settings/audit-log");
    expect(page.res.status).toBe(200);
    expect(titleOf(page.html)).toMatch(/^Audit log/);
    const main = decode(mainOf(page.html));
    for (const [entry] of expectations) {
      expect(main).toContain(`<code>${entry.action}</code>`);
    }
    expect(main).toContain(`<th scope="row">${entries.length + 1}</th>`);
    expect(main).toContain(attacker.ip);
    expect(main).toContain("PactlyTest/1.0");
    expect(main).toContain(email);
    expect(main).toContain(`<code>envelope ${envelopeId}</code>`);
    expect(main).toContain("Not signed in");
    expect(main).toMatch(/<time datetime="\d{4}-\d{2}-\d{2}T[^"]+Z">\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}<\/time>/);
    expect(main).toMatch(/Chain verified up to entry #\d+/);
    expect(page.html).toContain('href="/settings/audit-log"');
  });

  it("names the API key (by its prefix) when a key uploads, creates and downloads", async () => {
    const { client } = await newSender("Key Actor");
    const { key } = await createKeyOnPage(client, "Integration", ["read", "write"]);
    const prefix = key.split("_").slice(0, 3).join("_");
    const api = apiClient(key);
    const upload = await api.call("/api/v1/documents", { method: "POST", headers: { "Content-Type": "application/pdf", "User-Agent": "curl/8.5" }, body: await makePdf(1) });
    expect(upload.status).toBe(201);
    const documentId = ((await upload.json()) as { id: string }).id;
    const created = await api.json("POST", "/api/v1/envelopes", { title: "By key", documentId, recipients: [{ name: "Kari Nordmann", email: uniqueEmail("kari") }] });
    expect(created.status).toBe(201);
    const envelopeId = ((await created.json()) as { id: string }).id;
    expect((await api.call(`/api/v1/envelopes/${envelopeId}/evidence.json`)).status).toBe(200);

    const entries = await allEntries(key, "&action=envelope");
    const keyId = entries[0]!.actor.id;
    expect(keyId).toMatch(/^key_/);
    expect(entries.map((e) => [e.action, e.actor.type, e.actor.label, e.ip])).toEqual([
      ["envelope.downloaded", "apikey", prefix, api.ip],
      ["envelope.created", "apikey", prefix, api.ip],
    ]);
    const [uploaded] = await allEntries(key, "&action=document.uploaded");
    expect(uploaded).toMatchObject({ actor: { type: "apikey", id: keyId, label: prefix }, target: { type: "document", id: documentId }, userAgent: "curl/8.5" });
  });

  it("records a failed login for an address without an account under no organisation, like any other", async () => {
    const before = (await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE org_id = ?").bind(NO_ORG).first<{ n: number }>())!.n;
    const stranger = new Client(freshIp());
    expect((await logIn(stranger, uniqueEmail("nobody"), "whatever it is here")).status).toBe(401);
    const rows = (await env.DB.prepare("SELECT * FROM audit_log WHERE org_id = ? ORDER BY seq DESC").bind(NO_ORG).all<Record<string, unknown>>()).results;
    expect(rows.length).toBe(before + 1);
    expect(rows[0]).toMatchObject({ action: "auth.login.failed", actor_type: "anonymous", target_id: null, ip: stranger.ip });
    // The attempted address is not kept: it may be a stranger's typo of their own address.
    expect(JSON.stringify(rows[0])).not.toContain("nobody-");
  });
});

describe("filters, paging and exports", () => {
  it("pages 50 entries at a time, newest first, and filters by action, actor and date", async () => {
    const { client, email } = await newSender("Fil Terson");
    const orgId = await orgOf(email);
    await seed(orgId, 60);

    const first = await client.page("/settings/audit-log");
    const rows = (html: string) => [...mainOf(html).matchAll(/<th scope="row">(\d+)<\/th>/g)].map((m) => Number(m[1]));
    const firstRows = rows(first.html);
    expect(firstRows).toHaveLength(50);
    expect(firstRows[0]).toBe(Math.max(...firstRows));
    const older = decode(/href="([^"]*before=\d+[^"]*)">Older entries/.exec(first.html)![1]!);
    const second = await client.page(older);
    const secondRows = rows(second.html);
    expect(secondRows.length).toBeGreaterThan(0);
    expect(Math.max(...secondRows)).toBe(Math.min(...firstRows) - 1);
    expect(Math.min(...secondRows)).toBe(1);
    expect(second.html).toContain("Newest entries");

    const filtered = await client.page("/settings/audit-log?action=envelope&actor=SEED%40example.com");
    expect(rows(filtered.html)).toHaveLength(30);
    expect(mainOf(filtered.html)).not.toContain("<code>auth.logout</code>");
    // The export links carry the filters.
    expect(decode(filtered.html)).toContain("/settings/audit-log/export.csv?actor=SEED%40example.com&action=envelope");

    const today = new Date().toISOString().slice(0, 10);
    expect(rows((await client.page(`/settings/audit-log?from=${today}&to=${today}`)).html).length).toBe(50);
    const nextYear = `${new Date().getUTCFullYear() + 1}-01-01`;
    const none = await client.page(`/settings/audit-log?from=${nextYear}`);
    expect(rows(none.html)).toHaveLength(0);
    expect(none.html).toContain("No entries match these filters.");
  });

  it("re-shows the filters with an error summary for a malformed date or action", async () => {
    const { client } = await newSender("Err Orson");
    const res = await client.get("/settings/audit-log?from=2026-02-30&action=DROP%20TABLE&to=2026-01-01");
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(titleOf(html)).toMatch(/^Error: Audit log/);
    expect(html).toContain('<a href="#from">Enter the from date as a year, month and day, like 2026-03-31</a>');
    expect(html).toContain('<a href="#action">Enter an action in the form area.verb');
    expect(html).toMatch(/id="from"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="from"/);
  });

  it("filters and pages in the API with a cursor, and explains a bad query as problem+json", async () => {
    const { client, email } = await newSender("Api Auditor");
    const orgId = await orgOf(email);
    await seed(orgId, 9);
    const { key } = await createKeyOnPage(client, "Reader", ["read"]);
    const all = await allEntries(key);
    expect(new Set(all.map((e) => e.seq)).size).toBe(all.length);
    const sent = await allEntries(key, "&action=envelope.sent");
    expect(sent).toHaveLength(5);
    expect(sent.every((e) => e.action === "envelope.sent")).toBe(true);
    const byActor = await allEntries(key, `&actor=${encodeURIComponent(email)}`);
    expect(byActor.map((e) => e.action).sort()).toEqual(["account.created", "apikey.created"]);
    expect(await allEntries(key, "&from=2000-01-01&to=2000-12-31")).toHaveLength(0);

    const bad = await apiClient(key).call("/api/v1/audit-log?limit=500&from=yesterday&cursor=abc");
    const problem = await expectProblem(bad, 400, "validation_failed");
    expect(problem.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(["/cursor", "/from", "/limit"]);
  });

  it("exports CSV with RFC 4180 quoting and spreadsheet formulas defused, and JSON that parses", async () => {
    const { client, email } = await newSender("Csv Exporter");
    const orgId = await orgOf(email);
    await seed(orgId, 1, { userAgent: "=HYPERLINK(\"http://evil.example\",\"x\")", label: "-2+3,\"quoted\"@example.com", action: "envelope.sent" });

    const csv = await client.get("/settings/audit-log/export.csv");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("Content-Disposition")).toMatch(/^attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"$/);
    const text = (await csv.text()).replace(/^\uFEFF/, "");
    const lines = text.split("\r\n");
    expect(lines[0]).toBe("seq,at,actor_type,actor_id,actor,action,target_type,target_id,ip,user_agent,details,hash");
    const seeded = lines.find((l) => l.includes("SeedAgent") || l.includes("HYPERLINK"))!;
    expect(seeded).toContain(`"'-2+3,""quoted""@example.com"`);
    expect(seeded).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(text.endsWith("\r\n")).toBe(true);

    const json = await client.get("/settings/audit-log/export.json?action=envelope.sent");
    expect(json.status).toBe(200);
    const body = (await json.json()) as { entries: AuditEntry[] };
    expect(body.entries).toHaveLength(1);
    expect(body.entries[0]!.userAgent).toBe("=HYPERLINK(\"http://evil.example\",\"x\")");

    // The exports themselves are in the log.
    const exported = await env.DB.prepare("SELECT details FROM audit_log WHERE org_id = ? AND action = 'data.exported' ORDER BY seq").bind(orgId).all<{ details: string }>();
    expect(exported.results.map((r) => JSON.parse(r.details).format)).toEqual(["csv", "json"]);
  });
});

describe("the hash chain", () => {
  it("is verified on the page, and an entry edited in D1 is reported by its seq", async () => {
    const { client, email } = await newSender("Tamp Erson");
    const orgId = await orgOf(email);
    await seed(orgId, 4);
    const db = database(env.DB);
    const head = (await verifyAuditChain(db, orgId)) as { ok: true; head: number };
    expect(head.ok).toBe(true);
    expect((await client.page("/settings/audit-log")).html).toContain(`Chain verified up to entry #${head.head}`);

    // Someone with database access rewrites what happened in entry 3.
    await env.DB.prepare("UPDATE audit_log SET details = '{\"file\":\"nothing\"}' WHERE org_id = ? AND seq = 3").bind(orgId).run();
    expect(await verifyAuditChain(db, orgId)).toEqual({ ok: false, verifiedUpTo: 2, broken: { seq: 3, reason: "hash_mismatch" } });
    const page = await client.page("/settings/audit-log");
    expect(decode(page.html)).toContain("The chain is broken at entry #3: the entry was changed after it was written. Entries up to #2 are intact.");
    expect(page.html).not.toContain("Chain verified");
  });

  it("reports a deleted entry as missing", async () => {
    const { email } = await newSender("Del Eter");
    const orgId = await orgOf(email);
    await seed(orgId, 5);
    await env.DB.prepare("DELETE FROM audit_log WHERE org_id = ? AND seq = 4").bind(orgId).run();
    expect(await verifyAuditChain(database(env.DB), orgId)).toEqual({ ok: false, verifiedUpTo: 3, broken: { seq: 4, reason: "seq_gap" } });
  });

  it("stays one unbroken chain when 20 entries are appended at once", async () => {
    const orgId = `org_concurrent_${Date.now().toString(36)}`;
    const written = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        audit(env, { orgId, actor: { type: "system", id: null, label: null }, action: "envelope.deleted", target: { type: "envelope", id: `env_c${i}` }, details: { n: i } }),
      ),
    );
    expect(written.every((e) => e !== null)).toBe(true);
    const seqs = (await env.DB.prepare("SELECT seq FROM audit_log WHERE org_id = ? ORDER BY seq").bind(orgId).all<{ seq: number }>()).results.map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await verifyAuditChain(database(env.DB), orgId)).toEqual({ ok: true, head: 20 });
    // Every one of the 20 made it, each exactly once.
    const targets = (await env.DB.prepare("SELECT target_id FROM audit_log WHERE org_id = ?").bind(orgId).all<{ target_id: string }>()).results.map((r) => r.target_id).sort();
    expect(targets).toEqual(Array.from({ length: 20 }, (_, i) => `env_c${i}`).sort());
  });
});

describe("another tenant", () => {
  it("sees none of this organisation's entries, on the page, in exports or through the API", async () => {
    const a = await newSender("Alice Owner");
    const orgA = await orgOf(a.email);
    await seed(orgA, 3, { label: "alice-secret-marker@example.com" });
    const { key: keyA } = await createKeyOnPage(a.client, "A reader", ["read"]);
    const entriesA = await allEntries(keyA);

    const b = await newSender("Bob Other");
    const { key: keyB } = await createKeyOnPage(b.client, "B reader", ["read"]);
    const page = await b.client.page("/settings/audit-log");
    expect(page.res.status).toBe(200);
    expect(page.html).not.toContain("alice-secret-marker");
    expect(page.html).not.toContain(a.email);
    // Asking for Alice by name finds nothing (the filter only narrows the own organisation).
    const asked = await b.client.page("/settings/audit-log?actor=alice-secret-marker%40example.com");
    expect(asked.html).not.toContain('<th scope="row">');
    expect(asked.html).toContain("No entries match these filters.");
    const csv = await (await b.client.get("/settings/audit-log/export.csv")).text();
    expect(csv).not.toContain(a.email);

    const entriesB = await allEntries(keyB);
    expect(entriesB.length).toBeGreaterThan(0);
    expect(entriesB.every((e) => e.orgId === (entriesB[0]!.orgId))).toBe(true);
    expect(entriesB.map((e) => e.id)).not.toEqual(expect.arrayContaining([entriesA[0]!.id]));
    // A cursor is only a position inside the key's own organisation.
    const res = await apiClient(keyB).call(`/api/v1/audit-log?cursor=${entriesA[0]!.seq + 1}&actor=alice-secret-marker%40example.com`);
    expect(((await res.json()) as Page).data).toEqual([]);
  });

  it("sends anonymous visitors to log in and refuses the API without a key", async () => {
    const anonymous = new Client(freshIp());
    const res = await anonymous.get("/settings/audit-log");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login");
    expect((await anonymous.get("/settings/audit-log/export.csv")).status).toBe(303);
    await expectProblem(await apiClient("").call("/api/v1/audit-log"), 401, "unauthenticated");
  });
});
