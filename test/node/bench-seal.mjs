#!/usr/bin/env node
// Finalisation cost in Node, same code as the Worker: time and peak memory to
// seal a 4-page and a 517-page PDF (sealPdf alone; buildSignedPdf alone, with
// the evidence attachment; both, the finalisation path), beside a naive
// pdf-lib load-and-save of the same file.
//
// The documents are built to look like a real exported contract rather than a
// toy: every page has a heading, about fifty lines of body text in three fonts,
// a small raster image of its own and a tagged structure (marked content, a /P
// element per paragraph and a /Span per line, as word processors write for
// accessibility), saved with object streams and a cross-reference stream. The
// 517-page one is about 2.4 MB and 30,000 objects, like the file in
// /work/shared/platform.md whose full load and save with pdf-lib took over a
// second and close to 400 MB (without a heap limit).
//
// Each measurement runs in a fresh process under --max-old-space-size=128 (a
// Worker's 128 MB). Every operation is warmed up first on a tiny PDF so that
// compilation is not counted; then the process's peak RSS counter is reset
// (/proc/self/clear_refs) and the peak during the operation is read back, so
// peakGrowthMB is what the operation itself added. If the naive path runs out
// of memory under the cap, it is measured again without the cap and the row
// says so (heapLimitMB null, error set).
//
//   node test/node/bench-seal.mjs [--json]
//   node test/node/bench-seal.mjs --make 517 out.pdf   (just write the test document)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { deflateSync } from "node:zlib";
import {
  PDFDocument,
  PDFName,
  PDFOperator,
  PDFOperatorNames,
  StandardFonts,
  concatTransformationMatrix,
  drawObject,
  popGraphicsState,
  pushGraphicsState,
  rgb,
} from "pdf-lib";
import { generateDevSealCert } from "../../src/cli/dev-seal-cert.mjs";
import { bundleEntry } from "./build.mjs";
import { readHwm, resetHwm } from "../bench/harness.mjs";

const MB = 1024 * 1024;
const HEAP_LIMIT_MB = 128;
const RUNS = 3;
// 2,000 pages is the upload limit: finalising it must fit a Worker's 128 MB.
const DOCUMENTS = [4, 517, 2000];
// "certificate" is buildSignedPdf alone (the first update: certificate pages
// and evidence), so that its share of "certificate+seal" shows.
const OPERATIONS = ["seal", "certificate", "certificate+seal", "pdf-lib load+save"];

// ---------------------------------------------------------------------------
// Each operation runs in a fresh process, its peak memory measured from a reset (test/bench/harness.mjs).

async function child() {
  const [, , , bundle, pdfFile, keysFile, operation, pagesArg] = process.argv;
  const e = await import(pathToFileURL(bundle).href);
  const { certPem, keyPem } = JSON.parse(readFileSync(keysFile, "utf8"));
  const signer = await e.keySealSigner(certPem, keyPem);
  const info = { name: "Pactly", reason: "Completed and sealed by Pactly", signingTime: new Date() };
  const sha256 = async (bytes) => Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex");
  const evidence = { json: new TextEncoder().encode(`${JSON.stringify({ schema: "pactly-evidence", version: 1, events: [] })}\n`), filename: "pactly-evidence.json" };
  const build = async (original, pages) => {
    const certificate = e.certificateFor({ sha256: await sha256(original), pages }, 2);
    return e.buildSignedPdf({ original, certificate, labels: e.englishLabels, evidence });
  };
  // The page count comes from the parent: loading the file here to count its
  // pages would itself raise the process's memory before the measurement.
  const ops = {
    seal: (original) => e.sealPdf(original, signer, info),
    certificate: async (original, pages) => (await build(original, pages)).bytes,
    "certificate+seal": async (original, pages) => e.sealPdf((await build(original, pages)).bytes, signer, info),
    "pdf-lib load+save": async (original) => (await e.PDFDocument.load(original, { updateMetadata: false })).save(),
  };
  // Warm-up: every operation on a tiny file, so that compilation is not
  // counted and every child starts from the same state whichever it measures.
  const tiny = await e.PDFDocument.create();
  tiny.addPage();
  const tinyBytes = await tiny.save();
  for (const op of Object.values(ops)) await op(tinyBytes, 1);

  const original = new Uint8Array(readFileSync(pdfFile));
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
  globalThis.gc?.();
  const reset = resetHwm();
  const rssBefore = process.memoryUsage().rss;
  const hwmBefore = readHwm();
  const start = performance.now();
  const out = await ops[operation](original, Number(pagesArg));
  const ms = performance.now() - start;
  const peak = readHwm();
  process.stdout.write(
    JSON.stringify({
      ms,
      peakGrowth: Math.max(0, peak - (reset ? rssBefore : Math.max(rssBefore, hwmBefore))),
      peakRss: peak,
      outBytes: out.length,
    }),
  );
}

// ---------------------------------------------------------------------------
// The documents.

/** Deterministic pseudo-random numbers (mulberry32), so every run builds the same files. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "agreement party parties shall hereby terms conditions obligation payment invoice delivery period notice " +
  "termination liability damages confidential information warranty services supplier customer schedule annex " +
  "clause section written consent reasonable within days after before provided that subject to any all each " +
  "applicable law jurisdiction dispute resolution force majeure assignment amendment entire understanding " +
  "represents warrants indemnify breach remedy fees expenses taxes personal data processing controller processor"
).split(" ");

const IMAGE_SIDE = 20;
const LINE_GAP = 14;

/** A small RGB image of its own for each page (a logo or stamp): a gradient with noise, which compresses poorly like a photo. */
function imageStream(doc, next) {
  const data = new Uint8Array(IMAGE_SIDE * IMAGE_SIDE * 3);
  for (let y = 0; y < IMAGE_SIDE; y++) {
    for (let x = 0; x < IMAGE_SIDE; x++) {
      const at = (y * IMAGE_SIDE + x) * 3;
      data[at] = (x * 10 + next() * 60) & 0xff;
      data[at + 1] = (y * 10 + next() * 60) & 0xff;
      data[at + 2] = (128 + next() * 127) & 0xff;
    }
  }
  const compressed = deflateSync(data);
  return doc.context.register(
    doc.context.stream(compressed, {
      Type: "XObject",
      Subtype: "Image",
      Width: IMAGE_SIDE,
      Height: IMAGE_SIDE,
      ColorSpace: "DeviceRGB",
      BitsPerComponent: 8,
      Filter: "FlateDecode",
    }),
  );
}

/**
 * pages A4 pages: a heading, paragraphs of body text in Helvetica with a bold
 * first line and some lines in Times, a page footer, an image per page, and a
 * structure tree (Document > H1, P > Span; one MCID per line) with its parent tree.
 */
async function makePdf(pages) {
  const doc = await PDFDocument.create();
  const next = random(pages);
  const { context } = doc;
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const serif = await doc.embedFont(StandardFonts.TimesRoman);
  const treeRootRef = context.nextRef();
  const documentRef = context.nextRef();
  const documentKids = [];
  const parentTree = [];
  const sentence = (n) => {
    const words = [];
    for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(next() * WORDS.length)]);
    return words.join(" ");
  };
  const marked = (tag, mcid) =>
    PDFOperator.of(PDFOperatorNames.BeginMarkedContentSequence, [PDFName.of(tag), context.obj({ MCID: mcid })]);
  const endMarked = () => PDFOperator.of(PDFOperatorNames.EndMarkedContent);

  for (let i = 1; i <= pages; i++) {
    const page = doc.addPage([595.28, 841.89]);
    page.node.set(PDFName.of("StructParents"), context.obj(i - 1));
    // One resource name per font and page (pdf-lib's drawText with a font option adds a new name on every call).
    const fontKeys = new Map([regular, bold, serif].map((f) => [f, page.node.newFontDictionary(f.name, f.ref)]));
    const text = (value, options) => {
      page.font = options.font;
      page.fontKey = fontKeys.get(options.font);
      page.drawText(value, { ...options, font: undefined });
    };
    // Parent tree entry of the page: the element of each MCID, in MCID order.
    const marks = [];
    let mcid = 0;
    const element = (tag, parent, kids) => {
      const ref = context.register(context.obj({ Type: "StructElem", S: tag, P: parent, Pg: page.ref, K: kids }));
      return ref;
    };
    const markedText = (tag, parent, value, options) => {
      page.pushOperators(marked(tag, mcid));
      text(value, options);
      page.pushOperators(endMarked());
      const ref = element(tag, parent, mcid++);
      marks.push(ref);
      return ref;
    };

    documentKids.push(markedText("H1", documentRef, `${i}. ${sentence(4)}`, { x: 72, y: 770, size: 14, font: bold, color: rgb(0.1, 0.1, 0.3) }));

    const image = page.node.newXObject("Im", imageStream(doc, next));
    page.pushOperators(pushGraphicsState(), concatTransformationMatrix(48, 0, 0, 48, 475, 750), drawObject(image), popGraphicsState());

    // Paragraphs of a few lines; each line a /Span of its paragraph's /P, as word processors tag them.
    let y = 740;
    while (y > 80) {
      const paragraph = context.nextRef();
      const spans = [];
      const lines = 3 + Math.floor(next() * 3);
      for (let line = 0; line < lines && y > 80; line++, y -= LINE_GAP) {
        const font = line === 0 ? bold : next() < 0.15 ? serif : regular;
        const value = `${line === 0 ? `${i}.${mcid} ` : ""}${sentence((line === 0 ? 6 : 8) + Math.floor(next() * 4))}`;
        spans.push(markedText("Span", paragraph, value, { x: 72, y, size: 10, font }));
      }
      context.assign(paragraph, context.obj({ Type: "StructElem", S: "P", P: documentRef, Pg: page.ref, K: spans }));
      documentKids.push(paragraph);
      y -= 6;
    }
    text(`Page ${i} of ${pages}`, { x: 480, y: 40, size: 8, font: regular, color: rgb(0.4, 0.4, 0.4) });
    parentTree.push(i - 1, context.obj(marks));
  }

  context.assign(documentRef, context.obj({ Type: "StructElem", S: "Document", P: treeRootRef, K: documentKids }));
  context.assign(treeRootRef, context.obj({ Type: "StructTreeRoot", K: documentRef, ParentTree: context.obj({ Nums: parentTree }), ParentTreeNextKey: pages }));
  doc.catalog.set(PDFName.of("StructTreeRoot"), treeRootRef);
  doc.catalog.set(PDFName.of("MarkInfo"), context.obj({ Marked: true }));
  doc.catalog.set(PDFName.of("Lang"), context.obj("en-GB"));
  doc.setTitle("Master services agreement");
  return doc.save({ useObjectStreams: true });
}

// ---------------------------------------------------------------------------

function measure(bundle, pdfFile, keysFile, operation, pages, heapLimit) {
  const args = ["--expose-gc", import.meta.filename, "--child", bundle, pdfFile, keysFile, operation, String(pages)];
  if (heapLimit) args.unshift(`--max-old-space-size=${heapLimit}`);
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const result = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 16 * MB });
    if (result.status !== 0) {
      const text = `${result.stderr}\n${result.stdout}`;
      const oom = /heap out of memory|Allocation failed/i.test(text);
      runs.push({ error: oom ? `out of memory under --max-old-space-size=${heapLimit}` : text.trim().split("\n").slice(0, 3).join(" ") });
      break;
    }
    runs.push(JSON.parse(result.stdout));
  }
  return runs;
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "pactly-bench-seal-"));
  try {
    const bundle = await bundleEntry(path.join(dir, "entry.mjs"));
    const keysFile = path.join(dir, "keys.json");
    writeFileSync(keysFile, JSON.stringify(await generateDevSealCert()));
    const rows = [];
    for (const pages of DOCUMENTS) {
      const pdfFile = path.join(dir, `${pages}.pdf`);
      const bytes = await makePdf(pages);
      writeFileSync(pdfFile, bytes);
      for (const operation of OPERATIONS) {
        // The naive baseline already runs out of memory at 517 pages; at 2,000 it would only take minutes to say so again.
        if (operation === "pdf-lib load+save" && pages > 517) continue;
        let heapLimitMB = HEAP_LIMIT_MB;
        let runs = measure(bundle, pdfFile, keysFile, operation, pages, heapLimitMB);
        let error = runs.find((r) => r.error)?.error;
        if (error && operation === "pdf-lib load+save") {
          // Show what it would have cost: the same, without the cap.
          heapLimitMB = null;
          runs = measure(bundle, pdfFile, keysFile, operation, pages, null);
          error = [error, runs.find((r) => r.error)?.error].filter(Boolean).join("; ") + (runs.some((r) => !r.error) ? "; figures without the cap" : "");
        }
        const ok = runs.filter((r) => !r.error);
        const median = (key) => ok.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(ok.length / 2)];
        rows.push({
          document: `${pages} pages, ${(bytes.length / MB).toFixed(2)} MB`,
          operation,
          ms: ok.length ? Math.round(median("ms")) : null,
          peakGrowthMB: ok.length ? +(median("peakGrowth") / MB).toFixed(1) : null,
          peakRssMB: ok.length ? +(median("peakRss") / MB).toFixed(1) : null,
          heapLimitMB,
          ...(error ? { error } : {}),
        });
      }
    }
    if (process.argv.includes("--json")) console.log(JSON.stringify(rows, null, 2));
    else console.table(rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--make") writeFileSync(process.argv[4], await makePdf(Number(process.argv[3])));
else if (process.argv[2] === "--child") await child();
else await main();
