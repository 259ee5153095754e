/**
 * Upload check: is this a real, undamaged, unencrypted PDF within our limits?
 * Throws DomainError with invalid_pdf, pdf_encrypted, pdf_too_large or
 * pdf_too_many_pages and a message meant for the uploader. Never repairs.
 */
import { DomainError } from "../domain/errors";
import { openPdf, pdfMessages } from "./open";

export async function inspectPdf(
  bytes: Uint8Array,
  limits: { maxBytes: number; maxPages: number },
): Promise<{ pages: number; version: string }> {
  if (bytes.byteLength > limits.maxBytes) {
    throw new DomainError("pdf_too_large", pdfMessages.tooLarge(limits.maxBytes), { maxBytes: limits.maxBytes });
  }
  const { pages, version } = await openPdf(bytes);
  if (pages > limits.maxPages) {
    throw new DomainError("pdf_too_many_pages", pdfMessages.tooManyPages(pages, limits.maxPages), {
      pages,
      maxPages: limits.maxPages,
    });
  }
  return { pages, version };
}
