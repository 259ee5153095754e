/** Idempotency keys: the first request with a key claims it; retries get its result. */
import { and, eq } from "drizzle-orm";
import type { Db } from "./db";
import { idempotencyKeys } from "./schema";

const PENDING = "__pending__";

export type Claim = { claimed: true } | { claimed: false; result: string | null };

export async function claimKey(db: Db, orgId: string, scope: string, key: string): Promise<Claim> {
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ orgId, scope, key, result: PENDING, createdAt: new Date().toISOString() })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (inserted.length > 0) return { claimed: true };
  const row = (await db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.orgId, orgId), eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key))).limit(1))[0];
  return { claimed: false, result: row && row.result !== PENDING ? row.result : null };
}

export async function completeKey(db: Db, orgId: string, scope: string, key: string, result: string): Promise<void> {
  await db.update(idempotencyKeys).set({ result }).where(and(eq(idempotencyKeys.orgId, orgId), eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}

/** A failed attempt releases its key so the person can try again. */
export async function releaseKey(db: Db, orgId: string, scope: string, key: string): Promise<void> {
  await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.orgId, orgId), eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}

export async function withIdempotency(
  db: Db,
  target: { orgId: string; scope: string; key: string },
  work: () => Promise<string>,
): Promise<{ result: string | null; replayed: boolean }> {
  const claim = await claimKey(db, target.orgId, target.scope, target.key);
  if (!claim.claimed) return { result: claim.result, replayed: true };
  try {
    const result = await work();
    await completeKey(db, target.orgId, target.scope, target.key, result);
    return { result, replayed: false };
  } catch (error) {
    await releaseKey(db, target.orgId, target.scope, target.key);
    throw error;
  }
}
