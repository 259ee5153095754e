import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { generateDevSealCert } from "../src/cli/dev-seal-cert.mjs";

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
          bindings: {
            TEST_MIGRATIONS: migrations,
            // Fixed development secrets: tests never read .dev.vars.
            KEK_KEYS: JSON.stringify({ k1: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" }),
            KEK_CURRENT_ID: "k1",
            SEAL_CERT_PEM: seal.certPem,
            SEAL_KEY_PEM: seal.keyPem,
            APP_URL: "http://localhost:8787",
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
