// A local OpenID Connect issuer standing in for an eID broker (Idura/Criipto) in the
// end-to-end tests: discovery, JWKS, /authorize and /token over plain http on 127.0.0.1,
// signing REAL ID tokens (RS256, jose). /authorize answers at once, as if the person had
// identified with Norwegian BankID, with an auto-submitting form_post back to Pactly;
// asked for Swedish BankID, it answers as a person who cancelled (error=access_denied),
// so the tests can reach the "nothing was signed" page too.
// Pactly accepts a plain-http issuer only on loopback and only in development.
import { createServer } from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

export const EID_CLIENT_ID = "pactly-e2e";
export const EID_CLIENT_SECRET = "e2e secret & symbols";
export const EID_NATIONAL_ID_KEY = "e2e-national-id-hmac-key-0123456789abcdef";
export const TEST_NATIONAL_ID = "01017012345";

const b64url = (buf) => Buffer.from(buf).toString("base64url");
const escapeHtml = (v) => String(v).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/** Starts the issuer on a free port; returns { url, close }. */
export async function startOidcIssuer() {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = "e2e-broker-key";
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const grants = new Map();
  let url = "";

  const server = createServer(async (req, res) => {
    const u = new URL(req.url ?? "/", url);
    const json = (body, status = 200) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      if (u.pathname === "/.well-known/openid-configuration") {
        return json({
          issuer: url,
          authorization_endpoint: `${url}/oauth2/authorize`,
          token_endpoint: `${url}/oauth2/token`,
          jwks_uri: `${url}/.well-known/jwks`,
          response_types_supported: ["code"],
          response_modes_supported: ["form_post"],
          code_challenge_methods_supported: ["S256"],
          id_token_signing_alg_values_supported: ["RS256"],
          token_endpoint_auth_methods_supported: ["client_secret_basic"],
        });
      }
      if (u.pathname === "/.well-known/jwks") return json({ keys: [jwk] });
      if (u.pathname === "/oauth2/authorize") {
        const q = u.searchParams;
        if (q.get("client_id") !== EID_CLIENT_ID || q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256" || q.get("response_mode") !== "form_post") {
          res.writeHead(400).end("bad authorization request");
          return;
        }
        const fields = { state: q.get("state") ?? "" };
        if (q.get("acr_values")?.startsWith("urn:grn:authn:se:bankid")) Object.assign(fields, { error: "access_denied", error_description: "The user cancelled" });
        else {
          const code = b64url(randomBytes(24));
          grants.set(code, { nonce: q.get("nonce"), challenge: q.get("code_challenge"), redirectUri: q.get("redirect_uri"), acr: q.get("acr_values") ?? "" });
          fields.code = code;
        }
        const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`).join("");
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        res.end(`<!DOCTYPE html><html lang="en"><title>Stand-in broker</title><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(q.get("redirect_uri") ?? "")}">${inputs}<noscript><button>Continue</button></noscript></form></body></html>`);
        return;
      }
      if (u.pathname === "/oauth2/token" && req.method === "POST") {
        let body = "";
        for await (const chunk of req) body += chunk;
        const form = new URLSearchParams(body);
        const [id = "", secret = ""] = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString().split(":");
        const decode = (v) => decodeURIComponent(v.replace(/\+/g, " "));
        if (decode(id) !== EID_CLIENT_ID || decode(secret) !== EID_CLIENT_SECRET) return json({ error: "invalid_client" }, 401);
        const grant = grants.get(form.get("code") ?? "");
        grants.delete(form.get("code") ?? "");
        if (!grant || form.get("redirect_uri") !== grant.redirectUri) return json({ error: "invalid_grant" }, 400);
        if (createHash("sha256").update(form.get("code_verifier") ?? "").digest("base64url") !== grant.challenge) return json({ error: "invalid_grant" }, 400);
        // Norwegian BankID answers with the assurance level actually used.
        const acr = grant.acr === "urn:grn:authn:no:bankid" ? "urn:grn:authn:no:bankid:substantial" : grant.acr;
        const idToken = await new SignJWT({ acr, name: "Eli Eid", given_name: "Eli", family_name: "Eid", socialno: TEST_NATIONAL_ID, nonce: grant.nonce })
          .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
          .setSubject("{e2e-pseudonymous-subject}")
          .setIssuer(url)
          .setAudience(EID_CLIENT_ID)
          .setIssuedAt()
          .setExpirationTime("5 minutes")
          .sign(privateKey);
        return json({ access_token: "opaque", token_type: "Bearer", expires_in: 300, id_token: idToken });
      }
      res.writeHead(404).end("not found");
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${server.address().port}`;
  return { url, close: () => server.close() };
}
