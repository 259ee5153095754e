/**
 * Checks the last signature in a PDF the way a court expert would with a
 * PDF reader, without trusting anything in the file but the bytes:
 *
 * - the last /ByteRange in the file (the newest signature dictionary),
 * - whether it covers the whole file except its own /Contents (nothing was
 *   appended after it), and whether the unused end of /Contents is zeros,
 * - whether the CMS message digest equals the SHA-256 of the covered bytes,
 * - whether the CMS signature over the signed attributes verifies with the
 *   public key of the signer certificate embedded in it, and whether the ESS
 *   signing-certificate-v2 attribute names that certificate.
 *
 * Trust is the caller's decision: is the signer certificate Pactly's? Compare
 * signerCertificateSha256 with certificateSha256(SEAL_CERT_PEM) from
 * ./seal-signer. Pure apart from WebCrypto: runs in workerd and in Node.
 */
import * as asn1js from "asn1js";
import { PDFArray, PDFContext, PDFDict, PDFHexString, PDFName, PDFNumber, PDFObjectParser, PDFString } from "pdf-lib";
import * as pkijs from "pkijs";
import { bytesToHex, bytesToLatin1, latin1ToBytes } from "../domain/encoding";
import {
  OID_CONTENT_TYPE,
  OID_DATA,
  OID_MESSAGE_DIGEST,
  OID_SIGNATURE_TIMESTAMP_TOKEN,
  OID_SIGNED_DATA,
  OID_SIGNING_CERTIFICATE,
  OID_SIGNING_CERTIFICATE_V2,
  SHA2_DIGESTS,
} from "./oids";
import { verifyTimestampToken } from "./timestamp";

export type SealVerification =
  | { sealed: false; reason: string }
  | {
      sealed: true;
      /** The CMS signature verifies and its message digest is the SHA-256 of the bytes its ByteRange covers. */
      valid: boolean;
      /** The ByteRange starts at 0, ends at the end of the file, and leaves out exactly the /Contents hex string. */
      coversWholeFile: boolean;
      /** Everything after the CMS in /Contents is "0". */
      paddingIsZero: boolean;
      byteRange: [number, number, number, number];
      /** Length of the revision the signature covers (ByteRange[2] + ByteRange[3]). */
      signedRevisionLength: number;
      /** RFC 4514 style, most specific first: "CN=..., O=...". Empty when no certificate was found. */
      signerSubject: string;
      /** Lower-case hex SHA-256 of the signer certificate's DER. Empty when none was found. */
      signerCertificateSha256: string;
      /** The signature dictionary's /M as ISO 8601 (UTC), or null. */
      signingTime: string | null;
      /**
       * The RFC 3161 signature timestamp (PAdES-B-T), when the seal carries one: the
       * authority's time, checked against the signature value; null when there is none.
       */
      timestamp: { genTime: string; tsaSubject: string | null } | null;
      /** Everything found wrong, in words; empty when all is well. */
      problems: string[];
    };

const SUB_FILTERS = new Set(["ETSI.CAdES.detached", "adbe.pkcs7.detached"]);

const BYTE_RANGE = latin1ToBytes("/ByteRange");
/** How far before the signature's /ByteRange or /Contents its "N G obj" line may be. */
const DICT_LOOKBACK = 16 * 1024;

const isWhite = (b: number | undefined) =>
  b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x0c || b === 0x00;
const isDelimiter = (b: number | undefined) =>
  b === undefined || isWhite(b) || b === 0x5b || b === 0x5d || b === 0x3c || b === 0x3e || b === 0x2f || b === 0x28 || b === 0x29 || b === 0x25;

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Position of the last "/ByteRange" name token (not "/ByteRangeX"), or -1. */
function lastByteRange(bytes: Uint8Array): number {
  outer: for (let i = bytes.length - BYTE_RANGE.length; i >= 0; i--) {
    if (bytes[i] !== 0x2f) continue;
    for (let j = 1; j < BYTE_RANGE.length; j++) if (bytes[i + j] !== BYTE_RANGE[j]) continue outer;
    if (isDelimiter(bytes[i + BYTE_RANGE.length])) return i;
  }
  return -1;
}

const hexValue = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;

/** "D:YYYYMMDDHHmmSSOHH'mm'" (any tail optional) as ISO 8601 UTC, or null. */
export function parsePdfDate(value: string): string | null {
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(?:(\d{2})'?(\d{2})?'?)?)?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo = "01", d = "01", h = "00", mi = "00", s = "00", sign, oh = "00", om = "00"] = m;
  let time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (sign === "+" || sign === "-") time -= (sign === "+" ? 1 : -1) * (Number(oh) * 60 + Number(om)) * 60_000;
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

const DN_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.42": "GN",
  "2.5.4.97": "organizationIdentifier",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "emailAddress",
};

/** A distinguished name, most specific part first (RFC 4514 order), with ", " between parts. */
export function formatName(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((tv) => {
      const key = DN_NAMES[tv.type] ?? tv.type;
      const block = tv.value.valueBlock as { value?: unknown };
      const value = typeof block.value === "string" ? block.value : `#${bytesToHex(new Uint8Array(tv.value.toBER(false)))}`;
      return `${key}=${value.replace(/([,+"\\<>;])/g, "\\$1")}`;
    })
    .reverse()
    .join(", ");
}

interface SignatureDictionary {
  subFilter: string | null;
  type: string | null;
  signingTime: string | null;
  /** The ByteRange's gap is exactly this dictionary's /Contents value. */
  contentsIsGap: boolean;
}

/**
 * Parses the signature dictionary: its "N G obj" line is shortly before
 * `before` (the /ByteRange or the /Contents, whichever comes first). The
 * /Contents hex string (the ByteRange's gap) is left out of what is parsed.
 */
function readSignatureDictionary(bytes: Uint8Array, before: number, byteRange: number[]): SignatureDictionary | null {
  const from = Math.max(0, before - DICT_LOOKBACK);
  const window = bytesToLatin1(bytes, from, before);
  const pattern = /(?:^|[\0\t\n\f\r ])(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+obj(?![A-Za-z0-9])/g;
  const starts = [...window.matchAll(pattern)].map((m) => from + m.index + m[0].length).reverse();
  const [start1, length1, start2] = byteRange as [number, number, number, number];
  const gapStart = start1 + length1;
  const context = PDFContext.create();
  for (const start of starts) {
    try {
      // The object's bytes with an empty "<>" where the signature value is.
      const head = bytes.subarray(start, gapStart + 1);
      const tail = bytes.subarray(start2 - 1, Math.min(bytes.length, start2 - 1 + DICT_LOOKBACK));
      const text = new Uint8Array(head.length + tail.length);
      text.set(head, 0);
      text.set(tail, head.length);
      const dict = PDFObjectParser.forBytes(text, context).parseObject();
      if (!(dict instanceof PDFDict)) continue;
      const range = dict.get(PDFName.of("ByteRange"));
      if (!(range instanceof PDFArray) || range.size() !== 4) continue;
      const values = range.asArray().map((n) => (n instanceof PDFNumber ? n.asNumber() : NaN));
      if (!values.every((v, i) => v === byteRange[i])) continue;
      const name = (key: string) => {
        const v = dict.get(PDFName.of(key));
        return v instanceof PDFName ? v.decodeText() : null;
      };
      const m = dict.get(PDFName.of("M"));
      const time = m instanceof PDFString || m instanceof PDFHexString ? parsePdfDate(m.decodeText()) : null;
      // With the gap left out, /Contents reads as an empty hex string only if the gap is /Contents.
      const contents = dict.get(PDFName.of("Contents"));
      const contentsIsGap = contents instanceof PDFHexString && contents.asString() === "";
      return { subFilter: name("SubFilter"), type: name("Type"), signingTime: time, contentsIsGap };
    } catch {
      // not this one
    }
  }
  return null;
}

async function digestOf(algorithm: string, bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(algorithm, bytes));
}

function attributeValue(signerInfo: pkijs.SignerInfo, oid: string): asn1js.AsnType | undefined {
  return signerInfo.signedAttrs?.attributes.find((a) => a.type === oid)?.values[0];
}

/** Checks the ESS signing-certificate(-v2) attribute against the signer certificate; null when absent. */
async function checkSigningCertificate(signerInfo: pkijs.SignerInfo, certificateDer: Uint8Array): Promise<boolean | null> {
  const v2 = attributeValue(signerInfo, OID_SIGNING_CERTIFICATE_V2);
  const v1 = attributeValue(signerInfo, OID_SIGNING_CERTIFICATE);
  const value = v2 ?? v1;
  if (!value) return null;
  try {
    const certs = (value as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
    const first = certs.valueBlock.value[0] as asn1js.Sequence;
    const parts = first.valueBlock.value;
    let algorithm = v2 ? "SHA-256" : "SHA-1";
    let hashIndex = 0;
    if (v2 && parts[0] instanceof asn1js.Sequence) {
      const id = new pkijs.AlgorithmIdentifier({ schema: parts[0] });
      algorithm = SHA2_DIGESTS[id.algorithmId] ?? "";
      hashIndex = 1;
    }
    if (!algorithm) return false;
    const hash = (parts[hashIndex] as asn1js.OctetString).valueBlock.valueHexView;
    return equalBytes(new Uint8Array(hash), await digestOf(algorithm, certificateDer));
  } catch {
    return false;
  }
}

/** The signer's certificate among the CMS certificates. */
async function findSignerCertificate(signedData: pkijs.SignedData, signerInfo: pkijs.SignerInfo): Promise<pkijs.Certificate | undefined> {
  const certificates = (signedData.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  const sid = signerInfo.sid;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return certificates.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber));
  }
  // subjectKeyIdentifier [0]: SHA-1 of the public key (the common method).
  const keyId = new Uint8Array(
    (sid as asn1js.Constructed).idBlock.isConstructed
      ? (sid as asn1js.Constructed).valueBlock.value[0]!.valueBlock.valueBeforeDecodeView
      : (sid as asn1js.Primitive).valueBlock.valueHexView,
  );
  for (const certificate of certificates) {
    const digest = await digestOf("SHA-1", new Uint8Array(certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView));
    if (equalBytes(digest, keyId)) return certificate;
  }
  return undefined;
}

export async function verifySeal(bytes: Uint8Array): Promise<SealVerification> {
  const at = lastByteRange(bytes);
  if (at < 0) return { sealed: false, reason: "The file has no signature (no /ByteRange)." };
  const match = /^[\0\t\n\f\r ]*\[[\0\t\n\f\r ]*(\d{1,12})[\0\t\n\f\r ]+(\d{1,12})[\0\t\n\f\r ]+(\d{1,12})[\0\t\n\f\r ]+(\d{1,12})[\0\t\n\f\r ]*\]/.exec(
    bytesToLatin1(bytes, at + BYTE_RANGE.length, at + BYTE_RANGE.length + 128),
  );
  if (!match) return { sealed: false, reason: "The last signature's /ByteRange cannot be read." };
  const byteRange = [Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4])] as [number, number, number, number];
  const [start1, length1, start2, length2] = byteRange;
  const gapStart = start1 + length1;
  const signedRevisionLength = start2 + length2;

  const problems: string[] = [];
  const result = {
    sealed: true as const,
    valid: false,
    coversWholeFile: false,
    paddingIsZero: false,
    byteRange,
    signedRevisionLength,
    signerSubject: "",
    signerCertificateSha256: "",
    signingTime: null as string | null,
    timestamp: null as { genTime: string; tsaSubject: string | null } | null,
    problems,
  };

  // The ByteRange: two ranges in the file with the /Contents hex string between them.
  if (gapStart > start2 || signedRevisionLength > bytes.length) {
    problems.push(`The /ByteRange [${byteRange.join(" ")}] does not fit a file of ${bytes.length} bytes.`);
    return result;
  }
  if (start2 - gapStart < 2 || bytes[gapStart] !== 0x3c || bytes[start2 - 1] !== 0x3e) {
    problems.push("The /ByteRange does not leave out exactly the signature's /Contents hex string.");
    return result;
  }
  const startsAtZero = start1 === 0;
  const endsAtEnd = signedRevisionLength === bytes.length;
  if (!startsAtZero) problems.push(`The signature does not cover the first ${start1} bytes of the file.`);
  if (!endsAtEnd) {
    problems.push(
      `${bytes.length - signedRevisionLength} bytes were added after the signed revision (which ends at byte ${signedRevisionLength}).`,
    );
  }

  // /Contents: strict hex (Pactly writes no whitespace), the CMS, then zeros.
  const hexStart = gapStart + 1;
  const hexLength = start2 - 1 - hexStart;
  const contents = new Uint8Array(Math.floor(hexLength / 2));
  let firstBadByte = -1;
  for (let i = 0; i < contents.length; i++) {
    const hi = hexValue(bytes[hexStart + 2 * i]!);
    const lo = hexValue(bytes[hexStart + 2 * i + 1]!);
    if (hi < 0 || lo < 0) {
      if (firstBadByte < 0) firstBadByte = i;
      continue;
    }
    contents[i] = (hi << 4) | lo;
  }
  const parsed = asn1js.fromBER(contents);
  const cmsLength = parsed.offset > 0 && parsed.result.error === "" ? parsed.offset : 0;
  let padding = hexLength % 2 === 0;
  for (let i = hexStart + 2 * cmsLength; i < start2 - 1 && padding; i++) if (bytes[i] !== 0x30) padding = false;
  result.paddingIsZero = padding && cmsLength > 0;
  if (cmsLength > 0 && !result.paddingIsZero) problems.push("The unused space after the signature in /Contents is not all zeros.");
  result.coversWholeFile = startsAtZero && endsAtEnd;

  const dictionary = readSignatureDictionary(bytes, Math.min(at, gapStart), byteRange);
  if (!dictionary) problems.push("The signature dictionary around the /ByteRange cannot be read.");
  result.signingTime = dictionary?.signingTime ?? null;
  if (dictionary && !dictionary.contentsIsGap) problems.push("The /ByteRange's gap is not the signature dictionary's /Contents.");
  if (dictionary?.type === "DocTimeStamp") problems.push("The last signature is a document timestamp, not a seal.");
  const subFilterOk = dictionary?.subFilter != null && SUB_FILTERS.has(dictionary.subFilter);
  if (dictionary && !subFilterOk) problems.push(`The signature's /SubFilter (${dictionary.subFilter ?? "none"}) is not a detached CMS signature.`);

  if (cmsLength === 0 || (firstBadByte >= 0 && firstBadByte < cmsLength)) {
    problems.push("The signature in /Contents is not readable DER.");
    return result;
  }

  let signedData: pkijs.SignedData;
  try {
    const contentInfo = new pkijs.ContentInfo({ schema: parsed.result });
    if (contentInfo.contentType !== OID_SIGNED_DATA) throw new Error("not SignedData");
    signedData = new pkijs.SignedData({ schema: contentInfo.content });
  } catch {
    problems.push("The signature in /Contents is not a CMS SignedData.");
    return result;
  }
  if (signedData.encapContentInfo.eContent) problems.push("The CMS signature is not detached.");
  if (signedData.signerInfos.length !== 1) problems.push(`The CMS has ${signedData.signerInfos.length} signers instead of one.`);
  const signerInfo = signedData.signerInfos[0];
  if (!signerInfo) return result;

  const certificate = await findSignerCertificate(signedData, signerInfo).catch(() => undefined);
  if (!certificate) {
    problems.push("The signer's certificate is not in the signature.");
    return result;
  }
  const certificateDer = new Uint8Array(certificate.toSchema().toBER(false));
  result.signerSubject = formatName(certificate.subject);
  result.signerCertificateSha256 = bytesToHex(await digestOf("SHA-256", certificateDer));

  const hash = SHA2_DIGESTS[signerInfo.digestAlgorithm.algorithmId];
  if (!hash) {
    problems.push(`The signature's digest algorithm (${signerInfo.digestAlgorithm.algorithmId}) is not supported.`);
    return result;
  }
  if (!signerInfo.signedAttrs) {
    problems.push("The CMS signature has no signed attributes.");
    return result;
  }

  // Message digest against the covered bytes (one copy of them: WebCrypto has no incremental hash).
  const covered = new Uint8Array(length1 + length2);
  covered.set(bytes.subarray(start1, gapStart), 0);
  covered.set(bytes.subarray(start2, signedRevisionLength), length1);
  const actual = await digestOf(hash, covered);
  const messageDigest = attributeValue(signerInfo, OID_MESSAGE_DIGEST);
  const digestOk =
    messageDigest instanceof asn1js.OctetString && equalBytes(new Uint8Array(messageDigest.valueBlock.valueHexView), actual);
  if (!digestOk) problems.push("The signed bytes were changed: their hash differs from the one the signature holds.");

  const contentType = attributeValue(signerInfo, OID_CONTENT_TYPE);
  const contentTypeOk =
    contentType instanceof asn1js.ObjectIdentifier && contentType.valueBlock.toString() === signedData.encapContentInfo.eContentType;
  if (!contentTypeOk) problems.push("The signature's content-type attribute is missing or wrong.");
  if (signedData.encapContentInfo.eContentType !== OID_DATA) problems.push("The CMS does not sign plain data.");

  const essOk = await checkSigningCertificate(signerInfo, certificateDer);
  if (essOk === null) problems.push("The signature has no signing-certificate attribute (PAdES requires one).");
  if (essOk === false) problems.push("The signing-certificate attribute does not match the signer's certificate.");

  let signatureOk = false;
  try {
    signatureOk = await pkijs
      .getCrypto(true)
      .verifyWithPublicKey(
        signerInfo.signedAttrs.encodedValue,
        signerInfo.signature,
        certificate.subjectPublicKeyInfo,
        signerInfo.signatureAlgorithm,
        hash,
      );
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) problems.push("The signature does not verify with the signer certificate's public key.");

  if (result.signingTime) {
    const time = new Date(result.signingTime);
    if (time < certificate.notBefore.value || time > certificate.notAfter.value) {
      problems.push("The signing time (/M) is outside the signer certificate's validity period.");
    }
  }

  // PAdES-B-T: a signature timestamp must be over this very signature value.
  const token = signerInfo.unsignedAttrs?.attributes.find((a) => a.type === OID_SIGNATURE_TIMESTAMP_TOKEN)?.values[0];
  let timestampOk = true;
  if (token) {
    try {
      const imprint = new Uint8Array(await crypto.subtle.digest("SHA-256", signerInfo.signature.valueBlock.valueHexView));
      const info = await verifyTimestampToken(new Uint8Array(token.toBER(false)), imprint);
      result.timestamp = { genTime: info.genTime, tsaSubject: info.tsaSubject };
    } catch (error) {
      timestampOk = false;
      problems.push(`The seal's timestamp does not hold: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  result.valid =
    timestampOk &&
    digestOk &&
    signatureOk &&
    contentTypeOk &&
    essOk !== false &&
    subFilterOk &&
    dictionary?.contentsIsGap === true &&
    signedData.encapContentInfo.eContentType === OID_DATA;
  return result;
}
