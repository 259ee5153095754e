/**
 * The signed PDF: the original file byte for byte, followed by an incremental
 * update that appends one or more A4 certificate pages (who signed, when, how,
 * and the hashes that tie the record together), a QR code and address where the
 * document can be verified, and, when given, the evidence bundle (JSON) as an
 * embedded file in the same update.
 *
 * The original is never re-saved, nor loaded: its bytes stay a prefix of the
 * output, so its SHA-256 can still be checked against the certificate and
 * signatures already in it stay valid; only the few objects the update changes
 * are read (through the cross-reference sections), and the certificate pages
 * are laid out in a small pdf-lib document of their own whose objects go into
 * the update. Beyond hashing the original and walking its cross-reference
 * sections, the cost does not grow with the original's size (see
 * test/node/bench-seal.mjs).
 *
 * Every string on the page comes from the caller (labels from the translation
 * tables, values from the envelope); nothing is hard-coded in a language.
 */
import {
  fill,
  PDFArray,
  PDFDict,
  PDFDocument,
  type PDFFont,
  PDFHexString,
  PDFName,
  PDFNumber,
  type PDFObject,
  PDFOperator,
  PDFOperatorNames,
  PDFPage,
  PDFRef,
  PDFString,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  rgb,
  type RGB,
  setFillingRgbColor,
} from "pdf-lib";
import { sha256Hex } from "../domain/encoding";
import { DomainError } from "../domain/errors";
import { qrCode } from "../domain/qr";
import type { Locale } from "../i18n/locales";
import { attachFile } from "./attachment";
import { embedPactlyFont } from "./fonts";
import { appendIncrement } from "./increment";
import { InflateBudget } from "./inflate";
import { checkCrossReference, pdfMessages, readRefusal } from "./open";
import { ObjectReader, type PdfStructure, trailerId } from "./structure";
import { cleanText, formatUtc, type Measurer, replaceUncovered, wrapHash, wrapText } from "./text";

export type CertificateView = {
  envelopeId: string;
  title: string;
  documentSha256: string;
  originalPages: number;
  /** ISO 8601, UTC. */
  completedAt: string;
  /** Hex SHA-256 of the newest event in the envelope's event chain. */
  eventHead: string;
  /** The envelope's IANA time zone ("Europe/Oslo"): every time is shown in UTC and in this zone. */
  timeZone: string;
  /** Language of the labels; marks the certificate text's language for screen readers and text extraction. */
  locale: Locale;
  /** Where anyone can verify the document; printed as text, as a link and as a QR code on the first certificate page. */
  verificationUrl: string;
  signers: Array<{
    name: string;
    email: string;
    /** Already human-readable, in the certificate's language. */
    method: string;
    /** eID scheme ("BankID"), shown when present. */
    eidScheme?: string;
    /** Assurance level the eID reported ("high"), shown when present. */
    assuranceLevel?: string;
    /** ISO 8601, UTC. */
    signedAt: string;
    ip: string | null;
    userAgent: string | null;
    typedName: string;
  }>;
};

/** Fixed strings on the page, from the caller's translation table. */
export type CertificateLabels = {
  /** "Signature certificate" */
  heading: string;
  /** "Envelope" */
  envelope: string;
  /** "Document" */
  document: string;
  /** "Document SHA-256" */
  documentSha256: string;
  /** "Pages" */
  pages: string;
  /** "Completed"; the value reads "2026-11-22 14:03:05 UTC (15:03:05 Europe/Oslo)". */
  completed: string;
  /** "Signers" */
  signers: string;
  /** "Name" */
  name: string;
  /** "Email" */
  email: string;
  /** "Method" */
  method: string;
  /** "Signed" (UTC and local time, as for completed). */
  signedAt: string;
  /** "IP address" */
  ipAddress: string;
  /** "Device" */
  device: string;
  /** "Typed name" */
  typedName: string;
  /** "Event chain head" */
  eventChainHead: string;
  /** "eID scheme" (shown for signers that have one) */
  eidScheme: string;
  /** "Assurance level" (shown for signers that have one) */
  assuranceLevel: string;
  /** "Verify" — label beside the verification address and QR code. */
  verification: string;
  /** One sentence under the verification address: what scanning or opening it does. */
  verificationHint: string;
  /** "Evidence file (attached)" — label beside the attachment's file name. */
  evidenceAttached: string;
  /** "Evidence file SHA-256" */
  evidenceSha256: string;
  /** Description of the evidence attachment shown by PDF viewers ("Evidence record of the signing (JSON)"). */
  evidenceDescription: string;
  /** One sentence printed at the foot of every certificate page. */
  footer: string;
};

// ---------------------------------------------------------------------------
// Page geometry (points; A4 portrait).

const PAGE_WIDTH = 595.28;
const PAGE_HEIGHT = 841.89;
const MARGIN_X = 56;
const MARGIN_TOP = 56;
const MARGIN_BOTTOM = 42;
const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X;
const LABEL_WIDTH = 124;
const COLUMN_GAP = 12;
const VALUE_X = MARGIN_X + LABEL_WIDTH + COLUMN_GAP;
const VALUE_WIDTH = CONTENT_WIDTH - LABEL_WIDTH - COLUMN_GAP;

const HEADING_SIZE = 18;
const SECTION_SIZE = 12;
const LABEL_SIZE = 8.5;
const VALUE_SIZE = 9.5;
const FOOTER_SIZE = 7.5;
const LINE = 13; // line height of a label/value row
const ROW_GAP = 3.5;

const INK = rgb(0.08, 0.08, 0.08);
const MUTED = rgb(0.36, 0.36, 0.36);
const RULE = rgb(0.78, 0.78, 0.78);

// ---------------------------------------------------------------------------
// Layout: content is a list of blocks, a block a list of lines. A block is kept
// on one page when it fits on a page; otherwise it flows line by line.

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  /** Cached width measurement for each font. */
  measure: Map<PDFFont, Measurer>;
  /** Code points each font can draw. */
  coverage: Map<PDFFont, ReadonlySet<number>>;
}

const measurer = (fonts: Fonts, font: PDFFont): Measurer => fonts.measure.get(font) ?? font;

/** Caller-supplied text made safe to draw in font: one clean line, undrawable characters as code points. */
function printable(fonts: Fonts, font: PDFFont, value: string | null | undefined): string {
  const text = cleanText(value);
  const coverage = fonts.coverage.get(font);
  return coverage ? replaceUncovered(text, coverage) : text;
}

type Op =
  | { kind: "text"; text: string; x: number; baseline: number; size: number; font: PDFFont; color: RGB }
  | { kind: "rule"; y: number; color: RGB }
  /** A QR code: `modules` dark/light cells, `module` points each, top-left corner of the symbol at (x, y), quiet zone around it. */
  | { kind: "qr"; x: number; y: number; module: number; quiet: number; modules: boolean[][] }
  /** A clickable area (link annotation) opening `url`. */
  | { kind: "link"; x: number; y: number; width: number; height: number; url: string };

interface Line {
  height: number;
  /** Only spacing: dropped at the top of a page. */
  spacer?: boolean;
  /** Positions are relative to the line's top edge (baseline and y measured downwards). */
  ops: Op[];
}

type Block = Line[];

const spacer = (height: number): Line => ({ height, spacer: true, ops: [] });

function rowLines(fonts: Fonts, label: string, value: string, options: { bold?: boolean; hash?: boolean } = {}): Line[] {
  const valueFont = options.bold ? fonts.bold : fonts.regular;
  const labels = wrapText(printable(fonts, fonts.regular, label), measurer(fonts, fonts.regular), LABEL_SIZE, LABEL_WIDTH);
  const text = printable(fonts, valueFont, value);
  const values = options.hash
    ? wrapHash(text, measurer(fonts, valueFont), VALUE_SIZE, VALUE_WIDTH)
    : wrapText(text, measurer(fonts, valueFont), VALUE_SIZE, VALUE_WIDTH);
  const count = Math.max(labels.length, values.length);
  const lines: Line[] = [];
  for (let i = 0; i < count; i++) {
    const ops: Op[] = [];
    const baseline = VALUE_SIZE + 0.5;
    const l = labels[i];
    if (l) ops.push({ kind: "text", text: l, x: MARGIN_X, baseline, size: LABEL_SIZE, font: fonts.regular, color: MUTED });
    const v = values[i];
    if (v) ops.push({ kind: "text", text: v, x: VALUE_X, baseline, size: VALUE_SIZE, font: valueFont, color: INK });
    lines.push({ height: LINE + (i === count - 1 ? ROW_GAP : 0), ops });
  }
  return lines;
}

// ---------------------------------------------------------------------------
// Times: UTC, and the local time of the envelope's time zone.

const zoneFormats = new Map<string, Intl.DateTimeFormat | null>();

function zoneFormat(timeZone: string): Intl.DateTimeFormat | null {
  let format = zoneFormats.get(timeZone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat("en-US", {
        timeZone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        hourCycle: "h23",
      });
    } catch {
      format = null; // not a time zone this runtime knows: UTC only
    }
    zoneFormats.set(timeZone, format);
  }
  return format;
}

/**
 * "2026-11-22 14:03:05 UTC (15:03:05 Europe/Oslo)"; the local date is added
 * when it differs from the UTC date ("2026-11-22 23:30:00 UTC (2026-11-23
 * 00:30:00 Europe/Oslo)"). UTC only for a UTC zone or one the runtime does not know.
 */
export function formatUtcAndLocal(iso: string, timeZone: string): string {
  const utc = formatUtc(iso);
  const date = new Date(iso);
  if (typeof timeZone !== "string" || timeZone.trim() === "") return utc;
  const zone = cleanText(timeZone);
  const format = zoneFormat(timeZone);
  if (Number.isNaN(date.getTime()) || !format || /^(Etc\/)?(UTC|UCT|GMT|Zulu|Universal)$/i.test(timeZone)) return utc;
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(date)) parts[part.type] = part.value;
  const localDate = `${parts.year}-${parts.month}-${parts.day}`;
  const localTime = `${parts.hour}:${parts.minute}:${parts.second}`;
  const sameDay = utc.startsWith(localDate);
  return `${utc} (${sameDay ? "" : `${localDate} `}${localTime} ${zone})`;
}

function summaryBlock(view: CertificateView, labels: CertificateLabels, fonts: Fonts, evidence: EvidenceSummary | null): Block {
  return [
    ...rowLines(fonts, labels.envelope, view.envelopeId),
    ...rowLines(fonts, labels.document, view.title, { bold: true }),
    ...rowLines(fonts, labels.documentSha256, view.documentSha256, { hash: true }),
    ...rowLines(fonts, labels.pages, String(view.originalPages)),
    ...rowLines(fonts, labels.completed, formatUtcAndLocal(view.completedAt, view.timeZone)),
    ...rowLines(fonts, labels.eventChainHead, view.eventHead, { hash: true }),
    ...(evidence
      ? [
          ...rowLines(fonts, labels.evidenceAttached, evidence.filename),
          ...rowLines(fonts, labels.evidenceSha256, evidence.sha256, { hash: true }),
        ]
      : []),
  ];
}

interface EvidenceSummary {
  filename: string;
  sha256: string;
}

// ---------------------------------------------------------------------------
// Verification: address, hint and QR code (vector: one rectangle per run of dark modules).

const QR_QUIET = 4; // modules of light margin on every side, as the QR standard asks
const QR_TARGET = 96; // points across, quiet zone included (about 34 mm)
const QR_MAX = 170;
const QR_GAP = 14;

function verificationBlock(view: CertificateView, labels: CertificateLabels, fonts: Fonts): Block {
  const url = cleanText(view.verificationUrl);
  if (url === "\u2014") return [];
  const qr = qrCode(url); // null when longer than a QR code holds: the address alone
  const count = (qr?.size ?? 0) + 2 * QR_QUIET;
  // 1.5 to 3 points a module (0.5 to 1 mm: scannable from paper), and never wider than QR_MAX.
  const module = qr ? Math.min(3, Math.max(1.5, QR_TARGET / count), QR_MAX / count) : 0;
  const qrSide = count * module;

  const textWidth = VALUE_WIDTH - (qr ? qrSide + QR_GAP : 0);
  const ops: Op[] = [];
  // Text starts level with the symbol, not with its quiet zone.
  let y = QR_QUIET * module;
  const labelLines = wrapText(printable(fonts, fonts.bold, labels.verification), measurer(fonts, fonts.bold), LABEL_SIZE, LABEL_WIDTH);
  labelLines.forEach((text, i) => {
    ops.push({ kind: "text", text, x: MARGIN_X, baseline: y + VALUE_SIZE + 0.5 + i * LINE, size: LABEL_SIZE, font: fonts.bold, color: INK });
  });
  const urlLines = wrapText(printable(fonts, fonts.regular, url), measurer(fonts, fonts.regular), VALUE_SIZE, textWidth);
  const urlTop = y;
  for (const text of urlLines) {
    ops.push({ kind: "text", text, x: VALUE_X, baseline: y + VALUE_SIZE + 0.5, size: VALUE_SIZE, font: fonts.regular, color: INK });
    y += LINE;
  }
  const urlWidth = Math.max(...urlLines.map((l) => measurer(fonts, fonts.regular).widthOfTextAtSize(l, VALUE_SIZE)));
  ops.push({ kind: "link", x: VALUE_X, y: urlTop, width: urlWidth, height: y - urlTop + 3, url });
  y += 3;
  for (const text of wrapText(printable(fonts, fonts.regular, labels.verificationHint), measurer(fonts, fonts.regular), LABEL_SIZE, textWidth)) {
    ops.push({ kind: "text", text, x: VALUE_X, baseline: y + LABEL_SIZE + 0.5, size: LABEL_SIZE, font: fonts.regular, color: MUTED });
    y += LINE - 1.5;
  }

  y = Math.max(y, labelLines.length * LINE);
  if (qr) {
    const qrX = PAGE_WIDTH - MARGIN_X - qrSide;
    ops.push({ kind: "qr", x: qrX, y: 0, module, quiet: QR_QUIET, modules: qr.modules });
    ops.push({ kind: "link", x: qrX, y: 0, width: qrSide, height: qrSide, url });
  }
  return [spacer(10), { height: Math.max(y, qrSide) + ROW_GAP, ops }];
}

function signersHeading(view: CertificateView, labels: CertificateLabels, fonts: Fonts): Line[] {
  const text = `${printable(fonts, fonts.bold, labels.signers)} (${view.signers.length})`;
  return [
    spacer(14),
    {
      height: 22,
      ops: [{ kind: "text", text, x: MARGIN_X, baseline: SECTION_SIZE, size: SECTION_SIZE, font: fonts.bold, color: INK }],
    },
  ];
}

function signerBlock(
  signer: CertificateView["signers"][number],
  index: number,
  labels: CertificateLabels,
  fonts: Fonts,
  timeZone: string,
): Block {
  const rows = [
    ...rowLines(fonts, labels.name, signer.name, { bold: true }),
    ...rowLines(fonts, labels.email, signer.email),
    ...rowLines(fonts, labels.method, signer.method),
    ...(signer.eidScheme ? rowLines(fonts, labels.eidScheme, signer.eidScheme) : []),
    ...(signer.assuranceLevel ? rowLines(fonts, labels.assuranceLevel, signer.assuranceLevel) : []),
    ...rowLines(fonts, labels.signedAt, formatUtcAndLocal(signer.signedAt, timeZone)),
    ...rowLines(fonts, labels.ipAddress, signer.ip ?? ""),
    ...rowLines(fonts, labels.device, signer.userAgent ?? ""),
    ...rowLines(fonts, labels.typedName, signer.typedName),
  ];
  // The signer's number hangs in the left margin beside the name.
  const number = String(index + 1);
  const numberWidth = fonts.bold.widthOfTextAtSize(number, VALUE_SIZE);
  rows[0]!.ops.push({
    kind: "text",
    text: number,
    x: MARGIN_X - 10 - numberWidth,
    baseline: VALUE_SIZE + 0.5,
    size: VALUE_SIZE,
    font: fonts.bold,
    color: MUTED,
  });
  return [spacer(6), { height: 8, ops: [{ kind: "rule", y: 0, color: RULE }] }, ...rows];
}

interface PageFrame {
  top: number; // y of the first content line's top edge
  bottom: number; // lowest y content may reach
  footerLines: string[];
}

function frame(labels: CertificateLabels, fonts: Fonts): PageFrame {
  const footerLines = wrapText(printable(fonts, fonts.regular, labels.footer), measurer(fonts, fonts.regular), FOOTER_SIZE, CONTENT_WIDTH);
  const footerHeight = 10 + 11 + footerLines.length * 10; // rule gap, id line, sentence
  return {
    top: PAGE_HEIGHT - MARGIN_TOP - HEADING_SIZE - 16,
    bottom: MARGIN_BOTTOM + footerHeight + 8,
    footerLines,
  };
}

/** Distributes blocks over pages. */
function paginate(blocks: Block[], capacity: number): Line[][] {
  const pages: Line[][] = [[]];
  let remaining = capacity;
  const newPage = () => {
    pages.push([]);
    remaining = capacity;
  };
  const place = (line: Line) => {
    const page = pages[pages.length - 1]!;
    if (line.spacer && page.length === 0) return;
    if (line.height > remaining && page.length > 0) newPage();
    if (line.spacer && pages[pages.length - 1]!.length === 0) return;
    pages[pages.length - 1]!.push(line);
    remaining -= line.height;
  };
  for (const block of blocks) {
    const height = block.reduce((sum, line) => sum + line.height, 0);
    const current = pages[pages.length - 1]!;
    if (height > remaining && height <= capacity && current.length > 0) newPage();
    for (const line of block) place(line);
  }
  return pages;
}

function drawPage(
  page: PDFPage,
  lines: Line[],
  pageFrame: PageFrame,
  view: CertificateView,
  labels: CertificateLabels,
  fonts: Fonts,
  pageNumber: number,
  totalPages: number,
): void {
  // Everything on the page is in the labels' language (a marked-content span with /Lang).
  page.pushOperators(
    PDFOperator.of(PDFOperatorNames.BeginMarkedContentSequence, [
      PDFName.of("Span"),
      page.doc.context.obj({ Lang: PDFString.of(view.locale === "nb" ? "nb-NO" : "en") }) as unknown as PDFName,
    ]),
  );
  const links: PDFRef[] = [];
  page.drawText(printable(fonts, fonts.bold, labels.heading), {
    x: MARGIN_X,
    y: PAGE_HEIGHT - MARGIN_TOP - HEADING_SIZE,
    size: HEADING_SIZE,
    font: fonts.bold,
    color: INK,
  });

  let top = pageFrame.top;
  for (const line of lines) {
    for (const op of line.ops) {
      if (op.kind === "text") {
        page.drawText(op.text, { x: op.x, y: top - op.baseline, size: op.size, font: op.font, color: op.color });
      } else if (op.kind === "qr") {
        drawQr(page, op, top - op.y);
      } else if (op.kind === "link") {
        links.push(linkAnnotation(page, op, top - op.y));
      } else {
        page.drawLine({
          start: { x: MARGIN_X, y: top - op.y },
          end: { x: PAGE_WIDTH - MARGIN_X, y: top - op.y },
          thickness: 0.5,
          color: op.color,
        });
      }
    }
    top -= line.height;
  }

  // Footer: rule, envelope id and page number, then the caller's sentence.
  let y = MARGIN_BOTTOM + pageFrame.footerLines.length * 10 + 11;
  page.drawLine({
    start: { x: MARGIN_X, y: y + 10 },
    end: { x: PAGE_WIDTH - MARGIN_X, y: y + 10 },
    thickness: 0.5,
    color: RULE,
  });
  const id = printable(fonts, fonts.regular, view.envelopeId);
  page.drawText(id, { x: MARGIN_X, y: y + 1, size: FOOTER_SIZE, font: fonts.regular, color: MUTED });
  const numbering = `${pageNumber}/${totalPages}`;
  const numberingWidth = fonts.regular.widthOfTextAtSize(numbering, FOOTER_SIZE);
  page.drawText(numbering, {
    x: PAGE_WIDTH - MARGIN_X - numberingWidth,
    y: y + 1,
    size: FOOTER_SIZE,
    font: fonts.regular,
    color: MUTED,
  });
  for (const text of pageFrame.footerLines) {
    y -= 10;
    page.drawText(text, { x: MARGIN_X, y: y + 1, size: FOOTER_SIZE, font: fonts.regular, color: MUTED });
  }
  page.pushOperators(PDFOperator.of(PDFOperatorNames.EndMarkedContent));
  if (links.length > 0) page.node.set(PDFName.of("Annots"), page.doc.context.obj(links));
}

/** The symbol as filled rectangles in one path: a white square (quiet zone included), then each horizontal run of dark modules. */
function drawQr(page: PDFPage, op: Extract<Op, { kind: "qr" }>, top: number): void {
  const n = op.modules.length;
  const side = (n + 2 * op.quiet) * op.module;
  const ops: PDFOperator[] = [pushGraphicsState(), setFillingRgbColor(1, 1, 1), rectangle(op.x, top - side, side, side), fill()];
  ops.push(setFillingRgbColor(0, 0, 0));
  const left = op.x + op.quiet * op.module;
  const symbolTop = top - op.quiet * op.module;
  const r = (v: number) => Math.round(v * 1000) / 1000;
  op.modules.forEach((row, y) => {
    for (let x = 0; x < row.length; x++) {
      if (!row[x]) continue;
      let end = x;
      while (end + 1 < row.length && row[end + 1]) end++;
      ops.push(rectangle(r(left + x * op.module), r(symbolTop - (y + 1) * op.module), r((end - x + 1) * op.module), r(op.module)));
      x = end;
    }
  });
  ops.push(fill(), popGraphicsState());
  page.pushOperators(...ops);
}

function linkAnnotation(page: PDFPage, op: Extract<Op, { kind: "link" }>, top: number): PDFRef {
  const { context } = page.doc;
  return context.register(
    context.obj({
      Type: "Annot",
      Subtype: "Link",
      Rect: [op.x, top - op.height, op.x + op.width, top],
      Border: [0, 0, 0],
      F: 4, // print
      P: page.ref,
      A: { Type: "Action", S: "URI", URI: PDFString.of(escapeLiteral(op.url)) },
    }),
  );
}

/** A literal string's body for an ASCII value: backslashes and parentheses escaped (PDFString.of does not). */
function escapeLiteral(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, (c) => encodeURI(c)).replace(/[\\()]/g, (c) => `\\${c}`);
}

/**
 * Lays out and draws the certificate pages into doc, a document of their own;
 * each page's /Parent is set to parent, the original's page tree root (the
 * caller adds the pages to its /Kids).
 */
function drawCertificate(
  doc: PDFDocument,
  fonts: Fonts,
  view: CertificateView,
  labels: CertificateLabels,
  parent: PDFRef,
  firstPageNumber: number,
  evidence: EvidenceSummary | null,
): PDFRef[] {
  const pageFrame = frame(labels, fonts);
  const capacity = pageFrame.top - pageFrame.bottom;
  const blocks: Block[] = [summaryBlock(view, labels, fonts, evidence), verificationBlock(view, labels, fonts)];
  view.signers.forEach((signer, index) => {
    const block = signerBlock(signer, index, labels, fonts, view.timeZone);
    // Keep the "Signers" heading with the first signer.
    blocks.push(index === 0 ? [...signersHeading(view, labels, fonts), ...block] : block);
  });
  if (view.signers.length === 0) blocks.push(signersHeading(view, labels, fonts));

  const pages = paginate(blocks, capacity);
  const total = firstPageNumber - 1 + pages.length;
  return pages.map((lines, i) => {
    const page = PDFPage.create(doc);
    page.setSize(PAGE_WIDTH, PAGE_HEIGHT);
    // Set what a page would otherwise inherit from the original's page tree.
    page.node.set(PDFName.of("CropBox"), doc.context.obj([0, 0, PAGE_WIDTH, PAGE_HEIGHT]));
    page.node.set(PDFName.of("Rotate"), PDFNumber.of(0));
    drawPage(page, lines, pageFrame, view, labels, fonts, firstPageNumber + i, total);
    // Only now: parent is the original's page tree root, which doc does not hold
    // (pdf-lib looks parents up while drawing).
    page.node.set(PDFName.of("Parent"), parent);
    return page.ref;
  });
}

export async function buildSignedPdf(input: {
  original: Uint8Array;
  certificate: CertificateView;
  labels: CertificateLabels;
  /** The evidence bundle's JSON bytes, embedded as an attachment (AFRelationship /Supplement) in the same update. */
  evidence?: { json: Uint8Array; filename: string };
}): Promise<{ bytes: Uint8Array; pages: number }> {
  const { original, certificate, labels, evidence } = input;

  // The structural checks made at upload (a damaged original is never "fixed"
  // here), and the hash: with it matching, these are the very bytes that
  // passed inspectPdf's full check when they were uploaded.
  const budget = new InflateBudget();
  const { structure, xref } = await checkCrossReference(original, budget);
  const originalSha256 = await sha256Hex(original);
  if (originalSha256 !== certificate.documentSha256.toLowerCase()) {
    throw new Error("buildSignedPdf: the original's SHA-256 does not match certificate.documentSha256");
  }

  // Only the objects the update changes are read: catalog, page tree root,
  // document information, and the embedded files' name tree on the way to
  // its new entry. Nothing else of the original is parsed.
  const reader = new ObjectReader(original, structure.base, xref, undefined, budget);
  const { root, catalog, pagesRef, pagesRoot, kids, pages: originalPages, info: oldInfo } = await readOriginal(reader, structure);
  if (originalPages !== certificate.originalPages) {
    throw new Error(
      `buildSignedPdf: the original has ${originalPages} pages, certificate.originalPages is ${certificate.originalPages}`,
    );
  }

  // The certificate pages are laid out in a document of their own, whose new
  // objects take numbers above every number the original uses (some writers,
  // pdfunite among them, put a /Size below their highest object number). Its
  // own catalog and page tree (numbers 1 and 2) are never written.
  let firstNew = Math.max(structure.size, xref.highest + 1);
  const layout = await PDFDocument.create({ updateMetadata: false });
  const { context } = layout;
  context.largestObjectNumber = Math.max(context.largestObjectNumber, firstNew - 1);
  firstNew = context.largestObjectNumber + 1;

  const regularFont = await embedPactlyFont(layout, "regular");
  const boldFont = await embedPactlyFont(layout, "bold");
  const regular = regularFont.font;
  const bold = boldFont.font;
  const measure = new Map<PDFFont, Measurer>([
    [regular, regularFont.measure],
    [bold, boldFont.measure],
  ]);
  const coverage = new Map<PDFFont, ReadonlySet<number>>([
    [regular, regularFont.characterSet],
    [bold, boldFont.characterSet],
  ]);
  const fonts: Fonts = { regular, bold, measure, coverage };
  const evidenceSummary = evidence ? { filename: evidence.filename, sha256: await sha256Hex(evidence.json) } : null;
  const certificatePages = drawCertificate(layout, fonts, certificate, labels, pagesRef, originalPages + 1, evidenceSummary);
  await layout.flush(); // writes the font subsets into the context

  // The page tree root gains the new pages (as direct /Kids: the old ones, then ours).
  const newKids = PDFArray.withContext(context);
  for (const kid of kids) newKids.push(kid);
  for (const ref of certificatePages) newKids.push(ref);
  const newRoot = pagesRoot.clone(context);
  newRoot.set(PDFName.of("Kids"), newKids);
  newRoot.set(PDFName.of("Count"), PDFNumber.of(originalPages + certificatePages.length));
  const changed: Array<[PDFRef, PDFObject]> = [[pagesRef, newRoot]];

  // Document information: the envelope's title and completion time.
  const oldInfoRef = structure.trailer.get(PDFName.of("Info"));
  const info = oldInfo instanceof PDFDict ? oldInfo.clone(context) : context.obj({});
  info.set(PDFName.of("Title"), PDFHexString.fromText(cleanText(certificate.title)));
  const completed = new Date(certificate.completedAt);
  if (!Number.isNaN(completed.getTime())) info.set(PDFName.of("ModDate"), PDFString.fromDate(completed));
  let infoRef: PDFRef;
  if (oldInfoRef instanceof PDFRef && oldInfo instanceof PDFDict) {
    infoRef = oldInfoRef;
    changed.push([infoRef, info]);
  } else {
    infoRef = context.register(info); // numbered from firstNew: picked up below
  }

  // The evidence bundle: an embedded file, listed in the catalog's name tree and /AF.
  if (evidence) {
    const attached = attachFile(
      context,
      catalog,
      {
        bytes: evidence.json,
        filename: evidence.filename,
        mimeType: "application/json",
        description: cleanText(labels.evidenceDescription),
        relationship: "Supplement",
        ...(Number.isNaN(completed.getTime()) ? {} : { modified: completed }),
      },
      (ref) => readOrDamaged(() => reader.lookup(ref)),
    );
    changed.push([root, attached.catalog], ...attached.changed);
  }
  const numbers = changed.map(([ref]) => ref.objectNumber);
  if (new Set(numbers).size !== numbers.length) throw damaged(); // e.g. /Info is the catalog

  // /ID: keep the original's permanent part; the changing part marks this revision.
  const id = PDFArray.withContext(context);
  const revision = /^[0-9a-f]{32,}$/i.test(certificate.eventHead) ? certificate.eventHead : originalSha256;
  id.push(trailerId(structure.trailer)?.get(0) ?? PDFHexString.of(originalSha256.slice(0, 32)));
  id.push(PDFHexString.of(revision.slice(0, 32).toUpperCase()));

  const added = context.enumerateIndirectObjects().filter(([ref]) => ref.objectNumber >= firstNew);
  const bytes = appendIncrement(original, structure, context, [...changed, ...added], { root, info: infoRef, id });
  return { bytes, pages: originalPages + certificatePages.length };
}

const damaged = () => new DomainError("invalid_pdf", pdfMessages.damaged);

/**
 * Runs a read of the original's objects: an object that is not where its
 * entry says, or does not parse, makes the file damaged (as openPdf's full
 * load would have found).
 */
function readOrDamaged<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw readRefusal(error);
  }
}

interface OriginalObjects {
  root: PDFRef;
  catalog: PDFDict;
  pagesRef: PDFRef;
  pagesRoot: PDFDict;
  /** The page tree root's /Kids as they are (references, in order). */
  kids: PDFObject[];
  /** The page tree root's /Count. */
  pages: number;
  /** The trailer's /Info, if any. */
  info: PDFObject | undefined;
}

/**
 * The objects of the original the update changes or extends, read through the
 * cross-reference sections: catalog, page tree root, document information, and
 * the start of the embedded files' name tree (attachFile reads on from there).
 * The page count is the root's /Count: inspectPdf compared it with the pages
 * themselves when this file was uploaded, and the file is byte for byte the
 * one it checked (its SHA-256 is the certificate's).
 */
async function readOriginal(reader: ObjectReader, structure: PdfStructure): Promise<OriginalObjects> {
  // As readOrDamaged, for reads that first inflate object streams natively.
  try {
    const load = async (object: PDFObject | undefined) => (object instanceof PDFRef ? reader.load(object) : object);
    const root = structure.trailer.get(PDFName.of("Root"));
    if (!(root instanceof PDFRef)) throw damaged();
    const catalog = await load(root);
    if (!(catalog instanceof PDFDict)) throw damaged();
    const pagesRef = catalog.get(PDFName.of("Pages"));
    if (!(pagesRef instanceof PDFRef)) throw damaged();
    const pagesRoot = await load(pagesRef);
    if (!(pagesRoot instanceof PDFDict) || pagesRoot.get(PDFName.of("Type")) !== PDFName.of("Pages")) throw damaged();
    const kids = await load(pagesRoot.get(PDFName.of("Kids")));
    const count = await load(pagesRoot.get(PDFName.of("Count")));
    if (!(kids instanceof PDFArray) || !(count instanceof PDFNumber)) throw damaged();
    const pages = count.asNumber();
    if (!Number.isInteger(pages) || pages < 0) throw damaged();
    if (pages === 0) throw new DomainError("invalid_pdf", pdfMessages.noPages);
    const kidRefs = kids.asArray();
    if (kidRefs.some((kid) => !(kid instanceof PDFRef))) throw damaged();
    const info = await load(structure.trailer.get(PDFName.of("Info")));
    // Brought in now so that attachFile's reads need no slow decoding.
    const names = await load(catalog.get(PDFName.of("Names")));
    if (names instanceof PDFDict) await load(names.get(PDFName.of("EmbeddedFiles")));
    await load(catalog.get(PDFName.of("AF")));
    return { root, catalog, pagesRef, pagesRoot, kids: kidRefs, pages, info };
  } catch (error) {
    throw readRefusal(error);
  }
}
