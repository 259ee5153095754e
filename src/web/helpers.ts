import type { Context } from "hono";
import type { z } from "zod";
import { isMessageKey } from "../i18n";
import type { FieldErrors, View } from "../../templates/view";
import { clientInfoFrom, type ClientInfo } from "../domain/client-info";
import { DomainError } from "../domain/errors";
import type { AppEnv } from "./context";
import type { SessionUser } from "../services/accounts";
import type { CodeKind } from "../../templates/pages/account";

export function view(c: Context<AppEnv>): View {
  const user = c.get("user");
  return {
    t: c.get("t"),
    locale: c.get("locale"),
    nonce: c.get("nonce"),
    csrf: c.get("csrf"),
    user: user ? { name: user.name, emailVerified: user.emailVerified } : null,
    // A signing link's path holds its token: never echo it into the page (language links).
    path: pathOf(c),
  };
}

function pathOf(c: Context<AppEnv>): string {
  const path = new URL(c.req.url).pathname;
  return path.startsWith("/s/") ? "/" : path;
}

/** The client's address and browser, as evidence. */
export function clientInfo(c: Context<AppEnv>): ClientInfo {
  return clientInfoFrom((name) => c.req.header(name));
}

/** zod issues → the first error per field; messages are translation keys. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? "form");
    // Our schemas name a translation key for every rule; anything else gets a generic message.
    const key = isMessageKey(issue.message) ? issue.message : "error.generic.title";
    if (!out[field]) out[field] = key;
  }
  return out;
}

/** The string fields of a parsed form body (password fields are never written back into pages). */
export function stringFields(body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string" && k !== "_csrf") out[k] = v;
  return out;
}

/** Workers Rate Limiting bindings: a fixed budget per key and minute. Checked before any expensive work. */
export async function rateLimit(c: Context<AppEnv>, scope: string, subject: string, limiter: "AUTH_LIMITER" | "LINK_LIMITER" = "AUTH_LIMITER"): Promise<void> {
  const { success } = await c.env[limiter].limit({ key: `${scope}:${subject}` });
  if (!success) throw new DomainError("rate_limited", "Too many attempts", { retryAfter: 60 });
}

/** The signed-in user of a route that runs after requireUser. */
export function signedIn(user: SessionUser | null): SessionUser {
  if (!user) throw new DomainError("unauthenticated");
  return user;
}

/** Which second factor a form or link asks for: a recovery code, or else an app code. */
export function codeKind(value: string | undefined): CodeKind {
  return value === "recovery" ? "recovery" : "totp";
}
