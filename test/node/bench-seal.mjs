#!/usr/bin/env node
// Seal cost in Node, same code as the Worker: time and peak memory to seal a
// 4-page and a 500-page PDF (sealPdf alone, and buildSignedPdf + sealPdf, the
// finalisation path), beside a naive pdf-lib load-and-save of the same file.
// Each measurement runs in a fresh process under --max-old-space-size=128 (a
// Worker's 128 MB); peak memory is the growth of the process's peak RSS
// during the operation, after the input is in memory and the code warmed up.
//
//   node test/node/bench-seal.mjs [--json]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { generateDevSealCert } from "../../src/cli/dev-seal-cert.mjs";
import { bundleEntry } from "./build.mjs";

const MB = 1024 * 1024;

async function child() {
  const [, , , bundle, pdfFile, keysFile, operation] = process.argv;
  const e = await import(pathToFileURL(bundle).href);
  const { certPem, keyPem } = JSON.parse(readFileSync(keysFile, "utf8"));
  const signer = await e.keySealSigner(certPem, keyPem);
  const original = new Uint8Array(readFileSync(pdfFile));
  const info = { name: "Pactly", reason: "Completed and sealed by Pactly", signingTime: new Date() };
  const digest = Buffer.from(await crypto.subtle.digest("SHA-256", original)).toString("hex");
  const pages = (await e.openPdf(original)).pages;
  const ops = {
    seal: () => e.sealPdf(original, signer, info),
    "certificate+seal": async () => {
      const certificate = e.certificateFor({ sha256: digest, pages }, 2);
      const built = await e.buildSignedPdf({ original, certificate, labels: e.englishLabels });
      return e.sealPdf(built.bytes, signer, info);
    },
    "pdf-lib load+save": async () => (await e.PDFDocument.load(original, { updateMetadata: false })).save(),
  };
  // Warm-up on a tiny file so compilation is not counted.
  const tiny = await e.PDFDocument.create();
  tiny.addPage();
  const tinyBytes = await tiny.save();
  await e.sealPdf(tinyBytes, signer, info);
  globalThis.gc?.();
  const rssBefore = process.resourceUsage().maxRSS * 1024;
  const currentBefore = process.memoryUsage().rss;
  const start = performance.now();
  const out = await ops[operation]();
  const ms = performance.now() - start;
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(
    JSON.stringify({ ms, peakGrowth: Math.max(0, peak - Math.max(rssBefore, currentBefore)), peakRss: peak, outBytes: out.length }),
  );
}

async function makePdf(e, pages) {
  const doc = await e.PDFDocument.create();
  const font = await doc.embedFont(e.StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) {
    const page = doc.addPage([595.28, 841.89]);
    page.drawText(`Agreement page ${i} of ${pages}`, { x: 72, y: 760, size: 16, font });
    for (let line = 0; line < 40; line++) {
      page.drawText(`${i}.${line + 1} The parties agree to the terms and conditions set out in this clause, number ${line + 1}.`, {
        x: 72,
        y: 730 - line * 16,
        size: 9,
        font,
      });
    }
  }
  return doc.save({ useObjectStreams: false });
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "pactly-bench-seal-"));
  try {
    const bundle = await bundleEntry(path.join(dir, "entry.mjs"));
    const e = await import(pathToFileURL(bundle).href);
    const keysFile = path.join(dir, "keys.json");
    writeFileSync(keysFile, JSON.stringify(await generateDevSealCert()));
    const rows = [];
    for (const pages of [4, 500]) {
      const pdfFile = path.join(dir, `${pages}.pdf`);
      const bytes = await makePdf(e, pages);
      writeFileSync(pdfFile, bytes);
      for (const operation of ["seal", "certificate+seal", "pdf-lib load+save"]) {
        const runs = [];
        for (let i = 0; i < 3; i++) {
          const result = spawnSync(
            process.execPath,
            ["--max-old-space-size=128", "--expose-gc", import.meta.filename, "--child", bundle, pdfFile, keysFile, operation],
            { encoding: "utf8", maxBuffer: 16 * MB },
          );
          if (result.status !== 0) {
            runs.push({ error: (result.stderr || result.stdout).split("\n").slice(0, 3).join(" ") });
            break;
          }
          runs.push(JSON.parse(result.stdout));
        }
        const ok = runs.filter((r) => !r.error);
        const median = (key) => ok.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(ok.length / 2)];
        rows.push({
          document: `${pages} pages, ${(bytes.length / MB).toFixed(2)} MB`,
          operation,
          ms: ok.length ? Math.round(median("ms")) : null,
          peakGrowthMB: ok.length ? +(median("peakGrowth") / MB).toFixed(1) : null,
          peakRssMB: ok.length ? +(median("peakRss") / MB).toFixed(1) : null,
          error: runs.find((r) => r.error)?.error,
        });
      }
    }
    if (process.argv.includes("--json")) console.log(JSON.stringify(rows, null, 2));
    else console.table(rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") await child();
else await main();
