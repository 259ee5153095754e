#!/usr/bin/env node
// Reading the hostile corpus (test/fixtures/pdf-hostile) with the upload check,
// inspectPdf, in Node with the Worker's own code: time to the verdict and peak
// memory for every file, and the worst of them as the bench's row. The issue's
// bar: reading any input within the limits stays under 64 MB.
//
// Each file runs in a fresh process under --max-old-space-size=64, after a
// warm-up on a small PDF so compilation is not counted; the process's peak RSS
// counter is reset (/proc/self/clear_refs) just before the read, and "peak" is
// what the read itself added on top of the file already held in memory.
//
//   node test/bench/hostile.mjs [--json]      (test/bench/run.mjs prints the rows too)
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { PDFDocument } from "pdf-lib";
import { freshRuns, medianOf, printTable, readHwm, resetHwm } from "./harness.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const dir = path.join(root, "test/fixtures/pdf-hostile");
const MB = 1024 * 1024;
const RUNS = 1;
const HEAP_LIMIT_MB = 64;

async function child() {
  const [, , , bundle, pdfFile] = process.argv;
  const e = await import(pathToFileURL(bundle).href);
  const tiny = await PDFDocument.create();
  tiny.addPage();
  await e.inspectPdf(await tiny.save(), e.uploadLimits);

  const bytes = new Uint8Array(readFileSync(pdfFile));
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
  globalThis.gc?.();
  const reset = resetHwm();
  const rssBefore = process.memoryUsage().rss;
  const hwmBefore = readHwm();
  const start = performance.now();
  const verdict = await e.inspectPdf(bytes, e.uploadLimits).then((r) => `accepted, ${r.pages} page(s)`, (error) => error.code ?? String(error));
  const ms = performance.now() - start;
  const peak = readHwm();
  process.stdout.write(JSON.stringify({ ms, peakGrowth: Math.max(0, peak - (reset ? rssBefore : Math.max(rssBefore, hwmBefore))), peakRss: peak, verdict }));
}

async function bundle(outfile) {
  await build({
    stdin: { contents: ['export { inspectPdf } from "./src/pdf/inspect";', 'export { uploadLimits } from "./src/domain/limits";'].join("\n"), resolveDir: root, loader: "ts" },
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
  });
}

/** Every file's measurement, worst peak first. */
export async function hostileMeasurements() {
  const work = mkdtempSync(path.join(tmpdir(), "pactly-bench-hostile-"));
  try {
    const bundleFile = path.join(work, "hostile.mjs");
    await bundle(bundleFile);
    const corpus = JSON.parse(readFileSync(path.join(dir, "corpus.json"), "utf8"));
    const out = [];
    for (const entry of corpus) {
      const args = [`--max-old-space-size=${HEAP_LIMIT_MB}`, "--expose-gc", import.meta.filename, "--child", bundleFile, path.join(dir, entry.file)];
      const runs = freshRuns(args, RUNS, entry.file);
      out.push({ file: entry.file, size: entry.size, ms: medianOf(runs, "ms"), peakGrowth: medianOf(runs, "peakGrowth"), peakRss: medianOf(runs, "peakRss"), verdict: runs[0].verdict });
    }
    return out.sort((a, b) => b.peakGrowth - a.peakGrowth);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Rows for test/bench/run.mjs's table: [Measure, Value, Notes]: the worst file by peak memory, and the slowest. */
export async function hostileRows() {
  const all = await hostileMeasurements();
  const worst = all[0];
  const slowest = [...all].sort((a, b) => b.ms - a.ms)[0];
  const row = (label, m) => [
    `${label}: ${m.file} (${(m.size / 1024).toFixed(0)} KiB)`,
    `${m.verdict} in ${m.ms.toFixed(0)} ms, +${(m.peakGrowth / MB).toFixed(1)} MB peak`,
    `one fresh process per file under --max-old-space-size=${HEAP_LIMIT_MB}; peak RSS ${(m.peakRss / MB).toFixed(0)} MB incl. Node and the bundle; ${all.length} hostile files, the bar is 64 MB`,
  ];
  return [row("Hostile PDF, worst peak memory", worst), row("Hostile PDF, slowest verdict", slowest)];
}

if (process.argv[2] === "--child") await child();
else if (import.meta.filename === process.argv[1]) {
  if (process.argv.includes("--all")) {
    for (const m of await hostileMeasurements()) console.log(`${m.file.padEnd(40)} ${m.verdict.padEnd(24)} ${m.ms.toFixed(0).padStart(5)} ms  +${(m.peakGrowth / MB).toFixed(1)} MB  (RSS ${(m.peakRss / MB).toFixed(0)} MB)`);
  } else {
    const rows = await hostileRows();
    if (process.argv.includes("--json")) console.log(JSON.stringify(rows));
    else printTable(rows);
  }
}
