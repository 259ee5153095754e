/// <reference types="vite/client" />
/**
 * The hostile corpus (test/fixtures/pdf-hostile, see generate.mjs there): files made
 * to hurt a PDF reader. Each one goes through the real upload form and the public
 * POST /api/v1/verify, and must end accepted, or refused with its specific message,
 * quickly: never a 5xx, never a hang. The two accepted ones (an image and an
 * attachment that unpack to 256 MiB, which the reader never unpacks) go on to a
 * sealed PDF that verifies as genuine.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/domain/encoding";
import { DomainError } from "../../src/domain/errors";
import { uploadLimits } from "../../src/domain/limits";
import { pdfMessages } from "../../src/pdf/open";
import { inspectPdf } from "../../src/pdf/inspect";
import { readDocument } from "../../src/services/documents";
import { command, envelopeStub } from "../../src/services/envelope-stub";
import { finaliseEnvelope, signedDocumentId } from "../../src/services/finalise-envelope";
import { database } from "../../src/storage/db";
import { findDocument } from "../../src/storage/documents";
import { Client } from "../support/client";
import { addSigner, freshIp, newSigner, sendEnvelope } from "../support/flows";
import { expectAccepted, expectNothingStored, expectRefused, inlinedBytes, UPLOAD_MESSAGE } from "../support/pdf-upload";
import { expectProblem, senderWithKey } from "./api-helpers";
import corpus from "../fixtures/pdf-hostile/corpus.json";

type Entry = (typeof corpus)[number] & { accepted?: boolean; pages?: number; version?: string; code?: string };
const entries = corpus as Entry[];

const inlined = import.meta.glob("../fixtures/pdf-hostile/*.pdf", { query: "?inline", import: "default", eager: true }) as Record<string, string>;
const bytesOf = (file: string): Uint8Array => inlinedBytes(inlined[`../fixtures/pdf-hostile/${file}`], file);

/** Reading any of these files takes well under this; a reader that loops or crawls fails here. */
const PER_FILE_MS = 10_000;

async function verifyThroughApi(bytes: Uint8Array): Promise<Response> {
  return new Client(freshIp()).fetch("/api/v1/verify", { method: "POST", headers: { "Content-Type": "application/pdf" }, body: bytes });
}

describe("the hostile PDF corpus", () => {
  it("is what corpus.json says: every file present, with the recorded SHA-256, every kind of attack", async () => {
    const onDisk = Object.keys(inlined).map((k) => k.split("/").pop()).sort();
    expect(onDisk).toEqual(entries.map((e) => e.file).sort());
    for (const entry of entries) expect(await sha256Hex(bytesOf(entry.file)), entry.file).toBe(entry.sha256);
    const kinds = ["bomb-object-stream", "bomb-xref-stream", "bomb-content-stream", "huge-n", "huge-size", "huge-count", "prev-self", "prev-mutual", "length-self-reference", "length-99999999999", "page-tree-cycle", "nested-arrays", "nested-dictionaries", "unterminated-string"];
    for (const kind of kinds) expect(entries.some((e) => e.file.startsWith(kind)), kind).toBe(true);
    // Small on disk, however much they unpack to.
    for (const entry of entries) expect(entry.size, entry.file).toBeLessThan(100 * 1024);
  });

  describe("inspectPdf, the check every upload path runs", () => {
    it.each(entries.map((e) => [e.file, e] as const))("%s", async (_file, entry) => {
      const started = Date.now();
      const outcome = await inspectPdf(bytesOf(entry.file), uploadLimits).then(
        (r) => ({ pages: r.pages, version: r.version }),
        (error: unknown) => {
          if (!(error instanceof DomainError)) throw error; // anything else would be a 500
          return { code: error.code };
        },
      );
      expect(outcome).toEqual(entry.accepted ? { pages: entry.pages, version: entry.version } : { code: entry.code });
      expect(Date.now() - started).toBeLessThan(PER_FILE_MS);
    });
  });

  describe("uploaded through the new-envelope form", () => {
    for (const entry of entries) {
      if (entry.accepted) {
        it(`accepts ${entry.file} (${entry.description}) with ${entry.pages} page(s)`, async () => {
          await expectAccepted(entry, bytesOf(entry.file));
        });
      } else {
        it(`refuses ${entry.file} (${entry.description}) with ${entry.code} and stores nothing`, async () => {
          await expectRefused(new File([bytesOf(entry.file)], entry.file, { type: "application/pdf" }), UPLOAD_MESSAGE[entry.code!]!);
        });
      }
    }
  });

  describe("uploaded through POST /api/v1/documents", () => {
    it("refuses every hostile file the form refuses, with the same code as problem+json, and stores nothing", async () => {
      const { api, email } = await senderWithKey();
      for (const entry of entries.filter((e) => !e.accepted)) {
        const res = await api.call("/api/v1/documents", { method: "POST", headers: { "Content-Type": "application/pdf" }, body: bytesOf(entry.file) });
        const problem = await expectProblem(res, 422, entry.code!);
        expect(problem.detail, entry.file).toMatch(UPLOAD_MESSAGE[entry.code!]!);
      }
      await expectNothingStored(email);
    });
  });

  describe("posted to the public POST /api/v1/verify", () => {
    for (const entry of entries) {
      // The verifier reads structure (object and cross-reference streams), never page content.
      const bomb = entry.code === "pdf_unpacks_too_large" && !entry.file.startsWith("bomb-content");
      it(`${entry.file}: ${bomb ? "422 pdf_unpacks_too_large, not read on" : "an answer (not genuine), not an error"}`, async () => {
        const started = Date.now();
        const res = await verifyThroughApi(bytesOf(entry.file));
        expect(Date.now() - started).toBeLessThan(PER_FILE_MS);
        if (bomb) {
          expect(res.status).toBe(422);
          expect(res.headers.get("Content-Type")).toContain("application/problem+json");
          expect(await res.json()).toMatchObject({ code: "pdf_unpacks_too_large", detail: pdfMessages.unpacksTooLarge });
        } else {
          expect(res.status).toBe(200);
          expect(await res.json()).toMatchObject({ genuine: false, sealed: false });
        }
      });
    }

    it("the verification page names the refusal beside the file field", async () => {
      const client = new Client(freshIp());
      const { csrf } = await client.page("/verify");
      const res = await client.post("/verify", { file: new File([bytesOf("bomb-object-stream-256mib.pdf")], "bomb.pdf", { type: "application/pdf" }) }, csrf, { multipart: true });
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toMatch(/<title>Error: /);
      expect(html).toContain("The selected PDF unpacks to far more data than its size suggests");
    });
  });

  describe("accepted hostile files survive finalisation to a sealed, genuine PDF", () => {
    it.each(entries.filter((e) => e.accepted).map((e) => e.file))("%s", async (file) => {
      const entry = entries.find((e) => e.file === file)!;
      const { sender, path, id, bytes } = await expectAccepted(entry, bytesOf(file));
      const signer = newSigner("Åse Hostile");
      await addSigner(sender.client, path, signer);
      await sendEnvelope(sender.client, path);
      const stub = envelopeStub(env, id);
      const state = (await stub.getState())!;
      await command(stub.sign({ recipientId: state.recipients[0]!.id, typedName: signer.name, context: { ip: "192.0.2.45", userAgent: "hostile" } }));
      await finaliseEnvelope(env, id);
      const done = (await stub.getState())!;
      expect(done.status).toBe("completed");
      const row = await findDocument(database(env.DB), done.orgId, signedDocumentId(id));
      const signed = await readDocument(env, row!);
      expect(signed.subarray(0, bytes.length)).toEqual(bytes);
      const res = await verifyThroughApi(signed);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ genuine: true, sealValid: true, unchanged: true, originalIntact: true, evidenceIntact: true });
    });
  });
});
