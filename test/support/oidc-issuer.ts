/**
 * A local OpenID Connect issuer standing in for an eID broker (Idura/Criipto, Signicat):
 * discovery, JWKS, /authorize and /token, signing REAL ID tokens with jose (RS256).
 * No network: use `issuer.fetch` as the app's edge fetch. `/authorize` answers at once,
 * as if the person had identified, with an auto-submitting form_post page carrying
 * the code and state (`formPost()` reads it).
 *
 * `mode` makes the next token misbehave in one specific way; `claims` overrides claims.
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

export type IssuerMode =
  | "ok"
  | "wrongNonce"
  | "wrongAudience"
  | "expired"
  | "algNone"
  /** Signed by a key the JWKS does not hold (it claims the real key's kid). */
  | "unknownKey"
  | "wrongIssuer"
  /** The person cancels at the broker: error=access_denied. */
  | "cancel";

export type OidcIssuer = {
  /** The issuer URL (unique per instance, so nothing cached for another instance applies). */
  url: string;
  clientId: string;
  clientSecret: string;
  fetch: (input: Request | string | URL, init?: RequestInit) => Promise<Response>;
  mode: IssuerMode;
  /** Claims for the ID tokens, over the defaults (a Norwegian BankID person with a national id number). */
  claims: Record<string, unknown>;
  /** Query of every /authorize request, oldest first. */
  readonly authorizeRequests: URLSearchParams[];
  /** How the client authenticated at /token, per request. */
  readonly tokenAuth: ("client_secret_basic" | "client_secret_post" | "none")[];
  /** GETs an authorization URL and returns the form_post the browser would submit. */
  formPost(authorizationUrl: string): Promise<{ action: string; fields: Record<string, string> }>;
};

export const TEST_NATIONAL_ID = "01017012345";

type Grant = { nonce: string; challenge: string; redirectUri: string; acr: string };

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function s256(verifier: string): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
}

function escapeHtml(v: string): string {
  return v.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

export async function createOidcIssuer(opts: { clientId?: string; clientSecret?: string; authMethods?: string[] } = {}): Promise<OidcIssuer> {
  const url = `https://broker-${crypto.randomUUID().slice(0, 8)}.example`;
  const clientId = opts.clientId ?? "pactly-test-client";
  const clientSecret = opts.clientSecret ?? "s3cret with spaces & symbols";
  const authMethods = opts.authMethods ?? ["client_secret_basic", "client_secret_post"];
  const kid = "broker-key-1";
  const real = await generateKeyPair("RS256", { extractable: true });
  const rogue = await generateKeyPair("RS256", { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(real.publicKey)), kid, alg: "RS256", use: "sig" };
  const grants = new Map<string, Grant>();
  const authorizeRequests: URLSearchParams[] = [];
  const tokenAuth: OidcIssuer["tokenAuth"] = [];

  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

  async function idToken(grant: Grant): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const mode = issuer.mode;
    const payload: Record<string, unknown> = {
      sub: "{b7f1c9e2-pseudonymous-subject}",
      acr: grant.acr,
      name: "Kari Nordmann",
      given_name: "Kari",
      family_name: "Nordmann",
      socialno: TEST_NATIONAL_ID,
      ...issuer.claims,
      nonce: mode === "wrongNonce" ? `${grant.nonce}x` : grant.nonce,
    };
    if (mode === "algNone") {
      const enc = (o: unknown) => b64url(new TextEncoder().encode(JSON.stringify(o)));
      return `${enc({ alg: "none", typ: "JWT" })}.${enc({ ...payload, iss: url, aud: clientId, iat: now, exp: now + 300 })}.`;
    }
    const key: CryptoKey = mode === "unknownKey" ? rogue.privateKey : real.privateKey;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
      .setIssuer(mode === "wrongIssuer" ? "https://evil-broker.example" : url)
      .setAudience(mode === "wrongAudience" ? "someone-elses-client" : clientId)
      .setIssuedAt(mode === "expired" ? now - 3600 : now)
      .setExpirationTime(mode === "expired" ? now - 1800 : now + 300)
      .sign(key);
  }

  async function handle(request: Request): Promise<Response> {
    const u = new URL(request.url);
    if (u.origin !== url) return new Response("unknown host", { status: 502 });
    if (u.pathname === "/.well-known/openid-configuration") {
      return json({
        issuer: url,
        authorization_endpoint: `${url}/oauth2/authorize`,
        token_endpoint: `${url}/oauth2/token`,
        jwks_uri: `${url}/.well-known/jwks`,
        response_types_supported: ["code"],
        response_modes_supported: ["query", "form_post"],
        code_challenge_methods_supported: ["S256"],
        id_token_signing_alg_values_supported: ["RS256"],
        token_endpoint_auth_methods_supported: authMethods,
      });
    }
    if (u.pathname === "/.well-known/jwks") return json({ keys: [publicJwk] });
    if (u.pathname === "/oauth2/authorize") {
      const q = u.searchParams;
      authorizeRequests.push(q);
      const redirectUri = q.get("redirect_uri") ?? "";
      if (q.get("client_id") !== clientId || q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256") {
        return new Response("bad authorization request", { status: 400 });
      }
      const fields: Record<string, string> = { state: q.get("state") ?? "" };
      if (issuer.mode === "cancel") {
        fields.error = "access_denied";
        fields.error_description = "The user cancelled";
      } else {
        const code = b64url(crypto.getRandomValues(new Uint8Array(24)));
        grants.set(code, { nonce: q.get("nonce") ?? "", challenge: q.get("code_challenge") ?? "", redirectUri, acr: q.get("acr_values") ?? "" });
        fields.code = code;
      }
      const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`).join("");
      return new Response(`<!DOCTYPE html><html><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(redirectUri)}">${inputs}<noscript><button>Continue</button></noscript></form></body></html>`, {
        headers: { "Content-Type": "text/html" },
      });
    }
    if (u.pathname === "/oauth2/token" && request.method === "POST") {
      const form = new URLSearchParams(await request.text());
      const basic = request.headers.get("Authorization");
      let id: string | null = null;
      let secret: string | null = null;
      if (basic?.startsWith("Basic ")) {
        const [a = "", b = ""] = atob(basic.slice(6)).split(":");
        id = decodeURIComponent(a.replace(/\+/g, " "));
        secret = decodeURIComponent(b.replace(/\+/g, " "));
        tokenAuth.push("client_secret_basic");
      } else if (form.has("client_secret")) {
        id = form.get("client_id");
        secret = form.get("client_secret");
        tokenAuth.push("client_secret_post");
      } else tokenAuth.push("none");
      if (id !== clientId || secret !== clientSecret) return json({ error: "invalid_client" }, 401);
      const code = form.get("code") ?? "";
      const grant = grants.get(code);
      grants.delete(code);
      if (!grant || form.get("grant_type") !== "authorization_code" || form.get("redirect_uri") !== grant.redirectUri) return json({ error: "invalid_grant" }, 400);
      if ((await s256(form.get("code_verifier") ?? "")) !== grant.challenge) return json({ error: "invalid_grant", error_description: "PKCE" }, 400);
      return json({ access_token: "opaque", token_type: "Bearer", expires_in: 300, id_token: await idToken(grant) });
    }
    return new Response("not found", { status: 404 });
  }

  const issuer: OidcIssuer = {
    url,
    clientId,
    clientSecret,
    mode: "ok",
    claims: {},
    authorizeRequests,
    tokenAuth,
    fetch: (input, init) => handle(new Request(input, init)),
    async formPost(authorizationUrl) {
      const html = await (await handle(new Request(authorizationUrl))).text();
      const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1] ?? "";
      const fields: Record<string, string> = {};
      for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = m[2]!.replace(/&lt;/g, "<").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
      return { action: action.replace(/&amp;/g, "&"), fields };
    },
  };
  return issuer;
}
