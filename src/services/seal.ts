/**
 * Pactly's seal over finished PDFs: the signer (a key from secrets here; a remote
 * KMS/HSM signer implements the same SealSigner type) and the optional RFC 3161
 * timestamp authority for PAdES-B-T.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import type { Env } from "../env";
import { sealPdf } from "../pdf/seal";
import { certificateSha256, keySealSigner, type SealSigner } from "../pdf/seal-signer";
import { requestTimestamp } from "../pdf/timestamp";

let cached: { source: string; signer: Promise<SealSigner> } | null = null;

/** The seal signer, imported once per isolate. */
export function sealSigner(env: Pick<Env, "SEAL_CERT_PEM" | "SEAL_KEY_PEM">): Promise<SealSigner> {
  const source = env.SEAL_CERT_PEM + env.SEAL_KEY_PEM;
  if (!cached || cached.source !== source) cached = { source, signer: keySealSigner(env.SEAL_CERT_PEM, env.SEAL_KEY_PEM) };
  return cached.signer;
}

/** The SHA-256 fingerprint of this deployment's seal certificate, to tell our seals from others'. */
export function sealFingerprint(env: Pick<Env, "SEAL_CERT_PEM">): Promise<string> {
  return certificateSha256(env.SEAL_CERT_PEM);
}

/**
 * Seals a finished PDF. With TSA_URL set, the seal carries a timestamp over its
 * signature; if the authority cannot be reached this throws and finalisation
 * retries later, so no seal ever carries a time that no authority signed.
 */
export async function sealDocument(env: Pick<Env, "SEAL_CERT_PEM" | "SEAL_KEY_PEM" | "TSA_URL">, bytes: Uint8Array, reason: string, fetcher: typeof fetch = fetch): Promise<Uint8Array> {
  const tsaUrl = env.TSA_URL;
  return sealPdf(
    bytes,
    await sealSigner(env),
    { name: "Pactly", reason, signingTime: new Date() },
    tsaUrl ? { timestamp: (signatureValue) => requestTimestamp({ tsaUrl, messageImprint: sha256(signatureValue), fetcher }) } : {},
  );
}
