import { getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { randomToken, timingSafeEqual } from "../../domain/encoding";
import { DomainError } from "../../domain/errors";
import { EID_CALLBACK_PATH } from "../../services/eid/config";
import { CSRF_FIELD } from "../../../templates/view";
import type { AppEnv } from "../context";

export const CSRF_COOKIE = "__Host-pactly-csrf";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF for HTML forms: a double-submit token (a __Host- cookie that only this origin
 * can set, echoed in a hidden field) plus Sec-Fetch-Site / Origin checks. Origin alone
 * is not enough: some browsers send `Origin: null` (see platform.md).
 */
export function csrf() {
  return createMiddleware<AppEnv>(async (c, next) => {
    let token = getCookie(c, CSRF_COOKIE);
    if (!token || token.length < 32) {
      token = randomToken();
      setCookie(c, CSRF_COOKIE, token, { path: "/", secure: true, httpOnly: true, sameSite: "Lax" });
    }
    c.set("csrf", token);
    if (SAFE.has(c.req.method)) return next();
    // The eID broker's form_post callback is cross-site by design; its single-use OIDC state stands in for the form token.
    if (c.req.method === "POST" && new URL(c.req.url).pathname === EID_CALLBACK_PATH) return next();

    const site = c.req.header("Sec-Fetch-Site");
    if (site && site !== "same-origin" && site !== "none") throw new DomainError("csrf_failed", "Cross-site form post");
    const origin = c.req.header("Origin");
    if (origin && origin !== new URL(c.req.url).origin) throw new DomainError("csrf_failed", "Foreign origin");

    const type = c.req.header("Content-Type") ?? "";
    if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) {
      throw new DomainError("csrf_failed", "Forms only");
    }
    let body: Record<string, unknown>;
    try {
      body = await c.req.parseBody();
    } catch {
      // A malformed body (e.g. multipart without a boundary) is the client's mistake, not ours.
      throw new DomainError("bad_request", "The form could not be read");
    }
    const sent = body[CSRF_FIELD];
    const cookie = getCookie(c, CSRF_COOKIE);
    if (typeof sent !== "string" || !cookie || !timingSafeEqual(sent, cookie)) {
      throw new DomainError("csrf_failed", "Missing or wrong form token");
    }
    return next();
  });
}
