/**
 * Sign-up, log-in and sessions. Passwords: argon2id (domain/password). Sessions are
 * stored server side by the hash of a random 256-bit token that lives only in the cookie.
 */
import { z } from "zod";
import { hashToken, newId, randomToken } from "../domain/encoding";
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from "../domain/password";
import type { Locale } from "../i18n";
import type { Db } from "../storage/db";
import { findLiveSession, findUserByEmail, insertAccount, insertSession, revokeSession, touchSession, updatePasswordHash } from "../storage/accounts";

/** The signed-in sender, as routes see them. */
export type SessionUser = { id: string; name: string; email: string; orgId: string; sessionId: string; locale: Locale };

export const SESSION_ABSOLUTE_MS = 14 * 24 * 3600_000;
export const SESSION_IDLE_MS = 24 * 3600_000;
const TOUCH_EVERY_MS = 5 * 60_000;

/** A small local list of the most common passwords (of 12+ characters), refused at sign-up. */
const COMMON_PASSWORDS = new Set([
  "123456789012", "1234567890123", "qwertyuiopas", "passwordpassword", "password1234", "password12345",
  "qwerty123456", "iloveyou1234", "111111111111", "000000000000", "123123123123", "abcdefghijkl",
  "passord12345", "passord123456", "sommer2024!!", "administrator", "letmeinletmein", "welcome12345",
  "qwertyqwerty", "1q2w3e4r5t6y", "zaq12wsxcde3", "changeme1234", "football1234", "monkeymonkey",
]);

export const signUpSchema = z.object({
  name: z.string({ error: "signup.error.name" }).trim().min(1, "signup.error.name").max(200, "signup.error.name"),
  email: z.string({ error: "signup.error.email" }).trim().toLowerCase().pipe(z.email("signup.error.email")).pipe(z.string().max(254, "signup.error.email")),
  password: z
    .string({ error: "signup.error.passwordShort" })
    .min(12, "signup.error.passwordShort")
    .max(256, "signup.error.passwordLong")
    .refine((p) => !COMMON_PASSWORDS.has(p.toLowerCase()) && new Set(p).size > 3, "signup.error.passwordCommon"),
  locale: z.enum(["en", "nb"]).catch("en"),
});
export type SignUpInput = z.infer<typeof signUpSchema>;

export const logInSchema = z.object({
  email: z.string({ error: "login.error.email" }).trim().toLowerCase().min(1, "login.error.email").max(254, "login.error.invalid"),
  password: z.string({ error: "login.error.password" }).min(1, "login.error.password").max(256, "login.error.invalid"),
});

export type ClientInfo = { ip: string | null; userAgent: string | null };

export async function signUp(db: Db, input: SignUpInput, client: ClientInfo): Promise<{ ok: true; token: string } | { ok: false; reason: "taken" }> {
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
  return { ok: true, token: await startSession(db, userId, orgId, client) };
}

export async function logIn(db: Db, email: string, password: string, client: ClientInfo): Promise<string | null> {
  const user = await findUserByEmail(db, email);
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok) return null;
  if (needsRehash(user.passwordHash)) await updatePasswordHash(db, user.id, await hashPassword(password));
  return startSession(db, user.id, user.personalOrgId, client);
}

/** A new session id at every login, never reused. Returns the cookie token. */
async function startSession(db: Db, userId: string, orgId: string, client: ClientInfo): Promise<string> {
  const token = randomToken();
  const now = Date.now();
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

/** The user behind a session cookie, or null when it is unknown, revoked, idle too long or expired. */
export async function resumeSession(db: Db, token: string): Promise<SessionUser | null> {
  const id = hashToken(token);
  const now = Date.now();
  const found = await findLiveSession(db, id, new Date(now).toISOString());
  if (!found) return null;
  const lastSeen = Date.parse(found.session.lastSeenAt);
  if (now - lastSeen > SESSION_IDLE_MS) {
    await revokeSession(db, id, new Date(now).toISOString());
    return null;
  }
  if (now - lastSeen > TOUCH_EVERY_MS) await touchSession(db, id, new Date(now).toISOString());
  return {
    id: found.user.id,
    name: found.user.name,
    email: found.user.email,
    orgId: found.session.orgId,
    sessionId: id,
    locale: found.user.locale as Locale,
  };
}

export async function logOut(db: Db, sessionId: string): Promise<void> {
  await revokeSession(db, sessionId, new Date().toISOString());
}
