#!/usr/bin/env node
// Child process of test/bench/run.mjs: times argon2id password hashes in Node with the
// app's parameters (src/domain/password.ts) and reports the peak RSS they add. Each run is
// a fresh process, so maxRSS starts from a clean baseline. Prints one JSON line.
//
// Usage: node test/bench/argon2-node.mjs '<params json>' sequential <count>
//        node test/bench/argon2-node.mjs '<params json>' concurrent <count>
//   sequential: <count> hashes one after another (CPU per hash; RSS added by the first)
//   concurrent: <count> hashes started together, as concurrent log-ins in one isolate would
//               (the async hash yields, so each holds its own memory block at once)
import { argon2idAsync } from "@noble/hashes/argon2.js";

const params = JSON.parse(process.argv[2] ?? "null");
const mode = process.argv[3] ?? "sequential";
const count = Number(process.argv[4] ?? 5);
if (!params || !Number.isInteger(params.m) || !["sequential", "concurrent"].includes(mode) || !(count >= 1)) {
  console.error('usage: argon2-node.mjs \'{"m":19456,"t":2,"p":1,"dkLen":32}\' sequential|concurrent <count>');
  process.exit(2);
}

const maxRssKiB = () => process.resourceUsage().maxRSS; // peak resident set size so far, KiB
const salt = new Uint8Array(16).fill(7);
const password = "correct horse battery staple";
const cpuMsSince = (start) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

// Load and JIT-warm the code on a tiny instance so the first measured hash is not a cold start.
await argon2idAsync(password, salt, { m: 64, t: 1, p: 1, dkLen: 32 });
const baselineRssKiB = maxRssKiB();

const result = { node: process.version, params, mode, count, baselineRssKiB };
if (mode === "sequential") {
  result.cpuMs = [];
  result.wallMs = [];
  for (let i = 0; i < count; i++) {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await argon2idAsync(password, salt, params);
    result.wallMs.push(performance.now() - t0);
    result.cpuMs.push(cpuMsSince(cpu));
    if (i === 0) result.firstRssIncreaseKiB = maxRssKiB() - baselineRssKiB;
  }
  result.rssIncreaseKiB = maxRssKiB() - baselineRssKiB;
} else {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: count }, () => argon2idAsync(password, salt, params)));
  result.wallMs = [performance.now() - t0];
  result.cpuMs = [cpuMsSince(cpu)];
  result.rssIncreaseKiB = maxRssKiB() - baselineRssKiB;
}
console.log(JSON.stringify(result));
