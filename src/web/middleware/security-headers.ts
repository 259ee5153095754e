import { createMiddleware } from "hono/factory";
import { isLocalDevelopment } from "../../domain/deployment";
import { base64url } from "../../domain/encoding";
import { isLoopbackHttp } from "../../services/eid/config";
import type { AppEnv } from "../context";

/**
 * The eID broker's origin, when eID is configured. The eID start form answers with a redirect
 * to the broker, and browsers hold that redirect to form-action too: without it, eID is blocked.
 */
function brokerOrigin(env: AppEnv["Bindings"]): string {
  const issuer = env.EID_ISSUER ? URL.parse(env.EID_ISSUER.trim()) : null;
  if (!issuer) return "";
  const allowed = issuer.protocol === "https:" || (isLocalDevelopment(env) && isLoopbackHttp(issuer.href));
  return allowed ? ` ${issuer.origin}` : "";
}

/**
 * Strict headers on every Worker response. The CSP is nonce-based: scripts run only
 * with this response's nonce; no inline handlers, no eval. PDFs alone may be framed
 * by our own pages (frame-ancestors 'self'); everything else refuses framing.
 */
export function securityHeaders() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const nonce = base64url(crypto.getRandomValues(new Uint8Array(16)));
    c.set("nonce", nonce);
    await next();
    const isPdf = c.res.headers.get("Content-Type")?.startsWith("application/pdf") ?? false;
    const headers = c.res.headers;
    headers.set(
      "Content-Security-Policy",
      [
        "default-src 'none'",
        `script-src 'nonce-${nonce}'`,
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        `form-action 'self'${brokerOrigin(c.env)}`,
        "frame-src 'self'",
        `frame-ancestors ${isPdf ? "'self'" : "'none'"}`,
        "base-uri 'none'",
        "object-src 'none'",
      ].join("; "),
    );
    headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "same-origin");
    headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()");
    headers.set("Cross-Origin-Opener-Policy", "same-origin");
    headers.set("Cross-Origin-Resource-Policy", "same-origin");
    if (!isPdf) headers.set("X-Frame-Options", "DENY");
    if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
  });
}
