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
import type { Client } from "../support/client";
import { addSigner, newSender, newSigner, sendEnvelope } from "../support/flows";
import corpus from "../fixtures/pdf-corpus/corpus.json";

type Entry = (typeof corpus)[number] & { accepted?: boolean; pages?: number; version?: string; code?: string };
const entries = corpus as Entry[];

// Vite inlines each file as a data: URL, so the bytes reach workerd without a file system.
const inlined = import.meta.glob("../fixtures/pdf-corpus/*.pdf", { query: "?inline", import: "default", eager: true }) as Record<string, string>;

function bytesOf(file: string): Uint8Array {
  const url = inlined[`../fixtures/pdf-corpus/${file}`];
  if (url === undefined) throw new Error(`${file} is listed in corpus.json but missing`);
  return Uint8Array.from(atob(url.slice(url.indexOf(",") + 1)), (c) => c.charCodeAt(0));
}

/** What the upload page says beside the file field for each refusal. */
const MESSAGE: Record<string, RegExp> = {
  not_pdf: /The selected file is not a PDF/,
  invalid_pdf: /The selected PDF is damaged and cannot be opened/,
  pdf_encrypted: /The selected PDF is password-protected/,
  pdf_too_large: /The selected file must be smaller than 20 MB/,
  pdf_too_many_pages: /The selected PDF must have 500 pages or fewer/,
  no_file: /Select a PDF file/,
};

async function orgOf(email: string): Promise<string> {
  const row = await env.DB.prepare("SELECT personal_org_id AS org_id FROM users WHERE email = ?").bind(email).first<{ org_id: string }>();
  return row!.org_id;
}

async function upload(file: File): Promise<{ sender: { client: Client; email: string }; res: Response }> {
  const sender = await newSender();
  const { csrf, html } = await sender.client.page("/envelopes/new");
  const idem = /name="idempotency_key" value="([^"]+)"/.exec(html)![1]!;
  const res = await sender.client.post("/envelopes", { idempotency_key: idem, title: `Corpus: ${file.name}`, message: "", order: "parallel", file }, csrf, { multipart: true });
  return { sender, res };
}

async function expectRefused(file: File, message: RegExp, status = 422) {
  const { sender, res } = await upload(file);
  expect(res.status).toBe(status);
  const html = await res.text();
  expect(html).toMatch(/<title>Error: /);
  expect(html).toMatch(message);
  // Nothing half-written: no row, no object, no envelope.
  const orgId = await orgOf(sender.email);
  const docs = await env.DB.prepare("SELECT count(*) AS n FROM documents WHERE org_id = ?").bind(orgId).first<{ n: number }>();
  const envelopes = await env.DB.prepare("SELECT count(*) AS n FROM envelopes WHERE org_id = ?").bind(orgId).first<{ n: number }>();
  expect(docs!.n).toBe(0);
  expect(envelopes!.n).toBe(0);
  expect((await env.DOCUMENTS.list({ prefix: `documents/${orgId}/` })).objects).toEqual([]);
}

/** Uploads an accepted file; returns its envelope and the document row. */
async function expectAccepted(entry: Entry) {
  const bytes = bytesOf(entry.file);
  const { sender, res } = await upload(new File([bytes], entry.file, { type: "application/pdf" }));
  expect(res.status, await res.clone().text().then((t) => /class="field-error">([^<]*)/.exec(t)?.[1] ?? "")).toBe(303);
  const path = res.headers.get("Location")!;
  const id = path.split("/").pop()!;
  const state = (await envelopeStub(env, id).getState())!;
  const row = await findDocument(database(env.DB), state.orgId, state.document.id);
  expect(row).toMatchObject({ pages: entry.pages, sha256: entry.sha256, size: bytes.length });
  expect(state.document).toMatchObject({ pages: entry.pages, sha256: entry.sha256 });
  // Stored encrypted, and reads back byte for byte.
  const object = await env.DOCUMENTS.get(row!.r2Key);
  expect(object).not.toBeNull();
  const stored = new Uint8Array(await object!.arrayBuffer());
  expect(stored.length).toBeGreaterThan(bytes.length);
  expect(await readDocument(env, row!)).toEqual(bytes);
  return { sender, path, id, bytes };
}

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
        await expectAccepted(entry);
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
      const { sender, path, id, bytes } = await expectAccepted(entry);
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
