import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The base of every problem `type`; each code documents itself there. */
export const PROBLEM_BASE = "https://pactly.dev/problems/";

/** An RFC 9457 problem details response. `code` is our stable error code. */
export function problem(c: Context, status: number, code: string, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return c.body(
    JSON.stringify({ type: `${PROBLEM_BASE}${code}`, title: code.replace(/_/g, " "), status, detail, code, ...extra }),
    status as ContentfulStatusCode,
    { "Content-Type": "application/problem+json", ...headers },
  );
}
