/**
 * The PDF service's RPC contract, version 1: what the page Worker may ask of the
 * Worker that holds pdf-lib, fontkit, pkijs and the fonts (src/pdf-service/index.ts).
 *
 * Versioned by entrypoint: this contract is the `PdfServiceV1` entrypoint, bound in
 * wrangler.toml as `entrypoint = "PdfServiceV1"`. A change that is not backwards
 * compatible becomes `PdfServiceV2` beside it; the PDF service is deployed first
 * and keeps serving V1 until no page Worker binds it any more.
 *
 * Errors do not keep their class across RPC, so expected refusals come back as
 * values and the page Worker raises the same DomainError (src/services/pdf.ts).
 * This file holds only types and plain functions: the page Worker imports it.
 */
import type { AgreementDocument } from "../agreements/document";
import { DomainError, type ErrorCode } from "../domain/errors";
import type { VerifyOutcome } from "../domain/verification";

/** A refusal the caller shows, exactly as a DomainError would have said it. */
export type PdfRefusal = { ok: false; code: ErrorCode; message: string; details?: Record<string, unknown> };
export type PdfResult<T> = { ok: true; value: T } | PdfRefusal;

export type UploadLimits = { maxBytes: number; maxPages: number };
export type InspectedPdf = { pages: number; version: string };
export type RenderedPdf = { bytes: Uint8Array; pages: number };

/** What a verification tells anyone who uploads a PDF: yes/no per check, no personal data. */
export type { VerifyOutcome };

export type PdfServiceV1Contract = {
  /** Upload check: a real, undamaged, unencrypted PDF within the limits (invalid_pdf, pdf_encrypted, pdf_too_large, pdf_too_many_pages, pdf_unpacks_too_large...). */
  inspectUpload(bytes: Uint8Array, limits: UploadLimits): Promise<PdfResult<InspectedPdf>>;
  /** A complete agreement (no blanks) as PDF; `createdAt` (ISO) dates the file. */
  renderAgreement(document: AgreementDocument, options: { createdAt?: string }): Promise<PdfResult<RenderedPdf>>;
  /** Is this PDF sealed by this deployment, valid, unchanged, with its evidence intact? */
  verify(bytes: Uint8Array): Promise<PdfResult<VerifyOutcome>>;
};

/** Runs one request in the service: a DomainError becomes a refusal, anything else stays an error. */
export async function asResult<T>(run: () => Promise<T>): Promise<PdfResult<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (error instanceof DomainError) {
      return { ok: false, code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
    }
    throw error;
  }
}

/** The caller's side: the value, or the same DomainError the service refused with. */
export function unwrap<T>(result: PdfResult<T>): T {
  if (result.ok) return result.value;
  throw new DomainError(result.code, result.message, result.details);
}
