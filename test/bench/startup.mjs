// Startup and size of the two Workers, for the bench (test/bench/run.mjs):
// - startup CPU from `wrangler check startup` (a CPU profile of the Worker's global
//   scope in local workerd), for the page Worker, a bare Hono hello world and the PDF service;
// - what the page Worker uploads (`wrangler deploy --dry-run`), and whether any PDF
//   library or font slipped back into it.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

/**
 * CPU time spent running the profiled startup: the duration of every sample but idle
 * ones. As in DevTools, a sample lasts until the next one (the last until the profile's
 * end), so the wait before the first sample is not counted.
 */
export function activeMs(profile) {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
  let us = 0;
  let at = profile.startTime;
  const times = profile.timeDeltas.map((d) => (at += d));
  profile.samples.forEach((id, i) => {
    if (!idle.has(id)) us += (times[i + 1] ?? profile.endTime) - times[i];
  });
  return us / 1000;
}

/** The functions with the most self time in a startup profile, for the row's note. */
export function hottest(profile, count = 3) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let at = profile.startTime;
  const times = profile.timeDeltas.map((d) => (at += d));
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    if (!frame || ["(idle)", "(root)"].includes(frame.functionName)) return;
    const name = `${frame.functionName || "(anonymous)"}`;
    self.set(name, (self.get(name) ?? 0) + ((times[i + 1] ?? profile.endTime) - times[i]) / 1000);
  });
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
}

/**
 * `wrangler check startup` for one config, `runs` times, on the bundle a deploy would
 * upload (built once: `check startup` does not pass `-c` on to its own build).
 * Answers each run's active CPU ms and the last profile.
 */
export function checkStartup({ wranglerBin, root, config, outdir, runs }) {
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" };
  const label = path.relative(root, config).replace(/[^\w.-]+/g, "_");
  const bundle = path.join(outdir, `${label}.bundle`);
  const built = spawnSync(wranglerBin, ["deploy", "--dry-run", "-c", config, "--env=", "--outfile", bundle], { cwd: root, encoding: "utf8", timeout: 120_000, env });
  if (built.status !== 0) throw new Error(`wrangler deploy --dry-run -c ${config} failed:\n${built.stdout}\n${built.stderr}`);
  const results = [];
  let profile = null;
  for (let i = 0; i < runs; i++) {
    const outfile = path.join(outdir, `${label}-${i}.cpuprofile`);
    const result = spawnSync(wranglerBin, ["check", "startup", "--worker", bundle, "--outfile", outfile], { cwd: root, encoding: "utf8", timeout: 120_000, env });
    if (result.status !== 0) throw new Error(`wrangler check startup --worker ${bundle} failed:\n${result.stdout}\n${result.stderr}`);
    profile = JSON.parse(readFileSync(outfile, "utf8"));
    results.push(activeMs(profile));
  }
  return { runs: results, profile };
}

/** What a bundle directory written by `wrangler deploy --dry-run --outdir` holds that PDF work needs and pages must not. */
export function pdfCodeIn(outdir) {
  const found = [];
  for (const name of readdirSync(outdir)) {
    if (name.endsWith(".ttf")) found.push(name.replace(/^[0-9a-f]{40}-/, ""));
  }
  const map = readdirSync(outdir).find((n) => n.endsWith(".js.map"));
  if (map) {
    const { sources } = JSON.parse(readFileSync(path.join(outdir, map), "utf8"));
    for (const pkg of ["pdf-lib", "@pdf-lib/fontkit", "pkijs", "asn1js", "pako", "dejavu-fonts-ttf"]) {
      if (sources.some((s) => s.includes(`node_modules/${pkg}/`))) found.push(pkg);
    }
    if (sources.some((s) => /\/src\/pdf\//.test(s))) found.push("src/pdf/");
  }
  return found;
}

/** The gzip size (level 9) of every file wrangler would upload from a dry run's outdir (no source maps). */
export function uploadGzipBytes(outdir) {
  return readdirSync(outdir)
    .filter((name) => !name.endsWith(".map") && !/^readme/i.test(name))
    .reduce((n, name) => n + gzipSync(readFileSync(path.join(outdir, name)), { level: 9 }).length, 0);
}

/**
 * One goal row: what was measured, the goal, and how far off it is when missed
 * (as a ratio to the goal, so every row reads the same way).
 */
export function goalRow(label, value, { atMost, atLeast, format }) {
  const limit = atMost ?? atLeast;
  const met = atMost !== undefined ? value <= atMost : value >= atLeast;
  const ratio = value / limit;
  const verdict = met
    ? `met (${(ratio * 100).toFixed(0)} % of the ${atMost !== undefined ? "ceiling" : "floor"})`
    : atMost !== undefined
      ? `NOT MET: ${ratio.toFixed(2)}× the ceiling, ${format(value - atMost)} over`
      : `NOT MET: ${ratio.toFixed(2)}× the floor, ${format(atLeast - value)} short`;
  return [label, format(value), `goal ${atMost !== undefined ? "≤" : "≥"} ${format(limit)}: ${verdict}`];
}
