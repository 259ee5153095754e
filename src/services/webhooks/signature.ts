/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is
 * `whsec_` + base64 of random bytes; each delivery carries `webhook-id`,
 * `webhook-timestamp` (unix seconds) and `webhook-signature`, a space-separated list of
 * `v1,` + base64(HMAC-SHA256(secret bytes, "{id}.{timestamp}.{body}")).
 */
import { base64ToBytes, bytesToBase64 } from "../../domain/encoding";

const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;

/** A fresh signing secret in the form receivers' libraries accept. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + bytesToBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

export function secretBytes(secret: string): Uint8Array {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error("not a webhook secret");
  return base64ToBytes(secret.slice(SECRET_PREFIX.length));
}

async function sign(secret: string, content: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", secretBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `v1,${bytesToBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(content))))}`;
}

/**
 * The three headers for one attempt. Several secrets (during a rotation's overlap) give
 * several signatures; a receiver accepts the delivery if any one verifies.
 */
export async function webhookHeaders(secrets: string[], id: string, timestampSeconds: number, body: string): Promise<Record<string, string>> {
  const content = `${id}.${timestampSeconds}.${body}`;
  const signatures = await Promise.all(secrets.map((s) => sign(s, content)));
  return { "webhook-id": id, "webhook-timestamp": String(timestampSeconds), "webhook-signature": signatures.join(" ") };
}
