import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { buildSignedPdf, type CertificateView } from "../../../src/pdf/certificate";
import { inspectPdf } from "../../../src/pdf/inspect";
import { cleanText, formatUtc, wrapText } from "../../../src/pdf/text";
import { linearizedPdf, objectStreamsPdf } from "../../fixtures/pdf/qpdf";
import {
  A4,
  certificateFor,
  englishLabels,
  extractText,
  latin1,
  longUserAgent,
  norwegianLabels,
  pageContent,
  samplePdf,
  sha256Hex,
  textPositions,
  unicodeNames,
} from "../../fixtures/pdf/pdfs";

async function original(options: { pages?: number; objectStreams?: boolean } = {}) {
  const bytes = await samplePdf(options);
  return { bytes, sha256: await sha256Hex(bytes), pages: options.pages ?? 3 };
}

async function build(signers: number, options: { objectStreams?: boolean; labels?: typeof englishLabels } = {}) {
  const source = await original(options);
  const certificate = certificateFor(source, signers);
  const result = await buildSignedPdf({
    original: source.bytes,
    certificate,
    labels: options.labels ?? englishLabels,
  });
  const doc = await PDFDocument.load(result.bytes, { updateMetadata: false, throwOnInvalidObject: true });
  return { source, certificate, result, doc };
}

function certificateText(doc: PDFDocument, firstPage: number): string[] {
  const lines: string[] = [];
  for (let i = firstPage; i < doc.getPageCount(); i++) lines.push(...extractText(doc, i));
  return lines;
}

const countOf = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe("buildSignedPdf", () => {
  it("returns the original pages followed by a certificate page", async () => {
    const { result, doc } = await build(2);
    expect(result.pages).toBe(4);
    expect(doc.getPageCount()).toBe(4);
  });

  it("keeps the original file byte for byte and appends the certificate as an incremental update", async () => {
    const { source, result } = await build(2);
    expect(result.bytes.subarray(0, source.bytes.length)).toEqual(source.bytes);
    const tail = latin1(result.bytes.subarray(source.bytes.length));
    expect(tail).toMatch(/\ntrailer\n<<[^]*\/Prev \d+[^]*>>\nstartxref\n\d+\n%%EOF\n$/);
    expect(countOf(latin1(result.bytes), "%%EOF")).toBe(2);
  });

  it("leaves the original pages exactly as they were", async () => {
    const { source, doc } = await build(2);
    const before = await PDFDocument.load(source.bytes, { updateMetadata: false });
    for (let i = 0; i < 3; i++) {
      expect(doc.getPage(i).getSize()).toEqual(before.getPage(i).getSize());
      expect(doc.getPage(i).ref).toEqual(before.getPage(i).ref);
      const content = latin1(pageContent(doc, i));
      expect(content).toEqual(latin1(pageContent(before, i)));
    }
    expect(doc.getPage(1).getSize()).toEqual({ width: 612, height: 792 });
  });

  it("adds A4 certificate pages", async () => {
    const { doc } = await build(2);
    const { width, height } = doc.getPage(3).getSize();
    expect([width, height]).toEqual(A4);
    expect(doc.getPage(3).getRotation().angle).toBe(0);
  });

  it("produces a file that passes the same strict checks as an upload", async () => {
    const { result } = await build(2);
    await expect(inspectPdf(result.bytes, { maxBytes: 10_000_000, maxPages: 100 })).resolves.toEqual({
      pages: 4,
      version: "1.7",
    });
  });

  it("writes a cross-reference stream after an original that uses one", async () => {
    const { source, result, doc } = await build(2, { objectStreams: true });
    expect(result.pages).toBe(4);
    expect(doc.getPageCount()).toBe(4);
    const tail = latin1(result.bytes.subarray(source.bytes.length));
    expect(tail).toMatch(/\/Type \/XRef/);
    expect(tail).not.toMatch(/\ntrailer\n/);
    await expect(inspectPdf(result.bytes, { maxBytes: 10_000_000, maxPages: 100 })).resolves.toMatchObject({ pages: 4 });
  });

  for (const [name, bytes] of [
    ["a qpdf file with a predicted cross-reference stream", objectStreamsPdf],
    ["a linearized file", linearizedPdf],
  ] as const) {
    it(`appends the certificate to ${name}`, async () => {
      const certificate = certificateFor({ sha256: await sha256Hex(bytes), pages: 1 }, 2);
      const result = await buildSignedPdf({ original: bytes, certificate, labels: englishLabels });
      expect(result.pages).toBe(2);
      expect(result.bytes.subarray(0, bytes.length)).toEqual(bytes);
      await expect(inspectPdf(result.bytes, { maxBytes: 10_000_000, maxPages: 100 })).resolves.toMatchObject({ pages: 2 });
      const doc = await PDFDocument.load(result.bytes);
      expect(extractText(doc, 1)).toContain("Łukasz Ørjansen");
    });
  }

  it("can be signed again: a signed PDF is a valid original for another update", async () => {
    const first = await build(1);
    const sha256 = await sha256Hex(first.result.bytes);
    const second = await buildSignedPdf({
      original: first.result.bytes,
      certificate: certificateFor({ sha256, pages: 4 }, 1),
      labels: englishLabels,
    });
    expect(second.pages).toBe(5);
    await expect(inspectPdf(second.bytes, { maxBytes: 10_000_000, maxPages: 100 })).resolves.toMatchObject({ pages: 5 });
  });

  it("prints Polish, Norwegian, Turkish, Greek and Cyrillic names as extractable text", async () => {
    const { doc } = await build(5);
    const text = certificateText(doc, 3);
    for (const name of unicodeNames) {
      // Once as the name and once as the typed name.
      expect(text.filter((line) => line === name)).toHaveLength(2);
    }
  });

  it("shows the envelope, document, hashes, page count and completion time", async () => {
    const { doc, certificate } = await build(1);
    const text = certificateText(doc, 3);
    const joined = text.join("\n");
    expect(text[0]).toBe("Signature certificate");
    expect(text).toContain(certificate.envelopeId);
    expect(text).toContain(certificate.title);
    expect(text).toContain("2026-11-22 14:03:05 UTC");
    // Hashes are split into equal halves rather than running off the page.
    expect(joined).toContain(`${certificate.documentSha256.slice(0, 32)}\n${certificate.documentSha256.slice(32)}`);
    expect(joined).toContain(`${certificate.eventHead.slice(0, 32)}\n${certificate.eventHead.slice(32)}`);
    expect(text).toContain("Signers (1)");
    expect(text).toContain("2026-11-22 13:00:07 UTC");
    expect(text).toContain("203.0.113.7");
    expect(text).toContain("E-post og engangskode");
  });

  it("takes every fixed word from the labels it is given", async () => {
    const { doc } = await build(3, { labels: norwegianLabels });
    const text = certificateText(doc, 3);
    expect(text[0]).toBe("Signeringsbevis");
    for (const label of ["Konvolutt", "Dokumentets SHA-256", "Fullført (UTC)", "Signatarer (3)", "Skrevet navn", "IP-adresse"]) {
      expect(text).toContain(label);
    }
    for (const label of Object.values(englishLabels)) expect(text).not.toContain(label);
  });

  it("wraps a long user agent inside the page instead of cutting it", async () => {
    const { doc } = await build(1);
    const text = certificateText(doc, 3);
    const start = text.findIndex((line) => line.startsWith("Mozilla/5.0"));
    expect(start).toBeGreaterThan(0);
    let joined = "";
    for (let i = start; joined.replace(/ /g, "").length < longUserAgent.replace(/ /g, "").length; i++) joined += text[i];
    expect(joined.replace(/ /g, "")).toBe(longUserAgent.replace(/ /g, ""));
  });

  it("shows a dash when the IP address or device is unknown", async () => {
    const source = await original();
    const certificate: CertificateView = {
      ...certificateFor(source, 1),
      signers: [{ ...certificateFor(source, 1).signers[0]!, ip: null, userAgent: null }],
    };
    const result = await buildSignedPdf({ original: source.bytes, certificate, labels: englishLabels });
    const doc = await PDFDocument.load(result.bytes);
    expect(certificateText(doc, 3).filter((line) => line === "\u2014")).toHaveLength(2);
  });

  it("fits 50 signers on several A4 pages, every one of them, all text inside the margins", async () => {
    const { result, doc } = await build(50);
    const certificatePages = result.pages - 3;
    expect(certificatePages).toBeGreaterThan(1);
    expect(certificatePages).toBeLessThanOrEqual(15);
    const text = certificateText(doc, 3);
    for (let i = 1; i <= 50; i++) expect(text).toContain(`signer${i}@example.com`);
    for (let page = 3; page < result.pages; page++) {
      expect(doc.getPage(page).getSize()).toEqual({ width: A4[0], height: A4[1] });
      const lines = extractText(doc, page);
      expect(lines[0]).toBe("Signature certificate"); // heading on every page
      expect(lines).toContain(`${page + 1}/${result.pages}`); // page number in the footer
      for (const { x, y } of textPositions(doc, page)) {
        expect(x).toBeGreaterThanOrEqual(20);
        expect(x).toBeLessThan(A4[0] - 56);
        expect(y).toBeGreaterThan(30);
        expect(y).toBeLessThan(A4[1] - 40);
      }
    }
  });

  it("sets the document title to the envelope title", async () => {
    const { doc, certificate } = await build(1);
    expect(doc.getTitle()).toBe(certificate.title);
    expect(doc.getModificationDate()?.toISOString()).toBe("2026-11-22T14:03:05.000Z");
  });

  it("shows characters the font cannot draw as code points rather than empty boxes", async () => {
    const source = await original();
    const base = certificateFor(source, 1);
    const certificate = { ...base, signers: [{ ...base.signers[0]!, name: "王小明", typedName: "王小明" }] };
    const result = await buildSignedPdf({ original: source.bytes, certificate, labels: englishLabels });
    const text = certificateText(await PDFDocument.load(result.bytes), 3);
    expect(text.filter((line) => line === "[U+738B U+5C0F U+660E]")).toHaveLength(2);
  });

  it("refuses an original whose SHA-256 is not the one on the certificate", async () => {
    const source = await original();
    const certificate = certificateFor({ ...source, sha256: "0".repeat(64) }, 1);
    await expect(buildSignedPdf({ original: source.bytes, certificate, labels: englishLabels })).rejects.toThrow(/SHA-256/);
  });

  it("refuses a certificate that counts a different number of original pages", async () => {
    const source = await original();
    const certificate = certificateFor({ ...source, pages: 2 }, 1);
    await expect(buildSignedPdf({ original: source.bytes, certificate, labels: englishLabels })).rejects.toThrow(/pages/);
  });

  it("builds a signed PDF from a three-page original in well under a second", async () => {
    const source = await original();
    const certificate = certificateFor(source, 2);
    await buildSignedPdf({ original: source.bytes, certificate, labels: englishLabels }); // warm up
    const started = performance.now();
    const runs = 5;
    let size = 0;
    for (let i = 0; i < runs; i++) {
      size = (await buildSignedPdf({ original: source.bytes, certificate, labels: englishLabels })).bytes.length;
    }
    const each = (performance.now() - started) / runs;
    console.log(
      `buildSignedPdf, 3-page original, 2 signers: ${each.toFixed(1)} ms each; certificate adds ${size - source.bytes.length} bytes`,
    );
    expect(each).toBeLessThan(1000);
  });
});

describe("certificate text helpers", () => {
  it("formats ISO times as UTC with seconds", () => {
    expect(formatUtc("2026-11-22T14:03:05.987Z")).toBe("2026-11-22 14:03:05 UTC");
    expect(formatUtc("2026-11-22T15:03:05+01:00")).toBe("2026-11-22 14:03:05 UTC");
  });

  it("flattens control and direction-override characters so a value stays one honest line", () => {
    expect(cleanText("Ada\u202E ecalovL\nLovelace\t")).toBe("Ada ecalovL Lovelace");
    expect(cleanText("  ")).toBe("\u2014");
    expect(cleanText("O\u0308")).toBe("Ö");
  });

  it("wraps on spaces and breaks words longer than a line", () => {
    const mono = { widthOfTextAtSize: (text: string, size: number) => [...text].length * size };
    expect(wrapText("aa bb cc", mono, 1, 5)).toEqual(["aa bb", "cc"]);
    expect(wrapText("abcdefghij", mono, 1, 4)).toEqual(["abcd", "efgh", "ij"]);
  });
});
