import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { beforeAll, describe, expect, it } from "vitest";
import { OID_SIGNATURE_TIMESTAMP_TOKEN } from "../../../src/pdf/oids";
import {
  readTimestampToken,
  requestTimestamp,
  signatureTimestampAttribute,
  TimestampError,
  verifyTimestampToken,
} from "../../../src/pdf/timestamp";
import { createTestTsa, type TestTsa, type TsaMode } from "../../support/tsa";

const TSA_URL = "https://tsa.test/tsr";

async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

function fetcherFor(tsa: TestTsa): typeof fetch {
  return ((input: RequestInfo | URL, init?: RequestInit) => tsa.handle(new Request(input, init))) as typeof fetch;
}

async function timestampError(promise: Promise<unknown>): Promise<TimestampError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TimestampError) return error;
    throw new Error(`expected a TimestampError, got ${String(error)}`);
  }
  throw new Error("expected a TimestampError, but the timestamp was accepted");
}

describe("RFC 3161 timestamp client", () => {
  let tsa: TestTsa;
  beforeAll(async () => {
    tsa = await createTestTsa();
  });

  it("gets, checks and reads a token from a TSA (RSA)", async () => {
    tsa.mode = "ok";
    const before = tsa.requests;
    const imprint = await sha256("the CMS signature value");
    const token = await requestTimestamp({ tsaUrl: TSA_URL, messageImprint: imprint, fetcher: fetcherFor(tsa) });
    expect(tsa.requests).toBe(before + 1);

    const info = await readTimestampToken(token);
    expect(info.messageImprint).toEqual(imprint);
    expect(Math.abs(Date.parse(info.genTime) - Date.now())).toBeLessThan(10_000);
    expect(info.genTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(info.serialNumber).toMatch(/^\d+$/);
    expect(info.tsaSubject).toBe("CN=Pactly Test TSA, O=Pactly Test, C=NO");

    // The token is the ContentInfo (SignedData over TSTInfo) carrying the TSA certificate.
    const contentInfo = pkijs.ContentInfo.fromBER(token);
    expect(contentInfo.contentType).toBe("1.2.840.113549.1.7.2");
    const signedData = new pkijs.SignedData({ schema: contentInfo.content });
    expect(signedData.encapContentInfo.eContentType).toBe("1.2.840.113549.1.9.16.1.4");
    const included = signedData.certificates?.[0] as pkijs.Certificate;
    expect(new Uint8Array(included.toSchema().toBER())).toEqual(tsa.certificateDer);

    // The verifier's check: right imprint passes, any other fails.
    await expect(verifyTimestampToken(token, imprint)).resolves.toMatchObject({ serialNumber: info.serialNumber });
    const other = await timestampError(verifyTimestampToken(token, await sha256("something else")));
    expect(other.message).toMatch(/different message imprint/);
  });

  it("works with an ECDSA TSA too", async () => {
    const ecTsa = await createTestTsa({ keyAlgorithm: "ECDSA" });
    const imprint = await sha256("ecdsa");
    const token = await requestTimestamp({ tsaUrl: TSA_URL, messageImprint: imprint, fetcher: fetcherFor(ecTsa) });
    expect((await readTimestampToken(token)).messageImprint).toEqual(imprint);
  });

  it("each token gets a fresh serial number", async () => {
    tsa.mode = "ok";
    const imprint = await sha256("twice");
    const a = await readTimestampToken(await requestTimestamp({ tsaUrl: TSA_URL, messageImprint: imprint, fetcher: fetcherFor(tsa) }));
    const b = await readTimestampToken(await requestTimestamp({ tsaUrl: TSA_URL, messageImprint: imprint, fetcher: fetcherFor(tsa) }));
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });

  const misbehaviours: Array<[TsaMode, RegExp]> = [
    ["reject", /refused the request: status 2 \(rejection\) — failInfo systemFailure: "test TSA rejects by request"/],
    ["wrongNonce", /nonce that does not match our request/],
    ["wrongImprint", /different message imprint/],
    ["badSignature", /signature does not verify with the TSA certificate/],
    ["http500", /answered HTTP 500, expected 200/],
    ["wrongContentType", /Content-Type "text\/html", expected application\/timestamp-reply/],
  ];
  for (const [mode, message] of misbehaviours) {
    it(`refuses a TSA in mode ${mode}`, async () => {
      tsa.mode = mode;
      try {
        const error = await timestampError(
          requestTimestamp({ tsaUrl: TSA_URL, messageImprint: await sha256(mode), fetcher: fetcherFor(tsa) }),
        );
        expect(error.name).toBe("TimestampError");
        expect(error.message).toMatch(message);
      } finally {
        tsa.mode = "ok";
      }
    });
  }

  it("times out on a slow TSA", async () => {
    const slow = await createTestTsa({ mode: "slow", keyAlgorithm: "ECDSA", slowMs: 10_000 });
    const started = Date.now();
    const error = await timestampError(
      requestTimestamp({ tsaUrl: TSA_URL, messageImprint: await sha256("slow"), fetcher: fetcherFor(slow), timeoutMs: 200 }),
    );
    expect(error.message).toMatch(/did not answer within 200 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("times out even when the fetcher ignores the abort signal", async () => {
    const hanging = (() => new Promise<Response>(() => undefined)) as typeof fetch;
    const error = await timestampError(
      requestTimestamp({ tsaUrl: TSA_URL, messageImprint: await sha256("hang"), fetcher: hanging, timeoutMs: 100 }),
    );
    expect(error.message).toMatch(/did not answer within 100 ms/);
  });

  it("reports an unreachable TSA", async () => {
    const unreachable = (async () => {
      throw new TypeError("fetch failed: connection refused");
    }) as typeof fetch;
    const error = await timestampError(
      requestTimestamp({ tsaUrl: "https://unreachable.test/tsr", messageImprint: await sha256("x"), fetcher: unreachable }),
    );
    expect(error.message).toMatch(/unreachable\.test\/tsr could not be reached: fetch failed: connection refused/);
  });

  it("refuses a reply that is not a TimeStampResp", async () => {
    const garbage = (async () =>
      new Response("not asn.1", { status: 200, headers: { "Content-Type": "application/timestamp-reply" } })) as typeof fetch;
    const error = await timestampError(requestTimestamp({ tsaUrl: TSA_URL, messageImprint: await sha256("g"), fetcher: garbage }));
    expect(error.message).toMatch(/not a DER TimeStampResp|malformed TimeStampResp/);
  });

  it("refuses an imprint that is not a SHA-256 digest", async () => {
    const error = await timestampError(
      requestTimestamp({ tsaUrl: TSA_URL, messageImprint: new Uint8Array(20), fetcher: fetcherFor(tsa) }),
    );
    expect(error.message).toMatch(/32-byte SHA-256/);
  });

  it("sends a well-formed TimeStampReq (version 1, SHA-256, nonce, certReq)", async () => {
    let seen: pkijs.TimeStampReq | undefined;
    let contentType: string | null = null;
    const spy = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      contentType = request.headers.get("Content-Type");
      seen = pkijs.TimeStampReq.fromBER(new Uint8Array(await request.clone().arrayBuffer()));
      return tsa.handle(request);
    }) as typeof fetch;
    const imprint = await sha256("inspect");
    await requestTimestamp({ tsaUrl: TSA_URL, messageImprint: imprint, fetcher: spy });
    expect(contentType).toBe("application/timestamp-query");
    expect(seen?.version).toBe(1);
    expect(seen?.certReq).toBe(true);
    expect(seen?.messageImprint.hashAlgorithm.algorithmId).toBe("2.16.840.1.101.3.4.2.1");
    expect(new Uint8Array(seen!.messageImprint.hashedMessage.valueBlock.valueHexView)).toEqual(imprint);
    expect(seen?.nonce?.toBigInt()).toBeGreaterThan(0n);
    expect(seen?.nonce?.toBigInt()).toBeLessThan(2n ** 64n);
  });

  it("readTimestampToken refuses bytes that are not a token", async () => {
    const error = await timestampError(readTimestampToken(new Uint8Array([1, 2, 3])));
    expect(error.message).toMatch(/not a CMS ContentInfo/);
  });

  it("signatureTimestampAttribute carries the token as an unsigned attribute of a CMS signer", async () => {
    tsa.mode = "ok";
    // A detached CMS signature as the seal would make (no certificate needed here).
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])) as CryptoKeyPair;
    const signedData = new pkijs.SignedData({
      version: 1,
      encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: "1.2.840.113549.1.7.1" }),
      signerInfos: [
        new pkijs.SignerInfo({
          version: 1,
          sid: new pkijs.IssuerAndSerialNumber({
            issuer: new pkijs.RelativeDistinguishedNames({
              typesAndValues: [new pkijs.AttributeTypeAndValue({ type: "2.5.4.3", value: new asn1js.Utf8String({ value: "Seal" }) })],
            }),
            serialNumber: new asn1js.Integer({ value: 1 }),
          }),
        }),
      ],
    });
    await signedData.sign(keys.privateKey, 0, "SHA-256", new TextEncoder().encode("pdf byte ranges"));
    const signerInfo = signedData.signerInfos[0]!;
    const signatureBefore = new Uint8Array(signerInfo.signature.valueBlock.valueHexView);

    const digest = await sha256(signatureBefore);
    const token = await requestTimestamp({ tsaUrl: TSA_URL, messageImprint: digest, fetcher: fetcherFor(tsa) });
    const attribute = signatureTimestampAttribute(token);
    expect(attribute.type).toBe(OID_SIGNATURE_TIMESTAMP_TOKEN);
    signerInfo.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 1, attributes: [attribute] });
    const cms = new pkijs.ContentInfo({ contentType: "1.2.840.113549.1.7.2", content: signedData.toSchema(true) }).toSchema().toBER();

    // Parse back as a verifier would.
    const reparsed = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(cms).content });
    const reSigner = reparsed.signerInfos[0]!;
    expect(new Uint8Array(reSigner.signature.valueBlock.valueHexView)).toEqual(signatureBefore);
    const carried = reSigner.unsignedAttrs?.attributes.find((a) => a.type === OID_SIGNATURE_TIMESTAMP_TOKEN);
    expect(carried).toBeDefined();
    const carriedToken = new Uint8Array(carried!.values[0]!.toBER());
    expect(carriedToken).toEqual(token);
    const info = await verifyTimestampToken(carriedToken, await sha256(new Uint8Array(reSigner.signature.valueBlock.valueHexView)));
    expect(info.messageImprint).toEqual(digest);
  });

  it("signatureTimestampAttribute refuses bytes that are not a token", () => {
    expect(() => signatureTimestampAttribute(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]))).toThrow(TimestampError);
  });
});
