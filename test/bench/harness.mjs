// What the benches share: peak-memory measurement of a fresh process and the table they print.
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
