#!/usr/bin/env node
// End-to-end tests: starts Pactly (page Worker and PDF service) on `wrangler dev` with a fresh local state, then
// runs the browser tests (node:test + playwright-core driving Debian's Chromium).
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EID_CLIENT_ID, EID_CLIENT_SECRET, EID_NATIONAL_ID_KEY, startOidcIssuer } from "./oidc-issuer.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const port = Number(process.env.E2E_PORT ?? 8791);
const baseUrl = `http://localhost:${port}`;
const persist = mkdtempSync(path.join(tmpdir(), "pactly-e2e-"));
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

if (!existsSync(chromium)) {
  console.error(`Chromium not found at ${chromium}. Install it with: apt-get install -y chromium`);
  process.exit(1);
}

execFileSync("node", [path.join(root, "src/cli/setup-dev.mjs"), "--persist-to", persist], { cwd: root, stdio: "inherit" });

// A local OIDC issuer stands in for the eID broker (Norwegian BankID; Swedish BankID is cancelled at the broker).
const issuer = await startOidcIssuer();
const eidVars = {
  EID_ISSUER: issuer.url,
  EID_CLIENT_ID,
  EID_CLIENT_SECRET,
  EID_NATIONAL_ID_KEY,
  EID_SCHEMES: "no_bankid,se_bankid",
};

const wrangler = spawn(
  path.join(root, "node_modules/.bin/wrangler"),
  // Both Workers in one session: the page Worker (first, it serves the port) and the PDF service.
  ["dev", "-c", "wrangler.toml", "-c", "wrangler.pdf-service.toml", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", persist, "--var", `APP_URL:${baseUrl}`, ...Object.entries(eidVars).flatMap(([k, v]) => ["--var", `${k}:${v}`]), "--show-interactive-dev-session=false"],
  { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" } },
);
let log = "";
wrangler.stdout.on("data", (d) => (log += d));
wrangler.stderr.on("data", (d) => (log += d));

function stop() {
  issuer.close();
  try {
    process.kill(-wrangler.pid, "SIGTERM");
  } catch {}
  rmSync(persist, { recursive: true, force: true });
}
process.on("exit", stop);
process.on("SIGINT", () => process.exit(130));

async function waitForHealth(timeoutMs = 90_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      // A worker that accepts the connection but never answers must not hang the run.
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`wrangler dev did not become healthy:\n${log.slice(-4000)}`);
}

try {
  await waitForHealth();
} catch (error) {
  console.error(String(error));
  process.exit(1);
}

const files = process.argv.slice(2).length ? process.argv.slice(2) : [path.join(root, "test/e2e")];
const tests = spawn(process.execPath, ["--test", "--test-concurrency=1", "--test-reporter=spec", ...files.map((f) => (f.endsWith(".mjs") ? f : path.join(f, "*.test.mjs")))], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, BASE_URL: baseUrl, CHROMIUM_PATH: chromium, EID_ISSUER: issuer.url },
});
const code = await new Promise((resolve) => tests.on("exit", (c) => resolve(c ?? 1)));
if (code !== 0) console.error(`\n--- wrangler dev log (tail) ---\n${log.slice(-6000)}`);
// The whole log, when asked for (E2E_WRANGLER_LOG=path), to follow a failure further back than the tail.
if (process.env.E2E_WRANGLER_LOG) writeFileSync(process.env.E2E_WRANGLER_LOG, log);
process.exit(code);
