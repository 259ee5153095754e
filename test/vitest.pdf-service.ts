/**
 * The PDF service as the test pool's auxiliary Worker. The pool cannot read a second
 * wrangler config, so the service is bundled by wrangler itself (a dry run of
 * wrangler.pdf-service.toml, the same bundle a deploy uploads) and given the bindings that
 * config declares, pointed at the test runner's storage, queues and Envelope objects.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";

/** The bundle wrangler writes for wrangler.pdf-service.toml (a dry run, as a deploy uploads), built once per test run. */
export function buildPdfService(root: string): string {
  const outdir = path.join(root, ".wrangler", "test-pdf-service");
  rmSync(outdir, { recursive: true, force: true });
  execFileSync(path.join(root, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "-c", "wrangler.pdf-service.toml", "--env=", "--outdir", outdir], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
  });
  return outdir;
}

/**
 * The auxiliary Worker for one test project. The pool renames the Worker under test
 * `vitest-plugin-runner-<project>`; its Durable Objects live there.
 */
export function pdfServiceWorker(outdir: string, options: { project: string; bindings: Record<string, unknown>; outboundService: (request: Request) => Response }) {
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
    durableObjects: { ENVELOPE: { className: "Envelope", scriptName: `vitest-plugin-runner-${options.project}` } },
    queueConsumers: {
      "pactly-finalisation-dev": { maxBatchSize: 1, maxBatchTimeout: 1, maxRetries: 5, deadLetterQueue: "pactly-finalisation-dlq-dev" },
      "pactly-finalisation-dlq-dev": { maxBatchSize: 10, maxBatchTimeout: 1 },
    },
  };
}
