/**
 * Sealed, or told: a finalisation job that fails for good (dead-lettered) leaves the envelope
 * `sent` with `finalisation_failed`; the page and the list say so and why, the sender gets one
 * email, a webhook event and an operator log line are emitted; once the cause is fixed, an
 * operator's retry (through the cron) or the cron's own bounded retry completes it once.
 *
 * The failure is real: the original's stored bytes are damaged in R2, so every attempt (ours and
 * the queue consumer running on its own) fails to read them; putting the bytes back fixes it.
 */
import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { webhookEventMessage, type QueueBody } from "../../src/domain/messages";
import pdfService from "../../src/pdf-service/index";
import { handleScheduled } from "../../src/jobs/scheduled";
import { translator } from "../../src/i18n";
import { command, envelopeStub } from "../../src/services/envelope-stub";
import { webhookEventMessages } from "../../src/domain/webhook-events";
import { database } from "../../src/storage/db";
import { objectKey } from "../../src/storage/documents";
import { requestFinalisationRetry } from "../../src/storage/finalisation-retries";
import { createEnvelope, decode, mainOf, newSender, newSigner, sendEnvelope } from "../support/flows";
import { apiClient, createKeyOnPage } from "./api-helpers";
import { eventually } from "../support/eventually";

// The finalisation queue and its dead-letter queue, consumed by the PDF service.
const QUEUE = "pactly-finalisation-dev";
const DLQ = "pactly-finalisation-dlq-dev";
const ctx = { ip: "192.0.2.44", userAgent: "test" };
const t = translator("en");
const day = 24 * 3600_000;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A sent envelope with two signers whose original's stored bytes are damaged, then signed by both. */
async function failingEnvelope(title: string) {
  const sender = await newSender("Sigrid Sender");
  const a = newSigner("Kari Nordmann");
  const b = newSigner("Ola Ås");
  const { path, id } = await createEnvelope(sender.client, { title, signers: [a, b] });
  await sendEnvelope(sender.client, path);
  const stub = envelopeStub(env, id);
  const sent = (await stub.getState())!;
  // Damage the original before the last signature, so no attempt can ever read it.
  const key = objectKey(sent.orgId, sent.document.id);
  const good = new Uint8Array(await (await env.DOCUMENTS.get(key))!.arrayBuffer());
  const damaged = good.slice();
  for (let i = 40; i < 80; i++) damaged[i]! ^= 0x5a;
  await env.DOCUMENTS.put(key, damaged);
  for (const r of sent.recipients) await command(stub.sign({ recipientId: r.id, typedName: r.name, context: ctx }));
  expect((await stub.getState())!.finalisation).toBe("pending");
  return { sender, path, id, stub, orgId: sent.orgId, signers: [a, b], repair: () => env.DOCUMENTS.put(key, good) };
}

/** The finalisation job's newest queue message, as the Envelope object wrote it to its outbox. */
async function finaliseMessage(envelopeId: string, orgId: string): Promise<QueueBody> {
  const ids = await runInDurableObject(envelopeStub(env, envelopeId), (_instance, state) =>
    JSON.parse(state.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'finalise_messages'").one().v) as string[],
  );
  return { v: 1, id: ids.at(-1)!, type: "finalise", envelopeId, orgId };
}

/** Runs the PDF service's own queue handler on one message, as Cloudflare would. */
async function deliver(queue: string, body: QueueBody, attempts: number) {
  const batch = createMessageBatch<unknown>(queue, [{ id: `q_${crypto.randomUUID()}`, timestamp: new Date(), attempts, body }]);
  const ectx = createExecutionContext();
  await pdfService.queue(batch, env, ectx);
  return getQueueResult(batch, ectx);
}

/** The queue retries the job until its retries run out, then dead-letters it. */
async function failForGood(envelopeId: string, orgId: string) {
  const message = await finaliseMessage(envelopeId, orgId);
  for (let attempt = 1; attempt <= 6; attempt++) {
    const result = await deliver(QUEUE, message, attempt);
    expect(result.retryMessages).toHaveLength(1);
  }
  const dead = await deliver(DLQ, message, 1);
  expect(dead.explicitAcks).toHaveLength(1);
  return message;
}

type Mail = { to: string; subject: string; text: string; html: string | null };

/** Every message to an address with this subject, oldest first. */
async function mailTo(to: string, subject: string): Promise<Mail[]> {
  const rows = await env.DB.prepare(`SELECT to_address AS "to", subject, text, html FROM dev_outbox WHERE to_address = ? AND subject = ? ORDER BY created_at, rowid`)
    .bind(to, subject)
    .all<Mail>();
  return rows.results;
}

/** Polls until the queue consumer (which runs on its own) has delivered a message; no fixed wait. */
async function firstMail(to: string, subject: string): Promise<Mail[]> {
  return eventually(async () => {
    const found = await mailTo(to, subject);
    return found.length > 0 && found;
  }, { what: `a message to ${to}: ${subject}` });
}

async function eventTypes(envelopeId: string): Promise<string[]> {
  return (await envelopeStub(env, envelopeId).getEvents()).map((e) => e.type);
}

const count = (list: string[], type: string) => list.filter((x) => x === type).length;

describe("a finalisation that fails for good", () => {
  it("shows the failure and why, tells the sender once, emits the webhook event and the log line; an operator's retry completes it once", async () => {
    const { sender, path, id, stub, orgId, signers, repair } = await failingEnvelope("Bilsalg <Volvo>");
    const errors = vi.spyOn(console, "error");

    const dead = await failForGood(id, orgId);
    // Delivered again by the dead-letter queue: nothing more is recorded.
    await deliver(DLQ, dead, 1);

    const state = (await stub.getState())!;
    expect(state.status).toBe("sent");
    expect(state.finalisation).toBe("failed");
    expect(state.finalisationFailure).toMatchObject({ reason: "document_unreadable", failures: 1, automaticRetries: 0 });
    expect(state.recipients.map((r) => r.status)).toEqual(["signed", "signed"]);
    expect(count(await eventTypes(id), "envelope_finalisation_failed")).toBe(1);

    // The operator's log line: once, structured, ids and a category only.
    const lines = errors.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('"envelope finalisation failed"'));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: "envelope finalisation failed", envelopeId: id, orgId, reason: "document_unreadable", failures: 1 });
    expect(line.nextRetryAt).toBe(new Date(Date.parse(state.finalisationFailure!.failedAt) + day).toISOString());
    for (const secret of [sender.email, "Volvo", ...signers.flatMap((s) => [s.name, s.email])]) expect(lines[0]).not.toContain(secret);
    // Each attempt before it said why too, with the kind of error (never its message).
    const attempts = errors.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('"finalisation attempt failed"'));
    expect(attempts.length).toBeGreaterThanOrEqual(6);
    expect(JSON.parse(attempts[0]!)).toMatchObject({ envelopeId: id, reason: "document_unreadable", cause: expect.stringMatching(/^[A-Za-z]+(:[a-z_]+)?$/) });

    // The webhook event, queued through the object's outbox with the event itself.
    const events = await stub.getEvents();
    const hooks = webhookEventMessages(state, events).filter((w) => w.event === "envelope.finalisation_failed");
    expect(hooks).toHaveLength(1);
    expect(webhookEventMessage.parse(hooks[0]).data).toEqual({ envelopeId: id, status: "sent", reason: "document_unreadable" });

    // The sender's page says it could not be completed, and why; no more "refresh in a moment".
    const page = decode(mainOf((await sender.client.page(path)).html));
    expect(page).toContain(t("status.finalisation_failed"));
    expect(page).toContain(t("finalisation.failed.heading"));
    expect(page).toContain(t("finalisation.reason.document_unreadable"));
    expect(page).not.toContain(t("envelope.finalising"));
    expect(page).not.toMatch(/hx-trigger="every 5s"/);
    // And so does the list.
    const list = decode(mainOf((await sender.client.page("/envelopes")).html));
    const row = list.split("<tr>").find((r) => r.includes(`/envelopes/${id}"`))!;
    expect(row).toContain(t("status.finalisation_failed"));
    // And the API's envelope.
    const api = apiClient((await createKeyOnPage(sender.client, "Finalisation", ["read"])).key);
    const res = await api.call(`/api/v1/envelopes/${id}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; finalisationFailed: unknown };
    expect(body.status).toBe("sent");
    expect(body.finalisationFailed).toEqual({ reason: "document_unreadable", failedAt: state.finalisationFailure!.failedAt, nextRetryAt: line.nextRetryAt });

    // One email to the sender, HTML and text, in their language.
    const subject = t("finalisation.mail.subject", { title: "Bilsalg <Volvo>" });
    const mails = await firstMail(sender.email, subject);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain(t("finalisation.reason.document_unreadable"));
    expect(mails[0]!.html).toContain(`/envelopes/${id}`);
    expect(mails[0]!.html).toContain("Bilsalg &lt;Volvo&gt;");

    // The cause is fixed; the operator asks for a retry (what src/cli/retry-finalisation.mjs records); the cron runs it.
    await repair();
    expect(await requestFinalisationRetry(database(env.DB), id, new Date().toISOString())).toBe(true);
    const run = await handleScheduled(createScheduledController({ scheduledTime: Date.now() }), env);
    expect(run.finalisations).toMatchObject({ requested: 1, failed: 0 });
    expect((await stub.getState())!.finalisation).toBe("pending");
    // The old job's dead letter, delivered late, does not undo the retry.
    await deliver(DLQ, dead, 1);
    expect((await stub.getState())!.finalisation).toBe("pending");
    // The retry's job runs (the consumer on its own may be first: either way it is recorded once).
    const retryJob = await finaliseMessage(id, orgId);
    expect(retryJob.id).not.toBe(dead.id);
    const done = await deliver(QUEUE, retryJob, 1);
    expect(done.explicitAcks).toHaveLength(1);
    const completed = (await stub.getState())!;
    expect(completed.status).toBe("completed");
    expect(completed.finalisationFailure).toBeNull();
    expect(completed.signedDocument).not.toBeNull();

    // A second request, run or delivery changes nothing.
    expect((await handleScheduled(createScheduledController({ scheduledTime: Date.now() }), env)).finalisations.requested).toBe(0);
    await deliver(QUEUE, retryJob, 1);
    await deliver(DLQ, retryJob, 1);
    const types = await eventTypes(id);
    expect(count(types, "envelope_completed")).toBe(1);
    expect(count(types, "envelope_finalisation_retried")).toBe(1);
    expect(count(types, "recipient_signed")).toBe(2);
    expect((await stub.getEvents()).find((e) => e.type === "envelope_finalisation_retried")!.data).toMatchObject({ by: "operator" });

    // Everyone is told once that it is complete; the sender's failure email stays the only one.
    for (const s of signers) expect(await firstMail(s.email, t("mail.completed.subject", { title: "Bilsalg <Volvo>" }))).toHaveLength(1);
    expect(await mailTo(sender.email, subject)).toHaveLength(1);
    expect(((await (await api.call(`/api/v1/envelopes/${id}`)).json()) as { finalisationFailed: unknown }).finalisationFailed).toBeNull();
    const after = decode(mainOf((await sender.client.page(path)).html));
    expect(after).not.toContain('id="finalisation-failed"');
    expect(after).toContain(t("status.completed"));
    // The sender's panel of messages names the notice they were sent.
    expect(after).toContain(`${t("notifications.kind.finalisation_failed")} (${t("notifications.channel.email")})`);
  });

  it("is retried by the daily cron only when due, and completes once when the cause is gone", async () => {
    const { id, stub, orgId, repair } = await failingEnvelope("Room rental");
    await failForGood(id, orgId);
    const failedAt = Date.parse((await stub.getState())!.finalisationFailure!.failedAt);
    vi.useFakeTimers({ toFake: ["Date"] });
    const cron = async (at: number) => {
      vi.setSystemTime(at);
      return (await handleScheduled(createScheduledController({ scheduledTime: at }), env)).finalisations;
    };

    // Not before a day has passed.
    expect((await cron(failedAt + day - 60_000)).automatic).toBe(0);
    expect((await stub.getState())!.finalisation).toBe("failed");

    // The cause is fixed; the next day's run retries, and the job completes the envelope.
    await repair();
    expect((await cron(failedAt + day)).automatic).toBe(1);
    expect((await stub.getState())!.finalisation).toBe("pending");
    expect((await deliver(QUEUE, await finaliseMessage(id, orgId), 1)).explicitAcks).toHaveLength(1);
    expect((await stub.getState())!.status).toBe("completed");

    // Later runs find nothing to do.
    expect((await cron(failedAt + 3 * day)).automatic).toBe(0);
    const types = await eventTypes(id);
    expect(count(types, "envelope_completed")).toBe(1);
    expect(count(types, "envelope_finalisation_retried")).toBe(1);
    expect((await stub.getEvents()).find((e) => e.type === "envelope_finalisation_retried")!.data).toMatchObject({ by: "cron", automaticRetries: 1 });
  });

  it("stops retrying by itself after four failed automatic retries, and an operator can still retry", async () => {
    const { id, stub, orgId } = await failingEnvelope("Loan between friends");
    await failForGood(id, orgId);
    vi.useFakeTimers({ toFake: ["Date"] });
    let at = Date.parse((await stub.getState())!.finalisationFailure!.failedAt);
    for (const days of [1, 2, 4, 8]) {
      at += days * day;
      vi.setSystemTime(at);
      expect((await handleScheduled(createScheduledController({ scheduledTime: at }), env)).finalisations.automatic).toBe(1);
      await failForGood(id, orgId); // the file is still broken
    }
    const failed = (await stub.getState())!;
    expect(failed.finalisationFailure).toMatchObject({ failures: 5, automaticRetries: 4 });
    // No further automatic retry is planned, in the object or in D1.
    const row = await env.DB.prepare("SELECT finalisation, finalisation_failure_reason, finalisation_retry_at FROM envelopes WHERE id = ?").bind(id).first();
    expect(row).toEqual({ finalisation: "failed", finalisation_failure_reason: "document_unreadable", finalisation_retry_at: null });
    at += 60 * day;
    vi.setSystemTime(at);
    expect((await handleScheduled(createScheduledController({ scheduledTime: at }), env)).finalisations.automatic).toBe(0);
    expect(count(await eventTypes(id), "envelope_finalisation_failed")).toBe(5);

    expect(await requestFinalisationRetry(database(env.DB), id, new Date(at).toISOString())).toBe(true);
    expect((await handleScheduled(createScheduledController({ scheduledTime: at }), env)).finalisations.requested).toBe(1);
    expect((await stub.getState())!.finalisation).toBe("pending");
  });
});
