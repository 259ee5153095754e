#!/usr/bin/env node
// Warm finalisation, as a PDF service isolate that has already finalised documents does
// it: one process (one isolate's worth of state: fonts parsed, code compiled), the same
// documents as test/node/bench-seal.mjs (4 and 517 pages), certificate + seal, RUNS times
// each after WARMUP runs; prints the median. bench-seal.mjs's rows are the other end: the
// first real document in a fresh process, after one warm-up on a tiny file.
//   node test/bench/finalise-warm.mjs   → JSON [{ pages, medianMs, runsMs }]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateDevSealCert } from "../../src/cli/dev-seal-cert.mjs";
import { loadEntry } from "../node/build.mjs";

const WARMUP = 4;
const RUNS = 5;
const root = path.resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(path.join(tmpdir(), "pactly-finalise-warm-"));
try {
  const e = await loadEntry();
  const { certPem, keyPem } = await generateDevSealCert();
  const signer = await e.keySealSigner(certPem, keyPem);
  const info = { name: "Pactly", reason: "Completed and sealed by Pactly", signingTime: new Date() };
  const evidence = { json: new TextEncoder().encode(`${JSON.stringify({ schema: "pactly-evidence", version: 1, events: [] })}\n`), filename: "pactly-evidence.json" };
  const out = [];
  for (const pages of [4, 517]) {
    const file = path.join(dir, `${pages}.pdf`);
    const made = spawnSync(process.execPath, [path.join(root, "test/node/bench-seal.mjs"), "--make", String(pages), file], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`bench-seal --make ${pages} failed: ${made.stderr}`);
    const original = new Uint8Array(readFileSync(file));
    const sha256 = Buffer.from(await crypto.subtle.digest("SHA-256", original)).toString("hex");
    const finalise = async () => {
      const built = await e.buildSignedPdf({ original, certificate: e.certificateFor({ sha256, pages }, 2), labels: e.englishLabels, evidence });
      return e.sealPdf(built.bytes, signer, info);
    };
    for (let i = 0; i < WARMUP; i++) await finalise();
    const runsMs = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await finalise();
      runsMs.push(Math.round(performance.now() - started));
    }
    const sorted = [...runsMs].sort((a, b) => a - b);
    out.push({ pages, medianMs: sorted[Math.floor(sorted.length / 2)], runsMs, warmup: WARMUP });
  }
  console.log(JSON.stringify(out));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
