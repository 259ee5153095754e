// The seal checked by other programs: poppler's pdfsig (NSS) must call it valid
// and covering the whole document, qpdf --check must find no errors, for PDFs
// from several producers and of several forms, sealed directly and after the
// certificate pages. Flipping one byte must make pdfsig (and verifySeal) say so.
//
// Run: node --test test/node/*.test.mjs   (needs pdfsig, qpdf, pdftocairo, pdfunite, pdfdetach)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { generateDevSealCert } from "../../src/cli/dev-seal-cert.mjs";
import { loadEntry } from "./build.mjs";

for (const tool of ["pdfsig", "qpdf", "pdftocairo", "pdfunite", "pdftotext", "pdfdetach", "openssl"]) {
  if (spawnSync(tool, ["-v"]).error) throw new Error(`${tool} is missing: apt-get install poppler-utils qpdf openssl`);
}

const e = await loadEntry();
const dir = mkdtempSync(path.join(tmpdir(), "pactly-seal-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(command, args) {
  const result = spawnSync(command, args, { encoding: "latin1", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

function file(name, bytes) {
  const at = path.join(dir, name);
  writeFileSync(at, bytes);
  return at;
}

/** Runs a tool that writes a file: tool args... in out. */
function transform(name, input, make) {
  const source = file(`${name}.src.pdf`, input);
  const target = path.join(dir, `${name}.pdf`);
  const { code, out } = make(source, target);
  assert.ok(code === 0 || code === 3, `${name}: ${out}`); // qpdf: 3 = warnings
  return new Uint8Array(readFileSync(target));
}

/** pdfsig's report, one entry per signature. */
function pdfsig(bytes, name) {
  const { code, out } = run("pdfsig", ["-nocert", file(name, bytes)]);
  const signatures = out.split(/^Signature #\d+:$/m).slice(1);
  return { code, out, signatures };
}

function assertSealedOk(bytes, name, expectedSignatures = 1) {
  const report = pdfsig(bytes, `${name}.sealed.pdf`);
  assert.equal(report.code, 0, report.out);
  assert.equal(report.signatures.length, expectedSignatures, report.out);
  for (const signature of report.signatures) assert.match(signature, /Signature Validation: Signature is Valid\./, report.out);
  const last = report.signatures.at(-1);
  assert.match(last, /Total document signed/, report.out);
  assert.match(last, /Signature Type: ETSI\.CAdES\.detached/, report.out);
  assert.match(last, /Signature Field Name: Pactly seal/, report.out);
  const check = run("qpdf", ["--check", path.join(dir, `${name}.sealed.pdf`)]);
  assert.equal(check.code, 0, `qpdf --check: ${check.out}`);
  assert.match(check.out, /No syntax or stream encoding errors found/);
}

async function pdfLib(pages, objectStreams = false) {
  const doc = await e.PDFDocument.create();
  const font = await doc.embedFont(e.StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) {
    const page = doc.addPage([595.28, 841.89]);
    page.drawText(`Agreement page ${i} of ${pages}`, { x: 72, y: 760, size: 16, font });
    for (let line = 0; line < 30; line++) {
      page.drawText(`Clause ${i}.${line + 1}: the parties agree to the terms set out here.`, { x: 72, y: 720 - line * 20, size: 10, font });
    }
  }
  return doc.save({ useObjectStreams: objectStreams });
}

const info = () => ({
  name: "Pactly",
  reason: "Completed and sealed by Pactly",
  location: "Oslo, Norway",
  signingTime: new Date(Math.floor(Date.now() / 1000) * 1000),
});

let rsaSigner;
let ecSigner;
const corpus = new Map();

before(async () => {
  const rsa = await generateDevSealCert();
  rsaSigner = await e.keySealSigner(rsa.certPem, rsa.keyPem);
  const ec = await generateDevSealCert({ algorithm: "ECDSA-P256" });
  ecSigner = await e.keySealSigner(ec.certPem, ec.keyPem);

  const one = await pdfLib(1);
  const ten = await pdfLib(10);
  corpus.set("pdf-lib, 1 page", one);
  corpus.set("pdf-lib, 300 pages", await pdfLib(300));
  corpus.set("pdf-lib, object streams", await pdfLib(4, true));
  corpus.set("qpdf --linearize", transform("linearized", ten, (i, o) => run("qpdf", ["--linearize", i, o])));
  corpus.set(
    "qpdf --object-streams=generate",
    transform("objstm", ten, (i, o) => run("qpdf", ["--object-streams=generate", i, o])),
  );
  corpus.set(
    "qpdf --force-version=1.3",
    transform("v13", ten, (i, o) => run("qpdf", ["--force-version=1.3", "--object-streams=disable", i, o])),
  );
  corpus.set("pdftocairo -pdf (cairo)", transform("cairo", ten, (i, o) => run("pdftocairo", ["-pdf", i, o])));
  corpus.set("pdfunite (poppler)", transform("unite", one, (i, o) => run("pdfunite", [i, i, o])));
  corpus.set("hand-made PDF 1.3 with a form", e.pdf13WithForm());
  corpus.set("hand-made hybrid reference", e.hybridPdf());
  for (const [name, bytes] of corpus) {
    // 3: warnings only. pdfunite writes a trailer /Size below its highest object number.
    const check = run("qpdf", ["--check", file(`${slug(name)}.original.pdf`, bytes)]);
    assert.ok(check.code === 0 || check.code === 3, `${name} is not a sound original: ${check.out}`);
  }
});

const slug = (name) => name.replace(/[^a-z0-9]+/gi, "-").toLowerCase();

const evidence = { json: new TextEncoder().encode('{"schema":"pactly-evidence","version":1,"note":"Ørjan"}\n'), filename: "pactly-evidence.json" };

/** The finalisation path's first update: certificate pages and, when asked, the evidence attachment. */
async function withCertificate(original, options = {}) {
  const { pages } = await e.openPdf(original);
  const digest = Buffer.from(await crypto.subtle.digest("SHA-256", original)).toString("hex");
  const certificate = e.certificateFor({ sha256: digest, pages }, 2);
  const built = await e.buildSignedPdf({ original, certificate, labels: e.englishLabels, ...(options.evidence ? { evidence } : {}) });
  assert.equal(built.pages, pages + 1);
  return built.bytes;
}

describe("pdfsig and qpdf accept the seal", () => {
  test("on every PDF of the corpus, sealed directly", async () => {
    for (const [name, original] of corpus) {
      const sealed = await e.sealPdf(original, rsaSigner, info());
      assert.deepEqual(sealed.subarray(0, original.length), original, name);
      assertSealedOk(sealed, `direct-${slug(name)}`);
      const result = await e.verifySeal(sealed);
      assert.ok(result.sealed && result.valid && result.coversWholeFile && result.paddingIsZero, `${name}: ${JSON.stringify(result)}`);
    }
  });

  test("on every PDF of the corpus after the certificate pages and the evidence (the finalisation path)", async () => {
    for (const [name, original] of corpus) {
      const signed = await withCertificate(original, { evidence: true });
      const sealed = await e.sealPdf(signed, rsaSigner, info());
      assert.deepEqual(sealed.subarray(0, original.length), original, name);
      assertSealedOk(sealed, `certificate-${slug(name)}`);
      const sealedFile = path.join(dir, `certificate-${slug(name)}.sealed.pdf`);
      const text = run("pdftotext", [sealedFile, "-"]).out;
      assert.match(text, /Signature certificate|Signeringsbevis/, name);
      // Poppler finds the evidence through the catalog's name tree, byte for byte.
      const listed = run("pdfdetach", ["-list", sealedFile]).out;
      assert.match(listed, /1 embedded files\s+1: pactly-evidence\.json/, `${name}: ${listed}`);
      const saved = path.join(dir, `certificate-${slug(name)}.evidence.json`);
      assert.equal(run("pdfdetach", ["-save", "1", "-o", saved, sealedFile]).code, 0, name);
      assert.deepEqual(new Uint8Array(readFileSync(saved)), evidence.json, name);
    }
  });

  test("with an ECDSA P-256 seal", async () => {
    const sealed = await e.sealPdf(await withCertificate(corpus.get("pdf-lib, 1 page")), ecSigner, info());
    assertSealedOk(sealed, "ecdsa");
  });

  test("OpenSSL's CMS verifier agrees (RSA and ECDSA)", async () => {
    for (const [name, signer] of [["rsa", rsaSigner], ["ec", ecSigner]]) {
      const sealed = await e.sealPdf(corpus.get("pdf-lib, 1 page"), signer, info());
      const [start1, length1, start2, length2] = (await e.verifySeal(sealed)).byteRange;
      const hex = Buffer.from(sealed.subarray(start1 + length1 + 1, start2 - 1)).toString("latin1");
      const der = Buffer.from(hex, "hex");
      const cms = file(`openssl-${name}.p7s`, der);
      const content = file(`openssl-${name}.bin`, Buffer.concat([sealed.subarray(start1, start1 + length1), sealed.subarray(start2, start2 + length2)]));
      const result = run("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", cms, "-content", content, "-noverify", "-out", "/dev/null"]);
      assert.equal(result.code, 0, result.out);
      assert.match(result.out, /Verification successful/);
    }
  });

  test("twice: both signatures valid, the first for its revision only", async () => {
    const first = await e.sealPdf(corpus.get("qpdf --object-streams=generate"), rsaSigner, info());
    const second = await e.sealPdf(first, ecSigner, { ...info(), reason: "Sealed again" });
    assertSealedOk(second, "twice", 2);
    const report = pdfsig(second, "twice-report.pdf");
    assert.match(report.signatures[0], /Not total document signed/);
    assert.match(report.signatures[1], /Signature Field Name: Pactly seal 2/);
  });
});

describe("a changed byte is reported", () => {
  test("by pdfsig and verifySeal, wherever it is in the covered ranges", async () => {
    const original = corpus.get("pdf-lib, 1 page");
    const sealed = await e.sealPdf(await withCertificate(original), rsaSigner, info());
    const result = await e.verifySeal(sealed);
    const [, a, b] = result.byteRange;
    // In the original's content, in the certificate update, just before and after /Contents, in the final trailer.
    const positions = [Math.floor(original.length / 2), original.length + 200, a - 5, b + 5, sealed.length - 20];
    for (const at of positions) {
      const changed = sealed.slice();
      changed[at] ^= 0x01;
      const report = pdfsig(changed, `flipped-${at}.pdf`);
      const valid = report.signatures.length > 0 && report.signatures.every((s) => /Signature is Valid\./.test(s));
      assert.equal(valid, false, `pdfsig still says valid after flipping byte ${at}: ${report.out}`);
      const verification = await e.verifySeal(changed);
      assert.ok(!(verification.sealed && verification.valid), `verifySeal still says valid after flipping byte ${at}`);
    }
  });

  test("bytes appended after the seal: pdfsig no longer says 'Total document signed'", async () => {
    const sealed = await e.sealPdf(corpus.get("pdf-lib, 1 page"), rsaSigner, info());
    const longer = Buffer.concat([sealed, Buffer.from("\n% appended\n")]);
    const report = pdfsig(longer, "appended.pdf");
    assert.match(report.signatures[0], /Signature is Valid\./);
    assert.doesNotMatch(report.signatures[0], /Total document signed/);
    const verification = await e.verifySeal(longer);
    assert.ok(verification.sealed && verification.valid && !verification.coversWholeFile);
  });
});
