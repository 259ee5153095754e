/**
 * Pure eID rules: the nonce that binds an ID token to what is signed, the national
 * identity number claims we know, the name comparison behind the sender's warning,
 * and the evidence kept. No bindings, no network.
 */
import { base64url, bytesToHex } from "../../domain/encoding";
import type { EidScheme, IdentificationEvidence } from "../../domain/identification";

/**
 * nonce = base64url(SHA-256(documentSha256 ‖ envelopeId ‖ recipientId ‖ salt)), newline-separated.
 * The document hash and the signer bind the ID token to this signing; the random salt
 * (kept server side) makes every attempt's nonce different, so a token cannot be replayed.
 */
export async function eidNonce(input: { documentSha256: string; envelopeId: string; recipientId: string; salt: string }): Promise<string> {
  const material = [input.documentSha256, input.envelopeId, input.recipientId, input.salt].join("\n");
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(material))));
}

/** PKCE S256: the challenge is base64url(SHA-256(verifier)). */
export async function pkceChallenge(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
}

/**
 * Claims that carry a national identity number, by the brokers' names: `ssn` (Idura/Criipto,
 * Swedish BankID and others), `socialno` (Criipto, Norwegian BankID), `cprNumberIdentifier`
 * (MitID CPR), `hetu` (Finnish henkilötunnus), `nin` (Signicat). The first present one is used.
 */
export const nationalIdClaims = ["ssn", "socialno", "cprNumberIdentifier", "hetu", "nin"] as const;

export function nationalIdOf(claims: Record<string, unknown>): string | null {
  for (const name of nationalIdClaims) {
    const value = claims[name];
    if (typeof value === "string" && value.trim()) return value.replace(/\s+/g, "").toUpperCase();
  }
  return null;
}

/** HMAC-SHA-256 (hex) of a national identity number under the deployment's key: comparable, never reversible without the key. */
export async function nationalIdHash(key: string, number: string): Promise<string> {
  const k = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(number)));
  return bytesToHex(mac);
}

/** The name as the eID returned it: `name`, else given and family names. */
export function nameOf(claims: Record<string, unknown>): string | null {
  const text = (v: unknown) => (typeof v === "string" ? v.trim() : "");
  const full = text(claims.name) || [text(claims.given_name), text(claims.family_name)].filter(Boolean).join(" ");
  return full || null;
}

// Letters that do not decompose under NFKD but have a plain-Latin reading.
const FOLD: Record<string, string> = { ø: "o", æ: "ae", œ: "oe", ß: "ss", đ: "d", ð: "d", ł: "l", þ: "th" };

/** Lowercase words without diacritics or punctuation: "Bjørn-Åge Ødegård" → ["bjorn", "age", "odegard"]. */
export function nameWords(name: string): string[] {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[øæœßđðłþ]/g, (ch) => FOLD[ch] ?? ch)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * Whether the name the sender entered matches the name the eID returned, ignoring case,
 * diacritics and punctuation. Every word the sender typed must appear in the returned
 * name, so a middle name the sender left out is no mismatch, but a different person is.
 */
export function namesMatch(entered: string, returned: string): boolean {
  const want = nameWords(entered);
  const got = new Set(nameWords(returned));
  return want.length > 0 && want.every((w) => got.has(w));
}

/** The minimum kept about an eID identification: never the number, never the token. */
export async function eidEvidence(input: {
  issuer: string;
  scheme: EidScheme;
  requestedAcr: string;
  claims: Record<string, unknown>;
  signerName: string;
  nationalIdKey: string;
  at: string;
}): Promise<Extract<IdentificationEvidence, { method: "eid" }>> {
  const { claims } = input;
  const name = nameOf(claims) ?? "";
  const number = nationalIdOf(claims);
  return {
    method: "eid",
    provider: input.issuer,
    scheme: input.scheme,
    assurance: typeof claims.acr === "string" && claims.acr ? claims.acr : input.requestedAcr,
    name,
    subject: String(claims.sub),
    nationalIdHash: number ? await nationalIdHash(input.nationalIdKey, number) : null,
    nameMismatch: !namesMatch(input.signerName, name),
    at: input.at,
  };
}
