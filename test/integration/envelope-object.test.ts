import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Actor, EnvelopeState } from "../../src/domain/envelope";
import { verifyChain } from "../../src/domain/event-chain";
import type { QueueMessage } from "../../src/domain/messages";
import worker from "../../src/index";
import pdfService from "../../src/pdf-service/index";
import { handleScheduled } from "../../src/jobs/scheduled";
import type { CommandResult } from "../../src/envelope/envelope-object";
import { command, envelopeStub } from "../../src/services/envelope-stub";

const sender: Actor = { kind: "sender", userId: "usr_test" };
const ctx = { ip: "192.0.2.1", userAgent: "test" };
let seq = 0;

/** The reason a command was refused (fails the test if it was accepted). */
async function refusal(call: Promise<CommandResult>): Promise<string> {
  const result = await call;
  if (result.ok) throw new Error("expected the command to be refused");
  return `${result.code}: ${result.message}`;
}

async function sentEnvelope(signers: number, opts: { expiresInMs?: number; order?: "parallel" | "sequential" } = {}) {
  seq += 1;
  const id = `env_test${Date.now().toString(36)}${seq}`;
  const stub = envelopeStub(env, id);
  await stub.create(
    {
      id,
      orgId: "org_test",
      ownerId: "usr_test",
      sender: { name: "Sender", email: "sender@example.com", locale: "en" },
      title: "Concurrency",
      message: "",
      document: { id: "doc_x", sha256: "ab".repeat(32), pages: 1, size: 100, filename: "x.pdf" },
      signingOrder: opts.order ?? "parallel",
      timeZone: "Europe/Oslo",
      createdAt: new Date().toISOString(),
    },
    sender,
  );
  for (let i = 1; i <= signers; i++) {
    await stub.addRecipient({ id: `rcp_${id}_${i}`, name: `Signer ${i}`, email: `s${i}-${id}@example.com`.toLowerCase(), role: "signer", method: "email_link", locale: "en" }, sender);
  }
  await stub.send({ actor: sender, expiresAt: new Date(Date.now() + (opts.expiresInMs ?? 86_400_000)).toISOString(), context: ctx });
  return { id, stub };
}


/** Moves the clock (the object's too: it runs in this isolate) forward instead of waiting; it then stands still. */
function passMs(ms: number): void {
  const now = Date.now();
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(now + ms);
}

afterEach(() => {
  vi.useRealTimers();
});
describe("the Envelope Durable Object", () => {
  it("applies 50 concurrent signatures, duplicates and a cancel to one consistent outcome", async () => {
    const { stub } = await sentEnvelope(50);
    const state = (await stub.getState())!;
    const signs = state.recipients.flatMap((r) => [
      stub.sign({ recipientId: r.id, typedName: r.name, context: ctx }),
      stub.sign({ recipientId: r.id, typedName: r.name, context: ctx }), // the same signer pressing twice
    ]);
    const cancel = stub.cancel({ actor: sender, reason: "changed my mind", context: ctx });
    const results = await Promise.all([...signs, cancel]);

    const final = (await stub.getState())!;
    const events = await stub.getEvents();
    expect(verifyChain(events)).toBeNull();
    const signedEvents = events.filter((e) => e.type === "recipient_signed");
    const signedRecipients = final.recipients.filter((r) => r.status === "signed");
    // Every signature the object accepted is recorded exactly once.
    expect(new Set(signedEvents.map((e) => e.recipientId)).size).toBe(signedEvents.length);
    expect(signedEvents.length).toBe(signedRecipients.length);
    if (final.status === "cancelled") {
      expect(final.finalisation).toBe("none");
      expect(events.filter((e) => e.type === "envelope_cancelled")).toHaveLength(1);
      expect(events.some((e) => e.type === "envelope_completion_decided")).toBe(false);
      // Nothing signed after the cancel.
      const cancelSeq = events.find((e) => e.type === "envelope_cancelled")!.seq;
      expect(signedEvents.every((e) => e.seq < cancelSeq)).toBe(true);
    } else {
      expect(signedRecipients).toHaveLength(50);
      expect(final.finalisation).not.toBe("none");
      expect(events.filter((e) => e.type === "envelope_completion_decided")).toHaveLength(1);
      expect(results.at(-1)!.ok).toBe(false); // the cancel came too late
    }
    // A confirmed signature is never lost.
    state.recipients.forEach((r, i) => {
      if (results[2 * i]!.ok) expect(final.recipients.find((x) => x.id === r.id)!.status).toBe("signed");
    });
  });

  it("expires at its deadline through the alarm, and nobody can sign after", async () => {
    const { stub } = await sentEnvelope(1, { expiresInMs: 300 });
    expect((await stub.getState())!.status).toBe("sent");
    passMs(400);
    await runDurableObjectAlarm(stub); // runs it now unless it already fired on time
    const state = (await stub.getState())!;
    expect(state.status).toBe("expired");
    expect(await refusal(stub.sign({ recipientId: state.recipients[0]!.id, typedName: "Late", context: ctx }))).toMatch(/invalid_transition/);
  });

  it("the daily cron expires envelopes whose alarm did not fire", async () => {
    const { id, stub } = await sentEnvelope(1, { expiresInMs: 300 });
    await runInDurableObject(stub, (_instance, state) => state.storage.deleteAlarm()); // as if the alarm were lost
    passMs(400);
    expect((await stub.getState())!.status).toBe("sent");
    const result = await handleScheduled(createScheduledController({ scheduledTime: Date.now() }), env);
    expect(result.expired).toBeGreaterThanOrEqual(1);
    expect((await stub.getState())!.status).toBe("expired");
    const row = await env.DB.prepare("SELECT status FROM envelopes WHERE id = ?").bind(id).first<{ status: string }>();
    expect(row?.status).toBe("expired");
    // Running it again changes nothing.
    const again = await handleScheduled(createScheduledController({ scheduledTime: Date.now() }), env);
    expect(again.expired).toBe(0);
  });

  it("invites sequential signers one at a time", async () => {
    const { stub } = await sentEnvelope(2, { order: "sequential" });
    let state: EnvelopeState = (await stub.getState())!;
    expect(state.recipients.map((r) => r.status)).toEqual(["notified", "pending"]);
    expect(await refusal(stub.sign({ recipientId: state.recipients[1]!.id, typedName: "Too early", context: ctx }))).toMatch(/turn/);
    state = await command(stub.sign({ recipientId: state.recipients[0]!.id, typedName: "First", context: ctx }));
    expect(state.recipients.map((r) => r.status)).toEqual(["signed", "notified"]);
  });

  it("empties its outbox into the queue and mirrors its state to D1", async () => {
    const { id, stub } = await sentEnvelope(2);
    expect(await stub.pendingOutbox()).toBe(0);
    const rows = await env.DB.prepare("SELECT status FROM recipients WHERE envelope_id = ? ORDER BY signing_order").bind(id).all<{ status: string }>();
    expect(rows.results.map((r) => r.status)).toEqual(["notified", "notified"]);
    const events = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE envelope_id = ?").bind(id).first<{ n: number }>();
    expect(events?.n).toBe((await stub.getEvents()).length);
  });
});

describe("the Envelope Durable Object's stored state", () => {
  it("keeps working with state stored before phone numbers and reminders existed", async () => {
    const { id, stub } = await sentEnvelope(1, { expiresInMs: 86_400_000 });
    await runInDurableObject(stub, (_instance, state) => {
      const row = state.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'state'").one();
      const old = JSON.parse(row.v) as Record<string, unknown> & { recipients: Record<string, unknown>[] };
      delete old.reminderEveryDays;
      for (const r of old.recipients) {
        delete r.phone;
        delete r.lastInvitedAt;
      }
      state.storage.sql.exec("UPDATE meta SET v = ? WHERE k = 'state'", JSON.stringify(old));
    });
    const state = (await stub.getState())!;
    expect(state.reminderEveryDays).toBe(3);
    expect(state.recipients[0]).toMatchObject({ phone: null, lastInvitedAt: null });
    // Never invited as far as the old state knows: a reminder may go out at once.
    const reminded = await command(stub.remind({ actor: sender, context: ctx }));
    expect(reminded.recipients[0]!.lastInvitedAt).not.toBeNull();
    const row = await env.DB.prepare("SELECT reminder_every_days, time_zone FROM envelopes WHERE id = ?").bind(id).first();
    expect(row).toEqual({ reminder_every_days: 3, time_zone: "Europe/Oslo" });
  });

  it("builds a draft with its recipients in one step, and refuses a second envelope for the same object", async () => {
    seq += 1;
    const id = `env_once${Date.now().toString(36)}${seq}`;
    const stub = envelopeStub(env, id);
    const input = {
      id,
      orgId: "org_test",
      ownerId: "usr_test",
      sender: { name: "Sender", email: "sender@example.com", locale: "en" as const },
      title: "One step",
      message: "",
      document: { id: "doc_once", sha256: "ab".repeat(32), pages: 1, size: 100, filename: "x.pdf" },
      signingOrder: "sequential" as const,
      timeZone: "Europe/Copenhagen",
      reminderEveryDays: 7,
      createdAt: new Date().toISOString(),
    };
    const recipients = [
      { id: `rcp_${id}_1`, name: "One", email: `one-${id}@example.com`.toLowerCase(), phone: "+4512345678", role: "signer" as const, method: "sms_otp" as const, locale: "en" as const },
      { id: `rcp_${id}_2`, name: "Two", email: `two-${id}@example.com`.toLowerCase(), role: "cc" as const, method: "email_link" as const, locale: "nb" as const },
    ];
    const state = await command(stub.createDraft(input, recipients, sender));
    expect(state.recipients.map((r) => [r.order, r.role, r.phone])).toEqual([[1, "signer", "+4512345678"], [2, "cc", null]]);
    expect(await refusal(stub.createDraft(input, recipients, sender))).toMatch(/^conflict/);
    // A bad list (SMS without a phone) writes nothing at all.
    const other = envelopeStub(env, `${id}x`);
    expect(await refusal(other.createDraft({ ...input, id: `${id}x` }, [{ ...recipients[0]!, phone: null }], sender))).toMatch(/validation_failed/);
    expect(await other.getState()).toBeNull();
    const rows = await env.DB.prepare("SELECT phone, role, last_invited_at FROM recipients WHERE envelope_id = ? ORDER BY signing_order").bind(id).all();
    expect(rows.results).toEqual([{ phone: "+4512345678", role: "signer", last_invited_at: null }, { phone: null, role: "cc", last_invited_at: null }]);
  });
});

describe("the notifications queue consumer", () => {
  function invite(id: string, to: string): QueueMessage {
    return { v: 1, id, type: "invite", envelopeId: "env_q", orgId: "org_q", recipientId: "rcp_q", to, name: "Q", locale: "nb", title: "Avtale", senderName: "Sara", message: "", token: "t".repeat(43) };
  }

  it("delivers a message redelivered by the queue only once", async () => {
    const id = `msg_dup_${Date.now()}`;
    const to = `dup-${Date.now()}@example.com`;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const batch = createMessageBatch<unknown>("pactly-notifications-dev", [
        { id: `q1-${attempt}`, timestamp: new Date(), attempts: attempt, body: invite(id, to) },
        { id: `q2-${attempt}`, timestamp: new Date(), attempts: attempt, body: invite(id, to) },
      ]);
      const executionCtx = createExecutionContext();
      await worker.queue!(batch, env, executionCtx);
      const result = await getQueueResult(batch, executionCtx);
      expect(result.explicitAcks.sort()).toEqual([`q1-${attempt}`, `q2-${attempt}`]);
    }
    const sent = await env.DB.prepare("SELECT subject FROM dev_outbox WHERE to_address = ?").bind(to).all<{ subject: string }>();
    expect(sent.results).toHaveLength(1);
    expect(sent.results[0]!.subject).toBe("Sara ber deg signere «Avtale»"); // in the recipient's language
  });

  it("drops a message that fails its schema instead of retrying it forever", async () => {
    const batch = createMessageBatch<unknown>("pactly-notifications-dev", [{ id: "bad-1", timestamp: new Date(), attempts: 1, body: { v: 2, type: "invite" } }]);
    const executionCtx = createExecutionContext();
    await worker.queue!(batch, env, executionCtx);
    const result = await getQueueResult(batch, executionCtx);
    expect(result.explicitAcks).toEqual(["bad-1"]);
    expect(result.retryMessages).toEqual([]);
  });

  it("retries with backoff when finalisation cannot finish yet", async () => {
    // An envelope whose original document row is missing cannot be finalised: retry, never ack silently.
    const { id, stub } = await sentEnvelope(1);
    const state = (await stub.getState())!;
    await stub.sign({ recipientId: state.recipients[0]!.id, typedName: "Signer", context: ctx });
    // Finalisation jobs have their own queue, consumed by the PDF service.
    const batch = createMessageBatch<unknown>("pactly-finalisation-dev", [
      { id: "fin-1", timestamp: new Date(), attempts: 2, body: { v: 1, id: `msg_fin_${id}`, type: "finalise", envelopeId: id, orgId: "org_test" } },
    ]);
    const executionCtx = createExecutionContext();
    await pdfService.queue(batch, env, executionCtx);
    const result = await getQueueResult(batch, executionCtx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["fin-1"]);
    expect((await stub.getState())!.status).toBe("sent");
  });
});
