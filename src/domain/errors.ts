/**
 * Typed error codes, mapped once to HTTP statuses. Domain and service code throws
 * DomainError; app.onError turns it into an HTML page or problem+json.
 */
import type { MessageKey } from "../i18n";

export const errorStatus = {
  bad_request: 400,
  validation_failed: 422,
  not_pdf: 422,
  invalid_pdf: 422,
  pdf_encrypted: 422,
  pdf_unpacks_too_large: 422,
  pdf_too_large: 413,
  pdf_too_many_pages: 422,
  unauthenticated: 401,
  forbidden: 403,
  email_unverified: 403,
  csrf_failed: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  link_invalid: 404,
  link_expired: 410,
  rate_limited: 429,
  decryption_failed: 500,
  /** The PDF service did not answer (busy, being deployed, or its isolate died on a file). */
  pdf_unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** Why an upload was refused, in the words the form shows beside the file field and the API puts in `detail`. */
export const pdfRefusalMessages: Partial<Record<ErrorCode, MessageKey>> = {
  not_pdf: "pdf.notPdf",
  invalid_pdf: "pdf.damaged",
  pdf_encrypted: "pdf.encrypted",
  pdf_unpacks_too_large: "pdf.unpacksTooLarge",
  pdf_too_large: "pdf.tooLarge",
  pdf_too_many_pages: "pdf.tooManyPages",
  // The PDF service did not answer (src/services/pdf.ts): the form stays, with a "try again".
  pdf_unavailable: "pdf.unavailable",
};

export class DomainError extends Error {
  readonly code: ErrorCode;
  /** Extra, safe-to-show details (field errors, retry hints). Never secrets. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? code);
    this.name = "DomainError";
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}
