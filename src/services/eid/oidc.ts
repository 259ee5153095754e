/**
 * A small OpenID Connect client for an eID broker: discovery (cached), the authorization
 * URL (code flow, PKCE S256, form_post), the token exchange and ID token verification
 * with jose against the broker's JWKS. Every network call goes through `edgeFetch`, so
 * tests can put a local issuer behind it.
 */
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { z } from "zod";
import { timingSafeEqual } from "../../domain/encoding";
import { isLoopbackHttp, type EidConfig } from "./config";

export type EdgeFetch = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** Why an eID step failed, for the log (never with tokens, codes or numbers in it). */
export class EidError extends Error {
  constructor(
    readonly reason: "broker_unreachable" | "discovery_invalid" | "token_exchange_failed" | "id_token_invalid" | "nonce_mismatch" | "acr_mismatch",
    detail: string,
  ) {
    super(detail);
    this.name = "EidError";
  }
}

/** Only these signature algorithms are accepted; `none` and HMAC (a shared secret anyone with it could forge) never. */
export const ALLOWED_ALGORITHMS = ["RS256", "ES256", "PS256"];
/** Clock skew allowed between the broker and us when checking exp and iat. */
const CLOCK_TOLERANCE_S = 60;
/** An ID token older than this is refused even if not expired: the signer just came back from the broker. */
const MAX_TOKEN_AGE = "10 minutes";
const DISCOVERY_TTL_MS = 3600_000;
const TIMEOUT_MS = 10_000;

const httpsUrl = z.url({ protocol: /^https?$/ }); // https is checked with the configuration, in discover()
const discoverySchema = z.object({
  issuer: z.string(),
  authorization_endpoint: httpsUrl,
  token_endpoint: httpsUrl,
  jwks_uri: httpsUrl,
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
});
export type Discovery = z.infer<typeof discoverySchema>;

type Cached = { discovery: Discovery; jwks: ReturnType<typeof createRemoteJWKSet>; fetchedAt: number };
// Per isolate: discovery and keys are fetched once an hour, not on every signer.
const cache = new Map<string, Cached>();

async function discover(config: EidConfig, edgeFetch: EdgeFetch): Promise<Cached> {
  const hit = cache.get(config.issuer);
  if (hit && Date.now() - hit.fetchedAt < DISCOVERY_TTL_MS) return hit;
  const url = `${config.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    const res = await edgeFetch(url, { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) throw new EidError("broker_unreachable", `discovery answered ${res.status}`);
    body = await res.json();
  } catch (error) {
    if (error instanceof EidError) throw error;
    throw new EidError("broker_unreachable", `discovery failed: ${error instanceof Error ? error.name : "error"}`);
  }
  const parsed = discoverySchema.safeParse(body);
  if (!parsed.success) throw new EidError("discovery_invalid", "discovery document is not valid");
  // Endpoints must be https; a loopback stand-in only where the configuration allowed one (development).
  const endpoints = [parsed.data.authorization_endpoint, parsed.data.token_endpoint, parsed.data.jwks_uri];
  if (!endpoints.every((e) => e.startsWith("https://") || (config.allowLoopbackHttp && isLoopbackHttp(e)))) {
    throw new EidError("discovery_invalid", "discovery endpoints are not https");
  }
  // OpenID Connect Discovery §4.3: the document's issuer must be exactly the one we asked.
  if (parsed.data.issuer !== config.issuer) throw new EidError("discovery_invalid", "discovery issuer differs from EID_ISSUER");
  const jwks = createRemoteJWKSet(new URL(parsed.data.jwks_uri), {
    timeoutDuration: TIMEOUT_MS,
    cooldownDuration: 30_000,
    cacheMaxAge: DISCOVERY_TTL_MS,
    [customFetch]: (url, options) => edgeFetch(url, options as RequestInit),
  });
  const entry = { discovery: parsed.data, jwks, fetchedAt: Date.now() };
  cache.set(config.issuer, entry);
  return entry;
}

/** The broker's authorization URL for one attempt. */
export async function authorizationUrl(
  config: EidConfig,
  edgeFetch: EdgeFetch,
  input: { redirectUri: string; state: string; nonce: string; codeChallenge: string; acr: string; uiLocales: string },
): Promise<string> {
  const { discovery } = await discover(config, edgeFetch);
  const url = new URL(discovery.authorization_endpoint);
  const params: Record<string, string> = {
    response_type: "code",
    response_mode: "form_post",
    client_id: config.clientId,
    redirect_uri: input.redirectUri,
    scope: "openid",
    state: input.state,
    nonce: input.nonce,
    code_challenge: input.codeChallenge,
    code_challenge_method: "S256",
    acr_values: input.acr,
    ui_locales: input.uiLocales,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

const tokenResponseSchema = z.object({ id_token: z.string().min(1), token_type: z.string().optional() });

/** Exchanges the one-time code (with the PKCE verifier) for an ID token. */
export async function exchangeCode(
  config: EidConfig,
  edgeFetch: EdgeFetch,
  input: { code: string; codeVerifier: string; redirectUri: string },
): Promise<string> {
  const { discovery } = await discover(config, edgeFetch);
  const form = new URLSearchParams({ grant_type: "authorization_code", code: input.code, redirect_uri: input.redirectUri, code_verifier: input.codeVerifier });
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" };
  // client_secret_basic is the default (RFC 6749 §2.3.1, with form-encoded id and secret); post only when that is all the broker offers.
  const methods = discovery.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
  if (!methods.includes("client_secret_basic") && methods.includes("client_secret_post")) {
    form.set("client_id", config.clientId);
    form.set("client_secret", config.clientSecret);
  } else {
    headers.Authorization = `Basic ${btoa(`${formEncode(config.clientId)}:${formEncode(config.clientSecret)}`)}`;
  }
  let res: Response;
  try {
    res = await edgeFetch(discovery.token_endpoint, { method: "POST", headers, body: form, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new EidError("broker_unreachable", `token endpoint failed: ${error instanceof Error ? error.name : "error"}`);
  }
  if (!res.ok) {
    // The OAuth error code is safe to log; the body is not echoed as a whole.
    const code = await res.json().then((b) => (b as { error?: unknown }).error, () => undefined);
    throw new EidError("token_exchange_failed", `token endpoint answered ${res.status}${typeof code === "string" ? ` ${code.slice(0, 40)}` : ""}`);
  }
  const parsed = tokenResponseSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new EidError("token_exchange_failed", "token response has no id_token");
  return parsed.data.id_token;
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, "+");
}

/**
 * Verifies an ID token: signature by a key in the broker's JWKS with an allowed algorithm,
 * issuer, audience (and authorized party when there are several), exp and iat within a
 * small leeway, and the nonce this attempt expects. Returns its claims.
 */
export async function verifyIdToken(
  config: EidConfig,
  edgeFetch: EdgeFetch,
  input: { idToken: string; nonce: string; acrPrefix: string },
): Promise<JWTPayload> {
  const { jwks } = await discover(config, edgeFetch);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(input.idToken, jwks, {
      issuer: config.issuer,
      audience: config.clientId,
      algorithms: ALLOWED_ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_S,
      maxTokenAge: MAX_TOKEN_AGE,
      requiredClaims: ["iss", "aud", "exp", "iat", "sub", "nonce"],
    }));
  } catch (error) {
    // jose's codes and messages name the failed check, never the token's contents.
    const code = error instanceof joseErrors.JOSEError ? error.code : "ERR_UNKNOWN";
    throw new EidError("id_token_invalid", `${code}: ${error instanceof Error ? error.message.slice(0, 120) : ""}`);
  }
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== config.clientId) {
    throw new EidError("id_token_invalid", "azp is not our client id");
  }
  if (typeof payload.nonce !== "string" || !timingSafeEqual(payload.nonce, input.nonce)) {
    throw new EidError("nonce_mismatch", "the ID token's nonce is not the one this attempt sent");
  }
  // The broker must not answer with another scheme than the one asked for.
  if (typeof payload.acr === "string" && !payload.acr.startsWith(input.acrPrefix)) {
    throw new EidError("acr_mismatch", "the ID token's acr is not the scheme asked for");
  }
  return payload;
}

/** Forgets cached discovery documents and keys (tests switch brokers). */
export function forgetDiscovery(): void {
  cache.clear();
}
