#!/usr/bin/env node
// `npm test`: strict typecheck, then vitest inside workerd (unit + integration),
// then the browser tests on wrangler dev. Prints one closing line with the totals.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name) => path.join(root, "node_modules/.bin", name);
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
mkdirSync(path.join(root, "test-results"), { recursive: true });

// `TEST_CLOCK_OFFSET_DAYS=365 npm test` runs every layer (workerd, Node, wrangler dev, Chromium)
// with the wall clock moved that many days, to prove that no test depends on today's date.
const offsetDays = Number(process.env.TEST_CLOCK_OFFSET_DAYS ?? 0);
if (!Number.isInteger(offsetDays)) throw new Error("TEST_CLOCK_OFFSET_DAYS must be a whole number of days");
if (offsetDays !== 0) {
  const shim = path.join(root, "test-results/clock-offset.so");
  execFileSync("cc", ["-shared", "-fPIC", "-O2", "-o", shim, path.join(root, "test/support/clock-offset.c")], { stdio: "inherit" });
  env.LD_PRELOAD = [shim, env.LD_PRELOAD].filter(Boolean).join(":");
  env.PACTLY_CLOCK_OFFSET_SECONDS = String(offsetDays * 86_400);
  console.log(`== the clock is moved ${offsetDays} days: every process sees ${new Date(Date.now() + offsetDays * 86_400_000).toISOString()}`);
}

/** Each layer's wall-clock time, printed at the end: `npm test` must stay within 15 minutes. */
const timings = [];
const started = Date.now();

function run(command, args) {
  const start = Date.now();
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on("data", (d) => process.stderr.write(d));
    child.on("exit", (code) => {
      timings.push({ layer: currentLayer, ms: Date.now() - start });
      resolve({ code: code ?? 1, output });
    });
  });
}

let currentLayer = "";
function layer(name) {
  currentLayer = name;
  console.log(`== ${name}`);
}

let passed = 0;
let failed = 0;
let ok = true;

layer("typecheck (tsc --strict)");
const tsc = await run(bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]);
if (tsc.code !== 0) {
  ok = false;
  failed += 1;
}

layer("vitest in workerd (unit + integration)");
const vitestJson = path.join(root, "test-results/vitest.json");
const vitest = await run(bin("vitest"), ["run", "--config", "test/vitest.config.ts", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`]);
try {
  const report = JSON.parse(readFileSync(vitestJson, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numTotalTests - report.numPassedTests - report.numFailedTests - (report.numPendingTests ?? 0) - (report.numTodoTests ?? 0));
} catch {
  failed += 1;
}
if (vitest.code !== 0) ok = false;

layer("PDF tools and layering in Node (seal, offline verifier, deploy config, dependency-cruiser; pdfsig, qpdf, poppler)");
const nodeTests = await run(process.execPath, ["--test", "--test-reporter=spec", ...readdirSync(path.join(root, "test/node")).filter((f) => f.endsWith(".test.mjs")).map((f) => path.join(root, "test/node", f))]);
countNodeTests(nodeTests);

layer("end-to-end in Chromium on wrangler dev");
const e2e = await run(process.execPath, [path.join(root, "test/e2e/run.mjs")]);
countNodeTests(e2e);

/** node:test's spec reporter closes with "ℹ pass N" and "ℹ fail N". */
function countNodeTests(result) {
  const pass = /ℹ pass (\d+)/.exec(result.output);
  const fail = /ℹ fail (\d+)/.exec(result.output);
  passed += Number(pass?.[1] ?? 0);
  failed += Number(fail?.[1] ?? (result.code === 0 ? 0 : 1));
  if (result.code !== 0) ok = false;
}

const minutes = (ms) => `${Math.floor(ms / 60_000)} min ${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")} s`;
console.log("\nTime per layer:");
for (const t of timings) console.log(`  ${t.layer.padEnd(82)} ${minutes(t.ms)}`);
console.log(`  ${"npm test in all".padEnd(82)} ${minutes(Date.now() - started)}`);

if (!ok && failed === 0) failed = 1;
console.log(`\nTotal: ${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
