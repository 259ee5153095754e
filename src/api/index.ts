/**
 * The JSON API under /api/v1. Errors are application/problem+json (RFC 9457).
 * Authenticated endpoints arrive with the accounts issue (API keys).
 */
import { Hono } from "hono";
import type { AppEnv } from "../web/context";
import { verifyDocument, VERIFY_MAX_BYTES } from "../services/verify-document";
import { problem } from "./problem";

export const apiRoutes = new Hono<AppEnv>();

apiRoutes.get("/", (c) => c.json({ name: "Pactly API", version: "v1" }));

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
  if (!success) return problem(c, 429, "rate_limited", "Too many checks; wait a minute", {});
  return c.json(await verifyDocument(c.env, bytes));
});

apiRoutes.all("*", (c) => problem(c, 404, "not_found", "No such API endpoint"));
