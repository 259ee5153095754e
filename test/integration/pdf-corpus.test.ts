/// <reference types="vite/client" />
/**
 * The corpus of broken and unusual PDFs (test/fixtures/pdf-corpus, see generate.mjs
 * there), each uploaded through the real form like a browser would: unusual but valid
 * files are accepted with the right page count and SHA-256; every other one gets its
 * specific message and a 4xx, never a 500, and leaves nothing behind (no R2 object, no
 * documents row, no envelope). Accepted unusual files then go all the way to a sealed
 * PDF, because the seal appends an incremental update to exactly those bytes.
 */
import { env } from "cloudflare:workers";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/domain/encoding";
import { DomainError } from "../../src/domain/errors";
import { uploadLimits } from "../../src/domain/limits";
import { inspectPdf } from "../../src/pdf/inspect";
import { readDocument } from "../../src/services/documents";
import { command, envelopeStub } from "../../src/services/envelope-stub";
import { finaliseEnvelope, signedDocumentId } from "../../src/services/finalise-envelope";
import { verifyDocument } from "../../src/services/verify-document";
import { database } from "../../src/storage/db";
import { findDocument } from "../../src/storage/documents";
import { addSigner, newSigner, sendEnvelope } from "../support/flows";
import { expectAccepted, expectRefused, inlinedBytes, UPLOAD_MESSAGE } from "../support/pdf-upload";
import corpus from "../fixtures/pdf-corpus/corpus.json";

type Entry = (typeof corpus)[number] & { accepted?: boolean; pages?: number; version?: string; code?: string };
const entries = corpus as Entry[];

// Vite inlines each file as a data: URL, so the bytes reach workerd without a file system.
const inlined = import.meta.glob("../fixtures/pdf-corpus/*.pdf", { query: "?inline", import: "default", eager: true }) as Record<string, string>;

const bytesOf = (file: string): Uint8Array => inlinedBytes(inlined[`../fixtures/pdf-corpus/${file}`], file);

/** What the upload page says beside the file field for each refusal. */
const MESSAGE = UPLOAD_MESSAGE;

describe("the PDF corpus", () => {
  it("is what corpus.json says: every file present, with the recorded SHA-256", async () => {
    const onDisk = Object.keys(inlined).map((k) => k.split("/").pop()).sort();
    expect(onDisk).toEqual(entries.map((e) => e.file).sort());
    for (const entry of entries) expect(await sha256Hex(bytesOf(entry.file)), entry.file).toBe(entry.sha256);
    // Every outcome is covered at least once.
    const codes = new Set(entries.map((e) => e.code ?? "accepted"));
    expect([...codes].sort()).toEqual(["accepted", "invalid_pdf", "not_pdf", "pdf_encrypted", "pdf_too_many_pages"]);
  });

  describe("inspectPdf, the check every upload path runs", () => {
    it.each(entries.map((e) => [e.file, e] as const))("%s", async (_file, entry) => {
      const outcome = await inspectPdf(bytesOf(entry.file), uploadLimits).then(
        (r) => ({ pages: r.pages, version: r.version }),
        (error: unknown) => {
          if (!(error instanceof DomainError)) throw error; // anything else would be a 500
          return { code: error.code };
        },
      );
      expect(outcome).toEqual(entry.accepted ? { pages: entry.pages, version: entry.version } : { code: entry.code });
    });
  });

  describe("uploaded through the new-envelope form", () => {
    for (const entry of entries.filter((e) => e.accepted)) {
      it(`accepts ${entry.file} (${entry.description}) with ${entry.pages} pages and its SHA-256`, async () => {
        await expectAccepted(entry, bytesOf(entry.file));
      });
    }

    for (const entry of entries.filter((e) => !e.accepted)) {
      // A zero-byte file is no file at all to the form: it asks for one.
      const message = entry.size === 0 ? MESSAGE.no_file! : MESSAGE[entry.code!]!;
      it(`refuses ${entry.file} (${entry.description}) with ${entry.size === 0 ? "“select a PDF”" : entry.code} and stores nothing`, async () => {
        await expectRefused(new File([bytesOf(entry.file)], entry.file, { type: "application/pdf" }), message);
      });
    }

    it("refuses a file one byte over 20 MB as too large, before reading it, and stores nothing", async () => {
      const big = new Uint8Array(uploadLimits.maxBytes + 1);
      big.set(bytesOf("pdf-1.7-object-streams.pdf"));
      await expectRefused(new File([big], "huge.pdf", { type: "application/pdf" }), MESSAGE.pdf_too_large!, 413);
    });
  });

  describe("accepted unusual files survive finalisation to a sealed PDF", () => {
    const sealCases = [
      "pdf-1.3-classic.pdf",
      "pdf-1.5-object-streams.pdf",
      "pdf-1.7-pdflib-xref-stream.pdf",
      "pdf-2.0.pdf",
      "hybrid-reference.pdf",
      "linearized-object-streams.pdf",
      "incremental-updates.pdf",
      "already-signed.pdf",
      "already-signed-object-streams.pdf",
      "leading-bom.pdf",
      "trailing-bytes.pdf",
      "cr-line-ends.pdf",
      "nested-page-tree-300.pdf",
    ];

    it.each(sealCases)("%s", async (file) => {
      const entry = entries.find((e) => e.file === file)!;
      const { sender, path, id, bytes } = await expectAccepted(entry, bytesOf(entry.file));
      const signer = newSigner("Åse Corpus");
      await addSigner(sender.client, path, signer);
      await sendEnvelope(sender.client, path);
      const stub = envelopeStub(env, id);
      const state = (await stub.getState())!;
      await command(stub.sign({ recipientId: state.recipients[0]!.id, typedName: signer.name, context: { ip: "192.0.2.44", userAgent: "corpus" } }));
      await finaliseEnvelope(env, id);

      const done = (await stub.getState())!;
      expect(done.status).toBe("completed");
      const row = await findDocument(database(env.DB), done.orgId, signedDocumentId(id));
      const signed = await readDocument(env, row!);
      // The original bytes are an unchanged prefix; the certificate page follows them.
      expect(signed.subarray(0, bytes.length)).toEqual(bytes);
      expect((await PDFDocument.load(signed, { updateMetadata: false })).getPageCount()).toBe(entry.pages! + 1);
      const verdict = await verifyDocument(env, signed);
      expect(verdict).toMatchObject({ genuine: true, sealValid: true, unchanged: true, originalIntact: true, evidenceIntact: true });
    });
  });
});
