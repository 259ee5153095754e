// Bundles test/node/entry.ts (TypeScript under src/) for Node with esbuild and
// imports it. target node20 keeps esbuild's binary loader off
// Uint8Array.fromBase64 (the certificate fonts are bundled as bytes).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(import.meta.dirname, "../..");

/** Writes the bundle to outfile. */
export async function bundleEntry(outfile) {
  await esbuild.build({
    entryPoints: [path.join(root, "test/node/entry.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    loader: { ".ttf": "binary" },
    outfile,
    logLevel: "warning",
  });
  return outfile;
}

/** @returns {Promise<typeof import("./entry.ts")>} */
export async function loadEntry() {
  const outdir = mkdtempSync(path.join(tmpdir(), "pactly-node-"));
  try {
    const outfile = await bundleEntry(path.join(outdir, "entry.mjs"));
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
