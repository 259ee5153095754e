/**
 * The JSON API under /api/v1. Errors are application/problem+json (RFC 9457).
 * Public: GET /api/v1, GET /api/v1/openapi.json, POST /api/v1/verify. Everything else
 * needs `Authorization: Bearer <API key>`, over HTTPS outside development, within the
 * rate limits, with the scope the method needs (GET read, POST write).
 */
import { Hono } from "hono";
import { DomainError } from "../domain/errors";
import { verifyPdf, VERIFY_MAX_BYTES } from "../services/pdf";
import type { ApiEnv } from "./context";
import { auditLogApiRoutes } from "./audit-log";
import { documentRoutes } from "./documents";
import { envelopeApiRoutes } from "./envelopes";
import { authenticate, limitByAddress, requireHttps, requireScope } from "./guards";
import { openApiDocument } from "./openapi";
import { problem } from "./problem";

export const apiRoutes = new Hono<ApiEnv>();

apiRoutes.use("*", requireHttps());

apiRoutes.get("/", (c) => c.json({ name: "Pactly API", version: "v1", openapi: "/api/v1/openapi.json", documentation: "/docs/api" }));

apiRoutes.get("/openapi.json", (c) => c.json(openApiDocument(), 200, { "Cache-Control": "public, max-age=300" }));

/**
 * POST /api/v1/verify: the PDF as the raw body (application/pdf) or a multipart
 * field "file". Public: it reveals nothing the file does not already contain.
 */
apiRoutes.post("/verify", async (c) => {
  const type = c.req.header("Content-Type") ?? "";
  const declared = Number(c.req.header("Content-Length") ?? 0);
  if (declared > VERIFY_MAX_BYTES) return problem(c, 413, "pdf_too_large", `The file must be smaller than ${VERIFY_MAX_BYTES / 1024 / 1024} MB`);
  let bytes: Uint8Array;
  if (type.startsWith("application/pdf")) {
    bytes = new Uint8Array(await c.req.arrayBuffer());
  } else if (type.startsWith("multipart/form-data")) {
    const body = await c.req.parseBody().catch(() => null);
    const file = body?.file;
    if (!(file instanceof File)) return problem(c, 400, "bad_request", "Send the PDF as the request body (application/pdf) or as a multipart field named file");
    bytes = new Uint8Array(await file.arrayBuffer());
  } else {
    return problem(c, 415, "unsupported_media_type", "Send the PDF as application/pdf or multipart/form-data");
  }
  if (bytes.length === 0) return problem(c, 400, "bad_request", "The request has no file");
  if (bytes.length > VERIFY_MAX_BYTES) return problem(c, 413, "pdf_too_large", `The file must be smaller than ${VERIFY_MAX_BYTES / 1024 / 1024} MB`);
  const { success } = await c.env.LINK_LIMITER.limit({ key: `verify:${c.req.header("CF-Connecting-IP") ?? "unknown"}` });
  if (!success) return problem(c, 429, "rate_limited", "Too many checks; wait a minute", {}, { "Retry-After": "60" });
  return c.json(await verifyPdf(c.env, bytes));
});

// Everything below needs a key. Unknown paths too: without a key nobody learns which exist.
apiRoutes.use("*", limitByAddress(), authenticate(), requireScope());
apiRoutes.route("/documents", documentRoutes);
apiRoutes.route("/envelopes", envelopeApiRoutes);
apiRoutes.route("/audit-log", auditLogApiRoutes);

apiRoutes.all("*", (c) => problem(c, 404, "not_found", "No such API endpoint"));

/**
 * Typed errors become problem+json with the safe details a client can act on: the
 * refusal's reason (e.g. remind_too_soon), when to retry, and which field. Anything
 * else goes on to the app's handler, which logs it and answers a generic 500.
 */
apiRoutes.onError((error, c) => {
  if (!(error instanceof DomainError) || error.status >= 500) throw error;
  const details = error.details ?? {};
  const extra: Record<string, unknown> = {};
  const headers: Record<string, string> = {};
  if (typeof details.reason === "string") extra.reason = details.reason;
  if (typeof details.field === "string") extra.errors = [{ pointer: `/${details.field}`, detail: error.message }];
  if (typeof details.retryAt === "string") {
    extra.retryAt = details.retryAt;
    headers["Retry-After"] = String(Math.max(1, Math.ceil((Date.parse(details.retryAt) - Date.now()) / 1000)));
  }
  if (typeof details.retryAfter === "number") headers["Retry-After"] = String(details.retryAfter);
  return problem(c, error.status, error.code, error.message, extra, headers);
});
