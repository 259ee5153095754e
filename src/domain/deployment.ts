/**
 * Where development-only behaviour may run: the outbox instead of real email and SMS,
 * plain-http API calls, a plain-http eID broker. `ENVIRONMENT = "development"` alone is not
 * enough, because a variable can be deployed by mistake (`wrangler deploy` without `--env`
 * once published the outbox). The app's own URL, and for a request its host, must be names
 * that no request routed to a deployed Worker can carry.
 */

/** The variables that decide it; a subset of Env so the domain stays free of bindings. */
export type DeploymentVars = { ENVIRONMENT: string; APP_URL?: string };

/**
 * Loopback addresses and the names RFC 6761 reserves for this machine and for testing
 * (`localhost`, `*.localhost`, `*.test`): Cloudflare can never route them to a Worker.
 */
export function isLocalHostname(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".test")) return true;
  if (host === "[::1]" || host === "::1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** True only where ENVIRONMENT says development and APP_URL is on this machine. */
export function isLocalDevelopment(vars: DeploymentVars): boolean {
  if (vars.ENVIRONMENT !== "development" || !vars.APP_URL) return false;
  const appUrl = URL.parse(vars.APP_URL);
  return appUrl !== null && isLocalHostname(appUrl.hostname);
}

/** For a request: local development, and the request itself came to a local name. */
export function servesLocalDevelopment(vars: DeploymentVars, requestUrl: string): boolean {
  const url = URL.parse(requestUrl);
  return url !== null && isLocalDevelopment(vars) && isLocalHostname(url.hostname);
}
