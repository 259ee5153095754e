/**
 * A small streaming ZIP writer (PKWARE APPNOTE 6.3), for "download all my data".
 *
 * Every entry is STORED (method 0), not deflated: the large entries are PDFs, which are
 * compressed already, and the JSON beside them is small. Stored entries also keep the
 * writer simple and its cost predictable: the CRC-32 and both sizes are known before the
 * local header is written, so no data descriptors are needed.
 *
 * Pull-based: the stream asks the entry source for the next entry only when its reader
 * has taken every byte of the previous one, and keeps no reference to an entry once its
 * bytes are handed over, so at most one entry's data (one document, up to 20 MB) is live
 * at a time (test/bench/zip.mjs checks this). Only the central directory (about 50 bytes
 * plus the name per entry) grows with the archive.
 *
 * No ZIP64: an archive of one person's data stays far below the classic limits (4 GiB,
 * 65,535 entries). Rather than write an archive that real tools would misread, the writer
 * refuses (the stream errors) before the first byte of an entry that would cross them;
 * the caller's response then ends as a failed download, never as a broken file that
 * looks complete. Pure: no bindings.
 */

export type ZipEntry = {
  /** Path inside the archive, "/"-separated, UTF-8 (the language-encoding flag is set). */
  name: string;
  /** Shown by unzip tools; written as an MS-DOS date and time in UTC. */
  modified: Date;
  data: Uint8Array;
};

export type ZipLimits = {
  /** The largest entry, and the largest offset of any header or of the central directory. */
  maxBytes: number;
  maxEntries: number;
};

/**
 * 0xFFFFFFFF and 0xFFFF themselves mean "see the ZIP64 record" to readers, so the
 * largest values a classic archive may hold are one less.
 */
export const ZIP_LIMITS: ZipLimits = { maxBytes: 0xfffffffe, maxEntries: 0xfffe };

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
/** 2.0: stored entries in folders. */
const VERSION = 20;
/** Bit 11: the name is UTF-8. */
const FLAG_UTF8 = 0x0800;
const METHOD_STORED = 0;
const MADE_BY_UNIX = 3 << 8;
/** External attributes for a Unix host: st_mode in the high 16 bits, a plain file readable by all. */
const REGULAR_FILE_0644 = (0o100644 << 16) >>> 0;

export class ZipLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZipLimitError";
  }
}

// ---------------------------------------------------------------------------
// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), one table built once.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------
// names and times

/**
 * Refuses a name an unzip tool could write outside its target folder or mangle: empty
 * segments, "." or "..", a leading "/", backslashes, a drive colon, control characters.
 * Refusing (not rewriting) keeps two different names from silently becoming one.
 */
export function checkEntryName(name: string): void {
  const refuse = (why: string) => {
    throw new ZipLimitError(`Invalid entry name ${JSON.stringify(name)}: ${why}`);
  };
  if (name.length === 0) refuse("empty");
  if (name.startsWith("/")) refuse("absolute path");
  if (name.includes("\\")) refuse("backslash");
  if (name.includes(":")) refuse("colon");
  // C0 and C1 controls and DEL; lone surrogates would not survive UTF-8 either.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) refuse("control character");
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(name)) refuse("lone surrogate");
  for (const segment of name.split("/")) {
    if (segment === "" || segment === "." || segment === "..") refuse("empty, \".\" or \"..\" path segment");
  }
}

/** MS-DOS date and time (2-second resolution, 1980 to 2107) of an instant in UTC. */
export function dosDateTime(at: Date): { date: number; time: number } {
  const ms = Math.min(Math.max(at.getTime(), Date.UTC(1980, 0, 1)), Date.UTC(2107, 11, 31, 23, 59, 58));
  const d = new Date(ms);
  return {
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
  };
}

// ---------------------------------------------------------------------------
// records

type Written = { nameBytes: Uint8Array; crc: number; size: number; date: number; time: number; offset: number };

function localHeader(e: Written): Uint8Array {
  const out = new Uint8Array(30 + e.nameBytes.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, LOCAL_HEADER, true);
  v.setUint16(4, VERSION, true);
  v.setUint16(6, FLAG_UTF8, true);
  v.setUint16(8, METHOD_STORED, true);
  v.setUint16(10, e.time, true);
  v.setUint16(12, e.date, true);
  v.setUint32(14, e.crc, true);
  v.setUint32(18, e.size, true); // compressed size: stored, so the same
  v.setUint32(22, e.size, true);
  v.setUint16(26, e.nameBytes.length, true);
  v.setUint16(28, 0, true); // no extra field
  out.set(e.nameBytes, 30);
  return out;
}

function centralHeader(e: Written): Uint8Array {
  const out = new Uint8Array(46 + e.nameBytes.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, CENTRAL_HEADER, true);
  // Made by a Unix host: Info-ZIP's unzip (Debian, macOS) ignores the UTF-8 flag on names
  // from an MS-DOS host and shows "låneavtale" as "l+�neavtale". Windows reads it either way.
  v.setUint16(4, MADE_BY_UNIX | VERSION, true);
  v.setUint16(6, VERSION, true);
  v.setUint16(8, FLAG_UTF8, true);
  v.setUint16(10, METHOD_STORED, true);
  v.setUint16(12, e.time, true);
  v.setUint16(14, e.date, true);
  v.setUint32(16, e.crc, true);
  v.setUint32(20, e.size, true);
  v.setUint32(24, e.size, true);
  v.setUint16(28, e.nameBytes.length, true);
  // 30 extra length, 32 comment length, 34 disk, 36 internal attributes: all 0
  v.setUint32(38, REGULAR_FILE_0644, true);
  v.setUint32(42, e.offset, true);
  out.set(e.nameBytes, 46);
  return out;
}

function endOfCentralDirectory(entries: number, size: number, offset: number): Uint8Array {
  const out = new Uint8Array(22);
  const v = new DataView(out.buffer);
  v.setUint32(0, END_OF_CENTRAL_DIRECTORY, true);
  // 4 this disk, 6 disk with the directory: 0
  v.setUint16(8, entries, true);
  v.setUint16(10, entries, true);
  v.setUint32(12, size, true);
  v.setUint32(16, offset, true);
  // 20 comment length: 0
  return out;
}

/** The archive's bytes in order: each entry's header and data, then the directory and end record. */
async function* zipChunks(entries: AsyncIterable<ZipEntry>, limits: ZipLimits): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  const written: Written[] = [];
  const names = new Set<string>();
  let offset = 0;
  const source = entries[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      // Held in nullable locals and dropped after use: a suspended generator keeps its
      // locals alive, and the previous document must be collectable while the next is made.
      let step: IteratorResult<ZipEntry> | null = await source.next();
      if (step.done) {
        finished = true;
        break;
      }
      const { name, modified } = step.value;
      let data: Uint8Array | null = step.value.data;
      step = null;
      checkEntryName(name);
      if (names.has(name)) throw new ZipLimitError(`Duplicate entry name ${JSON.stringify(name)}`);
      names.add(name);
      if (written.length + 1 > limits.maxEntries) throw new ZipLimitError(`More than ${limits.maxEntries} entries need ZIP64, which this writer does not write`);
      const nameBytes = encoder.encode(name);
      if (nameBytes.length > 0xffff) throw new ZipLimitError("Entry name longer than 65,535 bytes");
      if (data.length > limits.maxBytes) throw new ZipLimitError(`Entry ${name} is larger than ${limits.maxBytes} bytes`);
      const end = offset + 30 + nameBytes.length + data.length;
      // The entry's end is where the next header (or the directory) starts, and must be addressable.
      if (end > limits.maxBytes) throw new ZipLimitError(`The archive would pass ${limits.maxBytes} bytes`);
      const record: Written = { nameBytes, crc: crc32(data), size: data.length, ...dosDateTime(modified), offset };
      written.push(record);
      yield localHeader(record);
      if (data.length > 0) yield data;
      data = null;
      offset = end;
    }
  } finally {
    // Stopped early (cancelled, or refused): let the source close what it holds.
    if (!finished) await source.return?.();
  }
  const directory = written.map(centralHeader);
  const directorySize = directory.reduce((n, d) => n + d.length, 0);
  if (offset + directorySize > limits.maxBytes) throw new ZipLimitError(`The archive would pass ${limits.maxBytes} bytes`);
  for (const d of directory) yield d;
  yield endOfCentralDirectory(written.length, directorySize, offset);
}

/**
 * The archive of `entries` as a byte stream. Nothing is read from `entries` until the
 * stream is read, and each entry only after the previous one's bytes were taken.
 * Cancelling the stream closes the entry source. `limits` is for tests.
 */
export function zipStream(entries: AsyncIterable<ZipEntry>, limits: ZipLimits = ZIP_LIMITS): ReadableStream<Uint8Array> {
  const chunks = zipChunks(entries, limits);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    // No read-ahead: pull runs only when a reader waits.
    { highWaterMark: 0 },
  );
}
