#!/usr/bin/env node
// Rotates the key-encryption key (KEK) that wraps every document's data key.
//
//   npm run kek:rotate
//     Local development: adds a fresh 256-bit KEK to KEK_KEYS in .dev.vars, makes it
//     KEK_CURRENT_ID (old keys stay, so existing documents still open), then rewraps
//     the local documents' data keys with the same code the Worker's cron runs
//     (src/services/key-rotation.ts), against Miniflare's local D1 (the state `npm start`
//     uses), until none is left. Stop `npm start` first: a running server has the old
//     keys loaded and the local database open. Blobs in R2 are never read or written.
//     Options: --persist-to DIR (as setup-dev), --dev-vars FILE.
//
//   npm run kek:rotate -- --env production --keys-file current-kek-keys.json
//     Deployed: Cloudflare never shows a secret again, so give the current KEK_KEYS JSON
//     in a file. Writes both new secrets to a file for one `wrangler secret bulk` (one new
//     version, so KEK_CURRENT_ID never names a key the Worker lacks) and prints the steps.
//     The daily cron then rewraps up to 5,000 data keys a day and logs how many remain.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.resolve(import.meta.dirname, "../..");
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const fail = (message) => {
  console.error(`kek:rotate: ${message}`);
  process.exit(1);
};

const newKeyId = () => `k${new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-")}`;
const newKey = () => randomBytes(32).toString("base64");

/** The current KEK_KEYS object, checked the way the Worker will check it. */
function parseKeys(json, where) {
  let keys;
  try {
    keys = JSON.parse(json);
  } catch {
    fail(`${where} is not valid JSON`);
  }
  if (!keys || typeof keys !== "object" || Array.isArray(keys)) fail(`${where} must be a JSON object of key id → base64 key`);
  for (const [id, b64] of Object.entries(keys)) {
    if (typeof b64 !== "string" || Buffer.from(b64, "base64").length !== 32) fail(`${where}: key ${id} is not 32 bytes of base64`);
  }
  return keys;
}

const environment = option("--env");
if (environment && environment !== "development") await deployed(environment);
else await local();

async function deployed(env) {
  const keysFile = option("--keys-file");
  if (!keysFile) {
    fail(
      `Cloudflare never shows a secret's value again. Put the current KEK_KEYS JSON of ${env} (from your secret store) in a file and run:\n` +
        `  npm run kek:rotate -- --env ${env} --keys-file current-kek-keys.json`,
    );
  }
  const keys = parseKeys(readFileSync(keysFile, "utf8"), keysFile);
  const id = newKeyId();
  if (keys[id]) fail(`key id ${id} already exists; run again in a second`);
  const merged = { ...keys, [id]: newKey() };
  const out = path.resolve(`kek-rotation-${env}-${id}.json`);
  writeFileSync(out, `${JSON.stringify({ KEK_KEYS: JSON.stringify(merged), KEK_CURRENT_ID: id })}\n`, { mode: 0o600 });
  console.log(`New key-encryption key ${id} for ${env}, beside ${Object.keys(keys).join(", ")}.

1. Save the new KEK_KEYS value (in ${path.basename(out)}) in your secret store: it is the only copy of the new key.
2. Set both secrets in one new version of the Worker:
     npx wrangler secret bulk ${path.basename(out)} --env ${env}
3. Delete the file:
     rm ${path.basename(out)}
4. New documents are now wrapped by ${id}. The daily cron rewraps up to 5,000 older data keys per run
   (blobs in R2 are not touched) and logs one line per run:
     {"msg":"kek rotation","currentKekId":"${id}","rewrapped":…,"remaining":…,"failed":…}
   Follow it with: npx wrangler tail --env ${env} --search "kek rotation"
5. Only when a run logs "remaining":0 may an old key leave KEK_KEYS (a document whose key id is missing
   can no longer be opened). Then put the JSON without it: npx wrangler secret put KEK_KEYS --env ${env}
   "failed" counts keys that could not be unwrapped; the log line "kek rewrap failed" names each document.`);
}

async function local() {
  const devVars = path.resolve(option("--dev-vars") ?? path.join(root, ".dev.vars"));
  const persistTo = option("--persist-to");
  if (!existsSync(devVars)) fail(`${devVars} does not exist: run npm run setup first`);
  if (!persistTo && (await listening(8787))) {
    fail("stop the local server (npm start) first: it has the old keys loaded and the local database open. Start it again afterwards.");
  }

  const text = readFileSync(devVars, "utf8");
  const keysLine = /^KEK_KEYS=(.*)$/m.exec(text);
  if (!keysLine) fail(`${devVars} has no KEK_KEYS: run npm run setup first`);
  const raw = keysLine[1].trim().replace(/^'(.*)'$/, "$1").replace(/^"(.*)"$/, "$1");
  const keys = parseKeys(raw, `KEK_KEYS in ${devVars}`);
  const id = newKeyId();
  if (keys[id]) fail(`key id ${id} already exists; run again in a second`);
  const merged = { ...keys, [id]: newKey() };
  const next = text
    .replace(/^KEK_KEYS=.*$/m, () => `KEK_KEYS='${JSON.stringify(merged)}'`)
    .replace(/^KEK_CURRENT_ID=.*$/m, () => `KEK_CURRENT_ID=${id}`);
  const withCurrent = /^KEK_CURRENT_ID=/m.test(next) ? next : `${next.replace(/\n?$/, "\n")}KEK_CURRENT_ID=${id}\n`;
  // Written beside and renamed, so an interrupted run never leaves half a file.
  writeFileSync(`${devVars}.tmp`, withCurrent, { mode: 0o600 });
  renameSync(`${devVars}.tmp`, devVars);
  console.log(`New key-encryption key ${id} is current in ${path.relative(process.cwd(), devVars) || devVars}; kept ${Object.keys(keys).join(", ")}.`);

  const counts = await rewrapLocally({ KEK_KEYS: JSON.stringify(merged), KEK_CURRENT_ID: id }, persistTo);
  console.log(`Rewrapped ${counts.rewrapped} data key(s); ${counts.remaining} remaining, ${counts.failed} failed.`);
  if (counts.remaining > 0) {
    console.log("Some keys could not be rewrapped (their KEK is missing from KEK_KEYS?): keep every old key until remaining is 0.");
    process.exitCode = 1;
  } else {
    console.log("No data key needs an old KEK any more; old keys may now be removed from KEK_KEYS.");
  }
  console.log("Start the server again (npm start) so it loads the new key.");
}

/** The cron's rewrap, bundled for Node, against the local D1 that wrangler dev persists. */
async function rewrapLocally(keys, persistTo) {
  const { build } = await import("esbuild");
  const { getPlatformProxy } = await import("wrangler");
  const outdir = mkdtempSync(path.join(tmpdir(), "pactly-kek-"));
  let proxy;
  try {
    const outfile = path.join(outdir, "rotation.mjs");
    await build({
      stdin: {
        contents: 'export { rewrapDataKeys } from "./src/services/key-rotation"; export { database } from "./src/storage/db";',
        resolveDir: root,
        loader: "ts",
      },
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "error",
    });
    const rotation = await import(pathToFileURL(outfile).href);
    proxy = await getPlatformProxy({
      configPath: path.join(root, "wrangler.toml"),
      persist: { path: path.join(persistTo ? path.resolve(persistTo) : path.join(root, ".wrangler", "state"), "v3") },
    });
    const db = rotation.database(proxy.env.DB);
    const total = { rewrapped: 0, remaining: 0, failed: 0 };
    for (;;) {
      const run = await rotation.rewrapDataKeys(keys, db, { limit: 1_000 });
      total.rewrapped += run.rewrapped;
      total.failed = run.failed; // a key that fails is read again by each run: count it once
      total.remaining = run.remaining;
      if (run.remaining === 0 || run.rewrapped === 0) return total;
    }
  } finally {
    await proxy?.dispose();
    rmSync(outdir, { recursive: true, force: true });
  }
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
