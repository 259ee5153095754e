#!/usr/bin/env node
// `npm test`: strict typecheck, then vitest inside workerd (unit + integration),
// then the browser tests on wrangler dev. Prints one closing line with the totals.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name) => path.join(root, "node_modules/.bin", name);
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
mkdirSync(path.join(root, "test-results"), { recursive: true });

function run(command, args) {
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on("data", (d) => process.stderr.write(d));
    child.on("exit", (code) => resolve({ code: code ?? 1, output }));
  });
}

let passed = 0;
let failed = 0;
let ok = true;

console.log("== typecheck (tsc --strict)");
const tsc = await run(bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]);
if (tsc.code !== 0) {
  ok = false;
  failed += 1;
}

console.log("== vitest in workerd (unit + integration)");
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

console.log("== PDF tools in Node (seal, offline verifier; pdfsig, qpdf, poppler)");
const nodeTests = await run(process.execPath, ["--test", "--test-reporter=spec", ...readdirSync(path.join(root, "test/node")).filter((f) => f.endsWith(".test.mjs")).map((f) => path.join(root, "test/node", f))]);
countNodeTests(nodeTests);

console.log("== end-to-end in Chromium on wrangler dev");
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

if (!ok && failed === 0) failed = 1;
console.log(`\nTotal: ${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
