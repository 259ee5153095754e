/**
 * Opens a PDF strictly: the checks of inspectPdf (at upload). Anything a viewer
 * would have to repair is rejected as damaged. buildSignedPdf (at completion)
 * makes the structural part of these checks (checkCrossReference) but never
 * loads the whole file.
 */
import { ParseSpeeds, PDFDocument, PDFName, PDFNumber, PDFRef } from "pdf-lib";
import { DomainError } from "../domain/errors";
import {
  analyseCrossReference,
  analyseStructure,
  type CrossReferenceIndex,
  findHeader,
  hasEndMarker,
  mentionsEncryption,
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
  tooLarge: (maxBytes: number) =>
    `This PDF is too large. The limit is ${formatMegabytes(maxBytes)}. Make the file smaller and upload it again.`,
  tooManyPages: (pages: number, maxPages: number) =>
    `This PDF has ${pages} pages. The limit is ${maxPages} pages. Split it into smaller documents and upload again.`,
} as const;

function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : Math.round(mb * 10) / 10} MB`;
}

export interface OpenedPdf {
  doc: PDFDocument;
  structure: PdfStructure;
  pages: number;
  version: string;
}

const damaged = () => new DomainError("invalid_pdf", pdfMessages.damaged);
const locked = () => new DomainError("pdf_encrypted", pdfMessages.encrypted);

/**
 * The checks that need no full load: a header, an end marker, a chain of
 * cross-reference sections that each point at their objects, no encryption.
 */
function checkStructure(bytes: Uint8Array): PdfStructure {
  const header = checkHeader(bytes);
  let structure: PdfStructure;
  try {
    structure = analyseStructure(bytes, header);
  } catch {
    throw mentionsEncryption(bytes) ? locked() : damaged();
  }
  if (structure.encrypted) throw locked();
  return structure;
}

/**
 * checkStructure, and where every object is (see readCrossReference), in one
 * walk: what the finalisation path (buildSignedPdf) needs to read the few
 * objects it changes without loading the document.
 */
export async function checkCrossReference(
  bytes: Uint8Array,
): Promise<{ structure: PdfStructure; xref: CrossReferenceIndex }> {
  const header = checkHeader(bytes);
  let found: { structure: PdfStructure; xref: CrossReferenceIndex };
  try {
    found = await analyseCrossReference(bytes, header);
  } catch {
    throw mentionsEncryption(bytes) ? locked() : damaged();
  }
  if (found.structure.encrypted) throw locked();
  return found;
}

function checkHeader(bytes: Uint8Array): PdfHeader {
  const header = findHeader(bytes);
  if (!header) throw new DomainError("not_pdf", pdfMessages.notPdf);
  if (!hasEndMarker(bytes)) throw damaged(); // truncated
  return header;
}

export async function openPdf(bytes: Uint8Array): Promise<OpenedPdf> {
  const structure = checkStructure(bytes);
  const header = structure.header;

  let doc: PDFDocument;
  try {
    // pdf-lib's EncryptedPDFError is compiled to ES5 and fails `instanceof`
    // (it surfaces as a plain Error), so load with ignoreEncryption and ask
    // isEncrypted instead.
    doc = await PDFDocument.load(bytes, {
      ignoreEncryption: true,
      updateMetadata: false,
      throwOnInvalidObject: true,
      parseSpeed: ParseSpeeds.Fastest,
    });
  } catch {
    throw damaged();
  }
  if (doc.isEncrypted) throw locked();

  let pages: number;
  try {
    // The catalog must be the one the trailer names (pdf-lib would otherwise go looking for one).
    const rootRef = structure.trailer.get(PDFName.of("Root"));
    if (!(rootRef instanceof PDFRef) || doc.context.lookup(rootRef) !== doc.catalog) throw damaged();
    const tree = doc.catalog.Pages();
    const declared = tree.lookup(PDFName.of("Count"));
    pages = doc.getPageCount();
    if (!(declared instanceof PDFNumber) || declared.asNumber() !== pages) throw damaged();
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw damaged(); // broken or cyclic page tree
  }
  if (pages === 0) throw new DomainError("invalid_pdf", pdfMessages.noPages);

  return { doc, structure, pages, version: effectiveVersion(header.version, doc) };
}

/** The header's version, unless the catalog's /Version (set by a later update) is newer. */
function effectiveVersion(headerVersion: string, doc: PDFDocument): string {
  const declared = doc.catalog.get(PDFName.of("Version"));
  if (declared instanceof PDFName) {
    const value = declared.decodeText();
    if (/^(1\.[0-7]|2\.0)$/.test(value) && Number(value) > Number(headerVersion)) return value;
  }
  return headerVersion;
}
