/**
 * Low-level checks of a PDF file's skeleton: header, end marker and the chain of
 * cross-reference sections. pdf-lib reads objects front to back and ignores the
 * cross-reference table, so it happily "opens" files whose table is wrong; viewers
 * then repair them silently. We never repair: a file whose table does not point at
 * its objects is damaged. The same walk tells the incremental writer where the last
 * section starts and which form (table or stream) it has.
 */
import {
  PDFArray,
  PDFContext,
  PDFDict,
  PDFName,
  PDFNumber,
  PDFObjectParser,
  PDFRawStream,
  PDFRef,
  decodePDFRawStream,
} from "pdf-lib";

export class StructureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StructureError";
  }
}

export interface PdfHeader {
  /** Byte position of "%PDF-" (normally 0). */
  offset: number;
  /** "1.4", "1.7", "2.0"... */
  version: string;
}

export interface PdfStructure {
  header: PdfHeader;
  /**
   * What the file's byte offsets are counted from: 0, or the header's position
   * when the file has bytes before "%PDF-" and its offsets ignore them.
   */
  base: number;
  /** The value after the last "startxref" (relative to base). */
  startxref: number;
  /** Form of the newest cross-reference section. */
  kind: "table" | "stream";
  /** Trailer dictionary of the newest section (for a stream: the stream's dictionary). */
  trailer: PDFDict;
  /** Largest /Size over every section. */
  size: number;
  /** Any section's trailer has /Encrypt. */
  encrypted: boolean;
}

const HEADER_WINDOW = 1024;
const TAIL_WINDOW = 2048;
const MAX_SECTIONS = 4096;

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const PDF_MAGIC = enc("%PDF-");
const EOF_MARK = enc("%%EOF");
const STARTXREF = enc("startxref");
const XREF = enc("xref");
const TRAILER = enc("trailer");
const XREF_TYPE = enc("/XRef");
const ENCRYPT = enc("/Encrypt");

export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0, to = hay.length): number {
  const first = needle[0];
  const last = Math.min(to, hay.length) - needle.length;
  outer: for (let i = Math.max(0, from); i <= last; i++) {
    if (hay[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export function lastIndexOfBytes(hay: Uint8Array, needle: Uint8Array, from = hay.length, to = 0): number {
  const first = needle[0];
  for (let i = Math.min(from, hay.length - needle.length); i >= Math.max(0, to); i--) {
    if (hay[i] !== first) continue;
    let ok = true;
    for (let j = 1; j < needle.length; j++) {
      if (hay[i + j] !== needle[j]) {
        ok = false;
        break;
      }
    }
    if (ok) return i;
  }
  return -1;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  const stop = Math.min(end, bytes.length);
  for (let i = Math.max(0, start); i < stop; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

const isWhite = (b: number | undefined) =>
  b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x0c || b === 0x00;
const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;

function skipWhite(bytes: Uint8Array, pos: number): number {
  while (pos < bytes.length && isWhite(bytes[pos])) pos++;
  return pos;
}

/** "%PDF-1.x" or "%PDF-2.0" within the first 1024 bytes, or null. */
export function findHeader(bytes: Uint8Array): PdfHeader | null {
  const at = indexOfBytes(bytes, PDF_MAGIC, 0, Math.min(bytes.length, HEADER_WINDOW + PDF_MAGIC.length + 3));
  if (at < 0 || at >= HEADER_WINDOW) return null;
  const match = /^%PDF-(1\.[0-7]|2\.0)(?![0-9])/.exec(latin1(bytes, at, at + 9));
  if (!match || !match[1]) return null;
  return { offset: at, version: match[1] };
}

/** "%%EOF" within the last 2 KB. */
export function hasEndMarker(bytes: Uint8Array): boolean {
  return indexOfBytes(bytes, EOF_MARK, Math.max(0, bytes.length - TAIL_WINDOW)) >= 0;
}

/** The number after the last "startxref" in the last 2 KB, or null. */
function findStartXref(bytes: Uint8Array): number | null {
  const lastEof = lastIndexOfBytes(bytes, EOF_MARK);
  const at = lastIndexOfBytes(bytes, STARTXREF, lastEof, Math.max(0, bytes.length - TAIL_WINDOW));
  if (at < 0) return null;
  let p = skipWhite(bytes, at + STARTXREF.length);
  const start = p;
  while (isDigit(bytes[p])) p++;
  if (p === start || p - start > 12) return null;
  return Number(latin1(bytes, start, p));
}

/** Reads "N G obj" at pos (after optional whitespace); returns the numbers and the position after "obj". */
function readObjectHeader(bytes: Uint8Array, pos: number): { num: number; gen: number; end: number } | null {
  const text = latin1(bytes, pos, pos + 48);
  const match = /^[\0\t\n\f\r ]*(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]*obj(?![A-Za-z])/.exec(text);
  if (!match || !match[1] || !match[2]) return null;
  return { num: Number(match[1]), gen: Number(match[2]), end: pos + match[0].length };
}

function objectAt(bytes: Uint8Array, absolute: number, num: number, gen: number): boolean {
  if (absolute < 0 || absolute >= bytes.length) return false;
  const header = readObjectHeader(bytes, absolute);
  return header !== null && header.num === num && header.gen === gen;
}

interface Section {
  kind: "table" | "stream";
  trailer: PDFDict;
  /** In-use entries that sit directly in the file: [object number, generation, offset]. */
  entries: Array<[number, number, number]>;
  /** Objects stored in object streams: [object number, stream's object number, index in the stream]. */
  compressed: Array<[number, number, number]>;
}

function parseTableSection(bytes: Uint8Array, at: number, context: PDFContext): Section {
  let p = skipWhite(bytes, at + XREF.length);
  const entries: Array<[number, number, number]> = [];
  // Subsections: "first count" then count lines "oooooooooo ggggg n|f".
  while (isDigit(bytes[p])) {
    const head = /^(\d+)[ \t]+(\d+)/.exec(latin1(bytes, p, p + 32));
    if (!head || !head[1] || !head[2]) throw new StructureError("bad xref subsection header");
    const first = Number(head[1]);
    const count = Number(head[2]);
    if (count > bytes.length / 18) throw new StructureError("xref subsection larger than the file");
    p = skipWhite(bytes, p + head[0].length);
    for (let i = 0; i < count; i++) {
      const line = /^(\d{1,10})[ ]+(\d{1,5})[ ]+([nf])/.exec(latin1(bytes, p, p + 24));
      if (!line || !line[1] || !line[2] || !line[3]) throw new StructureError("bad xref entry");
      if (line[3] === "n") entries.push([first + i, Number(line[2]), Number(line[1])]);
      p = skipWhite(bytes, p + line[0].length);
    }
  }
  if (indexOfBytes(bytes, TRAILER, p, p + TRAILER.length) !== p) throw new StructureError("missing trailer");
  const parser = PDFObjectParser.forBytes(bytes.subarray(p + TRAILER.length), context);
  const trailer = parser.parseObject();
  if (!(trailer instanceof PDFDict)) throw new StructureError("trailer is not a dictionary");
  return { kind: "table", trailer, entries, compressed: [] };
}

function parseStreamSection(bytes: Uint8Array, at: number, context: PDFContext): Section {
  const header = readObjectHeader(bytes, at);
  if (!header) throw new StructureError("startxref points at neither a table nor an object");
  const parser = PDFObjectParser.forBytes(bytes.subarray(header.end), context);
  const stream = parser.parseObject();
  if (!(stream instanceof PDFRawStream) || stream.dict.lookup(PDFName.of("Type")) !== PDFName.of("XRef")) {
    throw new StructureError("startxref points at an object that is not a cross-reference stream");
  }
  const compressed: Array<[number, number, number]> = [];
  return { kind: "stream", trailer: stream.dict, entries: xrefStreamEntries(stream, compressed), compressed };
}

/**
 * Entries of a cross-reference stream. pdf-lib's own PDFXRefStreamParser ignores
 * /DecodeParms, so it misreads the PNG-predicted streams that most writers
 * (pdfTeX, qpdf, Acrobat, Word) produce; pdf-lib never uses them, we do.
 */
function xrefStreamEntries(
  stream: PDFRawStream,
  compressed?: Array<[number, number, number]>,
): Array<[number, number, number]> {
  const dict = stream.dict;
  const widths = dict.lookup(PDFName.of("W"));
  if (!(widths instanceof PDFArray) || widths.size() !== 3) throw new StructureError("bad /W");
  const w = widths.asArray().map((n) => (n instanceof PDFNumber ? n.asNumber() : -1));
  if (w.some((n) => n < 0 || n > 8)) throw new StructureError("bad /W");
  const [w0, w1, w2] = w as [number, number, number];
  const rowLength = w0 + w1 + w2;
  if (rowLength === 0) throw new StructureError("bad /W");

  const size = numberIn(dict, "Size") ?? 0;
  const index = dict.lookup(PDFName.of("Index"));
  const subsections: Array<[number, number]> = [];
  if (index instanceof PDFArray) {
    const values = index.asArray().map((n) => (n instanceof PDFNumber ? n.asNumber() : -1));
    for (let i = 0; i + 1 < values.length; i += 2) subsections.push([values[i]!, values[i + 1]!]);
    if (values.length % 2 !== 0 || values.some((n) => n < 0)) throw new StructureError("bad /Index");
  } else {
    subsections.push([0, size]);
  }

  const data = unpredict(decodePDFRawStream(stream).decode(), dict, rowLength);
  const field = (at: number, width: number) => {
    let value = 0;
    for (let i = 0; i < width; i++) value = value * 256 + data[at + i]!;
    return value;
  };
  const entries: Array<[number, number, number]> = [];
  let at = 0;
  for (const [first, count] of subsections) {
    for (let i = 0; i < count; i++, at += rowLength) {
      if (at + rowLength > data.length) throw new StructureError("xref stream shorter than its /Index");
      const type = w0 === 0 ? 1 : field(at, w0);
      if (type === 1) entries.push([first + i, field(at + w0 + w1, w2), field(at + w0, w1)]);
      else if (type === 2) compressed?.push([first + i, field(at + w0, w1), field(at + w0 + w1, w2)]);
    }
  }
  return entries;
}

/** Undoes a /Predictor (PNG 10-15 or TIFF 2, 8 bits per component) from /DecodeParms. */
function unpredict(data: Uint8Array, dict: PDFDict, rowLength: number): Uint8Array {
  let parms = dict.lookup(PDFName.of("DecodeParms"));
  if (parms instanceof PDFArray) parms = parms.lookup(0);
  if (!(parms instanceof PDFDict)) return data;
  const predictor = numberIn(parms, "Predictor") ?? 1;
  if (predictor === 1) return data;
  const colors = numberIn(parms, "Colors") ?? 1;
  const bits = numberIn(parms, "BitsPerComponent") ?? 8;
  const columns = numberIn(parms, "Columns") ?? 1;
  if (colors !== 1 || bits !== 8 || columns !== rowLength) throw new StructureError("unsupported xref predictor");
  if (predictor === 2) {
    const out = data.slice();
    for (let row = 0; row + columns <= out.length; row += columns) {
      for (let i = 1; i < columns; i++) out[row + i] = (out[row + i]! + out[row + i - 1]!) & 0xff;
    }
    return out;
  }
  if (predictor < 10 || predictor > 15) throw new StructureError("unsupported xref predictor");
  // PNG: each row starts with its filter type byte; one byte per pixel.
  const rows = Math.floor(data.length / (columns + 1));
  const out = new Uint8Array(rows * columns);
  let prev = new Uint8Array(columns);
  for (let r = 0; r < rows; r++) {
    const filter = data[r * (columns + 1)]!;
    const src = data.subarray(r * (columns + 1) + 1, (r + 1) * (columns + 1));
    const row = out.subarray(r * columns, (r + 1) * columns);
    for (let i = 0; i < columns; i++) {
      const left = i > 0 ? row[i - 1]! : 0;
      const up = prev[i]!;
      const upLeft = i > 0 ? prev[i - 1]! : 0;
      let value = src[i]!;
      switch (filter) {
        case 0:
          break;
        case 1:
          value += left;
          break;
        case 2:
          value += up;
          break;
        case 3:
          value += (left + up) >> 1;
          break;
        case 4: {
          const p = left + up - upLeft;
          const pa = Math.abs(p - left);
          const pb = Math.abs(p - up);
          const pc = Math.abs(p - upLeft);
          value += pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
          break;
        }
        default:
          throw new StructureError("bad PNG predictor row");
      }
      row[i] = value & 0xff;
    }
    prev = row;
  }
  return out;
}

function parseSection(bytes: Uint8Array, absolute: number, context: PDFContext): Section {
  if (absolute < 0 || absolute >= bytes.length) throw new StructureError("xref offset outside the file");
  const at = skipWhite(bytes, absolute);
  if (indexOfBytes(bytes, XREF, at, at + XREF.length) === at) return parseTableSection(bytes, at, context);
  return parseStreamSection(bytes, at, context);
}

function numberIn(dict: PDFDict, key: string): number | undefined {
  const value = dict.get(PDFName.of(key));
  return value instanceof PDFNumber ? value.asNumber() : undefined;
}

/** Walks every cross-reference section (via /Prev and /XRefStm) and checks that each entry points at its object. */
function walk(bytes: Uint8Array, base: number, startxref: number): Omit<PdfStructure, "header" | "base" | "startxref"> {
  const context = PDFContext.create();
  const seen = new Set<number>();
  const queue: number[] = [startxref];
  let newest: Section | undefined;
  let size = 0;
  let encrypted = false;
  while (queue.length > 0) {
    const offset = queue.shift()!;
    if (seen.has(offset)) continue;
    if (seen.size >= MAX_SECTIONS) throw new StructureError("too many xref sections");
    seen.add(offset);
    const section = parseSection(bytes, base + offset, context);
    newest ??= section;
    for (const [num, gen, at] of section.entries) {
      if (!objectAt(bytes, base + at, num, gen)) throw new StructureError(`xref entry for ${num} ${gen} is wrong`);
    }
    size = Math.max(size, numberIn(section.trailer, "Size") ?? 0);
    if (section.trailer.get(PDFName.of("Encrypt")) !== undefined) encrypted = true;
    const prev = numberIn(section.trailer, "Prev");
    if (prev !== undefined) queue.push(prev);
    const xrefStm = numberIn(section.trailer, "XRefStm");
    if (xrefStm !== undefined) queue.push(xrefStm);
  }
  if (!newest) throw new StructureError("no xref section");
  if (!(newest.trailer.get(PDFName.of("Root")) instanceof PDFRef)) throw new StructureError("trailer has no /Root");
  if (size <= 0) throw new StructureError("trailer has no /Size");
  return { kind: newest.kind, trailer: newest.trailer, size, encrypted };
}

/** Where an object's current version lives. */
export type CrossReferenceEntry =
  | { type: "offset"; /** relative to PdfStructure.base */ offset: number; generation: number }
  | { type: "compressed"; /** object number of the object stream */ stream: number; index: number };

/**
 * The current location of every object, for reading a few objects without
 * loading the document (the seal reads the catalog, one page and the form).
 * Newest wins, in the order readers use: a section, then its /XRefStm (the
 * hidden stream of a hybrid file), then its /Prev. Free entries are skipped
 * rather than treated as deletions: only objects the current catalog reaches
 * are looked up. Call after analyseStructure has accepted the file.
 */
export function readCrossReference(bytes: Uint8Array, structure: PdfStructure): Map<number, CrossReferenceEntry> {
  const context = PDFContext.create();
  const objects = new Map<number, CrossReferenceEntry>();
  const seen = new Set<number>();
  const stack: number[] = [structure.startxref];
  while (stack.length > 0) {
    const offset = stack.pop()!;
    if (seen.has(offset)) continue;
    if (seen.size >= MAX_SECTIONS) throw new StructureError("too many xref sections");
    seen.add(offset);
    const section = parseSection(bytes, structure.base + offset, context);
    for (const [num, generation, at] of section.entries) {
      if (!objects.has(num)) objects.set(num, { type: "offset", offset: at, generation });
    }
    for (const [num, stream, index] of section.compressed) {
      if (!objects.has(num)) objects.set(num, { type: "compressed", stream, index });
    }
    // Last in, first out: the hidden stream before the previous section.
    const prev = numberIn(section.trailer, "Prev");
    if (prev !== undefined) stack.push(prev);
    const xrefStm = numberIn(section.trailer, "XRefStm");
    if (xrefStm !== undefined) stack.push(xrefStm);
  }
  return objects;
}

/**
 * Checks header, end marker and the cross-reference chain. Throws StructureError
 * when the file is damaged; never guesses.
 */
export function analyseStructure(bytes: Uint8Array, header: PdfHeader): PdfStructure {
  const startxref = findStartXref(bytes);
  if (startxref === null) throw new StructureError("no startxref");
  // Offsets count from the first byte; a few writers count from "%PDF-" instead
  // when something precedes it. Accept whichever makes the whole table line up.
  const bases = header.offset > 0 ? [0, header.offset] : [0];
  let lastError: unknown;
  for (const base of bases) {
    try {
      return { header, base, startxref, ...walk(bytes, base, startxref) };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof StructureError ? lastError : new StructureError(String(lastError));
}

/**
 * Looks for /Encrypt in any trailer or cross-reference stream dictionary, without
 * relying on the file being otherwise sound (used to tell "locked" from "damaged").
 */
export function mentionsEncryption(bytes: Uint8Array): boolean {
  for (let at = indexOfBytes(bytes, TRAILER); at >= 0; at = indexOfBytes(bytes, TRAILER, at + 1)) {
    const end = indexOfBytes(bytes, STARTXREF, at, at + 4096);
    if (indexOfBytes(bytes, ENCRYPT, at, end >= 0 ? end : at + 4096) >= 0) return true;
  }
  for (let at = indexOfBytes(bytes, XREF_TYPE); at >= 0; at = indexOfBytes(bytes, XREF_TYPE, at + 1)) {
    const text = latin1(bytes, Math.max(0, at - 2048), at + 2048);
    const here = Math.min(at, 2048);
    const start = text.lastIndexOf("obj", here);
    const end = text.indexOf("stream", here);
    if (start >= 0 && end >= 0 && text.slice(start, end).includes("/Encrypt")) return true;
  }
  return false;
}

/** The /ID array of a trailer as it is, if it is a two-element array. */
export function trailerId(trailer: PDFDict): PDFArray | undefined {
  const id = trailer.get(PDFName.of("ID"));
  return id instanceof PDFArray && id.size() === 2 ? id : undefined;
}
