/**
 * The signed PDF: the original file byte for byte, followed by an incremental
 * update that appends one or more A4 certificate pages (who signed, when, how,
 * and the hashes that tie the record together).
 *
 * The original is never re-saved: its bytes stay a prefix of the output, so its
 * SHA-256 can still be checked against the certificate, signatures already in it
 * stay valid, and the cost does not grow with the original's size beyond
 * parsing it. Every string on the page comes from the caller (labels from the
 * translation tables, values from the envelope); nothing is hard-coded in a
 * language.
 */
import fontkit from "@pdf-lib/fontkit";
import {
  PDFArray,
  PDFDict,
  type PDFDocument,
  type PDFFont,
  PDFHexString,
  PDFName,
  PDFNumber,
  type PDFObject,
  PDFPage,
  PDFRef,
  PDFString,
  rgb,
  type RGB,
} from "pdf-lib";
import { certificateFonts } from "./fonts";
import { appendIncrement } from "./increment";
import { openPdf } from "./open";
import { trailerId } from "./structure";
import { cachedMeasurer, cleanText, formatUtc, type Measurer, replaceUncovered, wrapHash, wrapText } from "./text";

export type CertificateView = {
  envelopeId: string;
  title: string;
  documentSha256: string;
  originalPages: number;
  /** ISO 8601, UTC. */
  completedAt: string;
  /** Hex SHA-256 of the newest event in the envelope's event chain. */
  eventHead: string;
  signers: Array<{
    name: string;
    email: string;
    /** Already human-readable, in the certificate's language. */
    method: string;
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
  /** "Completed (UTC)" */
  completed: string;
  /** "Signers" */
  signers: string;
  /** "Name" */
  name: string;
  /** "Email" */
  email: string;
  /** "Method" */
  method: string;
  /** "Signed (UTC)" */
  signedAt: string;
  /** "IP address" */
  ipAddress: string;
  /** "Device" */
  device: string;
  /** "Typed name" */
  typedName: string;
  /** "Event chain head" */
  eventChainHead: string;
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
  | { kind: "rule"; y: number; color: RGB };

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

function summaryBlock(view: CertificateView, labels: CertificateLabels, fonts: Fonts): Block {
  return [
    ...rowLines(fonts, labels.envelope, view.envelopeId),
    ...rowLines(fonts, labels.document, view.title, { bold: true }),
    ...rowLines(fonts, labels.documentSha256, view.documentSha256, { hash: true }),
    ...rowLines(fonts, labels.pages, String(view.originalPages)),
    ...rowLines(fonts, labels.completed, formatUtc(view.completedAt)),
    ...rowLines(fonts, labels.eventChainHead, view.eventHead, { hash: true }),
  ];
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
): Block {
  const rows = [
    ...rowLines(fonts, labels.name, signer.name, { bold: true }),
    ...rowLines(fonts, labels.email, signer.email),
    ...rowLines(fonts, labels.method, signer.method),
    ...rowLines(fonts, labels.signedAt, formatUtc(signer.signedAt)),
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
}

/** Lays out and draws the certificate pages into doc (not yet attached to its page tree). */
function drawCertificate(
  doc: PDFDocument,
  fonts: Fonts,
  view: CertificateView,
  labels: CertificateLabels,
  parent: PDFRef,
  firstPageNumber: number,
): PDFRef[] {
  const pageFrame = frame(labels, fonts);
  const capacity = pageFrame.top - pageFrame.bottom;
  const blocks: Block[] = [summaryBlock(view, labels, fonts)];
  view.signers.forEach((signer, index) => {
    const block = signerBlock(signer, index, labels, fonts);
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
    page.node.set(PDFName.of("Parent"), parent);
    page.node.set(PDFName.of("CropBox"), doc.context.obj([0, 0, PAGE_WIDTH, PAGE_HEIGHT]));
    page.node.set(PDFName.of("Rotate"), PDFNumber.of(0));
    drawPage(page, lines, pageFrame, view, labels, fonts, firstPageNumber + i, total);
    return page.ref;
  });
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function buildSignedPdf(input: {
  original: Uint8Array;
  certificate: CertificateView;
  labels: CertificateLabels;
}): Promise<{ bytes: Uint8Array; pages: number }> {
  const { original, certificate, labels } = input;

  // The same strict checks as at upload: a damaged original is never "fixed" here.
  const { doc, structure, pages: originalPages } = await openPdf(original);
  const originalSha256 = await sha256Hex(original);
  if (originalSha256 !== certificate.documentSha256.toLowerCase()) {
    throw new Error("buildSignedPdf: the original's SHA-256 does not match certificate.documentSha256");
  }
  if (originalPages !== certificate.originalPages) {
    throw new Error(
      `buildSignedPdf: the original has ${originalPages} pages, certificate.originalPages is ${certificate.originalPages}`,
    );
  }

  const { context } = doc;
  const pagesRef = doc.catalog.get(PDFName.of("Pages"));
  const pagesRoot = context.lookup(pagesRef);
  if (!(pagesRef instanceof PDFRef) || !(pagesRoot instanceof PDFDict)) {
    throw new Error("buildSignedPdf: the original's page tree root is not an indirect dictionary");
  }

  // New objects take numbers above every number the original has used.
  context.largestObjectNumber = Math.max(context.largestObjectNumber, structure.size - 1);
  const firstNew = context.largestObjectNumber + 1;

  doc.registerFontkit(fontkit);
  const regular = await doc.embedFont(certificateFonts.regular(), { subset: true });
  const bold = await doc.embedFont(certificateFonts.bold(), { subset: true });
  const measure = new Map<PDFFont, Measurer>([
    [regular, cachedMeasurer(regular)],
    [bold, cachedMeasurer(bold)],
  ]);
  const coverage = new Map<PDFFont, ReadonlySet<number>>([
    [regular, new Set(regular.getCharacterSet())],
    [bold, new Set(bold.getCharacterSet())],
  ]);
  const fonts: Fonts = { regular, bold, measure, coverage };
  const certificatePages = drawCertificate(doc, fonts, certificate, labels, pagesRef, originalPages + 1);
  await doc.flush(); // writes the font subsets into the context

  // The only original object that changes: the page tree root gains the new pages.
  const kids = PDFArray.withContext(context);
  const oldKids = pagesRoot.lookup(PDFName.of("Kids"), PDFArray);
  for (let i = 0; i < oldKids.size(); i++) kids.push(oldKids.get(i));
  for (const ref of certificatePages) kids.push(ref);
  const newRoot = pagesRoot.clone(context);
  newRoot.set(PDFName.of("Kids"), kids);
  newRoot.set(PDFName.of("Count"), PDFNumber.of(originalPages + certificatePages.length));

  // Document information: the envelope's title and completion time.
  const changed: Array<[PDFRef, PDFObject]> = [[pagesRef, newRoot]];
  const oldInfoRef = structure.trailer.get(PDFName.of("Info"));
  const oldInfo = oldInfoRef instanceof PDFRef ? context.lookup(oldInfoRef) : undefined;
  const info = oldInfo instanceof PDFDict ? oldInfo.clone(context) : context.obj({});
  info.set(PDFName.of("Title"), PDFHexString.fromText(cleanText(certificate.title)));
  const completed = new Date(certificate.completedAt);
  if (!Number.isNaN(completed.getTime())) info.set(PDFName.of("ModDate"), PDFString.fromDate(completed));
  let infoRef: PDFRef;
  if (oldInfoRef instanceof PDFRef && oldInfo instanceof PDFDict) {
    infoRef = oldInfoRef;
    changed.push([infoRef, info]);
  } else {
    infoRef = context.register(info); // numbered above firstNew: picked up below
  }

  // /ID: keep the original's permanent part; the changing part marks this revision.
  const id = PDFArray.withContext(context);
  const revision = /^[0-9a-f]{32,}$/i.test(certificate.eventHead) ? certificate.eventHead : originalSha256;
  id.push(trailerId(structure.trailer)?.get(0) ?? PDFHexString.of(originalSha256.slice(0, 32)));
  id.push(PDFHexString.of(revision.slice(0, 32).toUpperCase()));

  const added = context.enumerateIndirectObjects().filter(([ref]) => ref.objectNumber >= firstNew);
  const root = structure.trailer.get(PDFName.of("Root")) as PDFRef; // checked by openPdf
  const bytes = appendIncrement(original, structure, context, [...changed, ...added], { root, info: infoRef, id });
  return { bytes, pages: originalPages + certificatePages.length };
}
