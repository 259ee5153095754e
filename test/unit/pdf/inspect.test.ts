import { describe, expect, it } from "vitest";
import { DomainError, type ErrorCode } from "../../../src/domain/errors";
import { inspectPdf } from "../../../src/pdf/inspect";
import {
  linearizedPdf,
  objectStreamsPdf,
  ownerRestrictedPdf,
  userPasswordObjectStreamsPdf,
  userPasswordPdf,
} from "../../fixtures/pdf/qpdf";
import { ascii, emptyPdf, latin1, samplePdf } from "../../fixtures/pdf/pdfs";

const limits = { maxBytes: 10 * 1024 * 1024, maxPages: 100 };

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError, but the PDF was accepted");
}

async function expectRejected(bytes: Uint8Array, code: ErrorCode, message: string | RegExp, custom = limits) {
  const error = await rejection(inspectPdf(bytes, custom));
  expect(error.code).toBe(code);
  if (typeof message === "string") expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
  return error;
}

const NOT_A_PDF = "This file is not a PDF. Choose a PDF file and upload it again.";
const DAMAGED = "This PDF is damaged and cannot be opened. Export it again and upload the new file.";
const LOCKED = "This PDF is password-protected. Remove the password (and any editing restrictions) and upload it again.";

/** Replaces the first occurrence of `from` (same length) in a copy of bytes. */
function patch(bytes: Uint8Array, from: string, to: string, fromEnd = false): Uint8Array {
  if (from.length !== to.length) throw new Error("patch must keep the length");
  const text = latin1(bytes);
  const at = fromEnd ? text.lastIndexOf(from) : text.indexOf(from);
  if (at < 0) throw new Error(`patch: ${from} not found`);
  const copy = bytes.slice();
  copy.set(ascii(to), at);
  return copy;
}

describe("inspectPdf", () => {
  it("accepts a three-page PDF and reports its page count and version", async () => {
    await expect(inspectPdf(await samplePdf(), limits)).resolves.toEqual({ pages: 3, version: "1.7" });
  });

  it("accepts a PDF whose cross-reference table is a compressed stream", async () => {
    await expect(inspectPdf(await samplePdf({ objectStreams: true }), limits)).resolves.toEqual({
      pages: 3,
      version: "1.7",
    });
  });

  it("accepts a PDF whose cross-reference stream is PNG-predicted, as most PDF writers produce", async () => {
    await expect(inspectPdf(objectStreamsPdf, limits)).resolves.toEqual({ pages: 1, version: "1.7" });
  });

  it("accepts a linearized PDF", async () => {
    await expect(inspectPdf(linearizedPdf, limits)).resolves.toEqual({ pages: 1, version: "1.7" });
  });

  it("reports the version from the file header", async () => {
    const bytes = patch(await samplePdf(), "%PDF-1.7", "%PDF-1.4");
    await expect(inspectPdf(bytes, limits)).resolves.toEqual({ pages: 3, version: "1.4" });
  });

  it("accepts a PDF exactly at the page and size limits", async () => {
    const bytes = await samplePdf();
    await expect(inspectPdf(bytes, { maxBytes: bytes.length, maxPages: 3 })).resolves.toMatchObject({ pages: 3 });
  });

  it("rejects a file over the size limit before trying to read it", async () => {
    // Not even a PDF: the size check comes first and needs no parsing.
    const error = await expectRejected(
      new Uint8Array(1024 * 1024 + 1),
      "pdf_too_large",
      "This PDF is too large. The limit is 1 MB. Make the file smaller and upload it again.",
      { maxBytes: 1024 * 1024, maxPages: 100 },
    );
    expect(error.status).toBe(413);
    expect(error.details).toEqual({ maxBytes: 1024 * 1024 });
  });

  it("rejects a PDF with more pages than allowed and says what the limit is", async () => {
    await expectRejected(
      await samplePdf({ pages: 5 }),
      "pdf_too_many_pages",
      "This PDF has 5 pages. The limit is 4 pages. Split it into smaller documents and upload again.",
      { maxBytes: limits.maxBytes, maxPages: 4 },
    );
  });

  it("rejects random bytes as not a PDF", async () => {
    const bytes = new Uint8Array(4096);
    crypto.getRandomValues(bytes);
    await expectRejected(bytes, "not_pdf", NOT_A_PDF);
  });

  it("rejects a text file as not a PDF", async () => {
    await expectRejected(ascii("Dear landlord,\nPlease find the lease attached.\n"), "not_pdf", NOT_A_PDF);
  });

  it("rejects an empty file as not a PDF", async () => {
    await expectRejected(new Uint8Array(0), "not_pdf", NOT_A_PDF);
  });

  it("rejects a file whose PDF header comes too late", async () => {
    const pdf = await samplePdf();
    const padded = new Uint8Array(2000 + pdf.length);
    padded.fill(0x20, 0, 2000);
    padded.set(pdf, 2000);
    await expectRejected(padded, "not_pdf", NOT_A_PDF);
  });

  it("rejects a truncated PDF as damaged", async () => {
    const pdf = await samplePdf();
    await expectRejected(pdf.subarray(0, Math.floor(pdf.length * 0.6)), "invalid_pdf", DAMAGED);
  });

  it("rejects a PDF that lost only its last bytes as damaged", async () => {
    const pdf = await samplePdf();
    await expectRejected(pdf.subarray(0, pdf.length - 7), "invalid_pdf", DAMAGED);
  });

  it("rejects a file with a PDF header and end marker but nothing readable in between", async () => {
    await expectRejected(ascii("%PDF-1.7\nthis is not really a pdf\n%%EOF\n"), "invalid_pdf", DAMAGED);
  });

  it("rejects a PDF whose cross-reference table points at the wrong objects, instead of repairing it", async () => {
    const pdf = await samplePdf();
    const text = latin1(pdf);
    const table = text.lastIndexOf("\nxref");
    const entry = /\d{10} \d{5} n/.exec(text.slice(table))!;
    const at = table + entry.index;
    const broken = pdf.slice();
    broken.set(ascii("0000000009"), at);
    await expectRejected(broken, "invalid_pdf", DAMAGED);
  });

  it("rejects a PDF whose startxref points at the wrong place", async () => {
    const pdf = await samplePdf();
    const text = latin1(pdf);
    const match = /startxref\s+(\d+)/.exec(text.slice(text.lastIndexOf("startxref")))!;
    const wrong = String(Number(match[1]) - 5).padStart(match[1]!.length, "0");
    await expectRejected(patch(pdf, `startxref\n${match[1]}`, `startxref\n${wrong}`, true), "invalid_pdf", DAMAGED);
  });

  it("rejects a PDF with no pages", async () => {
    await expectRejected(await emptyPdf(), "invalid_pdf", "This PDF has no pages. Export it again and upload the new file.");
  });

  it("rejects a PDF whose page tree claims more pages than it has", async () => {
    const pdf = await samplePdf();
    await expectRejected(patch(pdf, "/Count 3", "/Count 4"), "invalid_pdf", DAMAGED);
  });

  it("rejects a password-protected PDF with a clear message", async () => {
    const error = await expectRejected(userPasswordPdf, "pdf_encrypted", LOCKED);
    expect(error.status).toBe(422);
  });

  it("rejects a PDF that opens without a password but is locked against changes", async () => {
    await expectRejected(ownerRestrictedPdf, "pdf_encrypted", LOCKED);
  });

  it("rejects a password-protected PDF with compressed object streams as protected, not as damaged", async () => {
    // pdf-lib alone fails on this one with a parse error; the trailer says /Encrypt.
    await expectRejected(userPasswordObjectStreamsPdf, "pdf_encrypted", LOCKED);
  });

  it("still calls a damaged password-protected PDF password-protected", async () => {
    const text = latin1(userPasswordPdf);
    const broken = userPasswordPdf.slice();
    const table = text.lastIndexOf("\nxref");
    const entry = /\d{10} \d{5} n/.exec(text.slice(table))!;
    broken.set(ascii("0000000009"), table + entry.index);
    await expectRejected(broken, "pdf_encrypted", LOCKED);
  });
});
