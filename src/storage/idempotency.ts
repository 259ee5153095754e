/** Idempotency keys: the first request with a key claims it; retries get its result. */
import { and, eq, lt, or } from "drizzle-orm";
import type { Db } from "./db";
import { apiIdempotency, idempotencyKeys } from "./schema";

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

// ---- the JSON API's Idempotency-Key: the whole first answer is kept and replayed ----

/** The parts of a response a retry gets back. */
export type StoredReply = { status: number; headers: Record<string, string>; body: string };

export type ApiClaim =
  | { outcome: "claimed" }
  | { outcome: "replay"; reply: StoredReply }
  | { outcome: "in_flight" }
  | { outcome: "mismatch" };

/** Answers are kept this long; a request that died mid-way frees its key after a few minutes. */
export const API_REPLY_TTL_MS = 24 * 3600_000;
const ABANDONED_AFTER_MS = 5 * 60_000;

/**
 * Claims an idempotency key for one request (by the hash of method, path and body).
 * Exactly one of several concurrent requests wins the insert; the others learn whether
 * to wait (in flight), replay the stored answer, or refuse (another request).
 */
export async function claimApiRequest(db: Db, target: { orgId: string; keyHash: string; requestHash: string }, now = Date.now()): Promise<ApiClaim> {
  const { orgId, keyHash, requestHash } = target;
  const match = and(eq(apiIdempotency.orgId, orgId), eq(apiIdempotency.keyHash, keyHash));
  await db
    .delete(apiIdempotency)
    .where(
      and(
        match,
        or(
          lt(apiIdempotency.expiresAt, new Date(now).toISOString()),
          and(eq(apiIdempotency.state, "pending"), lt(apiIdempotency.createdAt, new Date(now - ABANDONED_AFTER_MS).toISOString())),
        ),
      ),
    );
  const inserted = await db
    .insert(apiIdempotency)
    .values({ orgId, keyHash, requestHash, state: "pending", createdAt: new Date(now).toISOString(), expiresAt: new Date(now + API_REPLY_TTL_MS).toISOString() })
    .onConflictDoNothing()
    .returning({ keyHash: apiIdempotency.keyHash });
  if (inserted.length > 0) return { outcome: "claimed" };
  const row = (await db.select().from(apiIdempotency).where(match).limit(1))[0];
  if (!row) return { outcome: "in_flight" };
  if (row.requestHash !== requestHash) return { outcome: "mismatch" };
  if (row.state === "pending" || row.status === null) return { outcome: "in_flight" };
  return { outcome: "replay", reply: { status: row.status, headers: JSON.parse(row.headers ?? "{}") as Record<string, string>, body: row.body ?? "" } };
}

export async function storeApiReply(db: Db, target: { orgId: string; keyHash: string }, reply: StoredReply): Promise<void> {
  await db
    .update(apiIdempotency)
    .set({ state: "done", status: reply.status, headers: JSON.stringify(reply.headers), body: reply.body })
    .where(and(eq(apiIdempotency.orgId, target.orgId), eq(apiIdempotency.keyHash, target.keyHash)));
}

/** A request that failed on our side frees its key, so the retry runs again. */
export async function releaseApiRequest(db: Db, target: { orgId: string; keyHash: string }): Promise<void> {
  await db.delete(apiIdempotency).where(and(eq(apiIdempotency.orgId, target.orgId), eq(apiIdempotency.keyHash, target.keyHash)));
}

/** For the daily cron: forgets answers older than 24 hours. */
export async function sweepApiReplies(db: Db, now = Date.now()): Promise<void> {
  await db.delete(apiIdempotency).where(lt(apiIdempotency.expiresAt, new Date(now).toISOString()));
}
