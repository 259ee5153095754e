#!/usr/bin/env node
// Retries the finalisation (certificate, seal, storage) of an envelope whose finalisation
// failed for good (`finalisation_failed`), once its cause is fixed. The operator's log line
// names the envelope:
//   {"msg":"envelope finalisation failed","envelopeId":"env_…","orgId":"org_…","reason":"…",…}
//
//   npm run finalisation:retry -- env_…
//     Local development: records the request in the local D1 that `npm start` uses
//     (`wrangler d1 execute DB --local`), then, if the server runs with scheduled events
//     exposed (`npm start -- --test-scheduled`), runs the cron now through /__scheduled.
//     Otherwise the request waits for the next cron run. Options: --persist-to DIR (as setup-dev).
//
//   npm run finalisation:retry -- env_… --env production
//     Deployed: records the request in the remote D1 (`wrangler d1 execute DB --remote`).
//     The next daily cron run (17 3 * * *, 03:17 UTC) hands it to the Envelope object, which
//     queues the finalisation job again; follow it with
//       npx wrangler tail --env production --search "finalisation"
//     A request for an envelope whose finalisation has not failed changes nothing.
//
// The cron does the rest (src/services/retry-finalisation.ts): the Envelope object decides,
// records `envelope_finalisation_retried`, queues the job; success completes the envelope once
// and everyone gets the signed copy. The cron also retries by itself, after 1, 2, 4 and 8 days.
import { execFileSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const fail = (message) => {
  console.error(`finalisation:retry: ${message}`);
  process.exit(1);
};

const envelopeId = args.find((a) => a.startsWith("env_"));
// Checked strictly: the id goes into SQL text (wrangler d1 execute has no bound parameters).
if (!envelopeId || !/^env_[A-Za-z0-9_-]{10,40}$/.test(envelopeId)) fail("give the envelope id (env_…) from the log line, e.g. npm run finalisation:retry -- env_abc123DEF456ghi789");
const environment = option("--env");
const remote = Boolean(environment && environment !== "development");
const persistTo = option("--persist-to");
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");

function d1(sql) {
  const where = remote ? ["--remote", "--env", environment] : ["--local", ...(persistTo ? ["--persist-to", persistTo] : [])];
  const out = execFileSync(wrangler, ["d1", "execute", "DB", ...where, "--json", "--command", sql], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(out)[0]?.results ?? [];
}

const found = d1(`SELECT finalisation, finalisation_failure_reason AS reason FROM envelopes WHERE id = '${envelopeId}'`)[0];
if (!found) fail(`no envelope ${envelopeId} in ${remote ? environment : "the local database"}`);
if (found.finalisation !== "failed") {
  console.log(`${envelopeId}: its finalisation is "${found.finalisation}", not failed; nothing to retry.`);
  process.exit(0);
}
const now = new Date().toISOString();
// The same request as src/storage/finalisation-retries.ts (requestFinalisationRetry) records.
d1(
  `INSERT INTO finalisation_retry_requests (envelope_id, org_id, requested_at) SELECT id, org_id, '${now}' FROM envelopes WHERE id = '${envelopeId}' ` +
    `ON CONFLICT (envelope_id) DO UPDATE SET requested_at = excluded.requested_at`,
);
console.log(`Retry of ${envelopeId}'s finalisation requested (it failed: ${found.reason ?? "unknown"}).`);

if (remote) {
  console.log(`The next cron run of ${environment} (daily at 03:17 UTC) queues the job again. Follow it with:
  npx wrangler tail --env ${environment} --search "finalisation"
A line {"msg":"envelope finalisation retried",…,"by":"operator"} says it was queued; the envelope's page shows it completed once the job succeeds.`);
} else {
  const res = await fetch("http://127.0.0.1:8787/__scheduled?cron=17+3+*+*+*").catch(() => null);
  if (res?.ok && (await res.text()).includes("Ran scheduled event")) {
    console.log("Ran the local cron: the job is queued again. Watch the server's log for \"envelope finalisation retried\".");
  } else {
    console.log("The local server is not running with scheduled events exposed. Start it with `npm start -- --test-scheduled` and run this again, or wait for the cron.");
  }
}
