/**
 * `Idempotency-Key` on POST: the first answer (status, body and the headers that matter)
 * is kept for 24 hours per organisation and key, and replayed to a retry with
 * `Idempotent-Replayed: true`. The same key with another request is refused (422);
 * a retry while the first is still running is told to wait (409).
 */
import { createMiddleware } from "hono/factory";
import { hashToken, sha256Hex } from "../domain/encoding";
import { database } from "../storage/db";
import { onceForApiKey } from "../services/idempotency";
import type { ApiEnv } from "./context";
import { problem } from "./problem";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
/** 1 to 255 printable ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

const REPLAYED_HEADERS = ["Content-Type", "Location", "Retry-After"];

/** Runs after the body is read (the request hash covers it) and after authentication (the key is per organisation). */
export function idempotency() {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const key = c.req.header(IDEMPOTENCY_HEADER);
    if (key === undefined) return next();
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      return problem(c, 400, "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 printable ASCII characters");
    }
    const db = database(c.env.DB);
    const url = new URL(c.req.url);
    const target = { orgId: c.get("principal").user.orgId, keyHash: hashToken(key) };
    const body = c.get("body");
    const prefix = new TextEncoder().encode(`${c.req.method} ${url.pathname}${url.search}\n${c.req.header("Content-Type") ?? ""}\n`);
    const request = new Uint8Array(prefix.length + body.length);
    request.set(prefix);
    request.set(body, prefix.length);
    const claim = await onceForApiKey(db, { ...target, requestHash: await sha256Hex(request) }, async () => {
      await next();
      // Failures on our side are not answers: the retry should run again.
      if (c.res.status >= 500) return null;
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = c.res.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      return { status: c.res.status, headers, body: await c.res.clone().text() };
    });

    if (claim.outcome === "mismatch") {
      return problem(c, 422, "idempotency_key_reused", "This Idempotency-Key was already used for a different request");
    }
    if (claim.outcome === "in_flight") {
      return problem(c, 409, "idempotency_key_in_use", "A request with this Idempotency-Key is still being processed; retry shortly", {}, { "Retry-After": "1" });
    }
    if (claim.outcome === "replay") {
      return new Response(claim.reply.body, { status: claim.reply.status, headers: { ...claim.reply.headers, "Idempotent-Replayed": "true" } });
    }
  });
}
