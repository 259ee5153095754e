// The arrows of the README's Architecture section ("Dependencies point one way"), checked by
// dependency-cruiser:
//
//   src/index.ts → src/app.tsx → src/web | src/api → src/services → src/domain
//
// services call src/storage/ (the only code that imports drizzle-orm), the Envelope Durable
// Object (src/envelope/) and the queues. src/domain/, src/i18n/ (translation tables and
// locale formatting, importing nothing) and src/agreements/ (the agreement texts) are the
// pure core that templates/ may read. src/pdf/ is the pdf-lib code: services and the PDF
// service Worker (src/pdf-service/) use it, the page Worker imports no values from it (and,
// through any layer, bundles none: .dependency-cruiser.bundle.cjs).
//
// Each layer has one rule listing what it MAY import (anything else in src/ or templates/ is
// a violation), so a new arrow, or one into a new folder, fails until this file allows it.
// `npm run lint:layers` runs it; `npm test` runs it through test/node/layering.test.mjs, which
// also proves on test/fixtures/depcruise/ that every rule fires.

/** Paths of our own code; the "may import" rules below only judge arrows into these. */
const ours = "^(src|templates)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment:
        "src/domain/ holds pure logic unit-tested without bindings, so it imports only domain/, i18n/ and the pure libraries zod, @noble/hashes and uqr: never another layer, the platform (cloudflare:*, node:*) or Hono/drizzle.",
      severity: "error",
      from: { path: "^src/domain/" },
      to: { pathNot: ["^src/(domain|i18n)/", "node_modules/(zod|@noble/hashes|uqr)/"] },
    },
    {
      name: "i18n-is-a-leaf",
      comment: "src/i18n/ is translation tables and locale formatting that every layer reads, so it imports nothing outside src/i18n/.",
      severity: "error",
      from: { path: "^src/i18n/" },
      to: { pathNot: "^src/i18n/" },
    },
    {
      name: "agreements-are-pure",
      comment:
        "src/agreements/ (the agreement texts and their fields) is read by templates and the PDF code alike, so like domain/ it imports only agreements/, domain/, i18n/ and zod.",
      severity: "error",
      from: { path: "^src/agreements/" },
      to: { pathNot: ["^src/(agreements|domain|i18n)/", "node_modules/zod/"] },
    },
    {
      name: "templates-import-view-types-only",
      comment:
        "templates/ render what they are given: they import templates/, the pure src/domain/, src/i18n/ and src/agreements/, and hono's jsx/html helpers, never storage, services or routes.",
      severity: "error",
      from: { path: "^templates/" },
      to: { pathNot: ["^templates/", "^src/(domain|i18n|agreements)/", "node_modules/hono/"] },
    },
    {
      name: "only-storage-imports-drizzle",
      comment: "src/storage/ is the only code that touches D1 and R2, so nothing else imports drizzle-orm.",
      severity: "error",
      from: { pathNot: "^src/storage/" },
      to: { path: "node_modules/drizzle-orm/" },
    },
    {
      name: "storage-is-the-bottom-layer",
      comment: "src/storage/ is called by services and knows nothing above it: it imports only storage/ and the pure domain/, i18n/ and agreements/.",
      severity: "error",
      from: { path: "^src/storage/" },
      to: { path: ours, pathNot: "^src/(storage|domain|i18n|agreements)/" },
    },
    {
      name: "services-stay-below-the-entry-points",
      comment:
        "A use case in src/services/ is called by routes, jobs and the PDF service and never calls back up: it imports services/, domain/, i18n/, agreements/, storage/, the Durable Object (envelope/), the pdf/ library, the PDF service's contract and env.ts.",
      severity: "error",
      from: { path: "^src/services/" },
      to: {
        path: ours,
        pathNot: ["^src/(services|domain|i18n|agreements|storage|envelope|pdf)/", "^src/pdf-service/contract\\.ts$", "^src/env\\.ts$"],
      },
    },
    {
      name: "routes-are-thin-adapters",
      comment:
        "src/web/ and src/api/ are thin adapters over the use cases: they import web/, api/, services/, the pure domain/, i18n/, agreements/, templates/ and env.ts (storage/ and pdf/ have their own rules below), never jobs/, envelope/ or the PDF service.",
      severity: "error",
      from: { path: "^src/(web|api)/" },
      to: {
        path: ours,
        pathNot: ["^src/(web|api|services|domain|i18n|agreements|storage|pdf)/", "^templates/", "^src/env\\.ts$"],
      },
    },
    {
      // Goes away when services receive a per-request Deps object built by a middleware.
      name: "routes-reach-storage-only-for-the-database-handle",
      comment:
        "Routes reach D1 through services; the one exception until per-request Deps arrive is `database` from src/storage/db.ts, which routes pass to the use cases.",
      severity: "error",
      from: { path: "^src/(web|api)/" },
      to: { path: "^src/storage/", pathNot: "^src/storage/db\\.ts$" },
    },
    {
      name: "page-worker-imports-no-pdf-values",
      comment:
        "pdf-lib, fontkit, pkijs and the fonts live in the PDF service Worker, so the page Worker (src/index.ts, src/app.tsx, src/web/, src/api/) may import only types from src/pdf/.",
      severity: "error",
      from: { path: "^src/(index\\.ts|app\\.tsx?|web/|api/)" },
      to: { path: "^src/pdf/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "pdf-library-depends-on-pure-code-only",
      comment: "src/pdf/ is a library for services and the PDF service: besides itself it imports only the pure domain/, agreements/ and i18n/.",
      severity: "error",
      from: { path: "^src/pdf/" },
      to: { path: ours, pathNot: "^src/(pdf|domain|agreements|i18n)/" },
    },
    {
      name: "envelope-object-never-calls-up",
      comment:
        "The Envelope Durable Object (src/envelope/) is called by services and uses only envelope/, the pure domain/, i18n/, agreements/, storage/ (its D1 projection) and env.ts, never services/, routes or jobs.",
      severity: "error",
      from: { path: "^src/envelope/" },
      to: { path: ours, pathNot: ["^src/(envelope|domain|i18n|agreements|storage)/", "^src/env\\.ts$"] },
    },
    {
      name: "jobs-call-services",
      comment:
        "Queue and cron handlers in src/jobs/ are entry points like routes: they import jobs/, services/, storage/, the pure domain/, i18n/, agreements/, the e-mail templates (templates/emails/) and env.ts, never routes or the Durable Object class.",
      severity: "error",
      from: { path: "^src/jobs/" },
      to: { path: ours, pathNot: ["^src/(jobs|services|storage|domain|i18n|agreements)/", "^templates/emails/", "^src/env\\.ts$"] },
    },
    {
      name: "pdf-service-uses-lower-layers-only",
      comment:
        "The PDF service Worker (src/pdf-service/) imports pdf/, services/, storage/, the pure domain/, agreements/, i18n/, the finalisation queue handler (src/jobs/finalisation.ts) and env.ts, never routes or templates.",
      severity: "error",
      from: { path: "^src/pdf-service/" },
      to: {
        path: ours,
        pathNot: ["^src/(pdf-service|pdf|services|storage|domain|agreements|i18n)/", "^src/jobs/finalisation\\.ts$", "^src/env\\.ts$"],
      },
    },
    {
      name: "nothing-imports-the-entry-points",
      comment: "src/index.ts is the Worker entry and src/app.tsx is mounted only by it: arrows point away from the top.",
      severity: "error",
      from: { pathNot: "^src/index\\.ts$" },
      to: { path: "^src/(index\\.ts|app\\.tsx?)$" },
    },
    {
      name: "cli-is-node-tooling",
      comment: "src/cli/ is Node tooling run from npm scripts; no Worker code may import it.",
      severity: "error",
      from: { pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      // Today 20 cycles exist, each through a type-only import (mostly env.ts naming the Durable
      // Object and PDF service classes for its bindings); types vanish at build time, so they are allowed.
      name: "no-circular-values",
      comment: "Modules must not import each other's values in a circle (it leaves one side undefined at load time); break the circle by moving the shared part down a layer.",
      severity: "error",
      from: {},
      to: { circular: true, dependencyTypesNot: ["type-only"], viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that dependency-cruiser cannot resolve is an arrow it cannot check, so every import must resolve (add new platform modules to builtInModules).",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports are arrows too: `import type` from a higher layer is still a dependency.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    // Modules the Workers runtime and its test pool provide.
    builtInModules: { add: ["cloudflare:workers", "cloudflare:test"] },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
      extensions: [".ts", ".tsx", ".mjs", ".js", ".cjs", ".d.ts", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
