/**
 * RFC 3161 Time-Stamp Protocol client, for PAdES-B-T: a timestamp from a
 * timestamp authority (TSA) over the seal's CMS signature value.
 *
 * Runs in workerd and in Node (WebCrypto through pkijs' default engine).
 *
 * Policy: every failure (network, timeout, HTTP status, content type, rejection,
 * a token that does not match our request, a bad signature) throws
 * `TimestampError`. Finalisation runs in a queue consumer that retries later; it
 * must never embed a time that no authority signed, so nothing here falls back
 * to a local clock or to an unchecked token.
 *
 * We check that the token is internally consistent and signed by the certificate
 * it carries. We do NOT decide whether that TSA is trusted (no chain building):
 * that belongs to whoever configures the TSA URL and to the verifier.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { hexToBytes } from "../domain/encoding";
import {
  OID_CONTENT_TYPE,
  OID_CT_TSTINFO,
  OID_EXT_KEY_USAGE,
  OID_KP_TIMESTAMPING,
  OID_MESSAGE_DIGEST,
  OID_SHA1,
  OID_SHA256,
  OID_SIGNATURE_TIMESTAMP_TOKEN,
  OID_SIGNED_DATA,
  OID_SIGNING_CERTIFICATE,
  OID_SIGNING_CERTIFICATE_V2,
  OID_SUBJECT_KEY_IDENTIFIER,
  SHA2_DIGESTS,
} from "./oids";

const DEFAULT_TIMEOUT_MS = 15_000;
/** Real tokens are a few KB (token + certificate chain); refuse anything absurd. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

export class TimestampError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TimestampError";
  }
}

export interface TimestampInfo {
  /** TSTInfo genTime, ISO 8601 UTC (e.g. "2026-03-01T12:00:00.123Z"). */
  genTime: string;
  /** TSTInfo serialNumber as an unsigned decimal string. */
  serialNumber: string;
  /** Subject DN of the certificate that signed the token (RFC 4514 order), or null if the token carries none. */
  tsaSubject: string | null;
  /** The hashed message inside the token (SHA-256 of the timestamped data). */
  messageImprint: Uint8Array;
}

// ---------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------

/**
 * Asks the TSA at `tsaUrl` for a timestamp over `messageImprint` (a SHA-256
 * digest) and returns the DER of the TimeStampToken (a CMS ContentInfo holding
 * SignedData over TSTInfo), exactly as the TSA sent it, after checking it.
 */
export async function requestTimestamp(input: {
  tsaUrl: string;
  messageImprint: Uint8Array;
  fetcher?: typeof fetch;
  timeoutMs?: number;
}): Promise<Uint8Array> {
  const { tsaUrl, messageImprint } = input;
  if (!(messageImprint instanceof Uint8Array) || messageImprint.byteLength !== 32) {
    throw new TimestampError(
      `Timestamp request needs a 32-byte SHA-256 message imprint, got ${messageImprint?.byteLength ?? "none"}`,
    );
  }
  const fetcher = input.fetcher ?? ((url, init) => fetch(url, init));
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const nonce = randomNonce();
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID_SHA256, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: copy(messageImprint) }),
    }),
    nonce: new asn1js.Integer({ valueHex: nonce.bytes }),
    certReq: true,
  });
  const body = new Uint8Array(request.toSchema().toBER());

  const responseBytes = await post(fetcher, tsaUrl, body, timeoutMs);
  const token = parseResponse(responseBytes, tsaUrl);
  const checked = await checkToken(token, messageImprint);
  if (checked.nonce === null) throw new TimestampError(`Timestamp token from ${tsaUrl} carries no nonce, but we sent one`);
  if (checked.nonce !== nonce.value) {
    throw new TimestampError(`Timestamp token from ${tsaUrl} has a nonce that does not match our request (replayed or mixed-up response)`);
  }
  return token;
}

/** A random 64-bit positive nonce, encoded as a minimal DER INTEGER content. */
function randomNonce(): { bytes: Uint8Array; value: bigint } {
  let value = unsigned(crypto.getRandomValues(new Uint8Array(8)));
  if (value === 0n) value = 1n;
  return { bytes: bigintToDer(value), value };
}

function bigintToDer(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  // A leading byte of 0x80 or more would make the INTEGER negative.
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return hexToBytes(hex);
}

async function post(fetcher: typeof fetch, tsaUrl: string, body: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Race against our own timer as well as aborting, so a fetcher that ignores
  // the signal (or a body that never ends) still cannot hang finalisation.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new TimestampError(`Timestamp authority ${tsaUrl} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const exchange = (async () => {
    let response: Response;
    try {
      response = await fetcher(tsaUrl, {
        method: "POST",
        headers: { "Content-Type": "application/timestamp-query", Accept: "application/timestamp-reply" },
        body,
        signal: controller.signal,
      });
    } catch (error) {
      if (controller.signal.aborted) throw new TimestampError(`Timestamp authority ${tsaUrl} did not answer within ${timeoutMs} ms`, { cause: error });
      throw new TimestampError(`Timestamp authority ${tsaUrl} could not be reached: ${describe(error)}`, { cause: error });
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new TimestampError(`Timestamp authority ${tsaUrl} answered HTTP ${response.status}, expected 200`);
    }
    const contentType = (response.headers.get("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (contentType !== "application/timestamp-reply") {
      await response.body?.cancel().catch(() => undefined);
      throw new TimestampError(
        `Timestamp authority ${tsaUrl} answered with Content-Type "${contentType || "(none)"}", expected application/timestamp-reply`,
      );
    }
    const declared = Number(response.headers.get("Content-Length") ?? "0");
    if (declared > MAX_RESPONSE_BYTES) {
      await response.body?.cancel().catch(() => undefined);
      throw new TimestampError(`Timestamp authority ${tsaUrl} sent a ${declared}-byte reply, over the ${MAX_RESPONSE_BYTES}-byte limit`);
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      if (controller.signal.aborted) throw new TimestampError(`Timestamp authority ${tsaUrl} did not answer within ${timeoutMs} ms`, { cause: error });
      throw new TimestampError(`Reading the reply from timestamp authority ${tsaUrl} failed: ${describe(error)}`, { cause: error });
    }
    if (bytes.byteLength > MAX_RESPONSE_BYTES) {
      throw new TimestampError(`Timestamp authority ${tsaUrl} sent a ${bytes.byteLength}-byte reply, over the ${MAX_RESPONSE_BYTES}-byte limit`);
    }
    return bytes;
  })();
  exchange.catch(() => undefined); // the race below reports it; avoid an unhandled rejection after a timeout
  try {
    return await Promise.race([exchange, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

const FAIL_INFO_NAMES: Record<number, string> = {
  0: "badAlg",
  2: "badRequest",
  5: "badDataFormat",
  14: "timeNotAvailable",
  15: "unacceptedPolicy",
  16: "unacceptedExtension",
  17: "addInfoNotAvailable",
  25: "systemFailure",
};
const STATUS_NAMES: Record<number, string> = {
  0: "granted",
  1: "grantedWithMods",
  2: "rejection",
  3: "waiting",
  4: "revocationWarning",
  5: "revocationNotification",
};

/** Parses a TimeStampResp, requires status granted, returns the raw token bytes. */
function parseResponse(bytes: Uint8Array, tsaUrl: string): Uint8Array {
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) {
    throw new TimestampError(`Timestamp authority ${tsaUrl} sent a reply that is not a DER TimeStampResp`);
  }
  let response: pkijs.TimeStampResp;
  try {
    response = new pkijs.TimeStampResp({ schema: parsed.result });
  } catch (error) {
    throw new TimestampError(`Timestamp authority ${tsaUrl} sent a malformed TimeStampResp: ${describe(error)}`, { cause: error });
  }
  const status = response.status.status;
  if (status !== 0 && status !== 1) {
    const texts = (response.status.statusStrings ?? []).map((s) => s.valueBlock.value).filter(Boolean);
    const failures = failInfoNames(response.status.failInfo);
    const detail = [
      failures.length ? `failInfo ${failures.join(", ")}` : "",
      texts.length ? `"${texts.join("; ")}"` : "",
    ]
      .filter(Boolean)
      .join(": ");
    throw new TimestampError(
      `Timestamp authority ${tsaUrl} refused the request: status ${status} (${STATUS_NAMES[status] ?? "unknown"})${detail ? ` — ${detail}` : ""}`,
    );
  }
  // The token is the second element of the response SEQUENCE; keep its bytes as sent.
  const tokenBlock = parsed.result.valueBlock.value[1];
  if (!tokenBlock) throw new TimestampError(`Timestamp authority ${tsaUrl} granted the request but sent no token`);
  return new Uint8Array(tokenBlock.valueBeforeDecodeView);
}

function failInfoNames(failInfo: asn1js.BitString | undefined): string[] {
  if (!failInfo) return [];
  const view = failInfo.valueBlock.valueHexView;
  const names: string[] = [];
  for (let bit = 0; bit < view.length * 8; bit++) {
    if (view[bit >> 3]! & (0x80 >> (bit & 7))) names.push(FAIL_INFO_NAMES[bit] ?? `bit ${bit}`);
  }
  return names;
}

// ---------------------------------------------------------------------------
// Token checks (shared by the client and the verifier)
// ---------------------------------------------------------------------------

interface CheckedToken {
  info: TimestampInfo;
  nonce: bigint | null;
}

/**
 * Verifies a TimeStampToken against the message imprint it should cover:
 * SignedData over id-ct-TSTInfo, SHA-256 imprint equal to `expectedImprint`,
 * signed attributes content-type and message-digest consistent, ESS
 * signing-certificate(-v2) naming the included signer certificate, that
 * certificate valid at genTime and marked for timeStamping, and the signature
 * verifying with it. Does not build a chain to a trusted root. Throws
 * `TimestampError`; returns what `readTimestampToken` returns.
 */
export async function verifyTimestampToken(token: Uint8Array, expectedImprint: Uint8Array): Promise<TimestampInfo> {
  return (await checkToken(token, expectedImprint)).info;
}

async function checkToken(token: Uint8Array, expectedImprint: Uint8Array): Promise<CheckedToken> {
  const { signedData, tstInfo } = parseToken(token);

  const imprint = tstInfo.messageImprint;
  if (imprint.hashAlgorithm.algorithmId !== OID_SHA256) {
    throw new TimestampError(`Timestamp token uses hash algorithm ${imprint.hashAlgorithm.algorithmId}, expected SHA-256`);
  }
  if (!equalBytes(imprint.hashedMessage.valueBlock.valueHexView, expectedImprint)) {
    throw new TimestampError("Timestamp token covers a different message imprint than the one we asked for");
  }

  const signerInfo = signedData.signerInfos[0];
  if (!signerInfo || signedData.signerInfos.length !== 1) {
    throw new TimestampError(`Timestamp token must have exactly one signer, found ${signedData.signerInfos.length}`);
  }
  const signerCert = await findSignerCertificate(signedData, signerInfo);
  if (!signerCert) throw new TimestampError("Timestamp token does not include the TSA certificate that signed it");

  const engine = pkijs.getCrypto(true);
  const digestAlgorithm = engine.getAlgorithmByOID(signerInfo.digestAlgorithm.algorithmId);
  if (!("name" in digestAlgorithm)) {
    throw new TimestampError(`Timestamp token uses unsupported digest algorithm ${signerInfo.digestAlgorithm.algorithmId}`);
  }
  const attributes = signerInfo.signedAttrs?.attributes;
  if (!attributes || !signerInfo.signedAttrs) throw new TimestampError("Timestamp token has no signed attributes");
  const contentType = attributes.find((a) => a.type === OID_CONTENT_TYPE)?.values[0];
  if (!(contentType instanceof asn1js.ObjectIdentifier) || contentType.valueBlock.toString() !== OID_CT_TSTINFO) {
    throw new TimestampError("Timestamp token's signed content-type attribute is not id-ct-TSTInfo");
  }
  const messageDigest = attributes.find((a) => a.type === OID_MESSAGE_DIGEST)?.values[0];
  if (!(messageDigest instanceof asn1js.OctetString)) throw new TimestampError("Timestamp token has no message-digest attribute");
  const eContent = signedData.encapContentInfo.eContent!;
  const contentDigest = new Uint8Array(await engine.digest(digestAlgorithm, eContent.getValue()));
  if (!equalBytes(contentDigest, messageDigest.valueBlock.valueHexView)) {
    throw new TimestampError("Timestamp token's message-digest attribute does not match its TSTInfo (bad signature)");
  }
  await checkSigningCertificateAttribute(attributes, signerCert);

  let signatureOk: boolean;
  try {
    signatureOk = await engine.verifyWithPublicKey(
      signerInfo.signedAttrs.encodedValue,
      signerInfo.signature,
      signerCert.subjectPublicKeyInfo,
      signerInfo.signatureAlgorithm,
      digestAlgorithm.name,
    );
  } catch (error) {
    throw new TimestampError(`Timestamp token signature could not be checked: ${describe(error)}`, { cause: error });
  }
  if (!signatureOk) throw new TimestampError("Timestamp token signature does not verify with the TSA certificate (bad signature)");

  const genTime = tstInfo.genTime;
  if (genTime < signerCert.notBefore.value || genTime > signerCert.notAfter.value) {
    throw new TimestampError(`Timestamp genTime ${genTime.toISOString()} is outside the TSA certificate's validity period`);
  }
  const eku = signerCert.extensions?.find((e) => e.extnID === OID_EXT_KEY_USAGE)?.parsedValue;
  if (!(eku instanceof pkijs.ExtKeyUsage) || !eku.keyPurposes.includes(OID_KP_TIMESTAMPING)) {
    throw new TimestampError("The TSA certificate is not marked for time stamping (extendedKeyUsage id-kp-timeStamping)");
  }

  return {
    info: infoOf(tstInfo, signerCert),
    nonce: tstInfo.nonce ? tstInfo.nonce.toBigInt() : null,
  };
}

function parseToken(token: Uint8Array): { signedData: pkijs.SignedData; tstInfo: pkijs.TSTInfo } {
  let contentInfo: pkijs.ContentInfo;
  let signedData: pkijs.SignedData;
  try {
    contentInfo = pkijs.ContentInfo.fromBER(token);
  } catch (error) {
    throw new TimestampError(`Timestamp token is not a CMS ContentInfo: ${describe(error)}`, { cause: error });
  }
  if (contentInfo.contentType !== OID_SIGNED_DATA) {
    throw new TimestampError(`Timestamp token is not CMS SignedData (content type ${contentInfo.contentType})`);
  }
  try {
    signedData = new pkijs.SignedData({ schema: contentInfo.content });
  } catch (error) {
    throw new TimestampError(`Timestamp token has malformed SignedData: ${describe(error)}`, { cause: error });
  }
  if (signedData.encapContentInfo.eContentType !== OID_CT_TSTINFO) {
    throw new TimestampError(`Timestamp token's eContentType is ${signedData.encapContentInfo.eContentType}, expected id-ct-TSTInfo`);
  }
  const eContent = signedData.encapContentInfo.eContent;
  if (!eContent) throw new TimestampError("Timestamp token has no TSTInfo content");
  let tstInfo: pkijs.TSTInfo;
  try {
    tstInfo = pkijs.TSTInfo.fromBER(eContent.getValue());
  } catch (error) {
    throw new TimestampError(`Timestamp token has a malformed TSTInfo: ${describe(error)}`, { cause: error });
  }
  if (tstInfo.version !== 1) throw new TimestampError(`Timestamp token has TSTInfo version ${tstInfo.version}, expected 1`);
  return { signedData, tstInfo };
}

async function findSignerCertificate(signedData: pkijs.SignedData, signerInfo: pkijs.SignerInfo): Promise<pkijs.Certificate | null> {
  const certificates = (signedData.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  const sid = signerInfo.sid;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return certificates.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber)) ?? null;
  }
  // [0] SubjectKeyIdentifier: SHA-1 of the subject public key (as pkijs does).
  const sidBlock = sid as asn1js.Constructed & asn1js.Primitive;
  const keyId: Uint8Array = sidBlock.idBlock.isConstructed
    ? (sidBlock.valueBlock.value[0] as asn1js.OctetString).valueBlock.valueHexView
    : sidBlock.valueBlock.valueHexView;
  for (const certificate of certificates) {
    const ski = certificate.extensions?.find((e) => e.extnID === OID_SUBJECT_KEY_IDENTIFIER)?.parsedValue;
    if (ski instanceof asn1js.OctetString && equalBytes(ski.valueBlock.valueHexView, keyId)) return certificate;
    const digest = await crypto.subtle.digest("SHA-1", certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView);
    if (equalBytes(new Uint8Array(digest), keyId)) return certificate;
  }
  return null;
}

/**
 * RFC 3161 (and RFC 5816) require the ESS signing-certificate or
 * signing-certificate-v2 signed attribute, binding the token to the TSA's
 * certificate. Its first ESSCertID must hash to the signer certificate.
 */
async function checkSigningCertificateAttribute(attributes: pkijs.Attribute[], signerCert: pkijs.Certificate): Promise<void> {
  const v2 = attributes.find((a) => a.type === OID_SIGNING_CERTIFICATE_V2);
  const v1 = attributes.find((a) => a.type === OID_SIGNING_CERTIFICATE);
  const attribute = v2 ?? v1;
  if (!attribute) throw new TimestampError("Timestamp token has no ESS signing-certificate attribute naming the TSA certificate");
  const certDer = new Uint8Array(signerCert.toSchema().toBER());
  try {
    const signingCertificate = attribute.values[0] as asn1js.Sequence;
    const certs = signingCertificate.valueBlock.value[0] as asn1js.Sequence;
    const first = certs.valueBlock.value[0] as asn1js.Sequence;
    const fields = first.valueBlock.value;
    let hashName = "SHA-1";
    let hashField = fields[0];
    if (v2) {
      hashName = "SHA-256";
      if (fields[0] instanceof asn1js.Sequence) {
        const algorithm = new pkijs.AlgorithmIdentifier({ schema: fields[0] });
        const byOid: Record<string, string> = { ...SHA2_DIGESTS, [OID_SHA1]: "SHA-1" };
        const name = byOid[algorithm.algorithmId];
        if (!name) throw new TimestampError(`ESS signing-certificate-v2 uses unsupported hash ${algorithm.algorithmId}`);
        hashName = name;
        hashField = fields[1];
      }
    }
    if (!(hashField instanceof asn1js.OctetString)) throw new TimestampError("ESS signing-certificate attribute is malformed");
    const actual = new Uint8Array(await crypto.subtle.digest(hashName, certDer));
    if (!equalBytes(actual, hashField.valueBlock.valueHexView)) {
      throw new TimestampError("Timestamp token's ESS signing-certificate attribute names a different certificate than the one that signed it");
    }
  } catch (error) {
    if (error instanceof TimestampError) throw error;
    throw new TimestampError(`ESS signing-certificate attribute is malformed: ${describe(error)}`, { cause: error });
  }
}

// ---------------------------------------------------------------------------
// Reading (for the verifier and the certificate page)
// ---------------------------------------------------------------------------

/**
 * Reads a TimeStampToken (the DER ContentInfo, as stored in the
 * signatureTimeStampToken attribute). Parses only: it does not check the
 * signature or compare the imprint; use `verifyTimestampToken` for that.
 * Throws `TimestampError` if the bytes are not a TimeStampToken.
 */
export async function readTimestampToken(token: Uint8Array): Promise<TimestampInfo> {
  const { signedData, tstInfo } = parseToken(token);
  const signerInfo = signedData.signerInfos[0];
  const signerCert = signerInfo ? await findSignerCertificate(signedData, signerInfo) : null;
  return infoOf(tstInfo, signerCert);
}

function infoOf(tstInfo: pkijs.TSTInfo, signerCert: pkijs.Certificate | null): TimestampInfo {
  return {
    genTime: tstInfo.genTime.toISOString(),
    serialNumber: unsigned(tstInfo.serialNumber.valueBlock.valueHexView).toString(10),
    tsaSubject: signerCert ? formatName(signerCert.subject) : null,
    messageImprint: copyView(tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView),
  };
}

/** Big-endian bytes as a non-negative integer. */
function unsigned(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

const NAME_TYPES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.97": "organizationIdentifier",
  "1.2.840.113549.1.9.1": "emailAddress",
};

/** "CN=…, O=…, C=…" (RFC 4514 order: most specific first). */
function formatName(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((tv) => {
      const value = tv.value as { valueBlock?: { value?: unknown } };
      const text = typeof value.valueBlock?.value === "string" ? value.valueBlock.value : "#";
      return `${NAME_TYPES[tv.type] ?? tv.type}=${text.replace(/([,+"\\<>;])/g, "\\$1")}`;
    })
    .reverse()
    .join(", ");
}

// ---------------------------------------------------------------------------
// The CMS unsigned attribute
// ---------------------------------------------------------------------------

/**
 * The CMS unsigned attribute id-aa-signatureTimeStampToken (RFC 3161
 * appendix A, ETSI EN 319 122) carrying `token`, for PAdES-B-T.
 *
 * How the seal uses it, after `signedData.sign(...)` and before encoding:
 *
 * ```ts
 * const signerInfo = signedData.signerInfos[0];
 * // The timestamp covers the signature value (the OCTET STRING's contents).
 * const digest = sha256(signerInfo.signature.valueBlock.valueHexView);
 * const token = await requestTimestamp({ tsaUrl, messageImprint: digest }); // throws TimestampError: retry later
 * signerInfo.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
 *   type: 1, // unsignedAttrs [1] IMPLICIT
 *   attributes: [signatureTimestampAttribute(token)],
 * });
 * // Re-encode the ContentInfo (signedData.toSchema(true)) and place it in /Contents.
 * ```
 *
 * Unsigned attributes are not covered by the CMS signature, so adding one
 * does not invalidate it; the signature value must not change afterwards
 * (do not re-sign), or the token no longer matches. Remember to size the
 * /Contents placeholder for the token (a few KB more than without it).
 */
export function signatureTimestampAttribute(token: Uint8Array): pkijs.Attribute {
  const parsed = asn1js.fromBER(token);
  if (parsed.offset === -1) throw new TimestampError("Timestamp token is not valid BER/DER");
  // Validate that it is a ContentInfo holding SignedData before embedding it.
  let contentInfo: pkijs.ContentInfo;
  try {
    contentInfo = new pkijs.ContentInfo({ schema: parsed.result });
  } catch (error) {
    throw new TimestampError(`Timestamp token is not a CMS ContentInfo: ${describe(error)}`, { cause: error });
  }
  if (contentInfo.contentType !== OID_SIGNED_DATA) {
    throw new TimestampError(`Timestamp token is not CMS SignedData (content type ${contentInfo.contentType})`);
  }
  return new pkijs.Attribute({ type: OID_SIGNATURE_TIMESTAMP_TOKEN, values: [parsed.result] });
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function copy(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

function copyView(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
