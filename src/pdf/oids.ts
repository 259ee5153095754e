/**
 * The one home of the ASN.1 object identifiers the seal, the timestamp client,
 * the verifiers and the test TSA use. Each group names the standard that
 * defines it, so a reader can check a value against its source.
 */

// CMS content types (RFC 5652 §4 and §5; PKCS #7).
export const OID_DATA = "1.2.840.113549.1.7.1";
export const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";
/** id-ct-TSTInfo: the content a timestamp authority signs (RFC 3161 §2.4.2). */
export const OID_CT_TSTINFO = "1.2.840.113549.1.9.16.1.4";

// CMS signed attributes (RFC 5652 §11).
export const OID_CONTENT_TYPE = "1.2.840.113549.1.9.3";
export const OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
export const OID_SIGNING_TIME = "1.2.840.113549.1.9.5";

// ESS signing-certificate attributes: v1 hashes with SHA-1 (RFC 2634 §5.4), v2 with any hash (RFC 5035).
export const OID_SIGNING_CERTIFICATE = "1.2.840.113549.1.9.16.2.12";
export const OID_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47";

/** id-aa-signatureTimeStampToken: the CMS unsigned attribute that carries the token (RFC 3161 Appendix A). */
export const OID_SIGNATURE_TIMESTAMP_TOKEN = "1.2.840.113549.1.9.16.2.14";

// Digest algorithms: SHA-2 (NIST CSOR, RFC 5754) and SHA-1 (RFC 3370 §2.1).
export const OID_SHA256 = "2.16.840.1.101.3.4.2.1";
export const OID_SHA384 = "2.16.840.1.101.3.4.2.2";
export const OID_SHA512 = "2.16.840.1.101.3.4.2.3";
export const OID_SHA1 = "1.3.14.3.2.26";

/** The SHA-2 digests a CMS may name, as WebCrypto calls them. */
export const SHA2_DIGESTS: Record<string, string> = {
  [OID_SHA256]: "SHA-256",
  [OID_SHA384]: "SHA-384",
  [OID_SHA512]: "SHA-512",
};

// Key and signature algorithms: rsaEncryption (RFC 8017 Appendix C), id-ecPublicKey and
// the P-256 curve secp256r1 (RFC 5480 §2.1.1), ecdsa-with-SHA256 (RFC 5758 §3.2).
export const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
export const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";
export const OID_P256 = "1.2.840.10045.3.1.7";
export const OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2";

// X.509 certificate extensions (RFC 5280 §4.2.1).
export const OID_SUBJECT_KEY_IDENTIFIER = "2.5.29.14";
export const OID_KEY_USAGE = "2.5.29.15";
export const OID_BASIC_CONSTRAINTS = "2.5.29.19";
export const OID_EXT_KEY_USAGE = "2.5.29.37";
/** id-kp-timeStamping: the only extended key usage a TSA certificate may have (RFC 3161 §2.3). */
export const OID_KP_TIMESTAMPING = "1.3.6.1.5.5.7.3.8";
