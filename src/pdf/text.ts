/** Text helpers for the certificate layout: cleaning, time format, wrapping. */

export interface Measurer {
  widthOfTextAtSize(text: string, size: number): number;
}

const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;
// Zero-width and bidirectional controls: invisible, and able to make a name look like another.
const INVISIBLE = /[\u200B\u200E\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;

/** One line of plain text: NFC, no control or bidi characters, single spaces. Empty becomes an em dash. */
export function cleanText(value: string | null | undefined): string {
  const text = String(value ?? "")
    .normalize("NFC")
    .replace(CONTROL, " ")
    .replace(INVISIBLE, "")
    .replace(/\s+/g, " ")
    .trim();
  return text === "" ? "\u2014" : text;
}

/**
 * Characters the font cannot draw would print as empty boxes and vanish from
 * copied text; show them as code points instead ("王小明" -> "[U+738B U+5C0F U+660E]"),
 * which stays unambiguous on paper and in extracted text.
 */
export function replaceUncovered(text: string, covered: ReadonlySet<number>): string {
  let out = "";
  let pending: string[] = [];
  const flush = () => {
    if (pending.length > 0) out += `[${pending.join(" ")}]`;
    pending = [];
  };
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    if (covered.has(cp)) {
      flush();
      out += char;
    } else {
      pending.push(`U+${cp.toString(16).toUpperCase().padStart(4, "0")}`);
    }
  }
  flush();
  return out;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** "2026-11-22T14:03:05.123Z" -> "2026-11-22 14:03:05 UTC". Unparseable input is shown as given. */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return cleanText(iso);
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} UTC`
  );
}

/**
 * Widths from a per-character cache: measuring through fontkit's layout costs
 * about 0.15 ms a call, and wrapping 50 signers needs thousands of calls. pdf-lib
 * draws custom-font text as the sum of glyph advances (no kerning), so summing
 * per-character advances gives the same width. Pass `unitWidths` to share the
 * cache between documents that embed the same font (src/pdf/fonts.ts).
 */
export function cachedMeasurer(font: Measurer, unitWidths = new Map<string, number>()): Measurer {
  return {
    widthOfTextAtSize(text: string, size: number): number {
      let width = 0;
      for (const unit of units(text)) {
        let w = unitWidths.get(unit);
        if (w === undefined) {
          w = font.widthOfTextAtSize(unit, 1000) / 1000;
          unitWidths.set(unit, w);
        }
        width += w;
      }
      return width * size;
    },
  };
}

/** Grapheme-ish units: a base character with its combining marks, so a break never strands an accent. */
function units(word: string): string[] {
  return word.match(/\P{M}\p{M}*/gu) ?? [word];
}

/** Splits one word that is wider than the line into pieces that fit. */
function breakWord(word: string, font: Measurer, size: number, maxWidth: number): string[] {
  const pieces: string[] = [];
  let piece = "";
  for (const unit of units(word)) {
    if (piece !== "" && font.widthOfTextAtSize(piece + unit, size) > maxWidth) {
      pieces.push(piece);
      piece = unit;
    } else {
      piece += unit;
    }
  }
  if (piece !== "") pieces.push(piece);
  return pieces;
}

/** Greedy word wrap; words longer than a line are broken between characters. */
export function wrapText(text: string, font: Measurer, size: number, maxWidth: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (word === "") continue;
    const candidate = line === "" ? word : `${line} ${word}`;
    if (font.widthOfTextAtSize(candidate, size) <= maxWidth) {
      line = candidate;
      continue;
    }
    if (line !== "") lines.push(line);
    if (font.widthOfTextAtSize(word, size) <= maxWidth) {
      line = word;
      continue;
    }
    const pieces = breakWord(word, font, size, maxWidth);
    line = pieces.pop() ?? "";
    lines.push(...pieces);
  }
  if (line !== "" || lines.length === 0) lines.push(line);
  return lines;
}

/** A hash on one line if it fits, else in equal halves (quarters...), which are easier to compare by eye. */
export function wrapHash(hash: string, font: Measurer, size: number, maxWidth: number): string[] {
  if (!/^[0-9A-Fa-f]+$/.test(hash)) return wrapText(hash, font, size, maxWidth);
  for (let parts = 1; parts <= hash.length; parts *= 2) {
    const length = Math.ceil(hash.length / parts);
    const lines: string[] = [];
    for (let i = 0; i < hash.length; i += length) lines.push(hash.slice(i, i + length));
    if (lines.every((l) => font.widthOfTextAtSize(l, size) <= maxWidth)) return lines;
  }
  return wrapText(hash, font, size, maxWidth);
}
