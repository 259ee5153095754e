/**
 * Decompression with a byte budget. Neither DecompressionStream nor pdf-lib's
 * decoders limit their output: an 84 KB file can inflate to 256 MiB and kill the
 * isolate, and with it every request in flight. So every byte the PDF reader
 * inflates from one file is counted against one budget as it is produced, and
 * reading stops with InflateLimitError the moment the budget is spent.
 *
 * Only streams the reader needs are ever inflated: cross-reference streams,
 * object streams, and page contents (counted, never kept). Images and embedded
 * files are not (the verifier's evidence bundle is the one embedded file read,
 * within the same budget).
 */
import { concatBytes } from "@noble/hashes/utils.js";
import { Inflate } from "pako";
import {
  decodePDFRawStream,
  PDFArray,
  type PDFContext,
  PDFDict,
  PDFName,
  type PDFObject,
  PDFRawStream,
} from "pdf-lib";
import { inflateLimits } from "../domain/limits";

/** Reading stopped because the file unpacks to more than the budget allows. */
export class InflateLimitError extends Error {
  constructor(readonly limit: number) {
    super(`the file unpacks to more than ${limit} bytes`);
    this.name = "InflateLimitError";
  }
}

/** Bytes one read of one file may still inflate. Shared by every stream of the file. */
export class InflateBudget {
  private used = 0;
  /** Set once the budget ran out, even if a library swallowed the error on its way up. */
  exceeded = false;

  constructor(readonly limit: number = inflateLimits.structureBytes) {}

  get remaining(): number {
    return Math.max(0, this.limit - this.used);
  }

  /** Counts n more bytes; throws InflateLimitError when that is over the budget. */
  take(n: number): void {
    this.used += n;
    if (this.used > this.limit) this.fail();
  }

  /** Gives back bytes counted for output that was then thrown away (a failed attempt). */
  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }

  fail(): never {
    this.exceeded = true;
    throw new InflateLimitError(this.limit);
  }
}

const onlyFlate = (stream: PDFRawStream): boolean => {
  let filter = stream.dict.get(PDFName.of("Filter"));
  if (filter instanceof PDFArray && filter.size() === 1) filter = filter.get(0);
  return filter === PDFName.of("FlateDecode");
};

/**
 * The stream's data through its filter when that is /FlateDecode alone, inflated
 * by the platform (DecompressionStream) and counted chunk by chunk; undefined when
 * the platform's decoder does not apply (another filter, damaged data). With
 * each, the data is handed over chunk by chunk and not kept (page contents), and
 * an empty array returned.
 */
export async function inflateNatively(
  stream: PDFRawStream,
  budget: InflateBudget = new InflateBudget(),
  each?: (chunk: Uint8Array) => void,
): Promise<Uint8Array | undefined> {
  if (!onlyFlate(stream) || typeof DecompressionStream !== "function") return undefined;
  const inflater = new DecompressionStream("deflate");
  const writer = inflater.writable.getWriter();
  // A copy: the contents are a view into the whole file, whose buffer a
  // runtime may detach once written to a stream.
  const written = Promise.all([writer.write(stream.contents.slice()), writer.close()]);
  written.catch(() => {}); // the reader sees the same error
  const reader = inflater.readable.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  /** Set while each runs: its errors are the caller's, not damaged data to fall back on. */
  let visitorFailed = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.length;
      budget.take(value.length);
      if (!each) chunks.push(value);
      else {
        visitorFailed = true;
        each(value);
        visitorFailed = false;
      }
    }
    await written;
  } catch (error) {
    if (error instanceof InflateLimitError || visitorFailed) {
      await reader.cancel().catch(() => {});
      throw error;
    }
    budget.give(length);
    return undefined; // damaged or with bytes after its end: pdf-lib's decoder is more forgiving
  }
  if (each) return new Uint8Array(0);
  return concatBytes(...chunks);
}

/** pdf-lib's decoders (see node_modules/pdf-lib/cjs/core/streams/DecodeStream.js): each stage grows its buffer through ensureBuffer. */
type DecodeStage = {
  buffer: Uint8Array;
  minBufferLength: number;
  ensureBuffer?: (requested: number) => Uint8Array;
  decode(): Uint8Array;
};

const MAX_FILTERS = 4;
const CHUNK = 64 * 1024;

/**
 * /FlateDecode by pako (zlib in JavaScript), synchronously, chunk by chunk: past
 * cap it stops there. pdf-lib's own inflater is lenient with corrupt data that
 * zlib (and so qpdf and most viewers) refuses; pako refuses it too, and like zlib
 * ignores bytes after the end of the data.
 */
function inflateWithin(data: Uint8Array, cap: number, budget: InflateBudget): Uint8Array {
  const inflater = new Inflate({ chunkSize: CHUNK });
  const chunks: Uint8Array[] = [];
  let length = 0;
  inflater.onData = (chunk) => {
    length += chunk.length;
    if (length > cap) budget.fail();
    chunks.push(chunk);
  };
  // Without Z_FINISH, pako ends (ended) only when the data reaches its final block: data cut short is refused, as zlib reports it.
  inflater.push(data, false);
  if (inflater.err) throw new Error(`flate data cannot be inflated: ${inflater.msg}`);
  if (!inflater.ended) throw new Error("flate data cannot be inflated: it ends before its last block");
  return concatBytes(...chunks);
}

/** One filter other than /FlateDecode, by pdf-lib's decoder, its buffer held to cap (it stops mid-block, before the memory is taken). */
function decodeStageWithin(context: PDFContext, data: Uint8Array, filter: PDFName, parms: PDFObject | undefined, cap: number, budget: InflateBudget): Uint8Array {
  const dict = PDFDict.withContext(context);
  dict.set(PDFName.of("Filter"), filter);
  if (parms) dict.set(PDFName.of("DecodeParms"), parms);
  const stage = decodePDFRawStream(PDFRawStream.of(dict, data)) as unknown as DecodeStage;
  if (stage.ensureBuffer) {
    stage.ensureBuffer = (requested: number) => {
      if (requested > cap) budget.fail();
      if (requested <= stage.buffer.byteLength) return stage.buffer;
      let size = stage.minBufferLength;
      while (size < requested) size *= 2;
      const grown = new Uint8Array(Math.min(size, cap));
      grown.set(stage.buffer);
      stage.buffer = grown;
      return grown;
    };
  }
  return stage.decode();
}

/**
 * The stream's data through its filters, synchronously, every stage held to
 * what the budget has left: /FlateDecode by pako, the others by pdf-lib's
 * decoders. (/DecodeParms predictors are left to the caller, as pdf-lib does.)
 */
export function decodeWithin(stream: PDFRawStream, budget: InflateBudget = new InflateBudget()): Uint8Array {
  const filter = stream.dict.lookup(PDFName.of("Filter"));
  const parms = stream.dict.lookup(PDFName.of("DecodeParms"));
  const filters = filter instanceof PDFArray ? filter.asArray().map((f) => stream.dict.context.lookup(f)) : filter === undefined ? [] : [filter];
  if (filters.length > MAX_FILTERS) throw new Error("too many filters");
  const cap = budget.remaining;
  let data = stream.contents;
  filters.forEach((name, i) => {
    if (!(name instanceof PDFName)) throw new Error("a filter that is not a name");
    const parm = parms instanceof PDFArray ? parms.lookup(i) : i === 0 ? parms : undefined;
    data = name === PDFName.of("FlateDecode") ? inflateWithin(data, cap, budget) : decodeStageWithin(stream.dict.context, data, name, parm, cap, budget);
  });
  budget.take(data.length);
  return data;
}

/**
 * Compressed size up to which a stream is inflated at once by pdf-lib's decoders
 * (counted as they grow, like the rest): a trip through the platform's stream
 * costs more than inflating a few kilobytes, and a 2,000-page file has thousands
 * of such streams. Larger ones go through the platform, chunk by chunk.
 */
export const INFLATE_AT_ONCE_BYTES = 16 * 1024;

/** The stream's data, within the budget: at once when small, else natively when it can, else by pdf-lib's decoders. */
export async function decodeStream(stream: PDFRawStream, budget: InflateBudget): Promise<Uint8Array> {
  if (stream.contents.length <= INFLATE_AT_ONCE_BYTES) return decodeWithin(stream, budget);
  return (await inflateNatively(stream, budget)) ?? decodeWithin(stream, budget);
}

