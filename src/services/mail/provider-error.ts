/**
 * How a provider's answer is classified: some failures will never succeed (an invalid
 * address), others are worth retrying (rate limits, outages). Shared by email and SMS.
 */

export type Fetcher = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** A provider refused or failed a message. The message never contains secrets or the request body. */
export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    /** The HTTP status, or null when the request never got an answer. */
    readonly status: number | null,
    /** True when retrying the same message can never succeed (e.g. an invalid address). */
    readonly permanent: boolean,
    /** The provider's short error name or code, safe to log (never its free-text message, which may echo the address). */
    readonly code: string | null = null,
  ) {
    super(`${provider} answered ${status ?? "nothing"}${code ? ` (${code})` : ""}: ${permanent ? "will not retry" : "will retry"}`);
    this.name = "ProviderError";
  }
}

/** A deployment that cannot send at all: a missing or incomplete provider configuration. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigurationError";
  }
}

/**
 * Retry timeouts, conflicts on an idempotency key still in flight, rate limits, outages, and
 * refused credentials (an operator can fix those before the retries run out); every other
 * 4xx says this message will never be accepted.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 401 || status === 403 || status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/** Reads a short error name from a provider's JSON body, if there is one; never throws. */
export async function errorCode(response: Response, field: string): Promise<string | null> {
  try {
    const body: unknown = await response.json();
    if (body && typeof body === "object" && field in body) {
      const value = (body as Record<string, unknown>)[field];
      if (typeof value === "string" || typeof value === "number") return String(value).slice(0, 60);
    }
  } catch {
    // Not JSON: the status alone classifies it.
  }
  return null;
}
