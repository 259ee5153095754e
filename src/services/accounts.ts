/**
 * Sign-up, log-in, sessions and the change of password. Passwords: argon2id
 * (domain/password), checked against the password rule (domain/common-passwords).
 * Sessions are stored server side by the hash of a random 256-bit token that lives
 * only in the cookie.
 */
import { z } from "zod";
import type { ClientInfo } from "../domain/client-info";
import { hashToken, newId, randomToken } from "../domain/encoding";
import { DomainError } from "../domain/errors";
import { passwordWeakness, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, type PasswordWeakness } from "../domain/common-passwords";
import { describeDevice, type Device } from "../domain/user-agent";
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from "../domain/password";
import { locales, type Locale, type MessageKey } from "../i18n";
import type { Role } from "../domain/permissions";
import type { Db } from "../storage/db";
import {
  findLiveSession,
  findUserByEmail,
  findUserById,
  insertAccount,
  insertSession,
  listLiveSessions,
  replacePassword,
  revokeOtherSessions,
  revokeSession,
  revokeUserSession,
  touchSession,
  updatePasswordHash,
  type SessionRow,
} from "../storage/accounts";
import { sendEmailVerification, sendPasswordChangedNotice, type Mailbox } from "./account-security";
import { insertLoginChallenge, twoFactorEnabled } from "../storage/two-factor";
import { audit, failedLogin, loginSucceeded } from "./audit";

/** The signed-in sender, as routes see them. */
export type SessionUser = {
  id: string;
  name: string;
  email: string;
  orgId: string;
  /** The user's role in `orgId`, read fresh with the session on every request (domain/permissions). */
  role: Role;
  sessionId: string;
  locale: Locale;
  /** False until the user opens the link sent to their address; they may not send envelopes until then. */
  emailVerified: boolean;
};

/**
 * Session lifetime for a sender app that holds signed agreements: a session ends
 * after 8 hours without a request (a working day; OWASP's 15–30 minutes suits banking,
 * not a tool people return to between meetings) and 30 days after login at the latest.
 */
export const SESSION_IDLE_MS = 8 * 3600_000;
export const SESSION_ABSOLUTE_MS = 30 * 24 * 3600_000;
/** last_seen is written at most this often, not on every request (one D1 write per 5 minutes per session). */
export const SESSION_TOUCH_EVERY_MS = 5 * 60_000;

const weaknessMessages: Record<PasswordWeakness, MessageKey> = {
  too_short: "signup.error.passwordShort",
  too_long: "signup.error.passwordLong",
  common: "signup.error.passwordCommon",
  personal: "account.error.passwordPersonal",
};

/** The translation key that says why this new password is refused, or null when it is fine. */
export function passwordProblem(password: string, person: { name?: string; email?: string } = {}): MessageKey | null {
  const weakness = passwordWeakness(password, person);
  return weakness ? weaknessMessages[weakness] : null;
}

/** A new password on its own: length and the common-password list. Whether it names its owner is checked with the whole form. */
const newPassword = (requiredKey: MessageKey = "signup.error.passwordShort") =>
  z
    .string({ error: requiredKey })
    .min(1, requiredKey)
    .min(PASSWORD_MIN_LENGTH, "signup.error.passwordShort")
    .max(PASSWORD_MAX_LENGTH, "signup.error.passwordLong")
    .superRefine((password, ctx) => {
      const problem = passwordProblem(password);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

const emailAddress = z.string({ error: "signup.error.email" }).trim().toLowerCase().pipe(z.email("signup.error.email")).pipe(z.string().max(254, "signup.error.email"));

export const signUpSchema = z
  .object({
    name: z.string({ error: "signup.error.name" }).trim().min(1, "signup.error.name").max(200, "signup.error.name"),
    email: emailAddress,
    password: newPassword(),
    locale: z.enum(locales).catch("en"),
  })
  .superRefine((v, ctx) => {
    const problem = passwordProblem(v.password, v);
    if (problem) ctx.addIssue({ code: "custom", path: ["password"], message: problem });
  });
export type SignUpInput = z.infer<typeof signUpSchema>;

export const logInSchema = z.object({
  email: z.string({ error: "login.error.email" }).trim().toLowerCase().min(1, "login.error.email").max(254, "login.error.invalid"),
  password: z.string({ error: "login.error.password" }).min(1, "login.error.password").max(256, "login.error.invalid"),
});

/** The current password, asked again before a sensitive change (re-authentication). */
export const currentPassword = z.string({ error: "account.error.currentPassword" }).min(1, "account.error.currentPassword").max(256, "account.error.currentPasswordWrong");

export const changePasswordSchema = z.object({ currentPassword, newPassword: newPassword("account.error.newPassword") });

export const changeEmailSchema = z.object({ email: emailAddress, password: currentPassword });

export const forgotPasswordSchema = z.object({ email: emailAddress });


export async function signUp(box: Mailbox, input: SignUpInput, client: ClientInfo): Promise<{ ok: true; token: string } | { ok: false; reason: "taken" }> {
  const { db } = box;
  if (await findUserByEmail(db, input.email)) return { ok: false, reason: "taken" };
  const at = new Date().toISOString();
  const userId = newId("usr");
  const orgId = newId("org");
  try {
    await insertAccount(db, { userId, orgId, name: input.name, email: input.email, passwordHash: await hashPassword(input.password), locale: input.locale, at });
  } catch (error) {
    // Two sign-ups racing for one email: the unique index decides.
    if (String(error).includes("UNIQUE")) return { ok: false, reason: "taken" };
    throw error;
  }
  await audit(db, { orgId, actor: { type: "user", id: userId, label: input.email }, action: "account.created", target: { type: "user", id: userId }, client });
  try {
    await sendEmailVerification(box, { id: userId, name: input.name, email: input.email, locale: input.locale, personalOrgId: orgId });
  } catch (error) {
    // The account exists either way; the banner offers to send the link again.
    console.error(JSON.stringify({ msg: "verification link not queued", userId, error: String(error) }));
  }
  return { ok: true, token: await startSession(db, userId, orgId, client) };
}

/** A correct password gives a session, or, with 2FA on, the token of the second step (not a session). */
export type LogInOutcome = { kind: "session"; token: string; userId: string; orgId: string } | { kind: "second_step"; challenge: string };

export async function logIn(db: Db, email: string, password: string, client: ClientInfo): Promise<LogInOutcome | null> {
  const user = await findUserByEmail(db, email);
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok) {
    await audit(db, failedLogin(user, client));
    return null;
  }
  if (needsRehash(user.passwordHash)) await updatePasswordHash(db, user.id, await hashPassword(password));
  if (await twoFactorEnabled(db, user.id)) return { kind: "second_step", challenge: await startLoginChallenge(db, user.id, user.personalOrgId) };
  await audit(db, loginSucceeded(user.id, user.personalOrgId, client));
  return { kind: "session", token: await startSession(db, user.id, user.personalOrgId, client), userId: user.id, orgId: user.personalOrgId };
}

/** Re-authentication with the password alone, before something sensitive (taking all one's data out). */
export async function passwordMatches(db: Db, userId: string, password: string): Promise<boolean> {
  const user = await findUserById(db, userId);
  return (await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH)) && user !== null;
}

/** How long the second step of a login waits for the code. */
export const LOGIN_CHALLENGE_MS = 5 * 60_000;

/**
 * The half of a login between the password and the code: a random token for a
 * short-lived cookie, stored hashed, tied to the user. It is not a session and
 * opens nothing but the code form.
 */
export async function startLoginChallenge(db: Db, userId: string, orgId: string, now = Date.now()): Promise<string> {
  const token = randomToken();
  await insertLoginChallenge(db, { id: hashToken(token), userId, orgId, createdAt: new Date(now).toISOString(), expiresAt: new Date(now + LOGIN_CHALLENGE_MS).toISOString() });
  return token;
}

/** A new session id at every login and privilege change, never reused. Returns the cookie token. */
export async function startSession(db: Db, userId: string, orgId: string, client: ClientInfo, now = Date.now()): Promise<string> {
  const token = randomToken();
  await insertSession(db, {
    id: hashToken(token),
    userId,
    orgId,
    at: new Date(now).toISOString(),
    expiresAt: new Date(now + SESSION_ABSOLUTE_MS).toISOString(),
    ip: client.ip,
    userAgent: client.userAgent?.slice(0, 300) ?? null,
  });
  return token;
}

/**
 * The user behind a session cookie, or null when it is unknown, revoked, idle too
 * long or past its absolute lifetime.
 */
export async function resumeSession(db: Db, token: string, now = Date.now()): Promise<SessionUser | null> {
  const id = hashToken(token);
  const found = await findLiveSession(db, id, new Date(now).toISOString());
  if (!found) return null;
  const lastSeen = Date.parse(found.session.lastSeenAt);
  if (now - lastSeen > SESSION_IDLE_MS) {
    await revokeSession(db, id, new Date(now).toISOString());
    return null;
  }
  if (now - lastSeen > SESSION_TOUCH_EVERY_MS) await touchSession(db, id, new Date(now).toISOString());
  return {
    id: found.user.id,
    name: found.user.name,
    email: found.user.email,
    orgId: found.session.orgId,
    role: found.role,
    sessionId: id,
    locale: found.user.locale as Locale,
    emailVerified: found.user.emailVerifiedAt !== null,
  };
}

/**
 * A privilege change (a new password, 2FA turned on, a higher role) keeps the user
 * signed in under a new session id: the old id, if it leaked, stops working.
 */
export async function rotateSession(db: Db, user: Pick<SessionUser, "id" | "orgId" | "sessionId">, client: ClientInfo): Promise<string> {
  await revokeSession(db, user.sessionId, new Date().toISOString());
  return startSession(db, user.id, user.orgId, client);
}

export async function logOut(db: Db, sessionId: string): Promise<void> {
  await revokeSession(db, sessionId, new Date().toISOString());
}

/**
 * The one check before anything leaves Pactly in the sender's name (sending an
 * envelope, by page or API): the sender's address must be verified.
 */
export function assertVerified(user: Pick<SessionUser, "emailVerified">): void {
  if (!user.emailVerified) throw new DomainError("email_unverified", "Confirm your email address before sending");
}

// ---------------------------------------------------------------------------
// sessions on the account page

export type SessionListItem = Pick<SessionRow, "id" | "createdAt" | "lastSeenAt" | "ip"> & { device: Device; current: boolean };

export async function listSessions(db: Db, user: SessionUser, now = Date.now()): Promise<SessionListItem[]> {
  const rows = await listLiveSessions(db, user.id, new Date(now).toISOString(), new Date(now - SESSION_IDLE_MS).toISOString());
  return rows.map((s) => ({ id: s.id, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, ip: s.ip, device: describeDevice(s.userAgent), current: s.id === user.sessionId }));
}

/** Ends one of the user's own sessions; another user's session id is not found. */
export async function revokeOwnSession(db: Db, user: SessionUser, sessionId: string): Promise<void> {
  if (!(await revokeUserSession(db, user.id, sessionId, new Date().toISOString()))) throw new DomainError("not_found");
}

export async function revokeOtherOwnSessions(db: Db, user: SessionUser): Promise<number> {
  return revokeOtherSessions(db, user.id, user.sessionId, new Date().toISOString());
}

// ---------------------------------------------------------------------------
// change of password

export type ChangePasswordOutcome = { ok: true; token: string } | { ok: false; field: "currentPassword" | "newPassword"; message: MessageKey };

/**
 * Re-authenticates with the current password, then sets the new one. A privilege
 * change: every session ends, including this one, and this browser gets a new
 * session id; pending reset and email-change links die; the address is told.
 */
export async function changePassword(box: Mailbox, user: SessionUser, input: z.infer<typeof changePasswordSchema>, client: ClientInfo): Promise<ChangePasswordOutcome> {
  const row = await findUserById(box.db, user.id);
  if (!row || !(await verifyPassword(input.currentPassword, row.passwordHash))) {
    return { ok: false, field: "currentPassword", message: "account.error.currentPasswordWrong" };
  }
  const problem = passwordProblem(input.newPassword, row);
  if (problem) return { ok: false, field: "newPassword", message: problem };
  if (input.newPassword === input.currentPassword) return { ok: false, field: "newPassword", message: "account.error.newPasswordSame" };
  const at = new Date().toISOString();
  await replacePassword(box.db, { userId: row.id, passwordHash: await hashPassword(input.newPassword), at });
  await audit(box.db, { user, action: "account.password.changed", target: { type: "user", id: row.id }, client });
  const token = await startSession(box.db, row.id, user.orgId, client);
  await sendPasswordChangedNotice(box, row);
  return { ok: true, token };
}
