/**
 * A strict little ZIP reader for tests, written apart from src/domain/zip.ts so a bug in
 * the writer is not mirrored here: it finds the end record, walks the central directory,
 * checks each local header against it and each entry's CRC-32 (bit by bit, no table),
 * and fails on anything it does not expect. Stored (method 0) entries only.
 */

export type UnzippedEntry = {
  name: string;
  data: Uint8Array;
  flags: number;
  method: number;
  /** "Version made by": host in the high byte. */
  madeBy: number;
  externalAttributes: number;
  /** The MS-DOS date and time fields, decoded as UTC. */
  modified: Date;
  offset: number;
};

function crc32Bitwise(data: Uint8Array): number {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function fail(message: string): never {
  throw new Error(`unzip: ${message}`);
}

/** Every entry in directory order; throws on a malformed archive or a CRC mismatch. */
export function readZip(bytes: Uint8Array): UnzippedEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  // The end record is the last 22 bytes plus its comment (at most 65,535 bytes).
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (u32(at) === 0x06054b50 && at + 22 + u16(at + 20) === bytes.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail("no end of central directory record");
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0) fail("multi-disk archive");
  const count = u16(eocd + 10);
  if (u16(eocd + 8) !== count) fail("entry counts disagree");
  const dirSize = u32(eocd + 12);
  const dirOffset = u32(eocd + 16);
  if (dirOffset + dirSize !== eocd) fail(`central directory at ${dirOffset}+${dirSize} does not end at the end record (${eocd})`);

  const entries: UnzippedEntry[] = [];
  let at = dirOffset;
  let dataEnd = 0;
  for (let i = 0; i < count; i++) {
    if (u32(at) !== 0x02014b50) fail(`central header ${i} has a bad signature`);
    const madeBy = u16(at + 4);
    const externalAttributes = u32(at + 38);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const time = u16(at + 12);
    const date = u16(at + 14);
    const crc = u32(at + 16);
    const compressed = u32(at + 20);
    const size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    const offset = u32(at + 42);
    const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength);
    const name = decoder.decode(nameBytes);
    at += 46 + nameLength + extraLength + commentLength;

    if (method !== 0) fail(`${name}: method ${method}, only stored entries are read`);
    if (compressed !== size) fail(`${name}: stored entry with different sizes`);
    if (offset !== dataEnd) fail(`${name}: local header at ${offset}, expected ${dataEnd} (gap or overlap)`);
    if (u32(offset) !== 0x04034b50) fail(`${name}: bad local header signature`);
    if (u16(offset + 6) !== flags || u16(offset + 8) !== method) fail(`${name}: local flags or method differ from the directory`);
    if (u16(offset + 10) !== time || u16(offset + 12) !== date) fail(`${name}: local time differs from the directory`);
    if (u32(offset + 14) !== crc || u32(offset + 18) !== compressed || u32(offset + 22) !== size) fail(`${name}: local CRC or sizes differ from the directory`);
    const localNameLength = u16(offset + 26);
    const localExtra = u16(offset + 28);
    const localName = bytes.subarray(offset + 30, offset + 30 + localNameLength);
    if (localNameLength !== nameLength || !localName.every((b, k) => b === nameBytes[k])) fail(`${name}: local name differs`);
    const start = offset + 30 + localNameLength + localExtra;
    const data = bytes.slice(start, start + size);
    if (data.length !== size) fail(`${name}: data runs past the end`);
    if (crc32Bitwise(data) !== crc) fail(`${name}: CRC-32 mismatch`);
    dataEnd = start + size;

    const modified = new Date(Date.UTC(1980 + (date >> 9), ((date >> 5) & 0xf) - 1, date & 0x1f, time >> 11, (time >> 5) & 0x3f, (time & 0x1f) * 2));
    entries.push({ name, data, flags, method, madeBy, externalAttributes, modified, offset });
  }
  if (at !== eocd) fail("central directory size does not match its entries");
  if (dataEnd !== dirOffset) fail("bytes between the last entry and the central directory");
  if (new Set(entries.map((e) => e.name)).size !== entries.length) fail("duplicate names");
  return entries;
}

/** name → bytes. */
export function unzip(bytes: Uint8Array): Map<string, Uint8Array> {
  return new Map(readZip(bytes).map((e) => [e.name, e.data]));
}

/** Reads a whole stream into one array (tests only: archives here are small). */
export async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    length += value.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
