/**
 * An agreement written in Pactly, as the PDF the parties sign: A4, the bundled
 * DejaVu Sans (so æ, ø, å and any Latin, Greek or Cyrillic name print and can be
 * copied out as text), the title, numbered sections, key facts as a two-column
 * table, lists with hanging bullets, the sender's own paragraphs, a signature
 * block naming the parties, and "page n of N" with the title on every page.
 *
 * It draws the same `AgreementDocument` the signers read as HTML, so the two say
 * the same thing. Saved with a classic cross-reference table (no object streams),
 * the most widely readable form, which the seal's incremental update builds on.
 */
import { PDFDocument, type PDFFont, type PDFPage, rgb, type RGB } from "pdf-lib";
import { type AgreementDocument, blanksOf, type Block, type Inline, inlineText, numberedHeadings } from "../agreements/document";
import { agreementTable } from "../agreements/text";
import { embedPactlyFont } from "./fonts";
import { type Measurer, replaceUncovered, wrapText } from "./text";

const PAGE: [number, number] = [595.28, 841.89];
const MARGIN_X = 64;
const MARGIN_TOP = 64;
const MARGIN_BOTTOM = 64;
const FOOTER_Y = 34;
const WIDTH = PAGE[0] - 2 * MARGIN_X;

const TITLE = 18;
const HEADING = 12.5;
const BODY = 10.5;
const SMALL = 9;
const LEADING = 1.42;
const BULLET_INDENT = 14;
const LABEL_WIDTH = 150;
const COLUMN_GAP = 20;

const INK = rgb(0.07, 0.07, 0.07);
const MUTED = rgb(0.33, 0.33, 0.33);
const RULE = rgb(0.75, 0.75, 0.75);

type Fonts = { regular: PDFFont; bold: PDFFont; measure: Map<PDFFont, Measurer>; covered: Map<PDFFont, ReadonlySet<number>> };

type Op =
  | { kind: "text"; text: string; x: number; baseline: number; size: number; font: PDFFont; color: RGB }
  | { kind: "rule"; x: number; width: number; y: number };

/** One line of the layout; positions inside are measured down from its top edge. */
type Line = { height: number; ops: Op[]; space?: boolean; keepWithNext?: boolean };

function printable(fonts: Fonts, font: PDFFont, text: string): string {
  return replaceUncovered(text.replace(/[\u0000-\u001F\u007F-\u009F]/g, " "), fonts.covered.get(font)!);
}

/** Wrapped lines of one paragraph in one font; a line of text is `size × LEADING` high. */
function textLines(fonts: Fonts, text: string, opts: { font?: PDFFont; size?: number; color?: RGB; x?: number; width?: number } = {}): Line[] {
  const font = opts.font ?? fonts.regular;
  const size = opts.size ?? BODY;
  const x = opts.x ?? MARGIN_X;
  const width = opts.width ?? WIDTH - (x - MARGIN_X);
  const words = printable(fonts, font, text).replace(/[ \t\r\n]+/g, " ").trim();
  return wrapText(words, fonts.measure.get(font)!, size, width).map((line) => ({
    height: size * LEADING,
    ops: [{ kind: "text", text: line, x, baseline: size, size, font, color: opts.color ?? INK }],
  }));
}

const space = (height: number): Line => ({ height, ops: [], space: true });
/** A thin horizontal rule across `width`, `y` below the top of a line `height` high. */
const rule = (height: number, y: number, x = MARGIN_X, width = WIDTH): Line => ({ height, ops: [{ kind: "rule", x, width, y }] });

function plain(text: Inline[]): string {
  const blanks = text.filter((t) => typeof t !== "string");
  if (blanks.length > 0) throw new Error("An agreement with blanks cannot be printed");
  return inlineText(text);
}

/** Two columns side by side: the label (muted) and the value, as many lines as the longer one. */
function labelled(fonts: Fonts, label: string, value: string): Line[] {
  const left = textLines(fonts, label, { size: SMALL, color: MUTED, width: LABEL_WIDTH - 8 });
  const right = textLines(fonts, value, { x: MARGIN_X + LABEL_WIDTH });
  const lines: Line[] = [];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    lines.push({ height: BODY * LEADING, ops: [...(left[i]?.ops.map((op) => ({ ...op, baseline: BODY })) ?? []), ...(right[i]?.ops ?? [])] });
  }
  return lines;
}

function blockLines(fonts: Fonts, block: Block): Line[] {
  switch (block.kind) {
    case "paragraph": {
      const text = plain(block.text);
      const lines = [...textLines(fonts, text), space(5)];
      // A lead-in ("Known faults:") stays on the page of what it introduces.
      return text.endsWith(":") ? lines.map((l) => ({ ...l, keepWithNext: true })) : lines;
    }
    case "list":
      return [
        ...block.items.flatMap((item) => {
          const lines = textLines(fonts, plain(item), { x: MARGIN_X + BULLET_INDENT });
          lines[0]!.ops.push({ kind: "text", text: "•", x: MARGIN_X + 3, baseline: BODY, size: BODY, font: fonts.regular, color: INK });
          return [...lines, space(2)];
        }),
        space(3),
      ];
    case "table":
      return [
        ...textLines(fonts, block.caption, { font: fonts.bold, size: SMALL, color: MUTED }),
        rule(4, 1),
        ...block.rows.flatMap((row) => [...labelled(fonts, row.label, plain(row.value)), rule(5, 2.5)]),
        space(5),
      ];
    case "freeText":
      return block.paragraphs.flatMap((lines) => [...lines.flatMap((line) => textLines(fonts, line)), space(5)]);
  }
}

function heading(fonts: Fonts, text: string, size = HEADING): Line[] {
  return [space(10), ...textLines(fonts, text, { font: fonts.bold, size }).map((l) => ({ ...l, keepWithNext: true })), { ...space(3), keepWithNext: true }];
}

/** Two signature boxes side by side per row: role, name, "Signed electronically". */
function signatureLines(fonts: Fonts, doc: AgreementDocument): Line[] {
  const column = (WIDTH - COLUMN_GAP) / 2;
  const lines: Line[] = [];
  for (let i = 0; i < doc.parties.length; i += 2) {
    const boxes = doc.parties.slice(i, i + 2).map((party, j) => {
      const x = MARGIN_X + j * (column + COLUMN_GAP);
      return [
        rule(8, 0, x, column),
        ...textLines(fonts, party.role, { x, width: column, size: SMALL, color: MUTED }),
        ...textLines(fonts, plain(party.name), { x, width: column, font: fonts.bold }),
        ...textLines(fonts, doc.signatures.signedLabel, { x, width: column, size: SMALL, color: MUTED }),
      ];
    });
    // Merge the two columns line by line, so a row of boxes stays on one page.
    const rows = Math.max(...boxes.map((b) => b.length));
    const merged: Line[] = [];
    for (let r = 0; r < rows; r++) {
      const parts = boxes.map((b) => b[r]).filter((l): l is Line => Boolean(l));
      merged.push({ height: Math.max(...parts.map((p) => p.height)), ops: parts.flatMap((p) => p.ops), keepWithNext: r < rows - 1 });
    }
    lines.push(...merged, space(14));
  }
  return lines;
}

function layout(fonts: Fonts, doc: AgreementDocument): Line[] {
  const headings = numberedHeadings(doc);
  const lines: Line[] = [...textLines(fonts, doc.title, { font: fonts.bold, size: TITLE }), space(8), ...textLines(fonts, plain(doc.intro)), space(4)];
  lines.push(...heading(fonts, headings.parties));
  for (const party of doc.parties) {
    lines.push(...textLines(fonts, party.role, { size: SMALL, color: MUTED }).map((l) => ({ ...l, keepWithNext: true })));
    lines.push(...textLines(fonts, plain(party.name), { font: fonts.bold }));
    for (const row of party.rows) lines.push(...labelled(fonts, row.label, plain(row.value)));
    lines.push(space(8));
  }
  doc.sections.forEach((section, i) => {
    lines.push(...heading(fonts, headings.sections[i]!));
    for (const block of section.blocks) lines.push(...blockLines(fonts, block));
  });
  // The signature section (heading, sentence, first row of boxes) is kept on one page.
  const keep = (l: Line): Line => ({ ...l, keepWithNext: true });
  lines.push(...heading(fonts, headings.signatures), ...textLines(fonts, doc.signatures.text).map(keep), keep(space(12)));
  lines.push(...signatureLines(fonts, doc));
  lines.push(space(6), ...textLines(fonts, doc.note, { size: SMALL - 0.5, color: MUTED }));
  return lines;
}

/** Lines onto pages: headings stay with what follows them; spacing is dropped at the top of a page. */
function paginate(lines: Line[], capacity: number): Line[][] {
  const pages: Line[][] = [[]];
  let used = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let needed = line.height;
    // A heading (and a signature box) moves to the next page with the line after it.
    for (let j = i; lines[j]?.keepWithNext && j + 1 < lines.length; j++) needed += lines[j + 1]!.height;
    const page = pages[pages.length - 1]!;
    if (used + Math.min(needed, capacity) > capacity && page.length > 0) {
      pages.push([]);
      used = 0;
    }
    if (line.space && pages[pages.length - 1]!.length === 0) continue;
    pages[pages.length - 1]!.push(line);
    used += line.height;
  }
  return pages;
}

function drawLines(page: PDFPage, lines: Line[]): void {
  let top = PAGE[1] - MARGIN_TOP;
  for (const line of lines) {
    for (const op of line.ops) {
      if (op.kind === "text") page.drawText(op.text, { x: op.x, y: top - op.baseline, size: op.size, font: op.font, color: op.color });
      else page.drawLine({ start: { x: op.x, y: top - op.y }, end: { x: op.x + op.width, y: top - op.y }, thickness: 0.5, color: RULE });
    }
    top -= line.height;
  }
}

function drawFooter(page: PDFPage, fonts: Fonts, title: string, numbering: string): void {
  const measure = fonts.measure.get(fonts.regular)!;
  const right = printable(fonts, fonts.regular, numbering);
  const rightWidth = measure.widthOfTextAtSize(right, SMALL - 1);
  const left = wrapText(printable(fonts, fonts.regular, title), measure, SMALL - 1, WIDTH - rightWidth - 24)[0] ?? "";
  page.drawLine({ start: { x: MARGIN_X, y: FOOTER_Y + 12 }, end: { x: PAGE[0] - MARGIN_X, y: FOOTER_Y + 12 }, thickness: 0.5, color: RULE });
  page.drawText(left, { x: MARGIN_X, y: FOOTER_Y, size: SMALL - 1, font: fonts.regular, color: MUTED });
  page.drawText(right, { x: PAGE[0] - MARGIN_X - rightWidth, y: FOOTER_Y, size: SMALL - 1, font: fonts.regular, color: MUTED });
}

/** Renders a complete agreement (no blanks) to PDF bytes. `createdAt` (ISO) dates the file. */
export async function renderAgreementPdf(doc: AgreementDocument, options: { createdAt?: string } = {}): Promise<{ bytes: Uint8Array; pages: number }> {
  const blanks = blanksOf(doc);
  if (blanks.length > 0) throw new Error(`An agreement with blanks cannot be printed: ${blanks.join(", ")}`);
  const pdf = await PDFDocument.create();
  const regular = await embedPactlyFont(pdf, "regular");
  const bold = await embedPactlyFont(pdf, "bold");
  const fonts: Fonts = {
    regular: regular.font,
    bold: bold.font,
    measure: new Map([
      [regular.font, regular.measure],
      [bold.font, bold.measure],
    ]),
    covered: new Map([
      [regular.font, regular.characterSet],
      [bold.font, bold.characterSet],
    ]),
  };

  const pages = paginate(layout(fonts, doc), PAGE[1] - MARGIN_TOP - MARGIN_BOTTOM);
  const table = agreementTable(doc.locale);
  pages.forEach((lines, i) => {
    const page = pdf.addPage(PAGE);
    drawLines(page, lines);
    const numbering = table["common.page"].replace("{page}", String(i + 1)).replace("{pages}", String(pages.length));
    drawFooter(page, fonts, doc.title, numbering);
  });

  const created = options.createdAt ? new Date(options.createdAt) : new Date();
  pdf.setTitle(doc.title, { showInWindowTitleBar: true });
  pdf.setLanguage(doc.locale === "nb" ? "nb-NO" : "en-GB");
  pdf.setCreator("Pactly");
  pdf.setProducer("Pactly");
  pdf.setCreationDate(created);
  pdf.setModificationDate(created);
  const bytes = await pdf.save({ useObjectStreams: false });
  return { bytes, pages: pages.length };
}
