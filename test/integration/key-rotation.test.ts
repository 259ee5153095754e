/**
 * Rotating the key-encryption key: data keys are rewrapped under the new KEK in
 * bounded, concurrency-safe batches, the blobs in R2 are never touched, documents
 * keep opening, and an old KEK can go once nothing needs it. Then what a download
 * does when a document cannot be decrypted: a clear error, never a partial PDF.
 */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { newId } from "../../src/domain/encoding";
import { handleScheduled } from "../../src/jobs/scheduled";
import { readDocument, storeNewDocument } from "../../src/services/documents";
import { envelopeStub } from "../../src/services/envelope-stub";
import { rewrapDataKeys } from "../../src/services/key-rotation";
import { database } from "../../src/storage/db";
import { type DocumentRow, findDocument } from "../../src/storage/documents";
import { createEnvelope, newSender } from "../support/flows";
import { makePdf } from "../support/pdf";

const OLD_KEYS = JSON.parse(env.KEK_KEYS) as Record<string, string>;
const NEW_KEY = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
/** The deployment after `kek:rotate`: the new key is current, the old one still configured. */
const rotated = { ...env, KEK_KEYS: JSON.stringify({ ...OLD_KEYS, k2: NEW_KEY }), KEK_CURRENT_ID: "k2" };
/** The deployment after the old key was removed. */
const oldKeyRemoved = { ...env, KEK_KEYS: JSON.stringify({ k2: NEW_KEY }), KEK_CURRENT_ID: "k2" };

const db = () => database(env.DB);
const orgId = "org_rotation";

async function storeDocuments(n: number): Promise<Array<{ row: DocumentRow; bytes: Uint8Array }>> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const bytes = await makePdf(1, `Rotation ${i}`);
    const row = await storeNewDocument(env, db(), { id: newId("doc"), orgId, ownerId: "usr_rotation", kind: "original", filename: `r${i}.pdf`, bytes, pages: 1 });
    out.push({ row, bytes });
  }
  return out;
}

/** What R2 says about an object: any write would change its etag and upload time. */
async function objectStamp(key: string) {
  const head = await env.DOCUMENTS.head(key);
  return head && { etag: head.etag, uploaded: head.uploaded.toISOString(), size: head.size };
}

async function currentRow(id: string): Promise<DocumentRow> {
  return (await findDocument(db(), orgId, id))!;
}

afterEach(() => vi.restoreAllMocks());

describe("key-encryption-key rotation", () => {
  // Storage lives for the whole file: each test starts with only its own documents (the
  // rewrap acts on every row, and these tests count them).
  beforeEach(async () => {
    await env.DB.prepare("DELETE FROM documents WHERE org_id = ?").bind(orgId).run();
  });

  it("rewraps every data key under the new KEK without reading or writing a blob, and documents still open", async () => {
    const docs = await storeDocuments(3);
    expect(docs.every((d) => d.row.kekId === "k1")).toBe(true);
    const before = await Promise.all(docs.map((d) => objectStamp(d.row.r2Key)));
    const get = vi.spyOn(env.DOCUMENTS, "get");
    const put = vi.spyOn(env.DOCUMENTS, "put");

    const counts = await rewrapDataKeys(rotated, db(), { limit: 100 });
    expect(counts).toEqual({ currentKekId: "k2", rewrapped: 3, remaining: 0, failed: 0 });
    expect(get).not.toHaveBeenCalled();
    expect(put).not.toHaveBeenCalled();
    expect(await Promise.all(docs.map((d) => objectStamp(d.row.r2Key)))).toEqual(before);

    for (const { row, bytes } of docs) {
      const now = await currentRow(row.id);
      expect(now.kekId).toBe("k2");
      expect(now.wrappedKey).not.toBe(row.wrappedKey);
      // Opens with the new key alone: the old one may now be removed.
      expect(await readDocument(oldKeyRemoved, now)).toEqual(bytes);
    }
    // Running it again finds nothing to do.
    expect(await rewrapDataKeys(rotated, db(), { limit: 100 })).toEqual({ currentKekId: "k2", rewrapped: 0, remaining: 0, failed: 0 });
  });

  it("keeps old documents readable between the key change and the rewrap", async () => {
    const { row, bytes } = (await storeDocuments(1))[0]!;
    expect(await readDocument(rotated, row)).toEqual(bytes);
    // Without the old key, the same row cannot be opened: why old keys stay until remaining is 0.
    await expect(readDocument(oldKeyRemoved, row)).rejects.toMatchObject({ code: "decryption_failed" });
  });

  it("works in bounded batches and reports what remains", async () => {
    await storeDocuments(5);
    expect(await rewrapDataKeys(rotated, db(), { limit: 2 })).toMatchObject({ rewrapped: 2, remaining: 3, failed: 0 });
    expect(await rewrapDataKeys(rotated, db(), { limit: 2 })).toMatchObject({ rewrapped: 2, remaining: 1 });
    expect(await rewrapDataKeys(rotated, db(), { limit: 2 })).toMatchObject({ rewrapped: 1, remaining: 0 });
  });

  it("rewraps each key exactly once when two runs overlap, and every document still opens", async () => {
    const docs = await storeDocuments(6);
    const runs = await Promise.all([rewrapDataKeys(rotated, db(), { limit: 100 }), rewrapDataKeys(rotated, db(), { limit: 100 })]);
    expect(runs[0]!.rewrapped + runs[1]!.rewrapped).toBe(6);
    for (const { row, bytes } of docs) expect(await readDocument(oldKeyRemoved, await currentRow(row.id))).toEqual(bytes);
  });

  it("never brings back a shredded key", async () => {
    const [shredded, kept] = await storeDocuments(2);
    await env.DB.prepare("UPDATE documents SET wrapped_key = NULL WHERE id = ?").bind(shredded!.row.id).run();
    expect(await rewrapDataKeys(rotated, db(), { limit: 100 })).toMatchObject({ rewrapped: 1, remaining: 0, failed: 0 });
    expect((await currentRow(shredded!.row.id)).wrappedKey).toBeNull();
    expect((await currentRow(kept!.row.id)).kekId).toBe("k2");
  });

  it("counts a key it cannot unwrap as failed, leaves it as it was and rewraps the rest", async () => {
    const [lost, fine] = await storeDocuments(2);
    await env.DB.prepare("UPDATE documents SET kek_id = 'k0-removed-too-early' WHERE id = ?").bind(lost!.row.id).run();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await rewrapDataKeys(rotated, db(), { limit: 100 })).toEqual({ currentKekId: "k2", rewrapped: 1, remaining: 1, failed: 1 });
    expect((await currentRow(lost!.row.id)).wrappedKey).toBe(lost!.row.wrappedKey);
    expect((await currentRow(fine!.row.id)).kekId).toBe("k2");
    // The log names the document and the key id, never key material.
    const logged = errors.mock.calls.map((c) => String(c[0])).join("\n");
    expect(logged).toContain(lost!.row.id);
    expect(logged).not.toContain(lost!.row.wrappedKey!);
    expect(logged).not.toContain(NEW_KEY);
  });

  it("runs from the daily cron, which logs the count an operator waits for", async () => {
    await storeDocuments(2);
    const logs = vi.spyOn(console, "log").mockImplementation(() => {});
    const result = await handleScheduled(createScheduledController({ scheduledTime: Date.now() }), rotated);
    expect(result.keys).toEqual({ currentKekId: "k2", rewrapped: 2, remaining: 0, failed: 0 });
    const line = logs.mock.calls.map((c) => String(c[0])).find((l) => l.includes('"kek rotation"'));
    // 2FA and webhook secrets share the KEKs: the operator's line counts them too (none here).
    expect(JSON.parse(line!)).toEqual({
      msg: "kek rotation",
      currentKekId: "k2",
      rewrapped: 2,
      remaining: 0,
      failed: 0,
      twoFactor: { rewrapped: 0, remaining: 0, failed: 0 },
      webhooks: { rewrapped: 0, remaining: 0, failed: 0 },
    });
  });
});

describe("a document that cannot be decrypted", () => {
  async function storedEnvelope() {
    const sender = await newSender();
    const { path, id } = await createEnvelope(sender.client);
    const state = (await envelopeStub(env, id).getState())!;
    const row = (await findDocument(db(), state.orgId, state.document.id))!;
    return { sender, path, row };
  }

  async function expectCleanFailure(sender: Awaited<ReturnType<typeof newSender>>, path: string) {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await sender.client.get(`${path}/original.pdf`);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(res.status).toBe(500);
    const body = await res.text();
    // A page that says what happened, not a stack, and not one byte of the document.
    expect(body).toMatch(/<title>[^<]+<\/title>/);
    expect(body).not.toMatch(/%PDF-|DomainError|at [\w.]+ \(/);
    expect(errors.mock.calls.map((c) => String(c[0])).join("\n")).toContain('"code":"decryption_failed"');
  }

  it("with tampered bytes in R2 gives a clear error page and no partial PDF", async () => {
    const { sender, path, row } = await storedEnvelope();
    const blob = new Uint8Array(await (await env.DOCUMENTS.get(row.r2Key))!.arrayBuffer());
    blob[200]! ^= 0x01;
    await env.DOCUMENTS.put(row.r2Key, blob);
    await expectCleanFailure(sender, path);
  });

  it("with a tampered wrapped key gives the same clear error", async () => {
    const { sender, path, row } = await storedEnvelope();
    const wrapped = row.wrappedKey!;
    const flipped = `${wrapped.slice(0, 20)}${wrapped[20] === "A" ? "B" : "A"}${wrapped.slice(21)}`;
    await env.DB.prepare("UPDATE documents SET wrapped_key = ? WHERE id = ?").bind(flipped, row.id).run();
    await expectCleanFailure(sender, path);
  });

  it("with a key id no longer configured gives the same clear error", async () => {
    const { sender, path, row } = await storedEnvelope();
    await env.DB.prepare("UPDATE documents SET kek_id = 'k0-removed' WHERE id = ?").bind(row.id).run();
    await expectCleanFailure(sender, path);
  });

  it("with another document's wrapped key (the id is bound to the key) gives the same clear error", async () => {
    const { sender, path, row } = await storedEnvelope();
    const [other] = await storeDocuments(1);
    await env.DB.prepare("UPDATE documents SET wrapped_key = ? WHERE id = ?").bind(other!.row.wrappedKey, row.id).run();
    await expectCleanFailure(sender, path);
  });
});
