/**
 * Request bodies: read once, within a size limit checked before reading (Content-Length)
 * and while reading (a chunked body that grows too large is cut off), then parsed and
 * validated with the same zod schemas the forms use.
 */
import { concatBytes } from "@noble/hashes/utils.js";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { z } from "zod";
import { isMessageKey, translator } from "../i18n";
import type { ApiEnv } from "./context";
import { problem } from "./problem";

/** JSON bodies are small: an envelope with 50 recipients fits in far less. */
export const JSON_MAX_BYTES = 256 * 1024;

/**
 * Reads the body into `c.var.body`. Over `maxBytes` answers 413 with `code` without
 * reading further, so a 2 GB upload costs us nothing.
 */
export function readBody(maxBytes: number, code = "payload_too_large", detail = "The request body is too large") {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const declared = c.req.header("Content-Length");
    if (declared !== undefined && Number(declared) > maxBytes) return problem(c, 413, code, detail);
    const body = await readCapped(c.req.raw.body, maxBytes);
    if (!body) return problem(c, 413, code, detail);
    c.set("body", body);
    return next();
  });
}

async function readCapped(stream: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array | null> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return concatBytes(...chunks);
}

export type Parsed<T> = { ok: true; data: T } | { ok: false; response: Response };

const english = translator("en");

/** One entry per invalid field: a JSON Pointer (RFC 6901) into the request body and what is wrong, in English. */
export type FieldProblem = { pointer: string; detail: string };

export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    pointer: issue.path.map((p) => `/${String(p).replace(/~/g, "~0").replace(/\//g, "~1")}`).join(""),
    // The shared schemas' messages are translation keys; zod's own (wrong type) are English already.
    detail: isMessageKey(issue.message) ? english(issue.message) : issue.message,
  }));
}

/** 422 for a body that is well-formed but wrong; 400 for a wrong query string. */
export function validationProblem(c: Context, error: z.ZodError, status: 400 | 422 = 422): Response {
  const errors = fieldProblems(error);
  const detail = errors.length === 1 ? errors[0]!.detail : `The request has ${errors.length} problems; see errors`;
  return problem(c, status, "validation_failed", detail, { errors });
}

/**
 * The JSON body validated by `schema`. An empty body counts as `{}` when `emptyAllowed`
 * (actions whose fields are all optional); otherwise it must be application/json.
 */
export function jsonBody<S extends z.ZodType>(c: Context<ApiEnv>, schema: S, opts: { emptyAllowed?: boolean; defaults?: Record<string, unknown> } = {}): Parsed<z.output<S>> {
  const bytes = c.get("body");
  let value: unknown;
  if (bytes.length === 0 && opts.emptyAllowed) {
    value = {};
  } else {
    const type = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
      return { ok: false, response: problem(c, 415, "unsupported_media_type", "Send the body as application/json") };
    }
    try {
      value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
    } catch {
      return { ok: false, response: problem(c, 400, "malformed_json", "The body is not valid JSON") };
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, response: problem(c, 422, "validation_failed", "The body must be a JSON object", { errors: [{ pointer: "", detail: "The body must be a JSON object" }] }) };
  }
  const parsed = schema.safeParse({ ...opts.defaults, ...value });
  if (!parsed.success) return { ok: false, response: validationProblem(c, parsed.error) };
  return { ok: true, data: parsed.data };
}
