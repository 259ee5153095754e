/** API keys in D1. Keys are found by the SHA-256 of the whole key; the key itself is never stored. */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "./db";
import { apiKeys, memberships, users } from "./schema";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertApiKey(db: Db, row: ApiKeyRow): Promise<void> {
  await db.insert(apiKeys).values(row);
}

/** The organisation's keys, newest first, revoked ones included (they show as revoked). */
export async function listApiKeys(db: Db, orgId: string): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.orgId, orgId)).orderBy(desc(apiKeys.createdAt)).limit(200);
}

export async function findApiKey(db: Db, orgId: string, id: string): Promise<ApiKeyRow | null> {
  return (await db.select().from(apiKeys).where(and(eq(apiKeys.id, id), eq(apiKeys.orgId, orgId))).limit(1))[0] ?? null;
}

/** A live (not revoked) key by its hash, with the user it acts for, while that user is still a member. */
export async function findLiveApiKeyByHash(db: Db, keyHash: string) {
  const rows = await db
    .select({ key: apiKeys, user: users })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.createdBy))
    .innerJoin(memberships, and(eq(memberships.orgId, apiKeys.orgId), eq(memberships.userId, apiKeys.createdBy)))
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .limit(1);
  return rows[0] ?? null;
}

/** Revokes once; returns false when the key was unknown or already revoked. */
export async function revokeApiKey(db: Db, orgId: string, id: string, at: string): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

export async function touchApiKey(db: Db, id: string, at: string): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
}

/** The user's role in an organisation, or null when not a member. */
export async function membershipRole(db: Db, orgId: string, userId: string) {
  const row = (await db.select({ role: memberships.role }).from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId))).limit(1))[0];
  return row?.role ?? null;
}
