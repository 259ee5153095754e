/**
 * The shapes the API answers with, as zod schemas: the OpenAPI document is generated
 * from them (and from the shared input schemas), and the views below are typed by them,
 * so the document cannot drift from what the endpoints send. Field names are camelCase,
 * like the input schemas.
 */
import { z } from "zod";
import { envelopeStatuses, finalisationFailureReasons, nextFinalisationRetryAt, recipientStatuses, type EnvelopeState } from "../domain/envelope";
import { identificationMethods, recipientRoles, signingOrders } from "../domain/envelope-input";
import { locales } from "../i18n/locales";

const isoTime = z.string().describe("UTC time, ISO 8601");
const sha256 = z.string().regex(/^[0-9a-f]{64}$/).describe("SHA-256 of the bytes, hex");

export const documentSchema = z
  .object({
    id: z.string().describe("Document id, doc_…"),
    filename: z.string(),
    sha256,
    pages: z.int(),
    size: z.int().describe("Bytes"),
    createdAt: isoTime,
  });
export type ApiDocument = z.infer<typeof documentSchema>;

export const recipientSchema = z
  .object({
    id: z.string().describe("Recipient id, rcp_…"),
    name: z.string(),
    email: z.string(),
    phone: z.string().nullable(),
    role: z.enum(recipientRoles),
    method: z.enum(identificationMethods),
    order: z.int().describe("Position in the signing order, from 1"),
    locale: z.enum(locales),
    status: z.enum(recipientStatuses),
    openedAt: isoTime.nullable(),
    signedAt: isoTime.nullable(),
    declinedAt: isoTime.nullable(),
    declineReason: z.string().nullable(),
  });

export const envelopeSchema = z
  .object({
    id: z.string().describe("Envelope id, env_…"),
    title: z.string(),
    message: z.string(),
    status: z.enum(envelopeStatuses),
    signingOrder: z.enum(signingOrders),
    timeZone: z.string(),
    reminderEveryDays: z.int(),
    createdAt: isoTime,
    sentAt: isoTime.nullable(),
    expiresAt: isoTime.nullable(),
    endedAt: isoTime.nullable(),
    document: z.object({ id: z.string(), filename: z.string(), sha256, pages: z.int(), size: z.int() }),
    signedDocument: z
      .object({ id: z.string(), sha256, pages: z.int(), size: z.int() })
      .nullable()
      .describe("Set once the signed PDF is ready; download it from signed.pdf"),
    finalisationFailed: z
      .object({
        reason: z.enum(finalisationFailureReasons).describe("Why, as a category: document_unreadable, document_unsealable, seal_unavailable, storage_unavailable or unknown"),
        failedAt: isoTime.describe("When the latest attempt was given up"),
        nextRetryAt: isoTime.nullable().describe("When Pactly retries by itself; null when it will not (operators can still retry)"),
      })
      .nullable()
      .describe("finalisation_failed: every signer signed but the sealed PDF could not be made. The status stays sent; null otherwise"),
    recipients: z.array(recipientSchema),
  });
export type ApiEnvelope = z.infer<typeof envelopeSchema>;

export const envelopeSummarySchema = z
  .object({
    id: z.string(),
    title: z.string(),
    status: z.enum(envelopeStatuses),
    createdAt: isoTime,
    sentAt: isoTime.nullable(),
    expiresAt: isoTime.nullable(),
    endedAt: isoTime.nullable(),
    signers: z.int().describe("Recipients who sign"),
    signed: z.int().describe("Signers who have signed"),
  });
export type ApiEnvelopeSummary = z.infer<typeof envelopeSummarySchema>;

export const envelopeListSchema = z
  .object({
    data: z.array(envelopeSummarySchema),
    nextCursor: z.string().nullable().describe("Pass as ?cursor= for the next page; null on the last page"),
  });

export const envelopeListQuerySchema = z.object({
  limit: z.coerce.number({ error: "limit must be a whole number from 1 to 50" }).int("limit must be a whole number from 1 to 50").min(1, "limit must be a whole number from 1 to 50").max(50, "limit must be a whole number from 1 to 50").default(20),
  cursor: z.string().max(500).optional(),
  status: z.enum(envelopeStatuses, `status must be one of ${envelopeStatuses.join(", ")}`).optional(),
});

export const problemSchema = z
  .object({
    type: z.string().describe("https://pactly.dev/problems/<code>"),
    title: z.string(),
    status: z.int(),
    detail: z.string().describe("What went wrong, in English"),
    code: z.string().describe("Stable error code, e.g. validation_failed, not_found, invalid_transition"),
    errors: z
      .array(z.object({ pointer: z.string().describe("JSON Pointer into the request body, e.g. /recipients/1/email"), detail: z.string() }))
      .optional()
      .describe("One entry per invalid field (validation_failed)"),
  });

export const apiInfoSchema = z.object({ name: z.string(), version: z.string(), openapi: z.string(), documentation: z.string() });

export const evidenceSchema = z
  .object({ schema: z.string().optional(), version: z.number().optional() })
  .catchall(z.unknown())
  .describe("The evidence bundle: envelope, document hashes, signers' identification evidence, every event and the chain head");

/** What a sender may see of an envelope: never signing-link hashes, IPs or devices (those are in the evidence). */
export function envelopeView(state: EnvelopeState): ApiEnvelope {
  return {
    id: state.id,
    title: state.title,
    message: state.message,
    status: state.status,
    signingOrder: state.signingOrder,
    timeZone: state.timeZone,
    reminderEveryDays: state.reminderEveryDays,
    createdAt: state.createdAt,
    sentAt: state.sentAt,
    expiresAt: state.expiresAt,
    endedAt: state.endedAt,
    document: { id: state.document.id, filename: state.document.filename, sha256: state.document.sha256, pages: state.document.pages, size: state.document.size },
    signedDocument: state.signedDocument
      ? { id: state.signedDocument.documentId, sha256: state.signedDocument.sha256, pages: state.signedDocument.pages, size: state.signedDocument.size }
      : null,
    finalisationFailed:
      state.finalisation === "failed" && state.finalisationFailure
        ? { reason: state.finalisationFailure.reason, failedAt: state.finalisationFailure.failedAt, nextRetryAt: nextFinalisationRetryAt(state) }
        : null,
    recipients: [...state.recipients]
      .sort((a, b) => a.order - b.order)
      .map((r) => ({
        id: r.id,
        name: r.name,
        email: r.email,
        phone: r.phone,
        role: r.role,
        method: r.method,
        order: r.order,
        locale: r.locale,
        status: r.status,
        openedAt: r.openedAt,
        signedAt: r.signedAt,
        declinedAt: r.declinedAt,
        declineReason: r.declineReason,
      })),
  };
}
