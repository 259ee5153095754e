// A plain `wrangler deploy` is safe, for the page Worker and the PDF service alike: the bundle wrangler would upload without `--env`
// (and with `--env staging` or `--env production`) never runs as development, so it never
// publishes the development outbox or takes API keys over plain http.
//   node --test test/node/deploy-config.test.mjs
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { isLocalDevelopment } from "../../src/domain/deployment.ts";
import { pdfCodeIn } from "../bench/startup.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const wrangler = path.join(root, "node_modules/.bin/wrangler");
const work = mkdtempSync(path.join(tmpdir(), "pactly-deploy-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** What `wrangler deploy --dry-run` would upload for this environment: its bundle and the variables it prints. */
function dryRun(config, environment) {
  const outdir = path.join(work, path.basename(config, ".toml"), environment ?? "top-level");
  const args = ["deploy", "--dry-run", "--config", config, "--outdir", outdir, ...(environment ? ["--env", environment] : [])];
  const result = spawnSync(wrangler, args, { cwd: root, encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" } });
  assert.equal(result.status, 0, `wrangler ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  const vars = Object.fromEntries([...result.stdout.matchAll(/env\.([A-Z_]+) \("(.*)"\)\s+Environment Variable/g)].map((m) => [m[1], m[2]]));
  return { vars, bundled: existsSync(path.join(outdir, "index.js")), outdir };
}

/** The reason a deployment would run as development, or null. */
function developmentReason(vars) {
  if (vars.ENVIRONMENT === undefined) return "ENVIRONMENT is not set";
  if (vars.ENVIRONMENT === "development") return `ENVIRONMENT is "development" (APP_URL ${vars.APP_URL})`;
  if (isLocalDevelopment({ ENVIRONMENT: vars.ENVIRONMENT, APP_URL: vars.APP_URL })) return "the Worker would treat itself as local development";
  return null;
}

// The page Worker and the PDF service (deployed first): both must be safe to deploy.
for (const [name, file] of [["page Worker", "wrangler.toml"], ["PDF service", "wrangler.pdf-service.toml"]])
describe(`wrangler deploy --dry-run (${name}, ${file})`, () => {
  const config = path.join(root, file);

  it("without --env bundles a Worker that does not run as development", () => {
    const { vars, bundled } = dryRun(config);
    assert.ok(bundled, "the dry run wrote no bundle");
    assert.equal(developmentReason(vars), null);
    assert.equal(vars.ENVIRONMENT, "production");
  });

  for (const environment of ["staging", "production"]) {
    it(`with --env ${environment} bundles a Worker that runs as ${environment} with an https APP_URL`, () => {
      const { vars, bundled, outdir } = dryRun(config, environment);
      assert.ok(bundled, "the dry run wrote no bundle");
      // PDF work belongs to the PDF service: no PDF library or font may slip back into the pages' Worker.
      if (file === "wrangler.toml") assert.deepEqual(pdfCodeIn(outdir), []);
      assert.equal(developmentReason(vars), null);
      assert.equal(vars.ENVIRONMENT, environment);
      assert.match(vars.APP_URL ?? "", /^https:\/\//);
    });
  }

  it("would catch a top level that says development, as wrangler.toml once did", () => {
    assert.equal(developmentReason({ ENVIRONMENT: "development", APP_URL: "http://localhost:8787" }), 'ENVIRONMENT is "development" (APP_URL http://localhost:8787)');
    assert.equal(developmentReason({ RETENTION_DAYS: "90" }), "ENVIRONMENT is not set");
  });
});
