import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PDFDocument } from "pdf-lib";
import { sha256Hex } from "../../src/domain/encoding";
import { command, envelopeStub } from "../../src/services/envelope-stub";
import { readDocument } from "../../src/services/documents";
import { finaliseEnvelope, signedDocumentId, type FinaliseStep } from "../../src/services/finalise-envelope";
import { database } from "../../src/storage/db";
import { findDocument } from "../../src/storage/documents";
import { createEnvelope, newSender, newSigner, sendEnvelope } from "../support/flows";

const ctx = { ip: "192.0.2.9", userAgent: "test" };

/** An envelope whose only signer has signed: completion decided, finalisation pending. */
async function pendingEnvelope() {
  const sender = await newSender();
  const signer = newSigner("Crash Åsen");
  const { path, id } = await createEnvelope(sender.client, { signers: [signer] });
  await sendEnvelope(sender.client, path);
  const stub = envelopeStub(env, id);
  const state = (await stub.getState())!;
  const signed = await command(stub.sign({ recipientId: state.recipients[0]!.id, typedName: signer.name, context: ctx }));
  expect(signed.finalisation).toBe("pending");
  return { id, stub, orgId: state.orgId, originalSha: state.document.sha256, originalSize: state.document.size };
}

/** The promise of the design: no completed envelope without its verified PDF. */
async function expectConsistent(id: string) {
  const state = (await envelopeStub(env, id).getState())!;
  if (state.status !== "completed") {
    expect(state.signedDocument).toBeNull();
    return "not completed";
  }
  const row = await findDocument(database(env.DB), state.orgId, state.signedDocument!.documentId);
  expect(row).not.toBeNull();
  const bytes = await readDocument(env, row!);
  expect(await sha256Hex(bytes)).toBe(state.signedDocument!.sha256);
  return "completed";
}

async function objectKeys(orgId: string): Promise<string[]> {
  return (await env.DOCUMENTS.list({ prefix: `documents/${orgId}/` })).objects.map((o) => o.key).sort();
}

describe("finalisation", () => {
  for (const step of ["built", "row_written", "object_written"] as FinaliseStep[]) {
    it(`survives a crash after "${step}": never completed without its PDF, and a retry finishes with no orphans`, async () => {
      const { id, orgId, originalSha, originalSize } = await pendingEnvelope();
      await expect(
        finaliseEnvelope(env, id, {
          afterStep: (s) => {
            if (s === step) throw new Error(`injected crash after ${s}`);
          },
        }),
      ).rejects.toThrow(/injected crash/);
      await expectConsistent(id);

      await finaliseEnvelope(env, id); // the queue's retry
      expect(await expectConsistent(id)).toBe("completed");

      const state = (await envelopeStub(env, id).getState())!;
      const events = await envelopeStub(env, id).getEvents();
      expect(events.filter((e) => e.type === "envelope_completed")).toHaveLength(1);
      // Exactly the original and one signed version are stored: nothing orphaned by the crash.
      expect(await objectKeys(orgId)).toEqual([`documents/${orgId}/${state.document.id}.v1`, `documents/${orgId}/${signedDocumentId(id)}.v1`].sort());
      // The original bytes are an untouched prefix of the signed file.
      const signed = await readDocument(env, (await findDocument(database(env.DB), orgId, signedDocumentId(id)))!);
      expect(await sha256Hex(signed.subarray(0, originalSize))).toBe(originalSha);
      expect((await PDFDocument.load(signed)).getPageCount()).toBe(state.document.pages + 1);
    });
  }

  it("keeps a safety-net check on the object's alarm until the signed PDF is recorded", async () => {
    const { id, stub } = await pendingEnvelope();
    const due = () => runInDurableObject(stub, (_i, state) => state.storage.sql.exec<{ kind: string }>("SELECT kind FROM due").toArray().map((r) => r.kind));
    expect(await due()).toContain("finalise_check");
    await finaliseEnvelope(env, id);
    expect(await expectConsistent(id)).toBe("completed");
    expect(await due()).not.toContain("finalise_check");
  });

  it("records the result once when two finalisations overlap", async () => {
    const { id } = await pendingEnvelope();
    const results = await Promise.allSettled([finaliseEnvelope(env, id), finaliseEnvelope(env, id), finaliseEnvelope(env, id)]);
    expect(results.some((r) => r.status === "fulfilled")).toBe(true);
    await finaliseEnvelope(env, id); // whatever was refused as busy is retried by the queue
    expect(await expectConsistent(id)).toBe("completed");
    const events = await envelopeStub(env, id).getEvents();
    expect(events.filter((e) => e.type === "envelope_completed")).toHaveLength(1);
  });

  it("rebuilds a stored version that no longer matches its row instead of recording it", async () => {
    const { id, orgId } = await pendingEnvelope();
    await expect(finaliseEnvelope(env, id, { afterStep: (s) => { if (s === "object_written") throw new Error("injected crash"); } })).rejects.toThrow();
    const key = `documents/${orgId}/${signedDocumentId(id)}.v1`;
    const blob = new Uint8Array(await (await env.DOCUMENTS.get(key))!.arrayBuffer());
    blob[blob.length - 3]! ^= 0xff; // the stored object is damaged
    await env.DOCUMENTS.put(key, blob);
    await finaliseEnvelope(env, id);
    expect(await expectConsistent(id)).toBe("completed");
  });
});
