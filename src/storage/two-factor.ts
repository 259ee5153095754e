/**
 * D1 access for two-factor authentication. Every single-use rule (a time step, a
 * recovery code, a login challenge) is one conditional UPDATE: of two concurrent
 * requests, exactly one changes the row.
 */
import { and, asc, count, eq, gt, inArray, isNotNull, isNull, lt, ne, or, sql } from "drizzle-orm";
import type { Db } from "./db";
import { loginChallenges, twoFactor, twoFactorRecoveryCodes } from "./schema";

export type TwoFactorRow = typeof twoFactor.$inferSelect;
export type LoginChallengeRow = typeof loginChallenges.$inferSelect;

export async function findTwoFactor(db: Db, userId: string): Promise<TwoFactorRow | null> {
  return (await db.select().from(twoFactor).where(eq(twoFactor.userId, userId)).limit(1))[0] ?? null;
}

/** True when the user has confirmed 2FA. */
export async function twoFactorEnabled(db: Db, userId: string): Promise<boolean> {
  const rows = await db.select({ userId: twoFactor.userId }).from(twoFactor).where(and(eq(twoFactor.userId, userId), isNotNull(twoFactor.enabledAt))).limit(1);
  return rows.length > 0;
}

/** Stores a new, unconfirmed secret, replacing an earlier unconfirmed one; never an enabled one (false then). */
export async function savePendingSecret(
  db: Db,
  row: Pick<TwoFactorRow, "userId" | "orgId" | "kekId" | "wrappedKey" | "secretCiphertext" | "createdAt">,
): Promise<boolean> {
  const written = await db
    .insert(twoFactor)
    .values({ ...row, enabledAt: null, lastUsedStep: null })
    .onConflictDoUpdate({
      target: twoFactor.userId,
      set: { kekId: row.kekId, wrappedKey: row.wrappedKey, secretCiphertext: row.secretCiphertext, createdAt: row.createdAt, lastUsedStep: null },
      setWhere: isNull(twoFactor.enabledAt),
    })
    .returning({ userId: twoFactor.userId });
  return written.length > 0;
}

/**
 * Uses a TOTP time step once: succeeds only when it is later than the last step used
 * (a replayed code, or one older than a code already used, is refused).
 */
export async function claimTimeStep(db: Db, userId: string, step: number): Promise<boolean> {
  const rows = await db
    .update(twoFactor)
    .set({ lastUsedStep: step })
    .where(and(eq(twoFactor.userId, userId), or(isNull(twoFactor.lastUsedStep), lt(twoFactor.lastUsedStep, step))))
    .returning({ userId: twoFactor.userId });
  return rows.length > 0;
}

/**
 * Turns 2FA on with the confirming code's step used, and stores the recovery codes,
 * in one atomic batch; false when it was not pending (already enabled, or gone).
 */
export async function enableTwoFactor(
  db: Db,
  p: { userId: string; orgId: string; step: number; at: string; codeHashes: { id: string; codeHash: string }[] },
): Promise<boolean> {
  const [enabled] = await db.batch([
    db
      .update(twoFactor)
      .set({ enabledAt: p.at, lastUsedStep: p.step })
      .where(and(eq(twoFactor.userId, p.userId), isNull(twoFactor.enabledAt)))
      .returning({ userId: twoFactor.userId }),
    // Earlier codes go only if this batch is the one that enabled 2FA.
    db
      .delete(twoFactorRecoveryCodes)
      .where(and(eq(twoFactorRecoveryCodes.userId, p.userId), sql`exists (select 1 from two_factor where user_id = ${p.userId} and enabled_at = ${p.at})`)),
    db.insert(twoFactorRecoveryCodes).values(p.codeHashes.map((c) => ({ ...c, orgId: p.orgId, userId: p.userId, createdAt: p.at }))),
  ]);
  if (enabled.length === 0) {
    // Lost a race with another confirmation: these codes were never shown to anyone.
    await db.delete(twoFactorRecoveryCodes).where(inArray(twoFactorRecoveryCodes.id, p.codeHashes.map((c) => c.id)));
    return false;
  }
  return true;
}

/** Replaces every recovery code of the user (the old ones stop working) in one batch. */
export async function replaceRecoveryCodes(db: Db, p: { userId: string; orgId: string; at: string; codeHashes: { id: string; codeHash: string }[] }): Promise<void> {
  await db.batch([
    db.delete(twoFactorRecoveryCodes).where(eq(twoFactorRecoveryCodes.userId, p.userId)),
    db.insert(twoFactorRecoveryCodes).values(p.codeHashes.map((c) => ({ ...c, orgId: p.orgId, userId: p.userId, createdAt: p.at }))),
  ]);
}

/** Uses one recovery code of this user, once. */
export async function consumeRecoveryCode(db: Db, userId: string, codeHash: string, at: string): Promise<boolean> {
  const rows = await db
    .update(twoFactorRecoveryCodes)
    .set({ usedAt: at })
    .where(and(eq(twoFactorRecoveryCodes.userId, userId), eq(twoFactorRecoveryCodes.codeHash, codeHash), isNull(twoFactorRecoveryCodes.usedAt)))
    .returning({ id: twoFactorRecoveryCodes.id });
  return rows.length > 0;
}

export async function unusedRecoveryCodes(db: Db, userId: string): Promise<number> {
  const rows = await db
    .select({ n: count() })
    .from(twoFactorRecoveryCodes)
    .where(and(eq(twoFactorRecoveryCodes.userId, userId), isNull(twoFactorRecoveryCodes.usedAt)));
  return rows[0]?.n ?? 0;
}

/** Removes the secret and the recovery codes. */
export async function deleteTwoFactor(db: Db, userId: string): Promise<void> {
  await db.batch([
    db.delete(twoFactorRecoveryCodes).where(eq(twoFactorRecoveryCodes.userId, userId)),
    db.delete(twoFactor).where(eq(twoFactor.userId, userId)),
    db.delete(loginChallenges).where(eq(loginChallenges.userId, userId)),
  ]);
}

// ---------------------------------------------------------------------------
// the second step of a login

export async function insertLoginChallenge(db: Db, row: Omit<LoginChallengeRow, "usedAt">): Promise<void> {
  await db.insert(loginChallenges).values(row);
}

/** An unused, unexpired challenge, or null. */
export async function findLiveChallenge(db: Db, id: string, now: string): Promise<LoginChallengeRow | null> {
  const rows = await db
    .select()
    .from(loginChallenges)
    .where(and(eq(loginChallenges.id, id), isNull(loginChallenges.usedAt), gt(loginChallenges.expiresAt, now)))
    .limit(1);
  return rows[0] ?? null;
}

/** Ends a challenge once; false when it was already used or has expired. */
export async function consumeChallenge(db: Db, id: string, now: string): Promise<boolean> {
  const rows = await db
    .update(loginChallenges)
    .set({ usedAt: now })
    .where(and(eq(loginChallenges.id, id), isNull(loginChallenges.usedAt), gt(loginChallenges.expiresAt, now)))
    .returning({ id: loginChallenges.id });
  return rows.length > 0;
}

// ---------------------------------------------------------------------------
// key rotation

/** Secrets whose data key is wrapped by a KEK other than `currentKekId`, in user-id order after `after`. */
export async function staleTwoFactorKeys(db: Db, currentKekId: string, after: string, limit: number) {
  return db
    .select({ userId: twoFactor.userId, kekId: twoFactor.kekId, wrappedKey: twoFactor.wrappedKey })
    .from(twoFactor)
    .where(and(ne(twoFactor.kekId, currentKekId), gt(twoFactor.userId, after)))
    .orderBy(asc(twoFactor.userId))
    .limit(limit);
}

/** Stores a rewrapped data key, only if the row still holds the key that was read (a concurrent run or a disable wins). */
export async function replaceWrappedKey(db: Db, p: { userId: string; from: { kekId: string; wrappedKey: string }; to: { kekId: string; wrappedKey: string } }): Promise<void> {
  await db
    .update(twoFactor)
    .set(p.to)
    .where(and(eq(twoFactor.userId, p.userId), eq(twoFactor.kekId, p.from.kekId), eq(twoFactor.wrappedKey, p.from.wrappedKey)));
}

/** How many 2FA secrets are still wrapped by an older KEK: the operator may retire that KEK only at 0. */
export async function countStaleTwoFactorKeys(db: Db, currentKekId: string): Promise<number> {
  const row = (await db.select({ n: count() }).from(twoFactor).where(ne(twoFactor.kekId, currentKekId)))[0];
  return row?.n ?? 0;
}

/** For the daily cron: login challenges are good for minutes; forget them a day after they expire. */
export async function sweepLoginChallenges(db: Db, now: Date): Promise<void> {
  await db.delete(loginChallenges).where(lt(loginChallenges.expiresAt, new Date(now.getTime() - 24 * 3600_000).toISOString()));
}
