// A second opinion on the PDF corpus (test/fixtures/pdf-corpus) from qpdf and poppler:
// every file Pactly accepts, qpdf checks with no warning at all and pdfinfo counts the
// same pages; every file Pactly calls damaged, qpdf has to repair or cannot read; every
// file Pactly calls password-protected, qpdf says is encrypted. So the corpus.json
// expectations are not just our own parser agreeing with itself. Then every accepted
// file goes through the finalisation code (certificate pages and evidence in one
// incremental update, the seal in another): the original stays a byte-exact prefix,
// qpdf still finds nothing to repair, and pdfsig sees a valid seal over the whole file
// (beside the earlier signature, for files that came signed).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { after, before, describe, it } from "node:test";
import { generateDevSealCert } from "../../src/cli/dev-seal-cert.mjs";
import { loadEntry } from "./build.mjs";

const dir = path.resolve(import.meta.dirname, "../fixtures/pdf-corpus");
const corpus = JSON.parse(readFileSync(path.join(dir, "corpus.json"), "utf8"));
const run = (command, args) => spawnSync(command, args, { encoding: "utf8" });

describe("the PDF corpus, checked by qpdf and pdfinfo", () => {
  for (const entry of corpus) {
    const file = path.join(dir, entry.file);

    if (entry.accepted || entry.code === "pdf_too_many_pages") {
      it(`${entry.file}: qpdf finds nothing to repair and pdfinfo counts ${entry.pages} pages`, () => {
        const check = run("qpdf", ["--check", file]);
        assert.equal(check.status, 0, check.stderr + check.stdout);
        assert.doesNotMatch(check.stderr + check.stdout, /WARNING|damaged/i);
        const info = run("pdfinfo", [file]);
        assert.equal(info.status, 0, info.stderr);
        assert.equal(Number(/^Pages:\s+(\d+)/m.exec(info.stdout)?.[1]), entry.pages);
        if (entry.version) assert.match(info.stdout, new RegExp(`^PDF version:\\s+${entry.version.replace(".", "\\.")}$`, "m"));
      });
    } else if (entry.code === "pdf_encrypted") {
      it(`${entry.file}: qpdf says it is encrypted`, () => {
        assert.equal(run("qpdf", ["--is-encrypted", file]).status, 0);
      });
    } else {
      it(`${entry.file}: qpdf cannot read it without repairing (${entry.code})`, () => {
        const check = run("qpdf", ["--check", file]);
        assert.ok(check.status !== 0 || /WARNING|damaged/i.test(check.stderr + check.stdout), check.stdout);
      });
    }
  }
});

describe("every accepted corpus file, certified and sealed", () => {
  let e;
  let signer;
  let work;
  before(async () => {
    e = await loadEntry();
    const { certPem, keyPem } = await generateDevSealCert();
    signer = await e.keySealSigner(certPem, keyPem);
    work = mkdtempSync(path.join(tmpdir(), "pactly-corpus-seal-"));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const entry of corpus.filter((c) => c.accepted)) {
    it(`${entry.file}: original kept as a prefix, one page added, seal valid over the whole file`, async () => {
      const original = new Uint8Array(readFileSync(path.join(dir, entry.file)));
      const certificate = e.certificateFor({ sha256: entry.sha256, pages: entry.pages }, 2);
      const evidence = { json: new TextEncoder().encode('{"events":[]}\n'), filename: "pactly-evidence.json" };
      const built = await e.buildSignedPdf({ original, certificate, labels: e.englishLabels, evidence });
      const sealed = await e.sealPdf(built.bytes, signer, { name: "Pactly", reason: "Corpus", signingTime: new Date() });
      assert.ok(Buffer.from(sealed.subarray(0, original.length)).equals(Buffer.from(original)), "the original bytes are a prefix");
      const file = path.join(work, entry.file);
      writeFileSync(file, sealed);
      const check = run("qpdf", ["--check", file]);
      assert.equal(check.status, 0, check.stderr + check.stdout);
      assert.doesNotMatch(check.stderr + check.stdout, /WARNING|damaged/i);
      assert.equal(Number(/^Pages:\s+(\d+)/m.exec(run("pdfinfo", [file]).stdout)?.[1]), entry.pages + 1);
      const sig = run("pdfsig", [file]).stdout;
      const signatures = sig.split(/^Signature #\d+:/m).slice(1);
      assert.equal(signatures.length, entry.file.startsWith("already-signed") ? 2 : 1, sig);
      const ours = signatures.at(-1);
      assert.match(ours, /Signature Field Name: Pactly seal/);
      assert.match(ours, /Total document signed/);
      assert.match(ours, /Signature Validation: Signature is Valid/);
    });
  }
});
