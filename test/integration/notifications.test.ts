import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { QueueMessage } from "../../src/domain/messages";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { handleMessage, handleQueue, retryDelaySeconds } from "../../src/jobs/queue";
import { ConfigurationError, type Fetcher } from "../../src/services/mail/provider-error";
import { Client } from "../support/client";
import { decode, freshIp, mainOf, newSender, newSigner, outboxMessages, sentEnvelope } from "../support/flows";

const QUEUE = "pactly-notifications-dev";
const DLQ = "pactly-notifications-dlq-dev";
let seq = 0;

function uid(prefix: string): string {
  seq += 1;
  return `${prefix}_${Date.now().toString(36)}_${seq}`;
}

function invite(over: Partial<Extract<QueueMessage, { type: "invite" }>> = {}): Extract<QueueMessage, { type: "invite" }> {
  return { v: 1, id: uid("msg"), type: "invite", envelopeId: "env_notif", orgId: "org_notif", recipientId: "rcp_notif", to: `${uid("kari")}@example.com`, name: "Kari", locale: "en", title: "Bilsalg", senderName: "Sara", message: "", token: "t".repeat(43), ...over };
}

/** Env with Resend and Twilio configured: every send goes through the stand-in below. */
const providerEnv = { ...env, EMAIL_PROVIDER_API_KEY: "re_test_key", EMAIL_FROM: "Pactly <sign@example.com>", TWILIO_ACCOUNT_SID: "AC_test", TWILIO_AUTH_TOKEN: "tw_test", SMS_FROM: "Pactly" } as Env;

/**
 * A provider stand-in that honours idempotency keys like Resend: the same key sends once.
 * `answer` decides each request's fate: a status, or "lost" (accepted, but the answer never arrives).
 */
function provider(answer: (key: string, to: string) => number | "lost" = () => 200) {
  const sent = new Map<string, number>();
  let requests = 0;
  const fetcher: Fetcher = async (input, init) => {
    requests += 1;
    const req = new Request(input, init);
    const key = req.headers.get("Idempotency-Key") ?? `sms-${requests}`;
    const to = req.url.includes("twilio") ? new URLSearchParams(new TextDecoder().decode(await req.arrayBuffer())).get("To")! : ((await req.json()) as { to: string[] }).to[0]!;
    const fate = answer(key, to);
    if (fate === "lost" || (fate >= 200 && fate < 300)) sent.set(key, (sent.get(key) ?? 0) + (sent.has(key) ? 0 : 1));
    if (fate === "lost") throw new TypeError("Network connection lost");
    return Response.json(fate < 300 ? { id: `re_${key}` } : { name: "error" }, { status: fate });
  };
  return { fetcher, sent, requests: () => requests };
}

async function runBatch(queue: string, messages: { id: string; body: unknown; attempts: number }[], deps: Parameters<typeof handleQueue>[2], useEnv: Env = providerEnv) {
  const batch = createMessageBatch<unknown>(queue, messages.map((m) => ({ ...m, timestamp: new Date() })));
  const ctx = createExecutionContext();
  await handleQueue(batch, useEnv, deps);
  return getQueueResult(batch, ctx);
}

async function failureOf(messageId: string) {
  return env.DB.prepare("SELECT reason, provider_status, to_address, kind, channel FROM delivery_failures WHERE message_id = ?").bind(messageId).first<Record<string, string | null>>();
}

async function deliveryOf(messageId: string) {
  return env.DB.prepare("SELECT kind, channel, to_address FROM deliveries WHERE message_id = ?").bind(messageId).first<Record<string, string | null>>();
}

describe("delivering notifications through the providers", () => {
  it("sends a message handled twice only once, and records where it went", async () => {
    const stand = provider();
    const message = invite({ reminder: true });
    await handleMessage(message, providerEnv, { fetch: stand.fetcher });
    await handleMessage(message, providerEnv, { fetch: stand.fetcher });
    expect(stand.requests()).toBe(1);
    expect(await deliveryOf(message.id)).toEqual({ kind: "reminder", channel: "email", to_address: message.to });
  });

  it("sends nothing twice when the provider's answer was lost and the queue retries", async () => {
    let first = true;
    const stand = provider(() => (first ? ((first = false), "lost") : 200));
    const message = invite();
    await expect(handleMessage(message, providerEnv, { fetch: stand.fetcher })).rejects.toThrow(/Network/);
    await handleMessage(message, providerEnv, { fetch: stand.fetcher });
    // Two requests with the same idempotency key; the provider sent one email.
    expect(stand.requests()).toBe(2);
    expect(stand.sent.get(message.id)).toBe(1);
  });

  it("sends an SMS code through Twilio and records the SMS channel", async () => {
    const stand = provider(() => 201);
    const message: QueueMessage = { v: 1, id: uid("msg"), type: "code", envelopeId: "env_notif", orgId: "org_notif", recipientId: "rcp_notif", channel: "sms", to: "+4791234567", locale: "nb", code: "654321", expiresInMinutes: 10, title: "Bilsalg" };
    await handleMessage(message, providerEnv, { fetch: stand.fetcher });
    expect(stand.requests()).toBe(1);
    expect(await deliveryOf(message.id)).toEqual({ kind: "code", channel: "sms", to_address: "+4791234567" });
  });

  it("refuses to deliver outside development without a provider, and records nothing as sent", async () => {
    const message = invite();
    await expect(handleMessage(message, { ...env, ENVIRONMENT: "production" } as Env)).rejects.toBeInstanceOf(ConfigurationError);
    expect(await deliveryOf(message.id)).toBeNull();
    // Through the consumer it is retried, never dropped.
    const result = await runBatch(QUEUE, [{ id: "q-noprov", body: message, attempts: 1 }], {}, { ...env, ENVIRONMENT: "production" } as Env);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((r) => r.msgId)).toEqual(["q-noprov"]);
  });
});

describe("failed deliveries", () => {
  it("records an address the provider refuses for good at once, without retrying", async () => {
    const message = invite();
    const stand = provider(() => 422);
    const result = await runBatch(QUEUE, [{ id: "q-bad", body: message, attempts: 1 }], { fetch: stand.fetcher });
    expect(result.explicitAcks).toEqual(["q-bad"]);
    expect(result.retryMessages).toEqual([]);
    expect(await failureOf(message.id)).toEqual({ reason: "rejected", provider_status: "422", to_address: message.to, kind: "invite", channel: "email" });
    expect(await deliveryOf(message.id)).toBeNull();
  });

  it("retries an outage with a growing delay and records nothing yet", async () => {
    const message = invite();
    const stand = provider(() => 503);
    const first = await runBatch(QUEUE, [{ id: "q-503a", body: message, attempts: 1 }], { fetch: stand.fetcher });
    const third = await runBatch(QUEUE, [{ id: "q-503c", body: message, attempts: 3 }], { fetch: stand.fetcher });
    expect(first.retryMessages.map((r) => r.msgId)).toEqual(["q-503a"]);
    expect(third.retryMessages.map((r) => r.msgId)).toEqual(["q-503c"]);
    expect([1, 2, 3, 4, 5, 6, 20].map(retryDelaySeconds)).toEqual([5, 10, 20, 40, 80, 160, 600]);
    expect(await failureOf(message.id)).toBeNull();
  });

  it("records a dead letter once, and not for a message that was delivered after all", async () => {
    const dead = invite();
    const delivered = invite();
    await handleMessage(delivered, providerEnv, { fetch: provider().fetcher });
    const result = await runBatch(DLQ, [
      { id: "d1", body: dead, attempts: 1 },
      { id: "d2", body: dead, attempts: 1 },
      { id: "d3", body: delivered, attempts: 1 },
    ], {});
    expect(result.explicitAcks.sort()).toEqual(["d1", "d2", "d3"]);
    expect(await failureOf(dead.id)).toMatchObject({ reason: "retries_exhausted", provider_status: null, to_address: dead.to });
    expect(await failureOf(delivered.id)).toBeNull();
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM delivery_failures WHERE message_id = ?").bind(dead.id).first<{ n: number }>();
    expect(count!.n).toBe(1);
  });

  it("loses and duplicates nothing across 1,000 messages with failures mid-batch", async () => {
    const run = uid("bulk");
    // Every 50th address is refused for good; every 97th is down for longer than the retries last; others fail now and then.
    const messages = Array.from({ length: 1000 }, (_, i) => invite({ id: `${run}_${i}`, to: `${i % 50 === 7 ? "invalid" : i % 97 === 3 ? "down" : "ok"}-${i}@example.com` }));
    // Transient failures (a lost answer, 500, 429) hit a message on its first one or two attempts, mid-batch.
    const attemptsOf = new Map<string, number>();
    const stand = provider((key, to) => {
      const n = (attemptsOf.get(key) ?? 0) + 1;
      attemptsOf.set(key, n);
      if (to.startsWith("invalid")) return 422;
      if (to.startsWith("down")) return 503;
      const i = Number(key.split("_").pop());
      if (n === 1 && i % 11 === 0) return "lost";
      if (n <= 2 && i % 7 === 0) return 500;
      if (n === 1 && i % 13 === 0) return 429;
      return 200;
    });
    const logged: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => void logged.push(String(line)));
    const MAX_RETRIES = 5; // wrangler.toml: max_retries
    let pending = messages.map((m, i) => ({ id: `q-${run}-${i}`, body: m as unknown, attempts: 1 }));
    const deadLetters: typeof pending = [];
    let round = 0;
    while (pending.length > 0) {
      const next: typeof pending = [];
      for (let i = 0; i < pending.length; i += 10) {
        const batch = pending.slice(i, i + 10);
        const result = await runBatch(QUEUE, batch, { fetch: stand.fetcher });
        const retried = new Set(result.retryMessages.map((r) => r.msgId));
        for (const m of batch) {
          if (retried.has(m.id)) (m.attempts > MAX_RETRIES ? deadLetters : next).push({ ...m, attempts: m.attempts + 1 });
          else expect(result.explicitAcks).toContain(m.id);
        }
        // At-least-once: every fifth batch arrives again, as if its acknowledgement was lost.
        if ((i / 10) % 5 === 0 && round === 0) await runBatch(QUEUE, batch, { fetch: stand.fetcher });
      }
      pending = next;
      round += 1;
    }
    for (let i = 0; i < deadLetters.length; i += 10) await runBatch(DLQ, deadLetters.slice(i, i + 10), {});
    spy.mockRestore();
    // The logs say what failed and why, never the key, the address or the signing token.
    expect(logged.length).toBeGreaterThan(100);
    for (const line of logged) expect(line).not.toMatch(/re_test_key|@example\.com|tttttttttt/);

    const expectedRejected = messages.filter((m) => m.to.startsWith("invalid")).map((m) => m.id).sort();
    const expectedDead = messages.filter((m) => m.to.startsWith("down")).map((m) => m.id).sort();
    const expectedSent = messages.filter((m) => m.to.startsWith("ok")).map((m) => m.id).sort();
    // 0 duplicates: the provider sent each message at most once.
    expect([...stand.sent.values()].every((n) => n === 1)).toBe(true);
    expect([...stand.sent.keys()].sort()).toEqual(expectedSent);
    // 0 lost: each message is delivered or recorded as failed, and exactly the expected dead letters exist.
    const rows = await env.DB.prepare("SELECT message_id FROM deliveries WHERE message_id LIKE ? ORDER BY message_id").bind(`${run}_%`).all<{ message_id: string }>();
    expect(rows.results.map((r) => r.message_id).sort()).toEqual(expectedSent);
    const failed = await env.DB.prepare("SELECT message_id, reason FROM delivery_failures WHERE message_id LIKE ?").bind(`${run}_%`).all<{ message_id: string; reason: string }>();
    expect(failed.results.filter((f) => f.reason === "rejected").map((f) => f.message_id).sort()).toEqual(expectedRejected);
    expect(failed.results.filter((f) => f.reason === "retries_exhausted").map((f) => f.message_id).sort()).toEqual(expectedDead);
    expect(deadLetters.map((d) => (d.body as { id: string }).id).sort()).toEqual(expectedDead);
  }, 120_000);
});

describe("what the sender sees", () => {
  it("shows each message sent to each signer, and an undelivered invitation with a way to correct the address", async () => {
    const kari = newSigner("Kari Nordmann");
    const { sender, path, id } = await sentEnvelope([kari], { title: "Bilsalg <Volvo>" });
    const envelope = await env.DB.prepare("SELECT org_id FROM envelopes WHERE id = ?").bind(id).first<{ org_id: string }>();
    const recipient = await env.DB.prepare("SELECT id FROM recipients WHERE envelope_id = ?").bind(id).first<{ id: string }>();
    // The invitation went out through the real queue; wait for its delivery record.
    let page = "";
    for (let i = 0; i < 50 && !/Invitation \(email\)/.test(page); i++) page = mainOf((await sender.client.page(path)).html);
    expect(page).toMatch(/<h2 id="deliveries-heading">Messages sent<\/h2>/);
    expect(decode(page)).toMatch(new RegExp(`Kari Nordmann</td><td>Invitation \\(email\\)</td><td>${kari.email}</td>`));
    expect(page).not.toContain("could not be delivered");

    // A later message to the same address dies after its retries.
    const dead = invite({ envelopeId: id, orgId: envelope!.org_id, recipientId: recipient!.id, to: kari.email, reminder: true });
    const batch = createMessageBatch<unknown>(DLQ, [{ id: "dlq-page", timestamp: new Date(), attempts: 1, body: dead }]);
    const ctx = createExecutionContext();
    await worker.queue!(batch, env, ctx);
    await getQueueResult(batch, ctx);

    const { html } = await sender.client.page(path);
    const main = decode(mainOf(html));
    expect(main).toContain(`The reminder to ${kari.email} could not be delivered.`);
    expect(main).toContain(`<a href="#correct-${recipient!.id}">Correct the address of Kari Nordmann</a>`);
    expect(main).toContain(`id="correct-${recipient!.id}"`);
    expect(main).toContain("Not delivered");

    // Once the address is corrected, the warning goes; the history stays.
    const { csrf } = await sender.client.page(path);
    const corrected = await sender.client.post(`${path}/recipients/${recipient!.id}/email`, { email: `fixed-${kari.email}` }, csrf);
    expect(corrected.status).toBe(303);
    const after = decode(mainOf((await sender.client.page(path)).html));
    expect(after).not.toContain("could not be delivered");
    expect(after).toContain("Not delivered");
  });

  it("shows another tenant nothing of the panel: their envelope is a 404", async () => {
    const kari = newSigner("Kari Nordmann");
    const { path } = await sentEnvelope([kari]);
    const other = await newSender("Mallory Other");
    const res = await other.client.get(path);
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).not.toContain(kari.email);
    expect(body).not.toContain("Messages sent");
  });
});

describe("the development outbox", () => {
  it("keeps the HTML and plain text of an email and the text of an SMS", async () => {
    const client = new Client(freshIp());
    const mail = invite({ title: "Leie <hybel>" });
    const sms: QueueMessage = { v: 1, id: uid("msg"), type: "code", envelopeId: "env_notif", orgId: "org_notif", recipientId: "rcp_notif", channel: "sms", to: "+4798765432", locale: "en", code: "111222", expiresInMinutes: 10, title: "Leie" };
    await handleMessage(mail, env);
    await handleMessage(sms, env);
    const all = (await outboxMessages(client)) as unknown as { id: string; channel: string; text: string; hasHtml: boolean }[];
    expect(all.find((m) => m.id === sms.id)).toMatchObject({ channel: "sms", text: "111222 is your Pactly code for 'Leie'. Valid 10 minutes.", hasHtml: false });
    expect(all.find((m) => m.id === mail.id)).toMatchObject({ channel: "email", hasHtml: true });

    const page = await client.page("/dev/outbox");
    expect(page.html).toContain(`href="/dev/outbox/${mail.id}/html"`);
    const html = await client.get(`/dev/outbox/${mail.id}/html`);
    expect(html.status).toBe(200);
    const body = await html.text();
    expect(body).toContain('<html lang="en"');
    expect(body).toContain("Leie &lt;hybel&gt;");
    expect((await client.get(`/dev/outbox/${sms.id}/html`)).status).toBe(404);
  });
});
