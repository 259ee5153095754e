/**
 * Builds the Hono app: security headers, language, CSRF and sessions for pages,
 * the routers, and one error handler that maps typed errors to pages or problem+json.
 */
import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { apiRoutes } from "./api";
import { problem } from "./api/problem";
import { DomainError } from "./domain/errors";
import type { MessageKey } from "./i18n";
import { accountRoutes } from "./web/account";
import { goodbyeRoutes } from "./web/your-data";
import { agreementRoutes } from "./web/agreements";
import { apiDocsRoutes, apiKeyRoutes } from "./web/api-keys";
import { webhookRoutes } from "./web/webhooks";
import { auditLogRoutes } from "./web/audit-log";
import { invitationRoutes, organisationRoutes } from "./web/organisations";
import { authRoutes } from "./web/auth";
import type { AppEnv } from "./web/context";
import { devRoutes } from "./web/dev";
import { envelopeRoutes } from "./web/envelopes";
import { healthRoutes } from "./web/health";
import { view } from "./web/helpers";
import { csrf } from "./web/middleware/csrf";
import { deps as requestDeps } from "./web/middleware/deps";
import { locale } from "./web/middleware/locale";
import { securityHeaders } from "./web/middleware/security-headers";
import { session } from "./web/middleware/session";
import { signingRoutes } from "./web/signing";
import { eidRoutes } from "./web/eid";
import type { EdgeFetch } from "./services/eid/oidc";
import { verifyRoutes } from "./web/verify";
import { ErrorPage } from "../templates/pages/error";

/**
 * `edgeFetch` is how the Worker reaches other services on the network (today the eID
 * broker); tests pass a local stand-in. Defaults to the global fetch.
 */
export function createApp(deps: { edgeFetch?: EdgeFetch } = {}) {
  const edgeFetch: EdgeFetch = deps.edgeFetch ?? ((input, init) => fetch(input, init));
  const app = new Hono<AppEnv>();

  app.use("*", securityHeaders());
  app.use("*", requestDeps());
  app.route("/", healthRoutes);
  app.route("/api/v1", apiRoutes);

  app.use("*", locale());
  app.use("*", csrf());
  app.use("*", session());
  app.route("/", authRoutes);
  app.route("/account", accountRoutes);
  app.route("/goodbye", goodbyeRoutes);
  app.route("/envelopes", envelopeRoutes);
  app.route("/agreements", agreementRoutes);
  app.route("/", signingRoutes);
  app.route("/", eidRoutes(edgeFetch));
  app.route("/verify", verifyRoutes);
  app.route("/dev", devRoutes);
  app.route("/settings/api-keys", apiKeyRoutes);
  app.route("/settings/webhooks", webhookRoutes(edgeFetch));
  app.route("/settings/audit-log", auditLogRoutes);
  app.route("/settings/organisation", organisationRoutes);
  app.route("/invitations", invitationRoutes);
  app.route("/docs/api", apiDocsRoutes);

  app.notFound((c) => errorResponse(c, new DomainError("not_found")));
  app.onError((error, c) => errorResponse(c, error));
  return app;
}

const pages: Partial<Record<string, [MessageKey, MessageKey]>> = {
  not_found: ["error.notFound.title", "error.notFound.body"],
  link_invalid: ["error.notFound.title", "error.notFound.body"],
  csrf_failed: ["error.csrf.title", "error.csrf.body"],
  rate_limited: ["error.rateLimited.title", "error.rateLimited.body"],
  forbidden: ["error.forbidden.title", "error.notFound.body"],
  email_unverified: ["account.unverified.title", "account.unverified.body"],
  decryption_failed: ["documents.unreadable.title", "documents.unreadable.body"],
};

/** People get a page that says what to do; the detail goes to the log, never to the page. */
function errorResponse(c: Context<AppEnv>, error: unknown): Response | Promise<Response> {
  const known = error instanceof DomainError ? error : null;
  const status = known ? known.status : error instanceof HTTPException ? error.status : 500;
  const code = known?.code ?? (status === 500 ? "internal" : "bad_request");
  if (status >= 500) {
    console.error(JSON.stringify({ msg: "request failed", path: new URL(c.req.url).pathname, code, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
  }
  const retryAfter = typeof known?.details?.retryAfter === "number" ? { "Retry-After": String(known.details.retryAfter) } : undefined;
  if (new URL(c.req.url).pathname.startsWith("/api/")) {
    const res = problem(c, status, code, status >= 500 ? "Something went wrong on our side" : (known?.message ?? "Bad request"));
    if (retryAfter) res.headers.set("Retry-After", retryAfter["Retry-After"]);
    return res;
  }
  if (!c.get("t")) return c.text(status >= 500 ? "Something went wrong" : "Not found", status as 500);
  const t = c.get("t");
  const [titleKey, bodyKey] = pages[code] ?? (status >= 500 ? ["error.server.title", "error.server.body"] : ["error.generic.title", "error.notFound.body"]);
  return c.html(<ErrorPage view={{ ...view(c), user: c.get("user") ?? null }} title={t(titleKey)} body={t(bodyKey)} />, status as 500, retryAfter);
}
