// The property that joins upload to finalisation: whatever upload accepts,
// finalisation seals, and qpdf and pdfsig accept the result. Checked over both
// corpora (test/fixtures/pdf-corpus, test/fixtures/pdf-hostile) and over seeded
// mutants of the good corpus (test/support/pdf-mutate.ts; the same seed as the
// workerd fuzz test). Each file is first read by inspectPdf (the upload check) in
// a worker thread with a hard time limit, so a reader that hangs fails the test
// instead of stalling it; a file it refuses must get one of the known codes.
// Every accepted file is then certified and sealed by the finalisation code,
// and qpdf --check must find nothing to repair and pdfsig a valid seal over the
// whole file.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { generateDevSealCert } from "../../src/cli/dev-seal-cert.mjs";
import { bundleEntry } from "./build.mjs";

const SEED = Number(process.env.PDF_FUZZ_SEED ?? 13);
const MUTANTS = Number(process.env.PDF_FUZZ_COUNT ?? 160);
/** The slowest file of either corpus reads in well under a second. */
const PER_FILE_MS = 5_000;
const KNOWN_CODES = new Set(["not_pdf", "invalid_pdf", "pdf_encrypted", "pdf_unpacks_too_large", "pdf_too_large", "pdf_too_many_pages"]);

const fixtures = path.resolve(import.meta.dirname, "../fixtures");
const corpusOf = (dir) => JSON.parse(readFileSync(path.join(fixtures, dir, "corpus.json"), "utf8")).map((e) => ({ ...e, dir }));
const run = (command, args) => spawnSync(command, args, { encoding: "utf8" });
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** inspectPdf in a worker thread: { pages } or { code }, or { crash }; a worker that does not answer in time is ended. */
class Inspector {
  constructor(bundle) {
    this.bundle = bundle;
    this.start();
  }
  start() {
    this.worker = new Worker(
      `const { parentPort } = require("node:worker_threads");
       import(${JSON.stringify(pathToFileURL(this.bundle).href)}).then((e) => {
         parentPort.on("message", async (bytes) => {
           try {
             const r = await e.inspectPdf(bytes, e.uploadLimits);
             parentPort.postMessage({ pages: r.pages });
           } catch (error) {
             parentPort.postMessage(typeof error?.code === "string" && error.name === "DomainError" ? { code: error.code } : { crash: String(error?.stack ?? error) });
           }
         });
         parentPort.postMessage("ready");
       });`,
      { eval: true },
    );
    this.ready = new Promise((resolve) => this.worker.once("message", resolve));
  }
  async inspect(bytes) {
    await this.ready;
    let timer;
    const answer = new Promise((resolve) => this.worker.once("message", resolve));
    const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve({ hang: true }), PER_FILE_MS)));
    this.worker.postMessage(bytes);
    const result = await Promise.race([answer, timeout]);
    clearTimeout(timer);
    if (result.hang) {
      await this.worker.terminate();
      this.start();
    }
    return result;
  }
  close() {
    return this.worker.terminate();
  }
}

describe("whatever upload accepts, finalisation seals, and qpdf and pdfsig accept", () => {
  let e;
  let signer;
  let work;
  let inspector;
  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), "pactly-property-"));
    const bundle = await bundleEntry(path.join(work, "entry.mjs"));
    e = await import(pathToFileURL(bundle).href);
    inspector = new Inspector(bundle);
    const { certPem, keyPem } = await generateDevSealCert();
    signer = await e.keySealSigner(certPem, keyPem);
  });
  after(async () => {
    await inspector?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Reads name's bytes as upload does; when accepted, seals them and asks qpdf and pdfsig. */
  async function holds(name, bytes) {
    const outcome = await inspector.inspect(bytes);
    assert.ok(!outcome.hang, `${name}: inspectPdf did not finish within ${PER_FILE_MS} ms`);
    assert.ok(!outcome.crash, `${name}: inspectPdf failed with something other than a refusal: ${outcome.crash}`);
    if (outcome.code) {
      assert.ok(KNOWN_CODES.has(outcome.code), `${name}: refused with an unknown code ${outcome.code}`);
      return "refused";
    }
    const certificate = e.certificateFor({ sha256: sha256(bytes), pages: outcome.pages }, 1);
    const evidence = { json: new TextEncoder().encode('{"events":[]}\n'), filename: "pactly-evidence.json" };
    const built = await e.buildSignedPdf({ original: bytes, certificate, labels: e.englishLabels, evidence });
    const sealed = await e.sealPdf(built.bytes, signer, { name: "Pactly", reason: "Property", signingTime: new Date(0) });
    assert.ok(Buffer.from(sealed.subarray(0, bytes.length)).equals(Buffer.from(bytes)), `${name}: the original is a prefix`);
    const file = path.join(work, "sealed.pdf");
    writeFileSync(file, sealed);
    const check = run("qpdf", ["--check", file]);
    assert.equal(check.status, 0, `${name}: qpdf --check: ${check.stderr}${check.stdout}`);
    assert.doesNotMatch(check.stderr + check.stdout, /WARNING|damaged/i, `${name}: qpdf --check`);
    const sig = run("pdfsig", [file]).stdout;
    const ours = sig.split(/^Signature #\d+:/m).at(-1);
    assert.match(ours, /Signature Field Name: Pactly seal/, `${name}: ${sig}`);
    assert.match(ours, /Total document signed/, `${name}: ${sig}`);
    assert.match(ours, /Signature Validation: Signature is Valid/, `${name}: ${sig}`);
    return "sealed";
  }

  for (const dir of ["pdf-corpus", "pdf-hostile"]) {
    it(`every file of ${dir} keeps the property`, async () => {
      for (const entry of corpusOf(dir)) {
        const outcome = await holds(entry.file, new Uint8Array(readFileSync(path.join(fixtures, dir, entry.file))));
        // The corpus says what each file gets, and the property agrees.
        const accepted = entry.accepted ?? false;
        assert.equal(outcome, accepted ? "sealed" : "refused", entry.file);
      }
    });
  }

  it(`${MUTANTS} seeded mutants of the good corpus (seed ${SEED}) keep the property`, async () => {
    const sources = corpusOf("pdf-corpus")
      .filter((entry) => entry.accepted && entry.pages <= 4)
      .map((entry) => ({ file: entry.file, bytes: new Uint8Array(readFileSync(path.join(fixtures, "pdf-corpus", entry.file))) }));
    const tally = { sealed: 0, refused: 0 };
    for (const mutant of e.mutants(sources, SEED, MUTANTS)) {
      tally[await holds(`${mutant.source} seed ${mutant.seed} [${mutant.edits.join(", ")}]`, mutant.bytes)]++;
    }
    // Both sides of the property are exercised.
    assert.ok(tally.sealed > 0 && tally.refused > 0, JSON.stringify(tally));
    console.log(`mutants: ${tally.sealed} accepted and sealed, ${tally.refused} refused`);
  });
});
