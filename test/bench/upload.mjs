#!/usr/bin/env node
// Upload + encrypt of a PDF at the 20 MB limit, and of one at the 2,000-page limit, in Node with the Worker's own code:
// inspectPdf (the upload check), then SHA-256, a fresh data key and encryptDocumentParts (as stored: header and ciphertext streamed to R2 as two parts),
// which is what storeNewDocument does before the R2 put. Beside it, in the same run,
// raw WebCrypto AES-256-GCM of the same bytes: the floor no implementation can beat.
//
// Each case runs in a fresh process (--expose-gc, --max-old-space-size=128 like a
// Worker's 128 MB) after a warm-up on a small PDF, so compilation is not counted; the
// process's peak RSS counter is reset (/proc/self/clear_refs) just before the case, and
// "peak" is what the case itself added on top of the file already held in memory (as
// after `await file.arrayBuffer()`), also given as a multiple of the file's size.
//
//   node test/bench/upload.mjs [--json]      (test/bench/run.mjs prints these rows too)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { PDFDocument, PDFName, StandardFonts, concatTransformationMatrix, drawObject, popGraphicsState, pushGraphicsState } from "pdf-lib";
import { execFileSync } from "node:child_process";
import { freshRuns, medianOf, printTable, readHwm, resetHwm } from "./harness.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const MB = 1024 * 1024;
const RUNS = 3;
const HEAP_LIMIT_MB = 128;
const CASES = ["upload + encrypt", "inspectPdf only", "encryptDocumentParts only", "raw WebCrypto AES-GCM"];

// ---------------------------------------------------------------------------
// Each case runs in a fresh process, its peak memory measured from a reset (harness.mjs).

async function child() {
  const [, , , bundle, pdfFile, operation] = process.argv;
  const e = await import(pathToFileURL(bundle).href);
  const keyring = await e.loadKeyring(JSON.stringify({ bench: Buffer.alloc(32, 7).toString("base64") }), "bench");
  const ops = {
    "upload + encrypt": async (bytes) => {
      const { pages } = await e.inspectPdf(bytes, e.uploadLimits);
      const sha256 = await e.sha256Hex(bytes);
      const { key } = await e.newDataKey(keyring, "doc_bench");
      // As stored: the header and ciphertext go to R2 as two parts of one stream.
      const blob = await e.encryptDocumentParts(key, "doc_bench", bytes);
      return { pages, sha256, out: blob.length };
    },
    "inspectPdf only": async (bytes) => ({ out: (await e.inspectPdf(bytes, e.uploadLimits)).pages }),
    "encryptDocumentParts only": async (bytes) => {
      const { key } = await e.newDataKey(keyring, "doc_bench");
      return { out: (await e.encryptDocumentParts(key, "doc_bench", bytes)).length };
    },
    "raw WebCrypto AES-GCM": async (bytes) => {
      const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt"]);
      const iv = crypto.getRandomValues(new Uint8Array(12));
      return { out: (await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, bytes)).byteLength };
    },
  };
  const tiny = await PDFDocument.create();
  tiny.addPage();
  const tinyBytes = await tiny.save();
  for (const op of Object.values(ops)) await op(tinyBytes);

  const bytes = new Uint8Array(readFileSync(pdfFile));
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
  globalThis.gc?.();
  const reset = resetHwm();
  const rssBefore = process.memoryUsage().rss;
  const hwmBefore = readHwm();
  const start = performance.now();
  const result = await ops[operation](bytes);
  const ms = performance.now() - start;
  const peak = readHwm();
  process.stdout.write(JSON.stringify({ ms, peakGrowth: Math.max(0, peak - (reset ? rssBefore : Math.max(rssBefore, hwmBefore))), peakRss: peak, result }));
}

// ---------------------------------------------------------------------------

/**
 * A valid PDF just under 20 MiB: 12 pages of text, each with a scanned-looking
 * greyscale image of random (incompressible) pixels, as a scanned contract would be.
 */
async function makeLargePdf() {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const pages = 12;
  const side = 1_300; // 1.69 MB of pixels per page
  let seed = 42;
  for (let i = 1; i <= pages; i++) {
    const pixels = new Uint8Array(side * side);
    for (let p = 0; p < pixels.length; p++) {
      seed = (seed * 1_103_515_245 + 12_345) >>> 0;
      pixels[p] = seed >>> 24;
    }
    const image = doc.context.register(
      doc.context.stream(pixels, { Type: "XObject", Subtype: "Image", Width: side, Height: side, ColorSpace: "DeviceGray", BitsPerComponent: 8 }),
    );
    const page = doc.addPage([595.28, 841.89]);
    const name = page.node.newXObject("Scan", image);
    page.pushOperators(pushGraphicsState(), concatTransformationMatrix(450, 0, 0, 450, 72, 300), drawObject(name), popGraphicsState());
    page.drawText(`Scanned page ${i} of ${pages}`, { x: 72, y: 780, size: 12, font });
  }
  doc.catalog.set(PDFName.of("Lang"), doc.context.obj("en-GB"));
  return doc.save({ useObjectStreams: true });
}

async function bundle(outfile) {
  await build({
    stdin: {
      contents: [
        'export { inspectPdf } from "./src/pdf/inspect";',
        'export { encryptDocumentParts, loadKeyring, newDataKey } from "./src/storage/document-crypto";',
        'export { sha256Hex } from "./src/domain/encoding";',
        'export { uploadLimits } from "./src/domain/limits";',
      ].join("\n"),
      resolveDir: root,
      loader: "ts",
    },
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
  });
}

function measure(bundleFile, pdfFile, operation, heapLimitMB = HEAP_LIMIT_MB) {
  const args = [`--max-old-space-size=${heapLimitMB}`, "--expose-gc", import.meta.filename, "--child", bundleFile, pdfFile, operation];
  const runs = freshRuns(args, RUNS, operation);
  return { ms: medianOf(runs, "ms"), peakGrowth: medianOf(runs, "peakGrowth"), peakRss: medianOf(runs, "peakRss"), result: runs[0].result, all: runs.map((r) => Math.round(r.ms)) };
}

/** Rows for test/bench/run.mjs's table: [Measure, Value, Notes]. */
export async function uploadRows() {
  const dir = mkdtempSync(path.join(tmpdir(), "pactly-bench-upload-"));
  try {
    const bundleFile = path.join(dir, "upload.mjs");
    await bundle(bundleFile);
    const pdf = await makeLargePdf();
    const pdfFile = path.join(dir, "large.pdf");
    writeFileSync(pdfFile, pdf);
    // The page limit's document: text pages with a structure tree, as finalisation's bench makes them.
    const manyPagesFile = path.join(dir, "2000-pages.pdf");
    execFileSync(process.execPath, [path.join(root, "test/node/bench-seal.mjs"), "--make", "2000", manyPagesFile]);
    const cases = [
      ...CASES.map((operation) => ({ operation, file: pdfFile, size: pdf.length })),
      { operation: "upload + encrypt", file: manyPagesFile, size: readFileSync(manyPagesFile).length },
      // The same under half a Worker's memory: RSS counts the heap V8 lets grow to its cap before
      // collecting; finishing under 64 MB (file and ciphertext included) shows what the check itself holds at once.
      { operation: "upload + encrypt", file: manyPagesFile, size: readFileSync(manyPagesFile).length, heapLimitMB: 64 },
    ];
    const rows = [];
    for (const { operation, file, size, heapLimitMB = HEAP_LIMIT_MB } of cases) {
      const m = measure(bundleFile, file, operation, heapLimitMB);
      const pages = m.result.pages ?? (operation === "inspectPdf only" ? m.result.out : null);
      rows.push([
        `${operation}, ${(size / MB).toFixed(1)} MiB PDF${file === manyPagesFile ? `, ${pages} pages` : ""}${heapLimitMB === HEAP_LIMIT_MB ? "" : `, ${heapLimitMB} MB heap`}`,
        `${m.ms.toFixed(0)} ms, +${(m.peakGrowth / MB).toFixed(1)} MB peak (${(m.peakGrowth / size).toFixed(2)}× file)`,
        `median of ${RUNS} fresh processes (${m.all.join("/")} ms) under --max-old-space-size=${heapLimitMB}${pages ? `, ${pages} pages` : ""}; peak RSS ${(m.peakRss / MB).toFixed(0)} MB incl. Node and the file itself; a Worker has 128 MB`,
      ]);
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") await child();
else if (import.meta.filename === process.argv[1]) {
  const rows = await uploadRows();
  if (process.argv.includes("--json")) console.log(JSON.stringify(rows));
  else printTable(rows);
}
