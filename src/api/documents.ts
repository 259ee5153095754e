/** /api/v1/documents: upload a PDF (checked like the web form's upload) and read its metadata. */
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { DomainError, pdfRefusalMessages } from "../domain/errors";
import { uploadLimits } from "../domain/limits";
import { translator } from "../i18n";
import { uploadDocument } from "../services/envelopes/upload-document";
import { documentForMember } from "../services/documents";
import { database } from "../storage/db";
import { readBody } from "./body";
import type { ApiEnv } from "./context";
import { idempotency } from "./idempotency";
import { problem } from "./problem";
import type { ApiDocument } from "./schemas";

export const documentRoutes = new Hono<ApiEnv>();

/** Room for the multipart boundaries and part headers around the file. */
const MULTIPART_OVERHEAD = 64 * 1024;
const english = translator("en");
const tooLarge = english("pdf.tooLarge", { maxMb: uploadLimits.maxBytes / 1024 / 1024 });


const documentId = z.string().regex(/^doc_[A-Za-z0-9_-]{10,40}$/);

/** `attachment; filename="contract.pdf"` names a raw upload; otherwise it is document.pdf. */
function filenameOf(disposition: string | undefined): string {
  const star = disposition ? /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1] : undefined;
  if (star) {
    try {
      return decodeURIComponent(star);
    } catch {
      // fall back to the plain parameter
    }
  }
  return (disposition ? /filename="?([^";]+)"?/i.exec(disposition)?.[1] : undefined) ?? "document.pdf";
}

const mediaType = (header: string | undefined) => (header ?? "").split(";")[0]!.trim().toLowerCase();

/** The media type is checked before a byte of a possibly large body is read. */
const pdfOrMultipart = createMiddleware<ApiEnv>(async (c, next) => {
  if (!["application/pdf", "multipart/form-data"].includes(mediaType(c.req.header("Content-Type")))) {
    return problem(c, 415, "unsupported_media_type", "Send the PDF as application/pdf or multipart/form-data");
  }
  return next();
});

documentRoutes.post("/", pdfOrMultipart, readBody(uploadLimits.maxBytes + MULTIPART_OVERHEAD, "pdf_too_large", tooLarge), idempotency(), async (c) => {
  const type = mediaType(c.req.header("Content-Type"));
  const bytes = c.get("body");
  let file: File;
  if (type === "application/pdf") {
    file = new File([bytes], filenameOf(c.req.header("Content-Disposition")), { type: "application/pdf" });
  } else {
    const form = await new Request(c.req.url, { method: "POST", headers: { "Content-Type": c.req.header("Content-Type")! }, body: bytes })
      .formData()
      .catch(() => null);
    const part = form?.get("file");
    if (!(part instanceof File)) return problem(c, 400, "bad_request", "Send the PDF as a multipart field named file");
    file = part;
  }
  if (file.size === 0) return problem(c, 422, "not_pdf", "The request has no file");

  let document: ApiDocument;
  try {
    document = await uploadDocument(c.get("deps"), c.get("principal").user, { file });
  } catch (error) {
    const key = error instanceof DomainError ? pdfRefusalMessages[error.code] : undefined;
    if (!key || !(error instanceof DomainError)) throw error;
    const retryAfter = typeof error.details?.retryAfter === "number" ? { "Retry-After": String(error.details.retryAfter) } : undefined;
    return problem(c, error.status, error.code, english(key, { maxMb: uploadLimits.maxBytes / 1024 / 1024, maxPages: uploadLimits.maxPages }), {}, retryAfter);
  }
  const body: ApiDocument = { id: document.id, filename: document.filename, sha256: document.sha256, pages: document.pages, size: document.size, createdAt: document.createdAt };
  return c.json(body, 201, { Location: `/api/v1/documents/${document.id}` });
});

documentRoutes.get("/:id", async (c) => {
  const id = documentId.safeParse(c.req.param("id"));
  const { user } = c.get("principal");
  const row = id.success ? await documentForMember(database(c.env.DB), user, id.data) : null;
  // Another sender's document is as unknown as one that never existed (unless this member manages every envelope).
  if (!row) return problem(c, 404, "not_found", "No such document");
  const body: ApiDocument = { id: row.id, filename: row.filename, sha256: row.sha256, pages: row.pages, size: row.size, createdAt: row.createdAt };
  return c.json(body);
});
