/**
 * A local RFC 3161 timestamp authority for tests: real TimeStampReq in, real
 * TimeStampResp out, signed with its own freshly generated key and a
 * self-signed certificate (extendedKeyUsage id-kp-timeStamping, critical).
 * Runs in workerd and Node (pkijs over WebCrypto); no network.
 *
 * Use it as a fetcher: `fetcher: (url, init) => tsa.handle(new Request(url, init))`.
 * `mode` makes it misbehave in one specific way, and can be changed between requests.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  OID_BASIC_CONSTRAINTS,
  OID_CONTENT_TYPE,
  OID_CT_TSTINFO,
  OID_EXT_KEY_USAGE,
  OID_KEY_USAGE,
  OID_KP_TIMESTAMPING,
  OID_MESSAGE_DIGEST,
  OID_SHA256,
  OID_SIGNED_DATA,
  OID_SIGNING_CERTIFICATE_V2,
  OID_SIGNING_TIME,
  OID_SUBJECT_KEY_IDENTIFIER,
} from "../../src/pdf/oids";

export type TsaMode = "ok" | "reject" | "wrongNonce" | "wrongImprint" | "badSignature" | "http500" | "slow" | "wrongContentType";

export interface TestTsaOptions {
  mode?: TsaMode;
  /** Key type of the TSA. RSA-2048 is what real TSAs use; ECDSA P-256 is faster to generate. Default RSA. */
  keyAlgorithm?: "RSA" | "ECDSA";
  /** How long "slow" waits before answering (it stops early if the request is aborted). Default 5000 ms. */
  slowMs?: number;
  /** TSA policy OID put in TSTInfo. */
  policy?: string;
}

export interface TestTsa {
  handle(request: Request): Promise<Response>;
  /** DER of the TSA's self-signed certificate. */
  certificateDer: Uint8Array;
  /** Number of requests handled so far (any mode). */
  readonly requests: number;
  /** Current misbehaviour; assignable. */
  mode: TsaMode;
}

const DEFAULT_POLICY = "1.3.6.1.4.1.99999.3161.1"; // a test policy arc

export async function createTestTsa(options: TestTsaOptions = {}): Promise<TestTsa> {
  const keyAlgorithm = options.keyAlgorithm ?? "RSA";
  const policy = options.policy ?? DEFAULT_POLICY;
  const slowMs = options.slowMs ?? 5000;
  const { privateKey, certificate } = await makeCertificate(keyAlgorithm);
  const certificateDer = new Uint8Array(certificate.toSchema().toBER());
  const certHash = new Uint8Array(await crypto.subtle.digest("SHA-256", certificateDer));
  let requests = 0;
  let serial = 0x1000n + BigInt(crypto.getRandomValues(new Uint32Array(1))[0]!);

  const tsa: TestTsa = {
    mode: options.mode ?? "ok",
    certificateDer,
    get requests() {
      return requests;
    },
    async handle(request: Request): Promise<Response> {
      requests++;
      const mode = tsa.mode;
      if (request.method !== "POST") return new Response("POST a TimeStampReq\n", { status: 405 });
      const type = (request.headers.get("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (type !== "application/timestamp-query") {
        return new Response("expected application/timestamp-query\n", { status: 415 });
      }
      const body = new Uint8Array(await request.arrayBuffer());

      if (mode === "http500") return new Response("internal error (test TSA)\n", { status: 500 });
      if (mode === "slow") await sleep(slowMs, request.signal);
      if (mode === "wrongContentType") return new Response("<html>maintenance</html>", { status: 200, headers: { "Content-Type": "text/html" } });

      let tsReq: pkijs.TimeStampReq;
      try {
        tsReq = pkijs.TimeStampReq.fromBER(body);
      } catch {
        return reply(rejection(5, "request is not a DER TimeStampReq"));
      }
      if (tsReq.version !== 1) return reply(rejection(5, `unsupported version ${tsReq.version}`));
      if (tsReq.messageImprint.hashAlgorithm.algorithmId !== OID_SHA256) return reply(rejection(0, "only SHA-256 is accepted"));
      if (tsReq.messageImprint.hashedMessage.valueBlock.valueHexView.byteLength !== 32) {
        return reply(rejection(5, "SHA-256 imprint must be 32 bytes"));
      }
      if (tsReq.reqPolicy && tsReq.reqPolicy !== policy) return reply(rejection(15, "policy not accepted"));
      if (mode === "reject") return reply(rejection(25, "test TSA rejects by request"));

      let hashed = new Uint8Array(tsReq.messageImprint.hashedMessage.valueBlock.valueHexView);
      if (mode === "wrongImprint") {
        hashed = new Uint8Array(hashed);
        hashed[0]! ^= 0xff;
      }
      let nonce = tsReq.nonce ? new asn1js.Integer({ valueHex: tsReq.nonce.valueBlock.valueHexView.slice() }) : undefined;
      if (mode === "wrongNonce") nonce = asn1js.Integer.fromBigInt((tsReq.nonce ? tsReq.nonce.toBigInt() : 0n) + 1n);

      serial++;
      const tstInfo = new pkijs.TSTInfo({
        version: 1,
        policy,
        messageImprint: new pkijs.MessageImprint({
          hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID_SHA256, algorithmParams: new asn1js.Null() }),
          hashedMessage: new asn1js.OctetString({ valueHex: hashed.slice().buffer }),
        }),
        serialNumber: asn1js.Integer.fromBigInt(serial),
        genTime: wholeSecond(new Date()),
        accuracy: new pkijs.Accuracy({ seconds: 1 }),
        ...(nonce ? { nonce } : {}),
      });
      const tstDer = tstInfo.toSchema().toBER();
      const tstDigest = await crypto.subtle.digest("SHA-256", tstDer);

      const signedData = new pkijs.SignedData({
        version: 3,
        encapContentInfo: new pkijs.EncapsulatedContentInfo({
          eContentType: OID_CT_TSTINFO,
          eContent: new asn1js.OctetString({ valueHex: tstDer }),
        }),
        signerInfos: [
          new pkijs.SignerInfo({
            version: 1,
            sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
            signedAttrs: new pkijs.SignedAndUnsignedAttributes({
              type: 0,
              attributes: [
                new pkijs.Attribute({ type: OID_CONTENT_TYPE, values: [new asn1js.ObjectIdentifier({ value: OID_CT_TSTINFO })] }),
                new pkijs.Attribute({ type: OID_SIGNING_TIME, values: [new asn1js.UTCTime({ valueDate: tstInfo.genTime })] }),
                new pkijs.Attribute({ type: OID_MESSAGE_DIGEST, values: [new asn1js.OctetString({ valueHex: tstDigest })] }),
                new pkijs.Attribute({ type: OID_SIGNING_CERTIFICATE_V2, values: [signingCertificateV2(certHash, certificate)] }),
              ],
            }),
          }),
        ],
        ...(tsReq.certReq ? { certificates: [certificate] } : {}),
      });
      await signedData.sign(privateKey, 0, "SHA-256");
      if (mode === "badSignature") {
        const signature = signedData.signerInfos[0]!.signature;
        const bytes = new Uint8Array(signature.valueBlock.valueHexView);
        bytes[bytes.length - 1]! ^= 0x01;
        signedData.signerInfos[0]!.signature = new asn1js.OctetString({ valueHex: bytes.buffer });
      }
      const token = new pkijs.ContentInfo({ contentType: OID_SIGNED_DATA, content: signedData.toSchema(true) });
      return reply(
        new pkijs.TimeStampResp({
          status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
          timeStampToken: token,
        }),
      );
    },
  };
  return tsa;
}

function reply(response: pkijs.TimeStampResp): Response {
  return new Response(response.toSchema().toBER(), {
    status: 200,
    headers: { "Content-Type": "application/timestamp-reply" },
  });
}

/** A rejection with one PKIFailureInfo bit set (0 badAlg, 5 badDataFormat, 15 unacceptedPolicy, 25 systemFailure). */
function rejection(failBit: number, text: string): pkijs.TimeStampResp {
  const bytes = new Uint8Array(Math.floor(failBit / 8) + 1);
  bytes[failBit >> 3] = 0x80 >> (failBit & 7);
  const unused = 7 - (failBit & 7);
  return new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({
      status: pkijs.PKIStatus.rejection,
      statusStrings: [new asn1js.Utf8String({ value: text })],
      failInfo: new asn1js.BitString({ valueHex: bytes.buffer, unusedBits: unused }),
    }),
  });
}

/** SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } with SHA-256 (the DEFAULT, so omitted). */
function signingCertificateV2(certHash: Uint8Array, certificate: pkijs.Certificate): asn1js.Sequence {
  const issuerSerial = new asn1js.Sequence({
    value: [
      // GeneralNames: [4] directoryName (EXPLICIT, since Name is a CHOICE)
      new asn1js.Sequence({
        value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [certificate.issuer.toSchema()] })],
      }),
      new asn1js.Integer({ valueHex: certificate.serialNumber.valueBlock.valueHexView.slice() }),
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: certHash.slice().buffer }), issuerSerial],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
}

async function makeCertificate(keyAlgorithm: "RSA" | "ECDSA"): Promise<{ privateKey: CryptoKey; certificate: pkijs.Certificate }> {
  const algorithm =
    keyAlgorithm === "RSA"
      ? { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }
      : { name: "ECDSA", namedCurve: "P-256" };
  const keys = (await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;

  const certificate = new pkijs.Certificate();
  certificate.version = 2;
  certificate.serialNumber = new asn1js.Integer({ valueHex: randomSerial() });
  const name = [
    new pkijs.AttributeTypeAndValue({ type: "2.5.4.6", value: new asn1js.PrintableString({ value: "NO" }) }),
    new pkijs.AttributeTypeAndValue({ type: "2.5.4.10", value: new asn1js.Utf8String({ value: "Pactly Test" }) }),
    new pkijs.AttributeTypeAndValue({ type: "2.5.4.3", value: new asn1js.Utf8String({ value: "Pactly Test TSA" }) }),
  ];
  certificate.subject.typesAndValues = name;
  certificate.issuer.typesAndValues = name.map((tv) => new pkijs.AttributeTypeAndValue({ schema: tv.toSchema() }));
  const now = Date.now();
  certificate.notBefore.value = wholeSecond(new Date(now - 60 * 60 * 1000));
  certificate.notAfter.value = wholeSecond(new Date(now + 365 * 24 * 60 * 60 * 1000));
  await certificate.subjectPublicKeyInfo.importKey(keys.publicKey);

  const spki = certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
  const keyId = new Uint8Array(await crypto.subtle.digest("SHA-1", spki));
  certificate.extensions = [
    new pkijs.Extension({
      extnID: OID_BASIC_CONSTRAINTS, // not a CA
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: false }).toSchema().toBER(),
    }),
    new pkijs.Extension({
      extnID: OID_KEY_USAGE, // digitalSignature (bit 0)
      critical: true,
      extnValue: new asn1js.BitString({ valueHex: new Uint8Array([0x80]).buffer, unusedBits: 7 }).toBER(),
    }),
    new pkijs.Extension({
      extnID: OID_EXT_KEY_USAGE, // id-kp-timeStamping only, critical (RFC 3161 §2.3)
      critical: true,
      extnValue: new pkijs.ExtKeyUsage({ keyPurposes: [OID_KP_TIMESTAMPING] }).toSchema().toBER(),
    }),
    new pkijs.Extension({
      extnID: OID_SUBJECT_KEY_IDENTIFIER,
      critical: false,
      extnValue: new asn1js.OctetString({ valueHex: keyId.buffer }).toBER(),
    }),
  ];
  await certificate.sign(keys.privateKey, "SHA-256");
  // Round-trip so the object carries its own encoding (as a parsed certificate would).
  const parsed = pkijs.Certificate.fromBER(certificate.toSchema(true).toBER());
  return { privateKey: keys.privateKey, certificate: parsed };
}

function randomSerial(): ArrayBuffer {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x40; // positive, minimal
  return bytes.buffer;
}

function wholeSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function sleep(ms: number, signal: AbortSignal | null): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
