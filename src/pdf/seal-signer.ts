/**
 * Who signs Pactly's seal. sealPdf (./seal.ts) builds the CMS structure itself
 * and only asks a SealSigner for two things: the certificate chain to embed and
 * a signature over the DER of the CMS signed attributes. That keeps the private
 * key replaceable:
 *
 * - keySealSigner (below): a certificate and PKCS#8 key from secrets
 *   (SEAL_CERT_PEM, SEAL_KEY_PEM), signing with WebCrypto. For development
 *   (src/cli/dev-seal-cert.mjs makes a self-signed pair) and self-hosting.
 * - A remote signer (cloud KMS or HSM, which an Adobe-trusted AATL seal
 *   requires) implements the same type: certificateChain() returns the chain
 *   from configuration, sign(data) sends SHA-256(data) (or data) to the
 *   service's asymmetric-sign call with RSASSA-PKCS1-v1_5-SHA256 or
 *   ECDSA-P256-SHA256 and returns its answer. Cloud KMS services return ECDSA
 *   signatures DER-encoded, which is what CMS carries.
 *
 * Works in workerd and in Node (only WebCrypto, pkijs and asn1js).
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { base64ToBytes, sha256Hex } from "../domain/encoding";
import { OID_EC_PUBLIC_KEY, OID_P256, OID_RSA_ENCRYPTION } from "./oids";

export type SealSignatureAlgorithm = "RSASSA-PKCS1-v1_5-SHA256" | "ECDSA-P256-SHA256";

export type SealSigner = {
  /** DER certificates, the signer's own first, then its issuers. */
  certificateChain(): Promise<Uint8Array[]>;
  /**
   * A signature over data (the DER of the CMS signed attributes), hashed with
   * SHA-256 by the signer. RSA: the PKCS#1 v1.5 signature. ECDSA: the DER
   * Ecdsa-Sig-Value (SEQUENCE of r and s) as CMS carries it; sealPdf also
   * accepts WebCrypto's raw 64-byte r||s and converts it.
   */
  sign(data: Uint8Array): Promise<Uint8Array>;
  signatureAlgorithm: SealSignatureAlgorithm;
};

export class SealKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SealKeyError";
  }
}

/** The DER of every PEM block with the given label, in order. */
export function pemBlocks(pem: string, label: string): Uint8Array[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+?)-----END ${label}-----`, "g");
  return [...pem.replace(/\\n/g, "\n").matchAll(pattern)].map((m) => base64ToBytes(m[1]!.replace(/\s+/g, "")));
}

/** The certificates of a PEM chain, as DER, in the order given (signer first). */
export function parseCertificateChain(certPem: string): Uint8Array[] {
  const chain = pemBlocks(certPem, "CERTIFICATE");
  if (chain.length === 0) throw new SealKeyError("The seal certificate PEM holds no CERTIFICATE block");
  return chain;
}

/** Lower-case hex SHA-256 of the signer certificate (the first of the chain): what verifySeal reports. */
export async function certificateSha256(certPemOrDer: string | Uint8Array): Promise<string> {
  const der = typeof certPemOrDer === "string" ? parseCertificateChain(certPemOrDer)[0]! : certPemOrDer;
  return sha256Hex(der);
}

/** Which seal algorithm a certificate's public key calls for. */
export function certificateAlgorithm(certificate: pkijs.Certificate): SealSignatureAlgorithm {
  const spki = certificate.subjectPublicKeyInfo.algorithm;
  if (spki.algorithmId === OID_RSA_ENCRYPTION) return "RSASSA-PKCS1-v1_5-SHA256";
  if (spki.algorithmId === OID_EC_PUBLIC_KEY) {
    const params = spki.algorithmParams;
    if (params instanceof asn1js.ObjectIdentifier && params.valueBlock.toString() === OID_P256) return "ECDSA-P256-SHA256";
    throw new SealKeyError("The seal certificate's EC key is not on P-256");
  }
  throw new SealKeyError(`The seal certificate's key type (${spki.algorithmId}) is not RSA or EC P-256`);
}

const importParams = (algorithm: SealSignatureAlgorithm) =>
  algorithm === "RSASSA-PKCS1-v1_5-SHA256"
    ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }
    : { name: "ECDSA", namedCurve: "P-256" };

const signParams = (algorithm: SealSignatureAlgorithm) =>
  algorithm === "RSASSA-PKCS1-v1_5-SHA256" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: "SHA-256" };

/** WebCrypto's ECDSA r||s (IEEE P1363) as the DER Ecdsa-Sig-Value CMS carries. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const copy = raw.slice();
  return new Uint8Array(pkijs.createCMSECDSASignature(copy.buffer));
}

/**
 * A signer holding the key itself: certPem is the certificate chain (signer
 * first; further blocks are its issuers), keyPem an unencrypted PKCS#8
 * "PRIVATE KEY" (RSA or EC P-256). Checks that the key belongs to the
 * certificate, so a mismatched pair of secrets fails here and not in a reader.
 */
export async function keySealSigner(certPem: string, keyPem: string): Promise<SealSigner> {
  const chain = parseCertificateChain(certPem);
  let certificate: pkijs.Certificate;
  try {
    certificate = pkijs.Certificate.fromBER(chain[0]!);
  } catch {
    throw new SealKeyError("The seal certificate cannot be read");
  }
  const algorithm = certificateAlgorithm(certificate);

  const keys = pemBlocks(keyPem, "PRIVATE KEY");
  if (keys.length !== 1) {
    const hint = /BEGIN (RSA|EC|ENCRYPTED) PRIVATE KEY/.test(keyPem)
      ? " (convert it with `openssl pkcs8 -topk8 -nocrypt`)"
      : "";
    throw new SealKeyError(`The seal key must be one unencrypted PKCS#8 "PRIVATE KEY" PEM block${hint}`);
  }
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey("pkcs8", keys[0]!, importParams(algorithm), false, ["sign"]);
  } catch {
    throw new SealKeyError(`The seal key cannot be imported as ${algorithm}`);
  }

  // Proof that the key and the certificate belong together.
  const spki = certificate.subjectPublicKeyInfo.toSchema().toBER(false);
  const publicKey = await crypto.subtle.importKey("spki", spki, importParams(algorithm), false, ["verify"]);
  const probe = new TextEncoder().encode("pactly seal key check");
  const probeSignature = await crypto.subtle.sign(signParams(algorithm), privateKey, probe);
  if (!(await crypto.subtle.verify(signParams(algorithm), publicKey, probeSignature, probe))) {
    throw new SealKeyError("The seal key does not belong to the seal certificate");
  }

  return {
    signatureAlgorithm: algorithm,
    async certificateChain() {
      return chain.map((der) => der.slice());
    },
    async sign(data: Uint8Array) {
      const signature = new Uint8Array(await crypto.subtle.sign(signParams(algorithm), privateKey, data));
      return algorithm === "ECDSA-P256-SHA256" ? ecdsaRawToDer(signature) : signature;
    },
  };
}
