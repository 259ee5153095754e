/**
 * Embedded files ("attachments") for the incremental writer, and reading them back.
 *
 * Writing: an EmbeddedFile stream (compressed, with /Subtype, /Params /Size,
 * /CheckSum and /ModDate), a Filespec with /AFRelationship, an entry in the
 * catalog's /Names /EmbeddedFiles name tree and in the catalog's /AF array.
 * Existing name trees (a leaf root or a tree of /Kids with /Limits) are
 * preserved and the entry inserted in key order; only the nodes on the path to
 * it are rewritten. Nothing is written here: the caller puts the returned
 * objects into its increment.
 *
 * Reading: every embedded file reachable from the catalog (the name tree and /AF),
 * decoded, with its declared size and MD5 checksum compared to the bytes.
 */
import { md5 } from "@noble/hashes/legacy.js";
import {
  PDFArray,
  PDFContext,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  type PDFObject,
  PDFRawStream,
  PDFRef,
  PDFString,
} from "pdf-lib";
import { bytesToHex, bytesToLatin1, latin1ToBytes } from "../domain/encoding";
import { decodeWithin, InflateBudget, InflateLimitError } from "./inflate";

export type AttachmentRelationship = "Source" | "Data" | "Alternative" | "Supplement" | "EncryptedPayload" | "FormData" | "Schema" | "Unspecified";

export interface NewAttachment {
  bytes: Uint8Array;
  /** File name shown by viewers; any Unicode (kept in /UF; /F gets an ASCII fallback). */
  filename: string;
  /** MIME type, e.g. "application/json". */
  mimeType: string;
  /** Shown by viewers beside the file name. */
  description?: string;
  relationship: AttachmentRelationship;
  modified?: Date;
}

/** ASCII stand-in for a file name, safe inside a literal string: "lån (1).json" -> "l_n _1_.json". */
export function asciiFilename(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9 ._+-]/g, "_").trim();
  return safe === "" ? "attachment" : safe;
}

/** Raw bytes of a string object, for ordering name-tree keys (byte-wise, as the spec orders them). */
function keyBytes(key: PDFObject | undefined): string | null {
  if (key instanceof PDFString || key instanceof PDFHexString) return bytesToLatin1(key.asBytes());
  return null;
}

/** Finds an indirect object: a loaded document's context, or a reader of single objects (ObjectReader). */
export type Lookup = (ref: PDFRef) => PDFObject | undefined;

const contextLookup = (context: PDFContext): Lookup => (ref) => context.lookup(ref);

function resolve(lookup: Lookup, object: PDFObject | undefined): PDFObject | undefined {
  return object instanceof PDFRef ? lookup(object) : object;
}

type Changed = Map<PDFRef, PDFObject>;

/**
 * Inserts key -> value below node, returning the node's replacement. Indirect
 * nodes below are replaced in `changed` under their own references.
 */
function insertIntoNode(
  context: PDFContext,
  lookup: Lookup,
  node: PDFDict,
  key: PDFString,
  value: PDFRef,
  changed: Changed,
  depth: number,
): PDFDict {
  if (depth > 32) throw new Error("embedded file name tree is too deep");
  const k = keyBytes(key)!;
  const copy = node.clone(context);
  const names = resolve(lookup, node.get(PDFName.of("Names")));
  const kids = resolve(lookup, node.get(PDFName.of("Kids")));

  let low: string | null = k;
  let high: string | null = k;
  if (kids instanceof PDFArray && kids.size() > 0 && !(names instanceof PDFArray)) {
    // Descend into the first kid whose upper limit is at or after the key, else the last.
    let chosen = kids.size() - 1;
    for (let i = 0; i < kids.size(); i++) {
      const kid = resolve(lookup, kids.get(i));
      const limits = kid instanceof PDFDict ? resolve(lookup, kid.get(PDFName.of("Limits"))) : undefined;
      const upper = limits instanceof PDFArray ? keyBytes(resolve(lookup, limits.get(1))) : null;
      if (upper !== null && upper >= k) {
        chosen = i;
        break;
      }
    }
    const kidRef = kids.get(chosen);
    const kid = resolve(lookup, kidRef);
    if (!(kidRef instanceof PDFRef) || !(kid instanceof PDFDict)) throw new Error("embedded file name tree has a direct or broken kid");
    const newKid = insertIntoNode(context, lookup, kid, key, value, changed, depth + 1);
    changed.set(kidRef, newKid);
    // The node's limits span its first and last kid.
    const first = resolve(lookup, kids.get(0));
    const last = resolve(lookup, kids.get(kids.size() - 1));
    const limitOf = (n: PDFObject | undefined, i: 0 | 1) => {
      const d = n === kid ? newKid : n;
      const limits = d instanceof PDFDict ? resolve(lookup, d.get(PDFName.of("Limits"))) : undefined;
      return limits instanceof PDFArray ? keyBytes(resolve(lookup, limits.get(i))) : null;
    };
    low = limitOf(first, 0);
    high = limitOf(last, 1);
    if (low !== null && high !== null && node.has(PDFName.of("Limits"))) {
      copy.set(PDFName.of("Limits"), context.obj([PDFHexString.of(hex(low)), PDFHexString.of(hex(high))]));
    }
    return copy;
  }

  // A leaf (or an empty node): a sorted [key value key value ...] array.
  const entries: Array<[PDFObject, PDFObject]> = [];
  if (names instanceof PDFArray) {
    for (let i = 0; i + 1 < names.size(); i += 2) entries.push([names.get(i), names.get(i + 1)]);
  }
  let at = entries.findIndex(([existing]) => (keyBytes(resolve(lookup, existing)) ?? "") > k);
  if (at < 0) at = entries.length;
  entries.splice(at, 0, [key, value]);
  copy.set(PDFName.of("Names"), context.obj(entries.flat()));
  copy.delete(PDFName.of("Kids"));
  if (node.has(PDFName.of("Limits"))) {
    const firstKey = keyBytes(resolve(lookup, entries[0]![0])) ?? k;
    const lastKey = keyBytes(resolve(lookup, entries[entries.length - 1]![0])) ?? k;
    copy.set(PDFName.of("Limits"), context.obj([PDFHexString.of(hex(firstKey)), PDFHexString.of(hex(lastKey))]));
  }
  return copy;
}

const hex = (binary: string): string => bytesToHex(latin1ToBytes(binary));

/** Every key already in a name tree (to keep the new key unique). */
function treeKeys(lookup: Lookup, node: PDFObject | undefined, out: Set<string>, depth = 0): Set<string> {
  const dict = resolve(lookup, node);
  if (!(dict instanceof PDFDict) || depth > 32) return out;
  const names = resolve(lookup, dict.get(PDFName.of("Names")));
  if (names instanceof PDFArray) {
    for (let i = 0; i < names.size(); i += 2) {
      const k = keyBytes(resolve(lookup, names.get(i)));
      if (k !== null) out.add(k);
    }
  }
  const kids = resolve(lookup, dict.get(PDFName.of("Kids")));
  if (kids instanceof PDFArray) for (let i = 0; i < kids.size(); i++) treeKeys(lookup, kids.get(i), out, depth + 1);
  return out;
}

/**
 * Adds an embedded file. `catalog` is the catalog as it stands (it is not
 * modified); the result holds the catalog's replacement and every other
 * object to write: changed ones under their existing references, new ones
 * registered in the context (the caller collects those by object number).
 * Existing objects (the /Names dictionary, the name tree's nodes, /AF) are
 * found through `lookup`: by default the context itself, for a loaded
 * document; the incremental writer passes a reader of single objects of the
 * original file, whose new objects then come from a separate context.
 */
export function attachFile(
  context: PDFContext,
  catalog: PDFDict,
  file: NewAttachment,
  lookup: Lookup = contextLookup(context),
): { catalog: PDFDict; changed: Array<[PDFRef, PDFObject]>; fileSpec: PDFRef } {
  const params: Record<string, PDFObject> = {
    Size: PDFNumber.of(file.bytes.length),
    CheckSum: PDFHexString.of(bytesToHex(md5(file.bytes))),
  };
  if (file.modified && !Number.isNaN(file.modified.getTime())) {
    params.ModDate = PDFString.fromDate(file.modified);
    params.CreationDate = PDFString.fromDate(file.modified);
  }
  const stream = context.flateStream(file.bytes, {
    Type: "EmbeddedFile",
    Subtype: file.mimeType, // written as /application#2Fjson
    Params: context.obj(params),
  });
  const streamRef = context.register(stream);
  const ascii = asciiFilename(file.filename);
  const spec = context.obj({
    Type: "Filespec",
    F: PDFString.of(ascii),
    UF: PDFHexString.fromText(file.filename),
    EF: { F: streamRef, UF: streamRef },
    AFRelationship: file.relationship,
  });
  if (file.description) spec.set(PDFName.of("Desc"), PDFHexString.fromText(file.description));
  const specRef = context.register(spec);

  const changed: Changed = new Map();
  const newCatalog = catalog.clone(context);

  // /Names: rewrite it where it lives (an indirect dictionary keeps its number).
  const namesEntry = catalog.get(PDFName.of("Names"));
  const namesDict = resolve(lookup, namesEntry);
  const names = namesDict instanceof PDFDict ? namesDict.clone(context) : context.obj({});
  const treeEntry = namesDict instanceof PDFDict ? namesDict.get(PDFName.of("EmbeddedFiles")) : undefined;
  const tree = resolve(lookup, treeEntry);

  // Unique key: the ASCII file name, numbered when taken ("name.json", "name (2).json", ...).
  const taken = treeKeys(lookup, tree, new Set());
  let key = ascii;
  for (let n = 2; taken.has(key); n++) key = ascii.replace(/(\.[^.]*)?$/, (ext) => ` (${n})${ext}`);

  const root = tree instanceof PDFDict ? tree : context.obj({});
  const newRoot = insertIntoNode(context, lookup, root, PDFString.of(key), specRef, changed, 0);
  if (treeEntry instanceof PDFRef && tree instanceof PDFDict) changed.set(treeEntry, newRoot);
  else names.set(PDFName.of("EmbeddedFiles"), newRoot);

  if (namesEntry instanceof PDFRef && namesDict instanceof PDFDict) changed.set(namesEntry, names);
  else newCatalog.set(PDFName.of("Names"), names);

  // /AF: associated files of the document.
  const af = PDFArray.withContext(context);
  const oldAf = resolve(lookup, catalog.get(PDFName.of("AF")));
  if (oldAf instanceof PDFArray) for (let i = 0; i < oldAf.size(); i++) af.push(oldAf.get(i));
  af.push(specRef);
  newCatalog.set(PDFName.of("AF"), af);

  return { catalog: newCatalog, changed: [...changed.entries()], fileSpec: specRef };
}

export interface EmbeddedFile {
  /** Key in the name tree, or null when only listed in /AF. */
  key: string | null;
  filename: string;
  mimeType: string | null;
  description: string | null;
  relationship: string | null;
  bytes: Uint8Array;
  /** Problems with the entry itself: declared size or checksum not matching the bytes. */
  problems: string[];
}

function text(object: PDFObject | undefined): string | null {
  return object instanceof PDFString || object instanceof PDFHexString ? object.decodeText() : null;
}

/** An embedded file larger than this unpacked is not read (an evidence bundle is far smaller). */
const EMBEDDED_FILE_LIMIT = 8 * 1024 * 1024;

function readFileSpec(lookup: Lookup, spec: PDFDict, key: string | null, budget: InflateBudget): EmbeddedFile | null {
  const ef = resolve(lookup, spec.get(PDFName.of("EF")));
  if (!(ef instanceof PDFDict)) return null;
  const stream = resolve(lookup, ef.get(PDFName.of("UF")) ?? ef.get(PDFName.of("F")));
  if (!(stream instanceof PDFRawStream)) return null;
  const problems: string[] = [];
  let bytes: Uint8Array;
  try {
    // Within what the file's budget has left, and never more than one file may hold at once.
    const once = new InflateBudget(Math.min(budget.remaining, EMBEDDED_FILE_LIMIT));
    bytes = decodeWithin(stream, once);
    budget.take(bytes.length);
  } catch (error) {
    bytes = new Uint8Array();
    if (error instanceof InflateLimitError) problems.push(`its stream unpacks to more than ${error.limit} bytes, more than is read`);
    else problems.push(`its stream cannot be decoded (${error instanceof Error ? error.message : String(error)})`);
  }
  const params = resolve(lookup, stream.dict.get(PDFName.of("Params")));
  if (params instanceof PDFDict && problems.length === 0) {
    const size = resolve(lookup, params.get(PDFName.of("Size")));
    if (size instanceof PDFNumber && size.asNumber() !== bytes.length) problems.push(`it declares ${size.asNumber()} bytes but holds ${bytes.length}`);
    const checksum = resolve(lookup, params.get(PDFName.of("CheckSum")));
    if (checksum instanceof PDFString || checksum instanceof PDFHexString) {
      if (bytesToHex(checksum.asBytes()) !== bytesToHex(md5(bytes))) problems.push("its MD5 checksum does not match its bytes");
    }
  }
  const subtype = resolve(lookup, stream.dict.get(PDFName.of("Subtype")));
  const relationship = resolve(lookup, spec.get(PDFName.of("AFRelationship")));
  return {
    key,
    filename: text(resolve(lookup, spec.get(PDFName.of("UF")))) ?? text(resolve(lookup, spec.get(PDFName.of("F")))) ?? key ?? "",
    mimeType: subtype instanceof PDFName ? subtype.decodeText() : null,
    description: text(resolve(lookup, spec.get(PDFName.of("Desc")))),
    relationship: relationship instanceof PDFName ? relationship.decodeText() : null,
    bytes,
    problems,
  };
}

/**
 * Every embedded file reachable from the document's catalog, each once, decoded
 * within budget (a file past it is listed with that problem). Each name-tree node is
 * visited once, so a node listed many times cannot multiply the walk.
 */
export function readEmbeddedFiles(
  source: PDFDocument | { lookup: Lookup; catalog: PDFDict },
  budget: InflateBudget = new InflateBudget(),
): EmbeddedFile[] {
  const { lookup, catalog } = source instanceof PDFDocument ? { lookup: contextLookup(source.context), catalog: source.catalog } : source;
  const out: EmbeddedFile[] = [];
  const seen = new Set<PDFObject>();
  const visited = new Set<PDFObject>();
  const add = (specEntry: PDFObject | undefined, key: string | null) => {
    const spec = resolve(lookup, specEntry);
    if (!(spec instanceof PDFDict) || seen.has(spec)) return;
    seen.add(spec);
    const file = readFileSpec(lookup, spec, key, budget);
    if (file) out.push(file);
  };
  const walk = (node: PDFObject | undefined, depth: number) => {
    const dict = resolve(lookup, node);
    if (!(dict instanceof PDFDict) || depth > 32 || visited.has(dict)) return;
    visited.add(dict);
    const names = resolve(lookup, dict.get(PDFName.of("Names")));
    if (names instanceof PDFArray) {
      for (let i = 0; i + 1 < names.size(); i += 2) add(names.get(i + 1), text(resolve(lookup, names.get(i))));
    }
    const kids = resolve(lookup, dict.get(PDFName.of("Kids")));
    if (kids instanceof PDFArray) for (let i = 0; i < kids.size(); i++) walk(kids.get(i), depth + 1);
  };
  const namesDict = resolve(lookup, catalog.get(PDFName.of("Names")));
  if (namesDict instanceof PDFDict) walk(namesDict.get(PDFName.of("EmbeddedFiles")), 0);
  const af = resolve(lookup, catalog.get(PDFName.of("AF")));
  if (af instanceof PDFArray) for (let i = 0; i < af.size(); i++) add(af.get(i), null);
  return out;
}
