import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { generateDevSealCert } from "../src/cli/dev-seal-cert.mjs";
import { networkStandIn } from "./support/network-stand-in";

const root = path.resolve(import.meta.dirname, "..");

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(root, "migrations"));
  const seal = await generateDevSealCert();
  return {
    root,
    plugins: [
      cloudflareTest({
        wrangler: { configPath: path.join(root, "wrangler.toml") },
        miniflare: {
          // No test reaches the network: DNS-over-HTTPS gets a stand-in resolver, anything else a 502.
          outboundService: networkStandIn,
          bindings: {
            TEST_MIGRATIONS: migrations,
            // Fixed development secrets: tests never read .dev.vars.
            KEK_KEYS: JSON.stringify({ k1: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" }),
            KEK_CURRENT_ID: "k1",
            SEAL_CERT_PEM: seal.certPem,
            SEAL_KEY_PEM: seal.keyPem,
            APP_URL: "http://localhost:8787",
            // wrangler.toml's top level is production; tests run as local development (requests go to https://pactly.test).
            ENVIRONMENT: "development",
          },
        },
      }),
    ],
    test: {
      include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
      setupFiles: ["test/support/apply-migrations.ts"],
      testTimeout: 30_000,
    },
  };
});
