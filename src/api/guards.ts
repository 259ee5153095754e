/**
 * What stands between the internet and an API endpoint, in order: TLS, a budget per
 * address, a valid key, a budget per key, and the key's scope.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { servesLocalDevelopment } from "../domain/deployment";
import type { ApiScope } from "../domain/api-keys";
import { authenticateApiKey } from "../services/api-keys";
import { database } from "../storage/db";
import type { ApiEnv } from "./context";
import { problem } from "./problem";

/** The Workers rate limiter counts per 60 s window: a refused client may retry after it. */
export const RATE_WINDOW_SECONDS = 60;

/**
 * Keys and documents must never cross the network in clear. Outside local development a plain
 * http request is refused (not redirected: a redirect would already have leaked the key).
 * On Workers the request URL carries the client's scheme; Cloudflare's edge also sets
 * X-Forwarded-Proto, and either saying http is enough to refuse.
 */
export function requireHttps() {
  return createMiddleware<ApiEnv>(async (c, next) => {
    if (servesLocalDevelopment(c.env, c.req.url)) return next();
    const scheme = new URL(c.req.url).protocol;
    const forwarded = c.req.header("X-Forwarded-Proto")?.split(",")[0]?.trim().toLowerCase();
    if (scheme !== "https:" || (forwarded !== undefined && forwarded !== "https")) {
      return problem(c, 403, "https_required", "The API is only available over HTTPS");
    }
    return next();
  });
}

async function overBudget(c: Context<ApiEnv>, key: string): Promise<boolean> {
  const { success } = await c.env.API_LIMITER.limit({ key });
  return !success;
}

function tooMany(c: Context<ApiEnv>, detail: string): Response {
  return problem(c, 429, "rate_limited", detail, {}, { "Retry-After": String(RATE_WINDOW_SECONDS) });
}

/** Per client address, before the key is even looked up: guessing keys costs budget. */
export function limitByAddress() {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const ip = c.req.header("CF-Connecting-IP") ?? "unknown";
    if (await overBudget(c, `ip:${ip}`)) return tooMany(c, "Too many requests from this address; wait a minute");
    return next();
  });
}

function unauthenticated(c: Context<ApiEnv>, detail: string, tokenGiven: boolean): Response {
  const challenge = tokenGiven ? 'Bearer realm="Pactly API", error="invalid_token"' : 'Bearer realm="Pactly API"';
  return problem(c, 401, "unauthenticated", detail, {}, { "WWW-Authenticate": challenge });
}

/** `Authorization: Bearer <key>`; anything else is 401 with a Bearer challenge (RFC 6750). */
export function authenticate() {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const header = c.req.header("Authorization");
    const match = header ? /^Bearer +(\S+) *$/i.exec(header) : null;
    if (!match) return unauthenticated(c, "Send an API key as Authorization: Bearer <key>", header !== undefined);
    const principal = await authenticateApiKey(database(c.env.DB), match[1]!);
    if (!principal) return unauthenticated(c, "This API key is not valid or has been revoked", true);
    c.set("principal", principal);
    if (await overBudget(c, `key:${principal.keyId}`)) return tooMany(c, "Too many requests with this API key; wait a minute");
    return next();
  });
}

/** Reading needs `read`; every POST changes something and needs `write`. */
export function requireScope() {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const needed: ApiScope = c.req.method === "GET" || c.req.method === "HEAD" ? "read" : "write";
    if (!c.get("principal").scopes.includes(needed)) {
      return problem(c, 403, "insufficient_scope", `This API key lacks the "${needed}" scope`, { requiredScope: needed }, {
        "WWW-Authenticate": `Bearer realm="Pactly API", error="insufficient_scope", scope="${needed}"`,
      });
    }
    return next();
  });
}
