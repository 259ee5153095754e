/**
 * The OpenAPI 3.1 document of /api/v1, generated from the zod schemas the endpoints
 * validate with (inputs, as clients send them) and answer with (outputs). The API
 * reference page at /docs/api is rendered from this same document.
 */
import { z } from "zod";
import { cancelInputSchema } from "../domain/envelope";
import { emailSchema, envelopeCreateSchema, phoneSchema, sendInputSchema, timeZoneSchema } from "../domain/envelope-input";
import { uploadLimits } from "../domain/limits";
import { auditLogPageSchema } from "./audit-log";
import { RATE_WINDOW_SECONDS } from "./guards";
import { IDEMPOTENCY_HEADER } from "./idempotency";
import {
  apiInfoSchema,
  documentSchema,
  envelopeListSchema,
  envelopeSchema,
  envelopeSummarySchema,
  evidenceSchema,
  problemSchema,
  recipientSchema,
} from "./schemas";

type JsonSchema = Record<string, unknown>;

/** Descriptions for shared schemas, which carry translation keys rather than prose. */
const described = new Map<z.ZodType, JsonSchema>([
  [emailSchema, { format: "email", maxLength: 254, description: "Email address; compared case-insensitively" }],
  [phoneSchema, { description: "Phone number in E.164 form, e.g. +4791234567 (spaces, dashes and brackets are ignored). Required for sms_otp" }],
  [timeZoneSchema, { description: "IANA time zone, e.g. Europe/Oslo" }],
]);

function override(ctx: { zodSchema: unknown; jsonSchema: JsonSchema }) {
  const extra = described.get(ctx.zodSchema as z.ZodType);
  if (extra) Object.assign(ctx.jsonSchema, extra);
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

function componentSchemas(entries: Record<string, z.ZodType>, io: "input" | "output"): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(entries)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, unrepresentable: "any", uri: (id) => `#/components/schemas/${id}`, override });
  const out: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
    out[id] = rest;
  }
  return out;
}

type Response = { description: string; schema?: string; media?: string; headers?: string[] };
type Operation = {
  method: "get" | "post";
  path: string;
  operationId: string;
  summary: string;
  description: string;
  tag: "Documents" | "Envelopes" | "Audit log" | "Public";
  /** null: public, no key needed. */
  scope: "read" | "write" | null;
  parameters?: JsonSchema[];
  body?: { schema: string; required: boolean } | { pdf: true };
  responses: Record<string, Response>;
};

const problems = (...statuses: number[]): Record<string, Response> =>
  Object.fromEntries(statuses.map((s) => [String(s), { description: problemText[s] ?? "Problem", schema: "Problem", media: "application/problem+json" }]));

const problemText: Record<number, string> = {
  400: "Malformed request (bad JSON, bad query, bad Idempotency-Key)",
  401: "No API key, or a wrong or revoked one",
  403: "The key lacks the scope, or the request was not made over HTTPS",
  404: "No such object for this key (including other organisations' ids)",
  409: "Not possible in the envelope's current state, or a request with the same Idempotency-Key is still running",
  413: "Body too large",
  415: "Wrong Content-Type",
  422: "Validation failed (see errors), or the Idempotency-Key was used for another request",
  429: "Rate limited; retry after Retry-After seconds",
};

const secured = (status: number[]) => problems(401, 403, 429, ...status);
const envelopeIdParam = { name: "id", in: "path", required: true, schema: { type: "string", pattern: "^env_[A-Za-z0-9_-]{10,40}$" }, description: "Envelope id" };
const documentIdParam = { name: "id", in: "path", required: true, schema: { type: "string", pattern: "^doc_[A-Za-z0-9_-]{10,40}$" }, description: "Document id" };
const idempotencyParam = { $ref: "#/components/parameters/IdempotencyKey" };

/** Every operation of /api/v1, in the order the reference page lists them. */
export const operations: Operation[] = [
  {
    method: "get", path: "/api/v1", operationId: "getApiInfo", tag: "Public", scope: null,
    summary: "About the API", description: "The API's name and version, and where this document and the reference page are.",
    responses: { "200": { description: "About the API", schema: "ApiInfo" } },
  },
  {
    method: "get", path: "/api/v1/openapi.json", operationId: "getOpenApi", tag: "Public", scope: null,
    summary: "This OpenAPI document", description: "The OpenAPI 3.1 description of the API, generated from the schemas the endpoints validate with.",
    responses: { "200": { description: "OpenAPI 3.1 document", media: "application/json" } },
  },
  {
    method: "post", path: "/api/v1/verify", operationId: "verifyDocument", tag: "Public", scope: null,
    summary: "Check a signed PDF",
    description: "Checks a PDF signed by this Pactly deployment: the seal, that the original bytes are unchanged and that the embedded evidence chain is intact. Public, and safe to repeat: it changes nothing. A file that unpacks to far more than its size (a decompression bomb) is not read on: it is answered with 422 and the problem code pdf_unpacks_too_large.",
    body: { pdf: true },
    responses: {
      "200": { description: "The outcome of the checks", media: "application/json" },
      ...problems(400, 413, 415, 429),
      "422": { description: "pdf_unpacks_too_large: the file unpacks to more than Pactly reads from one file", schema: "Problem", media: "application/problem+json" },
    },
  },
  {
    method: "post", path: "/api/v1/documents", operationId: "uploadDocument", tag: "Documents", scope: "write",
    summary: "Upload a PDF",
    description: `Send the PDF as the raw body (Content-Type: application/pdf, optionally Content-Disposition: attachment; filename="contract.pdf") or as a multipart/form-data field named file. It must be a real, undamaged, unencrypted PDF of at most ${uploadLimits.maxBytes / 1024 / 1024} MB and ${uploadLimits.maxPages} pages; the problem code says which rule failed: not_pdf, invalid_pdf, pdf_encrypted, pdf_unpacks_too_large (it unpacks to far more than its size), pdf_too_large (413), pdf_too_many_pages. The file is stored encrypted; its SHA-256 and page count are recorded.`,
    parameters: [idempotencyParam],
    body: { pdf: true },
    responses: { "201": { description: "Stored", schema: "Document", headers: ["Location", "IdempotentReplayed"] }, ...secured([400, 409, 413, 415, 422]) },
  },
  {
    method: "get", path: "/api/v1/documents/{id}", operationId: "getDocument", tag: "Documents", scope: "read",
    summary: "A document's metadata", description: "Filename, SHA-256, pages, size and upload time of a document you uploaded.",
    parameters: [documentIdParam],
    responses: { "200": { description: "The document", schema: "Document" }, ...secured([404]) },
  },
  {
    method: "post", path: "/api/v1/envelopes", operationId: "createEnvelope", tag: "Envelopes", scope: "write",
    summary: "Create a draft envelope",
    description: "A draft around an uploaded document, with its settings and every recipient in signing order, validated by the same rules as the web builder: valid and unique emails, E.164 phone numbers, at least one signer, at most 50 recipients. A document can be used by one envelope.",
    parameters: [idempotencyParam],
    body: { schema: "EnvelopeCreate", required: true },
    responses: { "201": { description: "Created", schema: "Envelope", headers: ["Location", "IdempotentReplayed"] }, ...secured([400, 404, 409, 415, 422]) },
  },
  {
    method: "get", path: "/api/v1/envelopes", operationId: "listEnvelopes", tag: "Envelopes", scope: "read",
    summary: "List envelopes",
    description: "Your envelopes, newest first, a page at a time. Pass nextCursor from one page as cursor for the next.",
    parameters: [
      { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 50, default: 20 }, description: "Envelopes per page" },
      { name: "cursor", in: "query", required: false, schema: { type: "string" }, description: "The nextCursor of the previous page" },
      { name: "status", in: "query", required: false, schema: { type: "string", enum: ["draft", "sent", "completed", "declined", "cancelled", "expired", "purged"] }, description: "Only envelopes in this state" },
    ],
    responses: { "200": { description: "A page of envelopes", schema: "EnvelopeList" }, ...secured([400]) },
  },
  {
    method: "get", path: "/api/v1/envelopes/{id}", operationId: "getEnvelope", tag: "Envelopes", scope: "read",
    summary: "An envelope", description: "Status, dates, document hashes and each recipient with their status.",
    parameters: [envelopeIdParam],
    responses: { "200": { description: "The envelope", schema: "Envelope" }, ...secured([404]) },
  },
  {
    method: "post", path: "/api/v1/envelopes/{id}/send", operationId: "sendEnvelope", tag: "Envelopes", scope: "write",
    summary: "Send for signing",
    description: "Sends a draft: invitations go out (one at a time for sequential signing). It expires at the end of expiresOn in timeZone (default: the envelope's time zone; expiresOn default: 30 days from now). The body may be empty.",
    parameters: [envelopeIdParam, idempotencyParam],
    body: { schema: "SendInput", required: false },
    responses: { "200": { description: "Sent", schema: "Envelope", headers: ["IdempotentReplayed"] }, ...secured([400, 404, 409, 415, 422]) },
  },
  {
    method: "post", path: "/api/v1/envelopes/{id}/cancel", operationId: "cancelEnvelope", tag: "Envelopes", scope: "write",
    summary: "Cancel", description: "Cancels a draft or an envelope out for signing; its links stop working. The reason is kept in the evidence.",
    parameters: [envelopeIdParam, idempotencyParam],
    body: { schema: "CancelInput", required: true },
    responses: { "200": { description: "Cancelled", schema: "Envelope", headers: ["IdempotentReplayed"] }, ...secured([400, 404, 409, 415, 422]) },
  },
  {
    method: "post", path: "/api/v1/envelopes/{id}/remind", operationId: "remindSigners", tag: "Envelopes", scope: "write",
    summary: "Remind signers",
    description: "Reminds every signer whose turn it is and who has not signed. Each signer is reminded at most once an hour: sooner answers 409 with reason remind_too_soon and Retry-After.",
    parameters: [envelopeIdParam, idempotencyParam],
    responses: { "200": { description: "Reminded", schema: "Envelope", headers: ["IdempotentReplayed"] }, ...secured([404, 409]) },
  },
  {
    method: "get", path: "/api/v1/envelopes/{id}/signed.pdf", operationId: "getSignedPdf", tag: "Envelopes", scope: "read",
    summary: "The signed PDF", description: "The sealed PDF with the certificate pages, once the envelope is completed (409 before that).",
    parameters: [envelopeIdParam],
    responses: { "200": { description: "The signed PDF", media: "application/pdf" }, ...secured([404, 409]) },
  },
  {
    method: "get", path: "/api/v1/envelopes/{id}/evidence.json", operationId: "getEvidence", tag: "Envelopes", scope: "read",
    summary: "The evidence", description: "The evidence bundle as it stands: the envelope, document hashes, each signer's identification evidence, every event of the hash chain and its head.",
    parameters: [envelopeIdParam],
    responses: { "200": { description: "The evidence bundle", schema: "EvidenceBundle" }, ...secured([404]) },
  },
  {
    method: "get", path: "/api/v1/audit-log", operationId: "listAuditLog", tag: "Audit log", scope: "read",
    summary: "The audit log",
    description: "Who in your organisation did what: logins, 2FA and password changes, sessions ended, API keys, uploads, envelopes created, sent, cancelled and downloaded, exports. Newest first, a page at a time; each entry carries the SHA-256 of the previous one, so the chain shows any edit. Needs a key made by an owner or admin.",
    parameters: [
      { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 100, default: 50 }, description: "Entries per page" },
      { name: "cursor", in: "query", required: false, schema: { type: "string" }, description: "The nextCursor of the previous page" },
      { name: "action", in: "query", required: false, schema: { type: "string", pattern: "^[a-z0-9_]+(\\.[a-z0-9_]+)*$" }, description: "An action (envelope.sent) or the start of one (auth)" },
      { name: "actor", in: "query", required: false, schema: { type: "string", maxLength: 254 }, description: "The actor's email, API key prefix, or id" },
      { name: "from", in: "query", required: false, schema: { type: "string" }, description: "From this UTC day (YYYY-MM-DD) or ISO 8601 instant, inclusive" },
      { name: "to", in: "query", required: false, schema: { type: "string" }, description: "To this UTC day (YYYY-MM-DD, included) or ISO 8601 instant (excluded)" },
    ],
    responses: { "200": { description: "A page of entries", schema: "AuditLogPage" }, ...secured([400]) },
  },
];

/** Request schemas by component name, as the endpoints validate them. */
export function requestSchemas(now = new Date()) {
  return { EnvelopeCreate: envelopeCreateSchema, SendInput: sendInputSchema(now), CancelInput: cancelInputSchema } as const;
}

const responseSchemas = {
  ApiInfo: apiInfoSchema,
  Document: documentSchema,
  Recipient: recipientSchema,
  Envelope: envelopeSchema,
  EnvelopeSummary: envelopeSummarySchema,
  EnvelopeList: envelopeListSchema,
  EvidenceBundle: evidenceSchema,
  Problem: problemSchema,
  AuditLogPage: auditLogPageSchema,
};

function operationObject(op: Operation) {
  const requestBody =
    op.body && "pdf" in op.body
      ? {
          required: true,
          content: {
            "application/pdf": { schema: { type: "string", contentMediaType: "application/pdf" } },
            "multipart/form-data": { schema: { type: "object", required: ["file"], properties: { file: { type: "string", contentMediaType: "application/pdf" } } } },
          },
        }
      : op.body
        ? { required: op.body.required, content: { "application/json": { schema: ref(op.body.schema) } } }
        : undefined;
  const responses = Object.fromEntries(
    Object.entries(op.responses).map(([status, r]) => [
      status,
      {
        description: r.description,
        ...(r.headers || status === "429" ? { headers: Object.fromEntries([...(r.headers ?? []), ...(status === "429" ? ["RetryAfter"] : [])].map((h) => [headerNames[h]!, { $ref: `#/components/headers/${h}` }])) } : {}),
        content: { [r.media ?? "application/json"]: { schema: r.schema ? ref(r.schema) : r.media === "application/pdf" ? { type: "string", contentMediaType: "application/pdf" } : { type: "object" } } },
      },
    ]),
  );
  return {
    operationId: op.operationId,
    summary: op.summary,
    description: op.description,
    tags: [op.tag],
    security: op.scope ? [{ bearer: [op.scope] }] : [],
    "x-required-scope": op.scope,
    ...(op.parameters ? { parameters: op.parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

const headerNames: Record<string, string> = { Location: "Location", IdempotentReplayed: "Idempotent-Replayed", RetryAfter: "Retry-After" };

let cached: JsonSchema | null = null;

export function openApiDocument(): JsonSchema {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operationObject(op);
  cached = {
    openapi: "3.1.1",
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    info: {
      title: "Pactly API",
      version: "1",
      description:
        `Send PDFs for signing and follow them to the signed, sealed result. Authenticate with an API key from Settings → API keys as Authorization: Bearer <key>; keys have the scopes read (GET) and write (POST). HTTPS only. Errors are application/problem+json (RFC 9457) with a stable code. Each key and each client address may make 100 requests per ${RATE_WINDOW_SECONDS} seconds. Send an ${IDEMPOTENCY_HEADER} header (1 to 255 printable characters) with a POST to make retries safe: the first answer is kept for 24 hours and replayed, with Idempotent-Replayed: true.`,
      license: { name: "AGPL-3.0-or-later", identifier: "AGPL-3.0-or-later" },
    },
    servers: [{ url: "/" }],
    tags: [
      { name: "Documents", description: "PDFs to be signed" },
      { name: "Envelopes", description: "A document sent to recipients, from draft to completed" },
      { name: "Public", description: "No key needed" },
    ],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API key: pk_live_… (pk_dev_… and pk_staging_… outside production)" },
      },
      parameters: {
        IdempotencyKey: {
          name: IDEMPOTENCY_HEADER,
          in: "header",
          required: false,
          description: "Makes a retry safe: the first answer to this key is replayed for 24 hours. The same key with a different request answers 422; while the first request runs, 409.",
          schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x20-\\x7E]+$" },
        },
      },
      headers: {
        Location: { description: "The new object's URL", schema: { type: "string" } },
        IdempotentReplayed: { description: "true when this is the stored answer to an earlier request with the same Idempotency-Key", schema: { type: "string", enum: ["true"] } },
        RetryAfter: { description: "Seconds to wait before retrying", schema: { type: "integer" } },
      },
      schemas: { ...componentSchemas(requestSchemas(), "input"), ...componentSchemas(responseSchemas, "output") },
    },
  };
  return cached;
}
