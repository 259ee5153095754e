import { md5 } from "@noble/hashes/legacy.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  type PDFObject,
  PDFRawStream,
  PDFRef,
  PDFString,
} from "pdf-lib";
import { encode } from "uqr";
import { describe, expect, it, vi } from "vitest";
import { DomainError } from "../../../src/domain/errors";
import { readEmbeddedFiles } from "../../../src/pdf/attachment";
import { buildSignedPdf, type CertificateView, formatUtcAndLocal } from "../../../src/pdf/certificate";
import { inspectPdf } from "../../../src/pdf/inspect";
import { inflateNatively } from "../../../src/pdf/inflate";
import { analyseCrossReference, findHeader, ObjectReader, StructureError } from "../../../src/pdf/structure";
import { cleanText, formatUtc, wrapText } from "../../../src/pdf/text";
import { linearizedPdf, objectStreamsPdf } from "../../fixtures/pdf/qpdf";
import { hybridPdf, pdf13WithForm } from "../../fixtures/seal/handmade";
import {
  A4,
  ascii,
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
    expect(text).toContain("2026-11-22 14:03:05 UTC (15:03:05 Europe/Oslo)");
    // Hashes are split into equal halves rather than running off the page.
    expect(joined).toContain(`${certificate.documentSha256.slice(0, 32)}\n${certificate.documentSha256.slice(32)}`);
    expect(joined).toContain(`${certificate.eventHead.slice(0, 32)}\n${certificate.eventHead.slice(32)}`);
    expect(text).toContain("Signers (1)");
    expect(text).toContain("2026-11-22 13:00:07 UTC (14:00:07 Europe/Oslo)");
    expect(text).toContain("203.0.113.7");
    expect(text).toContain("E-post og engangskode");
  });

  it("takes every fixed word from the labels it is given", async () => {
    const { doc } = await build(3, { labels: norwegianLabels });
    const text = certificateText(doc, 3);
    expect(text[0]).toBe("Signeringsbevis");
    for (const label of ["Konvolutt", "Dokumentets SHA-256", "Fullført (UTC)", "Signatarer (3)", "Skrevet navn", "IP-adresse", "Kontroller"]) {
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

// ---------------------------------------------------------------------------
// Verification address, QR code, local times, eID details, the evidence attachment.

const evidenceJson = new TextEncoder().encode(
  `${JSON.stringify({ schema: "https://pactly.dev/schemas/evidence-bundle", version: 1, note: "Ørjan – Дмитрий" }, null, 2)}\n`,
);
const evidenceFilename = "pactly-evidence-env_01JD3X8Q9K2M4N6P8R0T2V4W6Y.json";

async function withEvidence(originalBytes?: Uint8Array, pages = 3) {
  const bytes = originalBytes ?? (await samplePdf());
  const certificate = certificateFor({ sha256: await sha256Hex(bytes), pages }, 2);
  const result = await buildSignedPdf({
    original: bytes,
    certificate,
    labels: englishLabels,
    evidence: { json: evidenceJson, filename: evidenceFilename },
  });
  const doc = await PDFDocument.load(result.bytes, { updateMetadata: false, throwOnInvalidObject: true });
  return { bytes, certificate, result, doc };
}

/** The `re` operands on a page, in order. */
function rectangles(doc: PDFDocument, page: number): Array<[number, number, number, number]> {
  const content = latin1(pageContent(doc, page));
  return [...content.matchAll(/(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re/g)].map(
    (m) => [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] as [number, number, number, number],
  );
}

/** Rebuilds the module matrix from the drawn rectangles: a white square (quiet zone included), then dark runs. */
function drawnQr(doc: PDFDocument, page: number, modules: number): { matrix: boolean[][]; square: [number, number, number, number] } {
  const [square, ...runs] = rectangles(doc, page);
  expect(square).toBeDefined();
  const [sx, sy, side] = square!;
  const module = side / (modules + 8);
  const left = sx + 4 * module;
  const top = sy + side - 4 * module;
  const matrix = Array.from({ length: modules }, () => Array<boolean>(modules).fill(false));
  for (const [x, y, w, h] of runs) {
    expect(h).toBeCloseTo(module, 2);
    const row = Math.round((top - (y + h)) / module);
    const first = Math.round((x - left) / module);
    const count = Math.round(w / module);
    for (let c = first; c < first + count; c++) matrix[row]![c] = true;
  }
  return { matrix, square: square! };
}

function lookup(doc: PDFDocument, object: PDFObject | undefined): PDFObject | undefined {
  return object instanceof PDFRef ? doc.context.lookup(object) : object;
}

describe("verification address and QR code", () => {
  it("prints the verification address as text on the first certificate page", async () => {
    const { doc, certificate } = await build(1);
    const text = extractText(doc, 3);
    expect(text).toContain("Verify");
    const start = text.findIndex((line) => line.startsWith("https://"));
    expect(text.slice(start, start + 2).join("")).toBe(certificate.verificationUrl);
    expect(extractText(doc, 3).join(" ")).toContain("Scan the code");
  });

  it("draws the QR code of the address as vector rectangles with a four-module quiet zone", async () => {
    const { doc, certificate } = await build(1);
    const expected = encode(certificate.verificationUrl, { ecc: "M", border: 0 });
    const { matrix, square } = drawnQr(doc, 3, expected.size);
    expect(matrix).toEqual(expected.data);
    // Big enough to scan from paper (over 25 mm), inside the page margins, and no text in its square.
    const [x, y, side] = square;
    expect(side).toBeGreaterThan(72);
    expect(x + side).toBeLessThanOrEqual(A4[0] - 56 + 0.01);
    for (const p of textPositions(doc, 3)) {
      expect(p.x >= x && p.x <= x + side && p.y >= y && p.y <= y + side).toBe(false);
    }
    // One fill for the whole symbol: the page draws no rectangle elsewhere.
    expect(latin1(pageContent(doc, 3)).match(/\bre\b/g)!.length).toBe(rectangles(doc, 3).length);
  });

  it("keeps a long address's QR code within bounds and still exact", async () => {
    const source = await original();
    const certificate = { ...certificateFor(source, 1), verificationUrl: `https://pactly.example/verify?token=${"x".repeat(380)}` };
    const result = await buildSignedPdf({ original: source.bytes, certificate, labels: englishLabels });
    const doc = await PDFDocument.load(result.bytes);
    const expected = encode(certificate.verificationUrl, { ecc: "M", border: 0 });
    const { matrix, square } = drawnQr(doc, 3, expected.size);
    expect(matrix).toEqual(expected.data);
    expect(square[2]).toBeLessThanOrEqual(170);
    expect(extractText(doc, 3).join("")).toContain(certificate.verificationUrl);
  });

  it("draws the QR code on the first certificate page only", async () => {
    const { doc, result } = await build(50);
    for (let page = 4; page < result.pages; page++) expect(rectangles(doc, page)).toEqual([]);
  });

  it("makes the address and the code a link to the verification page", async () => {
    const { doc, certificate } = await build(1);
    const annots = doc.getPage(3).node.lookup(PDFName.of("Annots"), PDFArray);
    expect(annots.size()).toBe(2);
    for (let i = 0; i < annots.size(); i++) {
      const annot = doc.context.lookup(annots.get(i), PDFDict);
      expect(annot.get(PDFName.of("Subtype"))).toBe(PDFName.of("Link"));
      const action = annot.lookup(PDFName.of("A"), PDFDict);
      expect((action.get(PDFName.of("URI")) as PDFString).decodeText()).toBe(certificate.verificationUrl);
    }
  });

  it("marks the certificate text with the envelope's language", async () => {
    const { doc } = await build(1);
    expect(latin1(pageContent(doc, 3))).toMatch(/^\/Span <<\s*\/Lang \(nb-NO\)\s*>> BDC/);
    expect(latin1(pageContent(doc, 3)).trimEnd()).toMatch(/EMC$/);
  });
});

describe("times in UTC and the envelope's time zone", () => {
  it("adds the local time, and the local date when it differs", () => {
    expect(formatUtcAndLocal("2026-11-22T14:03:05.123Z", "Europe/Oslo")).toBe("2026-11-22 14:03:05 UTC (15:03:05 Europe/Oslo)");
    expect(formatUtcAndLocal("2026-07-01T09:00:00Z", "Europe/Oslo")).toBe("2026-07-01 09:00:00 UTC (11:00:00 Europe/Oslo)");
    expect(formatUtcAndLocal("2026-11-22T23:30:00Z", "Europe/Oslo")).toBe("2026-11-22 23:30:00 UTC (2026-11-23 00:30:00 Europe/Oslo)");
    expect(formatUtcAndLocal("2026-11-22T02:00:00Z", "America/New_York")).toBe("2026-11-22 02:00:00 UTC (2026-11-21 21:00:00 America/New_York)");
  });

  it("shows UTC only for UTC, for an unknown zone and for an unparseable time", () => {
    expect(formatUtcAndLocal("2026-11-22T14:03:05Z", "UTC")).toBe("2026-11-22 14:03:05 UTC");
    expect(formatUtcAndLocal("2026-11-22T14:03:05Z", "Etc/UTC")).toBe("2026-11-22 14:03:05 UTC");
    expect(formatUtcAndLocal("2026-11-22T14:03:05Z", "Mars/Olympus_Mons")).toBe("2026-11-22 14:03:05 UTC");
    expect(formatUtcAndLocal("not a time", "Europe/Oslo")).toBe("not a time");
  });
});

describe("eID details", () => {
  it("shows the eID scheme and assurance level for signers that have them, and no such rows for others", async () => {
    const source = await original();
    const base = certificateFor(source, 2);
    const certificate: CertificateView = {
      ...base,
      signers: [{ ...base.signers[0]!, method: "Electronic ID", eidScheme: "BankID", assuranceLevel: "high (eIDAS)" }, base.signers[1]!],
    };
    const result = await buildSignedPdf({ original: source.bytes, certificate, labels: englishLabels });
    const text = certificateText(await PDFDocument.load(result.bytes), 3);
    expect(text.filter((line) => line === "eID scheme")).toHaveLength(1);
    expect(text.filter((line) => line === "Assurance level")).toHaveLength(1);
    expect(text).toContain("BankID");
    expect(text).toContain("high (eIDAS)");
  });
});

describe("the evidence attachment", () => {
  it("embeds the evidence bytes unchanged, readable with pdf-lib, in the same incremental update", async () => {
    const { bytes, result, doc } = await withEvidence();
    expect(result.bytes.subarray(0, bytes.length)).toEqual(bytes);
    expect(countOf(latin1(result.bytes), "%%EOF")).toBe(2); // one update: certificate and attachment together
    const files = readEmbeddedFiles(doc);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({
      key: evidenceFilename,
      filename: evidenceFilename,
      mimeType: "application/json",
      description: "Evidence record of the signing (JSON)",
      relationship: "Supplement",
      problems: [],
    });
    expect(files[0]!.bytes).toEqual(evidenceJson);
    await expect(inspectPdf(result.bytes, { maxBytes: 10_000_000, maxPages: 100 })).resolves.toMatchObject({ pages: 4 });
  });

  it("writes a complete file specification: MIME subtype, size, checksum, dates, relationship, /AF", async () => {
    const { result, doc } = await withEvidence();
    expect(latin1(result.bytes)).toContain("/Subtype /application#2Fjson");
    const names = doc.catalog.lookup(PDFName.of("Names"), PDFDict);
    const tree = names.lookup(PDFName.of("EmbeddedFiles"), PDFDict);
    const entries = tree.lookup(PDFName.of("Names"), PDFArray);
    expect((entries.get(0) as PDFString).decodeText()).toBe(evidenceFilename);
    const specRef = entries.get(1);
    expect(specRef).toBeInstanceOf(PDFRef);
    const spec = doc.context.lookup(specRef, PDFDict);
    expect(spec.get(PDFName.of("Type"))).toBe(PDFName.of("Filespec"));
    expect(spec.get(PDFName.of("AFRelationship"))).toBe(PDFName.of("Supplement"));
    expect((spec.get(PDFName.of("UF")) as PDFHexString).decodeText()).toBe(evidenceFilename);
    const stream = doc.context.lookup(spec.lookup(PDFName.of("EF"), PDFDict).get(PDFName.of("F")));
    if (!(stream instanceof PDFRawStream)) throw new Error("expected the embedded file stream");
    expect(stream.dict.get(PDFName.of("Type"))).toBe(PDFName.of("EmbeddedFile"));
    expect(stream.dict.get(PDFName.of("Filter"))).toBe(PDFName.of("FlateDecode"));
    const params = stream.dict.lookup(PDFName.of("Params"), PDFDict);
    expect((params.get(PDFName.of("Size")) as PDFNumber).asNumber()).toBe(evidenceJson.length);
    expect(bytesToHex((params.get(PDFName.of("CheckSum")) as PDFHexString).asBytes())).toBe(bytesToHex(md5(evidenceJson)));
    expect((params.get(PDFName.of("ModDate")) as PDFString).decodeDate().toISOString()).toBe("2026-11-22T14:03:05.000Z");
    const af = doc.catalog.lookup(PDFName.of("AF"), PDFArray);
    expect(af.asArray()).toEqual([specRef]);
  });

  it("names the attachment and prints its SHA-256 on the certificate", async () => {
    const { doc } = await withEvidence();
    const text = certificateText(doc, 3);
    const joined = text.join("\n");
    expect(text).toContain("Evidence file (attached)");
    expect(text).toContain(evidenceFilename);
    const hash = await sha256Hex(evidenceJson);
    expect(joined).toContain(`${hash.slice(0, 32)}\n${hash.slice(32)}`);
  });

  it("leaves the catalog alone when there is no evidence", async () => {
    const { doc, source, result } = await build(1);
    expect(doc.catalog.get(PDFName.of("AF"))).toBeUndefined();
    expect(doc.catalog.get(PDFName.of("Names"))).toBeUndefined();
    expect(latin1(result.bytes.subarray(source.bytes.length))).not.toContain("/Catalog");
  });

  it("keeps an original's own attachments and other name trees", async () => {
    const source = await PDFDocument.create();
    source.addPage();
    await source.attach(new TextEncoder().encode("a,b\n1,2\n"), "data.csv", { mimeType: "text/csv", description: "Data" });
    // pdf-lib writes attachments when saving; then a destination name tree is added beside EmbeddedFiles.
    const withAttachment = await PDFDocument.load(await source.save({ useObjectStreams: false }));
    const names = withAttachment.catalog.lookup(PDFName.of("Names"), PDFDict);
    names.set(PDFName.of("Dests"), withAttachment.context.obj({ Names: [PDFString.of("intro"), [withAttachment.getPage(0).ref, "Fit"]] }));
    const bytes = await withAttachment.save({ useObjectStreams: false });
    const { doc } = await withEvidence(bytes, 1);
    const files = readEmbeddedFiles(doc);
    expect(files.map((f) => f.filename).sort()).toEqual(["data.csv", evidenceFilename].sort());
    expect(new TextDecoder().decode(files.find((f) => f.filename === "data.csv")!.bytes)).toBe("a,b\n1,2\n");
    const newNames = doc.catalog.lookup(PDFName.of("Names"), PDFDict);
    expect(newNames.lookup(PDFName.of("Dests"), PDFDict).lookup(PDFName.of("Names"), PDFArray).size()).toBe(2);
    // Keys stay in byte order: pdf-lib wrote its key as UTF-16 (starting FE FF), which sorts after ASCII.
    const keys = newNames.lookup(PDFName.of("EmbeddedFiles"), PDFDict).lookup(PDFName.of("Names"), PDFArray);
    expect([0, 2].map((i) => (keys.get(i) as PDFString | PDFHexString).decodeText())).toEqual([evidenceFilename, "data.csv"]);
  });

  it("inserts into a name tree of kids in key order and updates that kid's limits", async () => {
    const source = await PDFDocument.create();
    source.addPage();
    const { context } = source;
    const spec = (name: string) => context.register(context.obj({ Type: "Filespec", F: PDFString.of(name), EF: { F: context.register(context.flateStream(name, { Type: "EmbeddedFile" })) } }));
    const leaf = (a: string, b: string) =>
      context.register(context.obj({ Limits: [PDFString.of(a), PDFString.of(b)], Names: [PDFString.of(a), spec(a), PDFString.of(b), spec(b)] }));
    const kids = [leaf("a.txt", "b.txt"), leaf("x.txt", "z.txt")];
    source.catalog.set(PDFName.of("Names"), context.register(context.obj({ EmbeddedFiles: context.register(context.obj({ Kids: kids })) })));
    const bytes = await source.save({ useObjectStreams: false });

    const { doc } = await withEvidence(bytes, 1);
    expect(readEmbeddedFiles(doc).map((f) => f.key)).toEqual(["a.txt", "b.txt", evidenceFilename, "x.txt", "z.txt"]);
    const names = lookup(doc, doc.catalog.get(PDFName.of("Names"))) as PDFDict;
    const tree = lookup(doc, names.get(PDFName.of("EmbeddedFiles"))) as PDFDict;
    const second = doc.context.lookup(tree.lookup(PDFName.of("Kids"), PDFArray).get(1), PDFDict);
    const limits = second.lookup(PDFName.of("Limits"), PDFArray).asArray().map((k) => (k as PDFString | PDFHexString).decodeText());
    expect(limits).toEqual([evidenceFilename, "z.txt"]);
  });

  it("gives a second evidence file a key of its own when a signed PDF is signed again", async () => {
    const first = await withEvidence();
    const second = await withEvidence(first.result.bytes, 4);
    const keys = readEmbeddedFiles(second.doc).map((f) => f.key);
    // In byte order, as a name tree keeps them: " (2)" sorts before ".json".
    expect(keys).toEqual([evidenceFilename.replace(".json", " (2).json"), evidenceFilename]);
    expect(second.doc.catalog.lookup(PDFName.of("AF"), PDFArray).size()).toBe(2);
  });

  it("appends the attachment after an original with a cross-reference stream", async () => {
    const bytes = await samplePdf({ objectStreams: true });
    const { result, doc } = await withEvidence(bytes);
    expect(readEmbeddedFiles(doc)[0]!.bytes).toEqual(evidenceJson);
    await expect(inspectPdf(result.bytes, { maxBytes: 10_000_000, maxPages: 100 })).resolves.toMatchObject({ pages: 4 });
  });
});

// ---------------------------------------------------------------------------
// Reading only what the update needs: no full load of the original.

/** Object numbers of the "N G obj" lines in bytes. */
function objectNumbers(bytes: Uint8Array): number[] {
  return [...latin1(bytes).matchAll(/(?:^|[\r\n])(\d+) \d+ obj\b/g)].map((m) => Number(m[1]));
}

describe("buildSignedPdf without loading the original", () => {
  it("never loads the original with pdf-lib", async () => {
    const source = await original({ pages: 3 });
    const load = vi.spyOn(PDFDocument, "load");
    try {
      const result = await buildSignedPdf({
        original: source.bytes,
        certificate: certificateFor(source, 2),
        labels: englishLabels,
        evidence: { json: evidenceJson, filename: evidenceFilename },
      });
      expect(load).not.toHaveBeenCalled();
      expect(result.pages).toBe(4);
    } finally {
      load.mockRestore();
    }
  });

  it("numbers new objects above every object in use when the trailer's /Size is too low (as pdfunite writes)", async () => {
    const source = await samplePdf();
    const text = latin1(source);
    const size = /\/Size (\d+)/.exec(text)!;
    expect(Number(size[1])).toBeGreaterThan(5);
    const low = ascii(text.replace(size[0], "/Size 3"));
    const highest = Math.max(...objectNumbers(low));
    const { result, doc } = await withEvidence(low);
    const added = objectNumbers(result.bytes.subarray(low.length));
    const changed = added.filter((n) => n <= highest);
    // Only the page tree root, the catalog (evidence) and /Info keep their numbers; everything else is above.
    expect(changed.length).toBeLessThanOrEqual(3);
    expect(new Set(added).size).toBe(added.length);
    expect(added.filter((n) => n > highest).length).toBeGreaterThan(5);
    expect(doc.getPageCount()).toBe(4);
    expect(readEmbeddedFiles(doc)[0]!.bytes).toEqual(evidenceJson);
    await expect(inspectPdf(result.bytes, { maxBytes: 10_000_000, maxPages: 100 })).resolves.toMatchObject({ pages: 4 });
  });

  it("appends to a hybrid-reference file whose first page lives in a hidden object stream", async () => {
    const bytes = hybridPdf();
    const { result, doc } = await withEvidence(bytes, 1);
    expect(result.pages).toBe(2);
    expect(result.bytes.subarray(0, bytes.length)).toEqual(bytes);
    expect(doc.getPageCount()).toBe(2);
    expect(extractText(doc, 1)[0]).toBe("Signature certificate");
    expect(readEmbeddedFiles(doc)[0]!.bytes).toEqual(evidenceJson);
    // The direct /AcroForm of the catalog survives the catalog's rewrite.
    expect(doc.catalog.lookup(PDFName.of("AcroForm"), PDFDict).get(PDFName.of("DA"))).toBeDefined();
    await expect(inspectPdf(result.bytes, { maxBytes: 10_000_000, maxPages: 100 })).resolves.toMatchObject({ pages: 2 });
  });

  it("appends to a page tree of several levels whose root has an indirect /Kids and /Count", async () => {
    const source = await PDFDocument.create();
    for (let i = 0; i < 5; i++) source.addPage(A4);
    const { context } = source;
    const rootRef = source.catalog.get(PDFName.of("Pages")) as PDFRef;
    const pageRefs = source.getPages().map((p) => p.ref);
    // Root -> [page 1, node -> [pages 2..5]]
    const nodeRef = context.nextRef();
    context.assign(nodeRef, context.obj({ Type: "Pages", Parent: rootRef, Kids: pageRefs.slice(1), Count: 4 }));
    for (const ref of pageRefs.slice(1)) context.lookup(ref, PDFDict).set(PDFName.of("Parent"), nodeRef);
    const root = context.lookup(rootRef, PDFDict);
    root.set(PDFName.of("Kids"), context.register(context.obj([pageRefs[0]!, nodeRef])));
    root.set(PDFName.of("Count"), context.register(PDFNumber.of(5)));
    const bytes = await source.save({ useObjectStreams: false });
    await expect(inspectPdf(bytes, { maxBytes: 10_000_000, maxPages: 100 })).resolves.toMatchObject({ pages: 5 });

    const { result, doc } = await withEvidence(bytes, 5);
    expect(result.pages).toBe(6);
    expect(doc.getPages().slice(0, 5).map((p) => p.ref)).toEqual(pageRefs);
    expect(doc.getPage(5).node.get(PDFName.of("Parent"))).toBe(rootRef);
    expect(extractText(doc, 5)[0]).toBe("Signature certificate");
    await expect(inspectPdf(result.bytes, { maxBytes: 10_000_000, maxPages: 100 })).resolves.toMatchObject({ pages: 6 });
  });

  it("refuses an original whose page tree root is not a page tree node, as a damaged PDF", async () => {
    const source = await PDFDocument.create();
    source.addPage();
    source.catalog.set(PDFName.of("Pages"), source.getPage(0).ref); // a page, not a /Pages node
    const bytes = await source.save({ useObjectStreams: false });
    const certificate = certificateFor({ sha256: await sha256Hex(bytes), pages: 1 }, 1);
    const error = await buildSignedPdf({ original: bytes, certificate, labels: englishLabels }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("invalid_pdf");
  });

  it("refuses a truncated original as a damaged PDF before anything else", async () => {
    const bytes = (await samplePdf()).subarray(0, 400);
    const certificate = certificateFor({ sha256: await sha256Hex(bytes), pages: 3 }, 1);
    await expect(buildSignedPdf({ original: bytes, certificate, labels: englishLabels })).rejects.toMatchObject({ code: "invalid_pdf" });
  });
});

/** samplePdf with an incremental update whose /Info is object 5,000,000 (far sparser than any array would hold). */
async function sparsePdf(): Promise<Uint8Array> {
  const bytes = await samplePdf();
  const text = latin1(bytes);
  const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)![1]);
  const root = /\/Root (\d+ \d+ R)/.exec(text)![1];
  const size = /\/Size (\d+)/.exec(text)![1];
  const objectAt = bytes.length;
  const object = "5000000 0 obj\n<< /Title (Sparse) /Producer (hand-made) >>\nendobj\n";
  const xrefAt = objectAt + object.length;
  const update = `${object}xref\n0 1\n0000000000 65535 f \n5000000 1\n${String(objectAt).padStart(10, "0")} 00000 n \ntrailer\n<< /Size ${Math.max(Number(size), 5000001)} /Root ${root} /Info 5000000 0 R /Prev ${startxref} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return ascii(text + update);
}

describe("the original's cross-reference sections, read in one walk", () => {
  const fixtures: Array<[string, () => Promise<Uint8Array> | Uint8Array]> = [
    ["an update with a sparse object number", () => sparsePdf()],
    ["a classic table", () => samplePdf()],
    ["a cross-reference stream with object streams", () => samplePdf({ objectStreams: true })],
    ["a predicted cross-reference stream (qpdf)", () => objectStreamsPdf],
    ["a linearized file", () => linearizedPdf],
    ["a hybrid-reference file", () => hybridPdf()],
    ["PDF 1.3 with a form", () => pdf13WithForm()],
    ["a file with three revisions", async () => (await withEvidence((await withEvidence()).result.bytes, 4)).result.bytes],
  ];
  for (const [name, make] of fixtures) {
    it(`finds every object where pdf-lib's own front-to-back reading finds it: ${name}`, async () => {
      const bytes = await make();
      const header = findHeader(bytes)!;
      const { structure, xref } = await analyseCrossReference(bytes, header);
      expect(structure.kind).toBe(/^\s*xref/.test(latin1(bytes.subarray(structure.base + structure.startxref, structure.base + structure.startxref + 8))) ? "table" : "stream");
      expect(structure.size).toBeGreaterThan(xref.highest);
      expect(xref.size).toBe(xref.numbers().length);
      const doc = await PDFDocument.load(bytes, { updateMetadata: false });
      const reader = new ObjectReader(bytes, structure.base, xref);
      for (const num of xref.numbers()) {
        const entry = xref.get(num)!;
        const ref = PDFRef.of(num, entry.type === "offset" ? entry.generation : 0);
        const ours = await reader.load(ref);
        const theirs = doc.context.lookup(ref);
        if (theirs === undefined) continue; // an object stream or cross-reference stream pdf-lib unpacks and drops
        const shown = (o: unknown) => (o instanceof PDFRawStream ? o.dict.toString() : String(o));
        expect(shown(ours), `object ${num}`).toBe(shown(theirs));
      }
    });
  }

  it("appends to an original with a sparse object number, numbering new objects above it", async () => {
    const bytes = await sparsePdf();
    const { result, doc } = await withEvidence(bytes);
    expect(result.pages).toBe(4);
    expect(doc.getTitle()).toBe("Leieavtale – Storgata 5, 0155 Oslo");
    expect(doc.getProducer()).toBe("hand-made");
    const added = objectNumbers(result.bytes.subarray(bytes.length));
    expect(added.filter((n) => n < 5_000_000).sort((a, b) => a - b)).toEqual(
      [latin1(bytes).match(/\/Pages (\d+) 0 R/)![1], latin1(bytes).match(/\/Root (\d+) 0 R/)![1]].map(Number).sort((a, b) => a - b),
    );
    expect(added.filter((n) => n > 5_000_000).length).toBeGreaterThan(5);
    await expect(inspectPdf(result.bytes, { maxBytes: 10_000_000, maxPages: 100 })).resolves.toMatchObject({ pages: 4 });
  });

  it("refuses an entry that does not point at its object", async () => {
    const text = latin1(await samplePdf());
    const entry = /(\d{10}) 00000 n/.exec(text.slice(text.lastIndexOf("\nxref")))!;
    const moved = String(Number(entry[1]) + 1).padStart(10, "0");
    const bytes = ascii(text.replace(`${entry[1]} 00000 n`, `${moved} 00000 n`));
    const header = findHeader(bytes)!;
    await expect(analyseCrossReference(bytes, header)).rejects.toThrow(StructureError);
  });

  it("inflates with the platform's decoder, and leaves damaged data to pdf-lib's", async () => {
    const source = await PDFDocument.create();
    const data = new TextEncoder().encode("BT /F1 12 Tf (Hello) Tj ET\n".repeat(500));
    const stream = source.context.flateStream(data);
    expect(await inflateNatively(stream)).toEqual(data);
    const damaged = PDFRawStream.of(stream.dict, stream.contents.subarray(0, stream.contents.length - 20));
    expect(await inflateNatively(damaged)).toBeUndefined();
    expect(await inflateNatively(source.context.stream(data))).toBeUndefined(); // no filter: nothing to inflate
  });
});
