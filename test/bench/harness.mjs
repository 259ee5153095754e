// What the benches share: fresh processes, their peak memory, medians, and the table they print.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

// Peak memory: Linux keeps a high-water mark of the process's RSS (VmHWM) that writing
// "5" to clear_refs resets. Elsewhere, fall back to getrusage's maxRSS (never reset:
// growth is then only what exceeds the earlier peak).

/** The process's peak resident memory so far, in bytes. */
export function readHwm() {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]) * 1024;
  } catch {}
  return process.resourceUsage().maxRSS * 1024;
}

/** Resets the peak to the current RSS; false where the system does not allow it. */
export function resetHwm() {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/** Prints rows of [Measure, Value, Notes] as a Markdown table. */
export function printTable(rows) {
  const header = ["Measure", "Value", "Notes"];
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(header));
  console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
  for (const r of cells.slice(1)) console.log(line(r));
}

/** Runs `node <args>` `times` times, each a fresh process, and parses the JSON each prints. */
export function freshRuns(args, times, label) {
  const runs = [];
  for (let i = 0; i < times; i++) {
    const result = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`${label} failed:\n${result.stderr}`);
    runs.push(JSON.parse(result.stdout));
  }
  return runs;
}

/** The median of one numeric field over runs. */
export function medianOf(runs, key) {
  return runs.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
}
