/**
 * Retention: the daily sweep deletes what is due and nothing else, in resumable steps; the
 * sender's "Delete now"; what survives (minimal evidence) and what does not (documents,
 * people's data); and the reconciliation of R2 objects without a row.
 */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/domain/limits";
import { purgeSteps, type PurgeStep } from "../../src/domain/retention";
import { handleScheduled } from "../../src/jobs/scheduled";
import { command, envelopeStub } from "../../src/services/envelope-stub";
import { finaliseEnvelope, signedDocumentId } from "../../src/services/finalise-envelope";
import { purgeEnvelope, reconcileObjects, sweepRetention } from "../../src/services/retention";
import { database } from "../../src/storage/db";
import { purgeTarget } from "../../src/storage/sweeps";
import { Client } from "../support/client";
import { addSigner, cancelEnvelope, createEnvelope, mainOf, newSender, newSigner, sendEnvelope } from "../support/flows";
import { samples } from "../unit/agreements/samples";

const SIGNER_IP = "198.51.100.23";
const SIGNER_UA = "RetentionTestBrowser/7.1";
const ctx = { ip: SIGNER_IP, userAgent: SIGNER_UA };
const policy = { completedDays: 90, endedDays: 30 };
const db = () => database(env.DB);

type Made = { id: string; path: string; orgId: string; documentId: string; sender: Client; signerName: string; signerEmail: string };

/** An envelope sent to one signer, through the real pages. */
async function sent(title = "Retention test"): Promise<Made> {
  const sender = await newSender();
  const signer = newSigner("Kari Ødegård");
  const { path, id } = await createEnvelope(sender.client, { title, signers: [signer] });
  await sendEnvelope(sender.client, path);
  const state = (await envelopeStub(env, id).getState())!;
  return { id, path, orgId: state.orgId, documentId: state.document.id, sender: sender.client, signerName: signer.name, signerEmail: signer.email };
}

/** Signed by its signer (from SIGNER_IP) and finalised: completed with a sealed PDF. */
async function completed(title?: string): Promise<Made> {
  const made = await sent(title);
  const stub = envelopeStub(env, made.id);
  const state = (await stub.getState())!;
  await command(stub.sign({ recipientId: state.recipients[0]!.id, typedName: made.signerName, context: ctx }));
  await finaliseEnvelope(env, made.id);
  expect((await stub.getState())!.status).toBe("completed");
  return made;
}

async function declined(): Promise<Made> {
  const made = await sent();
  const stub = envelopeStub(env, made.id);
  const state = (await stub.getState())!;
  await command(stub.decline({ recipientId: state.recipients[0]!.id, reason: "Wrong price for Kari", context: ctx }));
  return made;
}

async function cancelled(): Promise<Made> {
  const made = await sent();
  await cancelEnvelope(made.sender, made.path);
  return made;
}

async function expired(): Promise<Made> {
  const made = await sent();
  const stub = envelopeStub(env, made.id);
  // As if the expiry had passed: the object's own rule decides, from the time it holds.
  const { runInDurableObject } = await import("cloudflare:test");
  await runInDurableObject(stub, (_instance, state) => {
    const row = state.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'state'").one();
    const s = JSON.parse(row.v) as { expiresAt: string };
    s.expiresAt = new Date(Date.now() - 1000).toISOString();
    state.storage.sql.exec("UPDATE meta SET v = ? WHERE k = 'state'", JSON.stringify(s));
  });
  await command(stub.expireIfDue());
  return made;
}

/** Moves an envelope's end back in time in the D1 projection (what the sweep reads). */
async function endedDaysAgo(id: string, days: number): Promise<void> {
  await env.DB.prepare("UPDATE envelopes SET ended_at = ? WHERE id = ?").bind(new Date(Date.now() - days * DAY_MS).toISOString(), id).run();
}

async function objectKeys(orgId: string): Promise<string[]> {
  return (await env.DOCUMENTS.list({ prefix: `documents/${orgId}/` })).objects.map((o) => o.key).sort();
}

async function envelopeRow(id: string) {
  return env.DB.prepare("SELECT * FROM envelopes WHERE id = ?").bind(id).first<Record<string, string | null>>();
}

/** Everything D1 holds about an envelope, as one string: to search for what must be gone. */
async function everythingInD1(made: Made): Promise<string> {
  const rows = await env.DB.batch([
    env.DB.prepare("SELECT * FROM envelopes WHERE id = ?").bind(made.id),
    env.DB.prepare("SELECT * FROM recipients WHERE envelope_id = ?").bind(made.id),
    env.DB.prepare("SELECT * FROM events WHERE envelope_id = ?").bind(made.id),
    env.DB.prepare("SELECT * FROM signing_links WHERE envelope_id = ?").bind(made.id),
    env.DB.prepare("SELECT * FROM deliveries WHERE envelope_id = ?").bind(made.id),
    env.DB.prepare("SELECT * FROM documents WHERE org_id = ?").bind(made.orgId),
    env.DB.prepare("SELECT * FROM dev_outbox WHERE org_id = ? AND to_address = ?").bind(made.orgId, made.signerEmail),
  ]);
  return JSON.stringify(rows.map((r) => r.results));
}

/** The state a finished purge must leave: no bytes, no keys, no people; hashes, times and outcome kept. */
async function expectPurged(made: Made, outcome: string): Promise<void> {
  expect(await objectKeys(made.orgId)).toEqual([]);
  expect(await envelopeStub(env, made.id).getState()).toBeNull();
  const row = (await envelopeRow(made.id))!;
  expect(row.status).toBe("purged");
  expect(row.title).toBe(made.id);
  expect(row.ended_at).toBeTruthy();
  expect(row.created_at).toBeTruthy();
  const purge = await env.DB.prepare("SELECT * FROM envelope_purges WHERE envelope_id = ?").bind(made.id).first<Record<string, string | number | null>>();
  expect(purge).toMatchObject({ outcome, step: purgeSteps.length });
  expect(purge!.finished_at).toBeTruthy();
  const docs = await env.DB.prepare("SELECT sha256, wrapped_key, filename FROM documents WHERE org_id = ?").bind(made.orgId).all<{ sha256: string; wrapped_key: string | null; filename: string }>();
  expect(docs.results.length).toBeGreaterThan(0);
  for (const d of docs.results) {
    expect(d.wrapped_key).toBeNull();
    expect(d.sha256).toMatch(/^[0-9a-f]{64}$/);
  }
  const links = await env.DB.prepare("SELECT count(*) AS n FROM signing_links WHERE envelope_id = ?").bind(made.id).first<{ n: number }>();
  expect(links!.n).toBe(0);
  const everything = await everythingInD1(made);
  for (const gone of [made.signerName, made.signerEmail, SIGNER_IP, SIGNER_UA, "Wrong price", "Retention test", "agreement.pdf"]) {
    expect(everything, `"${gone}" is still in D1`).not.toContain(gone);
  }
  // The events copy keeps each event's type, time and hash.
  const events = await env.DB.prepare("SELECT type, at, hash, body FROM events WHERE envelope_id = ? ORDER BY seq").bind(made.id).all<{ type: string; at: string; hash: string; body: string }>();
  expect(events.results.map((e) => e.type)).toContain("envelope_sent");
  expect(events.results.at(-1)!.type).toBe("envelope_purged");
  // Document hashes stay in the events that carried them; the purge event says how it had ended.
  const createdEvent = JSON.parse(events.results.find((e) => e.type === "envelope_created")!.body) as { data: Record<string, unknown> };
  expect(createdEvent.data).toEqual({ documentSha256: expect.stringMatching(/^[0-9a-f]{64}$/), pages: expect.any(Number) });
  expect(JSON.parse(events.results.at(-1)!.body)).toMatchObject({ data: { outcome, purgedBy: expect.any(String) } });
  for (const e of events.results) {
    expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(e.body)).toMatchObject({ type: e.type, at: e.at, hash: e.hash, ip: null, userAgent: null });
  }
}

describe("the daily retention sweep", () => {
  it("deletes a completed envelope 91 days after completion: no download, no objects, only minimal evidence in D1", async () => {
    const made = await completed();
    const signedId = signedDocumentId(made.id);
    expect(await objectKeys(made.orgId)).toEqual([`documents/${made.orgId}/${made.documentId}.v1`, `documents/${made.orgId}/${signedId}.v1`].sort());
    const endedAt = Date.parse((await envelopeRow(made.id))!.ended_at!);
    const hashes = async () => (await env.DB.prepare("SELECT id, sha256, size, pages, created_at FROM documents WHERE org_id = ? ORDER BY id").bind(made.orgId).all()).results;
    const hashesBefore = await hashes();
    expect(hashesBefore).toHaveLength(2);

    // One day before the deadline nothing happens.
    await handleScheduled(createScheduledController({ scheduledTime: endedAt + 89 * DAY_MS }), env);
    expect((await envelopeRow(made.id))!.status).toBe("completed");
    expect((await made.sender.get(`${made.path}/signed.pdf`)).status).toBe(200);

    const result = await handleScheduled(createScheduledController({ scheduledTime: endedAt + 91 * DAY_MS }), env);
    expect(result.retention.purged).toBeGreaterThanOrEqual(1);
    await expectPurged(made, "completed");
    expect(await hashes()).toEqual(hashesBefore);

    // The sender gets a clear page, not an error: gone, when and why.
    for (const path of [`${made.path}/signed.pdf`, `${made.path}/original.pdf`, made.path]) {
      const res = await made.sender.get(path);
      expect(res.status, path).toBe(410);
      const main = mainOf(await res.text());
      expect(main).toContain("This envelope has been deleted");
      expect(main).toContain("retention rules");
    }
  });

  it("deletes declined, cancelled and expired envelopes 30 days after they end, and not a day sooner", async () => {
    for (const [make, outcome] of [[declined, "declined"], [cancelled, "cancelled"], [expired, "expired"]] as const) {
      const made = await make();
      expect((await envelopeRow(made.id))!.status).toBe(outcome);
      await endedDaysAgo(made.id, 29);
      await sweepRetention(env, db(), { now: new Date(), policy, limit: 50 });
      expect((await envelopeRow(made.id))!.status, `${outcome} after 29 days`).toBe(outcome);
      expect(await objectKeys(made.orgId)).toHaveLength(1);

      await endedDaysAgo(made.id, 30);
      await sweepRetention(env, db(), { now: new Date(), policy, limit: 50 });
      await expectPurged(made, outcome);
    }
  });

  it("keeps a completed envelope at 30 days: the 90-day rule is for signed documents", async () => {
    const made = await completed();
    await endedDaysAgo(made.id, 31);
    await sweepRetention(env, db(), { now: new Date(), policy, limit: 50 });
    expect((await envelopeRow(made.id))!.status).toBe("completed");
    expect((await made.sender.get(`${made.path}/signed.pdf`)).status).toBe(200);
  });

  for (const crashAfter of purgeSteps) {
    it(`finishes a deletion killed after "${crashAfter}" on the next run, and touches nothing that is not due`, async () => {
      const due = await declined();
      const notDue = await completed();
      await endedDaysAgo(due.id, 31);
      const notDueObjects = await objectKeys(notDue.orgId);

      const crash = (step: PurgeStep) => {
        if (step === crashAfter) throw new Error(`injected crash after ${step}`);
      };
      const first = await sweepRetention(env, db(), { now: new Date(), policy, limit: 50 }, { afterStep: crash });
      expect(first.failed).toBeGreaterThanOrEqual(1);
      const step = await env.DB.prepare("SELECT step FROM envelope_purges WHERE envelope_id = ?").bind(due.id).first<{ step: number }>();
      expect(step!.step).toBe(purgeSteps.indexOf(crashAfter) + 1);
      // Already unreadable after the first step: the document cannot be downloaded.
      expect((await due.sender.get(`${due.path}/original.pdf`)).status).toBe(410);

      const second = await sweepRetention(env, db(), { now: new Date(), policy, limit: 50 });
      expect(second.failed).toBe(0);
      await expectPurged(due, "declined");

      // A third run has nothing left to do for it.
      const before = await everythingInD1(due);
      await sweepRetention(env, db(), { now: new Date(), policy, limit: 50 });
      expect(await everythingInD1(due)).toBe(before);

      // The envelope that is not due is untouched: readable, downloadable, its people still named.
      expect((await envelopeRow(notDue.id))!.status).toBe("completed");
      expect(await objectKeys(notDue.orgId)).toEqual(notDueObjects);
      expect((await notDue.sender.get(`${notDue.path}/signed.pdf`)).status).toBe(200);
      expect(await everythingInD1(notDue)).toContain(notDue.signerEmail);
      expect(await env.DB.prepare("SELECT count(*) AS n FROM envelope_purges WHERE envelope_id = ?").bind(notDue.id).first<{ n: number }>()).toEqual({ n: 0 });
    });
  }

  it("deletes at most one batch per run, oldest first, and the next run takes the rest", async () => {
    const made = [await cancelled(), await cancelled(), await cancelled()];
    // Older than anything else in this file, so the batch is theirs.
    for (const [i, m] of made.entries()) {
      await env.DB.prepare("UPDATE envelopes SET ended_at = ? WHERE id = ?").bind(new Date(Date.UTC(2001, 0, 1 + i)).toISOString(), m.id).run();
    }
    const first = await sweepRetention(env, db(), { now: new Date(), policy, limit: 2 });
    expect(first.purged + first.resumed + first.failed).toBe(2);
    const statuses = async () => Promise.all(made.map(async (m) => (await envelopeRow(m.id))!.status));
    expect(await statuses()).toEqual(["purged", "purged", "cancelled"]);
    await sweepRetention(env, db(), { now: new Date(), policy, limit: 2 });
    expect(await statuses()).toEqual(["purged", "purged", "purged"]);
  });

  it("takes its batch size from RETENTION_BATCH_SIZE", async () => {
    const made = [await cancelled(), await cancelled()];
    for (const [i, m] of made.entries()) {
      await env.DB.prepare("UPDATE envelopes SET ended_at = ? WHERE id = ?").bind(new Date(Date.UTC(2000, 0, 1 + i)).toISOString(), m.id).run();
    }
    const result = await handleScheduled(createScheduledController({ scheduledTime: Date.now() }), { ...env, RETENTION_BATCH_SIZE: "1" });
    expect(result.retention.purged + result.retention.resumed + result.retention.failed).toBe(1);
    expect((await envelopeRow(made[0]!.id))!.status).toBe("purged");
    expect((await envelopeRow(made[1]!.id))!.status).toBe("cancelled");
  });

  it("reports an R2 object that has no document row, and deletes nothing itself", async () => {
    const orphan = `documents/org_orphan${Date.now()}/doc_orphan.v1`;
    await env.DOCUMENTS.put(orphan, new Uint8Array([1, 2, 3]));
    const made = await completed();
    const keep = await objectKeys(made.orgId);
    // The cursor may be mid-bucket from an earlier run: at most two passes cover everything.
    const found: string[] = [];
    for (let pass = 0; pass < 2 && !found.includes(orphan); pass++) {
      let report;
      do {
        report = await reconcileObjects(env, db(), { now: new Date(Date.now() + 2 * 3600_000), limit: 1000 });
        found.push(...report.sample);
      } while (!report.complete);
    }
    expect(found).toContain(orphan);
    for (const k of keep) expect(found).not.toContain(k);
    expect(await env.DOCUMENTS.head(orphan)).not.toBeNull();
    expect(await objectKeys(made.orgId)).toEqual(keep);

    // A fresh upload whose row may still be on its way is not reported.
    const fresh = await reconcileObjects(env, db(), { now: new Date(), limit: 1000 });
    expect(fresh.sample).not.toContain(orphan);
  });

  it("puts the orphan count in the cron's log line", async () => {
    const lines: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    try {
      await handleScheduled(createScheduledController({ scheduledTime: Date.now() }), env);
    } finally {
      console.log = original;
    }
    const line = lines.map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return null; } }).find((l) => l?.msg === "retention sweep");
    expect(line).toMatchObject({ purged: expect.any(Number), failed: expect.any(Number), orphanObjects: expect.any(Number) });
  });
});

/** Runs `work` and answers the audit lines it logged about deletions. */
async function auditLines(work: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  try {
    await work();
  } finally {
    console.log = original;
  }
  return lines
    .map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return null; } })
    .filter((l): l is Record<string, unknown> => l?.msg === "audit" && l.action === "envelope.deletion");
}

describe("what a deletion removes", () => {
  it("deletes an agreement's encrypted source with its PDF", async () => {
    const sender = await newSender();
    const page = await sender.client.page("/agreements/loan");
    const idem = /name="idempotency_key" value="([^"]+)"/.exec(page.html)![1]!;
    const created = await sender.client.post("/agreements/loan", { ...samples.loan, agreementLocale: "nb", idempotency_key: idem }, page.csrf);
    expect(created.status).toBe(303);
    const path = created.headers.get("Location")!;
    const id = path.split("/").pop()!;
    const signer = newSigner("Ola Ærlig");
    await addSigner(sender.client, path, signer);
    await sendEnvelope(sender.client, path);
    await cancelEnvelope(sender.client, path);
    const state = (await envelopeStub(env, id).getState())!;
    const keys = await objectKeys(state.orgId);
    expect(keys).toContain(`documents/${state.orgId}/${state.document.id}.source.v1`);
    expect(keys).toHaveLength(2);
    await endedDaysAgo(id, 30);
    await sweepRetention(env, db(), { now: new Date(), policy, limit: 50 });
    expect(await objectKeys(state.orgId)).toEqual([]);
    expect((await envelopeRow(id))!.status).toBe("purged");
  });

  it("writes an audit line for the start and each step, naming who asked", async () => {
    const made = await cancelled();
    const sender = (await envelopeStub(env, made.id).getState())!.ownerId;
    const { csrf } = await made.sender.page(`${made.path}/purge`);
    const lines = await auditLines(() => made.sender.post(`${made.path}/purge`, {}, csrf));
    // The Worker runs in the same isolate as the test, so its lines arrive here.
    expect(lines.map((l) => l.step)).toEqual(["started", ...purgeSteps]);
    for (const l of lines) expect(l).toMatchObject({ envelopeId: made.id, orgId: made.orgId, reason: "sender", actor: { kind: "sender", userId: sender } });
    expect(lines[0]).toMatchObject({ outcome: "cancelled" });
  });
});

describe("Delete now", () => {
  it("lets the sender delete an ended envelope at once, after a confirmation page", async () => {
    const made = await completed();
    const page = await made.sender.page(made.path);
    expect(page.html).toContain(`href="/envelopes/${made.id}/purge"`);
    const confirm = await made.sender.page(`${made.path}/purge`);
    expect(confirm.res.status).toBe(200);
    expect(mainOf(confirm.html)).toContain("cannot be undone");
    const res = await made.sender.post(`${made.path}/purge`, {}, confirm.csrf);
    expect(res.status).toBe(303);
    await expectPurged(made, "completed");
    const after = await made.sender.get(made.path);
    expect(after.status).toBe(410);
    expect(mainOf(await after.text())).toContain("Its sender deleted it");
    const purge = await env.DB.prepare("SELECT reason FROM envelope_purges WHERE envelope_id = ?").bind(made.id).first<{ reason: string }>();
    expect(purge!.reason).toBe("sender");
  });

  it("refuses while the envelope is still out for signing, and changes nothing", async () => {
    const made = await sent();
    const { csrf } = await made.sender.page(made.path);
    const res = await made.sender.post(`${made.path}/purge`, {}, csrf);
    expect(res.status).toBe(409);
    expect(mainOf(await res.text())).toContain("Only an envelope that has ended");
    expect((await envelopeRow(made.id))!.status).toBe("sent");
    expect(await objectKeys(made.orgId)).toHaveLength(1);
    expect((await made.sender.get(made.path)).status).toBe(200);
  });

  it("answers 404 to another tenant, for the page and the POST, and deletes nothing", async () => {
    const made = await completed();
    const other = await newSender("Other Tenant");
    const { csrf } = await other.client.page("/envelopes");
    expect((await other.client.get(`${made.path}/purge`)).status).toBe(404);
    expect((await other.client.post(`${made.path}/purge`, {}, csrf)).status).toBe(404);
    expect((await envelopeRow(made.id))!.status).toBe("completed");
    expect(await objectKeys(made.orgId)).toHaveLength(2);
    // Even once deleted, another tenant learns nothing: a plain 404, not the deleted page.
    await purgeEnvelope(env, db(), { target: (await purgeTarget(db(), made.orgId, made.id))!, reason: "sender", actor: { kind: "system" } });
    const res = await other.client.get(made.path);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("deleted");
  });

  it("shows when an unsigned envelope will be deleted", async () => {
    const made = await cancelled();
    const { html } = await made.sender.page(made.path);
    expect(mainOf(html)).toMatch(/This envelope and its document will be deleted on .*\(30 days left\)/);
    expect(mainOf(html)).toContain("backups included, 30 days after deletion");
  });
});
