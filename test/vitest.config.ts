import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { generateDevSealCert } from "../src/cli/dev-seal-cert.mjs";
import { networkStandIn } from "./support/network-stand-in";
import { buildPdfService, pdfServiceWorker } from "./vitest.pdf-service";

const root = path.resolve(import.meta.dirname, "..");

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(root, "migrations"));
  const seal = await generateDevSealCert();
  // Fixed development secrets: tests never read .dev.vars.
  const secrets = {
    KEK_KEYS: JSON.stringify({ k1: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" }),
    KEK_CURRENT_ID: "k1",
    SEAL_CERT_PEM: seal.certPem,
    SEAL_KEY_PEM: seal.keyPem,
    APP_URL: "http://localhost:8787",
    // wrangler.toml's top level is production; tests run as local development (requests go to https://pactly.test).
    ENVIRONMENT: "development",
  };
  const pdfService = buildPdfService(root);

  /** The pool for one project; the pool names its Worker under test after the project, and the PDF service's Envelope binding targets that Worker. */
  const pool = (project: string) =>
    cloudflareTest({
      wrangler: { configPath: path.join(root, "wrangler.toml") },
      miniflare: {
        // No test reaches the network: DNS-over-HTTPS gets a stand-in resolver, anything else a 502.
        outboundService: networkStandIn,
        bindings: { TEST_MIGRATIONS: migrations, ...secrets },
        // Speed (issue 15): the notifications queue hands each message to its consumer at once instead of
        // gathering a batch for a second; tests then wait for the outcome (support/eventually.ts), not a timer.
        // The rest repeats wrangler.toml's development consumers, which this record replaces.
        queueConsumers: {
          "pactly-notifications-dev": { maxBatchSize: 10, maxBatchTimeout: 0, maxRetries: 5, deadLetterQueue: "pactly-notifications-dlq-dev" },
          "pactly-notifications-dlq-dev": { maxBatchSize: 10, maxBatchTimeout: 0 },
        },
        // The PDF service runs beside the page Worker, as in production: uploads, agreements,
        // verification and the finalisation queue go through it.
        workers: [pdfServiceWorker(pdfService, { project, bindings: secrets, outboundService: networkStandIn })],
      },
    });

  const shared = { setupFiles: ["test/support/apply-migrations.ts"], testTimeout: 30_000 };
  return {
    root,
    test: {
      // Speed (issue 15): a workerd takes seconds to start. Unit tests touch no shared state, so their files
      // share one per Vitest worker (isolate: false); each integration file still gets a fresh one, with
      // empty storage.
      projects: [
        { plugins: [pool("unit")], test: { ...shared, name: "unit", include: ["test/unit/**/*.test.ts"], isolate: false } },
        { plugins: [pool("integration")], test: { ...shared, name: "integration", include: ["test/integration/**/*.test.ts"] } },
      ],
      // Speed (issue 15): Vitest's default on a 2-core machine is one worker (cores - 1), so the files ran
      // one after the other. Each file has a workerd of its own; two keep both cores busy.
      maxWorkers: 2,
    },
  };
});
