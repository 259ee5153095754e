/** Users, personal organisations, memberships, sessions and account links in D1. */
import { and, desc, eq, gt, gte, inArray, isNull, ne } from "drizzle-orm";
import type { Locale } from "../i18n";
import type { Db } from "./db";
import { accountTokens, memberships, organisations, sessions, users } from "./schema";

export type NewAccount = { userId: string; orgId: string; name: string; email: string; passwordHash: string; locale: Locale; at: string };
export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type AccountTokenRow = typeof accountTokens.$inferSelect;
export type TokenPurpose = AccountTokenRow["purpose"];

/** Creates the user, their personal organisation and the owner membership atomically. */
export async function insertAccount(db: Db, a: NewAccount): Promise<void> {
  await db.batch([
    db.insert(organisations).values({ id: a.orgId, name: a.name, personal: true, createdAt: a.at }),
    db.insert(users).values({
      id: a.userId,
      email: a.email,
      name: a.name,
      passwordHash: a.passwordHash,
      locale: a.locale,
      personalOrgId: a.orgId,
      createdAt: a.at,
      emailVerifiedAt: null,
    }),
    db.insert(memberships).values({ orgId: a.orgId, userId: a.userId, role: "owner", createdAt: a.at }),
  ]);
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | null> {
  return (await db.select().from(users).where(eq(users.email, email)).limit(1))[0] ?? null;
}

export async function findUserById(db: Db, id: string): Promise<UserRow | null> {
  return (await db.select().from(users).where(eq(users.id, id)).limit(1))[0] ?? null;
}

export async function updatePasswordHash(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash }).where(eq(users.id, userId));
}

/**
 * A new password ends every session of the user and every outstanding reset or
 * email-change link, in one atomic batch.
 */
export async function replacePassword(db: Db, p: { userId: string; passwordHash: string; at: string; verifiedEmail?: string }): Promise<void> {
  await db.batch([
    db.update(users).set({ passwordHash: p.passwordHash }).where(eq(users.id, p.userId)),
    db.update(sessions).set({ revokedAt: p.at }).where(and(eq(sessions.userId, p.userId), isNull(sessions.revokedAt))),
    db
      .update(accountTokens)
      .set({ usedAt: p.at })
      .where(and(eq(accountTokens.userId, p.userId), inArray(accountTokens.purpose, ["reset_password", "change_email"]), isNull(accountTokens.usedAt))),
    // A reset link opened from the inbox also proves the address.
    db
      .update(users)
      .set({ emailVerifiedAt: p.at })
      .where(and(eq(users.id, p.userId), eq(users.email, p.verifiedEmail ?? ""), isNull(users.emailVerifiedAt))),
  ]);
}

/** Marks the address verified if it is still the account's address. */
export async function markEmailVerified(db: Db, userId: string, email: string, at: string): Promise<void> {
  await db.update(users).set({ emailVerifiedAt: at }).where(and(eq(users.id, userId), eq(users.email, email), isNull(users.emailVerifiedAt)));
}

/** Moves the account to a verified new address; the unique index refuses one already in use. */
export async function applyEmailChange(db: Db, userId: string, email: string, at: string): Promise<"changed" | "taken"> {
  try {
    await db.batch([
      db.update(users).set({ email, emailVerifiedAt: at }).where(eq(users.id, userId)),
      db
        .update(accountTokens)
        .set({ usedAt: at })
        .where(and(eq(accountTokens.userId, userId), eq(accountTokens.purpose, "change_email"), isNull(accountTokens.usedAt))),
    ]);
    return "changed";
  } catch (error) {
    if (String(error).includes("UNIQUE")) return "taken";
    throw error;
  }
}

// ---------------------------------------------------------------------------
// sessions

export type NewSession = { id: string; userId: string; orgId: string; at: string; expiresAt: string; ip: string | null; userAgent: string | null };

export async function insertSession(db: Db, s: NewSession): Promise<void> {
  await db.insert(sessions).values({
    id: s.id,
    userId: s.userId,
    orgId: s.orgId,
    createdAt: s.at,
    lastSeenAt: s.at,
    expiresAt: s.expiresAt,
    ip: s.ip,
    userAgent: s.userAgent,
  });
}

/** A live session with its user, or null when unknown, revoked or past its absolute expiry. */
export async function findLiveSession(db: Db, id: string, now: string) {
  const rows = await db
    .select({ session: sessions, user: users, role: memberships.role })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    // A session lives in one organisation: without a membership there (removed, or the organisation deleted) it is over.
    .innerJoin(memberships, and(eq(memberships.orgId, sessions.orgId), eq(memberships.userId, sessions.userId)))
    .where(and(eq(sessions.id, id), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .limit(1);
  return rows[0] ?? null;
}

/** The user's sessions that are neither revoked, expired nor idle since `idleSince`, most recent first. */
export async function listLiveSessions(db: Db, userId: string, now: string, idleSince: string): Promise<SessionRow[]> {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now), gt(sessions.lastSeenAt, idleSince)))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt))
    .limit(100);
}

export async function touchSession(db: Db, id: string, at: string): Promise<void> {
  await db.update(sessions).set({ lastSeenAt: at }).where(eq(sessions.id, id));
}

export async function revokeSession(db: Db, id: string, at: string): Promise<void> {
  await db.update(sessions).set({ revokedAt: at }).where(eq(sessions.id, id));
}

/** Revokes one of this user's live sessions; false when there is no such session of theirs. */
export async function revokeUserSession(db: Db, userId: string, id: string, at: string): Promise<boolean> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: at })
    .where(and(eq(sessions.id, id), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return rows.length > 0;
}

/** Revokes every live session of the user except `keepId`; returns how many ended. */
export async function revokeOtherSessions(db: Db, userId: string, keepId: string, at: string): Promise<number> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: at })
    .where(and(eq(sessions.userId, userId), ne(sessions.id, keepId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return rows.length;
}

// ---------------------------------------------------------------------------
// account links

export async function insertAccountToken(db: Db, t: Omit<AccountTokenRow, "usedAt">): Promise<void> {
  await db.insert(accountTokens).values({ ...t, usedAt: null });
}

export async function findAccountToken(db: Db, id: string): Promise<AccountTokenRow | null> {
  return (await db.select().from(accountTokens).where(eq(accountTokens.id, id)).limit(1))[0] ?? null;
}

/**
 * Uses a link exactly once: the conditional update lets one of two concurrent
 * requests win, and never an expired or used link.
 */
export async function consumeAccountToken(db: Db, id: string, purposes: TokenPurpose[], now: string): Promise<AccountTokenRow | null> {
  const rows = await db
    .update(accountTokens)
    .set({ usedAt: now })
    .where(and(eq(accountTokens.id, id), inArray(accountTokens.purpose, purposes), isNull(accountTokens.usedAt), gt(accountTokens.expiresAt, now)))
    .returning();
  return rows[0] ?? null;
}

/** Links of this purpose created for the user since `since`, newest first. */
export async function recentAccountTokens(db: Db, userId: string, purpose: TokenPurpose, since: string): Promise<AccountTokenRow[]> {
  return db
    .select()
    .from(accountTokens)
    .where(and(eq(accountTokens.userId, userId), eq(accountTokens.purpose, purpose), gte(accountTokens.createdAt, since)))
    .orderBy(desc(accountTokens.createdAt))
    .limit(50);
}

/** The newest unused, unexpired email-change link: the address the account is moving to. */
export async function pendingEmailChange(db: Db, userId: string, now: string): Promise<AccountTokenRow | null> {
  const rows = await db
    .select()
    .from(accountTokens)
    .where(and(eq(accountTokens.userId, userId), eq(accountTokens.purpose, "change_email"), isNull(accountTokens.usedAt), gt(accountTokens.expiresAt, now)))
    .orderBy(desc(accountTokens.createdAt))
    .limit(1);
  return rows[0] ?? null;
}
