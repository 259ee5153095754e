import { createTestTsa } from "../../support/tsa";
import { requestTimestamp } from "../../../src/pdf/timestamp";
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFString, StandardFonts } from "pdf-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { buildSignedPdf } from "../../../src/pdf/certificate";
import { openPdf } from "../../../src/pdf/open";
import { SEAL_FIELD_NAME, sealContentsSize, sealPdf, type SealInfo } from "../../../src/pdf/seal";
import { certificateSha256, keySealSigner, type SealSigner } from "../../../src/pdf/seal-signer";
import { verifySeal } from "../../../src/pdf/verify-seal";
import { certificateFor, englishLabels, latin1, samplePdf, sha256Hex } from "../../fixtures/pdf/pdfs";
import { linearizedPdf, objectStreamsPdf } from "../../fixtures/pdf/qpdf";
import { testSealCertificate } from "../../fixtures/seal/certs";
import { hybridPdf, pdf13WithForm } from "../../fixtures/seal/handmade";

const info = (overrides: Partial<SealInfo> = {}): SealInfo => ({
  name: "Pactly",
  reason: "Completed and sealed by Pactly",
  location: "Oslo",
  signingTime: new Date(Math.floor(Date.now() / 1000) * 1000),
  ...overrides,
});

let rsa: { signer: SealSigner; certDer: Uint8Array; certPem: string; keyPem: string };
let ecdsa: { signer: SealSigner; certDer: Uint8Array };

beforeAll(async () => {
  const r = await testSealCertificate("RSA-2048");
  rsa = { ...r, signer: await keySealSigner(r.certPem, r.keyPem) };
  const e = await testSealCertificate("ECDSA-P256", "Pactly test seal (EC)");
  ecdsa = { ...e, signer: await keySealSigner(e.certPem, e.keyPem) };
}, 60_000);

async function sealedValid(bytes: Uint8Array) {
  const result = await verifySeal(bytes);
  if (!result.sealed) throw new Error(result.reason);
  return result;
}

/** The gap the ByteRange leaves out: [start, end) covering "<...>". */
function gapOf(result: { byteRange: [number, number, number, number] }): [number, number] {
  return [result.byteRange[1], result.byteRange[2]];
}

function flip(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const copy = bytes.slice();
  copy[at] = copy[at]! ^ mask;
  return copy;
}

async function pdfWithForm(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595, 842]);
  page.drawText("A form", { x: 72, y: 760, size: 18, font });
  const field = doc.getForm().createTextField("applicant.name");
  field.setText("Ola Nordmann");
  field.addToPage(page, { x: 72, y: 700, width: 200, height: 20 });
  return doc.save({ useObjectStreams: false });
}

describe("sealPdf + verifySeal", () => {
  it("seals a pdf-lib PDF: valid, whole file covered, zero padding, no problems", async () => {
    const original = await samplePdf({ pages: 2 });
    const sealInfo = info(); // one time for both the seal and the expectation
    const sealed = await sealPdf(original, rsa.signer, sealInfo);
    const result = await sealedValid(sealed);
    expect(result).toMatchObject({
      valid: true,
      coversWholeFile: true,
      paddingIsZero: true,
      signedRevisionLength: sealed.length,
      signerSubject: "CN=Pactly test seal, O=Pactly tests, C=NO",
      problems: [],
    });
    expect(result.byteRange[0]).toBe(0);
    expect(result.byteRange[2] + result.byteRange[3]).toBe(sealed.length);
    expect(result.signerCertificateSha256).toBe(await certificateSha256(rsa.certDer));
    expect(result.signerCertificateSha256).toBe(await certificateSha256(rsa.certPem));
    expect(result.signingTime).toBe(sealInfo.signingTime.toISOString().replace(/\.\d+Z$/, ".000Z"));
  });

  it("keeps the input as a byte-exact prefix and appends one incremental update", async () => {
    const original = await samplePdf({ pages: 2 });
    const sealed = await sealPdf(original, rsa.signer, info());
    expect(sealed.subarray(0, original.length)).toEqual(original);
    const tail = latin1(sealed.subarray(original.length));
    expect(tail.match(/%%EOF/g)).toHaveLength(1);
    expect(tail).toMatch(/\/Type \/Sig\n\/Filter \/Adobe\.PPKLite\n\/SubFilter \/ETSI\.CAdES\.detached\n/);
    expect(tail).toMatch(/\/Prev \d+/);
  });

  it("reserves a fixed-size /Contents, zero-padded after the CMS", async () => {
    const sealed = await sealPdf(await samplePdf(), rsa.signer, info());
    const result = await sealedValid(sealed);
    const [a, b] = gapOf(result);
    expect(b - a - 2).toBe(2 * sealContentsSize(rsa.certDer.length));
    const hex = latin1(sealed.subarray(a + 1, b - 1));
    expect(hex).toMatch(/^30[0-9a-f]+0{1000,}$/);
  });

  it("produces a file that passes the upload checks, with an invisible signature field on page 1", async () => {
    const original = await samplePdf({ pages: 3 });
    const sealed = await sealPdf(original, rsa.signer, info());
    const opened = await openPdf(sealed);
    expect(opened.pages).toBe(3);
    const doc = await PDFDocument.load(sealed, { updateMetadata: false });
    const acroForm = doc.catalog.lookup(PDFName.of("AcroForm"), PDFDict);
    expect(acroForm.lookup(PDFName.of("SigFlags"), PDFNumber).asNumber()).toBe(3);
    const fields = acroForm.lookup(PDFName.of("Fields"), PDFArray);
    expect(fields.size()).toBe(1);
    const widget = doc.context.lookup(fields.get(0), PDFDict);
    expect(widget.get(PDFName.of("FT"))).toBe(PDFName.of("Sig"));
    expect(widget.lookup(PDFName.of("F"), PDFNumber).asNumber()).toBe(132);
    expect(widget.lookup(PDFName.of("Rect"), PDFArray).asArray().map((n) => (n as PDFNumber).asNumber())).toEqual([0, 0, 0, 0]);
    expect((widget.get(PDFName.of("T")) as PDFString).decodeText()).toBe(SEAL_FIELD_NAME);
    expect(widget.get(PDFName.of("P"))).toBe(doc.getPage(0).ref);
    const annots = doc.getPage(0).node.lookup(PDFName.of("Annots"), PDFArray);
    expect(annots.asArray()).toContain(fields.get(0));
    const sig = widget.lookup(PDFName.of("V"), PDFDict);
    expect(sig.get(PDFName.of("Type"))).toBe(PDFName.of("Sig"));
    expect((sig.get(PDFName.of("Reason")) as PDFString).decodeText()).toBe("Completed and sealed by Pactly");
  });

  it("makes flipping any byte in the covered ranges invalid", async () => {
    const original = await samplePdf({ pages: 1 });
    const sealed = await sealPdf(original, rsa.signer, info());
    const [a, b] = gapOf(await sealedValid(sealed));
    // Every byte of the signature dictionary outside /Contents and of what
    // follows it (ByteRange digits, /M, xref, trailer), every fourth byte of
    // the rest of the update, and a spread over the original.
    const dictStart = latin1(sealed).lastIndexOf(" obj", a);
    const positions: number[] = [];
    for (let i = original.length; i < sealed.length; i++) {
      if (i >= a && i < b) continue;
      if (i >= dictStart || (i - original.length) % 4 === 0) positions.push(i);
    }
    for (let i = 0; i < original.length; i += 13) positions.push(i);
    for (const [i, at] of positions.entries()) {
      const mask = i % 2 === 0 ? 0x01 : 0x20; // 0x20 also turns spaces into NULs (still whitespace)
      const result = await verifySeal(flip(sealed, at, mask));
      if (result.sealed && result.valid) throw new Error(`still valid after flipping byte ${at} with ${mask}`);
    }
  }, 120_000);

  it("reports a changed byte in the signature itself as invalid", async () => {
    const sealed = await sealPdf(await samplePdf(), rsa.signer, info());
    const [a] = gapOf(await sealedValid(sealed));
    for (const offset of [1, 40, 400, 1200]) {
      const result = await verifySeal(flip(sealed, a + offset, 0x02));
      expect(result.sealed && result.valid).toBe(false);
    }
  });

  it("reports non-zero padding but keeps the signature valid", async () => {
    const sealed = await sealPdf(await samplePdf(), rsa.signer, info());
    const [, b] = gapOf(await sealedValid(sealed));
    for (const mask of [0x01, 0x10, 0x40]) {
      const result = await sealedValid(flip(sealed, b - 10, mask));
      expect(result).toMatchObject({ valid: true, coversWholeFile: true, paddingIsZero: false });
      expect(result.problems.join(" ")).toMatch(/not all zeros/);
    }
  });

  it("reports bytes appended after the seal", async () => {
    const sealed = await sealPdf(await samplePdf(), rsa.signer, info());
    const longer = new Uint8Array(sealed.length + 5);
    longer.set(sealed);
    longer.set([0x0a, 0x25, 0x25, 0x41, 0x0a], sealed.length);
    const result = await sealedValid(longer);
    expect(result).toMatchObject({ valid: true, coversWholeFile: false, signedRevisionLength: sealed.length });
    expect(result.problems.join(" ")).toMatch(/5 bytes were added/);
  });

  it("seals twice: the first seal's bytes stay, each verifies for its revision", async () => {
    const original = await samplePdf({ pages: 2 });
    const first = await sealPdf(original, rsa.signer, info());
    const second = await sealPdf(first, ecdsa.signer, info({ reason: "Sealed again" }));
    expect(second.subarray(0, first.length)).toEqual(first);
    const last = await sealedValid(second);
    expect(last).toMatchObject({ valid: true, coversWholeFile: true, signerSubject: "CN=Pactly test seal (EC), O=Pactly tests, C=NO" });
    const earlier = await sealedValid(second.subarray(0, first.length));
    expect(earlier).toMatchObject({ valid: true, coversWholeFile: true, signedRevisionLength: first.length });
    expect(earlier.byteRange[2] + earlier.byteRange[3]).toBe(first.length);

    const doc = await PDFDocument.load(second, { updateMetadata: false });
    const fields = doc.catalog.lookup(PDFName.of("AcroForm"), PDFDict).lookup(PDFName.of("Fields"), PDFArray);
    const names = fields.asArray().map((ref) => (doc.context.lookup(ref, PDFDict).get(PDFName.of("T")) as PDFString).decodeText());
    expect(names).toEqual([SEAL_FIELD_NAME, `${SEAL_FIELD_NAME} 2`]);
    expect(doc.getPage(0).node.lookup(PDFName.of("Annots"), PDFArray).size()).toBe(2);
  });

  it("signs with an ECDSA P-256 key", async () => {
    const sealed = await sealPdf(await samplePdf(), ecdsa.signer, info());
    expect(await sealedValid(sealed)).toMatchObject({ valid: true, coversWholeFile: true, paddingIsZero: true, problems: [] });
  });

  it("accepts a signer that returns WebCrypto's raw ECDSA r||s", async () => {
    const e = await testSealCertificate("ECDSA-P256");
    const key = await crypto.subtle.importKey(
      "pkcs8",
      Uint8Array.from(atob(e.keyPem.replace(/-----[^-]+-----|\s/g, "")), (c) => c.charCodeAt(0)),
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["sign"],
    );
    const raw: SealSigner = {
      signatureAlgorithm: "ECDSA-P256-SHA256",
      certificateChain: async () => [e.certDer],
      sign: async (data) => new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, data)),
    };
    const sealed = await sealPdf(await samplePdf(), raw, info());
    expect(await sealedValid(sealed)).toMatchObject({ valid: true, problems: [] });
  });

  it("writes non-ASCII names and reasons as text strings", async () => {
    const sealed = await sealPdf(await samplePdf(), rsa.signer, info({ name: "Pactly AS (Ørjan)", reason: "Signert – Łukasz" }));
    expect((await sealedValid(sealed)).valid).toBe(true);
    const doc = await PDFDocument.load(sealed, { updateMetadata: false });
    const fields = doc.catalog.lookup(PDFName.of("AcroForm"), PDFDict).lookup(PDFName.of("Fields"), PDFArray);
    const sig = doc.context.lookup(fields.get(0), PDFDict).lookup(PDFName.of("V"), PDFDict);
    expect((sig.get(PDFName.of("Name")) as PDFString).decodeText()).toBe("Pactly AS (Ørjan)");
    expect((sig.get(PDFName.of("Reason")) as PDFHexString).decodeText()).toBe("Signert – Łukasz");
  });

  it("embeds a timestamp token from the timestamp hook as an unsigned attribute, and verifies it", async () => {
    let seen: Uint8Array | undefined;
    const tsa = await createTestTsa();
    const sealed = await sealPdf(await samplePdf(), rsa.signer, info(), {
      timestamp: async (signatureValue) => {
        seen = signatureValue;
        const imprint = new Uint8Array(await crypto.subtle.digest("SHA-256", signatureValue));
        return requestTimestamp({ tsaUrl: "https://tsa.test/", messageImprint: imprint, fetcher: (u, i) => tsa.handle(new Request(u, i)) });
      },
    });
    expect(seen?.length).toBe(256);
    const result = await sealedValid(sealed);
    expect(result).toMatchObject({ valid: true, coversWholeFile: true, paddingIsZero: true });
    expect(result.timestamp?.genTime).toBeTruthy();
    const [a, b] = gapOf(result);
    expect(latin1(sealed.subarray(a, b))).toContain("060b2a864886f70d010910020e"); // id-aa-signatureTimeStampToken
  });

  it("reports a seal whose timestamp token is not a real one over its signature as invalid", async () => {
    // A stand-in of realistic size: a SEQUENCE holding 6 KB, signed by no authority.
    const token = new Uint8Array([0x30, 0x82, 0x17, 0x74, 0x04, 0x82, 0x17, 0x70, ...new Uint8Array(6000).fill(7)]);
    const sealed = await sealPdf(await samplePdf(), rsa.signer, info(), { timestamp: async () => token });
    const result = await verifySeal(sealed);
    expect(result.sealed && result.valid).toBe(false);
    expect(result.sealed && result.problems.join(" ")).toMatch(/timestamp/);
  });

  it("fails when the timestamp hook fails", async () => {
    await expect(
      sealPdf(await samplePdf(), rsa.signer, info(), {
        timestamp: async () => {
          throw new Error("TSA unreachable");
        },
      }),
    ).rejects.toThrow(/TSA unreachable/);
  });

  it("says 'not sealed' for a PDF without a signature", async () => {
    expect(await verifySeal(await samplePdf())).toEqual({ sealed: false, reason: expect.stringMatching(/no signature/) });
  });
});

describe("sealPdf on different PDFs", () => {
  const cases: Array<[string, () => Promise<Uint8Array> | Uint8Array, "table" | "stream"]> = [
    ["pdf-lib, classic table", () => samplePdf({ pages: 3 }), "table"],
    ["pdf-lib, object streams", () => samplePdf({ pages: 3, objectStreams: true }), "stream"],
    ["qpdf, predicted cross-reference stream", () => objectStreamsPdf, "stream"],
    ["qpdf, linearized", () => linearizedPdf, "table"],
    ["hand-made PDF 1.3 with a form", () => pdf13WithForm(), "table"],
    ["hand-made hybrid with page 1 in an object stream", () => hybridPdf(), "table"],
  ];
  for (const [name, make, kind] of cases) {
    it(`seals ${name}`, async () => {
      const original = await make();
      const sealed = await sealPdf(original, rsa.signer, info());
      expect(sealed.subarray(0, original.length)).toEqual(original);
      expect(await sealedValid(sealed)).toMatchObject({ valid: true, coversWholeFile: true, paddingIsZero: true, problems: [] });
      const tail = latin1(sealed.subarray(original.length));
      expect(/\/Type \/XRef/.test(tail)).toBe(kind === "stream");
      const before = await openPdf(original);
      const after = await openPdf(sealed);
      expect(after.pages).toBe(before.pages);
    });
  }

  it("keeps an existing form's fields and page 1's annotations", async () => {
    for (const original of [await pdfWithForm(), pdf13WithForm()]) {
      const beforeDoc = await PDFDocument.load(original, { updateMetadata: false });
      const beforeForm = beforeDoc.catalog.lookup(PDFName.of("AcroForm"), PDFDict);
      const beforeFields = beforeForm.lookup(PDFName.of("Fields"), PDFArray).asArray();
      const beforeAnnots = beforeDoc.getPage(0).node.lookup(PDFName.of("Annots"), PDFArray).asArray();

      const sealed = await sealPdf(original, rsa.signer, info());
      expect((await sealedValid(sealed)).valid).toBe(true);
      const doc = await PDFDocument.load(sealed, { updateMetadata: false });
      const acroForm = doc.catalog.lookup(PDFName.of("AcroForm"), PDFDict);
      const fields = acroForm.lookup(PDFName.of("Fields"), PDFArray).asArray();
      expect(fields.slice(0, beforeFields.length)).toEqual(beforeFields);
      expect(fields).toHaveLength(beforeFields.length + 1);
      const annots = doc.getPage(0).node.lookup(PDFName.of("Annots"), PDFArray).asArray();
      expect(annots.slice(0, beforeAnnots.length)).toEqual(beforeAnnots);
      expect(annots[annots.length - 1]).toEqual(fields[fields.length - 1]);
      // The form's other entries survive (/DA, /DR...).
      for (const [key, value] of beforeForm.entries()) {
        if (key !== PDFName.of("Fields")) expect(acroForm.get(key)?.toString()).toBe(value.toString());
      }
      expect(acroForm.lookup(PDFName.of("SigFlags"), PDFNumber).asNumber()).toBe(3);
    }
  });

  it("seals the output of buildSignedPdf (certificate pages), in both cross-reference forms", async () => {
    for (const objectStreams of [false, true]) {
      const bytes = await samplePdf({ pages: 2, objectStreams });
      const certificate = certificateFor({ sha256: await sha256Hex(bytes), pages: 2 }, 2);
      const built = await buildSignedPdf({ original: bytes, certificate, labels: englishLabels });
      const sealed = await sealPdf(built.bytes, rsa.signer, info());
      expect(sealed.subarray(0, bytes.length)).toEqual(bytes);
      expect(sealed.subarray(0, built.bytes.length)).toEqual(built.bytes);
      expect(await sealedValid(sealed)).toMatchObject({ valid: true, coversWholeFile: true, problems: [] });
      expect((await openPdf(sealed)).pages).toBe(built.pages);
    }
  });

  it("refuses a damaged file", async () => {
    const bytes = await samplePdf();
    await expect(sealPdf(bytes.subarray(0, bytes.length - 40), rsa.signer, info())).rejects.toThrow();
  });
});

describe("keySealSigner", () => {
  it("refuses a key that does not belong to the certificate", async () => {
    const other = await testSealCertificate("RSA-2048");
    await expect(keySealSigner(rsa.certPem, other.keyPem)).rejects.toThrow(/does not belong/);
  });

  it("refuses a key that is not PKCS#8", async () => {
    const pkcs1 = rsa.keyPem.replace(/PRIVATE KEY/g, "RSA PRIVATE KEY");
    await expect(keySealSigner(rsa.certPem, pkcs1)).rejects.toThrow(/openssl pkcs8/);
  });

  it("accepts PEM with escaped newlines (as env files hold them) and reports the chain signer first", async () => {
    const signer = await keySealSigner(rsa.certPem.replace(/\n/g, "\\n"), rsa.keyPem.replace(/\n/g, "\\n"));
    expect(signer.signatureAlgorithm).toBe("RSASSA-PKCS1-v1_5-SHA256");
    const chain = await signer.certificateChain();
    expect(chain).toHaveLength(1);
    expect(chain[0]).toEqual(rsa.certDer);
    expect(ecdsa.signer.signatureAlgorithm).toBe("ECDSA-P256-SHA256");
  });

  it("embeds the whole chain and sizes /Contents for it", async () => {
    const issuer = await testSealCertificate("RSA-2048", "Pactly test issuer");
    const chained: SealSigner = {
      signatureAlgorithm: rsa.signer.signatureAlgorithm,
      sign: (data) => rsa.signer.sign(data),
      certificateChain: async () => [rsa.certDer, issuer.certDer],
    };
    const sealed = await sealPdf(await samplePdf(), chained, info());
    const result = await sealedValid(sealed);
    expect(result.valid).toBe(true);
    expect(result.signerCertificateSha256).toBe(await certificateSha256(rsa.certDer));
    const [a, b] = gapOf(result);
    expect(b - a - 2).toBe(2 * sealContentsSize(rsa.certDer.length + issuer.certDer.length));
  });
});
