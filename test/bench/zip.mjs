#!/usr/bin/env node
// "Download all my data" streams a ZIP (src/domain/zip.ts). This measures the writer alone
// in Node, with the Worker's own code: 10 entries of 20 MB (the upload limit), each made
// only when the stream asks for it, read by a consumer that drops every chunk (as a
// response body does once sent). It prints the time, the framing + CRC-32 throughput
// (time spent making the entries is subtracted) and the peak memory the run added, which
// must stay near one entry, not ten. Also the CRC-32 alone over 20 MB.
//
// Each case runs in a fresh process under --max-old-space-size=128 (a Worker has 128 MB),
// with the peak RSS counter reset just before it, as in upload.mjs.
//
//   node test/bench/zip.mjs [--json]      (test/bench/run.mjs prints these rows too)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { freshRuns, medianOf, printTable, readHwm, resetHwm } from "./harness.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const MB = 1024 * 1024;
const ENTRIES = 10;
const ENTRY_BYTES = 20 * MB;
const RUNS = 3;
const HEAP_LIMIT_MB = 128;

/** Incompressible bytes, like a scanned PDF; getRandomValues fills at most 64 KiB a call. */
function randomBytes(size) {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65_536) crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65_536)));
  return bytes;
}

async function child() {
  const [, , , bundle, operation] = process.argv;
  const { zipStream, crc32 } = await import(pathToFileURL(bundle).href);
  // Warm-up, so compilation is not counted.
  crc32(randomBytes(MB));
  const warm = zipStream((async function* () { yield { name: "w", modified: new Date(), data: randomBytes(MB) }; })()).getReader();
  while (!(await warm.read()).done);

  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
  globalThis.gc?.();
  const reset = resetHwm();
  const rssBefore = process.memoryUsage().rss;
  const hwmBefore = readHwm();
  const start = performance.now();
  let makingMs = 0;
  let out = 0;
  let alive = 0;
  if (operation !== "crc") {
    const refs = [];
    // A function, not a local in the generator: a suspended generator keeps its locals alive.
    const make = (i) => {
      const t0 = performance.now();
      const data = randomBytes(ENTRY_BYTES);
      makingMs += performance.now() - t0;
      refs.push(new WeakRef(data));
      return { name: `envelopes/2026-03-14-document-${i}/original.pdf`, modified: new Date(), data };
    };
    async function* entries() {
      for (let i = 1; i <= ENTRIES; i++) {
        if (operation === "retention") {
          // Collect, then count the earlier entries still reachable while this one is made.
          globalThis.gc();
          await new Promise((resolve) => setTimeout(resolve, 0));
          globalThis.gc();
          alive = Math.max(alive, refs.filter((r) => r.deref()).length);
        }
        yield make(i);
      }
    }
    const reader = zipStream(entries()).getReader();
    // Like a response body: each chunk is sent (a turn of the event loop, as a network
    // write gives) and dropped. "tight" never yields: V8 then collects ArrayBuffers late.
    const readOne = async () => {
      if (operation !== "tight") await new Promise((resolve) => setImmediate(resolve));
      const { done, value } = await reader.read();
      return done ? -1 : value.length;
    };
    for (let n = await readOne(); n >= 0; n = await readOne()) out += n;
  } else {
    const t0 = performance.now();
    const data = randomBytes(ENTRY_BYTES);
    makingMs += performance.now() - t0;
    out = crc32(data);
  }
  const ms = performance.now() - start;
  const peak = readHwm();
  process.stdout.write(JSON.stringify({ ms, workMs: ms - makingMs, out, alive, peakGrowth: Math.max(0, peak - (reset ? rssBefore : Math.max(rssBefore, hwmBefore))), peakRss: peak }));
}

async function bundle(outfile) {
  await build({
    entryPoints: [path.join(root, "src/domain/zip.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
  });
}

function measure(bundleFile, operation) {
  const args = [`--max-old-space-size=${HEAP_LIMIT_MB}`, "--expose-gc", import.meta.filename, "--child", bundleFile, operation];
  const runs = freshRuns(args, RUNS, `zip bench (${operation})`);
  const median = (key) => medianOf(runs, key);
  return { ms: median("ms"), workMs: median("workMs"), alive: Math.max(...runs.map((r) => r.alive)), peakGrowth: median("peakGrowth"), peakRss: median("peakRss"), out: runs[0].out, all: runs.map((r) => Math.round(r.workMs)) };
}

/** Rows for test/bench/run.mjs's table: [Measure, Value, Notes]. */
export async function zipRows() {
  const dir = mkdtempSync(path.join(tmpdir(), "pactly-bench-zip-"));
  try {
    const bundleFile = path.join(dir, "zip.mjs");
    await bundle(bundleFile);
    const total = ENTRIES * ENTRY_BYTES;
    const zip = measure(bundleFile, "zip");
    const crc = measure(bundleFile, "crc");
    const retention = measure(bundleFile, "retention");
    const tight = measure(bundleFile, "tight");
    const mbps = (bytes, ms) => `${((bytes / MB) / (ms / 1000)).toFixed(0)} MB/s`;
    return [
      [
        `Data export ZIP stream, ${ENTRIES} × ${ENTRY_BYTES / MB} MB`,
        `${mbps(total, zip.workMs)}, +${(zip.peakGrowth / MB).toFixed(1)} MB peak`,
        `zipStream (stored, CRC-32) of entries made only on demand, ${(zip.out / MB).toFixed(1)} MB out; ${zip.workMs.toFixed(0)} ms framing + CRC (median of ${RUNS} fresh processes: ${zip.all.join("/")} ms; making the entries not counted, ${zip.ms.toFixed(0)} ms in all); with a garbage collection forced before each entry, ${retention.alive} earlier entries are still reachable while the next is made (peak then +${(retention.peakGrowth / MB).toFixed(1)} MB), so the peak above is collection lag, not data held (a reader that never yields to the event loop: +${(tight.peakGrowth / MB).toFixed(1)} MB); under --max-old-space-size=${HEAP_LIMIT_MB}, peak RSS ${(zip.peakRss / MB).toFixed(0)} MB incl. Node`,
      ],
      [`CRC-32 alone, ${ENTRY_BYTES / MB} MB`, `${crc.workMs.toFixed(0)} ms (${mbps(ENTRY_BYTES, crc.workMs)})`, `table-driven, one byte a step; median of ${RUNS} (${crc.all.join("/")} ms)`],
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") await child();
else if (import.meta.filename === process.argv[1]) {
  const rows = await zipRows();
  if (process.argv.includes("--json")) console.log(JSON.stringify(rows));
  else printTable(rows);
}
