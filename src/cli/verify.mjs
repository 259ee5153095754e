#!/usr/bin/env node
// The offline verifier's launcher: `npm run verify -- signed.pdf [--json]`.
// Bundles src/cli/verify.ts (TypeScript shared with the Worker) for Node with
// esbuild into a temporary file, imports it and runs its main with file access.
// See src/cli/verify.ts for the checks and exit codes.
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const outdir = mkdtempSync(path.join(tmpdir(), "pactly-verify-"));
let verifier;
try {
  const outfile = path.join(outdir, "verify.mjs");
  await build({
    entryPoints: [path.join(import.meta.dirname, "verify.ts")],
    outfile,
    platform: "node",
    format: "esm",
    target: "node20",
    bundle: true,
    loader: { ".ttf": "binary" },
    logLevel: "error",
  });
  verifier = await import(pathToFileURL(outfile).href);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}

process.exitCode = await verifier.main(process.argv.slice(2), {
  readFile: async (file) => new Uint8Array(await readFile(file)),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
