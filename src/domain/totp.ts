/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA1, a 30 s
 * step, 6 digits, the secret as 160 random bits in base32 — what every
 * authenticator app (Google Authenticator, Microsoft Authenticator, 1Password,
 * Aegis, FreeOTP) accepts from an otpauth:// URI without extra parameters.
 * Pure: no bindings, no clock of its own (callers pass the time).
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha1 } from "@noble/hashes/legacy.js";

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of now: a phone clock 30 s off, or a code typed as it rolled over. */
export const TOTP_WINDOW = 1;
export const TOTP_SECRET_BYTES = 20;

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32 (case, spaces and padding ignored); null for any other character. */
export function base32Decode(text: string): Uint8Array | null {
  const clean = text.replace(/[\s=-]/g, "").toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = BASE32.indexOf(ch);
    if (index < 0) return null;
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** A fresh 160-bit secret, in base32 (32 characters). */
export function newTotpSecret(): string {
  return base32Encode(crypto.getRandomValues(new Uint8Array(TOTP_SECRET_BYTES)));
}

/** The time step (counter) that contains this instant. */
export function timeStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_STEP_SECONDS);
}

/** RFC 4226 HOTP with dynamic truncation; `digits` up to 10 (the RFC 6238 vectors use 8). */
export function hotp(key: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const message = new Uint8Array(8);
  const view = new DataView(message.buffer);
  view.setUint32(0, Math.floor(counter / 2 ** 32));
  view.setUint32(4, counter >>> 0);
  const mac = hmac(sha1, key, message);
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

export function totp(key: Uint8Array, nowMs: number, digits = TOTP_DIGITS): string {
  return hotp(key, timeStep(nowMs), digits);
}

/** What a submitted code is, before any secret is touched: six digits, spaces allowed. */
export function normaliseTotpCode(input: string): string | null {
  const digits = input.replace(/\s/g, "");
  return /^\d{6}$/.test(digits) ? digits : null;
}

/**
 * The time step a code matches within ±TOTP_WINDOW of now, or null. The caller
 * refuses a step at or before the last one used, so a code works once.
 * Every candidate is compared, in constant time, so timing does not tell which step matched.
 */
export function matchTotp(key: Uint8Array, code: string, nowMs: number): number | null {
  const current = timeStep(nowMs);
  let matched: number | null = null;
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
    if (constantTimeEqual(hotp(key, step), code) && matched === null) matched = step;
  }
  return matched;
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The otpauth:// URI an authenticator app reads from the QR code (Key Uri Format). */
export function otpauthUri({ secret, account, issuer }: { secret: string; account: string; issuer: string }): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const params = new URLSearchParams({ secret, issuer, algorithm: "SHA1", digits: String(TOTP_DIGITS), period: String(TOTP_STEP_SECONDS) });
  return `otpauth://totp/${label}?${params.toString()}`;
}

/** The secret in groups of four, easier to type into an app by hand. */
export function groupSecret(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(" ") ?? secret;
}

// ---------------------------------------------------------------------------
// recovery codes

export const RECOVERY_CODE_COUNT = 10;

/**
 * A recovery code: 16 base32 characters (80 bits), shown as four groups of four.
 * 80 bits makes an unsalted-hash lookup useless to whoever steals the table; the
 * account lock stops guessing online.
 */
export function newRecoveryCode(): string {
  const raw = base32Encode(crypto.getRandomValues(new Uint8Array(10))).toLowerCase();
  return raw.match(/.{4}/g)!.join("-");
}

/** A typed recovery code in canonical form (lower case, no spaces or hyphens), or null when it cannot be one. */
export function normaliseRecoveryCode(input: string): string | null {
  const clean = input.replace(/[\s-]/g, "").toLowerCase();
  return /^[a-z2-7]{16}$/.test(clean) ? clean : null;
}

// ---------------------------------------------------------------------------
// wrong-code lock (applied by the AttemptCounter Durable Object, one per account)

/** Wrong codes (TOTP or recovery) allowed before the account's code entry locks. */
export const CODE_ATTEMPTS = 5;
/** How long the lock lasts, and how long a wrong code is remembered. */
export const CODE_LOCK_MS = 15 * 60_000;

export type AttemptState = { failures: number; windowStart: number; lockedUntil: number | null };
export const NO_ATTEMPTS: AttemptState = { failures: 0, windowStart: 0, lockedUntil: null };

export type AttemptDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/**
 * Asks to evaluate one code. Each attempt counts as wrong until it proves right
 * (succeeded() clears the count), so however many arrive at once, exactly
 * CODE_ATTEMPTS are evaluated before the lock; the one that uses the last attempt
 * sets the lock, which a correct code lifts again.
 */
export function beginAttempt(state: AttemptState, now: number): { state: AttemptState; decision: AttemptDecision } {
  if (state.lockedUntil !== null && now < state.lockedUntil) {
    return { state, decision: { allowed: false, retryAfterSeconds: Math.ceil((state.lockedUntil - now) / 1000) } };
  }
  const fresh = state.lockedUntil !== null || now - state.windowStart > CODE_LOCK_MS ? { failures: 0, windowStart: now, lockedUntil: null } : state;
  const failures = fresh.failures + 1;
  const lockedUntil = failures >= CODE_ATTEMPTS ? now + CODE_LOCK_MS : null;
  return { state: { failures, windowStart: fresh.windowStart, lockedUntil }, decision: { allowed: true, remaining: CODE_ATTEMPTS - failures } };
}
