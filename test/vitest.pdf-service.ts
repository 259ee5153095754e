/**
 * The PDF service as the test pool's auxiliary Worker. The pool cannot read a second
 * wrangler config, so the service is bundled by wrangler itself (a dry run of
 * wrangler.pdf-service.toml, the same bundle a deploy uploads) and given the bindings that
 * config declares, pointed at the test runner's storage, queues and Envelope objects.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";

/** The test project's name; the pool names the Worker under test after it (see below). */
export const TEST_PROJECT = "pactly";
/** The Worker under test is renamed `vitest-plugin-runner-<project>`; its Durable Objects live there. */
const RUNNER = `vitest-plugin-runner-${TEST_PROJECT}`;

export function pdfServiceWorker(root: string, options: { bindings: Record<string, unknown>; outboundService: (request: Request) => Response }) {
  const outdir = path.join(root, ".wrangler", "test-pdf-service");
  rmSync(outdir, { recursive: true, force: true });
  execFileSync(path.join(root, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "-c", "wrangler.pdf-service.toml", "--env=", "--outdir", outdir], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
  });
  return {
    // As wrangler.pdf-service.toml; the page Worker's `PDF` binding names this Worker.
    name: "pactly-pdf",
    // The bundle first (the main module), then the fonts wrangler wrote beside it as Data modules.
    modules: [
      { type: "ESModule" as const, path: path.join(outdir, "index.js") },
      ...readdirSync(outdir).filter((f) => f.endsWith(".ttf")).map((f) => ({ type: "Data" as const, path: path.join(outdir, f) })),
    ],
    modulesRoot: outdir,
    compatibilityDate: "2026-11-01",
    compatibilityFlags: ["nodejs_compat"],
    outboundService: options.outboundService,
    bindings: options.bindings,
    d1Databases: { DB: "00000000-0000-0000-0000-000000000000" },
    r2Buckets: { DOCUMENTS: "pactly-documents-dev" },
    durableObjects: { ENVELOPE: { className: "Envelope", scriptName: RUNNER } },
    queueConsumers: {
      "pactly-finalisation-dev": { maxBatchSize: 1, maxBatchTimeout: 1, maxRetries: 5, deadLetterQueue: "pactly-finalisation-dlq-dev" },
      "pactly-finalisation-dlq-dev": { maxBatchSize: 10, maxBatchTimeout: 1 },
    },
  };
}
