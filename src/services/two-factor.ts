/**
 * Two-factor authentication with TOTP (RFC 6238): enrolment (secret, QR code,
 * confirmation by code), ten single-use recovery codes, the second step of a login,
 * regenerating the codes and turning 2FA off (each after re-authentication with
 * password and code).
 *
 * The secret is encrypted at rest with the same envelope encryption as documents
 * (its own AES-256-GCM data key, wrapped by a KEK from secrets, the user id bound
 * as additional data). Every code is single use: a TOTP time step is remembered
 * per user, a recovery code is marked used. Wrong codes are counted exactly per
 * account by the AttemptCounter Durable Object: five, and code entry locks for
 * 15 minutes.
 */
import { anyOrganisationRequiresTwoFactor } from "../storage/organisations";
import { z } from "zod";
import { hashToken, newId, bytesToBase64, base64ToBytes } from "../domain/encoding";
import { DomainError } from "../domain/errors";
import {
  base32Decode,
  matchTotp,
  newRecoveryCode,
  newTotpSecret,
  normaliseRecoveryCode,
  normaliseTotpCode,
  otpauthUri,
  RECOVERY_CODE_COUNT,
} from "../domain/totp";
import type { AttemptCounter } from "../envelope/attempt-counter";
import type { MessageKey } from "../i18n";
import { revokeOtherSessions } from "../storage/accounts";
import { database, type Db } from "../storage/db";
import type { Env } from "../env";
import { keyring } from "./keyring";
import { decryptDocument, encryptDocument, newDataKey, rewrapDataKey, unwrapDataKey, type Keyring } from "../storage/document-crypto";
import {
  claimTimeStep,
  consumeChallenge,
  consumeRecoveryCode,
  deleteTwoFactor,
  enableTwoFactor,
  findLiveChallenge,
  findTwoFactor,
  replaceRecoveryCodes,
  replaceWrappedKey,
  savePendingSecret,
  staleTwoFactorKeys,
  twoFactorEnabled,
  unusedRecoveryCodes,
  type TwoFactorRow,
} from "../storage/two-factor";
import type { ClientInfo } from "../domain/client-info";
import { currentPassword, passwordMatches, rotateSession, startSession, type SessionUser } from "./accounts";
import { audit, loginSucceeded } from "./audit";

export type TwoFactorDeps = {
  db: Db;
  keyring: () => Promise<Keyring>;
  attempts: DurableObjectNamespace<AttemptCounter>;
};

export function twoFactorDeps(env: Pick<Env, "DB" | "KEK_KEYS" | "KEK_CURRENT_ID" | "ATTEMPT_COUNTER">): TwoFactorDeps {
  return { db: database(env.DB), keyring: () => keyring(env), attempts: env.ATTEMPT_COUNTER };
}

/** Shown in authenticator apps beside the account's address. */
const ISSUER = "Pactly";

// ---------------------------------------------------------------------------
// input

const codeField = z.string({ error: "twoFactor.error.code" }).trim().min(1, "twoFactor.error.code").max(40, "twoFactor.error.codeFormat");

/** A six-digit code from the app. */
export const totpCodeSchema = z.object({
  code: codeField.refine((v) => normaliseTotpCode(v) !== null, "twoFactor.error.codeDigits").transform((v) => normaliseTotpCode(v)!),
});

/** The login's second step and re-authentication: an app code or a recovery code. */
export const secondFactorSchema = z.object({
  code: codeField.refine((v) => normaliseTotpCode(v) !== null || normaliseRecoveryCode(v) !== null, "twoFactor.error.codeFormat"),
});

export const reauthSchema = secondFactorSchema.extend({
  password: currentPassword,
});

// ---------------------------------------------------------------------------
// policy

/**
 * Whether this user must turn 2FA on: an admin of any organisation they belong to
 * required it of all members (Settings → Organisation).
 */
export async function requiresTwoFactor(db: Db, user: Pick<SessionUser, "id" | "orgId">): Promise<boolean> {
  return anyOrganisationRequiresTwoFactor(db, user.id);
}

export type TwoFactorStatus = { state: "off" } | { state: "pending" } | { state: "on"; recoveryCodesLeft: number };

export async function twoFactorStatus(db: Db, userId: string): Promise<TwoFactorStatus> {
  const row = await findTwoFactor(db, userId);
  if (!row) return { state: "off" };
  if (!row.enabledAt) return { state: "pending" };
  return { state: "on", recoveryCodesLeft: await unusedRecoveryCodes(db, userId) };
}

// ---------------------------------------------------------------------------
// the secret at rest

/** The data key's binding: a secret moved to another user's row does not decrypt. */
const secretBinding = (userId: string) => `totp:${userId}`;

async function sealSecret(keyring: Keyring, userId: string, secret: string) {
  const { key, wrapped } = await newDataKey(keyring, secretBinding(userId));
  const ciphertext = await encryptDocument(key, secretBinding(userId), new TextEncoder().encode(secret));
  return { kekId: wrapped.kekId, wrappedKey: wrapped.wrapped, secretCiphertext: bytesToBase64(ciphertext) };
}

async function secretText(keyring: Keyring, row: TwoFactorRow): Promise<string> {
  const key = await unwrapDataKey(keyring, secretBinding(row.userId), { kekId: row.kekId, wrapped: row.wrappedKey });
  return new TextDecoder().decode(await decryptDocument(key, secretBinding(row.userId), base64ToBytes(row.secretCiphertext)));
}

async function openSecret(keyring: Keyring, row: TwoFactorRow): Promise<Uint8Array> {
  const bytes = base32Decode(await secretText(keyring, row));
  if (!bytes) throw new DomainError("decryption_failed", "The stored 2FA secret is not base32");
  return bytes;
}

// ---------------------------------------------------------------------------
// enrolment

/** Creates a new secret for the user to scan (replacing an unconfirmed one). Refused when 2FA is already on. */
export async function startEnrolment(deps: TwoFactorDeps, user: Pick<SessionUser, "id" | "orgId">): Promise<void> {
  const secret = newTotpSecret();
  const saved = await savePendingSecret(deps.db, { userId: user.id, orgId: user.orgId, ...(await sealSecret(await deps.keyring(), user.id, secret)), createdAt: new Date().toISOString() });
  if (!saved) throw new DomainError("conflict", "Two-factor authentication is already on");
}

/** The unconfirmed secret, for the setup page's QR code and text; null when there is none. */
export async function pendingEnrolment(deps: TwoFactorDeps, user: Pick<SessionUser, "id" | "email">): Promise<{ secret: string; uri: string } | null> {
  const row = await findTwoFactor(deps.db, user.id);
  if (!row || row.enabledAt) return null;
  const secret = await secretText(await deps.keyring(), row);
  return { secret, uri: otpauthUri({ secret, account: user.email, issuer: ISSUER }) };
}

export type EnableOutcome = { ok: true; token: string; recoveryCodes: string[] } | { ok: false; message: MessageKey };

/**
 * Confirms enrolment with a code from the app. A privilege change: this browser
 * gets a new session id and every other session ends.
 */
export async function confirmEnrolment(deps: TwoFactorDeps, user: SessionUser, code: string, client: ClientInfo): Promise<EnableOutcome> {
  const row = await findTwoFactor(deps.db, user.id);
  if (!row || row.enabledAt) return { ok: false, message: "twoFactor.error.notPending" };
  const step = matchTotp(await openSecret(await deps.keyring(), row), code, Date.now());
  if (step === null) return { ok: false, message: "twoFactor.error.codeWrong" };
  const { codes, hashes } = freshRecoveryCodes(user.id);
  const at = new Date().toISOString();
  if (!(await enableTwoFactor(deps.db, { userId: user.id, orgId: user.orgId, step, at, codeHashes: hashes }))) return { ok: false, message: "twoFactor.error.notPending" };
  return { ok: true, token: await rotateAlone(deps.db, user, client), recoveryCodes: codes };
}

function freshRecoveryCodes(userId: string): { codes: string[]; hashes: { id: string; codeHash: string }[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  return { codes, hashes: codes.map((c) => ({ id: newId("rc"), codeHash: recoveryCodeHash(userId, normaliseRecoveryCode(c)!) })) };
}

/**
 * SHA-256 of user id and code: the codes carry 80 random bits, beyond any offline
 * search, so a slow hash would add nothing but CPU (ten argon2id hashes take
 * seconds). The user id keeps a hash from matching another user's code.
 */
function recoveryCodeHash(userId: string, canonicalCode: string): string {
  return hashToken(`${userId}:${canonicalCode}`);
}

/** A new session id for this browser, every other session of the user ended. */
async function rotateAlone(db: Db, user: SessionUser, client: ClientInfo): Promise<string> {
  const token = await rotateSession(db, user, client);
  await revokeOtherSessions(db, user.id, hashToken(token), new Date().toISOString());
  return token;
}

// ---------------------------------------------------------------------------
// checking a code

export type CodeOutcome =
  | { ok: true; via: "totp" | "recovery" }
  | { ok: false; reason: "wrong"; remaining: number }
  | { ok: false; reason: "replayed"; remaining: number }
  | { ok: false; reason: "locked"; retryAfterSeconds: number };

/**
 * Checks a second factor of a user with 2FA on. The attempt is counted before the
 * code is evaluated, so concurrent guesses cannot slip past the lock.
 */
export async function checkSecondFactor(deps: TwoFactorDeps, userId: string, input: string): Promise<CodeOutcome> {
  const counter = deps.attempts.get(deps.attempts.idFromName(userId));
  const decision = await counter.begin();
  if (!decision.allowed) return { ok: false, reason: "locked", retryAfterSeconds: decision.retryAfterSeconds };
  const outcome = await evaluate(deps, userId, input);
  if (outcome === "ok-totp" || outcome === "ok-recovery") {
    await counter.succeeded();
    return { ok: true, via: outcome === "ok-totp" ? "totp" : "recovery" };
  }
  return { ok: false, reason: outcome, remaining: decision.remaining };
}

async function evaluate(deps: TwoFactorDeps, userId: string, input: string): Promise<"ok-totp" | "ok-recovery" | "wrong" | "replayed"> {
  const row = await findTwoFactor(deps.db, userId);
  if (!row?.enabledAt) return "wrong";
  const totpCode = normaliseTotpCode(input);
  if (totpCode) {
    const step = matchTotp(await openSecret(await deps.keyring(), row), totpCode, Date.now());
    if (step === null) return "wrong";
    return (await claimTimeStep(deps.db, userId, step)) ? "ok-totp" : "replayed";
  }
  const recovery = normaliseRecoveryCode(input);
  if (!recovery) return "wrong";
  return (await consumeRecoveryCode(deps.db, userId, recoveryCodeHash(userId, recovery), new Date().toISOString())) ? "ok-recovery" : "wrong";
}

// ---------------------------------------------------------------------------
// the login's second step

export type SecondStepOutcome = { ok: true; token: string } | { ok: false; reason: "expired" } | Exclude<CodeOutcome, { ok: true }>;

/** The user a pending login belongs to, or null when the token is unknown, used or expired. */
export async function pendingLogin(db: Db, challengeToken: string): Promise<{ userId: string; orgId: string } | null> {
  const found = await findLiveChallenge(db, hashToken(challengeToken), new Date().toISOString());
  return found ? { userId: found.userId, orgId: found.orgId } : null;
}

/**
 * Finishes a login: the code is checked against the user the challenge belongs to
 * (nobody else's), the challenge is used up, and only then a session starts, with
 * an id it never had before.
 */
export async function completeLogin(deps: TwoFactorDeps, challengeToken: string, code: string, client: ClientInfo): Promise<SecondStepOutcome> {
  const pending = await pendingLogin(deps.db, challengeToken);
  if (!pending) return { ok: false, reason: "expired" };
  const outcome = await checkSecondFactor(deps, pending.userId, code);
  if (!outcome.ok) {
    await audit(deps.db, { userId: pending.userId, orgId: pending.orgId, action: outcome.reason === "locked" ? "auth.2fa.locked" : "auth.2fa.failed", target: { type: "user", id: pending.userId }, client });
    return outcome;
  }
  if (!(await consumeChallenge(deps.db, hashToken(challengeToken), new Date().toISOString()))) return { ok: false, reason: "expired" };
  await audit(deps.db, loginSucceeded(pending.userId, pending.orgId, client, { secondFactor: outcome.via }));
  return { ok: true, token: await startSession(deps.db, pending.userId, pending.orgId, client) };
}

// ---------------------------------------------------------------------------
// re-authenticated changes

export type ReauthOutcome<T> = { ok: true; value: T } | { ok: false; field: "password" | "code"; message: MessageKey; retryAfterSeconds?: number };

/**
 * Password and, when 2FA is on, a current code (or a recovery code). The password is
 * checked first and a wrong one costs no code attempt.
 */
export async function reauthenticate(deps: TwoFactorDeps, userId: string, input: { password: string; code?: string | undefined }): Promise<ReauthOutcome<null>> {
  if (!(await passwordMatches(deps.db, userId, input.password))) return { ok: false, field: "password", message: "account.error.currentPasswordWrong" };
  if (!(await twoFactorEnabled(deps.db, userId))) return { ok: true, value: null };
  if (!input.code) return { ok: false, field: "code", message: "twoFactor.error.code" };
  const outcome = await checkSecondFactor(deps, userId, input.code);
  if (outcome.ok) return { ok: true, value: null };
  return { ok: false, field: "code", ...codeProblem(outcome) };
}

/** The message for a refused code, the same words beside the field and in the summary. */
export function codeProblem(outcome: Exclude<CodeOutcome, { ok: true }>): { message: MessageKey; retryAfterSeconds?: number } {
  if (outcome.reason === "locked") return { message: "twoFactor.error.locked", retryAfterSeconds: outcome.retryAfterSeconds };
  if (outcome.remaining === 0) return { message: "twoFactor.error.locked", retryAfterSeconds: 15 * 60 };
  return { message: outcome.reason === "replayed" ? "twoFactor.error.codeUsed" : "twoFactor.error.codeWrong" };
}

/** Turns 2FA off: secret and recovery codes deleted; a privilege change, so the session id changes and other sessions end. */
export async function disableTwoFactor(deps: TwoFactorDeps, user: SessionUser, input: { password: string; code: string }, client: ClientInfo): Promise<ReauthOutcome<string>> {
  if (!(await twoFactorEnabled(deps.db, user.id))) return { ok: false, field: "code", message: "twoFactor.error.notOn" };
  const checked = await reauthenticate(deps, user.id, input);
  if (!checked.ok) return checked;
  await deleteTwoFactor(deps.db, user.id);
  return { ok: true, value: await rotateAlone(deps.db, user, client) };
}

/** Ten new recovery codes; every earlier one stops working. */
export async function regenerateRecoveryCodes(deps: TwoFactorDeps, user: SessionUser, input: { password: string; code: string }): Promise<ReauthOutcome<string[]>> {
  if (!(await twoFactorEnabled(deps.db, user.id))) return { ok: false, field: "code", message: "twoFactor.error.notOn" };
  const checked = await reauthenticate(deps, user.id, input);
  if (!checked.ok) return checked;
  const { codes, hashes } = freshRecoveryCodes(user.id);
  await replaceRecoveryCodes(deps.db, { userId: user.id, orgId: user.orgId, at: new Date().toISOString(), codeHashes: hashes });
  return { ok: true, value: codes };
}

// ---------------------------------------------------------------------------
// key rotation

/**
 * Rewraps the data keys of 2FA secrets still wrapped by an old KEK, like
 * rewrapDataKeys does for documents; the secret's ciphertext stays the same. An old
 * KEK may leave KEK_KEYS only once both report nothing remaining.
 */
export async function rewrapTwoFactorKeys(deps: Pick<TwoFactorDeps, "db" | "keyring">, { limit }: { limit: number }): Promise<{ rewrapped: number; failed: number }> {
  const ring = await deps.keyring();
  let rewrapped = 0;
  let failed = 0;
  let after = "";
  while (rewrapped + failed < limit) {
    const rows = await staleTwoFactorKeys(deps.db, ring.currentId, after, Math.min(50, limit - rewrapped - failed));
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.userId;
    for (const row of rows) {
      try {
        const next = await rewrapDataKey(ring, secretBinding(row.userId), { kekId: row.kekId, wrapped: row.wrappedKey });
        await replaceWrappedKey(deps.db, { userId: row.userId, from: row, to: { kekId: next.kekId, wrappedKey: next.wrapped } });
        rewrapped += 1;
      } catch {
        failed += 1; // its KEK is missing or the row is damaged: left as it is, reported
      }
    }
  }
  return { rewrapped, failed };
}
