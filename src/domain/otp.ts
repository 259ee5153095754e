/**
 * One-time identification codes by email or SMS. Pure: the Durable Object supplies the
 * clock (`at`) and the randomness (the code and its salt), and keeps the ledger in its own
 * storage, never in the envelope state, because a salted hash of six digits can be
 * brute-forced by anyone who holds it: the ledger never leaves the object.
 */
import { sha256TextHex, timingSafeEqual } from "./encoding";
import type { ClientInfo } from "./client-info";
import { event, identify, maskEmail, maskPhone, open, requireActiveSigner, type EnvelopeState, type Transition } from "./envelope";
import { DomainError } from "./errors";

export const CODE_DIGITS = 6;
export const CODE_TTL_MINUTES = 10;
/** Wrong tries before a code is locked; the signer must then ask for a new one. */
export const MAX_CODE_ATTEMPTS = 5;
export const CODE_COOLDOWN_SECONDS = 60;
/** Codes one signer may ask for in all. */
export const MAX_CODES_PER_SIGNER = 10;
/** SMS messages one envelope may cause: each costs money. */
export const MAX_SMS_PER_ENVELOPE = 25;

export type CodeChannel = "email" | "sms";

export type IssuedCode = {
  /** SHA-256 over envelope id, recipient id, the code and the salt: binds it to this signer and envelope. */
  hash: string;
  salt: string;
  channel: CodeChannel;
  issuedAt: string;
  expiresAt: string;
  /** Wrong tries so far. */
  attempts: number;
  status: "live" | "used" | "locked";
};

export type SignerCodes = { issued: number; current: IssuedCode | null };

/** Everything the code methods remember for one envelope. */
export type CodeLedger = { smsSent: number; signers: Record<string, SignerCodes> };

export const emptyLedger = (): CodeLedger => ({ smsSent: 0, signers: {} });

/** Largest multiple of 10^6 below 2^32: values at or above it are drawn again, so every code is equally likely. */
const UNBIASED_LIMIT = Math.floor(2 ** 32 / 10 ** CODE_DIGITS) * 10 ** CODE_DIGITS;

/**
 * Six uniform digits from a source of random 32-bit values (crypto.getRandomValues in
 * production). Rejection sampling avoids the modulo bias a plain `% 10^6` would have.
 */
export function codeFromRandom(nextUint32: () => number): string {
  for (;;) {
    const value = nextUint32() >>> 0;
    if (value < UNBIASED_LIMIT) return String(value % 10 ** CODE_DIGITS).padStart(CODE_DIGITS, "0");
  }
}

export function hashCode(envelopeId: string, recipientId: string, code: string, salt: string): string {
  return sha256TextHex(`pactly-code\n${envelopeId}\n${recipientId}\n${code}\n${salt}`);
}

function refuse(reason: string, message: string, extra: Record<string, unknown> = {}): never {
  throw new DomainError("invalid_transition", message, { reason, ...extra });
}

function codeSigner(state: EnvelopeState, recipientId: string) {
  const recipient = requireActiveSigner(state, recipientId);
  if (recipient.method !== "email_otp" && recipient.method !== "sms_otp") refuse("wrong_method", "This signer does not identify with a code");
  const channel: CodeChannel = recipient.method === "sms_otp" ? "sms" : "email";
  if (channel === "sms" && !recipient.phone) refuse("wrong_method", "This signer has no phone number");
  return { recipient, channel, destination: channel === "sms" ? recipient.phone! : recipient.email };
}

/** Where a code goes, masked for pages and events: k***@example.com, +47 *** ** 567. */
export function maskedDestination(channel: CodeChannel, destination: string): string {
  return channel === "sms" ? maskPhone(destination) : maskEmail(destination);
}

/**
 * Issues a new code (the caller drew it and its salt) after the cool-down, within the
 * per-signer and, for SMS, the per-envelope caps. The earlier code stops working.
 */
export function requestCode(
  state: EnvelopeState,
  ledger: CodeLedger,
  input: { recipientId: string; code: string; salt: string; at: string; context: ClientInfo },
): { transition: Transition; ledger: CodeLedger } {
  const { recipient, channel, destination } = codeSigner(state, input.recipientId);
  if (recipient.identification) refuse("already_identified", "This signer has already identified");
  const mine = ledger.signers[recipient.id] ?? { issued: 0, current: null };
  const nowMs = Date.parse(input.at);
  if (mine.current) {
    const waitMs = Date.parse(mine.current.issuedAt) + CODE_COOLDOWN_SECONDS * 1000 - nowMs;
    if (waitMs > 0) refuse("code_too_soon", "A new code can be sent in a moment", { retryAfterSeconds: Math.ceil(waitMs / 1000) });
  }
  if (mine.issued >= MAX_CODES_PER_SIGNER) refuse("code_limit", "No more codes can be sent to this signer; contact the sender");
  if (channel === "sms" && ledger.smsSent >= MAX_SMS_PER_ENVELOPE) refuse("sms_cap", "No more text messages can be sent for this envelope; contact the sender");
  const expiresAt = new Date(nowMs + CODE_TTL_MINUTES * 60_000).toISOString();
  const issued: IssuedCode = {
    hash: hashCode(state.id, recipient.id, input.code, input.salt),
    salt: input.salt,
    channel,
    issuedAt: input.at,
    expiresAt,
    attempts: 0,
    status: "live",
  };
  const opened = open(state, recipient.id, input.at, input.context);
  return {
    transition: {
      state: opened.state,
      events: [
        ...opened.events,
        event("code_sent", input.at, { kind: "signer", recipientId: recipient.id }, {
          recipientId: recipient.id,
          ...input.context,
          data: { channel, to: maskedDestination(channel, destination), expiresAt },
        }),
      ],
      intents: [{ kind: "send_code", recipientId: recipient.id, channel, code: input.code, expiresInMinutes: CODE_TTL_MINUTES }],
    },
    ledger: {
      smsSent: ledger.smsSent + (channel === "sms" ? 1 : 0),
      signers: { ...ledger.signers, [recipient.id]: { issued: mine.issued + 1, current: issued } },
    },
  };
}

/**
 * Checks a code the signer typed. A right one identifies them (single use); a wrong one
 * costs a try and the fifth locks the code. Failures are recorded as events, so the
 * transition is kept and `failure` says what to tell the signer.
 */
export function confirmCode(
  state: EnvelopeState,
  ledger: CodeLedger,
  input: { recipientId: string; code: string; at: string; context: ClientInfo },
): { transition: Transition; ledger: CodeLedger; failure: DomainError | null } {
  const { recipient, channel, destination } = codeSigner(state, input.recipientId);
  const unchanged = { state, events: [], intents: [] };
  // A second press after success is answered with the first result.
  if (recipient.identification) return { transition: unchanged, ledger, failure: null };
  const mine = ledger.signers[recipient.id];
  const current = mine?.current;
  if (!mine || !current || current.status === "used") refuse("code_none", "Ask for a code first");
  if (current.status === "locked") refuse("code_locked", "This code is locked after too many wrong tries; ask for a new one");
  const actor = { kind: "signer" as const, recipientId: recipient.id };
  const common = { recipientId: recipient.id, ...input.context };
  const withCurrent = (patch: Partial<IssuedCode>): CodeLedger => ({
    ...ledger,
    signers: { ...ledger.signers, [recipient.id]: { ...mine, current: { ...current, ...patch } } },
  });

  if (input.at >= current.expiresAt) {
    return {
      transition: { state, events: [event("code_failed", input.at, actor, { ...common, data: { channel, reason: "expired" } })], intents: [] },
      ledger,
      failure: new DomainError("invalid_transition", "This code has expired; ask for a new one", { reason: "code_expired" }),
    };
  }

  if (!timingSafeEqual(hashCode(state.id, recipient.id, input.code, current.salt), current.hash)) {
    const attempts = current.attempts + 1;
    const attemptsLeft = MAX_CODE_ATTEMPTS - attempts;
    const failed = event("code_failed", input.at, actor, { ...common, data: { channel, reason: "wrong", attemptsLeft } });
    if (attemptsLeft > 0) {
      return {
        transition: { state, events: [failed], intents: [] },
        ledger: withCurrent({ attempts }),
        failure: new DomainError("invalid_transition", "The code is not right", { reason: "code_wrong", attemptsLeft }),
      };
    }
    return {
      transition: { state, events: [failed, event("code_locked", input.at, actor, { ...common, data: { channel } })], intents: [] },
      ledger: withCurrent({ attempts, status: "locked" }),
      failure: new DomainError("invalid_transition", "Too many wrong tries: this code is locked", { reason: "code_locked" }),
    };
  }

  const method = recipient.method as "email_otp" | "sms_otp";
  return {
    transition: identify(state, { recipientId: recipient.id, evidence: { method, channel: destination, at: input.at }, at: input.at, context: input.context }),
    ledger: withCurrent({ status: "used" }),
    failure: null,
  };
}

/** What the signing page needs to know about a signer's code, without anything secret. */
export function codeStatus(ledger: CodeLedger, recipientId: string, at: string): { sent: boolean; expiresAt: string | null; locked: boolean; retryAfterSeconds: number } {
  const current = ledger.signers[recipientId]?.current ?? null;
  if (!current) return { sent: false, expiresAt: null, locked: false, retryAfterSeconds: 0 };
  const waitMs = Date.parse(current.issuedAt) + CODE_COOLDOWN_SECONDS * 1000 - Date.parse(at);
  return { sent: true, expiresAt: current.expiresAt, locked: current.status === "locked", retryAfterSeconds: Math.max(0, Math.ceil(waitMs / 1000)) };
}
