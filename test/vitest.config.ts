import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { generateDevSealCert } from "../src/cli/dev-seal-cert.mjs";
import { networkStandIn } from "./support/network-stand-in";
import { pdfServiceWorker, TEST_PROJECT } from "./vitest.pdf-service";

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
  return {
    root,
    plugins: [
      cloudflareTest({
        wrangler: { configPath: path.join(root, "wrangler.toml") },
        miniflare: {
          // No test reaches the network: DNS-over-HTTPS gets a stand-in resolver, anything else a 502.
          outboundService: networkStandIn,
          bindings: { TEST_MIGRATIONS: migrations, ...secrets },
          // The PDF service runs beside the page Worker, as in production: uploads, agreements,
          // verification and the finalisation queue go through it.
          workers: [pdfServiceWorker(root, { bindings: secrets, outboundService: networkStandIn })],
        },
      }),
    ],
    test: {
      // Names the Worker under test (vitest-plugin-runner-pactly), which the PDF service's Envelope binding targets.
      name: TEST_PROJECT,
      include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
      setupFiles: ["test/support/apply-migrations.ts"],
      testTimeout: 30_000,
    },
  };
});
