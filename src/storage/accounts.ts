/** Users, personal organisations, memberships and sessions in D1. */
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Locale } from "../i18n";
import type { Db } from "./db";
import { memberships, organisations, sessions, users } from "./schema";

export type NewAccount = { userId: string; orgId: string; name: string; email: string; passwordHash: string; locale: Locale; at: string };

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
    }),
    db.insert(memberships).values({ orgId: a.orgId, userId: a.userId, role: "owner", createdAt: a.at }),
  ]);
}

export async function findUserByEmail(db: Db, email: string) {
  return (await db.select().from(users).where(eq(users.email, email)).limit(1))[0] ?? null;
}

export async function updatePasswordHash(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash }).where(eq(users.id, userId));
}

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
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, id), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .limit(1);
  return rows[0] ?? null;
}

export async function touchSession(db: Db, id: string, at: string): Promise<void> {
  await db.update(sessions).set({ lastSeenAt: at }).where(eq(sessions.id, id));
}

export async function revokeSession(db: Db, id: string, at: string): Promise<void> {
  await db.update(sessions).set({ revokedAt: at }).where(eq(sessions.id, id));
}
