/**
 * The page Worker's side of the PDF service (src/pdf-service/contract.ts): each
 * call goes over the `PDF` service binding, and a refusal becomes the same
 * DomainError the PDF code raised. If the service cannot answer at all (its
 * isolate ran out of memory on a hostile file, or it is being deployed), the
 * caller gets a clear "try again" error, never a crash of the page Worker.
 */
import type { AgreementDocument } from "../agreements/document";
import { DomainError } from "../domain/errors";
import type { Env } from "../env";
import { type InspectedPdf, type PdfResult, type RenderedPdf, unwrap, type UploadLimits, type VerifyOutcome } from "../pdf-service/contract";

type Pdf = Pick<Env, "PDF">;

/** The largest PDF anyone may upload for verification. */
export const VERIFY_MAX_BYTES = 30 * 1024 * 1024;

export function inspectUpload(env: Pdf, bytes: Uint8Array, limits: UploadLimits): Promise<InspectedPdf> {
  return call("inspectUpload", () => env.PDF.inspectUpload(bytes, limits));
}

export function renderAgreement(env: Pdf, document: AgreementDocument, options: { createdAt?: string } = {}): Promise<RenderedPdf> {
  return call("renderAgreement", () => env.PDF.renderAgreement(document, options));
}

export function verifyPdf(env: Pdf, bytes: Uint8Array): Promise<VerifyOutcome> {
  return call("verify", () => env.PDF.verify(bytes));
}

async function call<T>(method: string, run: () => Promise<PdfResult<T>>): Promise<T> {
  let result: PdfResult<T>;
  try {
    result = (await run()) as PdfResult<T>;
  } catch (error) {
    // The class and message of the failure, for operators; never the document.
    console.error(JSON.stringify({ msg: "PDF service did not answer", method, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
    throw new DomainError("pdf_unavailable", "The PDF could not be processed just now; try again in a minute", { retryAfter: 30 });
  }
  return unwrap(result);
}
