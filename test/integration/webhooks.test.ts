/**
 * Webhooks end to end: registration through the settings pages (with the SSRF guard and a
 * stand-in DNS-over-HTTPS resolver), tenant isolation, the secret at rest, and deliveries
 * from real envelope events through the queue to a receiver that checks every one with
 * the `standardwebhooks` library. The network (DNS and the receiver) is a stand-in.
 */
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import type { WebhookDeliveryMessage, WebhookEventMessage } from "../../src/domain/messages";
import type { Env } from "../../src/env";
import { handleMessage, handleQueue } from "../../src/jobs/queue";
import { deliveryIdOf } from "../../src/services/webhooks/delivery";
import { rewrapWebhookKeys } from "../../src/services/webhooks/endpoints";
import { database } from "../../src/storage/db";
import { loadKeyring } from "../../src/storage/document-crypto";
import { DOH_URL } from "../../src/services/webhooks/url-guard";
import { Client, csrfOf, ORIGIN } from "../support/client";
import { addSigner, cancelEnvelope, createEnvelope, decode, freshIp, invitationLink, mainOf, newSender, newSigner, openLink, sendEnvelope } from "../support/flows";
import { eventually } from "../support/eventually";

const QUEUE = "pactly-notifications-dev";
const DLQ = "pactly-notifications-dlq-dev";
const RECEIVER = "https://hooks.example.com/pactly";

type Received = { url: string; headers: Record<string, string>; body: string; redirect: RequestInit["redirect"] };

/**
 * The internet as Pactly sees it here: a DNS-over-HTTPS resolver with a table of names,
 * and receivers on hooks.example.com whose answers `answer` decides (default 200).
 */
function network(records: Record<string, string[]> = { "hooks.example.com": ["93.184.216.34", "2606:2800:220:1::1"], "evil.example.com": ["93.184.216.34", "192.168.0.10"] }) {
  const received: Received[] = [];
  let answer: (r: Received) => Response = () => new Response("ok");
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    if (`${url.origin}${url.pathname}` === DOH_URL) {
      const name = url.searchParams.get("name")!;
      const v6 = url.searchParams.get("type") === "AAAA";
      const all = records[name];
      if (!all) return Response.json({ Status: 3 });
      return Response.json({ Status: 0, Answer: all.filter((a) => a.includes(":") === v6).map((data) => ({ name, type: v6 ? 28 : 1, TTL: 30, data })) });
    }
    if (records[url.hostname]) {
      const r: Received = { url: req.url, headers: Object.fromEntries(req.headers), body: await req.text(), redirect: init?.redirect };
      received.push(r);
      return answer(r);
    }
    throw new TypeError(`no route to ${url.hostname}`);
  };
  return {
    fetch: fetcher,
    received,
    records,
    answer(fn: (r: Received) => Response) {
      answer = fn;
    },
  };
}

/** Drives the app built with this network as its edge, keeping the client's cookies like a browser. */
async function viaApp(client: Client, net: ReturnType<typeof network>, path: string, init: RequestInit & { env?: Env } = {}): Promise<Response> {
  const app = createApp({ edgeFetch: net.fetch });
  const headers = new Headers(init.headers);
  if (client.cookies.size > 0) headers.set("Cookie", [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
  headers.set("CF-Connecting-IP", client.ip);
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(new URL(path, ORIGIN), { ...init, headers, redirect: "manual" }), init.env ?? (env as Env), ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function postForm(client: Client, net: ReturnType<typeof network>, path: string, fields: Record<string, string | string[]>, opts: { env?: Env } = {}) {
  const page = await viaApp(client, net, path.replace(/\/(rotate|delete)$/, "").replace(/\/$/, "") || "/settings/webhooks", opts);
  const params = new URLSearchParams({ _csrf: csrfOf(await page.text()) });
  for (const [k, v] of Object.entries(fields)) for (const one of ([] as string[]).concat(v)) params.append(k, one);
  return viaApp(client, net, path, { ...opts, method: "POST", body: params, headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN, "Sec-Fetch-Site": "same-origin" } });
}

const ALL_EVENTS = ["envelope.sent", "envelope.viewed", "recipient.signed", "envelope.declined", "envelope.completed", "envelope.expired", "envelope.cancelled", "document.deleted"];

/** Registers an endpoint through the page; answers its id and the secret shown once. */
async function register(client: Client, net: ReturnType<typeof network>, url = RECEIVER, events = ALL_EVENTS): Promise<{ id: string; secret: string; html: string }> {
  const res = await postForm(client, net, "/settings/webhooks", { url, description: "Accounting", events });
  const html = await res.text();
  expect(res.status, decode(/class="field-error">[\s\S]*?<\/span>\s*([^<]*)/.exec(html)?.[1] ?? "")).toBe(200);
  expect(res.headers.get("Cache-Control")).toBe("no-store");
  const secret = /id="new-secret"[^>]*value="(whsec_[^"]+)"/.exec(html)?.[1];
  const id = /action="\/settings\/webhooks\/(whe_[A-Za-z0-9_-]+)\/rotate"/.exec(html)?.[1];
  expect(secret).toBeTruthy();
  expect(id).toBeTruthy();
  return { id: id!, secret: secret!, html };
}

async function orgOf(endpointId: string): Promise<string> {
  const row = await env.DB.prepare("SELECT org_id FROM webhook_endpoints WHERE id = ?").bind(endpointId).first<{ org_id: string }>();
  return row!.org_id;
}

function delivery(endpointId: string, orgId: string, over: Partial<WebhookDeliveryMessage> = {}): WebhookDeliveryMessage {
  return { v: 1, id: `msg_wh_${crypto.randomUUID()}`, type: "webhook_delivery", orgId, endpointId, event: "envelope.sent", occurredAt: new Date().toISOString(), data: { envelopeId: "env_test", status: "sent" }, ...over };
}

async function runBatch(queue: string, message: unknown, attempts: number, net: ReturnType<typeof network>) {
  const batch = createMessageBatch<unknown>(queue, [{ id: `q${attempts}_${crypto.randomUUID()}`, body: message, attempts, timestamp: new Date() }]);
  const ctx = createExecutionContext();
  await handleQueue(batch, env as Env, { fetch: net.fetch });
  return getQueueResult(batch, ctx);
}

async function logOf(client: Client, net: ReturnType<typeof network>, id: string): Promise<string[]> {
  const res = await viaApp(client, net, `/settings/webhooks/${id}`);
  expect(res.status).toBe(200);
  const body = /<table class="table webhook-log">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(await res.text())?.[1] ?? "";
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => decode(m[1]!.replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ").trim());
}

function quietErrors() {
  vi.spyOn(console, "error").mockImplementation(() => {});
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("registering a webhook endpoint", () => {
  it("refuses plain http, private and local addresses and names that resolve to them, saying why, and stores nothing", async () => {
    const { client } = await newSender();
    const net = network();
    const production = { ...env, ENVIRONMENT: "production" } as Env;
    const cases: [string, string, Env?][] = [
      ["http://hooks.example.com/x", "The address must start with https://"],
      ["http://localhost:3000/hook", "The address must start with https://", production],
      ["http://127.0.0.1:3000/hook", "The address must start with https://", production],
      ["https://10.0.0.8/hook", "private or local network"],
      ["https://169.254.169.254/latest/meta-data", "private or local network"],
      ["https://[::1]/hook", "private or local network", production],
      ["https://[fd00:ec2::254]/hook", "private or local network"],
      ["https://localhost/hook", "private or local network", production],
      ["https://app.localhost/hook", "private or local network"],
      ["https://metadata.google.internal/x", "private or local network"],
      ["https://evil.example.com/hook", "private or local network"],
      ["https://nowhere.example.com/hook", "does not exist"],
      ["not a url", "full URL"],
    ];
    for (const [url, why, useEnv] of cases) {
      const res = await postForm(client, net, "/settings/webhooks", { url, events: ["envelope.sent"] }, { env: useEnv ?? (env as Env) });
      const html = await res.text();
      expect(res.status, url).toBe(422);
      expect(decode(html), url).toContain(why);
      expect(html).toContain('class="error-summary"');
    }
    const noEvents = await postForm(client, net, "/settings/webhooks", { url: RECEIVER });
    expect(noEvents.status).toBe(422);
    expect(await noEvents.text()).toContain("Choose at least one event");
    const list = await viaApp(client, net, "/settings/webhooks");
    expect(await list.text()).toContain("There are no webhook endpoints yet.");
  });

  it("accepts plain http to localhost in development only", async () => {
    const { client } = await newSender();
    const net = network();
    const { id } = await register(client, net, "http://localhost:4000/hook", ["envelope.sent"]);
    const row = await env.DB.prepare("SELECT url FROM webhook_endpoints WHERE id = ?").bind(id).first<{ url: string }>();
    expect(row?.url).toBe("http://localhost:4000/hook");
  });

  it("shows the secret once and stores it only encrypted", async () => {
    const { client } = await newSender();
    const net = network();
    const { id, secret } = await register(client, net);
    const page = await (await viaApp(client, net, `/settings/webhooks/${id}`)).text();
    expect(page).toContain(RECEIVER);
    expect(page).not.toContain(secret);
    expect(page).not.toContain("whsec_");
    const raw = secret.slice("whsec_".length);
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string }>();
    for (const { name } of tables.results) {
      const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      const dump = JSON.stringify(rows.results);
      expect(dump.includes(raw), name).toBe(false);
      expect(dump.includes(secret), name).toBe(false);
    }
  });

  it("shows another tenant's endpoint to no one else: view, rotate and delete are 404", async () => {
    const net = network();
    const owner = await newSender();
    const { id } = await register(owner.client, net);
    const other = await newSender("Other Person");
    expect((await viaApp(other.client, net, `/settings/webhooks/${id}`)).status).toBe(404);
    expect((await viaApp(other.client, net, `/settings/webhooks/${id}/delete`)).status).toBe(404);
    expect((await postForm(other.client, net, `/settings/webhooks/${id}/rotate`, {})).status).toBe(404);
    expect((await postForm(other.client, net, `/settings/webhooks/${id}/delete`, {})).status).toBe(404);
    expect(await (await viaApp(other.client, net, "/settings/webhooks")).text()).not.toContain(id);
    const row = await env.DB.prepare("SELECT rotated_at FROM webhook_endpoints WHERE id = ?").bind(id).first<{ rotated_at: string | null }>();
    expect(row).not.toBeNull();
    expect(row!.rotated_at).toBeNull();
    // The owner can delete it, and then it is gone for them too.
    expect((await postForm(owner.client, net, `/settings/webhooks/${id}/delete`, {})).status).toBe(303);
    expect((await viaApp(owner.client, net, `/settings/webhooks/${id}`)).status).toBe(404);
  });

  it("asks anyone signed out to log in", async () => {
    const res = await viaApp(new Client(freshIp()), network(), "/settings/webhooks");
    expect([302, 303]).toContain(res.status);
  });
});

describe("deliveries", () => {
  it("reach a standardwebhooks receiver that verifies every one, through sent, viewed, signed, completed, declined and cancelled", async () => {
    const net = network();
    // The queue consumer runs on its own and reaches the network through the global fetch.
    const original = globalThis.fetch;
    vi.stubGlobal("fetch", (input: RequestInfo | URL, init?: RequestInit) => {
      const host = new URL(input instanceof Request ? input.url : String(input)).hostname;
      return host === "cloudflare-dns.com" || net.records[host] ? net.fetch(input, init) : original(input, init);
    });
    const sender = await newSender();
    const { secret } = await register(sender.client, net);
    const receiver = new Webhook(secret);

    // 1. sent → viewed → signed (two signers) → completed
    const a = newSigner("Kari Nordmann");
    const b = newSigner("Ola Ås");
    const completed = await createEnvelope(sender.client, { signers: [a, b] });
    await sendEnvelope(sender.client, completed.path);
    const ips: string[] = [];
    for (const s of [a, b]) {
      const signer = new Client(freshIp());
      ips.push(signer.ip);
      const { signPath, csrf } = await openLink(signer, await invitationLink(sender.client, s.email));
      expect((await signer.get(`${signPath}/document.pdf`)).status).toBe(200);
      expect((await signer.post(`${signPath}/sign`, { typedName: s.name, consent: "yes" }, csrf)).status).toBe(303);
    }
    // 2. declined
    const c = newSigner("Per Persen");
    const declined = await createEnvelope(sender.client, { signers: [c] });
    await sendEnvelope(sender.client, declined.path);
    const signerC = new Client(freshIp());
    ips.push(signerC.ip);
    const opened = await openLink(signerC, await invitationLink(sender.client, c.email));
    expect((await signerC.post(`${opened.signPath}/decline`, { reason: "Wrong price" }, opened.csrf)).status).toBe(303);
    // 3. cancelled
    const cancelled = await createEnvelope(sender.client, { signers: [newSigner("Nils Nilsen")] });
    await sendEnvelope(sender.client, cancelled.path);
    await cancelEnvelope(sender.client, cancelled.path);

    const expected = [
      `${completed.id} envelope.sent`, `${completed.id} envelope.viewed`, `${completed.id} envelope.viewed`,
      `${completed.id} recipient.signed`, `${completed.id} recipient.signed`, `${completed.id} envelope.completed`,
      `${declined.id} envelope.sent`, `${declined.id} envelope.viewed`, `${declined.id} envelope.declined`,
      `${cancelled.id} envelope.sent`, `${cancelled.id} envelope.cancelled`,
    ].sort();
    const seen = () => [...new Set(net.received.map((r) => r.headers["webhook-id"]))].length;
    await eventually(() => seen() >= expected.length, { what: `${expected.length} webhook deliveries`, within: 45_000 });

    const payloads = net.received.map((r) => {
      expect(r.url).toBe(RECEIVER);
      expect(r.redirect).toBe("manual");
      // Throws unless the signature, id and timestamp check out.
      return receiver.verify(r.body, r.headers) as { type: string; timestamp: string; data: { envelopeId: string; recipientId?: string; status: string } };
    });
    expect(payloads.map((p) => `${p.data.envelopeId} ${p.type}`).sort()).toEqual(expected);
    expect(new Set(net.received.map((r) => r.headers["webhook-id"])).size).toBe(expected.length);
    expect(payloads.find((p) => p.type === "envelope.completed")!.data.status).toBe("completed");
    expect(payloads.find((p) => p.type === "recipient.signed")!.data.recipientId).toMatch(/^rcp_/);
    // Ids and statuses only: no names, addresses, reasons, tokens or IPs.
    for (const r of net.received) {
      for (const secretish of [a.name, a.email, b.email, c.email, "Wrong price", "Used-car sale", "/s/", ...ips.map((ip) => `"${ip}"`)]) expect(r.body).not.toContain(secretish);
    }
    // A receiver refuses a delivery whose body was changed on the way.
    const first = net.received[0]!;
    expect(() => receiver.verify(first.body.replace(/"status":"[a-z]+"/, '"status":"completed"'), first.headers)).toThrow();
  }, 90_000);

  it("retries a failure with backoff, logs each attempt with the same webhook-id, and sends a succeeded delivery never again", async () => {
    quietErrors();
    const net = network();
    const { client } = await newSender();
    const { id, secret } = await register(client, net, RECEIVER, ["envelope.sent"]);
    const message = delivery(id, await orgOf(id));
    let calls = 0;
    net.answer(() => new Response("down", { status: (calls += 1) === 1 ? 500 : 200 }));

    const first = await runBatch(QUEUE, message, 1, net);
    expect(first.explicitAcks).toEqual([]);
    expect(first.retryMessages).toHaveLength(1);
    const second = await runBatch(QUEUE, message, 2, net);
    expect(second.explicitAcks).toHaveLength(1);
    expect(net.received).toHaveLength(2);
    expect(net.received[0]!.headers["webhook-id"]).toBe(message.id);
    expect(net.received[1]!.headers["webhook-id"]).toBe(message.id);
    for (const r of net.received) expect(new Webhook(secret).verify(r.body, r.headers)).toMatchObject({ type: "envelope.sent" });

    const log = await logOf(client, net, id);
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(/envelope\.sent Delivered \(HTTP 200\) 2 \d+ ms$/);
    expect(log[1]).toMatch(/envelope\.sent HTTP 500, will retry 1 \d+ ms$/);

    // The queue delivers at least once: a redelivered message that already succeeded sends nothing.
    await handleMessage(message, env as Env, { fetch: net.fetch });
    expect((await runBatch(QUEUE, message, 1, net)).explicitAcks).toHaveLength(1);
    expect(net.received).toHaveLength(2);

    // After the last retry the dead-letter consumer records a failure once, never for a success.
    await runBatch(DLQ, message, 1, net);
    expect(await logOf(client, net, id)).toHaveLength(2);
    const doomed = delivery(id, message.orgId);
    net.answer(() => new Response("no", { status: 503 }));
    await runBatch(QUEUE, doomed, 1, net);
    await runBatch(DLQ, doomed, 1, net);
    await runBatch(DLQ, doomed, 1, net);
    const after = await logOf(client, net, id);
    expect(after.filter((l) => l.includes("Failed: no more retries"))).toHaveLength(1);
  });

  it("does not follow redirects: a 3xx is a failed attempt, and the redirect target gets nothing", async () => {
    quietErrors();
    const net = network();
    const { client } = await newSender();
    const { id } = await register(client, net, RECEIVER, ["envelope.sent"]);
    net.answer(() => new Response(null, { status: 302, headers: { Location: "http://169.254.169.254/latest/meta-data" } }));
    await expect(handleMessage(delivery(id, await orgOf(id)), env as Env, { fetch: net.fetch })).rejects.toThrow(/302/);
    expect(net.received).toHaveLength(1);
    expect(net.received[0]!.redirect).toBe("manual");
    expect((await logOf(client, net, id))[0]).toMatch(/HTTP 302, will retry/);
  });

  it("checks DNS again at delivery: a name that now resolves to a private address gets nothing", async () => {
    quietErrors();
    const net = network();
    const { client } = await newSender();
    const { id } = await register(client, net, RECEIVER, ["envelope.sent"]);
    net.records["hooks.example.com"] = ["10.0.0.9"];
    await expect(handleMessage(delivery(id, await orgOf(id)), env as Env, { fetch: net.fetch })).rejects.toThrow(/refused/);
    expect(net.received).toHaveLength(0);
    expect((await logOf(client, net, id))[0]).toMatch(/refused: private, will retry/);
  });

  it("signs with both secrets for a day after rotation, then with the new one only", async () => {
    const net = network();
    const { client } = await newSender();
    const { id, secret: oldSecret } = await register(client, net, RECEIVER, ["envelope.sent"]);
    const rotated = await postForm(client, net, `/settings/webhooks/${id}/rotate`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get("Cache-Control")).toBe("no-store");
    const html = await rotated.text();
    const newSecret = /id="new-secret"[^>]*value="(whsec_[^"]+)"/.exec(html)![1]!;
    expect(newSecret).not.toBe(oldSecret);
    expect(mainOf(html)).toContain("The previous secret still signs deliveries until");

    const orgId = await orgOf(id);
    await handleMessage(delivery(id, orgId), env as Env, { fetch: net.fetch });
    const during = net.received.at(-1)!;
    expect(during.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(during.body, during.headers)).toBeTruthy();
    expect(new Webhook(newSecret).verify(during.body, during.headers)).toBeTruthy();

    // A day later (moved back in the database rather than waiting): the old secret is dropped.
    await env.DB.prepare("UPDATE webhook_endpoints SET previous_expires_at = ? WHERE id = ?").bind(new Date(Date.now() - 1000).toISOString(), id).run();
    await handleMessage(delivery(id, orgId), env as Env, { fetch: net.fetch });
    const after = net.received.at(-1)!;
    expect(after.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(new Webhook(newSecret).verify(after.body, after.headers)).toBeTruthy();
    expect(() => new Webhook(oldSecret).verify(after.body, after.headers)).toThrow();
    const row = await env.DB.prepare("SELECT previous_wrapped_key, previous_secret_ciphertext FROM webhook_endpoints WHERE id = ?").bind(id).first();
    expect(row).toEqual({ previous_wrapped_key: null, previous_secret_ciphertext: null });
  });

  it("fans an event out once per subscribed endpoint of the same organisation, with ids stable across redelivery", async () => {
    const net = network();
    const { client } = await newSender();
    const wantsSent = await register(client, net, RECEIVER, ["envelope.sent"]);
    const wantsOther = await register(client, net, "https://hooks.example.com/other", ["envelope.completed"]);
    const orgId = await orgOf(wantsSent.id);
    const stranger = await newSender("Stranger");
    const strangers = await register(stranger.client, net, RECEIVER, ["envelope.sent"]);
    const queued: unknown[] = [];
    const capture = { ...env, NOTIFICATIONS: { sendBatch: async (batch: { body: unknown }[]) => void queued.push(...batch.map((m) => m.body)) } } as unknown as Env;
    const event: WebhookEventMessage = { v: 1, id: "msg_event_fanout_1", type: "webhook_event", orgId, envelopeId: "env_x", event: "envelope.sent", occurredAt: new Date().toISOString(), data: { envelopeId: "env_x", status: "sent" } };
    await handleMessage(event, capture);
    await handleMessage(event, capture);
    expect(queued).toHaveLength(2);
    const [one, two] = queued as WebhookDeliveryMessage[];
    expect(one!.endpointId).toBe(wantsSent.id);
    expect(two!.id).toBe(one!.id);
    expect(one!.id).toBe(deliveryIdOf(event.id, wantsSent.id));
    expect(queued.some((m) => (m as WebhookDeliveryMessage).endpointId === wantsOther.id || (m as WebhookDeliveryMessage).endpointId === strangers.id)).toBe(false);
  });

  it("keeps signing after a KEK rotation once the secrets are rewrapped, and the old KEK can go", async () => {
    const net = network();
    const { client } = await newSender();
    const { id, secret } = await register(client, net, RECEIVER, ["envelope.sent"]);
    const k2 = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const both = JSON.stringify({ ...JSON.parse(env.KEK_KEYS), k2 });
    const counts = await rewrapWebhookKeys({ db: database(env.DB), keyring: () => loadKeyring(both, "k2") }, { limit: 1000 });
    expect(counts.failed).toBe(0);
    expect(counts.rewrapped).toBeGreaterThanOrEqual(1);
    expect((await env.DB.prepare("SELECT kek_id FROM webhook_endpoints WHERE id = ?").bind(id).first<{ kek_id: string }>())?.kek_id).toBe("k2");
    const onlyNew = { ...env, KEK_KEYS: JSON.stringify({ k2 }), KEK_CURRENT_ID: "k2" } as Env;
    await handleMessage(delivery(id, await orgOf(id)), onlyNew, { fetch: net.fetch });
    const r = net.received.at(-1)!;
    expect(new Webhook(secret).verify(r.body, r.headers)).toMatchObject({ type: "envelope.sent" });
  });
});
