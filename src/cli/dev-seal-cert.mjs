#!/usr/bin/env node
// A self-signed development seal certificate and its key, for .dev.vars
// (SEAL_CERT_PEM, SEAL_KEY_PEM) and test bindings. Never for production: a
// reader shows it as valid but untrusted, which is what development needs.
//
//   import { generateDevSealCert } from "./dev-seal-cert.mjs";
//   const { certPem, keyPem } = await generateDevSealCert();   // RSA-2048
//   await generateDevSealCert({ algorithm: "ECDSA-P256" });      // or P-256
//
// Run directly it prints {"certPem": "...", "keyPem": "..."} as JSON.
import { webcrypto } from "node:crypto";
import { pathToFileURL } from "node:url";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

const crypto = webcrypto;
pkijs.setEngine("node-webcrypto", new pkijs.CryptoEngine({ name: "node-webcrypto", crypto }));

const SUBJECT = [
  ["2.5.4.10", "Pactly (development)"], // O
  ["2.5.4.3", "Pactly development seal"], // CN (last: most specific)
];
const VALIDITY_YEARS = 5;

function pem(label, der) {
  const base64 = Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
}

/** One attribute per RDN (pkijs would put them all in one multi-valued RDN). */
function name() {
  const schema = new asn1js.Sequence({
    value: SUBJECT.map(
      ([type, value]) =>
        new asn1js.Set({
          value: [new pkijs.AttributeTypeAndValue({ type, value: new asn1js.Utf8String({ value }) }).toSchema()],
        }),
    ),
  });
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(schema.toBER(false)).result });
}

/**
 * @param {{ algorithm?: "RSA-2048" | "ECDSA-P256", now?: Date }} [options]
 * @returns {Promise<{ certPem: string; keyPem: string }>}
 */
export async function generateDevSealCert(options = {}) {
  const algorithm = options.algorithm ?? "RSA-2048";
  const keyParams =
    algorithm === "ECDSA-P256"
      ? { name: "ECDSA", namedCurve: "P-256" }
      : { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  const keys = await crypto.subtle.generateKey(keyParams, true, ["sign", "verify"]);

  const certificate = new pkijs.Certificate();
  certificate.version = 2; // v3
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] &= 0x7f; // positive
  serial[0] |= 0x01; // and 16 bytes long
  certificate.serialNumber = new asn1js.Integer({ valueHex: serial });
  certificate.issuer = name();
  certificate.subject = name();
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 60 * 60 * 1000); // an hour of clock skew
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALIDITY_YEARS);
  certificate.notBefore.value = notBefore;
  certificate.notAfter.value = notAfter;
  await certificate.subjectPublicKeyInfo.importKey(keys.publicKey);

  // keyUsage: digitalSignature (bit 0) + nonRepudiation/contentCommitment (bit 1), critical.
  const keyUsage = new asn1js.BitString({ valueHex: new Uint8Array([0xc0]).buffer, unusedBits: 6 });
  const spkiDigest = await crypto.subtle.digest(
    "SHA-1",
    certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView,
  );
  certificate.extensions = [
    new pkijs.Extension({
      extnID: "2.5.29.15",
      critical: true,
      extnValue: keyUsage.toBER(false),
      parsedValue: keyUsage,
    }),
    new pkijs.Extension({
      extnID: "2.5.29.19", // basicConstraints: not a CA
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: false }).toSchema().toBER(false),
    }),
    new pkijs.Extension({
      extnID: "2.5.29.14", // subjectKeyIdentifier
      critical: false,
      extnValue: new asn1js.OctetString({ valueHex: spkiDigest }).toBER(false),
    }),
  ];

  await certificate.sign(keys.privateKey, "SHA-256");
  const certDer = certificate.toSchema(true).toBER(false);
  const keyDer = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { certPem: pem("CERTIFICATE", certDer), keyPem: pem("PRIVATE KEY", keyDer) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const algorithm = process.argv.includes("--ecdsa") ? "ECDSA-P256" : "RSA-2048";
  console.log(JSON.stringify(await generateDevSealCert({ algorithm }), null, 2));
}
