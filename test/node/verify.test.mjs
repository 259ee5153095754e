// The offline verifier end to end (node:test): signed PDFs made by the same
// TypeScript the Worker runs (original -> buildSignedPdf with the evidence
// bundle -> sealPdf), then `node src/cli/verify.mjs` as a child process on
// good and damaged copies.
//   node --test test/node/verify.test.mjs
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { generateDevSealCert } from "../../src/cli/dev-seal-cert.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const launcher = path.join(root, "src/cli/verify.mjs");
const work = mkdtempSync(path.join(tmpdir(), "pactly-verify-test-"));

// What the test needs from src/, bundled for Node.
const entry = `
import { PDFDocument, StandardFonts } from "pdf-lib";
import * as m from "./src/domain/envelope";
import { chain, GENESIS_HASH } from "./src/domain/event-chain";
import { buildEvidenceBundle, evidenceFilename, serialiseEvidenceBundle } from "./src/domain/evidence";
import { buildSignedPdf } from "./src/pdf/certificate";
import { sealPdf } from "./src/pdf/seal";
import { certificateSha256, keySealSigner } from "./src/pdf/seal-signer";
import { englishLabels } from "./test/fixtures/pdf/pdfs";
export { certificateSha256 };

export async function originalPdf(pages = 3) {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) doc.addPage().drawText("Loan agreement, page " + i, { x: 72, y: 700, size: 20, font });
  return doc.save({ useObjectStreams: false });
}

const sha256Hex = async (bytes) => Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex");
const at = (minute) => new Date(Date.UTC(2026, 10, 22, 13, minute)).toISOString();

/** A completed envelope, through the real state machine and event chain. */
export async function completedEnvelope(original) {
  const drafts = [];
  const apply = (t) => (drafts.push(...t.events), t.state);
  const sender = { kind: "sender", userId: "usr_1" };
  let state = apply(m.createEnvelope({
    id: "env_01JD3X8Q9K2M4N6P8R0T2V4W6Y", orgId: "org_1", ownerId: "usr_1",
    sender: { name: "Sender", email: "sender@example.com", locale: "en" },
    title: "Loan between friends", message: "",
    document: { id: "doc_1", sha256: await sha256Hex(original), pages: 3, size: original.length, filename: "loan.pdf" },
    signingOrder: "parallel", timeZone: "Europe/Oslo", createdAt: at(0),
  }, sender));
  state = apply(m.addRecipient(state, { id: "rcp_1", name: "Łukasz Ørjansen", email: "l@example.com", role: "signer", method: "email_otp", locale: "en" }, sender, at(1)));
  state = apply(m.addRecipient(state, { id: "rcp_2", name: "Αλέξανδρος", email: "a@example.com", role: "signer", method: "email_link", locale: "en" }, sender, at(1)));
  state = apply(m.send(state, { actor: sender, at: at(2), expiresAt: "2026-12-22T00:00:00.000Z", context: { ip: "198.51.100.1", userAgent: "UA" } }));
  state = apply(m.issueLink(state, "rcp_1", "h1", at(2)));
  state = apply(m.issueLink(state, "rcp_2", "h2", at(2)));
  // A code signer identifies before signing.
  state = apply(m.identify(state, { recipientId: "rcp_1", evidence: { method: "email_otp", channel: "l@example.com", at: at(5) }, at: at(5), context: { ip: "203.0.113.7", userAgent: "UA 1" } }));
  state = apply(m.sign(state, { recipientId: "rcp_1", typedName: "Łukasz Ørjansen", at: at(5), context: { ip: "203.0.113.7", userAgent: "UA 1" } }));
  state = apply(m.sign(state, { recipientId: "rcp_2", typedName: "Alexandros", at: at(9), context: { ip: "2001:db8::1", userAgent: "UA 2" } }));
  return { state, events: chain(state.id, drafts, { seq: 0, hash: GENESIS_HASH }) };
}

/** original -> certificate + evidence -> seal. tamper edits the bundle's JSON before it is embedded. */
export async function signedPdf({ original, certPem, keyPem, seal = true, tamper }) {
  const { state, events } = await completedEnvelope(original);
  const bundle = buildEvidenceBundle(state, events, { generatedAt: at(10) });
  const json = JSON.parse(new TextDecoder().decode(serialiseEvidenceBundle(bundle)));
  if (tamper) tamper(json);
  const evidence = { json: new TextEncoder().encode(JSON.stringify(json, null, 2) + "\\n"), filename: evidenceFilename(state.id) };
  const certificate = {
    envelopeId: state.id, title: state.title, documentSha256: state.document.sha256, originalPages: state.document.pages,
    completedAt: bundle.envelope.completedAt, eventHead: bundle.chain.head, timeZone: state.timeZone, locale: "en",
    verificationUrl: "https://pactly.example/verify/" + state.id,
    signers: state.recipients.map((r) => ({ name: r.name, email: r.email, method: r.method, signedAt: r.signedAt, ip: r.ip, userAgent: r.userAgent, typedName: r.typedName })),
  };
  const built = await buildSignedPdf({ original, certificate, labels: englishLabels, evidence });
  if (!seal) return { bytes: built.bytes, evidence: evidence.json };
  const signer = await keySealSigner(certPem, keyPem);
  const bytes = await sealPdf(built.bytes, signer, { name: "Pactly", reason: "Signed with Pactly", signingTime: new Date(at(10)) });
  return { bytes, evidence: evidence.json };
}

/** A later incremental update (another certificate page) on top of a sealed file. */
export async function appendUpdate(bytes) {
  const certificate = {
    envelopeId: "env_other", title: "Appended", documentSha256: await sha256Hex(bytes), originalPages: (await PDFDocument.load(bytes)).getPageCount(),
    completedAt: at(30), eventHead: "0".repeat(64), timeZone: "UTC", locale: "en", verificationUrl: "https://example.com/", signers: [],
  };
  return (await buildSignedPdf({ original: bytes, certificate, labels: englishLabels })).bytes;
}
`;

let lib;
let keys;
let original;
let good;

function write(name, bytes) {
  const file = path.join(work, name);
  writeFileSync(file, bytes);
  return file;
}

function verify(file, ...args) {
  const run = spawnSync(process.execPath, [launcher, file, ...args], { cwd: root, encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function verifyJson(file) {
  const run = verify(file, "--json");
  const result = JSON.parse(run.stdout);
  const byId = Object.fromEntries(result.checks.map((c) => [c.id, c]));
  return { code: run.code, result, byId };
}

const hasTool = (tool) => spawnSync(tool, ["-v"], { encoding: "utf8" }).error === undefined;

before(async () => {
  const outfile = path.join(work, "entry.mjs");
  await esbuild.build({
    stdin: { contents: entry, resolveDir: root, sourcefile: "verify-test-entry.ts", loader: "ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    loader: { ".ttf": "binary" },
    outfile,
    logLevel: "warning",
  });
  lib = await import(pathToFileURL(outfile).href);
  keys = await generateDevSealCert({ now: new Date(Date.UTC(2026, 10, 1)) }); // valid when the test envelope is sealed
  original = await lib.originalPdf();
  good = await lib.signedPdf({ original, ...keys });
});

after(() => rmSync(work, { recursive: true, force: true }));

describe("npm run verify (src/cli/verify.mjs)", () => {
  it("accepts a good signed and sealed file: exit 0 and a PASS for every check", () => {
    const file = write("good.pdf", good.bytes);
    const run = verify(file);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^PASS {2}Seal: Valid seal by CN=Pactly development seal/m);
    assert.match(run.stdout, /^PASS {2}Evidence: pactly-evidence-env_01JD3X8Q9K2M4N6P8R0T2V4W6Y\.json \(evidence bundle version 1\) is intact: \d+ events/m);
    assert.match(run.stdout, new RegExp(`^PASS {2}Document: The original document is unchanged: the first ${original.length} bytes \\(3 pages\\)`, "m"));
    assert.match(run.stdout, /^PASS {2}Final revision: Nothing follows the sealed revision/m);
    assert.match(run.stdout, /Łukasz Ørjansen \(email_otp\): signed 2026-11-22T13:05:00.000Z/);
    assert.match(run.stdout, /^Result: VALID\./m);
  });

  it("prints the same result as JSON with --json", () => {
    const { code, result } = verifyJson(write("good-json.pdf", good.bytes));
    assert.equal(code, 0);
    assert.equal(result.ok, true);
    assert.deepEqual(result.checks.map((c) => [c.id, c.ok]), [["seal", true], ["evidence", true], ["document", true], ["final-revision", true]]);
    assert.equal(result.document.size, original.length);
    assert.equal(result.envelope.id, "env_01JD3X8Q9K2M4N6P8R0T2V4W6Y");
    assert.equal(result.seal.sealed, true);
    assert.equal(result.evidence.chainHead.length, 64);
  });

  it("keeps the original as a byte prefix, and poppler lists and extracts the evidence byte for byte", { skip: !hasTool("pdfdetach") }, () => {
    assert.deepEqual(Buffer.from(good.bytes.subarray(0, original.length)), Buffer.from(original));
    const file = write("detach.pdf", good.bytes);
    const list = execFileSync("pdfdetach", ["-list", file], { encoding: "utf8" });
    assert.match(list, /1 embedded files\n1: pactly-evidence-env_01JD3X8Q9K2M4N6P8R0T2V4W6Y\.json/);
    const saved = path.join(work, "saved.json");
    execFileSync("pdfdetach", ["-save", "1", "-o", saved, file]);
    assert.deepEqual(readFileSync(saved), Buffer.from(good.evidence));
  });

  it("passes qpdf --check", { skip: !hasTool("qpdf") }, () => {
    const out = spawnSync("qpdf", ["--check", write("qpdf.pdf", good.bytes)], { encoding: "utf8" });
    assert.equal(out.status, 0, out.stdout + out.stderr);
    assert.match(out.stdout, /No syntax or stream encoding errors found/);
  });

  it("requires a given seal certificate when asked to", async () => {
    const file = write("pinned.pdf", good.bytes);
    const sha = await lib.certificateSha256(keys.certPem);
    assert.equal(verify(file, "--seal-certificate-sha256", sha).code, 0);
    const wrong = verify(file, "--seal-certificate-sha256", "ab".repeat(32));
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /^FAIL {2}Seal: .*not the expected abab/m);
  });

  it("reports one flipped byte in the original part: the seal and the document hash fail", () => {
    const bytes = Uint8Array.from(good.bytes);
    const at = Buffer.from(original).indexOf("stream\n") + 20; // inside the first stream's data
    assert.ok(at > 20 && at < original.length);
    bytes[at] ^= 0x01;
    const { code, byId } = verifyJson(write("flipped.pdf", bytes));
    assert.equal(code, 1);
    assert.equal(byId.seal.ok, false);
    assert.match(byId.seal.detail, /does not verify/);
    assert.equal(byId.document.ok, false);
    assert.match(byId.document.detail, new RegExp(`original document was changed: the first ${original.length} bytes hash to [0-9a-f]{64}, but the evidence records`));
    assert.equal(byId.evidence.ok, true);
    assert.equal(byId["final-revision"].ok, true);
  });

  it("reports an edited event even when the file is sealed again afterwards: the chain check fails", async () => {
    const tampered = await lib.signedPdf({
      original,
      ...keys,
      tamper: (bundle) => {
        const signed = bundle.events.find((e) => e.type === "recipient_signed");
        signed.ip = "192.0.2.66";
      },
    });
    const file = write("edited-event.pdf", tampered.bytes);
    const run = verify(file);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^FAIL {2}Evidence: The evidence in pactly-evidence-env_01JD3X8Q9K2M4N6P8R0T2V4W6Y\.json does not hold: the event chain is broken at event \d+/m);
    assert.match(run.stdout, /^PASS {2}Seal:/m);
    assert.match(run.stdout, /^PASS {2}Document:/m);
    assert.match(run.stdout, /^Result: NOT VALID\. 1 of 4 checks failed\./m);
  });

  it("reports a truncated file", () => {
    const { code, byId } = verifyJson(write("truncated.pdf", good.bytes.subarray(0, good.bytes.length - 200)));
    assert.equal(code, 1);
    assert.equal(byId["final-revision"].ok, false);
    assert.match(byId["final-revision"].detail, /truncated/);
    assert.equal(byId.seal.ok, false);
    assert.equal(byId.evidence.ok, false);
  });

  it("reports an incremental update added after the seal", async () => {
    const appended = await lib.appendUpdate(good.bytes);
    const { code, byId } = verifyJson(write("appended.pdf", appended));
    assert.equal(code, 1);
    assert.equal(byId["final-revision"].ok, false);
    assert.match(byId["final-revision"].detail, new RegExp(`^${appended.length - good.bytes.length} bytes follow the sealed revision`));
    assert.equal(byId.seal.ok, false);
    assert.match(byId.seal.detail, /does not cover the whole file/);
    assert.equal(byId.document.ok, true);
  });

  it("reports a file that was never sealed, and still checks its evidence and document", async () => {
    const unsealed = await lib.signedPdf({ original, seal: false });
    const { code, byId } = verifyJson(write("unsealed.pdf", unsealed.bytes));
    assert.equal(code, 1);
    assert.match(byId.seal.detail, /^The file is not sealed/);
    assert.equal(byId.evidence.ok, true);
    assert.equal(byId.document.ok, true);
    assert.equal(byId["final-revision"].ok, false);
  });

  it("reports a PDF with no evidence", async () => {
    const run = verify(write("plain.pdf", original));
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^FAIL {2}Evidence: No Pactly evidence bundle is embedded in the file\./m);
  });

  it("answers usage errors with exit 2", () => {
    const none = spawnSync(process.execPath, [launcher], { cwd: root, encoding: "utf8" });
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^Usage: npm run verify -- <signed\.pdf>/);
    const missing = verify(path.join(work, "no-such-file.pdf"));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Cannot read/);
  });
});
