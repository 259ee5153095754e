import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An RFC 9457 problem details response. `code` is our stable error code. */
export function problem(c: Context, status: number, code: string, detail: string, extra: Record<string, unknown> = {}): Response {
  return c.body(
    JSON.stringify({ type: `https://pactly.dev/problems/${code}`, title: code.replace(/_/g, " "), status, detail, code, ...extra }),
    status as ContentfulStatusCode,
    { "Content-Type": "application/problem+json" },
  );
}
