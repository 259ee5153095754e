/**
 * Account links sent by email: confirming an address (at sign-up and when changing
 * it) and resetting a forgotten password. Each link carries a random 256-bit token
 * that exists only in the email; D1 keeps its SHA-256, when it expires, and when it
 * was used, so a link works once and only until it expires.
 */
import { hashToken, newId, randomToken } from "../domain/encoding";
import type { AccountMessage } from "../domain/messages";
import { hashPassword, verifyPassword, DUMMY_HASH } from "../domain/password";
import type { Locale } from "../i18n";
import type { Db } from "../storage/db";
import type { ClientInfo } from "../domain/client-info";
import { audit } from "./audit";
import {
  applyEmailChange,
  consumeAccountToken,
  findAccountToken,
  findUserByEmail,
  findUserById,
  insertAccountToken,
  markEmailVerified,
  pendingEmailChange,
  recentAccountTokens,
  replacePassword,
  type AccountTokenRow,
  type TokenPurpose,
  type UserRow,
} from "../storage/accounts";

export const LINK_LIFETIME_MS: Record<TokenPurpose, number> = {
  verify_email: 24 * 3600_000,
  change_email: 24 * 3600_000,
  reset_password: 3600_000,
};

/** Per account: one link a minute, five an hour, so nobody can flood an inbox through us. */
const LINK_GAP_MS = 60_000;
const LINKS_PER_HOUR = 5;

export type Mailbox = { db: Db; queue: Queue<unknown> };

type Recipient = Pick<UserRow, "id" | "name" | "locale" | "personalOrgId">;

function accountMessageBase(user: Recipient, to: string) {
  return { v: 1 as const, id: newId("msg"), orgId: user.personalOrgId, userId: user.id, to, name: user.name, locale: user.locale as Locale };
}

async function send(queue: Queue<unknown>, message: AccountMessage): Promise<void> {
  await queue.send(message);
}

/**
 * Seconds to wait before this account may be sent another link of this purpose, or
 * null when it may be sent now. Counted exactly from the links themselves.
 */
export async function linkRetryAfter(db: Db, userId: string, purpose: TokenPurpose, now = Date.now()): Promise<number | null> {
  const recent = await recentAccountTokens(db, userId, purpose, new Date(now - 3600_000).toISOString());
  const newest = recent[0];
  if (newest && now - Date.parse(newest.createdAt) < LINK_GAP_MS) return Math.ceil((LINK_GAP_MS - (now - Date.parse(newest.createdAt))) / 1000);
  if (recent.length >= LINKS_PER_HOUR) {
    const oldest = recent[LINKS_PER_HOUR - 1]!;
    return Math.max(1, Math.ceil((Date.parse(oldest.createdAt) + 3600_000 - now) / 1000));
  }
  return null;
}

async function issueLink(db: Db, user: Recipient, purpose: TokenPurpose, email: string, now = Date.now()): Promise<string> {
  const token = randomToken();
  await insertAccountToken(db, {
    id: hashToken(token),
    orgId: user.personalOrgId,
    userId: user.id,
    purpose,
    email,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + LINK_LIFETIME_MS[purpose]).toISOString(),
  });
  return token;
}

// ---------------------------------------------------------------------------
// email verification

/** Sends a link that confirms the account's current address. */
export async function sendEmailVerification(box: Mailbox, user: Recipient & { email: string }): Promise<void> {
  const token = await issueLink(box.db, user, "verify_email", user.email);
  await send(box.queue, { ...accountMessageBase(user, user.email), type: "verify_email", purpose: "signup", token });
}

export type ResendOutcome = { sent: true } | { sent: false; reason: "already_verified" } | { sent: false; reason: "too_soon"; retryAfter: number };

/** "Send the link again", limited per account. */
export async function resendEmailVerification(box: Mailbox, userId: string): Promise<ResendOutcome> {
  const user = await findUserById(box.db, userId);
  if (!user || user.emailVerifiedAt) return { sent: false, reason: "already_verified" };
  const retryAfter = await linkRetryAfter(box.db, user.id, "verify_email");
  if (retryAfter !== null) return { sent: false, reason: "too_soon", retryAfter };
  await sendEmailVerification(box, user);
  return { sent: true };
}

/** What a link is for, read without using it up (the page that asks to confirm). */
export type LinkState = { state: "usable"; link: AccountTokenRow } | { state: "spent" } | { state: "unknown" };

export async function inspectLink(db: Db, token: string, purposes: TokenPurpose[], now = Date.now()): Promise<LinkState> {
  const link = await findAccountToken(db, hashToken(token));
  if (!link || !purposes.includes(link.purpose)) return { state: "unknown" };
  if (link.usedAt || Date.parse(link.expiresAt) <= now) return { state: "spent" };
  return { state: "usable", link };
}

export type ConfirmOutcome =
  | { ok: true; userId: string; kind: "verified" | "changed" }
  | { ok: false; reason: "spent" | "taken" };

/** Uses an email link once: marks the address verified, or moves the account to the new address. */
export async function confirmEmail(db: Db, token: string, client: ClientInfo | null = null, now = Date.now()): Promise<ConfirmOutcome> {
  const at = new Date(now).toISOString();
  const link = await consumeAccountToken(db, hashToken(token), ["verify_email", "change_email"], at);
  if (!link) return { ok: false, reason: "spent" };
  if (link.purpose === "verify_email") {
    await markEmailVerified(db, link.userId, link.email, at);
    return { ok: true, userId: link.userId, kind: "verified" };
  }
  const changed = await applyEmailChange(db, link.userId, link.email, at);
  if (changed === "taken") return { ok: false, reason: "taken" };
  await audit(db, { userId: link.userId, orgId: link.orgId, action: "account.email.changed", target: { type: "user", id: link.userId }, client });
  return { ok: true, userId: link.userId, kind: "changed" };
}

// ---------------------------------------------------------------------------
// password reset

/**
 * Sends a reset link if an account has this address. The caller answers the same
 * way whatever happens here (no account enumeration), and runs this after the
 * response so the answer's timing does not tell either.
 */
export async function requestPasswordReset(box: Mailbox, email: string): Promise<void> {
  const user = await findUserByEmail(box.db, email);
  if (!user) return;
  if ((await linkRetryAfter(box.db, user.id, "reset_password")) !== null) return;
  const token = await issueLink(box.db, user, "reset_password", user.email);
  await send(box.queue, { ...accountMessageBase(user, user.email), type: "password_reset", token });
}

/** The account a usable reset link belongs to, for the new-password form (name and email for the password rule). */
export async function resetLinkAccount(db: Db, token: string): Promise<{ state: "usable"; user: UserRow } | { state: "spent" | "unknown" }> {
  const found = await inspectLink(db, token, ["reset_password"]);
  if (found.state !== "usable") return { state: found.state };
  const user = await findUserById(db, found.link.userId);
  return user ? { state: "usable", user } : { state: "unknown" };
}

/**
 * Sets the new password from a reset link, once: every session of the account ends
 * (whoever knew the old password is logged out) and the address is told.
 */
export async function resetPassword(box: Mailbox, token: string, newPassword: string): Promise<boolean> {
  const passwordHash = await hashPassword(newPassword);
  const at = new Date().toISOString();
  const link = await consumeAccountToken(box.db, hashToken(token), ["reset_password"], at);
  if (!link) return false;
  await replacePassword(box.db, { userId: link.userId, passwordHash, at, verifiedEmail: link.email });
  const user = await findUserById(box.db, link.userId);
  if (user) await sendPasswordChangedNotice(box, user);
  return true;
}

export async function sendPasswordChangedNotice(box: Mailbox, user: Recipient & { email: string }): Promise<void> {
  await send(box.queue, { ...accountMessageBase(user, user.email), type: "account_notice", notice: "password_changed" });
}

/** The last mail to the address of an account just deleted: it confirms the deletion to its owner. */
export async function sendAccountDeletedNotice(box: Mailbox, user: Recipient & { email: string }): Promise<void> {
  await send(box.queue, { ...accountMessageBase(user, user.email), type: "account_notice", notice: "account_deleted" });
}

// ---------------------------------------------------------------------------
// change of email

export type EmailChangeOutcome = { ok: true } | { ok: false; reason: "wrong_password" | "same_address" } | { ok: false; reason: "too_soon"; retryAfter: number };

/**
 * Starts moving the account to a new address after re-authentication: a link goes
 * to the new address (the change applies only when it is opened) and a notice to
 * the current one. Whether the new address already has an account is not told
 * here; its owner learns it from the link, nobody else does.
 */
export async function requestEmailChange(box: Mailbox, userId: string, input: { email: string; password: string }): Promise<EmailChangeOutcome> {
  const user = await findUserById(box.db, userId);
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !passwordOk) return { ok: false, reason: "wrong_password" };
  if (input.email === user.email) return { ok: false, reason: "same_address" };
  const retryAfter = await linkRetryAfter(box.db, user.id, "change_email");
  if (retryAfter !== null) return { ok: false, reason: "too_soon", retryAfter };
  const token = await issueLink(box.db, user, "change_email", input.email);
  await send(box.queue, { ...accountMessageBase(user, input.email), type: "verify_email", purpose: "change", token });
  await send(box.queue, { ...accountMessageBase(user, user.email), type: "account_notice", notice: "email_change_requested", newEmail: input.email });
  return { ok: true };
}

/** The address the account is moving to while its link is unused and unexpired, or null. */
export async function pendingEmailAddress(db: Db, userId: string): Promise<string | null> {
  return (await pendingEmailChange(db, userId, new Date().toISOString()))?.email ?? null;
}
