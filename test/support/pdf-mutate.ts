/**
 * Seeded mutation of PDF files for the fuzz tests: the same seed gives the same
 * mutants on every run and every machine, so a failure names its seed and can be
 * replayed. Pure (no platform), so workerd (test/integration/pdf-fuzz.test.ts)
 * and Node (test/node/pdf-property.test.mjs, through test/node/entry.ts) share it.
 *
 * The edits aim at what a PDF reader trusts: digits (offsets, lengths, counts,
 * /Prev), whole numbers swapped for extreme ones, keywords and the names that
 * steer a reader (/Prev, /Length, /Kids...), spans deleted or repeated, random
 * bytes, and truncation.
 */

/** mulberry32: a small, fast, well-spread 32-bit generator. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Mutant = {
  /** The file it was made from. */
  source: string;
  /** Replays this mutant: mutate(sourceBytes, seed). */
  seed: number;
  /** What was done, for the failure message. */
  edits: string[];
  bytes: Uint8Array;
};

const KEYWORDS = ["obj", "endobj", "stream", "endstream", "xref", "trailer", "startxref", "R", "/Prev", "/Length", "/Kids", "/Count", "/Size", "/Root", "/Type", "/Pages", "/N", "/First", "/W", "/Index", "/XRefStm", "/Filter", "/FlateDecode", "<<", ">>", "[", "]", "(", ")"];
const NUMBERS = ["0", "1", "-1", "2147483647", "99999999999", "4294967296", "8388608", "3.5"];

const latin1 = (bytes: Uint8Array) => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
};
const fromLatin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** Positions of every match of pattern in text. */
function matches(text: string, pattern: RegExp): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  for (const m of text.matchAll(pattern)) out.push([m.index!, m[0]]);
  return out;
}

/** One to three edits of bytes, chosen by seed. */
export function mutate(bytes: Uint8Array, seed: number): { bytes: Uint8Array; edits: string[] } {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const at = (length: number) => Math.floor(random() * Math.max(1, length));
  let text = latin1(bytes);
  const edits: string[] = [];
  const count = 1 + at(3);
  for (let i = 0; i < count && text.length > 0; i++) {
    const kind = pick(["digit", "digit", "number", "keyword", "keyword", "delete", "repeat", "byte", "truncate"] as const);
    switch (kind) {
      case "digit": {
        const digits = matches(text, /\d/g);
        if (digits.length === 0) break;
        const [pos] = pick(digits);
        const digit = String(at(10));
        text = text.slice(0, pos) + digit + text.slice(pos + 1);
        edits.push(`digit ${pos}=${digit}`);
        break;
      }
      case "number": {
        const numbers = matches(text, /(?<![\w.])\d+(?![\w.])/g);
        if (numbers.length === 0) break;
        const [pos, old] = pick(numbers);
        const value = pick(NUMBERS);
        text = text.slice(0, pos) + value + text.slice(pos + old.length);
        edits.push(`number ${pos}:${old}->${value}`);
        break;
      }
      case "keyword": {
        const from = pick(KEYWORDS);
        const places = matches(text, new RegExp(from.replace(/[[\]()]/g, "\\$&"), "g"));
        if (places.length === 0) break;
        const [pos] = pick(places);
        const to = pick(KEYWORDS);
        text = text.slice(0, pos) + to + text.slice(pos + from.length);
        edits.push(`keyword ${pos}:${from}->${to}`);
        break;
      }
      case "delete": {
        const pos = at(text.length);
        const length = 1 + at(32);
        text = text.slice(0, pos) + text.slice(pos + length);
        edits.push(`delete ${pos}+${length}`);
        break;
      }
      case "repeat": {
        const pos = at(text.length);
        const span = text.slice(pos, pos + 1 + at(64));
        const to = at(text.length);
        text = text.slice(0, to) + span + text.slice(to);
        edits.push(`repeat ${pos}+${span.length}@${to}`);
        break;
      }
      case "byte": {
        const pos = at(text.length);
        const value = at(256);
        text = text.slice(0, pos) + String.fromCharCode(value) + text.slice(pos + 1);
        edits.push(`byte ${pos}=${value}`);
        break;
      }
      case "truncate": {
        const pos = at(text.length);
        text = text.slice(0, pos) + (random() < 0.5 ? "\n%%EOF\n" : "");
        edits.push(`truncate ${pos}`);
        break;
      }
    }
  }
  return { bytes: fromLatin1(text), edits };
}

/** count mutants of the sources, round robin, seeds derived from seed. */
export function mutants(sources: Array<{ file: string; bytes: Uint8Array }>, seed: number, count: number): Mutant[] {
  const out: Mutant[] = [];
  for (let i = 0; i < count; i++) {
    const source = sources[i % sources.length]!;
    const mutantSeed = (seed * 100_003 + i) >>> 0;
    const { bytes, edits } = mutate(source.bytes, mutantSeed);
    out.push({ source: source.file, seed: mutantSeed, edits, bytes });
  }
  return out;
}
