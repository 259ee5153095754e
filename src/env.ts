import type { Envelope } from "./envelope/envelope-object";
import type { AttemptCounter } from "./envelope/attempt-counter";
import type { PdfServiceV1 } from "./pdf-service/index";

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
  /** One AttemptCounter Durable Object per user: the exact count of wrong one-time codes behind the 2FA lock. */
  ATTEMPT_COUNTER: DurableObjectNamespace<AttemptCounter>;
  /** The notifications queue: emails, SMS and webhook deliveries. */
  NOTIFICATIONS: Queue<unknown>;
  /** The finalisation queue (certificate, seal, store), consumed by the PDF service. */
  FINALISATION: Queue<unknown>;
  /** The PDF service (src/pdf-service): every piece of PDF work, over RPC. Its contract: src/pdf-service/contract.ts. */
  PDF: Service<typeof PdfServiceV1>;
  /** Workers Rate Limiting binding for login and sign-up (10 per minute per key). */
  AUTH_LIMITER: RateLimit;
  /** Workers Rate Limiting binding for signing-link lookups (30 per minute per address). */
  LINK_LIMITER: RateLimit;
  /** Workers Rate Limiting binding for the JSON API (100 per minute per API key and per address). */
  API_LIMITER: RateLimit;
  /** Static assets (CSS, htmx, favicon). */
  ASSETS: Fetcher;

  // Variables
  /** development | staging | production. Development features need a local APP_URL and request host too (domain/deployment.ts). */
  ENVIRONMENT: string;
  /** Days a completed document stays downloadable. */
  RETENTION_DAYS: string;
  /** Days after an unsigned envelope ends (declined, cancelled, expired) before it is deleted. */
  RETENTION_ENDED_DAYS?: string;
  /** Envelopes the daily sweep deletes per run (default 50). */
  RETENTION_BATCH_SIZE?: string;
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
  /** Resend API key; with EMAIL_FROM, emails go through Resend. Unset: dev outbox in development, an error elsewhere. */
  EMAIL_PROVIDER_API_KEY?: string;
  /** Sender address for emails, e.g. "Pactly <sign@example.com>" on a domain verified with the provider. */
  EMAIL_FROM?: string;
  /** Twilio account SID and auth token; with SMS_FROM, SMS codes go through Twilio. */
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  /** The Twilio phone number (E.164) or alphanumeric sender id SMS come from. */
  SMS_FROM?: string;
  /** Optional Nordic eID through an OIDC broker: the broker's issuer URL (https), e.g. https://example.criipto.id. eID is off unless the four EID_ secrets are set. */
  EID_ISSUER?: string;
  /** The client id Pactly is registered with at the eID broker. */
  EID_CLIENT_ID?: string;
  /** The client secret for the eID broker's token endpoint (client_secret_basic, or client_secret_post if that is all the broker offers). */
  EID_CLIENT_SECRET?: string;
  /** HMAC key (at least 32 characters) for the keyed hash of national identity numbers; the numbers themselves are never stored. */
  EID_NATIONAL_ID_KEY?: string;
  /** Comma-separated eID schemes offered to signers: no_bankid, se_bankid, dk_mitid, fi_ftn. Default: no_bankid. */
  EID_SCHEMES?: string;
};

/**
 * What the PDF service (src/pdf-service, wrangler.pdf-service.toml) is given: storage and the
 * Envelope object for finalisation (the object lives in the page Worker), the keys that
 * read and write documents, and the seal. No queue producers, rate limiters or providers.
 */
export type PdfServiceEnv = Pick<
  Env,
  "DB" | "DOCUMENTS" | "ENVELOPE" | "ENVIRONMENT" | "APP_URL" | "KEK_KEYS" | "KEK_CURRENT_ID" | "SEAL_CERT_PEM" | "SEAL_KEY_PEM" | "TSA_URL"
>;

declare global {
  namespace Cloudflare {
    // `cloudflare:workers` and `cloudflare:test` see the same bindings; tests add their migrations.
    interface Env extends PactlyEnv {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    }
  }
}
