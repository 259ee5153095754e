// The layering of the README's Architecture section, checked by dependency-cruiser with the
// rules in .dependency-cruiser.cjs and .dependency-cruiser.bundle.cjs (`npm run lint:layers`
// prints the same checks for people). The real tree must keep every arrow; a fixture that breaks
// each arrow on purpose must be reported rule by rule; and a copy of the real tree with forbidden
// imports added must fail, so the real-tree run cannot pass by seeing nothing.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";

const root = path.resolve(import.meta.dirname, "../..");
const depcruise = path.join(root, "node_modules/dependency-cruiser/bin/dependency-cruiser.mjs");
const config = path.join(root, ".dependency-cruiser.cjs");
const bundleConfig = path.join(root, ".dependency-cruiser.bundle.cjs");
/** The bundle rules follow the page Worker from its entry, like wrangler does. */
const starts = (rules) => (rules === bundleConfig ? ["src/index.ts"] : ["src", "templates"]);

/** Runs the check of `npm run lint:layers` in `cwd`; the JSON reporter always exits 0, so the violations are what count. */
function cruise(cwd, rules = config) {
  const run = spawnSync(process.execPath, [depcruise, ...starts(rules), "--config", rules, "--output-type", "json"], {
    cwd,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.ok(run.stdout, `dependency-cruiser printed nothing: ${run.stderr}`);
  const result = JSON.parse(run.stdout);
  const violations = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
  return { result, violations };
}

describe("layering (dependency-cruiser)", () => {
  it("finds no forbidden import in src/ and templates/", () => {
    const { result, violations } = cruise(root);
    assert.deepEqual(violations, []);

    // Not vacuous: it read the whole tree, .tsx and .mjs included, and saw type-only imports.
    const ours = result.modules.filter((m) => /^(src|templates)\//.test(m.source));
    assert.ok(ours.length > 200, `only ${ours.length} of our modules were cruised`);
    for (const ext of [".ts", ".tsx", ".mjs"]) {
      assert.ok(ours.some((m) => m.source.endsWith(ext)), `no ${ext} file was cruised`);
    }
    const typeOnly = ours.flatMap((m) => m.dependencies).filter((d) => d.dependencyTypes.includes("type-only"));
    assert.ok(typeOnly.length > 50, "type-only imports were not seen (tsPreCompilationDeps)");
    const rules = result.summary.ruleSetUsed.forbidden;
    assert.ok(rules.length >= 15, "the rule set was not loaded");
    for (const rule of rules) assert.ok(rule.comment, `rule ${rule.name} has no comment to explain a failure`);
  });

  it("finds no src/pdf/ code in what the page Worker bundles", () => {
    const { result, violations } = cruise(root, bundleConfig);
    assert.deepEqual(violations, []);
    assert.ok(result.modules.some((m) => m.source === "src/app.tsx"), "the page Worker was not followed from src/index.ts");
  });

  it("reports each forbidden import of the fixture under its rule, and nothing allowed", () => {
    const { violations } = cruise(path.join(root, "test/fixtures/depcruise"));
    assert.deepEqual(
      violations,
      [
        "domain-is-pure: src/domain/envelope.ts → cloudflare:workers",
        "domain-is-pure: src/domain/envelope.ts → src/services/cancel-envelope.ts",
        "envelope-object-never-calls-up: src/envelope/object.ts → src/services/cancel-envelope.ts",
        "no-circular-values: src/services/a.ts → src/services/b.ts",
        "not-to-unresolvable: src/jobs/retry.mjs → ./backoff-that-does-not-exist.mjs",
        "only-storage-imports-drizzle: src/web/route.ts → ../../../node_modules/drizzle-orm/index.d.ts",
        "page-worker-imports-no-pdf-values: src/web/route.ts → src/pdf/seal.ts",
        "routes-reach-storage-only-for-the-database-handle: src/web/route.ts → src/storage/envelopes.ts",
        "templates-import-view-types-only: templates/page.tsx → src/storage/envelopes.ts",
      ].sort(),
    );
    // src/index.ts reaches pdf/ through a route and a service, and a type-only import that is allowed.
    assert.deepEqual(cruise(path.join(root, "test/fixtures/depcruise"), bundleConfig).violations, [
      "page-worker-bundles-no-pdf-code: src/index.ts → src/pdf/seal.ts",
    ]);
  });

  const probe = path.join(root, "test-results", `layering-probe-${process.pid}`);
  after(() => rmSync(probe, { recursive: true, force: true }));

  it("fails the real tree when forbidden imports are added", () => {
    // Inside the repository, so the copy resolves packages from the same node_modules.
    mkdirSync(probe, { recursive: true });
    for (const entry of ["src", "templates", "tsconfig.json"]) cpSync(path.join(root, entry), path.join(probe, entry), { recursive: true });
    writeFileSync(path.join(probe, "src/domain/probe.ts"), 'import type { Env } from "../env";\n\nexport type Probe = Env;\n');
    // A value import of the sealing service from the app pulls pdf-lib into the page Worker.
    writeFileSync(path.join(probe, "src/app.tsx"), `import "./services/seal";\n${readFileSync(path.join(root, "src/app.tsx"), "utf8")}`);

    assert.deepEqual(cruise(probe).violations, ["domain-is-pure: src/domain/probe.ts → src/env.ts"]);
    const bundled = cruise(probe, bundleConfig).violations;
    assert.ok(bundled.includes("page-worker-bundles-no-pdf-code: src/index.ts → src/pdf/seal.ts"), bundled.join("\n"));
  });
});
