#!/usr/bin/env node
// Pactly bench: drives the real app on `wrangler dev` and prints one table of measured
// figures: page weight (signing page, sender's envelope list), the signing page's first
// visit (requests, gzip total), the deployable bundle size, page throughput beside a bare
// Hono hello world, and the CPU/memory cost of one argon2id password hash (Node and workerd).
// Then the startup and size goals (issue 15, item 4), each as a ratio from this same run:
// page Worker startup CPU against a hello world's, its upload size, page throughput,
// warm finalisation (4 and 517 pages) and the PDF service's startup; a missed goal
// shows how far off it is.
//
// Usage: npm run bench   (from a fresh clone after `npm install`; needs no network)
// Plain Node ESM on purpose: no compile step. Every wait has a timeout, and every child
// process is started in its own process group and killed as a group, also on failure.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { hostileRows } from "./hostile.mjs";
import { uploadRows } from "./upload.mjs";
import { zipRows } from "./zip.mjs";
import { printTable } from "./harness.mjs";
import { checkStartup, goalRow, hottest, pdfCodeIn, uploadGzipBytes } from "./startup.mjs";

if (!import.meta.dirname || typeof Headers.prototype.getSetCookie !== "function") {
  console.error(`bench: Node ${process.version} is too old; run it as \`npm run bench\` (Node 24 from the \`node\` devDependency)`);
  process.exit(1);
}
const root = path.resolve(import.meta.dirname, "../..");
const benchDir = import.meta.dirname;
const wranglerBin = path.join(root, "node_modules", ".bin", "wrangler");
// The project's pinned Node (the `node` devDependency) for child scripts; `npm run` puts it first on PATH anyway.
const pinnedNode = path.join(root, "node_modules", ".bin", "node");
const nodeBin = existsSync(pinnedNode) ? pinnedNode : process.execPath;
// The whole run: about 3 minutes of figures and 1.5 to 2 for the startup profiles on an idle machine; more when it is shared.
const TOTAL_BUDGET_MS = 600_000;
/** `wrangler check startup` runs per Worker; the median is reported. */
const STARTUP_RUNS = 3;
/** Issue 15, item 4. */
const GOALS = { startupRatio: 3, pageUploadGzipBytes: 400_000, throughputRatio: 0.6, finaliseMs: { 4: 50, 517: 150 }, pdfStartupMs: 400 };
// Page and hello world take turns (A B A B) so a burst of other work on the machine hits both alike.
const LOAD = { rounds: 2, warmupMs: 1_000, durationMs: 2_500, concurrency: 8 };
const HASH_RUNS = 5;
const CONCURRENT_HASHES = 4;

const startedAt = Date.now();
const tmp = mkdtempSync(path.join(os.tmpdir(), "pactly-bench-"));
const log = (msg) => process.stderr.write(`[bench +${((Date.now() - startedAt) / 1000).toFixed(1)}s] ${msg}\n`);

// ---------------------------------------------------------------------------------------
// Child processes: own process group each, killed as a group whatever happens.

/** Every child started, kept until its whole process group has been killed. */
/** @type {Set<import("node:child_process").ChildProcess>} */
const children = new Set();

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if (error.code !== "ESRCH") throw error;
  }
}

const exited = (child) => child.exitCode !== null || child.signalCode !== null;

async function stop(child) {
  if (!children.has(child)) return;
  children.delete(child);
  killGroup(child, "SIGTERM");
  if (!exited(child)) await Promise.race([new Promise((resolve) => child.once("exit", resolve)), deadline(5_000)]);
  // workerd may outlive wrangler for a moment: make sure nothing of the group is left.
  killGroup(child, "SIGKILL");
}

async function stopAll() {
  await Promise.all([...children].map(stop));
}

function killAllNow() {
  for (const child of children) killGroup(child, "SIGKILL");
  children.clear();
}

function cleanupTmp() {
  try {
    rmSync(tmp, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

process.on("exit", () => {
  killAllNow();
  cleanupTmp();
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    log(`received ${signal}, stopping children`);
    killAllNow();
    process.exit(130);
  });
}

/** Starts a command in its own process group and keeps the tail of its output for error messages. */
function start(label, command, args, { cwd = root, env = {} } = {}) {
  const child = spawn(command, args, {
    cwd,
    env: {
      ...process.env,
      // wrangler's `#!/usr/bin/env node` then finds the project's pinned Node (the `node`
      // devDependency), also when this script was started with an older system Node.
      PATH: [path.join(root, "node_modules", ".bin"), process.env.PATH].join(path.delimiter),
      WRANGLER_SEND_METRICS: "false",
      CI: "true",
      NO_COLOR: "1",
      FORCE_COLOR: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.add(child);
  child.label = label;
  child.output = "";
  const keep = (chunk) => {
    child.output = (child.output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  return child;
}

function tail(text, lines = 30) {
  return text.split("\n").slice(-lines).join("\n");
}

/** Runs a command to completion (bounded), failing with its output. */
async function run(label, command, args, { timeoutMs, cwd, env } = {}) {
  const child = start(label, command, args, { cwd, env });
  const code = await Promise.race([
    new Promise((resolve) => child.once("exit", (c, s) => resolve(c ?? s))),
    deadline(timeoutMs).then(() => "timeout"),
  ]);
  await stop(child);
  if (code !== 0) {
    throw new Error(`${label} ${code === "timeout" ? `did not finish within ${timeoutMs / 1000} s` : `failed (exit ${code})`}\n--- output ---\n${tail(child.output)}`);
  }
  return child.output;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Like sleep, but does not keep the process alive: for the losing side of a Promise.race. */
function deadline(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `wrangler dev` for one config, ready once `readyPath` answers as `isReady` says. */
async function wranglerDev(label, { configs = [], persistTo = path.join(tmp, label), readyPath, isReady, timeoutMs = 60_000 }) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = ["dev", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspectorPort), "--persist-to", persistTo];
  // Several configs run as one session; the first one serves the port.
  for (const config of configs) args.push("--config", config);
  const child = start(label, wranglerBin, args);
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < until) {
    if (exited(child)) {
      throw new Error(`${label}: wrangler dev exited (${child.exitCode ?? child.signalCode}) before it was ready\n--- output ---\n${tail(child.output)}`);
    }
    try {
      const res = await fetch(base + readyPath, { signal: AbortSignal.timeout(3_000) });
      const body = await res.text();
      if (await isReady(res, body)) return { child, port, base };
      last = `${res.status} ${body.slice(0, 200)}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await sleep(250);
  }
  throw new Error(`${label}: ${base}${readyPath} not ready within ${timeoutMs / 1000} s (last: ${last})\n--- output ---\n${tail(child.output)}`);
}

// ---------------------------------------------------------------------------------------
// A small HTTP client with its own cookie jar. The app's cookies are `Secure` and
// `__Host-`; on http://127.0.0.1 a browser-like jar would drop them, this one keeps them.

class Client {
  constructor(base) {
    this.base = base;
    /** @type {Map<string, string>} */
    this.jar = new Map();
  }

  cookieHeader() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  remember(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v = ""] = a.trim().split("=");
        return (k.toLowerCase() === "max-age" && Number(v) <= 0) || (k.toLowerCase() === "expires" && Date.parse(v) < Date.now());
      });
      if (expired || value === "") this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  /** One request, never following redirects; `expect` lists the statuses that are fine. */
  async request(method, url, { body, expect = [200], timeoutMs = 30_000, headers = {} } = {}) {
    const target = new URL(url, this.base);
    const res = await fetch(target, {
      method,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        // Same-origin form posts, as a browser would label them; no Origin header at all.
        "Sec-Fetch-Site": "same-origin",
        "Accept-Encoding": "identity",
        ...(this.jar.size ? { Cookie: this.cookieHeader() } : {}),
        ...headers,
      },
    });
    this.remember(res);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (!expect.includes(res.status)) {
      const text = bytes.toString("utf8");
      const hint = /<title>([^<]*)<\/title>/.exec(text)?.[1] ?? text.slice(0, 300);
      throw new Error(`${method} ${target.pathname}${target.search} answered ${res.status}, expected ${expect.join("/")}: ${hint.trim()}`);
    }
    return { status: res.status, headers: res.headers, bytes, text: () => bytes.toString("utf8"), location: res.headers.get("location") };
  }

  get(url, opts) {
    return this.request("GET", url, opts);
  }

  postForm(url, fields, opts) {
    const body = fields instanceof FormData ? fields : new URLSearchParams(fields);
    return this.request("POST", url, { body, expect: [303], ...opts });
  }
}

/** The value of a hidden input in a page, whatever the attribute order. */
function hiddenField(html, name) {
  for (const tag of html.match(/<input\b[^>]*>/gi) ?? []) {
    const attrs = Object.fromEntries([...tag.matchAll(/([\w-]+)\s*=\s*"([^"]*)"/g)].map((m) => [m[1].toLowerCase(), m[2]]));
    if (attrs.name === name) return attrs.value?.replaceAll("&amp;", "&") ?? "";
  }
  throw new Error(`no <input name="${name}"> in the page`);
}

function pathOf(location) {
  if (!location) throw new Error("redirect without a Location header");
  const url = new URL(location, "http://x");
  return url.pathname + url.search;
}

async function makePdf() {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let n = 1; n <= 2; n++) {
    const page = doc.addPage([595, 842]);
    page.drawText(`Bench agreement, page ${n} of 2`, { x: 60, y: 770, size: 20, font });
    for (let line = 0; line < 20; line++) {
      page.drawText(`Clause ${n}.${line + 1}: the parties agree that this line is filler for the bench.`, { x: 60, y: 720 - line * 22, size: 11, font });
    }
  }
  return doc.save();
}

// ---------------------------------------------------------------------------------------
// Measurements

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

function bytesRow(bytes) {
  return { raw: bytes.length, gzip: gz(bytes) };
}

/** Opens the sign-up confirmation link from the dev outbox and confirms: sending needs a confirmed address. */
async function confirmEmail(client, email) {
  const link = await waitFor("the confirmation email in /dev/outbox.json", 30_000, async () => {
    const res = await client.get("/dev/outbox.json");
    const { messages } = JSON.parse(res.text());
    return messages.find((m) => m.to === email && m.subject.startsWith("Confirm your email address"))?.link ?? null;
  });
  const opened = await client.get(new URL(link).pathname, { expect: [303] });
  const confirmPage = await client.get(pathOf(opened.location));
  const confirmed = await client.postForm("/email/verify", { _csrf: hiddenField(confirmPage.text(), "_csrf") });
  if (confirmed.status !== 303) throw new Error(`confirming the address answered ${confirmed.status}`);
}

/** Sign up once, make a few envelopes, send one, follow the invitation to the signing page. */
async function driveApp(app) {
  const sender = new Client(app.base);
  const stamp = Date.now().toString(36);

  const signupPage = await sender.get("/signup");
  const signup = await sender.postForm("/signup", {
    _csrf: hiddenField(signupPage.text(), "_csrf"),
    name: "Bench Sender",
    email: `bench-${stamp}@example.com`,
    password: "Amber-run! violet kettle 42",
    locale: "en",
  });
  if (pathOf(signup.location) !== "/envelopes") throw new Error(`sign-up redirected to ${signup.location}, expected /envelopes`);
  if (!sender.jar.has("__Host-pactly-session")) throw new Error("sign-up set no __Host-pactly-session cookie");
  await confirmEmail(sender, `bench-${stamp}@example.com`);

  const pdf = await makePdf();
  const envelopeIds = [];
  const titles = ["Consulting agreement 2026", "Non-disclosure agreement", "Office lease renewal"];
  for (const title of titles) {
    const form = await sender.get("/envelopes/new");
    const html = form.text();
    const data = new FormData();
    data.set("_csrf", hiddenField(html, "_csrf"));
    data.set("idempotency_key", hiddenField(html, "idempotency_key"));
    data.set("title", title);
    data.set("message", "Please read and sign. This envelope was made by the bench.");
    data.set("order", "parallel");
    data.set("file", new Blob([pdf], { type: "application/pdf" }), "agreement.pdf");
    const created = await sender.postForm("/envelopes", data);
    const id = /^\/envelopes\/(env_[A-Za-z0-9_-]+)/.exec(pathOf(created.location))?.[1];
    if (!id) throw new Error(`upload redirected to ${created.location}, expected /envelopes/env_…`);
    envelopeIds.push(id);
  }

  // Send the first envelope to one signer (the others stay drafts, with one signer each).
  const signerEmail = `signer-${stamp}@example.com`;
  for (const [i, id] of envelopeIds.entries()) {
    const page = await sender.get(`/envelopes/${id}`);
    await sender.postForm(`/envelopes/${id}/recipients`, {
      _csrf: hiddenField(page.text(), "_csrf"),
      name: i === 0 ? "Bench Signer" : `Draft Signer ${i}`,
      email: i === 0 ? signerEmail : `draft-${i}-${stamp}@example.com`,
      locale: "en",
    });
  }
  const sent = await sender.postForm(`/envelopes/${envelopeIds[0]}/send`, { _csrf: sender.jar.get("__Host-pactly-csrf"), expiryDays: "30" });
  if (!pathOf(sent.location).startsWith(`/envelopes/${envelopeIds[0]}`)) throw new Error(`send redirected to ${sent.location}`);

  const listPage = await sender.get("/envelopes");
  for (const title of titles) {
    if (!listPage.text().includes(title)) throw new Error(`the envelope list does not show "${title}"`);
  }

  // The invitation goes through the Durable Object's outbox and the queue to the dev outbox.
  const link = await waitFor("the invitation in /dev/outbox.json", 30_000, async () => {
    const res = await sender.get("/dev/outbox.json");
    const { messages } = JSON.parse(res.text());
    return messages.find((m) => m.to === signerEmail && typeof m.link === "string" && m.link.includes("/s/"))?.link;
  });
  const signer = new Client(app.base);
  const linkUrl = new URL(link);
  const hop = await signer.get(linkUrl.pathname + linkUrl.search, { expect: [303] });
  const signPath = pathOf(hop.location);
  const rid = /^\/sign\/(rcp_[A-Za-z0-9_-]+)/.exec(signPath)?.[1];
  if (!rid) throw new Error(`the signing link redirected to ${hop.location}, expected /sign/rcp_…`);
  if (!signer.jar.has(`__Host-pactly-sign-${rid}`)) throw new Error(`the signing link set no __Host-pactly-sign-${rid} cookie`);
  const signingPage = await signer.get(signPath);
  if (!signingPage.text().includes(titles[0]) || !signingPage.text().includes(`/sign/${rid}/sign`)) {
    throw new Error(`${signPath} is not the signing form for "${titles[0]}"`);
  }

  // A first visit: the HTML and its same-origin subresources, fetched as a browser would.
  const html = signingPage.text();
  const refs = [];
  for (const m of html.matchAll(/<link\b[^>]*>/gi)) {
    const href = /\bhref="([^"]+)"/.exec(m[0])?.[1];
    const rel = /\brel="([^"]+)"/.exec(m[0])?.[1] ?? "";
    if (href && /stylesheet|icon|preload|modulepreload/.test(rel)) refs.push({ kind: rel.includes("icon") ? "icon" : rel.includes("stylesheet") ? "css" : "preload", href });
  }
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/gi)) refs.push({ kind: "js", href: m[1] });
  for (const m of html.matchAll(/<img\b[^>]*\bsrc="([^"]+)"/gi)) refs.push({ kind: "img", href: m[1] });
  for (const m of html.matchAll(/<iframe\b[^>]*\bsrc="([^"]+)"/gi)) refs.push({ kind: "frame", href: m[1] });
  const inlineScripts = [...html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>/gi)].length;
  const subresources = [];
  const seen = new Set();
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i];
    const url = new URL(ref.href.replaceAll("&amp;", "&"), ref.base ?? app.base + signPath);
    if (seen.has(url.href)) continue;
    seen.add(url.href);
    if (url.origin !== app.base) {
      subresources.push({ ...ref, external: true });
      continue;
    }
    const res = await signer.get(url.pathname + url.search);
    subresources.push({ ...ref, path: url.pathname, type: res.headers.get("content-type") ?? "", ...bytesRow(res.bytes) });
    // Fonts and images a stylesheet pulls in count as part of the visit too.
    if (ref.kind === "css") {
      for (const m of res.bytes.toString("utf8").matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
        if (!m[1].startsWith("data:")) refs.push({ kind: "css-url", href: m[1], base: url.href });
      }
    }
  }

  return { sender, signer, rid, signPath, listPage: listPage.bytes, signingPage: signingPage.bytes, subresources, inlineScripts, envelopes: envelopeIds.length };
}

async function waitFor(what, timeoutMs, probe) {
  const until = Date.now() + timeoutMs;
  let lastError = null;
  while (Date.now() < until) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ""}`);
}

/**
 * Closed-loop load: `concurrency` keep-alive connections, each sending its next GET as soon
 * as the last answer is read, for a warm-up and then a fixed measured window.
 */
async function load(base, urlPath, headers, { warmupMs, durationMs, concurrency }) {
  const { hostname, port } = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const once = () =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request({ host: hostname, port, path: urlPath, method: "GET", agent, headers, timeout: 10_000 }, (res) => {
        res.on("data", () => {});
        res.on("end", () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error(`GET ${urlPath} took over 10 s`)));
      req.on("error", reject);
      req.end();
    });

  const warmEnd = performance.now() + warmupMs;
  const end = warmEnd + durationMs;
  const latencies = [];
  let errors = 0;
  let badStatus = 0;
  let measuredStart = 0;
  const worker = async () => {
    while (performance.now() < end) {
      try {
        const r = await once();
        const now = performance.now();
        if (now >= warmEnd && now <= end) {
          if (r.status !== 200) badStatus++;
          else latencies.push(r.ms);
        }
      } catch {
        errors++;
        if (errors > 50) throw new Error(`load on ${base}${urlPath}: too many failed requests`);
      }
    }
  };
  measuredStart = warmEnd;
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  if (latencies.length === 0) throw new Error(`load on ${base}${urlPath}: no successful request in the measured window`);
  return { latencies, seconds: (Math.min(performance.now(), end) - measuredStart) / 1000, errors: errors + badStatus };
}

/** Rounds of one target merged: rps over the measured windows, latency quantiles over all samples. */
function summarise(rounds) {
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  return {
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
  };
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The argon2id parameters from the app's source, read by regex (this file is plain .mjs and
 * cannot import the .ts module). The argon2 bench Worker imports the real module and reports
 * the parameters it used; main() checks both agree.
 */
function passwordParamsFromSource() {
  const file = path.join(root, "src", "domain", "password.ts");
  const source = readFileSync(file, "utf8");
  const m = /\bpasswordParams\b[^=\n]*=\s*\{([^}]*)\}/.exec(source);
  if (!m) return { error: `no "passwordParams … = { … }" in src/domain/password.ts` };
  const params = {};
  for (const [, key, value] of m[1].matchAll(/(\w+)\s*:\s*([\d_]+)/g)) params[key] = Number(value.replaceAll("_", ""));
  for (const key of ["m", "t", "p", "dkLen"]) {
    if (!Number.isInteger(params[key])) return { error: `passwordParams in src/domain/password.ts has no numeric "${key}"` };
  }
  return { params };
}

function bundleFiles(outdir) {
  return readdirSync(outdir)
    .filter((name) => !name.endsWith(".map") && !/^readme/i.test(name))
    .map((name) => {
      const bytes = readFileSync(path.join(outdir, name));
      return { name, ...bytesRow(bytes) };
    });
}

// ---------------------------------------------------------------------------------------
// Output

const kb = (n) => (n < 10_240 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);
const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
const ms = (n) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;

// ---------------------------------------------------------------------------------------

async function main() {
  const watchdog = setTimeout(() => {
    log(`the bench took longer than ${TOTAL_BUDGET_MS / 1000} s: giving up`);
    for (const child of children) log(`still running: ${child.label}\n${tail(child.output, 15)}`);
    killAllNow();
    process.exit(1);
  }, TOTAL_BUDGET_MS);
  watchdog.unref();

  if (!existsSync(wranglerBin)) throw new Error(`${wranglerBin} is missing: run npm install first`);
  const fromSource = passwordParamsFromSource();
  const state = path.join(tmp, "state");

  log(`setup: node src/cli/setup-dev.mjs --persist-to ${state}`);
  await run("setup-dev", nodeBin, [path.join(root, "src", "cli", "setup-dev.mjs"), "--persist-to", state], { timeoutMs: 180_000 });

  log("bundle: wrangler deploy --dry-run");
  const outdir = path.join(tmp, "dist");
  const deployOutput = await run("wrangler deploy --dry-run", wranglerBin, ["deploy", "--dry-run", "--outdir", outdir], { timeoutMs: 90_000 });
  const bundle = bundleFiles(outdir);
  const wranglerTotal = /Total Upload:\s*([\d.]+ KiB)\s*\/\s*gzip:\s*([\d.]+ KiB)/.exec(deployOutput);
  const pdfCodeInPages = pdfCodeIn(outdir);
  const pdfOutdir = path.join(tmp, "dist-pdf-service");
  const pdfDeployOutput = await run("wrangler deploy --dry-run (PDF service)", wranglerBin, ["deploy", "--dry-run", "-c", path.join(root, "wrangler.pdf-service.toml"), "--env=", "--outdir", pdfOutdir], { timeoutMs: 90_000 });
  const pdfWranglerTotal = /Total Upload:\s*([\d.]+ KiB)\s*\/\s*gzip:\s*([\d.]+ KiB)/.exec(pdfDeployOutput);

  // Before any server starts, so that the profiles share the machine with nothing of ours.
  log(`startup: wrangler check startup, ${STARTUP_RUNS} runs each for the page Worker, a bare Hono hello world and the PDF service`);
  const profileDir = path.join(tmp, "startup");
  const startup = Object.fromEntries(
    [
      ["page", path.join(root, "wrangler.toml")],
      ["hello", path.join(benchDir, "hello", "wrangler.toml")],
      ["pdf", path.join(root, "wrangler.pdf-service.toml")],
    ].map(([key, config]) => {
      const { runs, profile } = checkStartup({ wranglerBin, root, config, outdir: profileDir, runs: STARTUP_RUNS });
      return [key, { runs, median: median(runs), hottest: hottest(profile) }];
    }),
  );

  log("starting three wrangler dev servers (app, hello world, argon2 worker)");
  const [app, hello, hasher] = await Promise.all([
    wranglerDev("pactly", {
      // The page Worker and the PDF service, as `npm start` runs them.
      configs: [path.join(root, "wrangler.toml"), path.join(root, "wrangler.pdf-service.toml")],
      persistTo: state,
      readyPath: "/healthz",
      isReady: (res, body) => res.status === 200 && JSON.parse(body).status === "ok",
    }),
    wranglerDev("hello", { configs: [path.join(benchDir, "hello", "wrangler.toml")], readyPath: "/", isReady: (res) => res.status === 200 }),
    wranglerDev("argon2", { configs: [path.join(benchDir, "argon2", "wrangler.toml")], readyPath: "/?noop=1", isReady: (res) => res.status === 200 }),
  ]);

  log(`driving the app on ${app.base}: sign up, upload, add signers, send, open the invitation`);
  const flow = await driveApp(app);

  const signerHeaders = { Cookie: flow.signer.cookieHeader(), "Accept-Encoding": "identity" };
  const loadAvg = os.loadavg()[0];
  const pageRounds = [];
  const helloRounds = [];
  for (let round = 1; round <= LOAD.rounds; round++) {
    log(`load round ${round}/${LOAD.rounds}: signing page, then hello world, ${LOAD.warmupMs / 1000} s warm-up + ${LOAD.durationMs / 1000} s each`);
    pageRounds.push(await load(app.base, flow.signPath, signerHeaders, LOAD));
    helloRounds.push(await load(hello.base, "/", { "Accept-Encoding": "identity" }, LOAD));
  }
  const pageLoad = summarise(pageRounds);
  const helloLoad = summarise(helloRounds);
  const loadAvgAfter = os.loadavg()[0];
  await stop(app.child);
  await stop(hello.child);

  log("argon2id in workerd");
  const timeRequest = async (url) => {
    const t0 = performance.now();
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    const body = await res.json();
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    return { ms: performance.now() - t0, body };
  };
  const first = await timeRequest(`${hasher.base}/`); // cold: compiles and warms the hash code
  // The parameters the app's own module used (the bench Worker imports src/domain/password.ts).
  const params = first.body.params;
  if (!params || !Number.isInteger(params.m) || !String(first.body.hash).startsWith(`$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$`)) {
    throw new Error(`the argon2 bench worker answered unexpectedly: ${JSON.stringify(first.body)}`);
  }
  const paramsNote = fromSource.error
    ? `; note: ${fromSource.error}, used the Worker's`
    : JSON.stringify(fromSource.params) === JSON.stringify({ m: params.m, t: params.t, p: params.p, dkLen: params.dkLen })
      ? ""
      : `; note: source regex read ${JSON.stringify(fromSource.params)}, used the Worker's`;
  const workerdHash = [];
  const workerdNoop = [];
  for (let i = 0; i < HASH_RUNS; i++) {
    workerdNoop.push((await timeRequest(`${hasher.base}/?noop=1`)).ms);
    workerdHash.push((await timeRequest(`${hasher.base}/`)).ms);
  }
  await stop(hasher.child);

  log("argon2id in Node");
  const argonNode = async (mode, count) => {
    const args = [path.join(benchDir, "argon2-node.mjs"), JSON.stringify({ m: params.m, t: params.t, p: params.p, dkLen: params.dkLen }), mode, String(count)];
    const out = await run(`argon2 in Node (${mode})`, nodeBin, args, { timeoutMs: 60_000 });
    return JSON.parse(out.trim().split("\n").pop());
  };
  const nodeHash = await argonNode("sequential", HASH_RUNS);
  const nodeConcurrent = await argonNode("concurrent", CONCURRENT_HASHES);

  log("finalisation in Node (certificate + seal, beside a naive pdf-lib load-and-save)");
  const sealOut = await run("finalisation bench", nodeBin, [path.join(root, "test/node/bench-seal.mjs"), "--json"], { timeoutMs: 300_000 });
  const sealRows = JSON.parse(sealOut.slice(sealOut.indexOf("[")));
  log("warm finalisation in Node: one process, after a few documents (as a busy PDF service isolate)");
  const warmOut = await run("warm finalisation", nodeBin, [path.join(benchDir, "finalise-warm.mjs")], { timeoutMs: 120_000 });
  const warmRows = JSON.parse(warmOut.trim().split("\n").pop());

  log("upload + encrypt of a 20 MB PDF and of a 2,000-page PDF in Node, beside raw WebCrypto AES-GCM");
  const uploadBenchRows = await uploadRows();

  log("the hostile PDF corpus read by the upload check in Node (worst peak memory, slowest verdict)");
  const hostileBenchRows = await hostileRows();

  log("data export: streaming ZIP of 10 × 20 MB entries in Node");
  const zipBenchRows = await zipRows();

  // ----- the table
  const list = bytesRow(flow.listPage);
  const signing = bytesRow(flow.signingPage);
  const subs = flow.subresources;
  const same = subs.filter((s) => !s.external);
  const frames = same.filter((s) => s.kind === "frame");
  const assets = same.filter((s) => s.kind !== "frame");
  const css = same.filter((s) => s.kind === "css");
  const js = same.filter((s) => s.kind === "js");
  const textTotal = signing.gzip + css.reduce((n, s) => n + s.gzip, 0) + js.reduce((n, s) => n + s.gzip, 0);
  const bundleRaw = bundle.reduce((n, f) => n + f.raw, 0);
  const bundleGz = bundle.reduce((n, f) => n + f.gzip, 0);
  const nodeCpu = median(nodeHash.cpuMs);
  const hashMedian = median(workerdHash);
  const noopMedian = median(workerdNoop);

  const rows = [
    ["Signing page HTML", `${kb(signing.raw)} raw / ${kb(signing.gzip)} gzip`, `GET ${flow.signPath.replace(/rcp_[\w-]+/, "rcp_…")} with the signer cookie`],
    ["Envelope list HTML", `${kb(list.raw)} raw / ${kb(list.gzip)} gzip`, `GET /envelopes, ${flow.envelopes} envelopes (1 sent, ${flow.envelopes - 1} drafts)`],
    [
      "Signing page, first visit: requests",
      `${1 + assets.length} (+${frames.length} PDF)`,
      `HTML + ${assets.map((s) => s.path).join(", ") || "nothing"}; ${js.length} <script src>, ${flow.inlineScripts} inline script(s)${subs.some((s) => s.external) ? `; external: ${subs.filter((s) => s.external).map((s) => s.href).join(", ")}` : ""}`,
    ],
    ...assets.map((s) => [`  ${s.path}`, `${kb(s.raw)} raw / ${kb(s.gzip)} gzip`, s.type.split(";")[0]]),
    ...frames.map((s) => [`  ${s.path.replace(/rcp_[\w-]+/, "rcp_…")} (iframe)`, `${kb(s.raw)}`, `the document itself: ${s.type.split(";")[0]}, 2 pages`]),
    ["Signing page HTML+CSS+JS gzip", kb(textTotal), `HTML ${kb(signing.gzip)} + CSS ${kb(css.reduce((n, s) => n + s.gzip, 0))} + JS ${kb(js.reduce((n, s) => n + s.gzip, 0))}; favicon and PDF not counted`],
    ["Page Worker bundle (deploy --dry-run)", `${mb(bundleRaw)} raw / ${mb(bundleGz)} gzip`, `${bundle.map((f) => `${f.name.replace(/^[0-9a-f]{40}-/, "")} ${kb(f.gzip)}`).join(", ")}${wranglerTotal ? `; wrangler says ${wranglerTotal[1]} / gzip ${wranglerTotal[2]}` : ""}`],
    ["Signing page throughput", `${pageLoad.rps.toFixed(0)} req/s`, `p50 ${ms(pageLoad.p50)}, p99 ${ms(pageLoad.p99)}; ${pageLoad.requests} requests in ${pageLoad.seconds.toFixed(1)} s, ${pageLoad.errors} errors`],
    ["Hono hello world throughput", `${helloLoad.rps.toFixed(0)} req/s`, `p50 ${ms(helloLoad.p50)}, p99 ${ms(helloLoad.p99)}; ${helloLoad.requests} requests in ${helloLoad.seconds.toFixed(1)} s, ${helloLoad.errors} errors`],
    [
      "Signing page / hello world",
      `${(pageLoad.rps / helloLoad.rps).toFixed(2)}×`,
      `both on wrangler dev (local workerd behind wrangler's proxy), ${LOAD.concurrency} keep-alive connections, ${LOAD.rounds} alternating rounds of ${LOAD.warmupMs / 1000} s warm-up + ${LOAD.durationMs / 1000} s; ${os.cpus().length} cores shared with the load generator, load average ${loadAvg.toFixed(2)} before, ${loadAvgAfter.toFixed(2)} after`,
    ],
    ["argon2id hash, Node CPU", `${ms(nodeCpu)} median`, `m=${params.m} KiB, t=${params.t}, p=${params.p}, @noble/hashes; ${HASH_RUNS} hashes: ${nodeHash.cpuMs.map((v) => v.toFixed(0)).join("/")} ms; Node ${nodeHash.node}${paramsNote}`],
    [
      "argon2id hash, Node peak RSS added",
      `${mb(nodeHash.firstRssIncreaseKiB * 1024)} first hash`,
      `fresh process each: ${mb(nodeHash.rssIncreaseKiB * 1024)} after ${HASH_RUNS} in a row (garbage not yet collected), ${mb(nodeConcurrent.rssIncreaseKiB * 1024)} for ${CONCURRENT_HASHES} concurrent (${ms(nodeConcurrent.cpuMs[0])} CPU); a Worker isolate has 128 MB`,
    ],
    ["argon2id hash, workerd wall", `${ms(hashMedian)} median`, `production runs it in workerd: hashPassword() via wrangler dev, median of ${HASH_RUNS}; minus the no-op round trip (${ms(noopMedian)}) = ${ms(hashMedian - noopMedian)}; cold first ${ms(first.ms)}`],
  ];
  for (const r of sealRows) {
    const label = { seal: "seal only", "certificate+seal": "finalise (certificate + seal)", "pdf-lib load+save": "naive pdf-lib load + save" }[r.operation] ?? r.operation;
    rows.push([`${label}, ${r.document.split(",")[0]}`, `${r.ms} ms, +${r.peakGrowthMB} MB peak`, `${r.document}; Node, fresh process under --max-old-space-size=128, peak RSS ${r.peakRssMB} MB (mostly Node itself)`]);
  }
  rows.push(["PDF service bundle (deploy --dry-run)", pdfWranglerTotal ? `${pdfWranglerTotal[1]} / gzip ${pdfWranglerTotal[2]}` : "?", "wrangler.pdf-service.toml: pdf-lib, fontkit, pkijs and the two DejaVu fonts live here"]);
  rows.push(...uploadBenchRows);
  rows.push(...hostileBenchRows);
  rows.push(...zipBenchRows);
  printTable(rows);

  // ----- the goals, each a ratio from this run
  const startupNote = (s) => `median of ${s.runs.map((v) => v.toFixed(0)).join("/")} ms; hottest: ${s.hottest.map(([f, t]) => `${f} ${t.toFixed(0)} ms`).join(", ")}`;
  const times = (n) => `${n.toFixed(2)}×`;
  const kbDecimal = (n) => `${(n / 1000).toFixed(1)} KB`;
  const finalise = (pages) => sealRows.find((r) => r.operation === "certificate+seal" && r.document.startsWith(`${pages} pages`));
  const goalRows = [
    goalRow("Page Worker startup CPU / hello world", startup.page.median / startup.hello.median, { atMost: GOALS.startupRatio, format: times }),
    ["  page Worker startup CPU", ms(startup.page.median), `wrangler check startup on the deploy bundle; ${startupNote(startup.page)}`],
    ["  hello world startup CPU", ms(startup.hello.median), `test/bench/hello; ${startupNote(startup.hello)}`],
    goalRow("Page Worker upload, gzip", uploadGzipBytes(outdir), { atMost: GOALS.pageUploadGzipBytes, format: kbDecimal }),
    ["  PDF code in the page Worker", pdfCodeInPages.length === 0 ? "none" : `FOUND: ${pdfCodeInPages.join(", ")}`, "pdf-lib, fontkit, pkijs, asn1js, pako, fonts or src/pdf/ in the dry-run bundle's sources"],
    goalRow("Signing page / hello world throughput", pageLoad.rps / helloLoad.rps, { atLeast: GOALS.throughputRatio, format: times }),
    ...[4, 517].flatMap((pages) => {
      const warm = warmRows.find((r) => r.pages === pages);
      const first = finalise(pages);
      return [
        warm
          ? goalRow(`Warm finalisation, ${pages} pages`, warm.medianMs, { atMost: GOALS.finaliseMs[pages], format: ms })
          : [`Warm finalisation, ${pages} pages`, "not measured", "test/bench/finalise-warm.mjs gave no row"],
        [
          "",
          "",
          `certificate + seal in one Node process after ${warm?.warmup ?? "?"} documents, median of ${warm?.runsMs.join("/") ?? "?"} ms; the first document in a fresh process (one tiny warm-up) took ${first ? `${first.ms} ms` : "?"}`,
        ],
      ];
    }),
    goalRow("PDF service startup CPU", startup.pdf.median, { atMost: GOALS.pdfStartupMs, format: ms }),
    ["  PDF service startup", "", startupNote(startup.pdf)],
  ];
  printTable(goalRows);
  log(`done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

main()
  .then(async () => {
    await stopAll();
    process.exitCode = 0;
  })
  .catch(async (error) => {
    console.error(`\nbench failed: ${error.stack ?? error}`);
    for (const child of children) console.error(`\n--- last output of ${child.label} ---\n${tail(child.output, 20)}`);
    await stopAll();
    process.exitCode = 1;
  });
