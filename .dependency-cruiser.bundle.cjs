// What the page Worker bundles, as opposed to what its files name: the same options as
// .dependency-cruiser.cjs but with type-only imports left out (they vanish when wrangler
// bundles), followed from the entry. A separate file because a `reachable` rule cannot skip
// type-only arrows, and src/env.ts names the PDF service's class for its binding.
// `npm run lint:layers` runs it from src/index.ts after the main rules; test/node/layering.test.mjs
// checks both.
const { options } = require("./.dependency-cruiser.cjs");

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "page-worker-bundles-no-pdf-code",
      comment:
        "pdf-lib, fontkit, pkijs and the fonts belong to the PDF service Worker; nothing the page Worker imports (src/index.ts onwards, through any layer) may pull in a value from src/pdf/, so call the PDF service through src/services/pdf.ts instead.",
      severity: "error",
      from: { path: "^src/index\\.ts$" },
      to: { path: "^src/pdf/", reachable: true },
    },
  ],
  options: { ...options, tsPreCompilationDeps: false },
};
