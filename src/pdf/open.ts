/**
 * Opens a PDF strictly: the checks of inspectPdf (at upload). Anything a viewer
 * would have to repair is rejected as damaged. buildSignedPdf (at completion)
 * makes the structural part of these checks (checkCrossReference, the same walk
 * over the cross-reference sections) but never loads the whole file. Every
 * stream read on the way is inflated within one budget per file (see inflate.ts).
 */
import { PDFArray, PDFDict, PDFName, PDFNumber, type PDFObject, PDFRawStream, PDFRef } from "pdf-lib";
import { DomainError } from "../domain/errors";
import { inflateLimits } from "../domain/limits";
import { ContentLexer, ContentSyntaxError } from "./content-lexer";
import { decodeWithin, INFLATE_AT_ONCE_BYTES, InflateBudget, InflateLimitError, inflateNatively } from "./inflate";
import { letParsedGo } from "./pdf-lib-bounds";
import {
  analyseCrossReference,
  checkObjectEnds,
  type CrossReferenceIndex,
  findHeader,
  hasEndMarker,
  mentionsEncryption,
  ObjectReader,
  objectProblem,
  type PdfHeader,
  type PdfStructure,
} from "./structure";

/** Messages shown to the person who uploaded the file. */
export const pdfMessages = {
  notPdf: "This file is not a PDF. Choose a PDF file and upload it again.",
  damaged: "This PDF is damaged and cannot be opened. Export it again and upload the new file.",
  encrypted:
    "This PDF is password-protected. Remove the password (and any editing restrictions) and upload it again.",
  noPages: "This PDF has no pages. Export it again and upload the new file.",
  unpacksTooLarge:
    "This PDF unpacks to far more data than its size suggests, more than Pactly reads from one file. Export it again and upload the new file.",
  tooLarge: (maxBytes: number) =>
    `This PDF is too large. The limit is ${formatMegabytes(maxBytes)}. Make the file smaller and upload it again.`,
  tooManyPages: (pages: number, maxPages: number) =>
    `This PDF has ${pages} pages. The limit is ${maxPages} pages. Split it into smaller documents and upload again.`,
} as const;

function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : Math.round(mb * 10) / 10} MB`;
}

export type OpenedPdf = {
  structure: PdfStructure;
  /** Reads the file's objects one at a time through its cross-reference sections. */
  reader: ObjectReader;
  catalog: PDFDict;
  pages: number;
  version: string;
};

const damaged = () => new DomainError("invalid_pdf", pdfMessages.damaged);
const locked = () => new DomainError("pdf_encrypted", pdfMessages.encrypted);
const unpacksTooLarge = () => new DomainError("pdf_unpacks_too_large", pdfMessages.unpacksTooLarge);

/**
 * The header, an end marker, a chain of cross-reference sections that each point
 * at their objects, no encryption, and where every object is: what upload checks
 * first and what the finalisation path (buildSignedPdf) needs to read the few
 * objects it changes without loading the document. One walk for both.
 */
export async function checkCrossReference(
  bytes: Uint8Array,
  budget: InflateBudget = new InflateBudget(),
): Promise<{ structure: PdfStructure; xref: CrossReferenceIndex }> {
  const header = checkHeader(bytes);
  let found: { structure: PdfStructure; xref: CrossReferenceIndex };
  try {
    found = await analyseCrossReference(bytes, header, budget);
  } catch (error) {
    if (error instanceof InflateLimitError) throw unpacksTooLarge();
    throw mentionsEncryption(bytes) ? locked() : damaged();
  }
  if (found.structure.encrypted) throw locked();
  return found;
}

/** An error met while reading a file's objects, as the uploader's refusal: too much to unpack, or damaged. */
export function readRefusal(error: unknown, budget?: InflateBudget): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof InflateLimitError || budget?.exceeded) return unpacksTooLarge();
  return damaged();
}

function checkHeader(bytes: Uint8Array): PdfHeader {
  const header = findHeader(bytes);
  if (!header) throw new DomainError("not_pdf", pdfMessages.notPdf);
  if (!hasEndMarker(bytes)) throw damaged(); // truncated
  return header;
}

/**
 * Opens bytes as upload does: every check, within the inflate budget. With
 * strict false (the verifier reading a signed file's evidence, which must work
 * on a file someone changed) the checks of what viewers would repair are left
 * out: each object's endobj, the objects' syntax and lengths, and the pages'
 * content, which is then not read at all.
 *
 * The file is never loaded whole: objects are read one at a time through the
 * cross-reference sections, as finalisation reads them, and dropped once checked.
 * Loading a 2,000-page file into pdf-lib took 440 MB and 9 s; a Worker has 128 MB.
 */
export async function openPdf(bytes: Uint8Array, { strict = true }: { strict?: boolean } = {}): Promise<OpenedPdf> {
  const budget = new InflateBudget();
  const { structure, xref } = await checkCrossReference(bytes, budget);
  const reader = new ObjectReader(bytes, structure.base, xref, undefined, budget);
  let catalog: PDFDict;
  let pages: PDFDict[];
  try {
    // The catalog is the one the trailer names; nothing goes looking for another.
    const rootRef = structure.trailer.get(PDFName.of("Root"));
    if (!(rootRef instanceof PDFRef)) throw damaged();
    const root = await reader.load(rootRef);
    if (!(root instanceof PDFDict)) throw damaged();
    catalog = root;
    const tree = catalog.get(PDFName.of("Pages"));
    pages = await pageLeaves(reader, tree);
    const declared = await resolved(reader, tree);
    const count = declared instanceof PDFDict ? await resolved(reader, declared.get(PDFName.of("Count"))) : undefined;
    if (!(count instanceof PDFNumber) || count.asNumber() !== pages.length) throw damaged();
  } catch (error) {
    throw readRefusal(error, budget); // broken page tree
  }
  if (pages.length === 0) throw new DomainError("invalid_pdf", pdfMessages.noPages);
  if (strict) {
    try {
      await checkEveryObject(bytes, structure.base, xref, reader);
    } catch (error) {
      throw readRefusal(error, budget);
    }
    await countContents(reader, pages);
  } else {
    try {
      await inflateObjectStreams(xref, reader);
    } catch (error) {
      throw readRefusal(error, budget);
    }
  }
  return { structure, reader, catalog, pages: pages.length, version: effectiveVersion(structure.header.version, catalog) };
}

/**
 * Every object stream the file places, inflated within the budget, whether or not
 * an entry points into it: the verifier reads no more than it needs, but a file
 * carrying a stream that unpacks past the budget is refused as upload refuses it.
 */
async function inflateObjectStreams(xref: CrossReferenceIndex, reader: ObjectReader): Promise<void> {
  for (const num of xref.numbers()) {
    const entry = xref.get(num);
    if (entry?.type !== "offset") continue;
    await letParsedGo();
    const object = await reader.parseOnce(PDFRef.of(num, entry.generation));
    if (object instanceof PDFRawStream && object.dict.get(PDFName.of("Type")) === PDFName.of("ObjStm")) await reader.inflatedObjectStream(num);
  }
}

/**
 * What viewers repair, refused, in every object the cross-reference sections
 * place in the file, and in each object stream (finalisation reads some of them):
 * an object that does not end with endobj, any object objectProblem finds fault
 * with (deep nesting, integers past 32 bits, bad hex strings), and a stream whose
 * /Length is not a number (directly, or in the object it names) or not where the
 * stream ends. pdf-lib finds the end by searching for "endstream" when /Length is
 * wrong, a reference to the stream itself, or past the end of the file
 * (99999999999); we never repair. Each object is parsed, checked and dropped.
 */
async function checkEveryObject(bytes: Uint8Array, base: number, xref: CrossReferenceIndex, reader: ObjectReader): Promise<void> {
  const check = (object: PDFObject) => {
    if (objectProblem(object)) throw damaged();
    if (!(object instanceof PDFRawStream)) return;
    const length = reader.resolve(object.dict.get(PDFName.of("Length")));
    if (!(length instanceof PDFNumber) || length.asNumber() !== object.contents.length) throw damaged();
  };
  const objectsInStream = new Map<number, number>();
  await checkObjectEnds(bytes, base, xref, async (object, num) => {
    check(object);
    // Streams hold no objects, so every object of an object stream is checked here, once.
    if (object instanceof PDFRawStream && object.dict.get(PDFName.of("Type")) === PDFName.of("ObjStm")) {
      objectsInStream.set(num, await reader.forEachInStream(num, check));
    }
  });
  // Every object an entry places in an object stream is there (finalisation reads some of them this way).
  for (const num of xref.numbers()) {
    const entry = xref.get(num);
    if (entry?.type === "compressed" && !(entry.index < (objectsInStream.get(entry.stream) ?? 0))) throw damaged();
  }
}

/**
 * The page tree's leaves in order, each node visited once: a node met again (a
 * cycle, or a node shared by two parents, which can multiply the page count
 * without limit) makes the tree damaged, as does a kid that is neither.
 */
async function pageLeaves(reader: ObjectReader, root: PDFObject | undefined): Promise<PDFDict[]> {
  const leaves: PDFDict[] = [];
  const seen = new Set<PDFObject>();
  const rootNode = await resolved(reader, root);
  const stack: Array<PDFObject | undefined> = [root];
  while (stack.length > 0) {
    const node = await resolved(reader, stack.pop());
    if (!(node instanceof PDFDict) || seen.has(node)) throw damaged();
    seen.add(node);
    const type = node.get(PDFName.of("Type"));
    if (type === PDFName.of("Page") && node !== rootNode) {
      leaves.push(node);
      continue;
    }
    const kids = await resolved(reader, node.get(PDFName.of("Kids")));
    if (type !== PDFName.of("Pages") || !(kids instanceof PDFArray)) throw damaged();
    // Reversed onto the stack, so pages come off in document order.
    for (let i = kids.size() - 1; i >= 0; i--) stack.push(kids.get(i));
  }
  return leaves;
}

/** object, or what it refers to, through the cross-reference sections. */
async function resolved(reader: ObjectReader, object: PDFObject | undefined): Promise<PDFObject | undefined> {
  return object instanceof PDFRef ? reader.load(object) : object;
}

/**
 * Reads the pages' content streams as they are inflated, without keeping them:
 * what they unpack to is counted (a page that unpacks to hundreds of megabytes is
 * a trap for every signer's viewer, and is refused here rather than passed on),
 * and their strings must close (see ContentLexer): content a viewer has to guess
 * at is damaged.
 */
async function countContents(reader: ObjectReader, pages: PDFDict[]): Promise<void> {
  const budget = new InflateBudget(inflateLimits.contentBytes);
  const counted = new Set<number>(); // object numbers: a stream shared by pages is read once
  // Streams are parsed afresh and dropped once read, not kept for the whole file.
  const fresh = (object: PDFObject | undefined) => (object instanceof PDFRef ? reader.parseOnce(object) : object);
  try {
    for (const page of pages) {
      await letParsedGo();
      const entry = page.get(PDFName.of("Contents"));
      const contents = await fresh(entry);
      if (contents === undefined) continue; // a blank page
      const parts = contents instanceof PDFArray ? contents.asArray() : [entry];
      // A page's content is one stream of tokens, even when split over several streams.
      const lexer = new ContentLexer();
      for (const part of parts) {
        if (part instanceof PDFRef) {
          if (counted.has(part.objectNumber)) continue;
          counted.add(part.objectNumber);
        }
        const stream = part === entry ? contents : await fresh(part);
        if (!(stream instanceof PDFRawStream)) throw damaged(); // /Contents names something other than a stream
        // A small stream is inflated at once; a large one chunk by chunk, never held whole.
        const small = stream.contents.length <= INFLATE_AT_ONCE_BYTES;
        if (small || (await inflateNatively(stream, budget, (chunk) => lexer.feed(chunk))) === undefined) {
          // pdf-lib's decoders (also for another filter, or data the platform refuses), holding no more than the structure's budget at once.
          const once = new InflateBudget(Math.min(budget.remaining, inflateLimits.structureBytes));
          let data: Uint8Array;
          try {
            data = decodeWithin(stream, once);
          } catch {
            if (once.exceeded) budget.fail();
            throw damaged(); // content no reader can decode
          }
          budget.take(data.length);
          lexer.feed(data);
        }
        lexer.feed(SPACE); // streams of a page split between tokens
      }
      lexer.end();
    }
  } catch (error) {
    if (error instanceof InflateLimitError) throw unpacksTooLarge();
    if (error instanceof ContentSyntaxError) throw damaged();
    throw error;
  }
}

const SPACE = Uint8Array.of(0x20);

/** The header's version, unless the catalog's /Version (set by a later update) is newer. */
function effectiveVersion(headerVersion: string, catalog: PDFDict): string {
  const declared = catalog.get(PDFName.of("Version"));
  if (declared instanceof PDFName) {
    const value = declared.decodeText();
    if (/^(1\.[0-7]|2\.0)$/.test(value) && Number(value) > Number(headerVersion)) return value;
  }
  return headerVersion;
}
