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
  PDFHexString,
  PDFName,
  PDFNumber,
  type PDFObject,
  PDFObjectParser,
  PDFRawStream,
  PDFRef,
} from "pdf-lib";
import { bytesToLatin1, latin1ToBytes } from "../domain/encoding";
import { decodeStream, decodeWithin, InflateBudget, InflateLimitError } from "./inflate";
import { boundPdfLib, letParsedGo } from "./pdf-lib-bounds";

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
/** PDF's limit on indirect objects (ISO 32000-1, annex C): new objects are numbered from /Size, so it must stay within. */
const MAX_OBJECTS = 8_388_608;
/** Object numbers kept free above a file's for the updates finalisation appends (certificate pages, evidence, seal: far fewer). */
const ROOM_FOR_UPDATES = 65_536;

const PDF_MAGIC = latin1ToBytes("%PDF-");
const EOF_MARK = latin1ToBytes("%%EOF");
const STARTXREF = latin1ToBytes("startxref");
const XREF = latin1ToBytes("xref");
const TRAILER = latin1ToBytes("trailer");
const XREF_TYPE = latin1ToBytes("/XRef");
const ENCRYPT = latin1ToBytes("/Encrypt");

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

/** PDF whitespace: space, LF, CR, tab, form feed, NUL. */
export const isWhite = (b: number | undefined) =>
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
  const match = /^%PDF-(1\.[0-7]|2\.0)(?![0-9])/.exec(bytesToLatin1(bytes, at, at + 9));
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
  return Number(bytesToLatin1(bytes, start, p));
}

/** Reads "N G obj" at pos (after optional whitespace); returns the numbers and the position after "obj". */
function readObjectHeader(bytes: Uint8Array, pos: number): { num: number; gen: number; end: number } | null {
  const text = bytesToLatin1(bytes, pos, pos + 48);
  const match = /^[\0\t\n\f\r ]*(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]*obj(?![A-Za-z])/.exec(text);
  if (!match || !match[1] || !match[2]) return null;
  return { num: Number(match[1]), gen: Number(match[2]), end: pos + match[0].length };
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

function numberIn(dict: PDFDict, key: string): number | undefined {
  const value = dict.get(PDFName.of(key));
  return value instanceof PDFNumber ? value.asNumber() : undefined;
}

/** Where an object's current version lives. */
export type CrossReferenceEntry =
  | { type: "offset"; /** relative to PdfStructure.base */ offset: number; generation: number }
  | { type: "compressed"; /** object number of the object stream */ stream: number; index: number };

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
    const text = bytesToLatin1(bytes, Math.max(0, at - 2048), at + 2048);
    const here = Math.min(at, 2048);
    const start = text.lastIndexOf("obj", here);
    const end = text.indexOf("stream", here);
    if (start >= 0 && end >= 0 && text.slice(start, end).includes("/Encrypt")) return true;
  }
  return false;
}

/** Arrays and dictionaries nested deeper than this are refused (qpdf stops at 500; no real file comes near). */
export const MAX_NESTING = 256;
const INT_MAX = 2 ** 31 - 1;

/**
 * What is wrong with object (references not followed) that pdf-lib lets through
 * and viewers repair, or undefined: arrays and dictionaries nested deeper than
 * MAX_NESTING, an integer outside 32 bits or a reference to an object number
 * PDF cannot have, a hex string with anything but hex digits and whitespace.
 * Iterative, so any depth is safe to ask about.
 */
export function objectProblem(object: PDFObject): string | undefined {
  const stack: Array<[PDFObject, number]> = [[object, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item instanceof PDFNumber) {
      const value = item.asNumber();
      if (Number.isInteger(value) && Math.abs(value) > INT_MAX) return "an integer beyond 32 bits";
      continue;
    }
    if (item instanceof PDFRef) {
      if (item.objectNumber > MAX_OBJECTS || item.generationNumber > 65535) return "a reference beyond the objects a PDF may have";
      continue;
    }
    if (item instanceof PDFHexString) {
      if (!/^[0-9A-Fa-f\0\t\n\f\r ]*$/.test(item.asString())) return "a hex string with other characters";
      continue;
    }
    const inner = item instanceof PDFRawStream ? item.dict : item;
    let children: PDFObject[];
    if (inner instanceof PDFArray) children = inner.asArray();
    else if (inner instanceof PDFDict) children = inner.values();
    else continue;
    if (depth + 1 > MAX_NESTING) return "nested too deep";
    for (const child of children) stack.push([child, depth + 1]);
  }
  return undefined;
}

/** The /ID array of a trailer as it is, if it is a two-element array. */
export function trailerId(trailer: PDFDict): PDFArray | undefined {
  const id = trailer.get(PDFName.of("ID"));
  return id instanceof PDFArray && id.size() === 2 ? id : undefined;
}

// ---------------------------------------------------------------------------
// The one walk over the cross-reference sections, for upload (openPdf), the
// incremental writer (buildSignedPdf) and the seal alike, where the cost must
// not grow with the document: each section parsed once, with no object made per
// entry (a file of 30,000 objects would otherwise make some 100,000 short-lived
// ones), every section visited once (a /Prev or /XRefStm that leads back to a
// section already read is refused, never followed round), and compressed streams inflated by the
// platform's decoder (DecompressionStream, in Workers and Node) within the
// file's inflate budget. Where the platform's decoder does not apply (another
// filter, data it refuses), pdf-lib's decoders run within the same budget.

/**
 * Where objects are (newest section first, a section's /XRefStm before its /Prev),
 * in typed arrays indexed by object number rather than one object per entry.
 * Numbers beyond what the file could plausibly hold densely (a sparse table)
 * go to a small map instead, so the arrays stay smaller than the file.
 */
export class CrossReferenceIndex {
  /** The largest object number in use (0 when none). */
  highest = 0;
  /** 0: no entry yet; 1: at an offset; 2: in an object stream. */
  private type = new Uint8Array(0);
  /** Offset, or the object stream's number. */
  private first = new Float64Array(0);
  /** Generation, or the index in the object stream. */
  private second = new Float64Array(0);
  private readonly sparse = new Map<number, CrossReferenceEntry>();
  private count = 0;

  constructor(private readonly denseLimit: number) {}

  /** Number of objects with a location. */
  get size(): number {
    return this.count;
  }

  get(num: number): CrossReferenceEntry | undefined {
    if (num >= this.denseLimit) return this.sparse.get(num);
    const type = this.type[num];
    if (type === 1) return { type: "offset", offset: this.first[num]!, generation: this.second[num]! };
    if (type === 2) return { type: "compressed", stream: this.first[num]!, index: this.second[num]! };
    return undefined;
  }

  /** Object numbers with a location, ascending. */
  numbers(): number[] {
    const out: number[] = [];
    for (let n = 0; n < this.type.length; n++) if (this.type[n] !== 0) out.push(n);
    return out.concat([...this.sparse.keys()].sort((a, b) => a - b));
  }

  /** Records where num is, unless a newer section already said. */
  set(num: number, type: 1 | 2, first: number, second: number): void {
    if (num > this.highest) this.highest = num;
    if (num >= this.denseLimit) {
      if (!this.sparse.has(num)) {
        this.sparse.set(num, type === 1 ? { type: "offset", offset: first, generation: second } : { type: "compressed", stream: first, index: second });
        this.count++;
      }
      return;
    }
    if (num >= this.type.length) this.grow(num + 1);
    if (this.type[num] !== 0) return;
    this.type[num] = type;
    this.first[num] = first;
    this.second[num] = second;
    this.count++;
  }

  private grow(needed: number): void {
    const length = Math.min(this.denseLimit, Math.max(needed, this.type.length * 2, 1024));
    const type = new Uint8Array(length);
    type.set(this.type);
    const first = new Float64Array(length);
    first.set(this.first);
    const second = new Float64Array(length);
    second.set(this.second);
    this.type = type;
    this.first = first;
    this.second = second;
  }
}

/** objectAt without building strings: "num gen obj" at pos, after optional whitespace, within readObjectHeader's 48 bytes. */
function objectHeaderAt(bytes: Uint8Array, pos: number, num: number, gen: number): boolean {
  if (pos < 0 || pos >= bytes.length) return false;
  const end = Math.min(bytes.length, pos + 48);
  let p = pos;
  const number = (maxDigits: number): number => {
    const start = p;
    let value = 0;
    while (p < end && isDigit(bytes[p])) value = value * 10 + (bytes[p++]! - 0x30);
    return p === start || p - start > maxDigits ? -1 : value;
  };
  while (p < end && isWhite(bytes[p])) p++;
  const n = number(10);
  if (n < 0 || p >= end || !isWhite(bytes[p])) return false;
  while (p < end && isWhite(bytes[p])) p++;
  const g = number(5);
  if (g < 0) return false;
  while (p < end && isWhite(bytes[p])) p++;
  if (p + 3 > end || bytes[p] !== 0x6f || bytes[p + 1] !== 0x62 || bytes[p + 2] !== 0x6a) return false; // "obj"
  const next = p + 3 < end ? bytes[p + 3]! : undefined;
  if (next !== undefined && ((next >= 0x41 && next <= 0x5a) || (next >= 0x61 && next <= 0x7a))) return false;
  return n === num && g === gen;
}

interface SectionVisit {
  kind: "table" | "stream";
  trailer: PDFDict;
}

/** Called for every entry of a section: in use at an offset (1), in an object stream (2), or free (0). */
type EntryVisitor = (num: number, type: 0 | 1 | 2, first: number, second: number) => void;

/** Reads a decimal number of up to maxDigits at p; [value, end] or null. */
function digitsAt(bytes: Uint8Array, p: number, maxDigits: number): [number, number] | null {
  const start = p;
  let value = 0;
  while (isDigit(bytes[p])) value = value * 10 + (bytes[p++]! - 0x30);
  return p === start || p - start > maxDigits ? null : [value, p];
}

/** parseTableSection, visiting entries instead of collecting them (same syntax accepted, same errors). */
function visitTableSection(bytes: Uint8Array, at: number, context: PDFContext, visit: EntryVisitor): SectionVisit {
  let p = skipWhite(bytes, at + XREF.length);
  while (isDigit(bytes[p])) {
    // "first count" (parseTableSection: /^(\d+)[ \t]+(\d+)/ within 32 bytes)
    const window = p + 32;
    const firstField = digitsAt(bytes, p, Infinity);
    let q = firstField ? firstField[1] : p;
    const gapStart = q;
    while (q < window && (bytes[q] === 0x20 || bytes[q] === 0x09)) q++;
    const countField = q > gapStart ? digitsAt(bytes, q, Infinity) : null;
    if (!firstField || !countField || firstField[1] > window || countField[1] > window) {
      throw new StructureError("bad xref subsection header");
    }
    const first = firstField[0];
    const count = countField[0];
    if (count > bytes.length / 18) throw new StructureError("xref subsection larger than the file");
    p = skipWhite(bytes, countField[1]);
    for (let i = 0; i < count; i++) {
      // "oooooooooo ggggg n|f": exactly 10 and 5 digits, one space each side (qpdf warns about and repairs anything looser).
      const offset = digitsAt(bytes, p, 10);
      const generation = offset && offset[1] === p + 10 && bytes[p + 10] === 0x20 ? digitsAt(bytes, p + 11, 5) : null;
      const t = p + 17;
      const flag = bytes[t];
      if (!offset || !generation || generation[1] !== p + 16 || bytes[p + 16] !== 0x20 || (flag !== 0x6e && flag !== 0x66)) {
        throw new StructureError("bad xref entry");
      }
      visit(first + i, flag === 0x6e ? 1 : 0, offset[0], generation[0]);
      p = skipWhite(bytes, t + 1);
    }
  }
  if (indexOfBytes(bytes, TRAILER, p, p + TRAILER.length) !== p) throw new StructureError("missing trailer");
  const trailer = PDFObjectParser.forBytes(bytes.subarray(p + TRAILER.length), context).parseObject();
  if (!(trailer instanceof PDFDict)) throw new StructureError("trailer is not a dictionary");
  return { kind: "table", trailer };
}

/** The rows of a cross-reference stream, handed to visit one by one (xrefStreamEntries collects them). */
function visitStreamRows(dict: PDFDict, decoded: Uint8Array, visit: EntryVisitor): void {
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

  const data = unpredict(decoded, dict, rowLength);
  const field = (at: number, width: number) => {
    let value = 0;
    for (let i = 0; i < width; i++) value = value * 256 + data[at + i]!;
    return value;
  };
  let at = 0;
  for (const [first, count] of subsections) {
    for (let i = 0; i < count; i++, at += rowLength) {
      if (at + rowLength > data.length) throw new StructureError("xref stream shorter than its /Index");
      const type = w0 === 0 ? 1 : field(at, w0);
      if (type === 1) visit(first + i, 1, field(at + w0, w1), field(at + w0 + w1, w2));
      else if (type === 2) visit(first + i, 2, field(at + w0, w1), field(at + w0 + w1, w2));
      else visit(first + i, 0, 0, 0);
    }
  }
}

/** One section, table or stream, visiting its entries (a stream inflated within the budget). */
async function visitSection(
  bytes: Uint8Array,
  absolute: number,
  context: PDFContext,
  visit: EntryVisitor,
  budget: InflateBudget,
): Promise<SectionVisit> {
  if (absolute < 0 || absolute >= bytes.length) throw new StructureError("xref offset outside the file");
  // Exactly at "xref" or the stream's object number: qpdf, for one, warns about (and repairs) an offset that lands on whitespace before them.
  if (isWhite(bytes[absolute])) throw new StructureError("xref offset points at whitespace");
  const at = absolute;
  if (indexOfBytes(bytes, XREF, at, at + XREF.length) === at) return visitTableSection(bytes, at, context, visit);
  const header = readObjectHeader(bytes, at);
  if (!header) throw new StructureError("startxref points at neither a table nor an object");
  const stream = PDFObjectParser.forBytes(bytes.subarray(header.end), context).parseObject();
  if (!(stream instanceof PDFRawStream) || stream.dict.lookup(PDFName.of("Type")) !== PDFName.of("XRef")) {
    throw new StructureError("startxref points at an object that is not a cross-reference stream");
  }
  // A direct /Length, where the data ends (the parser searches for "endstream" otherwise, as a repair would).
  if (numberIn(stream.dict, "Length") !== stream.contents.length) throw new StructureError("cross-reference stream /Length is wrong");
  visitStreamRows(stream.dict, await decodeStream(stream, budget), visit);
  return { kind: "stream", trailer: stream.dict };
}

/**
 * Walks every cross-reference section (via /Prev and /XRefStm), checks that each
 * in-use entry points at its object, and records where each object's newest
 * version is. Each section is read once: a /Prev that points back at a section
 * already read (itself, or one that points back at it) makes the file damaged.
 */
async function walkAndLocate(
  bytes: Uint8Array,
  base: number,
  startxref: number,
  budget: InflateBudget,
): Promise<{ found: Omit<PdfStructure, "header" | "base" | "startxref">; xref: CrossReferenceIndex }> {
  const context = PDFContext.create();
  // Dense up to one object per 16 bytes of file (real files have 50 or more).
  const xref = new CrossReferenceIndex(Math.max(1024, Math.floor(bytes.length / 16)));
  let wrong: string | undefined;
  const visit: EntryVisitor = (num, type, first, second) => {
    if (type === 0) return;
    if (type === 1 && wrong === undefined && !objectHeaderAt(bytes, base + first, num, second)) wrong = `xref entry for ${num} ${second} is wrong`;
    xref.set(num, type, first, second);
  };
  const seen = new Set<number>();
  const stack: number[] = [startxref];
  let newest: SectionVisit | undefined;
  let size = 0;
  let encrypted = false;
  while (stack.length > 0) {
    const offset = stack.pop()!;
    // A /Prev or /XRefStm back to a section already read is a loop; readers that follow it never end.
    if (seen.has(offset)) throw new StructureError("cross-reference sections point back at each other");
    if (seen.size >= MAX_SECTIONS) throw new StructureError("too many xref sections");
    seen.add(offset);
    const section = await visitSection(bytes, base + offset, context, visit, budget);
    if (wrong !== undefined) throw new StructureError(wrong);
    const problem = objectProblem(section.trailer);
    if (problem) throw new StructureError(`the trailer holds ${problem}`);
    newest ??= section;
    size = Math.max(size, numberIn(section.trailer, "Size") ?? 0);
    if (section.trailer.get(PDFName.of("Encrypt")) !== undefined) encrypted = true;
    // Newest wins, in the order readers use: a section's hidden stream before its previous section.
    const prev = numberIn(section.trailer, "Prev");
    const xrefStm = numberIn(section.trailer, "XRefStm");
    // Present but not a number: where the previous section is cannot be known.
    if ((prev === undefined && section.trailer.has(PDFName.of("Prev"))) || (xrefStm === undefined && section.trailer.has(PDFName.of("XRefStm")))) {
      throw new StructureError("a /Prev or /XRefStm that is not a number");
    }
    if (prev !== undefined) stack.push(prev);
    if (xrefStm !== undefined) stack.push(xrefStm);
  }
  if (!newest) throw new StructureError("no xref section");
  if (!(newest.trailer.get(PDFName.of("Root")) instanceof PDFRef)) throw new StructureError("trailer has no /Root");
  if (size <= 0) throw new StructureError("trailer has no /Size");
  // Finalisation numbers its new objects from here on, and they too must stay within the limit.
  if (Math.max(size, xref.highest + 1) > MAX_OBJECTS - ROOM_FOR_UPDATES) throw new StructureError("object numbers too close to the number of objects a PDF may have");
  return { found: { kind: newest.kind, trailer: newest.trailer, size, encrypted }, xref };
}

const ENDOBJ = latin1ToBytes("endobj");
/** PDF delimiters ( ) < > [ ] { } / %: where a token such as endobj may end without whitespace. */
export const isDelimiter = (b: number | undefined) =>
  b === 0x28 || b === 0x29 || b === 0x3c || b === 0x3e || b === 0x5b || b === 0x5d || b === 0x7b || b === 0x7d || b === 0x2f || b === 0x25;

/**
 * Every object an offset entry points at is followed, once parsed, by "endobj"
 * (after whitespace and comments). pdf-lib does not look for it at all; qpdf
 * warns and repairs. Each object is parsed here once more, shown to inspect and
 * dropped, so memory stays flat however many objects the file has, and this
 * belongs to the upload check (openPdf), not to finalisation, whose cost must
 * not grow with the document.
 */
export async function checkObjectEnds(
  bytes: Uint8Array,
  base: number,
  xref: CrossReferenceIndex,
  inspect: (object: PDFObject, num: number) => void | Promise<void> = () => {},
): Promise<void> {
  boundPdfLib();
  const context = PDFContext.create();
  for (const num of xref.numbers()) {
    await letParsedGo();
    const entry = xref.get(num);
    if (entry?.type !== "offset") continue;
    const header = readObjectHeader(bytes, base + entry.offset);
    if (!header) throw new StructureError(`object ${num} is not where its entry says`);
    const parser = PDFObjectParser.forBytes(bytes.subarray(header.end), context);
    const object = parser.parseObject();
    // The parser's position, in the bytes it was given (pdf-lib keeps it protected).
    let p = header.end + (parser as unknown as { bytes: { offset(): number } }).bytes.offset();
    for (;;) {
      p = skipWhite(bytes, p);
      if (bytes[p] !== 0x25) break;
      while (p < bytes.length && bytes[p] !== 0x0a && bytes[p] !== 0x0d) p++; // a comment
    }
    const after = bytes[p + ENDOBJ.length];
    const ends = after === undefined || isWhite(after) || isDelimiter(after);
    if (indexOfBytes(bytes, ENDOBJ, p, p + ENDOBJ.length) !== p || !ends) throw new StructureError(`object ${num} does not end with endobj`);
    await inspect(object, num);
  }
}

/**
 * The file's cross-reference chain, checked, and where every object is: the one
 * reader of cross-reference data for upload, finalisation and the seal. Throws
 * StructureError when the file is damaged, and InflateLimitError when a
 * cross-reference stream unpacks to more than the budget. Never guesses.
 */
export async function analyseCrossReference(
  bytes: Uint8Array,
  header: PdfHeader,
  budget: InflateBudget = new InflateBudget(),
): Promise<{ structure: PdfStructure; xref: CrossReferenceIndex }> {
  boundPdfLib();
  const startxref = findStartXref(bytes);
  if (startxref === null) throw new StructureError("no startxref");
  // Offsets count from the first byte; a few writers count from "%PDF-" instead
  // when something precedes it. Accept whichever makes the whole table line up.
  const bases = header.offset > 0 ? [0, header.offset] : [0];
  let lastError: unknown;
  for (const base of bases) {
    try {
      const { found, xref } = await walkAndLocate(bytes, base, startxref, budget);
      return { structure: { header, base, startxref, ...found }, xref };
    } catch (error) {
      if (error instanceof InflateLimitError) throw error;
      lastError = error;
    }
  }
  throw lastError instanceof StructureError ? lastError : new StructureError(String(lastError));
}

/**
 * Reads single objects of a file through its cross-reference sections (as
 * analyseCrossReference finds them), without loading the
 * document: an object written directly in the file is parsed where its entry
 * points, one in an object stream by decoding that stream (once; kept for the
 * next object from it).
 * Each object is parsed once, so looking it up again gives the same object,
 * which callers comparing objects rely on. Throws StructureError when an entry
 * does not lead to its object.
 *
 * lookup is synchronous (name-tree code walks with it); load does the same
 * after inflating the object's stream natively, and is the faster way in.
 */
export class ObjectReader {
  private readonly objects = new Map<number, PDFObject>();
  private readonly streams = new Map<number, { data: Uint8Array; offsets: number[] }>();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly base: number,
    private readonly xref: { get(num: number): CrossReferenceEntry | undefined },
    /** Context the parsed objects belong to (it is not filled with them). */
    readonly context: PDFContext = PDFContext.create(),
    /** What inflating object streams may take (the file's budget, shared with the walk that found xref). */
    private readonly budget: InflateBudget = new InflateBudget(),
  ) {
    boundPdfLib();
  }

  /** The object ref names, or undefined when no entry (or one of another generation) has it. */
  lookup(ref: PDFRef): PDFObject | undefined {
    const num = ref.objectNumber;
    const entry = this.xref.get(num);
    if (!entry) return undefined;
    if (ref.generationNumber !== (entry.type === "offset" ? entry.generation : 0)) return undefined;
    let object = this.objects.get(num);
    if (object) return object;
    if (entry.type === "offset") {
      object = this.parseAt(this.base + entry.offset, num, entry.generation);
    } else {
      const stream = this.objectStream(entry.stream);
      const start = stream.offsets[entry.index];
      if (start === undefined || start >= stream.data.length) {
        throw new StructureError(`object ${num} is missing from object stream ${entry.stream}`);
      }
      object = PDFObjectParser.forBytes(stream.data.subarray(start), this.context).parseObject();
    }
    this.objects.set(num, object);
    return object;
  }

  /**
   * The object ref names, parsed afresh and not kept (unless an earlier lookup
   * kept it): for reading every object of a file once without holding them all.
   */
  async parseOnce(ref: PDFRef): Promise<PDFObject | undefined> {
    const num = ref.objectNumber;
    const kept = this.objects.get(num);
    if (kept) return kept;
    const entry = this.xref.get(num);
    if (!entry || ref.generationNumber !== (entry.type === "offset" ? entry.generation : 0)) return undefined;
    if (entry.type === "offset") return this.parseAt(this.base + entry.offset, num, entry.generation);
    await this.locate(num); // inflates its object stream once, and checks the object is in it
    const { data, offsets } = this.streams.get(entry.stream)!;
    return PDFObjectParser.forBytes(data.subarray(offsets[entry.index]), this.context).parseObject();
  }

  /**
   * Every object object stream num holds, parsed afresh and handed to visit one at
   * a time: for a check of everything a file holds, also an object stream no
   * entry points into (its data counts against the budget all the same). Returns
   * how many objects the stream holds.
   */
  async forEachInStream(num: number, visit: (object: PDFObject) => void): Promise<number> {
    // Not kept once read, unless already kept: a whole file's object streams would all stay in memory.
    const kept = this.streams.get(num);
    const stream = kept ? undefined : this.streamObject(num);
    const { data, offsets } = kept ?? this.indexObjectStream(num, stream!, await decodeStream(stream!, this.budget));
    for (const start of offsets) {
      if (start >= data.length) throw new StructureError(`object stream ${num} is shorter than its header says`);
      await letParsedGo();
      visit(PDFObjectParser.forBytes(data.subarray(start), this.context).parseObject());
    }
    return offsets.length;
  }

  /** Object stream num inflated (once, within the budget) and indexed. */
  async inflatedObjectStream(num: number): Promise<{ data: Uint8Array; offsets: number[] }> {
    let parsed = this.streams.get(num);
    if (!parsed) {
      const stream = this.streamObject(num);
      parsed = this.indexObjectStream(num, stream, await decodeStream(stream, this.budget));
      this.streams.set(num, parsed);
    }
    return parsed;
  }

  /** lookup, with the object stream that holds ref (if any) inflated first (natively when large). */
  async load(ref: PDFRef): Promise<PDFObject | undefined> {
    const entry = this.xref.get(ref.objectNumber);
    if (entry?.type === "compressed") await this.inflatedObjectStream(entry.stream);
    return this.lookup(ref);
  }

  /**
   * Checks that object num is where its entry says without parsing it: one
   * written in the file by its header, one in an object stream by the stream's
   * index (each stream inflated once). Throws StructureError otherwise.
   */
  async locate(num: number): Promise<void> {
    const entry = this.xref.get(num);
    if (!entry) return;
    if (entry.type === "offset") {
      const header = readObjectHeader(this.bytes, this.base + entry.offset);
      if (!header || header.num !== num || header.gen !== entry.generation) throw new StructureError(`object ${num} is not where its entry says`);
      return;
    }
    const { data, offsets } = await this.inflatedObjectStream(entry.stream);
    const start = offsets[entry.index];
    if (start === undefined || start >= data.length) throw new StructureError(`object ${num} is missing from object stream ${entry.stream}`);
  }

  resolve(object: PDFObject | undefined): PDFObject | undefined {
    return object instanceof PDFRef ? this.lookup(object) : object;
  }

  /** The dictionary ref names; throws StructureError for anything else. */
  dict(ref: PDFRef, what: string): PDFDict {
    const object = this.lookup(ref);
    if (!(object instanceof PDFDict)) throw new StructureError(`the ${what} (${ref.toString()}) is not a dictionary`);
    return object;
  }

  private parseAt(at: number, num: number, gen: number): PDFObject {
    const header = readObjectHeader(this.bytes, at);
    if (!header || header.num !== num || header.gen !== gen) {
      throw new StructureError(`object ${num} ${gen} is not where the cross-reference section says`);
    }
    return PDFObjectParser.forBytes(this.bytes.subarray(header.end), this.context).parseObject();
  }

  private streamObject(num: number): PDFRawStream {
    const entry = this.xref.get(num);
    if (!entry || entry.type !== "offset") throw new StructureError(`object stream ${num} not found`);
    const stream = this.parseAt(this.base + entry.offset, num, entry.generation);
    // Only object streams are ever inflated here: never an image or an embedded file an entry points into.
    if (!(stream instanceof PDFRawStream) || stream.dict.lookup(PDFName.of("Type")) !== PDFName.of("ObjStm")) {
      throw new StructureError(`object ${num} is not an object stream`);
    }
    return stream;
  }

  private objectStream(num: number): { data: Uint8Array; offsets: number[] } {
    let parsed = this.streams.get(num);
    if (!parsed) {
      const stream = this.streamObject(num);
      parsed = this.indexObjectStream(num, stream, decodeWithin(stream, this.budget));
      this.streams.set(num, parsed);
    }
    return parsed;
  }

  /** Where each object of a decoded object stream starts. */
  private indexObjectStream(num: number, stream: PDFRawStream, data: Uint8Array): { data: Uint8Array; offsets: number[] } {
    const count = stream.dict.lookup(PDFName.of("N"));
    const first = stream.dict.lookup(PDFName.of("First"));
    if (!(count instanceof PDFNumber) || !(first instanceof PDFNumber)) {
      throw new StructureError(`object stream ${num} lacks /N or /First`);
    }
    const numbers = bytesToLatin1(data, 0, first.asNumber()).trim().split(/[\0\t\n\f\r ]+/).map(Number);
    const offsets: number[] = [];
    for (let i = 0; i < count.asNumber(); i++) {
      const offset = numbers[2 * i + 1];
      if (offset === undefined || !Number.isInteger(offset) || offset < 0) throw new StructureError(`object stream ${num} has a bad header`);
      offsets.push(first.asNumber() + offset);
    }
    return { data, offsets };
  }
}
