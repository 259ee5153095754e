import type { Envelope } from "./envelope/envelope-object";

type PactlyEnv = Env;

/** Everything a Pactly Worker is given by Cloudflare. */
export type Env = {
  // Bindings
  /** D1: users, organisations, documents, the envelope projection, events copy. */
  DB: D1Database;
  /** R2: encrypted documents, one write-once object per version. */
  DOCUMENTS: R2Bucket;
  /** One Envelope Durable Object per envelope: the authority for its state and events. */
  ENVELOPE: DurableObjectNamespace<Envelope>;
  /** The notifications queue: deliveries and the finalisation job. */
  NOTIFICATIONS: Queue<unknown>;
  /** Workers Rate Limiting binding for login and sign-up (10 per minute per key). */
  AUTH_LIMITER: RateLimit;
  /** Workers Rate Limiting binding for signing-link lookups (30 per minute per address). */
  LINK_LIMITER: RateLimit;
  /** Workers Rate Limiting binding for the JSON API (100 per minute per API key and per address). */
  API_LIMITER: RateLimit;
  /** Static assets (CSS, htmx, favicon). */
  ASSETS: Fetcher;

  // Variables
  /** development | staging | production. The dev outbox exists only in development. */
  ENVIRONMENT: string;
  /** Days a completed document stays downloadable. */
  RETENTION_DAYS: string;
  /** Public base URL used in links sent by email, e.g. https://sign.example.com. */
  APP_URL?: string;

  // Secrets
  /** JSON object of key-encryption keys: { "<key id>": "<base64 32 bytes>" }. */
  KEK_KEYS: string;
  /** The key id in KEK_KEYS that wraps new data keys. */
  KEK_CURRENT_ID: string;
  /** PEM certificate chain of Pactly's seal (signer first). Development generates a self-signed one. */
  SEAL_CERT_PEM: string;
  /** PEM PKCS#8 private key of the seal. In production a remote signer (KMS/HSM) can replace it. */
  SEAL_KEY_PEM: string;
  /** Optional RFC 3161 timestamp authority URL; when set, seals carry a signature timestamp (PAdES-B-T). */
  TSA_URL?: string;
};

declare global {
  namespace Cloudflare {
    // `cloudflare:workers` and `cloudflare:test` see the same bindings; tests add their migrations.
    interface Env extends PactlyEnv {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    }
  }
}
